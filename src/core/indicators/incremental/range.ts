import { createWilder } from './averages.js';

export interface Hlc {
  readonly h: number;
  readonly l: number;
  readonly c: number;
}

/** An indicator advanced one bar at a time; value() is null before its warm-up. */
export interface BarStep<T> {
  pushBar(b: Hlc): void;
  value(): T | null;
}

/** True range; without a previous close (the first bar) it is high - low. */
export function trueRangeOf(b: Hlc, prevClose: number | null): number {
  if (prevClose === null) return b.h - b.l;
  return Math.max(b.h - b.l, Math.abs(b.h - prevClose), Math.abs(b.l - prevClose));
}

/**
 * ATR with Wilder smoothing over the true range; the first bar's true range is high - low
 * (Wilder, Lean; technicalindicators drops that bar), so the first value comes on bar n.
 */
export function createAtr(period = 14): BarStep<number> {
  const w = createWilder(period);
  let prevClose: number | null = null;
  return {
    pushBar(b) {
      w.push(trueRangeOf(b, prevClose));
      prevClose = b.c;
    },
    value: () => w.value(),
  };
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
export function createAdx(period = 14, round?: (x: number) => number): BarStep<AdxPoint> {
  const r = round ?? ((x: number) => x);
  let i = -1; // changes seen: the first bar only sets the previous high, low and close
  let ph = 0;
  let pl = 0;
  let pc = 0;
  let sTr = 0;
  let sPlus = 0;
  let sMinus = 0;
  let adx: number | null = null;
  let dxSum = 0;
  let dxCount = 0;
  let point: AdxPoint | null = null;
  return {
    pushBar(b) {
      const first = i < 0;
      const up = b.h - ph;
      const down = pl - b.l;
      const prevClose = pc;
      ph = b.h;
      pl = b.l;
      pc = b.c;
      i++;
      if (first) return;
      const tr = r(Math.max(b.h - b.l, Math.abs(b.h - prevClose), Math.abs(b.l - prevClose)));
      const plusDm = r(up > down && up > 0 ? up : 0);
      const minusDm = r(down > up && down > 0 ? down : 0);
      if (i <= period) {
        sTr += tr;
        sPlus += plusDm;
        sMinus += minusDm;
        if (i < period) return;
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
      if (adx === null) {
        dxSum += dx;
        dxCount++;
        if (dxCount === period) adx = dxSum / period;
      } else {
        adx = (adx * (period - 1) + dx) / period;
      }
      point = { adx, plus_di: plusDi, minus_di: minusDi };
    },
    value: () => point,
  };
}
