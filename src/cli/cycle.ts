import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { chooseBrain, createAlpacaWorld, createSimWorld, cycleDeps, openJournal, reportFailedCycle, reportersFor } from '../app/compose.js';
import { createSimClock, createSystemClock } from '../adapters/sim/clock.js';
import { runCycle } from '../cycle/run-cycle.js';
import { syncOrders } from '../jobs/order-sync.js';
import { reconcile } from '../jobs/reconcile.js';
import type { CycleSummary } from '../cycle/types.js';
import { createLogger } from '../log.js';
import { isoArg, parseCli } from './args.js';

const USAGE = `
npm run cycle [-- --force] [--as-of ISO]

Reconciles the broker with the journal, then runs one decision cycle now over the
watchlist and exits: 0 when it completed (or was a no-op because the market is closed),
1 when any symbol failed or reconciliation failed (then nothing is traded), 2 on bad
configuration. TRADER_MODE=sim runs the embedded simulator; paper and live talk to Alpaca
(APCA_API_BASE_URL / APCA_API_DATA_URL). Logs are JSON lines on stdout; the last one is
the cycle summary.

  --force        run even when the market is closed (orders then wait for the next open)
  --as-of ISO    simulator only: the market time to run at, e.g. 2026-11-20T15:00:00Z
                 (must not be earlier than the simulator's persisted state)
  -h, --help     this text
`;

const { values } = parseCli(USAGE, { force: { type: 'boolean' }, 'as-of': { type: 'string' } });
const config = configOrExit();
const wallClock = createSystemClock();
const log = createLogger({ level: config.logLevel, clock: wallClock });

async function main(): Promise<number> {
  const asOfArg = isoArg('--as-of', values['as-of']);
  if (asOfArg !== undefined && config.mode !== 'sim') {
    process.stderr.write(`--as-of is for the simulator only (TRADER_MODE=${config.mode} trades now)\n`);
    return 2;
  }
  const asOf = asOfArg ?? wallClock.now();
  const journal = openJournal(config, wallClock, config.mode);
  // Reporters (healthcheck, metrics) run after the cycle is journaled; wait for them before exiting.
  const inFlight: Promise<unknown>[] = [];
  const reporters = reportersFor(config).map((r) => (s: CycleSummary) => {
    const p = Promise.resolve().then(() => r(s));
    inFlight.push(p.catch(() => undefined));
    return p;
  });
  try {
    const clock = config.mode === 'sim' ? createSimClock(asOf) : wallClock;
    const world = config.mode === 'sim' ? createSimWorld(config, clock, journal) : createAlpacaWorld(config, { clock, journal, log });
    const deps = cycleDeps({
      config,
      mode: config.mode,
      wallClock,
      ...('calendar' in world ? { calendar: world.calendar } : {}),
      broker: world.broker,
      market: world.market,
      brain: chooseBrain(config, { wallClock, log }),
      journal,
      log,
      reporters,
    });
    try {
      await reconcile({ broker: world.broker, journal, log }, { now: asOf });
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      log.error('reconciliation failed: not trading', { error: reason });
      await reportFailedCycle(deps, asOf, reason);
      return 1;
    }
    const summary = await runCycle(deps, asOf, { force: values.force ?? false });
    await syncOrders({ broker: world.broker, journal }, asOf - 7 * 86_400_000);
    await Promise.allSettled(inFlight);
    return summary.status === 'failed' ? 1 : 0;
  } finally {
    journal.close();
  }
}

main().then((code) => process.exit(code), failAndExit);
