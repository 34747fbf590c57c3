import type { Bar, Timeframe } from '../domain/market.js';
import { addDays, nyTime } from '../core/time/ny.js';
import type { Db } from './sqlite.js';

/**
 * Stored bars (SQLite tables `bars_cache` and `bars_cache_ranges`, migration 6), shared by the
 * backtest's bars cache (npm run fetch-bars, --data alpaca) and the live daily-bar store
 * (adapters/stored-bars). Coverage is recorded per (symbol, timeframe, date range), so a fetched
 * range with no bars in it (a symbol not yet listed) is known-empty rather than missing.
 * Times are epoch ms; dates are New York YYYY-MM-DD.
 */

export type CacheTimeframe = 'day' | 'minute';
export const TIMEFRAME: Readonly<Record<CacheTimeframe, Timeframe>> = { day: '1Day', minute: '1Min' };

export interface Coverage {
  readonly from: string;
  readonly to: string;
}

/** The merged date ranges fetched for a symbol and timeframe (adjacent and overlapping ranges joined). */
export function coverage(db: Db, symbol: string, timeframe: CacheTimeframe): Coverage[] {
  const rows = db
    .prepare('SELECT from_date AS "from", to_date AS "to" FROM bars_cache_ranges WHERE symbol = ? AND timeframe = ? ORDER BY from_date, to_date')
    .all(symbol, timeframe) as Coverage[];
  const out: { from: string; to: string }[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && r.from <= addDays(last.to, 1)) {
      if (r.to > last.to) last.to = r.to;
    } else out.push({ from: r.from, to: r.to });
  }
  return out;
}

/** Date ranges inside [from, to] not yet covered. */
export function gaps(cov: readonly Coverage[], from: string, to: string): Coverage[] {
  const out: Coverage[] = [];
  let cur = from;
  for (const c of cov) {
    if (c.to < cur) continue;
    if (c.from > to) break;
    if (c.from > cur) out.push({ from: cur, to: addDays(c.from, -1) < to ? addDays(c.from, -1) : to });
    cur = addDays(c.to, 1);
    if (cur > to) return out;
  }
  if (cur <= to) out.push({ from: cur, to });
  return out;
}

export function storeBars(db: Db, x: { symbol: string; timeframe: CacheTimeframe; bars: readonly Bar[]; from: string; to: string; source: string; recordedAt: string }): void {
  const ins = db.prepare(
    'INSERT INTO bars_cache (symbol, timeframe, t, end_t, o, h, l, c, v) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (symbol, timeframe, t) DO UPDATE SET end_t = excluded.end_t, o = excluded.o, h = excluded.h, l = excluded.l, c = excluded.c, v = excluded.v',
  );
  const range = db.prepare(
    'INSERT INTO bars_cache_ranges (symbol, timeframe, from_date, to_date, bars, source, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (symbol, timeframe, from_date, to_date) DO UPDATE SET bars = excluded.bars, source = excluded.source, recorded_at = excluded.recorded_at',
  );
  db.transaction(() => {
    for (const b of x.bars) ins.run(x.symbol, x.timeframe, b.t, b.end, b.o, b.h, b.l, b.c, b.v);
    range.run(x.symbol, x.timeframe, x.from, x.to, x.bars.length, x.source, x.recordedAt);
  })();
}

/** Forgets everything stored for a symbol and timeframe (bars and coverage), e.g. after a split re-adjusted its history. */
export function dropBars(db: Db, symbol: string, timeframe: CacheTimeframe): void {
  db.transaction(() => {
    db.prepare('DELETE FROM bars_cache WHERE symbol = ? AND timeframe = ?').run(symbol, timeframe);
    db.prepare('DELETE FROM bars_cache_ranges WHERE symbol = ? AND timeframe = ?').run(symbol, timeframe);
  })();
}

export function readBars(db: Db, symbol: string, timeframe: CacheTimeframe, from: string, to: string): Bar[] {
  const start = nyTime(from, '00:00');
  const end = nyTime(addDays(to, 1), '00:00');
  return (
    db.prepare('SELECT t, end_t, o, h, l, c, v FROM bars_cache WHERE symbol = ? AND timeframe = ? AND t >= ? AND t < ? ORDER BY t').all(symbol, timeframe, start, end) as {
      t: number;
      end_t: number;
      o: number;
      h: number;
      l: number;
      c: number;
      v: number;
    }[]
  ).map((r) => ({ t: r.t, end: r.end_t, o: r.o, h: r.h, l: r.l, c: r.c, v: r.v }));
}
