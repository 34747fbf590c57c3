import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import type { PricePoint, ReviewCycle, ReviewDecision, ReviewFill, ReviewOverride, UsageGroup } from '../../core/review/types.js';
import { nyDate } from '../../core/time/ny.js';
import { journalFiles } from '../../journal/jsonl.js';
import { openDatabase, type Db } from '../../journal/sqlite.js';
import type { JournalSources, WeekJournal } from '../../ports/reviewer.js';

/**
 * The weekly review's read side over the journal: the SQLite database opened read-only (it
 * can never write, so a review cannot disturb the running service) and the JSONL mirror with
 * its rotated siblings. Decisions are the union of both by id, the SQLite row preferred; a
 * line only the JSONL holds (a database that was reset or lost) still counts. Rows are
 * validated on the way in (zod); a JSONL line that is not JSON or not a decision is counted
 * and skipped, never fatal. Either source may be missing.
 */

export interface WeekJournalOptions {
  readonly dbPath: string;
  readonly jsonlPath: string;
}

export interface FileWeekJournal extends WeekJournal {
  /** The simulator's persisted broker state (sim_state), or null: for building a read-only sim broker. */
  simState(): unknown;
}

/** The brain name position health journals its exits under (JSONL lines carry no automation block). */
const AUTOMATION_BRAIN = 'position-health';
const iso = (ms: number) => new Date(ms).toISOString();
const ms = (s: string) => Date.parse(s);

const num = z.number().finite();
const overrideSchema = z.object({ rule: z.string(), effect: z.string(), detail: z.string().catch('') });

const tradeRow = z.object({
  id: z.string(),
  cycle_id: z.string(),
  symbol: z.string(),
  as_of: z.string(),
  brain: z.string(),
  model_action: z.string(),
  action: z.string(),
  strategy: z.string(),
  confidence: num,
  size_pct: num,
  rationale: z.string(),
  price: num.nullable(),
  equity: num.nullable(),
  overrides: z.string(),
  parse_fallback: z.number(),
  cost_usd: num,
  execute_status: z.string().nullable(),
  qty: num.nullable(),
  day_pl: num.nullable().catch(null),
  invested_pct: num.nullable().catch(null),
  fallback_reason: z.string().nullable().catch(null),
  prompt_version: z.string().nullable().catch(null),
  auto_job: z.string().nullable().catch(null),
  auto_exit_kind: z.string().nullable().catch(null),
});

const jsonlDecision = z.object({
  id: z.string(),
  type: z.literal('decision'),
  cycle_id: z.string(),
  symbol: z.string(),
  as_of: z.string(),
  brain: z.string().catch('unknown'),
  model_action: z.string(),
  action: z.string(),
  strategy: z.string().catch('unknown'),
  confidence: num.catch(0),
  size_pct: num.catch(0),
  price: num.nullable().catch(null),
  equity: num.nullable().catch(null),
  overrides: z.array(z.string()).catch([]),
  parse_fallback: z.boolean().catch(false),
  execute: z.object({ status: z.string().optional(), qty: num.optional() }).passthrough().nullable().catch(null),
  cost_usd: num.catch(0),
  rationale: z.string().catch(''),
});

const fillRow = z.object({
  id: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  filled_qty: num,
  filled_avg_price: num,
  filled_at: z.string(),
  exit_kind: z.string().nullable(),
  trade_id: z.string().nullable(),
  commission: num,
  strategy: z.string().nullable(),
});

const cycleRow = z.object({
  id: z.string(),
  as_of: z.string(),
  status: z.string(),
  brain: z.string(),
  equity: num.nullable(),
  wl: z.number().nullable(),
  orders: z.number().nullable().catch(null),
});

const usageRow = z.object({
  model: z.string(),
  purpose: z.string(),
  calls: z.number(),
  input_tokens: z.number(),
  output_tokens: z.number(),
  cache_creation_input_tokens: z.number(),
  cache_read_input_tokens: z.number(),
  cost_usd: z.number(),
});

function parseOverrides(text: string): ReviewOverride[] {
  try {
    const r = z.array(overrideSchema).safeParse(JSON.parse(text));
    return r.success ? r.data : [];
  } catch {
    return [];
  }
}

function fromTradeRow(t: z.infer<typeof tradeRow>): ReviewDecision {
  return {
    id: t.id,
    cycleId: t.cycle_id,
    symbol: t.symbol,
    asOf: ms(t.as_of),
    brain: t.brain,
    modelAction: t.model_action,
    action: t.action,
    strategy: t.strategy,
    confidence: t.confidence,
    sizePct: t.size_pct,
    price: t.price,
    equity: t.equity,
    startEquity: t.equity !== null && t.day_pl !== null ? t.equity - t.day_pl : null,
    investedPct: t.invested_pct,
    overrides: parseOverrides(t.overrides),
    parseFallback: t.parse_fallback === 1 ? (t.fallback_reason ?? '') : null,
    costUsd: t.cost_usd,
    executeStatus: t.execute_status,
    qty: t.qty,
    rationale: t.rationale,
    promptVersion: t.prompt_version,
    automation: t.auto_job !== null ? { job: t.auto_job, exitKind: t.auto_exit_kind ?? 'unknown' } : null,
    source: 'sqlite',
  };
}

function fromJsonl(l: z.infer<typeof jsonlDecision>): ReviewDecision {
  const automation = l.brain === AUTOMATION_BRAIN;
  return {
    id: l.id,
    cycleId: l.cycle_id,
    symbol: l.symbol,
    asOf: ms(l.as_of),
    brain: l.brain,
    modelAction: l.model_action,
    action: l.action,
    strategy: l.strategy,
    confidence: l.confidence,
    sizePct: l.size_pct,
    price: l.price,
    equity: l.equity,
    startEquity: null,
    investedPct: null,
    overrides: l.overrides.map((o) => {
      const i = o.lastIndexOf(':');
      return i > 0 ? { rule: o.slice(0, i), effect: o.slice(i + 1), detail: '' } : { rule: o, effect: 'unknown', detail: '' };
    }),
    parseFallback: l.parse_fallback ? '' : null,
    costUsd: l.cost_usd,
    executeStatus: l.execute?.status ?? null,
    qty: l.execute?.qty ?? null,
    rationale: l.rationale,
    promptVersion: null,
    automation: automation ? { job: AUTOMATION_BRAIN, exitKind: l.strategy } : null,
    source: 'jsonl',
  };
}

export function createWeekJournal(o: WeekJournalOptions): FileWeekJournal {
  let db: Db | null = null;
  let dbError: string | undefined;
  if (existsSync(o.dbPath)) {
    try {
      db = openDatabase(o.dbPath, { readonly: true });
    } catch (e) {
      dbError = e instanceof Error ? e.message : String(e);
    }
  }
  const hasTable = (name: string) => db !== null && db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  const tables = { trades: hasTable('trades'), cycles: hasTable('cycles'), orders: hasTable('orders'), usage: hasTable('llm_usage'), sim: hasTable('sim_state') };

  // The JSONL mirror, read once: decision lines kept, everything else counted.
  const files = journalFiles(o.jsonlPath);
  let lines = 0;
  let badLines = 0;
  const jsonlDecisions: ReviewDecision[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      lines++;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        badLines++;
        continue;
      }
      if ((v as { type?: unknown } | null)?.type !== 'decision') continue;
      const r = jsonlDecision.safeParse(v);
      if (!r.success || Number.isNaN(ms(r.data.as_of))) {
        badLines++;
        continue;
      }
      jsonlDecisions.push(fromJsonl(r.data));
    }
  }
  const jsonlIn = (from: number, to: number) => jsonlDecisions.filter((d) => d.asOf >= from && d.asOf < to);

  const sqliteDecisions = (from: number, to: number): ReviewDecision[] => {
    if (!db || !tables.trades) return [];
    const rows = db
      .prepare(
        `SELECT id, cycle_id, symbol, as_of, brain, model_action, action, strategy, confidence, size_pct, rationale, price, equity,
                overrides, parse_fallback, cost_usd, execute_status, qty,
                json_extract(logic_json, '$.snapshot.account.day_pl') AS day_pl,
                json_extract(logic_json, '$.snapshot.portfolio.invested_pct') AS invested_pct,
                json_extract(logic_json, '$.parse_fallback.reason') AS fallback_reason,
                json_extract(logic_json, '$.prompt_version') AS prompt_version,
                json_extract(logic_json, '$.automation.job') AS auto_job,
                json_extract(logic_json, '$.automation.exit_kind') AS auto_exit_kind
         FROM trades WHERE as_of >= ? AND as_of < ? ORDER BY as_of, id`,
      )
      .all(iso(from), iso(to));
    return rows.map((r) => fromTradeRow(tradeRow.parse(r)));
  };

  return {
    sources: (): JournalSources => ({
      sqlite: { path: o.dbPath, found: db !== null, ...(dbError ? { error: dbError } : {}) },
      jsonl: { files, lines, badLines },
    }),
    decisions(from, to) {
      const rows = sqliteDecisions(from, to);
      const seen = new Set(rows.map((r) => r.id));
      const extra = jsonlIn(from, to).filter((d) => !seen.has(d.id));
      // The JSONL line of a row is written again after a crash repair: keep the first.
      const uniq = new Map<string, ReviewDecision>();
      for (const d of extra) if (!uniq.has(d.id)) uniq.set(d.id, d);
      return [...rows, ...uniq.values()].sort((a, b) => a.asOf - b.asOf || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    fills(to) {
      if (!db || !tables.orders) return [];
      const rows = db
        .prepare(
          `SELECT o.id, o.symbol, o.side, o.filled_qty, o.filled_avg_price, COALESCE(o.filled_at, o.updated_at) AS filled_at,
                  o.exit_kind, o.trade_id, o.commission, ${tables.trades ? 't.strategy' : 'NULL'} AS strategy
           FROM orders o ${tables.trades ? 'LEFT JOIN trades t ON t.id = o.trade_id' : ''}
           WHERE o.filled_qty > 0 AND o.filled_avg_price IS NOT NULL AND COALESCE(o.filled_at, o.updated_at) < ?
           ORDER BY 6, o.id`,
        )
        .all(iso(to));
      return rows.map((r): ReviewFill => {
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
          strategy: f.strategy,
          commission: f.commission,
          source: 'journal',
        };
      });
    },
    cycles(from, to) {
      if (!db || !tables.cycles) return [];
      const rows = db
        .prepare(
          `SELECT id, as_of, status, brain, equity,
                  CASE json_valid(watchlist_json) WHEN 1 THEN (CASE json_type(watchlist_json) WHEN 'array' THEN json_array_length(watchlist_json) END) END AS wl,
                  CASE json_valid(summary_json) WHEN 1 THEN json_extract(summary_json, '$.orders_submitted') END AS orders
           FROM cycles WHERE as_of >= ? AND as_of < ? ORDER BY as_of, id`,
        )
        .all(iso(from), iso(to));
      return rows.map((r): ReviewCycle => {
        const c = cycleRow.parse(r);
        return { id: c.id, asOf: ms(c.as_of), status: c.status, brain: c.brain, equity: c.equity, watchlistSize: c.wl, ordersSubmitted: c.orders ?? 0 };
      });
    },
    openingEquity(from, to) {
      const out = new Map<string, number>();
      if (!db || !tables.trades) return out;
      const rows = db
        .prepare(
          `SELECT as_of, equity - json_extract(logic_json, '$.snapshot.account.day_pl') AS start
           FROM trades WHERE as_of >= ? AND as_of < ? AND equity IS NOT NULL
             AND json_type(logic_json, '$.snapshot.account.day_pl') IN ('integer', 'real')
           ORDER BY as_of, id`,
        )
        .all(iso(from), iso(to)) as { as_of: string; start: number | null }[];
      for (const r of rows) {
        if (r.start === null || !Number.isFinite(r.start)) continue;
        const d = nyDate(ms(r.as_of));
        if (!out.has(d)) out.set(d, r.start);
      }
      return out;
    },
    equityBefore(t) {
      if (db && tables.cycles) {
        const r = db.prepare('SELECT equity FROM cycles WHERE as_of < ? AND equity IS NOT NULL ORDER BY as_of DESC LIMIT 1').get(iso(t)) as { equity: number } | undefined;
        if (r) return r.equity;
      }
      const before = jsonlDecisions.filter((d) => d.asOf < t && d.equity !== null);
      return before.length ? before.reduce((a, b) => (b.asOf >= a.asOf ? b : a)).equity : null;
    },
    usage(from, to) {
      if (!db || !tables.usage) return null;
      const rows = db
        .prepare(
          `SELECT model, purpose, COUNT(*) AS calls, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
                  SUM(cache_creation_input_tokens) AS cache_creation_input_tokens, SUM(cache_read_input_tokens) AS cache_read_input_tokens,
                  COALESCE(SUM(cost_usd), 0) AS cost_usd
           FROM llm_usage WHERE as_of >= ? AND as_of < ? GROUP BY model, purpose ORDER BY model, purpose`,
        )
        .all(iso(from), iso(to));
      return rows.map((r): UsageGroup => {
        const u = usageRow.parse(r);
        return {
          model: u.model,
          purpose: u.purpose,
          calls: u.calls,
          inputTokens: u.input_tokens,
          outputTokens: u.output_tokens,
          cacheCreationInputTokens: u.cache_creation_input_tokens,
          cacheReadInputTokens: u.cache_read_input_tokens,
          costUsd: u.cost_usd,
        };
      });
    },
    prices(from, to) {
      const out: PricePoint[] = [];
      if (db && tables.trades) {
        const rows = db.prepare('SELECT symbol, as_of, price FROM trades WHERE as_of >= ? AND as_of < ? AND price IS NOT NULL ORDER BY as_of, id').all(iso(from), iso(to)) as {
          symbol: string;
          as_of: string;
          price: number;
        }[];
        for (const r of rows) out.push({ symbol: r.symbol, at: ms(r.as_of), price: r.price });
      }
      for (const d of jsonlIn(from, to)) if (d.price !== null) out.push({ symbol: d.symbol, at: d.asOf, price: d.price });
      return out;
    },
    lastActivity() {
      let last: number | null = null;
      const bump = (s: string | null | undefined) => {
        const t = s ? ms(s) : NaN;
        if (Number.isFinite(t) && (last === null || t > last)) last = t;
      };
      if (db && tables.cycles) bump((db.prepare('SELECT MAX(as_of) AS m FROM cycles').get() as { m: string | null }).m);
      if (db && tables.trades) bump((db.prepare('SELECT MAX(as_of) AS m FROM trades').get() as { m: string | null }).m);
      for (const d of jsonlDecisions) if (last === null || d.asOf > last) last = d.asOf;
      return last;
    },
    simState() {
      if (!db || !tables.sim) return null;
      const r = db.prepare('SELECT state_json FROM sim_state WHERE id = 1').get() as { state_json: string } | undefined;
      return r ? (JSON.parse(r.state_json) as unknown) : null;
    },
    close() {
      if (db?.open) db.close();
    },
  };
}
