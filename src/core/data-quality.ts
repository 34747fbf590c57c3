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

/**
 * A symbol's last audit when it found nothing wrong, kept so the next cycle's audit can be
 * continued from it (continueDailyAudit): every bar valid, in time order, closed by `asOf`, no
 * missing session; `sessions` strictly ascending by date, each opening on its own date.
 */
export interface CleanDailyAudit {
  readonly bars: readonly Bar[];
  readonly asOf: number;
  readonly sessions: readonly Session[];
}

/** `audit` (of bars, asOf, sessions) as a base for continueDailyAudit, or null when it found a defect or the sessions are not in order. */
export function cleanDailyAudit(bars: readonly Bar[], asOf: number, sessions: readonly Session[] | null, audit: DailyAudit): CleanDailyAudit | null {
  if (sessions === null || bars.length === 0 || audit.clean !== bars || audit.future !== 0 || audit.invalid !== 0 || audit.gaps !== 0) return null;
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i]!;
    if ((i > 0 && !(sessions[i - 1]!.date < s.date)) || dayOf(s.open) !== s.date) return null;
  }
  return { bars, asOf, sessions };
}

const sameSession = (a: Session, b: Session) => a === b || (a.date === b.date && a.open === b.open && a.close === b.close);

/** Index of the bar starting at t in bars ascending by t, or -1 (the indicator store finds its last bar with it too). */
export function indexOfStart(bars: readonly Bar[], t: number): number {
  let lo = 0;
  let hi = bars.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = bars[mid]!.t;
    if (x === t) return mid;
    if (x < t) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Index of the session dated `date` in sessions ascending by date, or -1. */
function indexOfDate(sessions: readonly Session[], date: string): number {
  let lo = 0;
  let hi = sessions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = sessions[mid]!.date;
    if (x === date) return mid;
    if (x < date) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * auditDailyBars(bars, asOf, sessions) when it would find nothing wrong, shown from the last
 * clean audit instead of walking every bar and session again: the window slid forward in time
 * (bars: a run of the base's own bar objects, from some bar to its last, then new bars; sessions:
 * the base's from some date on, then new ones), so only the new bars are checked (closed, valid,
 * in order) and only the sessions closed since the base are matched to bars. Returns null
 * whenever that does not hold (another array of bar objects, a defect, a gap, sessions out of
 * order): the caller then runs auditDailyBars. tests/snapshot/data-quality-continue.test.ts
 * checks it against auditDailyBars over random windows.
 */
export function continueDailyAudit(base: CleanDailyAudit, bars: readonly Bar[], asOf: number, sessions: readonly Session[] | null): DailyAudit | null {
  const prev = base.bars;
  if (sessions === null || sessions.length === 0 || bars.length === 0 || !(asOf >= base.asOf)) return null;
  // Bars: base.bars[d..] (the very objects, so valid, in order and closed by base.asOf <= asOf), then new ones.
  const first = bars[0]!;
  const d = indexOfStart(prev, first.t);
  if (d < 0 || prev[d] !== first) return null;
  const kept = prev.length - d;
  if (bars.length < kept) return null;
  for (let i = 1; i < kept; i++) if (bars[i] !== prev[d + i]) return null;
  for (let i = kept; i < bars.length; i++) {
    const b = bars[i]!;
    if (!(b.end <= asOf) || !validBar(b) || !(b.t > bars[i - 1]!.t)) return null;
  }
  // Sessions: the base's from sessions[0] on while they closed by base.asOf (each had a bar, and
  // every bar dated on or after the first bar's date is still here), then strictly later ones.
  const old = base.sessions;
  const k = indexOfDate(old, sessions[0]!.date);
  if (k < 0) return null;
  let i = 0;
  while (i < sessions.length && k + i < old.length && old[k + i]!.close <= base.asOf) {
    if (!sameSession(sessions[i]!, old[k + i]!)) return null;
    i++;
  }
  // The rest: in date order, each opening on its date, and (once closed by as_of, from the first bar's date on) with a bar that day.
  const firstDate = dayOf(first.t);
  let before = kept - 1; // no earlier bar can be dated on a session that closed after base.asOf
  for (; i < sessions.length; i++) {
    const s = sessions[i]!;
    if ((i > 0 && !(sessions[i - 1]!.date < s.date)) || dayOf(s.open) !== s.date) return null;
    if (s.date < firstDate || s.close > asOf) continue;
    while (before < bars.length && bars[before]!.t !== s.open && dayOf(bars[before]!.t) < s.date) before++;
    if (before < bars.length && bars[before]!.t === s.open) {
      before++;
      continue;
    }
    if (before < bars.length && dayOf(bars[before]!.t) === s.date) continue;
    return null; // a missing session: the full audit counts it
  }
  return { clean: bars, future: 0, invalid: 0, gaps: 0 };
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
