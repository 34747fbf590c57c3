import type { Step } from './averages.js';
import { createRing } from './ring.js';

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
 * Bollinger bands: SMA(n) -/+ k population standard deviations, two passes over the window
 * when read (mean, then squared deviations), %B of the last close and bandwidth. Not
 * technicalindicators': its middle band is a drifting running sum and its %B is computed from
 * already-formatted bands.
 */
export function createBollinger(period = 20, k = 2): Step<BollingerPoint> {
  const ring = createRing(period);
  return {
    push: (c) => ring.push(c),
    value() {
      if (ring.size() < period) return null;
      const middle = ring.sumLast(period) / period;
      const sd = Math.sqrt(ring.sqDevLast(period, middle) / period);
      const upper = middle + k * sd;
      const lower = middle - k * sd;
      const width = upper - lower;
      return {
        middle,
        upper,
        lower,
        percent_b: width > 0 ? (ring.last() - lower) / width : null,
        bandwidth_pct: middle !== 0 ? (width / middle) * 100 : 0,
      };
    },
  };
}

export interface Cv {
  readonly c: number;
  readonly v: number;
}

/** On-balance volume, starting at the first bar's volume (TA-Lib, Lean); + volume on up closes, - on down. */
export function createObv(): { pushBar(b: Cv): void; value(): number | null } {
  let obv: number | null = null;
  let prevClose = 0;
  return {
    pushBar(b) {
      if (obv === null) obv = b.v;
      else if (b.c > prevClose) obv += b.v;
      else if (b.c < prevClose) obv -= b.v;
      prevClose = b.c;
    },
    value: () => obv,
  };
}

/**
 * Daily volume over the last n + 1 sessions: the last volume against the mean of the n before
 * it (null before n + 1 volumes, or when that mean is 0), and the mean of the last n.
 */
export function createVolumeWindow(period = 20): { push(v: number): void; ratio(): number | null; mean(): number | null } {
  const ring = createRing(period + 1);
  return {
    push: (v) => ring.push(v),
    ratio() {
      if (ring.size() < period + 1) return null;
      const mean = ring.sumBeforeLast(period) / period;
      return mean > 0 ? ring.last() / mean : null;
    },
    mean: () => (ring.size() < period ? null : ring.sumLast(period) / period),
  };
}

/** Highest high and lowest low of the last n bars (null before n bars). */
export function createRangeWindow(period: number): { push(h: number, l: number): void; high(): number | null; low(): number | null } {
  const highs = createRing(period);
  const lows = createRing(period);
  return {
    push(h, l) {
      highs.push(h);
      lows.push(l);
    },
    high: () => (highs.size() < period ? null : highs.max()),
    low: () => (lows.size() < period ? null : lows.min()),
  };
}
