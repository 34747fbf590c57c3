import { existsSync, rmSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Clock } from '../ports/clock.js';
import { nyseSessions } from '../adapters/calendar/nyse-rules.js';
import { createSimClock } from '../adapters/sim/clock.js';
import { runCycle } from '../cycle/run-cycle.js';
import { addDays, nyDate, nyTime } from '../core/time/ny.js';
import { roundTrips, winRate, type Fill } from '../core/metrics.js';
import { journalFiles } from '../journal/jsonl.js';
import { openDatabase } from '../journal/sqlite.js';
import { syncOrders } from '../jobs/order-sync.js';
import { createHealthTally, runPositionHealth } from '../jobs/position-health.js';
import { chooseBrain, createSimWorld, cycleDeps, openJournal, positionHealthDeps } from './compose.js';

export const DEMO_SLOTS = ['10:00', '12:00', '14:00', '15:30'] as const;

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

/** Runs the simulator over the last N sessions: four cycles a day, fills in between. */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const end = o.end ?? lastClosedSessionDate(o.wallClock.now());
  const sessions = nyseSessions(addDays(end, -(o.days * 2 + 14)), end).slice(-o.days);
  if (sessions.length === 0) throw new Error(`no sessions up to ${end}`);
  resetSimJournal(o.config);
  const first = sessions[0]!;
  const clock = createSimClock(first.open);
  const journal = openJournal(o.config, o.wallClock, 'sim');
  try {
    const world = createSimWorld(o.config, clock, journal, end);
    const deps = cycleDeps({ config: o.config, mode: 'sim', wallClock: o.wallClock, broker: world.broker, market: world.market, brain: chooseBrain(o.config), journal, log: o.log });
    // Position health between the cycles, as the scheduler runs it (the demo is self-contained: no kill switch file).
    const healthDeps = positionHealthDeps({ config: o.config, mode: 'sim', broker: world.broker, journal, log: o.log, haltSwitch: () => false });
    const healthTally = createHealthTally(o.config.trail);
    const startEquity = (await world.broker.getAccount()).equity;
    o.print(`Demo: ${sessions.length} sessions ${first.date}..${end} on the ${o.config.sim.dataDir ? `CSV replay (${o.config.sim.dataDir})` : `synthetic market (seed ${o.config.sim.seed})`}, ${deps.brain.name} brain`);
    let cycles = 0;
    let failedCycles = 0;
    let prevEquity = startEquity;
    for (const s of sessions) {
      const day = { BUY: 0, SELL: 0, HOLD: 0, orders: 0 };
      const slotTimes = new Set(DEMO_SLOTS.map((slot) => nyTime(s.date, slot)).filter((t) => t < s.close)); // early close: later slots do not run
      const every = o.config.schedule.positionHealthIntervalMin * 60_000;
      const healthTimes = new Set<number>();
      if (every > 0) for (let t = s.open + every; t < s.close; t += every) healthTimes.add(t);
      for (const t of [...new Set([...slotTimes, ...healthTimes])].sort((a, b) => a - b)) {
        clock.set(t);
        if (healthTimes.has(t)) healthTally.add(await runPositionHealth(healthDeps, t));
        if (!slotTimes.has(t)) continue;
        const sum = await runCycle(deps, t);
        cycles++;
        if (sum.status === 'failed') failedCycles++;
        day.BUY += sum.actions.BUY;
        day.SELL += sum.actions.SELL;
        day.HOLD += sum.actions.HOLD;
        day.orders += sum.orders_submitted;
      }
      clock.set(s.close);
      const fills = await syncOrders({ broker: world.broker, journal }, s.open);
      const acct = await world.broker.getAccount();
      const positions = await world.broker.getPositions();
      o.print(
        `${s.date}${s.early ? '*' : ' '} equity ${money(acct.equity).padStart(12)} (${pct(acct.equity / prevEquity - 1)})  ` +
          `BUY ${day.BUY} SELL ${day.SELL} HOLD ${day.HOLD}  orders ${day.orders}  fills ${fills.length}  positions ${positions.length}`,
      );
      prevEquity = acct.equity;
    }
    const endEquity = (await world.broker.getAccount()).equity;
    const rows = journal.db
      .prepare("SELECT symbol, side, filled_qty AS qty, filled_avg_price AS price, filled_at AS at, commission FROM orders WHERE status = 'filled' ORDER BY filled_at, id")
      .all() as Fill[];
    const placed = (journal.db.prepare('SELECT COUNT(*) AS n FROM orders WHERE trade_id IS NOT NULL AND parent_id IS NULL').get() as { n: number }).n;
    const exits = journal.db.prepare("SELECT COALESCE(exit_kind, 'entry') AS k, COUNT(*) AS n FROM orders WHERE status = 'filled' GROUP BY k ORDER BY k").all() as { k: string; n: number }[];
    const trips = roundTrips(rows);
    const wr = winRate(trips);
    o.print(`start equity ${money(startEquity)}  end equity ${money(endEquity)} (${pct(endEquity / startEquity - 1)})`);
    o.print(`cycles ${cycles} (${failedCycles} failed)  orders placed ${placed}  fills ${rows.length} (${exits.map((e) => `${e.k} ${e.n}`).join(', ')})`);
    o.print(`round trips ${trips.length}  win rate ${wr === null ? 'n/a (no closed trades)' : `${(wr * 100).toFixed(1)}%`}`);
    o.print(healthTally.line());
    o.print(`journal: ${o.config.paths.db} and ${o.config.paths.journal}`);
    return { sessions: sessions.length, from: first.date, to: end, startEquity, endEquity, cycles, failedCycles, ordersPlaced: placed, fills: rows.length, roundTrips: trips.length, winRate: wr };
  } finally {
    journal.close();
  }
}
