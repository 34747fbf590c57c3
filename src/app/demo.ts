import { existsSync, rmSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Clock } from '../ports/clock.js';
import { createNyseRulesCalendar, nyseSessions } from '../adapters/calendar/nyse-rules.js';
import { createSimClock } from '../adapters/sim/clock.js';
import { createVirtualTimers } from '../adapters/timers/virtual.js';
import { createRng, hashSeed } from '../adapters/sim/rng.js';
import type { CycleSummary } from '../cycle/types.js';
import { addDays, nyDate, nyTime } from '../core/time/ny.js';
import { matchFifo, winRate, type Fill } from '../core/round-trips.js';
import { journalFiles } from '../journal/jsonl.js';
import { openDatabase } from '../journal/sqlite.js';
import type { EodResult } from '../jobs/eod-digest.js';
import { createHealthTally, type PositionHealthResult } from '../jobs/position-health.js';
import { JOB } from '../jobs/scheduler/jobs.js';
import { chooseBrain, createSimWorld, openJournal } from './compose.js';
import { createService } from './service.js';

export interface DemoOptions {
  readonly config: Config;
  readonly days: number;
  /** Last session (YYYY-MM-DD); default: the last session that closed before the wall clock's now. */
  readonly end?: string;
  readonly wallClock: Clock;
  readonly log: Logger;
  readonly print: (line: string) => void;
}

export interface DemoResult {
  readonly sessions: number;
  readonly from: string;
  readonly to: string;
  readonly startEquity: number;
  readonly endEquity: number;
  readonly cycles: number;
  readonly failedCycles: number;
  readonly ordersPlaced: number;
  readonly fills: number;
  readonly roundTrips: number;
  readonly winRate: number | null;
}

const money = (x: number) => x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;

/**
 * The demo starts from a clean journal. It refuses to delete one that holds anything but
 * simulator cycles, so pointing it at a paper or live database by mistake loses nothing.
 */
export function resetSimJournal(config: Config): void {
  const db = config.paths.db;
  if (existsSync(db)) {
    const r = openDatabase(db, { readonly: true });
    try {
      const hasCycles = r.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cycles'").get();
      const modes = hasCycles ? (r.prepare('SELECT DISTINCT mode FROM cycles').all() as { mode: string }[]).map((m) => m.mode) : [];
      const foreign = modes.filter((m) => m !== 'sim');
      if (foreign.length > 0) throw new Error(`${db} holds ${foreign.join('/')} cycles; the demo will not overwrite it. Point TRADER_DB_PATH elsewhere.`);
    } finally {
      r.close();
    }
  }
  for (const f of [db, `${db}-wal`, `${db}-shm`, ...journalFiles(config.paths.journal)]) rmSync(f, { force: true });
}

export function lastClosedSessionDate(now: number): string {
  const today = nyDate(now);
  const closed = nyseSessions(addDays(today, -14), today).filter((s) => s.close <= now);
  return closed[closed.length - 1]!.date;
}

/**
 * Runs the simulator over the last N sessions through the service's own scheduler, in
 * accelerated time: the sim clock jumps from one scheduled job to the next (cycles at
 * SCHEDULE_SLOTS plus seeded jitter, position health, the EOD digest after each close), and
 * each job runs to completion before time moves on. Jitter comes from a source seeded by
 * SIM_SEED, so a run is reproducible. The kill switch file is not consulted: the demo is a
 * self-contained simulation.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const end = o.end ?? lastClosedSessionDate(o.wallClock.now());
  const sessions = nyseSessions(addDays(end, -(o.days * 2 + 14)), end).slice(-o.days);
  if (sessions.length === 0) throw new Error(`no sessions up to ${end}`);
  resetSimJournal(o.config);
  const first = sessions[0]!;
  const last = sessions[sessions.length - 1]!;
  const clock = createSimClock(nyTime(first.date, '00:00'));
  const timers = createVirtualTimers(clock);
  const journal = openJournal(o.config, o.wallClock, 'sim');
  try {
    const world = createSimWorld(o.config, clock, journal, end);
    const calendar = createNyseRulesCalendar();
    const brain = chooseBrain(o.config);
    const startEquity = (await world.broker.getAccount()).equity;
    o.print(`Demo: ${sessions.length} sessions ${first.date}..${end} on the ${o.config.sim.dataDir ? `CSV replay (${o.config.sim.dataDir})` : `synthetic market (seed ${o.config.sim.seed})`}, ${brain.name} brain`);
    let cycles = 0;
    let failedCycles = 0;
    let prevEquity = startEquity;
    const days = new Map<string, { BUY: number; SELL: number; HOLD: number; orders: number }>();
    const dayOf = (date: string) => {
      let d = days.get(date);
      if (!d) days.set(date, (d = { BUY: 0, SELL: 0, HOLD: 0, orders: 0 }));
      return d;
    };
    const healthTally = createHealthTally(o.config.trail);
    const service = createService({
      config: o.config,
      mode: 'sim',
      clock,
      wallClock: o.wallClock,
      timers,
      random: createRng(hashSeed(o.config.sim.seed, 'schedule-jitter')),
      world: { broker: world.broker, market: world.market, calendar },
      journal,
      brain,
      log: o.log,
      haltSwitch: () => false,
      onDone(job, fire, out) {
        if (job === JOB.cycle) {
          cycles++;
          const sum = out.result as CycleSummary | undefined;
          if (!sum || sum.status === 'failed') failedCycles++;
          if (!sum) return;
          const day = dayOf(fire.session.date);
          day.BUY += sum.actions.BUY;
          day.SELL += sum.actions.SELL;
          day.HOLD += sum.actions.HOLD;
          day.orders += sum.orders_submitted;
        } else if (job === JOB.positionHealth) {
          healthTally.add(out.result as PositionHealthResult | undefined);
        } else if (job === JOB.eod) {
          const s = fire.session;
          const day = dayOf(s.date);
          const r = out.result as EodResult | undefined;
          if (!r) {
            o.print(`${s.date}${s.early ? '*' : ' '} EOD digest failed: ${out.error instanceof Error ? out.error.message : String(out.error)}`);
            return;
          }
          const equity = r.equity ?? prevEquity;
          o.print(
            `${s.date}${s.early ? '*' : ' '} equity ${money(equity).padStart(12)} (${pct(equity / prevEquity - 1)})  ` +
              `BUY ${day.BUY} SELL ${day.SELL} HOLD ${day.HOLD}  orders ${day.orders}  fills ${r.fills}  positions ${r.positions}`,
          );
          prevEquity = equity;
        }
      },
    });
    await service.scheduler.start();
    const lastEod = last.close + o.config.schedule.eodDelayMin * 60_000;
    await timers.runUntil(lastEod, () => service.scheduler.idle());
    service.scheduler.stop();
    await service.scheduler.idle();
    const endEquity = (await world.broker.getAccount()).equity;
    const rows = journal.db
      .prepare("SELECT symbol, side, filled_qty AS qty, filled_avg_price AS price, filled_at AS at, commission FROM orders WHERE status = 'filled' ORDER BY filled_at, id")
      .all() as Fill[];
    const placed = (journal.db.prepare('SELECT COUNT(*) AS n FROM orders WHERE trade_id IS NOT NULL AND parent_id IS NULL').get() as { n: number }).n;
    const exits = journal.db.prepare("SELECT COALESCE(exit_kind, 'entry') AS k, COUNT(*) AS n FROM orders WHERE status = 'filled' GROUP BY k ORDER BY k").all() as { k: string; n: number }[];
    const trips = matchFifo(rows).trips;
    const wr = winRate(trips);
    o.print(`start equity ${money(startEquity)}  end equity ${money(endEquity)} (${pct(endEquity / startEquity - 1)})`);
    o.print(`cycles ${cycles} (${failedCycles} failed)  orders placed ${placed}  fills ${rows.length} (${exits.map((e) => `${e.k} ${e.n}`).join(', ')})`);
    o.print(`round trips ${trips.length}  win rate ${wr === null ? 'n/a (no closed trades)' : `${(wr * 100).toFixed(1)}%`}`);
    o.print(healthTally.line());
    o.print(`journal: ${o.config.paths.db} and ${o.config.paths.journal}; EOD digests: ${o.config.paths.reports}/eod (latest.md)`);
    return { sessions: sessions.length, from: first.date, to: end, startEquity, endEquity, cycles, failedCycles, ordersPlaced: placed, fills: rows.length, roundTrips: trips.length, winRate: wr };
  } finally {
    journal.close();
  }
}
