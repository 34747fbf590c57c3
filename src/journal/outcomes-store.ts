import { z } from 'zod';
import type { OutcomeRow, ScorableDecision } from '../core/outcomes.js';
import { outcomeKey } from '../core/outcomes.js';
import { JournalError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { BenchmarkClose, OutcomeJournal } from '../ports/outcomes.js';
import { readScoreboardInput } from './scoreboard-queries.js';
import type { Db } from './sqlite.js';

/**
 * decision_outcomes and benchmark_closes over the SQLite journal (migration 8). Instants are
 * stored as ISO strings (compared as strings, same format as trades.as_of). recorded_at is wall
 * time; everything else is a function of market data and the journal, so a recomputation writes
 * the same values, and INSERT OR IGNORE makes it write nothing at all.
 */

const iso = (ms: number) => new Date(ms).toISOString();

const tradeRow = z.object({
  id: z.string(),
  symbol: z.string(),
  action: z.string(),
  strategy: z.string(),
  confidence: z.number(),
  brain: z.string(),
  as_of: z.string(),
  price: z.number().nullable(),
  exit_kind: z.string().nullable(),
  spy_price: z.number().nullable(),
  n: z.number(),
});

const exitRow = z.object({
  id: z.string(),
  symbol: z.string(),
  exit_kind: z.string(),
  filled_avg_price: z.number().nullable(),
  filled_at: z.string(),
  n: z.number(),
});

const closeRow = z.object({ date: z.string(), spy_close: z.number().nullable(), equity_close: z.number().nullable() });

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new JournalError(`outcomes ${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

export function createOutcomeJournal(db: Db, wallClock: Clock): OutcomeJournal {
  const stmt = {
    trades: db.prepare(
      `SELECT t.id, t.symbol, t.action, t.strategy, t.confidence, t.brain, t.as_of, t.price,
              json_extract(t.logic_json, '$.automation.exit_kind') AS exit_kind,
              (SELECT s.price FROM trades s WHERE s.cycle_id = t.cycle_id AND s.symbol = 'SPY' AND s.price > 0 LIMIT 1) AS spy_price,
              (SELECT COUNT(*) FROM decision_outcomes o WHERE o.trade_id = t.id) AS n
       FROM trades t WHERE t.as_of >= ? ORDER BY t.as_of, t.id`,
    ),
    // Bracket legs (and other exits without a trades row of their own) that filled.
    exits: db.prepare(
      `SELECT o.id, o.symbol, o.exit_kind, o.filled_avg_price, o.filled_at,
              (SELECT COUNT(*) FROM decision_outcomes d WHERE d.trade_id = 'exit:' || o.id) AS n
       FROM orders o
       WHERE o.status = 'filled' AND o.side = 'sell' AND o.exit_kind IS NOT NULL AND o.exit_kind <> 'model_sell'
         AND o.filled_at IS NOT NULL AND o.filled_at >= ?
         AND NOT EXISTS (SELECT 1 FROM trades t WHERE t.id = o.trade_id AND t.action = 'SELL')
       ORDER BY o.filled_at, o.id`,
    ),
    keys: db.prepare('SELECT trade_id, horizon_days FROM decision_outcomes WHERE as_of >= ?'),
    insert: db.prepare(
      `INSERT OR IGNORE INTO decision_outcomes (trade_id, horizon_days, symbol, action, strategy, confidence, brain, as_of,
         decision_price, exit_price, ret, spy_ret, excess, computed_for_date, recorded_at)
       VALUES (@trade_id, @horizon_days, @symbol, @action, @strategy, @confidence, @brain, @as_of,
         @decision_price, @exit_price, @ret, @spy_ret, @excess, @computed_for_date, @recorded_at)`,
    ),
    close: db.prepare(
      `INSERT INTO benchmark_closes (date, spy_close, equity_close, recorded_at) VALUES (@date, @spy, @equity, @at)
       ON CONFLICT (date) DO UPDATE SET spy_close = COALESCE(benchmark_closes.spy_close, excluded.spy_close),
         equity_close = COALESCE(benchmark_closes.equity_close, excluded.equity_close)
       WHERE (benchmark_closes.spy_close IS NULL AND excluded.spy_close IS NOT NULL)
          OR (benchmark_closes.equity_close IS NULL AND excluded.equity_close IS NOT NULL)`,
    ),
    closes: db.prepare('SELECT date, spy_close, equity_close FROM benchmark_closes ORDER BY date'),
    first: db.prepare('SELECT MIN(as_of) AS t FROM cycles'),
    lastCycleEquity: db.prepare('SELECT equity FROM cycles WHERE as_of >= ? AND as_of < ? AND equity IS NOT NULL ORDER BY as_of DESC, id DESC LIMIT 1'),
    lastTradeEquity: db.prepare('SELECT equity FROM trades WHERE as_of >= ? AND as_of < ? AND equity IS NOT NULL ORDER BY as_of DESC, id DESC LIMIT 1'),
  };
  const insertMany = db.transaction((rows: readonly OutcomeRow[]) => {
    const at = iso(wallClock.now());
    let n = 0;
    for (const r of rows) {
      n += stmt.insert.run({
        trade_id: r.tradeId,
        horizon_days: r.horizonDays,
        symbol: r.symbol,
        action: r.action,
        strategy: r.strategy,
        confidence: r.confidence,
        brain: r.brain,
        as_of: iso(r.asOf),
        decision_price: r.decisionPrice,
        exit_price: r.exitPrice,
        ret: r.ret,
        spy_ret: r.spyRet,
        excess: r.excess,
        computed_for_date: r.computedForDate,
        recorded_at: at,
      }).changes;
    }
    return n;
  });

  return {
    pendingDecisions: (since, horizons) =>
      wrap('pendingDecisions', () => {
        const need = horizons.length;
        const out: ScorableDecision[] = [];
        for (const raw of stmt.trades.all(iso(since))) {
          const r = tradeRow.parse(raw);
          if (r.n >= need) continue;
          const automated = r.exit_kind !== null;
          out.push({
            tradeId: r.id,
            symbol: r.symbol,
            action: automated ? 'EXIT' : r.action,
            strategy: automated ? (r.exit_kind ?? r.strategy) : r.strategy,
            confidence: r.confidence,
            brain: r.brain,
            asOf: Date.parse(r.as_of),
            price: r.price,
            benchmarkPrice: r.symbol === 'SPY' ? r.price : r.spy_price,
          });
        }
        for (const raw of stmt.exits.all(iso(since))) {
          const r = exitRow.parse(raw);
          if (r.n >= need) continue;
          out.push({
            tradeId: `exit:${r.id}`,
            symbol: r.symbol,
            action: 'EXIT',
            strategy: r.exit_kind,
            confidence: 1,
            brain: 'bracket',
            asOf: Date.parse(r.filled_at),
            price: r.filled_avg_price,
          });
        }
        return out.sort((a, b) => a.asOf - b.asOf || (a.tradeId < b.tradeId ? -1 : a.tradeId > b.tradeId ? 1 : 0));
      }),
    recordedKeys: (since) =>
      wrap('recordedKeys', () => new Set((stmt.keys.all(iso(since)) as { trade_id: string; horizon_days: number }[]).map((r) => outcomeKey(r.trade_id, r.horizon_days)))),
    recordOutcomes: (rows) => wrap('recordOutcomes', () => (rows.length === 0 ? 0 : insertMany(rows))),
    recordBenchmarkClose: (c: BenchmarkClose) =>
      wrap('recordBenchmarkClose', () => stmt.close.run({ date: c.date, spy: c.spyClose, equity: c.equityClose, at: iso(wallClock.now()) }).changes > 0),
    benchmarkCloses: () =>
      wrap('benchmarkCloses', () => stmt.closes.all().map((raw) => {
        const r = closeRow.parse(raw);
        return { date: r.date, spyClose: r.spy_close, equityClose: r.equity_close };
      })),
    firstActivity: () =>
      wrap('firstActivity', () => {
        const r = stmt.first.get() as { t: string | null } | undefined;
        return r?.t ? Date.parse(r.t) : null;
      }),
    lastEquityBetween: (from, to) =>
      wrap('lastEquityBetween', () => {
        const c = stmt.lastCycleEquity.get(iso(from), iso(to)) as { equity: number } | undefined;
        if (c) return c.equity;
        const t = stmt.lastTradeEquity.get(iso(from), iso(to)) as { equity: number } | undefined;
        return t ? t.equity : null;
      }),
    scoreboardInput: () => wrap('scoreboardInput', () => readScoreboardInput(db)),
  };
}
