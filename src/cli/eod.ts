import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { createAlpacaWorld, createSimWorld, openJournal } from '../app/compose.js';
import { createNyseRulesCalendar } from '../adapters/calendar/nyse-rules.js';
import { createFileReportStore } from '../adapters/reports/files.js';
import { parseSimState } from '../adapters/sim/broker-state.js';
import { createSimClock, createSystemClock } from '../adapters/sim/clock.js';
import { addDays, nyDate, nyTime, parseDate } from '../core/time/ny.js';
import { runEodDigest } from '../jobs/eod-digest.js';
import { createDayJournal } from '../journal/day-queries.js';
import { createOutcomeJournal } from '../journal/outcomes-store.js';
import type { MarketData } from '../ports/market-data.js';
import { createLogger } from '../log.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar, Clock } from '../ports/clock.js';
import { parseCli } from './args.js';

const USAGE = `
npm run eod [-- --date YYYY-MM-DD]

Writes the end-of-day digest (no model call) from the journal and the account:
REPORTS_DIR/eod/YYYY-MM-DD.md, the equity sparkline YYYY-MM-DD.svg beside it, and
REPORTS_DIR/eod/latest.md. The service writes it by itself EOD_DELAY_MIN after each close;
this command (re)writes it by hand.

  --date YYYY-MM-DD   the New York trading day (default: the last session that has closed).
                      An explicit older date does not replace latest.md.
  -h, --help          this text

In sim mode the account is the simulator's as of that day's digest time (or its last saved
state, if later: a simulator cannot go back in time). Paper/live read the account now.
`;

const { values } = parseCli(USAGE, { date: { type: 'string' } });
if (values.date !== undefined) {
  try {
    parseDate(values.date);
  } catch {
    process.stderr.write(`--date: expected a YYYY-MM-DD date, got ${JSON.stringify(values.date)}\n`);
    process.exit(2);
  }
}
const config = configOrExit();
const wallClock = createSystemClock();
const log = createLogger({ level: config.logLevel, clock: wallClock, write: (l) => process.stderr.write(`${l}\n`) });

async function lastClosedDate(calendar: Calendar, now: number): Promise<string> {
  const today = nyDate(now);
  const closed = (await calendar.sessions(addDays(today, -14), today)).filter((s) => s.close <= now);
  const last = closed[closed.length - 1];
  if (!last) throw new Error(`no session closed in the two weeks up to ${today}`);
  return last.date;
}

async function main(): Promise<number> {
  const journal = openJournal(config, wallClock, config.mode);
  try {
    let broker: Broker;
    let market: MarketData;
    let calendar: Calendar;
    let clock: Clock;
    let date: string;
    if (config.mode === 'sim') {
      calendar = createNyseRulesCalendar();
      date = values.date ?? (await lastClosedDate(calendar, wallClock.now()));
      const session = (await calendar.sessions(date, date))[0];
      const digestTime = session ? session.close + config.schedule.eodDelayMin * 60_000 : nyTime(addDays(date, 1), '00:00') - 60_000;
      const saved = parseSimState(journal.loadSimState())?.lastSync ?? 0;
      clock = createSimClock(Math.max(saved, digestTime));
      const world = createSimWorld(config, clock, journal, addDays(date, 7));
      broker = world.broker;
      market = world.market;
    } else {
      const world = createAlpacaWorld(config, { clock: wallClock, journal, log });
      broker = world.broker;
      market = world.market;
      calendar = world.calendar;
      clock = wallClock;
      date = values.date ?? (await lastClosedDate(calendar, wallClock.now()));
    }
    const r = await runEodDigest(
      { broker, journal, days: createDayJournal(journal.db), calendar, clock, wallClock, reports: createFileReportStore(config.paths.reports), log, mode: config.mode, outcomes: { market, store: createOutcomeJournal(journal.db, wallClock) } },
      date,
      { updateLatest: values.date === undefined || values.date >= (await lastClosedDate(calendar, wallClock.now())) },
    );
    const money = (x: number | null) => (x === null ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    process.stdout.write(
      `EOD ${r.date}: equity ${money(r.equity)}, day P&L ${r.dayPl === null ? 'n/a' : `${r.dayPl >= 0 ? '+' : ''}${money(r.dayPl)}`}, ` +
        `${r.cycles} cycles, BUY ${r.decisions.BUY} SELL ${r.decisions.SELL} HOLD ${r.decisions.HOLD}, ${r.fills} fills, ${r.positions} open positions\n`,
    );
    for (const f of r.files) process.stdout.write(`wrote ${f}\n`);
    return 0;
  } finally {
    journal.close();
  }
}

main().then((code) => process.exit(code), failAndExit);
