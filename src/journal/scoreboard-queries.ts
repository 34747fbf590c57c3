import { z } from 'zod';
import type { Fill } from '../core/round-trips.js';
import type { ScoreboardInput } from '../core/scoreboard.js';
import type { Db } from './sqlite.js';

/**
 * The scoreboard's reads over the journal (works on a read-only handle): benchmark_closes,
 * decision_outcomes, filled orders, the last journaled price per symbol and model cost to date.
 * A journal from before migration 8 (no scoreboard tables) reads as empty, not as an error.
 */

const closeRow = z.object({ date: z.string(), spy_close: z.number().nullable(), equity_close: z.number().nullable() });
const outcomeRow = z.object({ horizon_days: z.number(), action: z.string(), strategy: z.string(), confidence: z.number(), brain: z.string(), excess: z.number(), ret: z.number() });
const fillRow = z.object({ symbol: z.string(), side: z.enum(['buy', 'sell']), filled_qty: z.number(), filled_avg_price: z.number(), filled_at: z.string(), commission: z.number() });
const priceRow = z.object({ symbol: z.string(), price: z.number() });

export function readScoreboardInput(db: Db, opts: { readonly brain?: string } = {}): ScoreboardInput {
  const has = (name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  const scored = has('decision_outcomes');
  const closes = scored ? db.prepare('SELECT date, spy_close, equity_close FROM benchmark_closes ORDER BY date').all().map((r) => closeRow.parse(r)) : [];
  const outcomes = scored
    ? db
        .prepare(
          `SELECT horizon_days, action, strategy, confidence, brain, excess, ret FROM decision_outcomes
           ${opts.brain ? 'WHERE brain = ?' : ''} ORDER BY as_of, trade_id, horizon_days`,
        )
        .all(...(opts.brain ? [opts.brain] : []))
        .map((r) => outcomeRow.parse(r))
    : [];
  const fills: Fill[] = db
    .prepare(
      `SELECT symbol, side, filled_qty, filled_avg_price, filled_at, commission FROM orders
       WHERE filled_qty > 0 AND filled_avg_price IS NOT NULL AND filled_at IS NOT NULL ORDER BY filled_at, id`,
    )
    .all()
    .map((r) => fillRow.parse(r))
    .map((r) => ({ symbol: r.symbol, side: r.side, qty: r.filled_qty, price: r.filled_avg_price, at: r.filled_at, commission: r.commission }));
  const lastPrices = new Map<string, number>();
  const prices = db
    .prepare(
      `SELECT t.symbol, t.price FROM trades t
       JOIN (SELECT symbol, MAX(as_of) AS as_of FROM trades WHERE price > 0 GROUP BY symbol) m ON m.symbol = t.symbol AND m.as_of = t.as_of
       WHERE t.price > 0 ORDER BY t.symbol, t.id`,
    )
    .all()
    .map((r) => priceRow.parse(r));
  for (const p of prices) lastPrices.set(p.symbol, p.price);
  // A fill later than the last decision price is the fresher mark.
  const lastFill = new Map<string, { at: string; price: number }>();
  for (const f of fills) lastFill.set(f.symbol, { at: f.at, price: f.price });
  const lastDecisionAt = new Map(
    (db.prepare('SELECT symbol, MAX(as_of) AS as_of FROM trades WHERE price > 0 GROUP BY symbol').all() as { symbol: string; as_of: string }[]).map((r) => [r.symbol, r.as_of]),
  );
  for (const [sym, f] of lastFill) if (!lastPrices.has(sym) || (lastDecisionAt.get(sym) ?? '') < f.at) lastPrices.set(sym, f.price);
  let modelCostUsd = 0;
  let modelCalls = 0;
  if (has('llm_usage')) {
    const u = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS c FROM llm_usage').get() as { n: number; c: number };
    modelCalls = u.n;
    modelCostUsd = u.c;
  }
  if (modelCalls === 0) modelCostUsd = (db.prepare('SELECT COALESCE(SUM(cost_usd), 0) AS c FROM trades').get() as { c: number }).c;
  return {
    closes: closes.map((c) => ({ date: c.date, spyClose: c.spy_close, equityClose: c.equity_close })),
    outcomes: outcomes.map((o) => ({ horizonDays: o.horizon_days, action: o.action, strategy: o.strategy, confidence: o.confidence, brain: o.brain, excess: o.excess, ret: o.ret })),
    fills,
    lastPrices,
    modelCostUsd,
    modelCalls,
  };
}
