import { createEma, createSma, type Step } from './averages.js';
import { createRing } from './ring.js';

/**
 * RSI with Wilder smoothing at full precision (technicalindicators rounds to 2 decimals).
 * Average gain/loss seeded with the simple mean of the first n changes; the first value comes
 * with the (n + 1)th close. All gains (no losses) -> 100; no movement at all -> 50.
 */
export function createRsi(period = 14): Step<number> {
  let prev: number | null = null;
  let changes = 0;
  let gain = 0;
  let loss = 0;
  let ready = false;
  return {
    push(c) {
      if (prev === null) {
        prev = c;
        return;
      }
      const d = c - prev;
      prev = c;
      if (ready) {
        gain = (gain * (period - 1) + (d > 0 ? d : 0)) / period;
        loss = (loss * (period - 1) + (d < 0 ? -d : 0)) / period;
        return;
      }
      if (d > 0) gain += d;
      else loss -= d;
      if (++changes === period) {
        gain /= period;
        loss /= period;
        ready = true;
      }
    },
    value: () => (!ready ? null : loss === 0 ? (gain === 0 ? 50 : 100) : 100 - 100 / (1 + gain / loss)),
  };
}

export interface MacdPoint {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

/**
 * MACD: EMA(fast) - EMA(slow) from the slow EMA's first value, signal = EMA(signal) of that
 * line, histogram = MACD - signal; a point once the signal exists (slow + signal - 1 values).
 * The same operations as technicalindicators' MACD (EMA oscillator and signal), except that a
 * MACD line of exactly 0 (flat prices) is a value here, where the library never seeds its signal.
 */
export function createMacd(fast = 12, slow = 26, signal = 9): Step<MacdPoint> {
  const f = createEma(fast);
  const s = createEma(slow);
  const sig = createEma(signal);
  let point: MacdPoint | null = null;
  return {
    push(x) {
      f.push(x);
      s.push(x);
      const fv = f.value();
      const sv = s.value();
      if (fv === null || sv === null) return;
      const m = fv - sv;
      sig.push(m);
      const g = sig.value();
      if (g !== null) point = { macd: m, signal: g, histogram: m - g };
    },
    value: () => point,
  };
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
export function createStochRsi(rsiPeriod = 14, stochPeriod = 14, kPeriod = 3, dPeriod = 3): Step<StochRsiPoint> {
  const rsi = createRsi(rsiPeriod);
  const window = createRing(stochPeriod);
  const k = createSma(kPeriod);
  const d = createSma(dPeriod);
  let point: StochRsiPoint | null = null;
  return {
    push(c) {
      rsi.push(c);
      const r = rsi.value();
      if (r === null) return;
      window.push(r);
      if (window.size() < stochPeriod) return;
      const lo = window.min();
      const hi = window.max();
      k.push(hi > lo ? (100 * (r - lo)) / (hi - lo) : 50);
      const kv = k.value();
      if (kv === null) return;
      d.push(kv);
      point = { k: kv, d: d.value() };
    },
    value: () => point,
  };
}
