import type { Config } from '../config.js';
import type { CycleDeps } from '../cycle/types.js';
import type { Logger } from '../log.js';
import type { Brain } from '../ports/brain.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar, Clock, Timers } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import type { SqliteJournal } from '../journal/journal.js';
import { createDayJournal } from '../journal/day-queries.js';
import { createOutcomeJournal } from '../journal/outcomes-store.js';
import { createFileReportStore } from '../adapters/reports/files.js';
import type { EodDeps } from '../jobs/eod-digest.js';
import { slotsOutsideRegularHours } from '../jobs/schedule.js';
import { serviceJobs, type ServiceJobsDeps } from '../jobs/scheduler/jobs.js';
import { createScheduler, type JobSpec, type Scheduler, type SchedulerEvents } from '../jobs/scheduler/scheduler.js';
import { runPositionHealth } from '../jobs/position-health.js';
import { cycleDeps, positionHealthDeps } from './compose.js';

/**
 * Wires the scheduler for `npm start` and `npm run demo`: the same jobs and the same
 * scheduler; only the clock, the timers, the random source and the world differ.
 */

export interface ServiceWorld {
  readonly broker: Broker;
  readonly market: MarketData;
  readonly calendar: Calendar;
}

export interface ServiceOptions extends SchedulerEvents {
  readonly config: Config;
  readonly mode: string;
  /** Market time: the system clock in production, the sim clock in the demo. */
  readonly clock: Clock;
  readonly wallClock: Clock;
  readonly timers: Timers;
  /** Jitter source: Math.random in production, seeded in the demo and tests. */
  readonly random: () => number;
  readonly world: ServiceWorld;
  readonly journal: SqliteJournal;
  readonly brain: Brain;
  readonly log: Logger;
  /** Default: the TRADER_HALT_FILE check. */
  readonly haltSwitch?: () => boolean;
}

export interface Service {
  readonly scheduler: Scheduler;
  readonly jobs: readonly JobSpec[];
  readonly cycle: CycleDeps;
  readonly eod: EodDeps;
}

export function createService(o: ServiceOptions): Service {
  const cycle = cycleDeps({
    config: o.config,
    mode: o.mode,
    wallClock: o.wallClock,
    calendar: o.world.calendar,
    broker: o.world.broker,
    market: o.world.market,
    brain: o.brain,
    journal: o.journal,
    log: o.log,
    ...(o.haltSwitch ? { haltSwitch: o.haltSwitch } : {}),
  });
  const eod: EodDeps = {
    broker: o.world.broker,
    journal: o.journal,
    days: createDayJournal(o.journal.db),
    calendar: o.world.calendar,
    clock: o.clock,
    wallClock: o.wallClock,
    reports: createFileReportStore(o.config.paths.reports),
    log: o.log,
    mode: o.mode,
    // Scoreboard (issue 11): decision outcomes, SPY's close and the equity at each close.
    outcomes: { market: o.world.market, store: createOutcomeJournal(o.journal.db, o.wallClock) },
  };
  const s = o.config.schedule;
  // Position health (issue #6): every POSITION_HEALTH_INTERVAL_MIN in regular hours, in production and in the demo alike.
  const health = positionHealthDeps({
    config: o.config,
    mode: o.mode,
    calendar: o.world.calendar,
    broker: o.world.broker,
    journal: o.journal,
    log: o.log,
    ...(o.haltSwitch ? { haltSwitch: o.haltSwitch } : {}),
  });
  const positionHealth: ServiceJobsDeps['positionHealth'] =
    s.positionHealthIntervalMin > 0 ? { intervalMin: s.positionHealthIntervalMin, run: (asOf) => runPositionHealth(health, asOf) } : null;
  const regimePrewarm = regimePrewarmFor(o.config, o.log);
  const jobs = serviceJobs({ clock: o.clock, cycle, slots: s.slots, jitterSec: s.jitterSec, regimePrewarm, positionHealth, eod: { delayMin: s.eodDelayMin, deps: eod } });
  const never = slotsOutsideRegularHours(s.slots);
  if (never.length > 0) o.log.warn('cycle slots outside regular hours never run', { slots: never });
  const scheduler = createScheduler({
    clock: o.clock,
    timers: o.timers,
    calendar: o.world.calendar,
    log: o.log,
    random: o.random,
    jobs,
    ...(o.onDone ? { onDone: o.onDone } : {}),
    ...(o.onSkip ? { onSkip: o.onSkip } : {}),
  });
  return { scheduler, jobs, cycle, eod };
}

/**
 * The regime pre-warm (REGIME_PREWARM_SEC before each slot), when a verdict computed then is
 * still within REGIME_TTL_SEC when the jittered cycle starts; otherwise off, with a warning.
 */
export function regimePrewarmFor(config: Config, log: Logger): { readonly leadSec: number } | null {
  const lead = config.regimePrewarmSec;
  if (lead <= 0) return null;
  const ttl = config.regimeTtlSec;
  const jitter = config.schedule.jitterSec;
  if (lead + jitter >= ttl) {
    log.warn('regime pre-warm off: a verdict computed REGIME_PREWARM_SEC before the slot would expire before the cycle starts', { regime_prewarm_sec: lead, schedule_jitter_sec: jitter, regime_ttl_sec: ttl });
    return null;
  }
  return { leadSec: lead };
}
