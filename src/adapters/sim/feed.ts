import type { Bar, Session } from '../../domain/market.js';

/**
 * The simulator's price source, shared by the sim market data and the sim broker.
 * Implementations: the seeded synthetic market, CSV replay, in-memory arrays (tests).
 * All times are epoch ms. Nothing here knows the clock: callers pass the moments.
 */
export interface PriceFeed {
  /** 'minute' when minute bars exist (fills walk minutes), 'day' for daily-only data. */
  readonly granularity: 'minute' | 'day';
  symbols(): readonly string[];
  has(symbol: string): boolean;
  /** Trading sessions covered by this feed whose New York date is in [fromDate, toDate]. */
  sessions(fromDate: string, toDate: string): readonly Session[];
  /** Daily bars with t >= start and end <= end, ascending. */
  dailyBars(symbol: string, start: number, end: number): readonly Bar[];
  /** Minute bars with t >= start and end <= end, ascending; empty for daily-only feeds. */
  minuteBars(symbol: string, start: number, end: number): readonly Bar[];
  /** Bars at the feed's granularity that start in [from, to), ascending: what fills walk through. */
  fillBars(symbol: string, from: number, to: number): readonly Bar[];
  /** The latest bar at the feed's granularity that closed at or before t, or null. */
  lastBarAt(symbol: string, t: number): Bar | null;
}

/** Index of the first element whose key is >= x (binary search over ascending keys). */
export function lowerBound(bars: readonly Bar[], x: number, key: (b: Bar) => number): number {
  let lo = 0;
  let hi = bars.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(bars[mid]!) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const byStart = (b: Bar) => b.t;
const byEnd = (b: Bar) => b.end;

/** Slice of ascending bars with t >= start and end <= end. */
export function sliceBars(bars: readonly Bar[], start: number, end: number): readonly Bar[] {
  const i = lowerBound(bars, start, byStart);
  const j = lowerBound(bars, end + 1, byEnd);
  return i < j ? bars.slice(i, j) : [];
}

/** Last bar with end <= t. */
export function lastClosed(bars: readonly Bar[], t: number): Bar | null {
  const j = lowerBound(bars, t + 1, byEnd);
  return j > 0 ? bars[j - 1]! : null;
}

/** Bars starting in [from, to). */
export function startingIn(bars: readonly Bar[], from: number, to: number): readonly Bar[] {
  const i = lowerBound(bars, from, byStart);
  const j = lowerBound(bars, to, byStart);
  return i < j ? bars.slice(i, j) : [];
}

export interface ArrayFeedInput {
  readonly daily?: ReadonlyMap<string, readonly Bar[]>;
  readonly minute?: ReadonlyMap<string, readonly Bar[]>;
  readonly sessions: readonly Session[];
}

/** A feed over bars already in memory (ascending per symbol). Used by CSV replay and tests. */
export function createArrayFeed(input: ArrayFeedInput): PriceFeed {
  const daily = input.daily ?? new Map<string, readonly Bar[]>();
  const minute = input.minute ?? new Map<string, readonly Bar[]>();
  const granularity = minute.size > 0 ? 'minute' : 'day';
  const fine = granularity === 'minute' ? minute : daily;
  const all = [...new Set([...daily.keys(), ...minute.keys()])].sort();
  return {
    granularity,
    symbols: () => all,
    has: (s) => daily.has(s) || minute.has(s),
    sessions: (from, to) => input.sessions.filter((s) => s.date >= from && s.date <= to),
    dailyBars: (s, start, end) => sliceBars(daily.get(s) ?? [], start, end),
    minuteBars: (s, start, end) => sliceBars(minute.get(s) ?? [], start, end),
    fillBars: (s, from, to) => startingIn(fine.get(s) ?? [], from, to),
    lastBarAt: (s, t) => lastClosed(fine.get(s) ?? [], t),
  };
}
