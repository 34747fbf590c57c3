import { z } from 'zod';
import type { DayCycle, DayFill, DayJournal, DayTrade, DayUsage } from '../ports/day-journal.js';
import type { Db } from './sqlite.js';

/**
 * The EOD digest's reads over the SQLite journal: one New York day's cycles, decisions,
 * fills and model usage. Rows are validated on the way out (zod), instants stored as ISO
 * strings are compared as strings (same format throughout) and returned as epoch ms.
 */

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (s: string) => Date.parse(s);

const cycleRow = z.object({
  id: z.string(),
  as_of: z.string(),
  status: z.string(),
  equity: z.number().nullable(),
  orders_submitted: z.number().nullable(),
  brain: z.string(),
  kind: z.string().nullable(),
});

const overrideSchema = z.object({ rule: z.string(), effect: z.string(), detail: z.string().catch('') });

const tradeRow = z.object({
  id: z.string(),
  cycle_id: z.string(),
  symbol: z.string(),
  as_of: z.string(),
  model_action: z.string(),
  action: z.string(),
  strategy: z.string(),
  confidence: z.number(),
  size_pct: z.number(),
  rationale: z.string(),
  price: z.number().nullable(),
  equity: z.number().nullable(),
  overrides: z.string(),
  parse_fallback: z.number(),
  cost_usd: z.number(),
  execute_status: z.string().nullable(),
  execute_detail: z.string().nullable(),
  qty: z.number().nullable(),
  day_pl: z.number().nullable(),
});

const fillRow = z.object({
  id: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  filled_qty: z.number(),
  filled_avg_price: z.number().nullable(),
  filled_at: z.string(),
  exit_kind: z.string().nullable(),
  trade_id: z.string().nullable(),
  commission: z.number(),
});

function parseOverrides(text: string): DayTrade['overrides'] {
  try {
    const r = z.array(overrideSchema).safeParse(JSON.parse(text));
    return r.success ? r.data : [];
  } catch {
    return [];
  }
}

export function createDayJournal(db: Db): DayJournal {
  const hasTable = (name: string) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  return {
    cycles(from, to): DayCycle[] {
      const rows = db
        .prepare(
          `SELECT id, as_of, status, equity, brain, json_extract(summary_json, '$.orders_submitted') AS orders_submitted,
                  json_extract(summary_json, '$.kind') AS kind
           FROM cycles WHERE as_of >= ? AND as_of < ? ORDER BY as_of, id`,
        )
        .all(iso(from), iso(to));
      return rows.map((r) => {
        const c = cycleRow.parse(r);
        const kind = c.kind ?? (c.brain === 'position-health' ? 'position-health' : 'decision');
        return { id: c.id, asOf: ms(c.as_of), status: c.status, equity: c.equity, ordersSubmitted: c.orders_submitted ?? 0, kind };
      });
    },
    trades(from, to): DayTrade[] {
      const rows = db
        .prepare(
          `SELECT id, cycle_id, symbol, as_of, model_action, action, strategy, confidence, size_pct, rationale, price, equity,
                  overrides, parse_fallback, cost_usd, execute_status, qty,
                  json_extract(logic_json, '$.execute.detail') AS execute_detail,
                  json_extract(logic_json, '$.snapshot.account.day_pl') AS day_pl
           FROM trades WHERE as_of >= ? AND as_of < ? ORDER BY as_of, symbol`,
        )
        .all(iso(from), iso(to));
      return rows.map((r) => {
        const t = tradeRow.parse(r);
        return {
          id: t.id,
          cycleId: t.cycle_id,
          symbol: t.symbol,
          asOf: ms(t.as_of),
          modelAction: t.model_action,
          action: t.action,
          strategy: t.strategy,
          confidence: t.confidence,
          sizePct: t.size_pct,
          rationale: t.rationale,
          price: t.price,
          equity: t.equity,
          startEquity: t.equity !== null && t.day_pl !== null ? t.equity - t.day_pl : null,
          overrides: parseOverrides(t.overrides),
          parseFallback: t.parse_fallback === 1,
          costUsd: t.cost_usd,
          executeStatus: t.execute_status,
          executeDetail: t.execute_detail,
          qty: t.qty,
        };
      });
    },
    fills(from, to): DayFill[] {
      const rows = db
        .prepare(
          `SELECT id, symbol, side, filled_qty, filled_avg_price, filled_at, exit_kind, trade_id, commission
           FROM orders WHERE status = 'filled' AND filled_at >= ? AND filled_at < ? ORDER BY filled_at, id`,
        )
        .all(iso(from), iso(to));
      return rows.map((r) => {
        const f = fillRow.parse(r);
        return {
          orderId: f.id,
          symbol: f.symbol,
          side: f.side,
          qty: f.filled_qty,
          price: f.filled_avg_price,
          filledAt: ms(f.filled_at),
          exitKind: f.exit_kind,
          tradeId: f.trade_id,
          commission: f.commission,
        };
      });
    },
    usage(from, to): DayUsage {
      if (!hasTable('llm_usage')) return { calls: 0, costUsd: 0, byPurpose: {} };
      const rows = db
        .prepare('SELECT purpose, COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS cost FROM llm_usage WHERE as_of >= ? AND as_of < ? GROUP BY purpose ORDER BY purpose')
        .all(iso(from), iso(to)) as { purpose: string; n: number; cost: number }[];
      return {
        calls: rows.reduce((a, r) => a + r.n, 0),
        costUsd: rows.reduce((a, r) => a + r.cost, 0),
        byPurpose: Object.fromEntries(rows.map((r) => [r.purpose, r.cost])),
      };
    },
  };
}
