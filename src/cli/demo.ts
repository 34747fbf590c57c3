import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { runDemo } from '../app/demo.js';
import { createSystemClock } from '../adapters/sim/clock.js';
import { createLogger } from '../log.js';
import { parseCli } from './args.js';

const USAGE = `
npm run demo [-- --days N] [--end YYYY-MM-DD]

Runs the embedded simulated market over the last N trading sessions (default 20) through
the service's own scheduler in accelerated time: decision cycles at SCHEDULE_SLOTS (default
10:00, 12:00, 14:00, 15:30 New York, plus seeded jitter), position health every
POSITION_HEALTH_INTERVAL_MIN in regular hours, and the EOD digest after each close (into
REPORTS_DIR/eod), with fills in between. Prints one line per session and a summary; leaves
the journal at TRADER_DB_PATH and TRADER_JOURNAL_PATH (recreated on every run; a journal
holding paper or live cycles is never touched). No keys needed. SIM_SEED fixes the
synthetic market and the jitter; SIM_DATA_DIR replays CSV files instead.

  --days N           sessions to simulate (1..500, default 20)
  --end YYYY-MM-DD   last session (default: the last session closed before now)
  -h, --help         this text
`;

const { values } = parseCli(USAGE, { days: { type: 'string' }, end: { type: 'string' } });
const days = values.days === undefined ? 20 : Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 500) {
  process.stderr.write(`--days: expected a whole number from 1 to 500, got ${JSON.stringify(values.days)}\n`);
  process.exit(2);
}
if (values.end !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.end)) {
  process.stderr.write(`--end: expected YYYY-MM-DD, got ${JSON.stringify(values.end)}\n`);
  process.exit(2);
}
const config = configOrExit();
const wallClock = createSystemClock();
// Cycle summaries go to stderr as JSON lines only at warn and above, so the demo's own lines stay readable.
const log = createLogger({ level: 'warn', clock: wallClock, write: (l) => process.stderr.write(`${l}\n`) });
const started = Date.now();
runDemo({ config, days, ...(values.end ? { end: values.end } : {}), wallClock, log, print: (l) => process.stdout.write(`${l}\n`) })
  .then((r) => {
    process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    process.exit(r.failedCycles > 0 ? 1 : 0);
  })
  .catch(failAndExit);
