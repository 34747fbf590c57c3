import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { chooseBrain, createSimWorld, cycleDeps, openJournal } from '../app/compose.js';
import { createSimClock, createSystemClock } from '../adapters/sim/clock.js';
import { runCycle } from '../cycle/run-cycle.js';
import { syncOrders } from '../jobs/order-sync.js';
import { createLogger } from '../log.js';
import { isoArg, parseCli } from './args.js';

const USAGE = `
npm run cycle [-- --force] [--as-of ISO]

Runs one decision cycle now over the watchlist and exits: 0 when it completed (or was a
no-op because the market is closed), 1 when any symbol failed, 2 on bad configuration.
Logs are JSON lines on stdout; the last one is the cycle summary.

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
  if (config.mode !== 'sim') throw new Error(`TRADER_MODE=${config.mode} needs the Alpaca adapters, which are not built yet; use TRADER_MODE=sim`);
  const asOf = isoArg('--as-of', values['as-of']) ?? wallClock.now();
  const clock = createSimClock(asOf);
  const journal = openJournal(config, wallClock, config.mode);
  try {
    const world = createSimWorld(config, clock, journal);
    const deps = cycleDeps({ config, mode: config.mode, wallClock, broker: world.broker, market: world.market, brain: chooseBrain(config), journal, log });
    const summary = await runCycle(deps, asOf, { force: values.force ?? false });
    await syncOrders({ broker: world.broker, journal }, asOf - 7 * 86_400_000);
    return summary.status === 'failed' ? 1 : 0;
  } finally {
    journal.close();
  }
}

main().then((code) => process.exit(code), failAndExit);
