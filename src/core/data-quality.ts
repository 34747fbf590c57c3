import type { Bar, LatestQuote, Session } from '../domain/market.js';
import { nyDate } from './time/ny.js';

/**
 * Data-quality audits. Pure. Bad input never reaches an indicator: bars that are invalid, or
 * that come before a gap, are left out of the series indicators are computed on, and each
 * defect becomes a data_quality code (see DQ). Codes are short, stable strings so the risk
 * layer, the journal and the viewer can match on their prefix.
 */

/** data_quality codes. Critical ones force a HOLD (in the risk layer, not only the prompt). */
export const DQ = {
  /** No usable latest price (missing, NaN, zero, negative, or time-stamped after as_of). */
  price: 'price',
  /** `daily_bars:<have><<need>`: fewer clean bars than the warm-up needs. */
  dailyBars: (have: number, need: number) => `daily_bars:${have}<${need}`,
  /** `invalid_bars:<n>`: bars with NaN/zero/negative prices, high < low, or out of order. */
  invalidBars: (n: number) => `invalid_bars:${n}`,
  /** `bar_gaps:<n>`: exchange sessions with no daily bar between the first bar and the last closed session. */
  barGaps: (n: number) => `bar_gaps:${n}`,
  /** `invalid_minute_bars:<n>`: bad minute bars in the current session (left out of VWAP). */
  invalidMinuteBars: (n: number) => `invalid_minute_bars:${n}`,
  /** `stale_quote:<age>s><limit>s`: during RTH, the latest price is older than STALE_QUOTE_SEC. */
  staleQuote: (age: number, limit: number) => `stale_quote:${age}s>${limit}s`,
  // optional
  news: 'news',
  earnings: 'earnings',
  sector: 'sector',
  spread: 'spread',
  sessionVwap: 'session_vwap',
  /** `warmup:<indicator,...>`: long-window indicators still absent (not enough history). */
  warmup: (names: readonly string[]) => `warmup:${names.join(',')}`,
} as const;

const finitePos = (x: number) => Number.isFinite(x) && x > 0;

/** nyDate memoized: every symbol's daily bars share the same start times, cycle after cycle. */
const dayMemo = new Map<number, string>();
function dayOf(t: number): string {
  let d = dayMemo.get(t);
  if (d === undefined) {
    if (dayMemo.size >= 50_000) dayMemo.clear();
    d = nyDate(t);
    dayMemo.set(t, d);
  }
  return d;
}

/** A bar is valid when its prices are finite and positive, h >= every other price >= l, volume finite and >= 0, and t < end. */
export function validBar(b: Bar): boolean {
  return (
    finitePos(b.o) &&
    finitePos(b.h) &&
    finitePos(b.l) &&
    finitePos(b.c) &&
    b.h >= b.l &&
    b.h >= b.o &&
    b.h >= b.c &&
    b.l <= b.o &&
    b.l <= b.c &&
    Number.isFinite(b.v) &&
    b.v >= 0 &&
    Number.isFinite(b.t) &&
    Number.isFinite(b.end) &&
    b.t < b.end
  );
}

export interface DailyAudit {
  /** Valid bars closed by as_of after the last defect: what indicators are computed on. */
  readonly clean: readonly Bar[];
  /** Bars dropped because they close after as_of (never used, not a defect of the data). */
  readonly future: number;
  readonly invalid: number;
  readonly gaps: number;
}

/**
 * Audits daily bars: keeps only bars that closed at or before as_of, counts invalid bars and
 * missing sessions, and returns the clean run after the last defect. `sessions` are the
 * exchange sessions over the bars' span (null: unknown, no gap check). A gap is an exchange
 * session, from the first bar's session through the last session closed by as_of, with no
 * bar; a missing latest session counts as a gap too (the series would be a day old).
 */
export function auditDailyBars(bars: readonly Bar[], asOf: number, sessions: readonly Session[] | null): DailyAudit {
  // Usually every bar closed by as_of: no copy then. (Checked bar by bar: bad input need not be in order.)
  let allClosed = true;
  for (let i = 0; i < bars.length; i++) {
    if (!(bars[i]!.end <= asOf)) {
      allClosed = false;
      break;
    }
  }
  const closed = allClosed ? bars : bars.filter((b) => b.end <= asOf);
  const future = bars.length - closed.length;
  let invalid = 0;
  // The clean run starts at kept[cleanStart]: after the last invalid bar or missing session.
  let cleanStart = 0;
  // `kept` is `closed` itself until the first invalid bar; a copy without the bad ones after that.
  let kept: Bar[] | null = null;
  let prevT = -Infinity;
  for (let i = 0; i < closed.length; i++) {
    const b = closed[i]!;
    if (!validBar(b) || b.t <= prevT) {
      if (kept === null) kept = closed.slice(0, i);
      invalid++;
      cleanStart = kept.length;
      continue;
    }
    if (kept !== null) kept.push(b);
    prevT = b.t;
  }
  const k: readonly Bar[] = kept ?? closed;
  let gaps = 0;
  if (sessions !== null && k.length > 0) {
    // Kept bars ascend in time, so their New York dates never decrease: one merge walk over
    // bars and sessions. A daily bar that starts at its session's open is on that session's
    // date without computing the date.
    const firstDate = dayOf(k[0]!.t);
    let before = 0; // kept bars dated before the session being looked at
    for (const s of sessions) {
      if (s.date < firstDate || s.close > asOf) continue;
      while (before < k.length && k[before]!.t !== s.open && dayOf(k[before]!.t) < s.date) before++;
      if (before < k.length && k[before]!.t === s.open) {
        before++; // dated s.date, so before every later session
        continue;
      }
      if (before < k.length && dayOf(k[before]!.t) === s.date) continue;
      gaps++;
      cleanStart = Math.max(cleanStart, before);
    }
  }
  return { clean: cleanStart === 0 ? k : k.slice(cleanStart), future, invalid, gaps };
}

export interface QuoteAudit {
  readonly price: number | null;
  readonly priceAt: number | null;
  readonly bid: number | null;
  readonly ask: number | null;
  readonly stalenessSec: number | null;
}

/** A usable price (finite, > 0, printed at or before as_of) and a sane bid/ask pair (both > 0, bid <= ask). */
export function auditQuote(q: LatestQuote | null, asOf: number): QuoteAudit {
  if (q === null || !finitePos(q.price) || !Number.isFinite(q.t) || q.t > asOf) {
    return { price: null, priceAt: null, bid: null, ask: null, stalenessSec: null };
  }
  const bid = q.bid !== undefined && finitePos(q.bid) ? q.bid : null;
  const ask = q.ask !== undefined && finitePos(q.ask) ? q.ask : null;
  const pairOk = bid !== null && ask !== null && bid <= ask;
  return {
    price: q.price,
    priceAt: q.t,
    bid: pairOk ? bid : null,
    ask: pairOk ? ask : null,
    stalenessSec: Math.max(0, Math.round((asOf - q.t) / 1000)),
  };
}
