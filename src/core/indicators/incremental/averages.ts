import { createRing } from './ring.js';

/**
 * Moving averages advanced one value at a time. Each `push` takes the next value in time order;
 * `value()` is the average after the values pushed so far, or null before its warm-up.
 */
export interface Step<T> {
  push(x: number): void;
  value(): T | null;
}

/**
 * Simple moving average of the last n values. The window is summed afresh when read (a running
 * sum that adds the new value and subtracts the old one drifts: 671.8256 comes out as
 * 671.8256000000007 after a few hundred bars); reading once per cycle, that costs n additions.
 */
export function createSma(period: number): Step<number> {
  const ring = createRing(period);
  return {
    push: (x) => ring.push(x),
    value: () => (ring.size() < period ? null : ring.sumLast(period) / period),
  };
}

/**
 * EMA with k = 2 / (n + 1), seeded with the SMA of the first n values, then
 * (x - prev) * k + prev: the operations of technicalindicators' EMA in the same order, so the
 * values are the same doubles (tests/core/indicators-oracle.test.ts checks it against the
 * library). A seed of exactly 0 is a value here; the library treats it as "no value yet".
 */
export function createEma(period: number): Step<number> {
  const k = 2 / (period + 1);
  let count = 0;
  let sum = 0;
  let ema: number | null = null;
  return {
    push(x) {
      if (ema !== null) {
        ema = (x - ema) * k + ema;
        return;
      }
      sum += x;
      if (++count === period) ema = sum / period;
    },
    value: () => ema,
  };
}

/** Wilder's smoothing (RMA): seeded with the mean of the first n values, then (prev (n - 1) + x) / n. */
export function createWilder(period: number): Step<number> {
  let count = 0;
  let sum = 0;
  let avg: number | null = null;
  return {
    push(x) {
      if (avg !== null) {
        avg = (avg * (period - 1) + x) / period;
        return;
      }
      sum += x;
      if (++count === period) avg = sum / period;
    },
    value: () => avg,
  };
}
