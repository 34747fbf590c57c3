/**
 * Test oracle: the batch indicator code as it was before indicators became incremental
 * (src/core/indicators/incremental/), kept here only to check the production state machine
 * against an independent computation: every series recomputed over the whole history, EMA and
 * MACD from technicalindicators (the cross-check), the rest with plain loops. Not used by src/.
 */
import { EMA, MACD } from 'technicalindicators';
import type { Bar } from '../../src/domain/market.js';
import type { IndicatorSet } from '../../src/domain/snapshot.js';

export type Series = (number | null)[];

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

/** Places `values` (computed from index `first` on) into a null-padded array of length n. */
function pad(n: number, first: number, values: readonly number[]): Series {
  const out: Series = new Array<number | null>(n).fill(null);
  for (let k = 0; k < values.length && first + k < n; k++) out[first + k] = values[k]!;
  return out;
}

/**
 * Simple moving average, each window summed afresh. technicalindicators' SMA keeps a running
 * sum (add the new value, subtract the old), whose rounding error grows along the series
 * (671.8256 comes out as 671.8256000000007 after a few hundred bars); a fresh sum per window
 * is exact to one rounding per addition, and a 200-bar window over a few hundred bars is cheap.
 */
export function sma(values: readonly number[], period: number): Series {
  const out: Series = new Array<number | null>(values.length).fill(null);
  for (let i = period - 1; i < values.length; i++) {
    let s = 0;
    for (let j = i - period + 1; j <= i; j++) s += values[j]!;
    out[i] = s / period;
  }
  return out;
}

/** EMA with k = 2 / (n + 1), seeded with the SMA of the first n values. */
export function ema(values: readonly number[], period: number): Series {
  if (values.length < period) return new Array<number | null>(values.length).fill(null);
  return pad(values.length, period - 1, EMA.calculate({ period, values: [...values] }));
}

export interface MacdPoint {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

/** MACD (EMA fast - EMA slow), signal = EMA of MACD, histogram = MACD - signal. */
export function macd(values: readonly number[], fast = 12, slow = 26, signal = 9): (MacdPoint | null)[] {
  const n = values.length;
  const out: (MacdPoint | null)[] = new Array<MacdPoint | null>(n).fill(null);
  if (n < WARMUP.macd(fast, slow, signal)) return out;
  const raw = MACD.calculate({ values: [...values], fastPeriod: fast, slowPeriod: slow, signalPeriod: signal, SimpleMAOscillator: false, SimpleMASignal: false });
  const first = Math.max(fast, slow) - 1;
  raw.forEach((p, k) => {
    if (p.MACD !== undefined && p.signal !== undefined && first + k < n) {
      // Recomputed here: its histogram is computed before formatting, but read the pair we return.
      out[first + k] = { macd: p.MACD, signal: p.signal, histogram: p.MACD - p.signal };
    }
  });
  return out;
}

/** Wilder's smoothing (RMA): seeded with the mean of the first n inputs, then (prev * (n-1) + x) / n. */
export function wilder(values: readonly number[], period: number): Series {
  const out: Series = new Array<number | null>(values.length).fill(null);
  if (values.length < period) return out;
  let sum = 0;
  for (let i = 0; i < period; i++) sum += values[i]!;
  let avg = sum / period;
  out[period - 1] = avg;
  for (let i = period; i < values.length; i++) {
    avg = (avg * (period - 1) + values[i]!) / period;
    out[i] = avg;
  }
  return out;
}

/**
 * RSI with Wilder smoothing at full precision (technicalindicators rounds to 2 decimals).
 * Average gain/loss seeded with the simple mean of the first n changes; first value at index n.
 * All gains (no losses) -> 100; no movement at all -> 50.
 */
export function rsi(closes: readonly number[], period = 14): Series {
  const n = closes.length;
  const out: Series = new Array<number | null>(n).fill(null);
  if (n < period + 1) return out;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const d = closes[i]! - closes[i - 1]!;
    if (d > 0) gain += d;
    else loss -= d;
  }
  gain /= period;
  loss /= period;
  const value = () => (loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss));
  out[period] = value();
  for (let i = period + 1; i < n; i++) {
    const d = closes[i]! - closes[i - 1]!;
    gain = (gain * (period - 1) + (d > 0 ? d : 0)) / period;
    loss = (loss * (period - 1) + (d < 0 ? -d : 0)) / period;
    out[i] = value();
  }
  return out;
}

export interface Hlc {
  readonly h: number;
  readonly l: number;
  readonly c: number;
}

/** True range; the first bar (no previous close) is high - low. */
export function trueRange(bars: readonly Hlc[]): number[] {
  return bars.map((b, i) => {
    if (i === 0) return b.h - b.l;
    const pc = bars[i - 1]!.c;
    return Math.max(b.h - b.l, Math.abs(b.h - pc), Math.abs(b.l - pc));
  });
}

/** ATR with Wilder smoothing over the true range; first value on bar n (index n-1). */
export function atr(bars: readonly Hlc[], period = 14): Series {
  return wilder(trueRange(bars), period);
}

export interface AdxPoint {
  /** null until 2n bars (n DX values) are in. */
  readonly adx: number | null;
  readonly plus_di: number;
  readonly minus_di: number;
}

/**
 * Wilder's ADX with +DI/-DI. TR, +DM, -DM start at the second bar; their n-period Wilder
 * sums (first = plain sum of n, then S - S/n + x) give +DI = 100 +DM_n / TR_n and
 * -DI = 100 -DM_n / TR_n from bar n+1; DX = 100 |+DI - -DI| / (+DI + -DI); ADX = Wilder
 * average of DX seeded with the mean of the first n DX values (first on bar 2n).
 * Flat input (TR_n = 0, or +DI + -DI = 0) gives DI = 0 and DX = 0: no directional movement
 * (technicalindicators returns NaN there).
 *
 * `round`, when given, is applied to each intermediate (TR, +DM, -DM, the smoothed sums and
 * DX), to reproduce references built from rounded spreadsheet columns. Production passes none.
 */
export function adx(bars: readonly Hlc[], period = 14, round?: (x: number) => number): (AdxPoint | null)[] {
  const r = round ?? ((x: number) => x);
  const n = bars.length;
  const out: (AdxPoint | null)[] = new Array<AdxPoint | null>(n).fill(null);
  if (n < period + 1) return out;
  let sTr = 0;
  let sPlus = 0;
  let sMinus = 0;
  let adxVal: number | null = null;
  let dxSum = 0;
  let dxCount = 0;
  for (let i = 1; i < n; i++) {
    const b = bars[i]!;
    const p = bars[i - 1]!;
    const up = b.h - p.h;
    const down = p.l - b.l;
    const tr = r(Math.max(b.h - b.l, Math.abs(b.h - p.c), Math.abs(b.l - p.c)));
    const plusDm = r(up > down && up > 0 ? up : 0);
    const minusDm = r(down > up && down > 0 ? down : 0);
    if (i <= period) {
      sTr += tr;
      sPlus += plusDm;
      sMinus += minusDm;
      if (i < period) continue;
      sTr = r(sTr);
      sPlus = r(sPlus);
      sMinus = r(sMinus);
    } else {
      sTr = r(sTr - sTr / period + tr);
      sPlus = r(sPlus - sPlus / period + plusDm);
      sMinus = r(sMinus - sMinus / period + minusDm);
    }
    const plusDi = sTr > 0 ? (100 * sPlus) / sTr : 0;
    const minusDi = sTr > 0 ? (100 * sMinus) / sTr : 0;
    const diSum = plusDi + minusDi;
    const dx = r(diSum > 0 ? (100 * Math.abs(plusDi - minusDi)) / diSum : 0);
    if (adxVal === null) {
      dxSum += dx;
      dxCount++;
      if (dxCount === period) adxVal = dxSum / period;
    } else {
      adxVal = (adxVal * (period - 1) + dx) / period;
    }
    out[i] = { adx: adxVal, plus_di: plusDi, minus_di: minusDi };
  }
  return out;
}

export interface StochRsiPoint {
  /** %K: SMA(k) of the raw stochastic of RSI, 0..100. */
  readonly k: number;
  /** %D: SMA(d) of %K; null until d values of %K are in. */
  readonly d: number | null;
}

/**
 * Stochastic RSI on our full-precision RSI: raw = 100 (RSI - min) / (max - min) over the last
 * `stochPeriod` RSI values, %K = SMA(kPeriod) of raw, %D = SMA(dPeriod) of %K. When the RSI
 * window is flat (max = min) the raw value is 50 (no position within a zero range); the
 * reference and most charting packages leave this case undefined.
 */
export function stochRsi(closes: readonly number[], rsiPeriod = 14, stochPeriod = 14, kPeriod = 3, dPeriod = 3): (StochRsiPoint | null)[] {
  const n = closes.length;
  const out: (StochRsiPoint | null)[] = new Array<StochRsiPoint | null>(n).fill(null);
  const r = rsi(closes, rsiPeriod);
  const raw: Series = new Array<number | null>(n).fill(null);
  for (let i = rsiPeriod + stochPeriod - 1; i < n; i++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = i - stochPeriod + 1; j <= i; j++) {
      const v = r[j]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    raw[i] = hi > lo ? (100 * (r[i]! - lo)) / (hi - lo) : 50;
  }
  const k = windowMean(raw, kPeriod);
  const d = windowMean(k, dPeriod);
  for (let i = 0; i < n; i++) {
    const kv = k[i];
    if (kv !== null && kv !== undefined) out[i] = { k: kv, d: d[i] ?? null };
  }
  return out;
}

/** Mean of the last `period` values, null unless all of them are numbers (each window summed afresh). */
function windowMean(xs: Series, period: number): Series {
  const out: Series = new Array<number | null>(xs.length).fill(null);
  for (let i = period - 1; i < xs.length; i++) {
    let s = 0;
    let ok = true;
    for (let j = i - period + 1; j <= i; j++) {
      const v = xs[j];
      if (v === null || v === undefined) {
        ok = false;
        break;
      }
      s += v;
    }
    if (ok) out[i] = s / period;
  }
  return out;
}

export interface Cv {
  readonly c: number;
  readonly v: number;
}

/** On-balance volume, starting at the first bar's volume; + volume on up closes, - on down. */
export function obv(bars: readonly Cv[]): Series {
  const out: Series = new Array<number | null>(bars.length).fill(null);
  let acc = 0;
  bars.forEach((b, i) => {
    if (i === 0) acc = b.v;
    else {
      const pc = bars[i - 1]!.c;
      if (b.c > pc) acc += b.v;
      else if (b.c < pc) acc -= b.v;
    }
    out[i] = acc;
  });
  return out;
}

export interface BollingerPoint {
  readonly middle: number;
  readonly upper: number;
  readonly lower: number;
  /** (close - lower) / (upper - lower); null when the bands have zero width. */
  readonly percent_b: number | null;
  /** (upper - lower) / middle x 100. */
  readonly bandwidth_pct: number;
}

/**
 * Bollinger bands: SMA(n) -/+ k population standard deviations (two-pass per window: mean,
 * then squared deviations), %B and bandwidth. Computed here rather than with
 * technicalindicators, whose middle band is its running-sum SMA (the drift described at sma)
 * and whose %B is computed from already-formatted bands.
 */
export function bollinger(closes: readonly number[], period = 20, k = 2): (BollingerPoint | null)[] {
  const n = closes.length;
  const out: (BollingerPoint | null)[] = new Array<BollingerPoint | null>(n).fill(null);
  for (let i = period - 1; i < n; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += closes[j]!;
    const middle = sum / period;
    let sq = 0;
    for (let j = i - period + 1; j <= i; j++) sq += (closes[j]! - middle) ** 2;
    const sd = Math.sqrt(sq / period);
    const upper = middle + k * sd;
    const lower = middle - k * sd;
    const width = upper - lower;
    out[i] = {
      middle,
      upper,
      lower,
      percent_b: width > 0 ? (closes[i]! - lower) / width : null,
      bandwidth_pct: middle !== 0 ? (width / middle) * 100 : 0,
    };
  }
  return out;
}

/** Last value of the series divided by the mean of the `period` values before it (null if that mean is 0). */
export function volumeRatio(volumes: readonly number[], period = 20): number | null {
  const n = volumes.length;
  if (n < period + 1) return null;
  let s = 0;
  for (let i = n - 1 - period; i < n - 1; i++) s += volumes[i]!;
  const mean = s / period;
  return mean > 0 ? volumes[n - 1]! / mean : null;
}

const last = <T>(xs: readonly (T | null)[]): T | null => (xs.length > 0 ? (xs[xs.length - 1] ?? null) : null);

/** The indicator set as the batch code computed it: each series over all the bars, last point. */
export function oracleIndicators(bars: readonly Bar[]): IndicatorSet {
  const closes = bars.map((b) => b.c);
  const volumes = bars.map((b) => b.v);
  const n = bars.length;
  const adxPoint = last(adx(bars, 14));
  const stochPoint = last(stochRsi(closes, 14, 14, 3, 3));
  const bbPoint = last(bollinger(closes, 20, 2));
  let high52: number | null = null;
  let low52: number | null = null;
  if (n >= 252) {
    high52 = -Infinity;
    low52 = Infinity;
    for (let i = n - 252; i < n; i++) {
      const b = bars[i]!;
      if (b.h > high52) high52 = b.h;
      if (b.l < low52) low52 = b.l;
    }
  }
  let avgVol: number | null = null;
  if (n >= 20) {
    let s = 0;
    for (let i = n - 20; i < n; i++) s += volumes[i]!;
    avgVol = s / 20;
  }
  return {
    rsi14: last(rsi(closes, 14)),
    macd: last(macd(closes, 12, 26, 9)),
    ema9: last(ema(closes, 9)),
    ema21: last(ema(closes, 21)),
    ema50: last(ema(closes, 50)),
    ema200: last(ema(closes, 200)),
    sma50: last(sma(closes, 50)),
    sma200: last(sma(closes, 200)),
    atr14: last(atr(bars, 14)),
    adx14: adxPoint,
    stoch_rsi: stochPoint,
    obv: last(obv(bars)),
    bollinger: bbPoint,
    volume_ratio_20d: volumeRatio(volumes, 20),
    avg_volume_20d: avgVol,
    high_52w: high52,
    low_52w: low52,
  };
}
