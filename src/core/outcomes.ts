import type { Session } from '../domain/market.js';
import { nyDate } from './time/ny.js';

/**
 * Decision outcomes (pure): for each journaled decision (BUY, SELL, HOLD, and automated exits),
 * the symbol's forward return from the decision price to the close N trading sessions later,
 * and the benchmark's (SPY) over the same sessions. Sessions come from the calendar, so
 * weekends and holidays are skipped: "5 days" is 5 sessions.
 *
 * Anchoring (the decision's "base" session, from which the horizon counts):
 * - decided during a session (open <= t < close): that session; the horizon-1 close is the
 *   NEXT session's close. SPY's base is that session's open (the nearest daily price before the
 *   decision), or SPY's own journaled price in the same cycle when there is one.
 * - decided at or after a session's close (daily backtests, after-close cycles): that session;
 *   SPY's base is that session's close (the same instant as the decision).
 * - decided before the open, or on a day without a session: the last session that closed
 *   before it; SPY's base is that session's close.
 * A horizon is scored once its session has closed at `asOf` and both the symbol and SPY have a
 * daily bar on that date. A symbol without a bar on the horizon date (halted, delisted, or data
 * missing) is not scored: it is reported as `halted` and tried again on a later run.
 */

export const HORIZONS: readonly number[] = [1, 5, 20];
export const BENCHMARK_SYMBOL = 'SPY';

/** One decision to score. */
export interface ScorableDecision {
  /** trades.id, or `exit:<order id>` for a bracket leg that filled (it has no trades row of its own). */
  readonly tradeId: string;
  readonly symbol: string;
  /** BUY | SELL | HOLD | EXIT (automated exits: bracket legs, trail giveback, emergency flatten, ...). */
  readonly action: string;
  readonly strategy: string;
  readonly confidence: number;
  /** rules | claude | position-health | bracket | ... */
  readonly brain: string;
  /** Market time of the decision (epoch ms). */
  readonly asOf: number;
  /** Price at the decision (trades.price; the fill price for bracket exits). Null: not scorable. */
  readonly price: number | null;
  /** SPY's price at the decision moment, when the journal has one (a SPY row in the same cycle). */
  readonly benchmarkPrice?: number | null;
}

/** A daily bar reduced to what outcomes need (`o` unknown where only closes are: SPY's open-anchored base is then missing). */
export interface DailyPrice {
  readonly o?: number;
  readonly c: number;
}

/** symbol -> New York date (YYYY-MM-DD) -> that session's daily bar. */
export type DailyBook = ReadonlyMap<string, ReadonlyMap<string, DailyPrice>>;

export interface OutcomeRow {
  readonly tradeId: string;
  readonly horizonDays: number;
  readonly symbol: string;
  readonly action: string;
  readonly strategy: string;
  readonly confidence: number;
  readonly brain: string;
  readonly asOf: number;
  readonly decisionPrice: number;
  readonly exitPrice: number;
  /** Symbol's forward return (0.01 = +1%). */
  readonly ret: number;
  readonly spyRet: number;
  /** ret - spyRet. */
  readonly excess: number;
  /** The horizon session's date: the close the outcome was measured at. */
  readonly computedForDate: string;
}

export type UnscoredReason = 'not_reached' | 'halted' | 'no_price' | 'no_benchmark' | 'no_session';

export interface Unscored {
  readonly tradeId: string;
  readonly symbol: string;
  readonly horizonDays: number;
  readonly reason: UnscoredReason;
  /** The horizon session's date, when known. */
  readonly date?: string;
}

export interface OutcomesInput {
  readonly decisions: readonly ScorableDecision[];
  /** Sessions in order, covering every decision's base session through `asOf`. */
  readonly sessions: readonly Session[];
  readonly bars: DailyBook;
  /** Market time of the run: only horizons whose session closed at or before it are scored. */
  readonly asOf: number;
  readonly horizons?: readonly number[];
  /** `${tradeId}|${horizon}` keys already recorded: skipped (neither scored nor reported). */
  readonly done?: ReadonlySet<string>;
  readonly benchmark?: string;
}

export interface OutcomesResult {
  readonly scored: readonly OutcomeRow[];
  readonly unscored: readonly Unscored[];
}

export const outcomeKey = (tradeId: string, horizon: number) => `${tradeId}|${horizon}`;

/** Index of the decision's base session and which SPY price anchors it ('open' or 'close' of that session). */
export function baseSession(sessions: readonly Session[], t: number): { readonly index: number; readonly anchor: 'open' | 'close' } | null {
  const date = nyDate(t);
  let last = -1;
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i]!;
    if (s.date === date) {
      if (t < s.open) return last >= 0 ? { index: last, anchor: 'close' } : null;
      return { index: i, anchor: t < s.close ? 'open' : 'close' };
    }
    if (s.close <= t) last = i;
    else break;
  }
  return last >= 0 ? { index: last, anchor: 'close' } : null;
}

const valid = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** What forward returns are measured over: sessions, daily bars, the run's market time and the benchmark symbol. */
export interface ForwardContext {
  readonly sessions: readonly Session[];
  readonly bars: DailyBook;
  readonly asOf: number;
  readonly benchmark: string;
}

/** One horizon of one decision: measured (the benchmark's return null when its prices are missing), or why not. */
export type ForwardReturn =
  | { readonly status: 'scored'; readonly date: string; readonly decisionPrice: number; readonly exitPrice: number; readonly ret: number; readonly spyRet: number | null }
  | { readonly status: 'not_reached'; readonly date: string | undefined }
  | { readonly status: 'halted'; readonly date: string }
  | { readonly status: 'no_price' | 'no_session' };

/**
 * The forward returns of one decision at each horizon (in the order given), anchored as the
 * module comment says. The one forward-return computation: the scoreboard's outcomes, the A/B
 * report and the weekly review all read it.
 */
export function forwardReturns(
  d: Pick<ScorableDecision, 'symbol' | 'asOf' | 'price' | 'benchmarkPrice'>,
  x: ForwardContext,
  horizons: readonly number[],
): ForwardReturn[] {
  const price = d.price;
  if (!valid(price)) return horizons.map(() => ({ status: 'no_price' }));
  const base = baseSession(x.sessions, d.asOf);
  if (!base) return horizons.map(() => ({ status: 'no_session' }));
  const spy = x.bars.get(x.benchmark);
  const spyBaseBar = spy?.get(x.sessions[base.index]!.date);
  const spyBase = valid(d.benchmarkPrice) ? d.benchmarkPrice : base.anchor === 'open' ? spyBaseBar?.o : spyBaseBar?.c;
  return horizons.map((h): ForwardReturn => {
    const target = x.sessions[base.index + h];
    if (!target || target.close > x.asOf) return { status: 'not_reached', date: target?.date };
    const exit = x.bars.get(d.symbol)?.get(target.date)?.c;
    if (!valid(exit)) return { status: 'halted', date: target.date };
    const spyExit = spy?.get(target.date)?.c;
    const spyRet = valid(spyBase) && valid(spyExit) ? spyExit / spyBase - 1 : null;
    return { status: 'scored', date: target.date, decisionPrice: price, exitPrice: exit, ret: exit / price - 1, spyRet };
  });
}

export function computeOutcomes(x: OutcomesInput): OutcomesResult {
  const horizons = x.horizons ?? HORIZONS;
  const ctx: ForwardContext = { sessions: x.sessions, bars: x.bars, asOf: x.asOf, benchmark: x.benchmark ?? BENCHMARK_SYMBOL };
  const scored: OutcomeRow[] = [];
  const unscored: Unscored[] = [];
  for (const d of x.decisions) {
    const todo = horizons.filter((h) => !x.done?.has(outcomeKey(d.tradeId, h)));
    if (todo.length === 0) continue;
    const skip = (h: number, reason: UnscoredReason, date?: string) =>
      unscored.push({ tradeId: d.tradeId, symbol: d.symbol, horizonDays: h, reason, ...(date !== undefined ? { date } : {}) });
    forwardReturns(d, ctx, todo).forEach((f, i) => {
      const h = todo[i]!;
      if (f.status !== 'scored') return skip(h, f.status, 'date' in f ? f.date : undefined);
      if (f.spyRet === null) return skip(h, 'no_benchmark', f.date);
      scored.push({
        tradeId: d.tradeId,
        horizonDays: h,
        symbol: d.symbol,
        action: d.action,
        strategy: d.strategy,
        confidence: d.confidence,
        brain: d.brain,
        asOf: d.asOf,
        decisionPrice: f.decisionPrice,
        exitPrice: f.exitPrice,
        ret: f.ret,
        spyRet: f.spyRet,
        excess: f.ret - f.spyRet,
        computedForDate: f.date,
      });
    });
  }
  return { scored, unscored };
}

/** The earliest session date any unscored decision needs bars from (its base session), or null. */
export function earliestBaseDate(decisions: readonly ScorableDecision[], sessions: readonly Session[]): string | null {
  let min: string | null = null;
  for (const d of decisions) {
    const b = baseSession(sessions, d.asOf);
    const date = b ? sessions[b.index]!.date : null;
    if (date !== null && (min === null || date < min)) min = date;
  }
  return min;
}
