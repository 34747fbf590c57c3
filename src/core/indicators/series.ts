import { createEma, createSma, createWilder, type Step } from './incremental/averages.js';
import { createBollinger, createObv, createVolumeWindow, type BollingerPoint, type Cv } from './incremental/bands.js';
import { createMacd, createRsi, createStochRsi, type MacdPoint, type StochRsiPoint } from './incremental/momentum.js';
import { createAdx, createAtr, trueRangeOf, type AdxPoint, type BarStep, type Hlc } from './incremental/range.js';

/**
 * Indicator series at full floating-point precision, for the reference check and tests: each
 * is the incremental step of ./incremental/ folded over the input, read after every value, so
 * the series and the snapshot's indicators are one implementation. Every function takes plain
 * arrays in time order and returns an array aligned with its input: `null` until the
 * indicator's warm-up is met (see WARMUP), a number afterwards. Never a made-up value.
 *
 * technicalindicators is no longer used to compute anything; tests/core/indicators-oracle.ts
 * keeps it as a cross-check (our EMA and MACD perform its operations in its order and agree
 * to the bit). Where it is wrong or imprecise we do otherwise, on purpose:
 * - SMA and Bollinger: its running sum drifts (see createSma), and its %B is computed from
 *   already-formatted bands.
 * - RSI: it rounds every value to 2 decimals (and StochRSI inherits the rounding).
 * - ATR: it drops the first bar (no previous close); we follow Wilder/Lean and take the
 *   first bar's true range as high - low, so the first ATR appears on bar 14, not 15.
 * - ADX: NaN on flat input (0/0 in the DI ratio); here a zero range means no directional
 *   movement, so +DI = -DI = DX = 0.
 * - MACD: on flat prices the MACD line is exactly 0 and it never seeds its signal (0 is "no
 *   value" to it); here the point is { macd: 0, signal: 0, histogram: 0 }.
 * - StochRSI: built on its rounded RSI, and k/d smoothing differs from the usual definition.
 * - OBV: it starts at 0 on the second bar; we start at the first bar's volume (TA-Lib, Lean).
 * - VWAP: cumulative from the first bar with no session reset; ours is per session
 *   (sessionVwap) or over a fixed window (movingVwap).
 */

export type Series = (number | null)[];
export type { AdxPoint, BollingerPoint, Cv, Hlc, MacdPoint, StochRsiPoint };

/** Bars needed before the first value (index warm-up - 1 is the first non-null). */
export const WARMUP = {
  sma: (n: number) => n,
  ema: (n: number) => n,
  rsi: (n: number) => n + 1,
  macd: (fast: number, slow: number, signal: number) => Math.max(fast, slow) + signal - 1,
  atr: (n: number) => n,
  /** +DI / -DI appear one bar after the first n changes; ADX needs n DX values more. */
  di: (n: number) => n + 1,
  adx: (n: number) => 2 * n,
  stochRsiK: (rsi: number, stoch: number, k: number) => rsi + 1 + stoch - 1 + k - 1,
  stochRsiD: (rsi: number, stoch: number, k: number, d: number) => rsi + 1 + stoch - 1 + k - 1 + d - 1,
  obv: () => 1,
  bollinger: (n: number) => n,
  volumeRatio: (n: number) => n + 1,
  movingVwap: (n: number) => n,
} as const;

/** A step folded over values, read after each one. */
function fold<T>(values: readonly number[], step: Step<T>): (T | null)[] {
  return values.map((x) => {
    step.push(x);
    return step.value();
  });
}

function foldBars<B extends Hlc, T>(bars: readonly B[], step: BarStep<T>): (T | null)[] {
  return bars.map((b) => {
    step.pushBar(b);
    return step.value();
  });
}

/** Simple moving average (each window summed afresh: no running-sum drift). */
export const sma = (values: readonly number[], period: number): Series => fold(values, createSma(period));

/** EMA with k = 2 / (n + 1), seeded with the SMA of the first n values. */
export const ema = (values: readonly number[], period: number): Series => fold(values, createEma(period));

/** MACD (EMA fast - EMA slow), signal = EMA of MACD, histogram = MACD - signal. */
export const macd = (values: readonly number[], fast = 12, slow = 26, signal = 9): (MacdPoint | null)[] => fold(values, createMacd(fast, slow, signal));

/** Wilder's smoothing (RMA): seeded with the mean of the first n inputs, then (prev * (n-1) + x) / n. */
export const wilder = (values: readonly number[], period: number): Series => fold(values, createWilder(period));

/** RSI with Wilder smoothing at full precision; all gains -> 100, no movement -> 50. */
export const rsi = (closes: readonly number[], period = 14): Series => fold(closes, createRsi(period));

/** True range; the first bar (no previous close) is high - low. */
export const trueRange = (bars: readonly Hlc[]): number[] => bars.map((b, i) => trueRangeOf(b, i === 0 ? null : bars[i - 1]!.c));

/** ATR with Wilder smoothing over the true range; first value on bar n (index n-1). */
export const atr = (bars: readonly Hlc[], period = 14): Series => foldBars(bars, createAtr(period));

/** Wilder's ADX with +DI/-DI (see createAdx); `round` reproduces references built from rounded columns. */
export const adx = (bars: readonly Hlc[], period = 14, round?: (x: number) => number): (AdxPoint | null)[] => foldBars(bars, createAdx(period, round));

/** Stochastic RSI on our full-precision RSI (see createStochRsi). */
export const stochRsi = (closes: readonly number[], rsiPeriod = 14, stochPeriod = 14, kPeriod = 3, dPeriod = 3): (StochRsiPoint | null)[] =>
  fold(closes, createStochRsi(rsiPeriod, stochPeriod, kPeriod, dPeriod));

/** On-balance volume, starting at the first bar's volume; + volume on up closes, - on down. */
export function obv(bars: readonly Cv[]): Series {
  const step = createObv();
  return bars.map((b) => {
    step.pushBar(b);
    return step.value();
  });
}

/** Bollinger bands: SMA(n) -/+ k population standard deviations, %B and bandwidth. */
export const bollinger = (closes: readonly number[], period = 20, k = 2): (BollingerPoint | null)[] => fold(closes, createBollinger(period, k));

/** Last value of the series divided by the mean of the `period` values before it (null if that mean is 0). */
export function volumeRatio(volumes: readonly number[], period = 20): number | null {
  const w = createVolumeWindow(period);
  for (const v of volumes) w.push(v);
  return w.ratio();
}

export interface Ohlcv {
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
}

/** The typical price (h + l + c) / 3. */
export const typicalPrice = (b: Ohlcv): number => (b.h + b.l + b.c) / 3;

/**
 * Volume-weighted average of `price` (default: the typical price) over all the given bars; the
 * caller passes one session's minute bars, so it resets every session. null without volume.
 */
export function sessionVwap<B extends Ohlcv>(bars: readonly B[], price: (b: B) => number = typicalPrice): number | null {
  let pv = 0;
  let v = 0;
  for (const b of bars) {
    pv += price(b) * b.v;
    v += b.v;
  }
  return v > 0 ? pv / v : null;
}

/** Volume-weighted average of `price` over a rolling window of `period` bars (each window summed afresh). */
export function movingVwap<B extends Ohlcv>(bars: readonly B[], period = 50, price: (b: B) => number = typicalPrice): Series {
  const out: Series = new Array<number | null>(bars.length).fill(null);
  for (let i = period - 1; i < bars.length; i++) out[i] = sessionVwap(bars.slice(i - period + 1, i + 1), price);
  return out;
}
