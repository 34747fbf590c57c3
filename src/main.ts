import { existsSync } from 'node:fs';
import { configOrExit } from './app/bootstrap.js';
import type { Service, ServiceWorld } from './app/service.js';
import { createSystemClock } from './adapters/sim/clock.js';
import { addDays, nyDate } from './core/time/ny.js';
import { createLogger } from './log.js';

/**
 * `npm start`: the long-running trader. Opens the journal, picks the world (the embedded
 * simulator in sim mode, Alpaca in paper/live), reconciles the broker with the journal
 * (refusing to trade if that fails), then hands over to the scheduler: decision cycles at
 * SCHEDULE_SLOTS (+ jitter), position health every POSITION_HEALTH_INTERVAL_MIN in regular
 * hours, the EOD digest after each close. Logs are JSON lines on stdout (journald).
 *
 * SIGTERM / SIGINT: stop scheduling, let the running job finish what is in flight (a cycle
 * completes the symbols it started, starts no new one), bounded by SHUTDOWN_GRACE_SEC; then
 * close the database and exit 0 (1 if the grace period ran out). A second signal exits at once.
 */

const config = configOrExit();
const wallClock = createSystemClock();
const log = createLogger({ level: config.logLevel, clock: wallClock });
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

let service: Service | null = null;
let closeJournal: () => void = () => {};
let stopping = false;

function exit(code: number, why: string): never {
  try {
    closeJournal();
  } catch (e) {
    log.error('closing the journal failed', { error: errText(e) });
  }
  log.info('stopped', { exit_code: code, why });
  process.exit(code);
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) exit(1, `second ${signal}: not waiting any longer`);
  stopping = true;
  const graceMs = config.schedule.shutdownGraceSec * 1000;
  const running = service?.scheduler.running() ?? null;
  log.info('shutdown requested', { signal, grace_s: config.schedule.shutdownGraceSec, running: running ? `${running.job} ${running.label}` : null });
  if (!service) exit(0, `${signal} during startup`);
  service.scheduler.stop();
  const timer = setTimeout(() => exit(1, `grace period of ${config.schedule.shutdownGraceSec}s ran out with a job still running`), graceMs);
  void service.scheduler.idle().then(() => {
    clearTimeout(timer);
    exit(0, signal);
  });
}

process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
process.on('unhandledRejection', (e) => log.error('unhandled rejection', { error: errText(e) }));
process.on('uncaughtException', (e) => {
  log.error('uncaught exception', { error: errText(e) });
  exit(1, 'uncaught exception');
});

async function main(): Promise<void> {
  // The heavy modules (SDKs, adapters) load after the signal handlers are in place, so a
  // SIGTERM during startup is a clean stop too.
  const [{ chooseBrain, createAlpacaWorld, createSimWorld, openJournal, reportFailedCycle }, { createService }, { createNyseRulesCalendar }, { createSystemTimers }, { reconcile }, { prewarmDailyBars }] =
    await Promise.all([
      import('./app/compose.js'),
      import('./app/service.js'),
      import('./adapters/calendar/nyse-rules.js'),
      import('./adapters/timers/system.js'),
      import('./jobs/reconcile.js'),
      import('./app/daily-bars-store.js'),
    ]);
  if (stopping) return;
  const clock = wallClock;
  const journal = openJournal(config, wallClock, config.mode);
  closeJournal = () => journal.close();
  let world: ServiceWorld;
  if (config.mode === 'sim') {
    // The synthetic market is generated a year ahead so a long-running sim service keeps
    // having "today"; market data never returns a bar that closes after the clock.
    const sim = createSimWorld(config, clock, journal, addDays(nyDate(clock.now()), 366));
    world = { broker: sim.broker, market: sim.market, calendar: createNyseRulesCalendar() };
  } else {
    world = createAlpacaWorld(config, { clock, journal, log });
  }
  const brain = chooseBrain(config, { wallClock, log });
  const svc = createService({ config, mode: config.mode, clock, wallClock, timers: createSystemTimers(clock), random: Math.random, world, journal, brain, log });

  // A hard kill leaves at most one symbol's order step unjournaled: reconciliation settles it.
  let held: readonly string[] = [];
  try {
    const r = await reconcile({ broker: world.broker, journal, log }, { now: clock.now() });
    held = r.positions.map((p) => p.symbol);
    log.info('reconciled with the broker', { positions: r.positions.length, open_orders: r.open_orders, adopted: r.adopted.length, exits: r.exits.length, unknown_orders: r.unknown_orders.length, position_mismatches: r.position_mismatches.length });
  } catch (e) {
    log.error('reconciliation failed: not trading', { error: errText(e) });
    await reportFailedCycle(svc.cycle, clock.now(), `reconciliation failed at start: ${errText(e)}`);
    exit(1, 'reconciliation failed');
  }
  if (stopping) exit(0, 'stopped during startup');
  service = svc;

  log.info('service starting', {
    mode: config.mode,
    brain: brain.name,
    db: config.paths.db,
    reports: config.paths.reports,
    slots: config.schedule.slots.map((s) => s.label),
    jitter_s: config.schedule.jitterSec,
    position_health_min: config.schedule.positionHealthIntervalMin,
    eod_delay_min: config.schedule.eodDelayMin,
    shutdown_grace_s: config.schedule.shutdownGraceSec,
    halt_file: config.haltFile,
    kill_switch_engaged: existsSync(config.haltFile),
  });
  if (existsSync(config.haltFile)) log.warn('kill switch engaged: cycles will journal HOLDs and send no orders', { halt_file: config.haltFile });
  if (config.mode !== 'sim' && config.dailyBarsStore !== null) {
    // Backfill the daily-bar store off the cycles' critical path: a cycle that starts meanwhile waits for it, then fetches only the tail.
    const t0 = wallClock.now();
    void prewarmDailyBars(svc.cycle, clock.now(), held).then(
      (r) => log.info('daily bars pre-warmed', { symbols: r.symbols, ms: wallClock.now() - t0 }),
      (e: unknown) => log.warn('daily-bar pre-warm failed: cycles fetch what they need', { error: errText(e) }),
    );
  }
  await svc.scheduler.start();
}

main().catch((e: unknown) => {
  log.error('service failed to start', { error: errText(e) });
  exit(1, 'startup failed');
});
