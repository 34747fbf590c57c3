import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { Position } from '../domain/broker.js';
import type { Session } from '../domain/market.js';
import { silentLogger, type Logger } from '../log.js';
import type { Brain } from '../ports/brain.js';
import type { Calendar, Clock } from '../ports/clock.js';
import type { CycleDeps } from '../cycle/types.js';
import { runCycle } from '../cycle/run-cycle.js';
import { syncOrders } from '../jobs/order-sync.js';
import { runPositionHealth, type PositionHealthDeps } from '../jobs/position-health.js';
import { slotTimesOn, type SlotSpec } from '../jobs/schedule.js';
import { createJournal, type SqliteJournal } from '../journal/journal.js';
import { journalFiles } from '../journal/jsonl.js';
import { openDatabase } from '../journal/sqlite.js';
import { addDays } from '../core/time/ny.js';
import { nyseSession } from '../adapters/calendar/nyse-rules.js';
import { createSimBroker } from '../adapters/sim/broker.js';
import { createSimClock } from '../adapters/sim/clock.js';
import type { PriceFeed } from '../adapters/sim/feed.js';
import { createSimMarketData } from '../adapters/sim/market-data.js';
import { cycleDeps } from '../app/compose.js';
import { simAccountFromConfig } from '../app/sim-config.js';
import type { BacktestFill, EquityPoint } from './metrics.js';

/**
 * The replay loop: the live decision pipeline (runCycle, position health, order sync) over a
 * replayed PriceFeed, with the sim broker as the exchange and a sim clock as the only time.
 * It picks adapters and drives the clock; it never reaches into the pipeline.
 *
 * Daily data, per session: at the close, position health once (forced: the close is its only
 * look at the day; it also journals the day's fills), then one cycle at the close with
 * atSessionClose (the cycle sees the completed bar and nothing later: market data never returns
 * what closed after the sim clock). Orders sent then fill at the next session's open; bracket
 * legs are evaluated on each later daily bar (the sim broker's daily fill rules).
 * Minute data, per session: cycles at the schedule's slots (SCHEDULE_SLOTS, no jitter),
 * position health every POSITION_HEALTH_INTERVAL_MIN minutes from the open, fills minute by
 * minute in between; at the close, order sync and the equity mark. (The cycle's risk inputs
 * come from the broker, so the orders table is brought up to date once per session.)
 *
 * The journal (trades.db + journal.jsonl in the out directory) is fresh for every run and uses
 * the sim clock as its wall clock, so recorded_at and timing are market-time and a re-run
 * writes the same bytes. Journal writes are batched: one SQLite transaction per
 * `batchSessions` sessions.
 */

export interface BacktestSpec {
  readonly config: Config;
  readonly feed: PriceFeed;
  /** The watchlist (WATCHLIST_STATIC for the run). */
  readonly symbols: readonly string[];
  /** First and last session (YYYY-MM-DD, New York), inclusive. */
  readonly from: string;
  readonly to: string;
  readonly timeframe: 'day' | 'minute';
  readonly brain: Brain;
  readonly outDir: string;
  /** Minute runs: decision slots (default config.schedule.slots). */
  readonly slots?: readonly SlotSpec[];
  /** Symbols decided at once within a cycle. Default 1 (the journal's row order is then the watchlist's). */
  readonly concurrency?: number;
  /** Position health cadence in minutes (minute runs); 0 disables health. Default config.schedule.positionHealthIntervalMin. */
  readonly healthIntervalMin?: number;
  /** Sessions per journal transaction. Default 20; 0 = no batching (one commit per write, as live). */
  readonly batchSessions?: number;
  readonly log?: Logger;
  readonly onProgress?: (done: number, total: number, label: string) => void;
  /**
   * What the cycle times its stages with (timing_json). Default: the sim clock, so every duration
   * is 0 and journals compare equal; bench/backtest.ts passes a CPU-time clock for a stage profile.
   */
  readonly durationClock?: Clock;
  /** Test hook: called with the cycle deps before the first cycle. */
  readonly inspect?: (deps: CycleDeps) => void;
}

export interface BacktestRun {
  readonly sessions: readonly Session[];
  readonly curve: readonly EquityPoint[];
  readonly fills: readonly BacktestFill[];
  readonly cycles: number;
  readonly failedCycles: number;
  readonly skippedCycles: number;
  readonly decisions: number;
  readonly healthRuns: number;
  readonly healthExits: number;
  readonly openPositions: readonly Position[];
  readonly dbPath: string;
  readonly jsonlPath: string;
}

export const BACKTEST_MODE = 'backtest';

const cents = (x: number) => Math.round(x * 100) / 100;

/**
 * The sessions a run walks: NYSE sessions in [from, to] that the feed has a daily bar for (any
 * symbol); minute runs only those with minute bars.
 */
export function replaySessions(feed: PriceFeed, symbols: readonly string[], from: string, to: string, timeframe: 'day' | 'minute'): Session[] {
  const out: Session[] = [];
  for (const s of feed.sessions(from, to)) {
    const rules = nyseSession(s.date);
    if (!rules) continue;
    const has = symbols.some((sym) =>
      timeframe === 'minute' ? feed.minuteBars(sym, rules.open, rules.close).length > 0 : feed.dailyBars(sym, rules.open, rules.close).length > 0,
    );
    if (has) out.push(rules);
  }
  return out;
}

/** Removes the out directory's journal files, refusing when the database holds anything but backtest cycles. */
export function resetBacktestJournal(dbPath: string, jsonlPath: string): void {
  if (existsSync(dbPath)) {
    const r = openDatabase(dbPath, { readonly: true });
    try {
      let modes: string[];
      try {
        const hasCycles = r.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'cycles'").get();
        modes = hasCycles ? (r.prepare('SELECT DISTINCT mode FROM cycles').all() as { mode: string }[]).map((m) => m.mode) : [];
      } catch (e) {
        // A backtest killed in the middle of a commit can leave its journal so (rollback journal in memory, see runBacktest).
        throw new Error(`${dbPath} cannot be read (${e instanceof Error ? e.message : String(e)}); a backtest will not overwrite it: delete it if it is a backtest's, or choose another --out`, { cause: e });
      }
      const foreign = modes.filter((m) => m !== BACKTEST_MODE);
      if (foreign.length > 0) throw new Error(`${dbPath} holds ${foreign.join('/')} cycles; a backtest will not overwrite it (choose another --out)`);
    } finally {
      r.close();
    }
  }
  const lines = journalFiles(jsonlPath);
  for (const f of lines) {
    const mode = firstLineMode(f);
    if (mode !== BACKTEST_MODE) throw new Error(`${f} ${mode === null ? 'does not start with a journal line' : `holds ${mode} decisions`}; a backtest will not overwrite it (choose another --out)`);
  }
  for (const f of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`, ...lines]) rmSync(f, { force: true });
}

/** The `mode` of a JSONL journal file's first line (read from its first 64 KB); null when there is none to read. */
function firstLineMode(path: string): string | null {
  const buf = Buffer.alloc(65_536);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  if (n === 0) return BACKTEST_MODE; // an empty file holds nothing to lose
  const text = buf.subarray(0, n).toString('utf8');
  const end = text.indexOf('\n');
  try {
    const line = JSON.parse(end < 0 ? text : text.slice(0, end)) as { mode?: unknown };
    return typeof line.mode === 'string' ? line.mode : null;
  } catch {
    return null;
  }
}

/** The NYSE rules calendar with each year's sessions computed once (the cycle asks for ~550 days every cycle). */
export function memoCalendar(): Calendar {
  const years = new Map<number, readonly Session[]>();
  const yearOf = (y: number): readonly Session[] => {
    let list = years.get(y);
    if (!list) {
      const out: Session[] = [];
      for (let d = `${y}-01-01`; d <= `${y}-12-31`; d = addDays(d, 1)) {
        const s = nyseSession(d);
        if (s) out.push(s);
      }
      list = out;
      years.set(y, list);
    }
    return list;
  };
  /** Index of the first session dated on or after `date` in a year's ascending list. */
  const firstOnOrAfter = (list: readonly Session[], date: string) => {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.date < date) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    sessions: async (from, to) => {
      const out: Session[] = [];
      for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) {
        const list = yearOf(y);
        for (let i = firstOnOrAfter(list, from); i < list.length && list[i]!.date <= to; i++) out.push(list[i]!);
      }
      return out;
    },
  };
}

export async function runBacktest(spec: BacktestSpec): Promise<BacktestRun> {
  const { config, feed } = spec;
  const log = spec.log ?? silentLogger;
  const sessions = replaySessions(feed, spec.symbols, spec.from, spec.to, spec.timeframe);
  if (sessions.length === 0) throw new Error(`no sessions with data between ${spec.from} and ${spec.to} for ${spec.symbols.join(',')}`);
  mkdirSync(spec.outDir, { recursive: true });
  const dbPath = join(spec.outDir, 'trades.db');
  const jsonlPath = join(spec.outDir, 'journal.jsonl');
  resetBacktestJournal(dbPath, jsonlPath);

  const first = sessions[0]!;
  const clock = createSimClock(first.open);
  // The sim clock doubles as the journal's wall clock: recorded_at is market time, so re-runs match byte for byte.
  // The run's journal is an output a re-run rewrites from scratch: it is committed per batch of
  // sessions (below), does not wait for the disk (fsync: false) and keeps its rollback journal in
  // memory rather than WAL (each page written once per commit); a crashed backtest is re-run.
  const journal: SqliteJournal = createJournal({
    dbPath,
    jsonlPath,
    maxBytes: Number.MAX_SAFE_INTEGER,
    keepRotated: 0,
    wallClock: clock,
    mode: BACKTEST_MODE,
    fsync: false,
    journalInMemory: true,
  });
  const calendar = memoCalendar();
  try {
    const market = createSimMarketData({ feed, clock });
    const broker = createSimBroker({
      feed,
      clock,
      ...simAccountFromConfig(config),
    });
    const base = cycleDeps({
      config: { ...config, watchlist: [...spec.symbols], concurrency: spec.concurrency ?? 1 },
      mode: BACKTEST_MODE,
      wallClock: spec.durationClock ?? clock,
      calendar,
      broker,
      market,
      brain: spec.brain,
      journal,
      log,
      reporters: [],
      // The operator's live kill switch (data/HALT) has no say over a historical replay.
      haltSwitch: () => false,
    });
    const deps: CycleDeps = base;
    spec.inspect?.(deps);
    const healthDeps: PositionHealthDeps = {
      mode: BACKTEST_MODE,
      broker,
      journal,
      calendar,
      log,
      settings: { risk: config.risk, trail: config.trail },
      haltSwitch: () => false,
    };
    const healthEvery = (spec.healthIntervalMin ?? config.schedule.positionHealthIntervalMin) * 60_000;
    const slots = spec.slots ?? config.schedule.slots;

    const curve: EquityPoint[] = [{ date: first.date, t: first.open, equity: cents(config.sim.startingCash), cash: cents(config.sim.startingCash), positionsValue: 0 }];
    let cycles = 0;
    let failedCycles = 0;
    let skippedCycles = 0;
    let healthRuns = 0;
    let healthExits = 0;
    let decisions = 0;
    let lastSync = first.open;
    const sync = async () => {
      await syncOrders({ broker, journal }, lastSync);
      lastSync = clock.now();
    };
    const cycle = async (t: number, atClose: boolean) => {
      const s = await runCycle(deps, t, atClose ? { atSessionClose: true } : {});
      cycles++;
      decisions += s.symbols;
      if (s.status === 'failed') failedCycles++;
      if (s.status === 'skipped') skippedCycles++;
    };
    const health = async (t: number, force: boolean) => {
      const r = await runPositionHealth(healthDeps, t, force ? { force: true } : {});
      healthRuns++;
      healthExits += r.exits.length;
    };
    const mark = async (s: Session) => {
      const acct = await broker.getAccount();
      const positions = await broker.getPositions();
      const value = positions.reduce((a, p) => a + p.marketValue, 0);
      curve.push({ date: s.date, t: s.close, equity: acct.equity, cash: acct.cash, positionsValue: cents(value) });
      return acct.equity;
    };

    const batch = Math.max(1, spec.batchSessions ?? 20);
    const inBatch = spec.batchSessions === 0 ? <T>(fn: () => Promise<T>) => fn() : <T>(fn: () => Promise<T>) => journal.batch(fn);
    for (let i = 0; i < sessions.length; i += batch) {
      const chunk = sessions.slice(i, i + batch);
      await inBatch(async () => {
        for (const s of chunk) {
          if (spec.timeframe === 'day') {
            clock.set(s.close);
            // Position health picks up the day's fills itself (order sync since its last run).
            if (healthEvery > 0) await health(s.close, true);
            await cycle(s.close, true);
            if (healthEvery === 0) await sync();
          } else {
            const events: { t: number; kind: 'cycle' | 'health' }[] = [];
            for (const x of slotTimesOn(s.date, slots)) if (x.slot >= s.open && x.slot < s.close) events.push({ t: x.slot, kind: 'cycle' });
            if (healthEvery > 0) for (let t = s.open + healthEvery; t < s.close; t += healthEvery) events.push({ t, kind: 'health' });
            // Health before a cycle at the same minute, as the scheduler orders them.
            events.sort((a, b) => a.t - b.t || (a.kind === b.kind ? 0 : a.kind === 'health' ? -1 : 1));
            for (const e of events) {
              clock.set(e.t);
              if (e.kind === 'health') await health(e.t, false);
              else await cycle(e.t, false);
            }
            clock.set(s.close);
            await sync();
          }
          const equity = await mark(s);
          spec.onProgress?.(curve.length - 1, sessions.length, `${s.date} equity ${equity.toFixed(0)}`);
        }
      });
    }
    await journal.batch(sync);

    const fills = (
      journal.db
        .prepare(
          `SELECT id AS orderId, symbol, side, filled_qty AS qty, filled_avg_price AS price, filled_at AS at, commission,
             COALESCE(exit_kind, CASE WHEN side = 'buy' THEN 'entry' ELSE 'sell' END) AS kind
           FROM orders WHERE status = 'filled' AND filled_qty > 0 ORDER BY filled_at, id`,
        )
        .all() as { orderId: string; symbol: string; side: 'buy' | 'sell'; qty: number; price: number; at: string; commission: number; kind: string }[]
    ).map((r) => ({ ...r, at: Date.parse(r.at) }));
    const openPositions = await broker.getPositions();
    return { sessions, curve, fills, cycles, failedCycles, skippedCycles, decisions, healthRuns, healthExits, openPositions, dbPath, jsonlPath };
  } finally {
    journal.close();
  }
}
