import type { Bar, Session } from '../domain/market.js';
import { DataError } from '../domain/errors.js';
import type { MarketData } from '../ports/market-data.js';
import { addDays, nyDate, nyTime } from '../core/time/ny.js';
import { nyseSession } from '../adapters/calendar/nyse-rules.js';
import { createArrayFeed, type PriceFeed } from '../adapters/sim/feed.js';
import { openDatabase, type Db } from '../journal/sqlite.js';
import { coverage, gaps, readBars, storeBars, TIMEFRAME, type CacheTimeframe } from '../journal/bars-store.js';

// The storage helpers live in journal/bars-store (the live daily-bar store uses them too).
export { coverage, gaps, readBars, storeBars, TIMEFRAME, type CacheTimeframe, type Coverage } from '../journal/bars-store.js';

/**
 * The local bars cache (SQLite, tables from migration 6, helpers in journal/bars-store):
 * `npm run fetch-bars` fills it from a MarketData source (Alpaca history),
 * `npm run backtest -- --data alpaca` replays it offline. Coverage is recorded per (symbol,
 * timeframe, date range) so a fetched range with no bars (a symbol not yet listed) is
 * known-empty rather than missing; fetches skip covered chunks.
 */

/** Calendar days per request chunk: daily bars by the year, minute bars by the week. */
const CHUNK_DAYS: Readonly<Record<CacheTimeframe, number>> = { day: 366, minute: 7 };

export function openBarsCache(path: string): Db {
  return openDatabase(path);
}

export interface FetchPlan {
  readonly symbols: readonly string[];
  readonly timeframe: CacheTimeframe;
  readonly from: string;
  readonly to: string;
  /** Fetch again even where the cache already covers the range. */
  readonly refresh?: boolean;
}

export interface FetchReport {
  readonly requests: number;
  readonly bars: number;
  readonly skippedChunks: number;
}

/**
 * Fills the cache from `source` for [from, to] (New York dates, inclusive; `to` is capped at
 * yesterday, so a session still in progress is never recorded as covered): one batched request
 * per chunk for all symbols still missing it. Chunks already covered are skipped (unless refresh).
 */
export async function fetchBarsToCache(
  db: Db,
  source: MarketData,
  plan: FetchPlan,
  x: { readonly sourceName: string; readonly now: () => number; readonly onChunk?: (from: string, to: string, bars: number) => void },
): Promise<FetchReport> {
  let requests = 0;
  let total = 0;
  let skipped = 0;
  // Only days that are over: today's session may still be running (no bar yet, or a partial one).
  const yesterday = addDays(nyDate(x.now()), -1);
  const last = plan.to < yesterday ? plan.to : yesterday;
  for (let cur = plan.from; cur <= last; cur = addDays(cur, CHUNK_DAYS[plan.timeframe])) {
    const end = addDays(cur, CHUNK_DAYS[plan.timeframe] - 1) < last ? addDays(cur, CHUNK_DAYS[plan.timeframe] - 1) : last;
    const need = plan.refresh ? [...plan.symbols] : plan.symbols.filter((s) => gaps(coverage(db, s, plan.timeframe), cur, end).length > 0);
    if (need.length === 0) {
      skipped++;
      continue;
    }
    requests++;
    const got = await source.getBars({ symbols: need, timeframe: TIMEFRAME[plan.timeframe], start: nyTime(cur, '00:00'), end: nyTime(addDays(end, 1), '00:00') - 1 });
    const recordedAt = new Date(x.now()).toISOString();
    let n = 0;
    for (const s of need) {
      const bars = got.get(s) ?? [];
      n += bars.length;
      storeBars(db, { symbol: s, timeframe: plan.timeframe, bars, from: cur, to: end, source: x.sourceName, recordedAt });
    }
    total += n;
    x.onChunk?.(cur, end, n);
  }
  return { requests, bars: total, skippedChunks: skipped };
}

/**
 * A replay feed over the cache. Daily: bars over [warmupFrom, to]. Minute: minute bars over
 * [from, to] plus daily bars over [warmupFrom, to] for indicator history. Every symbol must be
 * covered over those ranges, else a DataError names the fetch-bars command that fills the gap.
 */
export function loadCachedFeed(db: Db, x: { symbols: readonly string[]; timeframe: CacheTimeframe; from: string; to: string; warmupFrom: string }): PriceFeed {
  const problems: string[] = [];
  const need = (tf: CacheTimeframe, from: string, to: string) => {
    for (const s of x.symbols) {
      const g = gaps(coverage(db, s, tf), from, to);
      if (g.length > 0) problems.push(`${s} ${tf} ${g.map((r) => `${r.from}..${r.to}`).join(', ')}`);
    }
  };
  need('day', x.warmupFrom, x.to);
  if (x.timeframe === 'minute') need('minute', x.from, x.to);
  if (problems.length > 0) {
    throw new DataError(
      `the bars cache does not cover: ${problems.slice(0, 8).join('; ')}${problems.length > 8 ? ` (+${problems.length - 8} more)` : ''}. ` +
        `Run: npm run fetch-bars -- --symbols ${x.symbols.join(',')} --from ${x.from} --to ${x.to} --timeframe ${x.timeframe}`,
    );
  }
  const sessions = new Map<string, Session>();
  const daily = new Map<string, Bar[]>();
  const minute = new Map<string, Bar[]>();
  for (const s of x.symbols) {
    const d = readBars(db, s, 'day', x.warmupFrom, x.to);
    daily.set(s, d);
    for (const b of d) {
      const date = nyDate(b.t);
      const ses = nyseSession(date);
      if (ses) sessions.set(date, ses);
    }
    if (x.timeframe === 'minute') minute.set(s, readBars(db, s, 'minute', x.from, x.to));
  }
  const list = [...sessions.values()].sort((a, b) => a.open - b.open);
  return x.timeframe === 'minute' ? createArrayFeed({ daily, minute, sessions: list }) : createArrayFeed({ daily, sessions: list });
}
