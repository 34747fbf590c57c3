import type { Bar } from '../domain/market.js';
import { DataError } from '../domain/errors.js';
import { addDays } from '../core/time/ny.js';
import { DEFAULT_UNIVERSE } from '../config.js';
import { loadCsvFeed } from '../adapters/sim/csv.js';
import { createArrayFeed, type PriceFeed } from '../adapters/sim/feed.js';
import { leanDirs, loadLeanData, type SplitEvent } from '../adapters/sim/lean.js';
import { createSyntheticFeed } from '../adapters/sim/synthetic.js';
import { loadCachedFeed, openBarsCache } from './bars-cache.js';

/**
 * Where a backtest's bars come from (`--data`):
 *   sim        the seeded synthetic market (SIM_SEED): made-up prices, no keys, no files
 *   alpaca     the local bars cache filled by `npm run fetch-bars` (Alpaca history), offline
 *   DIR        a directory: `--format csv` (the simulator's CSV replay format, default) or
 *              `--format lean` (QuantConnect/Lean files read in place, splits detected)
 * Daily runs over minute data (CSV minute files, the synthetic market) replay the daily bars
 * only: fills then walk daily bars, as with daily data.
 */

export interface DataSpec {
  readonly data: string;
  readonly format: 'csv' | 'lean';
  readonly timeframe: 'day' | 'minute';
  readonly from: string;
  readonly to: string;
  /** Requested symbols (empty: every symbol the source has; for sim and alpaca, the caller's default). */
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly barsCachePath: string;
  /** Calendar days of daily history needed before `from` (indicator warm-up). */
  readonly warmupDays: number;
  /** Lean: back-adjust detected splits (default true). */
  readonly adjustSplits?: boolean;
}

export interface LoadedData {
  readonly feed: PriceFeed;
  readonly source: string;
  readonly description: string;
  readonly symbols: readonly string[];
  readonly splits: readonly SplitEvent[];
  readonly warnings: readonly string[];
}

/** The same bars as `feed`, replayed at daily granularity (fills walk daily bars). */
export function dailyOnly(feed: PriceFeed): PriceFeed {
  if (feed.granularity === 'day') return feed;
  const daily = new Map<string, readonly Bar[]>();
  for (const s of feed.symbols()) daily.set(s, feed.dailyBars(s, -Infinity, Infinity));
  return createArrayFeed({ daily, sessions: feed.sessions('1900-01-01', '2999-12-31') });
}

/** First session date of the synthetic market for a run: its usual epoch, or earlier when the run needs the history. */
export function syntheticEpoch(from: string, warmupDays: number): string {
  const needed = addDays(from, -warmupDays - 30);
  return needed < '2018-01-02' ? needed : '2018-01-02';
}

/** A data warning is about the run when a date it names falls in [from, to] (or it names none). */
function touches(warning: string, from: string, to: string): boolean {
  const dates = warning.match(/\d{4}-\d{2}-\d{2}/g) ?? [];
  if (dates.length === 0) return true;
  const sorted = [...dates].sort();
  return sorted[0]! <= to && sorted[sorted.length - 1]! >= from;
}

export function loadData(spec: DataSpec): LoadedData {
  const { timeframe } = spec;
  if (spec.data === 'sim') {
    const symbols = spec.symbols.length > 0 ? spec.symbols : [...DEFAULT_UNIVERSE];
    const epoch = syntheticEpoch(spec.from, spec.warmupDays);
    const raw = createSyntheticFeed({ seed: spec.seed, symbols: [...new Set([...DEFAULT_UNIVERSE, ...symbols])], epoch, through: spec.to });
    return {
      feed: timeframe === 'day' ? dailyOnly(raw) : raw,
      source: 'sim',
      description: `SYNTHETIC market (seed ${spec.seed}, epoch ${epoch}): made-up prices, not history`,
      symbols,
      splits: [],
      warnings: [],
    };
  }
  if (spec.data === 'alpaca') {
    if (spec.symbols.length === 0) throw new DataError('--data alpaca needs --symbols (or WATCHLIST_STATIC)');
    const db = openBarsCache(spec.barsCachePath);
    try {
      const feed = loadCachedFeed(db, { symbols: spec.symbols, timeframe, from: spec.from, to: spec.to, warmupFrom: addDays(spec.from, -spec.warmupDays) });
      return { feed, source: 'alpaca', description: `Alpaca history from the bars cache ${spec.barsCachePath} (split and dividend adjusted)`, symbols: spec.symbols, splits: [], warnings: [] };
    } finally {
      db.close();
    }
  }
  if (spec.format === 'lean') {
    const dirs = leanDirs(spec.data, timeframe);
    const lean = loadLeanData({ ...dirs, ...(spec.symbols.length > 0 ? { symbols: spec.symbols } : {}), adjustSplits: spec.adjustSplits ?? true });
    const symbols = spec.symbols.length > 0 ? spec.symbols.filter((s) => lean.feed.has(s)) : lean.feed.symbols();
    const missing = spec.symbols.filter((s) => !lean.feed.has(s));
    const warnings = [...(missing.length > 0 ? [`no Lean data for ${missing.join(', ')}`] : []), ...lean.warnings.filter((w) => touches(w, addDays(spec.from, -spec.warmupDays), spec.to))];
    return {
      feed: timeframe === 'day' ? dailyOnly(lean.feed) : lean.feed,
      source: 'lean',
      description: `QuantConnect/Lean ${timeframe === 'day' ? 'daily' : 'minute'} bars read from ${spec.data} (raw prices, detected splits back-adjusted, dividends not adjusted: price return only)`,
      symbols,
      splits: lean.splits,
      warnings,
    };
  }
  const feed = loadCsvFeed(spec.data);
  if (timeframe === 'minute' && feed.granularity !== 'minute') throw new DataError(`${spec.data}: --timeframe minute needs minute CSV files; this directory holds daily bars`);
  const symbols = spec.symbols.length > 0 ? spec.symbols.filter((s) => feed.has(s)) : feed.symbols();
  const missing = spec.symbols.filter((s) => !feed.has(s));
  return {
    feed: timeframe === 'day' ? dailyOnly(feed) : feed,
    source: 'csv',
    description: `CSV replay from ${spec.data} (prices as given)`,
    symbols,
    splits: [],
    warnings: missing.length > 0 ? [`no CSV file for ${missing.join(', ')}`] : [],
  };
}
