import { z } from 'zod';
import type Database from 'better-sqlite3';
import type { Db } from '../journal/sqlite.js';

/**
 * Every read the viewer makes, as prepared statements over a read-only handle. Rows are
 * zod-checked on the way out; JSON columns are parsed leniently (a malformed column shows
 * as missing, never as a crashed page).
 *
 * Paging is keyset over (as_of, rowid) newest first: a cursor is the rowid of the last row
 * shown, so deep pages cost the same as the first one and rows inserted meanwhile never shift
 * a page.
 */

const nullableNum = z.number().nullable();

const cycleListRow = z.object({
  rid: z.number().int(),
  id: z.string(),
  mode: z.string(),
  brain: z.string(),
  as_of: z.string(),
  status: z.string(),
  runs: z.number().int(),
  equity: nullableNum,
  summary_json: z.string().nullable(),
  duration_ms: nullableNum,
  recorded_at: z.string(),
  finished_recorded_at: z.string().nullable(),
});
export type CycleListRow = z.infer<typeof cycleListRow>;

const cycleRow = cycleListRow.omit({ duration_ms: true }).extend({
  regime_json: z.string().nullable(),
  watchlist_json: z.string().nullable(),
  timing_json: z.string().nullable(),
});
export type CycleRow = z.infer<typeof cycleRow>;

const tradeRow = z.object({
  rid: z.number().int(),
  id: z.string(),
  cycle_id: z.string(),
  symbol: z.string(),
  as_of: z.string(),
  brain: z.string(),
  model_action: z.string(),
  action: z.string(),
  strategy: z.string(),
  confidence: z.number(),
  size_pct: z.number(),
  rationale: z.string(),
  price: nullableNum,
  equity: nullableNum,
  overrides: z.string(),
  parse_fallback: z.number().int(),
  cost_usd: z.number(),
  execute_status: z.string().nullable(),
  client_order_id: z.string().nullable(),
  order_id: z.string().nullable(),
  qty: nullableNum,
  recorded_at: z.string(),
  result_recorded_at: z.string().nullable(),
  order_status: z.string().nullable(),
  filled_qty: nullableNum,
  filled_avg_price: nullableNum,
});
export type TradeListRow = z.infer<typeof tradeRow>;

const tradeWithLogic = tradeRow.extend({ logic_json: z.string() });
export type TradeRowWithLogic = z.infer<typeof tradeWithLogic>;

export interface CycleFilter {
  readonly symbol?: string | undefined;
  readonly action?: 'BUY' | 'SELL' | 'HOLD' | undefined;
}

export interface Page<T> {
  readonly rows: readonly T[];
  /** Cursor for the next (older) page, or null at the end. */
  readonly older: number | null;
  /** Cursor for the previous (newer) page, or null at the start. */
  readonly newer: number | null;
}

export interface EquityPoint {
  readonly t: number;
  readonly equity: number;
}

export interface EquitySeries {
  readonly points: readonly EquityPoint[];
  /** Bumped every time the points change, so derived views (the chart) can be cached on it. */
  readonly gen: number;
}

const CYCLE_LIST_COLS = `c.rowid AS rid, c.id, c.mode, c.brain, c.as_of, c.status, c.runs, c.equity, c.summary_json,
  json_extract(c.timing_json, '$.duration_ms') AS duration_ms, c.recorded_at, c.finished_recorded_at`;
const TRADE_COLS = `t.rowid AS rid, t.id, t.cycle_id, t.symbol, t.as_of, t.brain, t.model_action, t.action, t.strategy, t.confidence,
  t.size_pct, t.rationale, t.price, t.equity, t.overrides, t.parse_fallback, t.cost_usd, t.execute_status, t.client_order_id,
  t.order_id, t.qty, t.recorded_at, t.result_recorded_at, o.status AS order_status, o.filled_qty, o.filled_avg_price`;

/** EXISTS clause text for a cycle filter (parameters @symbol / @action). */
function cycleFilterSql(f: CycleFilter): string {
  const conds: string[] = [];
  if (f.symbol !== undefined) conds.push('t.symbol = @symbol');
  if (f.action !== undefined) conds.push('t.action = @action');
  return conds.length === 0 ? '1' : `EXISTS (SELECT 1 FROM trades t WHERE t.cycle_id = c.id AND ${conds.join(' AND ')})`;
}

function parseRows<T>(schema: z.ZodType<T>, rows: unknown[]): T[] {
  return rows.map((r) => schema.parse(r));
}

export interface Queries {
  cycles(filter: CycleFilter, limit: number, cursor: { before?: number | undefined; after?: number | undefined }): Page<CycleListRow>;
  cycle(id: string): CycleRow | null;
  /** Ids of the cycles just before and after this one in market time. */
  neighbours(id: string): { prev: string | null; next: string | null };
  tradesOfCycle(cycleId: string): TradeRowWithLogic[];
  trades(filter: CycleFilter, limit: number, before: number | undefined, beforeAsOf: string | undefined, withLogic: boolean): Page<TradeListRow | TradeRowWithLogic>;
  /** Equity of every finished cycle in market-time order; `gen` changes whenever the series does. */
  equitySeries(): EquitySeries;
  lastCycle(): { id: string; as_of: string; status: string; recorded_at: string; finished_recorded_at: string | null } | null;
  symbols(): readonly string[];
}

/** Statements are prepared lazily, so a missing table surfaces at request time as a clean error. */
export function createQueries(db: Db): Queries {
  const cache = new Map<string, Database.Statement<unknown[]>>();
  const stmt = (sql: string) => {
    let s = cache.get(sql);
    if (!s) {
      s = db.prepare<unknown[]>(sql);
      cache.set(sql, s);
    }
    return s;
  };

  const equity = createEquityTracker(db, stmt);
  let symbolsCache: { version: string; at: number; symbols: readonly string[] } | null = null;

  /** Changes whenever another connection commits (PRAGMA data_version), plus our own cheap tail check. */
  const version = () => {
    const dv = db.pragma('data_version', { simple: true }) as number;
    return String(dv);
  };

  const cycleRidAsOf = (rid: number) => stmt('SELECT as_of FROM cycles WHERE rowid = ?').get(rid) as { as_of: string } | undefined;

  return {
    cycles(filter, limit, cursor) {
      const where = cycleFilterSql(filter);
      const params: Record<string, unknown> = { limit: limit + 1 };
      if (filter.symbol !== undefined) params['symbol'] = filter.symbol;
      if (filter.action !== undefined) params['action'] = filter.action;
      let rows: CycleListRow[];
      if (cursor.after !== undefined) {
        const anchor = cycleRidAsOf(cursor.after);
        if (!anchor) return { rows: [], older: null, newer: null };
        params['a'] = anchor.as_of;
        params['r'] = cursor.after;
        const raw = stmt(
          `SELECT ${CYCLE_LIST_COLS} FROM cycles c WHERE (c.as_of, c.rowid) > (@a, @r) AND ${where} ORDER BY c.as_of ASC, c.rowid ASC LIMIT @limit`,
        ).all(params);
        rows = parseRows(cycleListRow, raw);
        const hasNewer = rows.length > limit;
        rows = rows.slice(0, limit).reverse();
        const last = rows[rows.length - 1];
        const first = rows[0];
        return { rows, older: last ? last.rid : null, newer: hasNewer && first ? first.rid : null };
      }
      if (cursor.before !== undefined) {
        const anchor = cycleRidAsOf(cursor.before);
        if (!anchor) return { rows: [], older: null, newer: null };
        params['a'] = anchor.as_of;
        params['r'] = cursor.before;
        rows = parseRows(
          cycleListRow,
          stmt(`SELECT ${CYCLE_LIST_COLS} FROM cycles c WHERE (c.as_of, c.rowid) < (@a, @r) AND ${where} ORDER BY c.as_of DESC, c.rowid DESC LIMIT @limit`).all(params),
        );
      } else {
        rows = parseRows(cycleListRow, stmt(`SELECT ${CYCLE_LIST_COLS} FROM cycles c WHERE ${where} ORDER BY c.as_of DESC, c.rowid DESC LIMIT @limit`).all(params));
      }
      const hasOlder = rows.length > limit;
      rows = rows.slice(0, limit);
      const last = rows[rows.length - 1];
      const first = rows[0];
      return { rows, older: hasOlder && last ? last.rid : null, newer: cursor.before !== undefined && first ? first.rid : null };
    },

    cycle(id) {
      const r = stmt(
        `SELECT c.rowid AS rid, c.id, c.mode, c.brain, c.as_of, c.status, c.runs, c.equity, c.summary_json, c.regime_json, c.watchlist_json,
          c.timing_json, c.recorded_at, c.finished_recorded_at FROM cycles c WHERE c.id = ?`,
      ).get(id);
      return r ? cycleRow.parse(r) : null;
    },

    neighbours(id) {
      const me = stmt('SELECT rowid AS rid, as_of FROM cycles WHERE id = ?').get(id) as { rid: number; as_of: string } | undefined;
      if (!me) return { prev: null, next: null };
      const prev = stmt('SELECT id FROM cycles WHERE (as_of, rowid) < (?, ?) ORDER BY as_of DESC, rowid DESC LIMIT 1').get(me.as_of, me.rid) as { id: string } | undefined;
      const next = stmt('SELECT id FROM cycles WHERE (as_of, rowid) > (?, ?) ORDER BY as_of ASC, rowid ASC LIMIT 1').get(me.as_of, me.rid) as { id: string } | undefined;
      return { prev: prev?.id ?? null, next: next?.id ?? null };
    },

    tradesOfCycle(cycleId) {
      return parseRows(
        tradeWithLogic,
        stmt(`SELECT ${TRADE_COLS}, t.logic_json FROM trades t LEFT JOIN orders o ON o.id = t.order_id WHERE t.cycle_id = ? ORDER BY t.rowid`).all(cycleId),
      );
    },

    trades(filter, limit, before, beforeAsOf, withLogic) {
      const conds: string[] = [];
      const params: Record<string, unknown> = { limit: limit + 1 };
      if (filter.symbol !== undefined) {
        conds.push('t.symbol = @symbol');
        params['symbol'] = filter.symbol;
      }
      if (filter.action !== undefined) {
        conds.push('t.action = @action');
        params['action'] = filter.action;
      }
      if (before !== undefined) {
        const anchor = stmt('SELECT as_of FROM trades WHERE rowid = ?').get(before) as { as_of: string } | undefined;
        if (!anchor) return { rows: [], older: null, newer: null };
        conds.push('(t.as_of, t.rowid) < (@a, @r)');
        params['a'] = anchor.as_of;
        params['r'] = before;
      } else if (beforeAsOf !== undefined) {
        conds.push('t.as_of < @a');
        params['a'] = beforeAsOf;
      }
      const where = conds.length > 0 ? conds.join(' AND ') : '1';
      const cols = withLogic ? `${TRADE_COLS}, t.logic_json` : TRADE_COLS;
      const raw = stmt(`SELECT ${cols} FROM trades t LEFT JOIN orders o ON o.id = t.order_id WHERE ${where} ORDER BY t.as_of DESC, t.rowid DESC LIMIT @limit`).all(params);
      let rows = withLogic ? parseRows(tradeWithLogic, raw) : parseRows(tradeRow, raw);
      const hasOlder = rows.length > limit;
      rows = rows.slice(0, limit);
      const last = rows[rows.length - 1];
      return { rows, older: hasOlder && last ? last.rid : null, newer: null };
    },

    equitySeries() {
      return equity.current();
    },

    lastCycle() {
      const r = stmt('SELECT id, as_of, status, recorded_at, finished_recorded_at FROM cycles ORDER BY as_of DESC, rowid DESC LIMIT 1').get() as
        | { id: string; as_of: string; status: string; recorded_at: string; finished_recorded_at: string | null }
        | undefined;
      return r ?? null;
    },

    symbols() {
      const v = version();
      const now = Date.now();
      // Distinct symbols via a skip-scan of the (symbol, as_of) index; refreshed at most once a minute.
      if (symbolsCache && (symbolsCache.version === v || now - symbolsCache.at < 60_000)) return symbolsCache.symbols;
      const out: string[] = [];
      let s = stmt('SELECT symbol FROM trades ORDER BY symbol LIMIT 1').get() as { symbol: string } | undefined;
      const nextSym = stmt('SELECT symbol FROM trades WHERE symbol > ? ORDER BY symbol LIMIT 1');
      while (s && out.length < 2000) {
        out.push(s.symbol);
        s = nextSym.get(s.symbol) as { symbol: string } | undefined;
      }
      symbolsCache = { version: v, at: now, symbols: out };
      return out;
    },
  };
}

type Stmt = (sql: string) => Database.Statement<unknown[]>;

/**
 * The equity series behind the front-page chart, kept up to date incrementally: the trader
 * appends cycles (and fills in equity when a cycle finishes), so after any commit by another
 * connection (PRAGMA data_version) only rows past the last rowid seen, and rows seen while
 * still unfinished, are read. A count-and-total check over the (as_of, equity) index then
 * proves the series matches the table; anything unexpected (a cycle re-run with a new
 * equity, an out-of-order insert, a deleted row) falls back to a full rebuild.
 */
function createEquityTracker(db: Db, stmt: Stmt): { current(): EquitySeries } {
  let dv = -1;
  let points: EquityPoint[] = [];
  let maxRowid = 0;
  let pending = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let gen = 0;
  let series: EquitySeries = { points, gen };

  const toT = (asOf: string) => Date.parse(asOf);
  const rebuild = () => {
    const rows = stmt('SELECT rowid, as_of, equity FROM cycles ORDER BY as_of').raw(true).all() as [number, string, number | null][];
    points = [];
    pending = new Map();
    maxRowid = 0;
    count = 0;
    sum = 0;
    for (const [rid, asOf, eq] of rows) {
      if (rid > maxRowid) maxRowid = rid;
      const t = toT(asOf);
      if (!Number.isFinite(t)) continue;
      if (eq === null) pending.set(rid, t);
      else if (Number.isFinite(eq)) {
        points.push({ t, equity: eq });
        count++;
        sum += eq;
      }
    }
  };
  const matchesTable = () => {
    const [n, total] = stmt('SELECT COUNT(equity), TOTAL(equity) FROM cycles').raw(true).get() as [number, number];
    return n === count && Math.abs(total - sum) <= 1e-6 * Math.max(1, Math.abs(total));
  };
  /** Rows added, or null when the series has to be rebuilt. */
  const incremental = (): number | null => {
    const fresh = stmt('SELECT rowid, as_of, equity FROM cycles WHERE rowid > ? ORDER BY rowid').raw(true).all(maxRowid) as [number, string, number | null][];
    const again =
      pending.size === 0 ? [] : (stmt('SELECT rowid, as_of, equity FROM cycles WHERE rowid IN (SELECT value FROM json_each(?))').raw(true).all(JSON.stringify([...pending.keys()])) as [number, string, number | null][]);
    const seenAgain = new Set(again.map((r) => r[0]));
    for (const rid of pending.keys()) if (!seenAgain.has(rid)) return null; // a pending row disappeared
    const adds: EquityPoint[] = [];
    for (const [rid, asOf, eq] of [...again, ...fresh]) {
      if (rid > maxRowid) maxRowid = rid;
      const t = toT(asOf);
      if (!Number.isFinite(t)) continue;
      if (eq === null) pending.set(rid, t);
      else {
        pending.delete(rid);
        if (Number.isFinite(eq)) adds.push({ t, equity: eq });
      }
    }
    if (pending.size > 5000) return null;
    adds.sort((a, b) => a.t - b.t);
    const last = points[points.length - 1];
    if (adds.length > 0 && last && adds[0]!.t < last.t) return null; // out of order: rebuild
    for (const a of adds) {
      points.push(a);
      count++;
      sum += a.equity;
    }
    return adds.length;
  };

  return {
    current() {
      const v = db.pragma('data_version', { simple: true }) as number;
      if (v === dv) return series;
      let changed: boolean;
      if (dv === -1) {
        rebuild();
        changed = true;
      } else {
        const added = incremental();
        changed = added === null || added > 0;
        if (added === null || !matchesTable()) {
          rebuild();
          changed = true;
        }
      }
      dv = v;
      if (changed) {
        gen++;
        series = { points: [...points], gen };
      }
      return series;
    },
  };
}
