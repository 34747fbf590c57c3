import { describe, expect, it } from 'vitest';
import * as S from '../../src/core/indicators/series.js';
import { computeIndicators, SESSIONS_52W } from '../../src/core/indicators/index.js';
import type { Bar } from '../../src/domain/market.js';

/**
 * Small hand-checked series. Expected values are worked out by hand (shown in comments) and
 * compared at full precision (toBeCloseTo with 12 digits), not at 2 decimals.
 */

const bar = (i: number, o: number, h: number, l: number, c: number, v = 1000): Bar => ({ t: i * 86_400_000, end: i * 86_400_000 + 23_400_000, o, h, l, c, v });
const close = (x: number | null | undefined) => x as number;
const FULL = 12;

describe('SMA / EMA', () => {
  it('SMA: null before n values, then the plain mean of the window', () => {
    expect(S.sma([1, 2, 3, 4, 5], 3)).toEqual([null, null, 2, 3, 4]);
  });

  it('EMA seeds with the SMA of the first n values, then k = 2 / (n + 1)', () => {
    // n = 3, k = 0.5: seed (1+2+3)/3 = 2; then 4*0.5 + 2*0.5 = 3; then 10*0.5 + 3*0.5 = 6.5
    expect(S.ema([1, 2, 3, 4, 10], 3)).toEqual([null, null, 2, 3, 6.5]);
  });

  it('SMA keeps full precision over long series (no running-sum drift)', () => {
    const xs = Array.from({ length: 500 }, (_, i) => 600 + ((i * 37) % 101) / 100);
    const got = S.sma(xs, 200);
    const last = xs.slice(-200).reduce((a, b) => a + b, 0) / 200;
    expect(got[499]).toBe(last);
  });
});

describe('RSI (Wilder, full precision)', () => {
  it('is absent until n + 1 closes', () => {
    expect(S.rsi([1, 2, 3], 3)).toEqual([null, null, null]);
  });

  it('matches a hand computation', () => {
    // period 3, closes 10, 11, 10.5, 11.5, 11
    // changes +1, -0.5, +1, -0.5. First avg: gain 2/3, loss 0.5/3 -> RS 4 -> RSI 80
    // next: gain (2/3*2 + 0)/3 = 4/9, loss (0.5/3*2 + 0.5)/3 = 5/18 -> RS 1.6 -> RSI 100 - 100/2.6
    const r = S.rsi([10, 11, 10.5, 11.5, 11], 3);
    expect(close(r[3])).toBeCloseTo(80, FULL);
    expect(close(r[4])).toBeCloseTo(100 - 100 / 2.6, FULL);
    // Not rounded to 2 decimals (technicalindicators would give 61.54)
    expect(r[4]).not.toBe(61.54);
  });

  it('all gains -> 100, no movement -> 50', () => {
    expect(S.rsi([1, 2, 3, 4], 3)[3]).toBe(100);
    expect(S.rsi([5, 5, 5, 5], 3)[3]).toBe(50);
  });
});

describe('MACD', () => {
  it('is absent before slow + signal - 1 bars, then MACD - signal = histogram', () => {
    const xs = Array.from({ length: 40 }, (_, i) => 100 + Math.sin(i / 3) * 5 + i * 0.2);
    const m = S.macd(xs, 12, 26, 9);
    expect(m.slice(0, 33).every((p) => p === null)).toBe(true);
    const p = m[33]!;
    expect(p.histogram).toBe(p.macd - p.signal);
    // MACD line = EMA12 - EMA26 at the same bar
    expect(p.macd).toBeCloseTo(close(S.ema(xs, 12)[33]) - close(S.ema(xs, 26)[33]), FULL);
  });
});

describe('ATR (Wilder) and ADX', () => {
  const bars = [bar(0, 10, 12, 9, 11), bar(1, 11, 13, 10, 12), bar(2, 12, 12.5, 8, 9), bar(3, 9, 10, 8.5, 9.5)];

  it('true range uses high - low on the first bar, then the previous close', () => {
    // 3; max(3, |13-11|, |10-11|) = 3; max(4.5, 0.5, 4) = 4.5; max(1.5, 1, 0.5) = 1.5
    expect(S.trueRange(bars)).toEqual([3, 3, 4.5, 1.5]);
  });

  it('ATR seeds with the mean of the first n true ranges, then (prev (n-1) + TR) / n', () => {
    // n = 3: seed (3 + 3 + 4.5) / 3 = 3.5; next (3.5*2 + 1.5) / 3 = 8.5/3
    const a = S.atr(bars, 3);
    expect(a.slice(0, 2)).toEqual([null, null]);
    expect(close(a[2])).toBeCloseTo(3.5, FULL);
    expect(close(a[3])).toBeCloseTo(8.5 / 3, FULL);
  });

  it('ADX: +DI/-DI from bar n+1, ADX from bar 2n, by hand for n = 2', () => {
    const b = [bar(0, 10, 11, 9, 10), bar(1, 10, 12, 9.5, 11), bar(2, 11, 11.5, 8, 9), bar(3, 9, 10, 8.5, 9.5), bar(4, 9.5, 11, 9, 10.5)];
    // i=1: up 1, down -0.5 -> +DM 1, -DM 0, TR max(2.5, 2, 0.5) = 2.5
    // i=2: up -0.5, down 1.5 -> +DM 0, -DM 1.5, TR max(3.5, 0.5, 3) = 3.5
    // sums (n=2): TR 6, +DM 1, -DM 1.5 -> +DI 100/6, -DI 25, DX 100 * (25 - 16.67) / 41.67 = 20
    // i=3: up -1.5, down -0.5 -> 0, 0; TR max(1.5, 1, 0.5) = 1.5; TR 6 - 3 + 1.5 = 4.5, +DM 0.5, -DM 0.75
    //      +DI 100*0.5/4.5, -DI 100*0.75/4.5, DX = 100 * 0.25/1.25 = 20 -> ADX (20 + 20) / 2 = 20
    const a = S.adx(b, 2);
    expect(a[1]).toBeNull();
    expect(close(a[2]!.plus_di)).toBeCloseTo(100 / 6, FULL);
    expect(close(a[2]!.minus_di)).toBeCloseTo(25, FULL);
    expect(a[2]!.adx).toBeNull();
    expect(close(a[3]!.plus_di)).toBeCloseTo((100 * 0.5) / 4.5, FULL);
    expect(close(a[3]!.adx)).toBeCloseTo(20, FULL);
  });

  it('ADX on flat input is 0, never NaN', () => {
    const flat = Array.from({ length: 40 }, (_, i) => bar(i, 10, 10, 10, 10));
    const a = S.adx(flat, 14);
    const last = a[39]!;
    expect(last).toEqual({ adx: 0, plus_di: 0, minus_di: 0 });
  });
});

describe('StochRSI', () => {
  it('%K appears on bar rsi + stoch + k - 1, %D d - 1 bars later, both within 0..100', () => {
    const xs = Array.from({ length: 40 }, (_, i) => 100 + Math.sin(i / 2) * 3 + (i % 5));
    const s = S.stochRsi(xs, 14, 14, 3, 3);
    expect(s[28]).toBeNull();
    expect(s[29]).not.toBeNull();
    expect(s[29]!.d).toBeNull();
    expect(s[31]!.d).not.toBeNull();
    for (const p of s) if (p) expect(p.k >= 0 && p.k <= 100).toBe(true);
  });

  it('a flat RSI window gives 50, not NaN', () => {
    const s = S.stochRsi(Array.from({ length: 40 }, () => 7), 14, 14, 3, 3);
    expect(s[39]).toEqual({ k: 50, d: 50 });
  });
});

describe('OBV, Bollinger, volume, VWAP', () => {
  it('OBV starts at the first volume and adds/subtracts on up/down closes', () => {
    const cv = [
      { c: 10, v: 100 },
      { c: 11, v: 50 },
      { c: 11, v: 70 },
      { c: 9, v: 30 },
    ];
    expect(S.obv(cv)).toEqual([100, 150, 150, 120]);
  });

  it('Bollinger: population SD, %B and bandwidth', () => {
    // window 2, 4, 4, 4, 5, 5, 7, 9: mean 5, population SD 2
    const b = S.bollinger([2, 4, 4, 4, 5, 5, 7, 9], 8, 2)[7]!;
    expect(b.middle).toBe(5);
    expect(b.upper).toBe(9);
    expect(b.lower).toBe(1);
    expect(b.percent_b).toBe(1); // close 9 sits on the upper band
    expect(b.bandwidth_pct).toBe(160); // (9 - 1) / 5 * 100
  });

  it('Bollinger on constant prices: zero width, %B absent', () => {
    const b = S.bollinger([3, 3, 3], 3, 2)[2]!;
    expect(b.percent_b).toBeNull();
    expect(b.bandwidth_pct).toBe(0);
  });

  it('volume ratio compares the last volume with the mean of the n before it', () => {
    expect(S.volumeRatio([10, 20, 30, 40], 3)).toBe(2); // 40 / mean(10, 20, 30)
    expect(S.volumeRatio([10, 20, 30], 3)).toBeNull();
  });

  it('session VWAP weights the typical price by volume; no volume -> absent', () => {
    const v = S.sessionVwap([
      { h: 11, l: 9, c: 10, v: 100 }, // typical 10
      { h: 13, l: 11, c: 12, v: 300 }, // typical 12
    ]);
    expect(v).toBe((10 * 100 + 12 * 300) / 400);
    expect(S.sessionVwap([{ h: 1, l: 1, c: 1, v: 0 }])).toBeNull();
  });

  it('moving VWAP with a price function (the reference uses OHLC/4)', () => {
    const bars = [
      { o: 1, h: 3, l: 1, c: 3, v: 1 },
      { o: 2, h: 4, l: 2, c: 4, v: 3 },
    ];
    expect(S.movingVwap(bars, 2, (b) => (b.o + b.h + b.l + b.c) / 4)).toEqual([null, (2 * 1 + 3 * 3) / 4]);
  });
});

describe('computeIndicators', () => {
  it('is all-absent on an empty series, never a made-up number', () => {
    const i = computeIndicators([]);
    for (const v of Object.values(i)) expect(v).toBeNull();
  });

  it('warm-up boundaries: each value appears exactly at its documented bar count', () => {
    const mk = (n: number) => Array.from({ length: n }, (_, i) => bar(i, 100 + i, 101 + i + (i % 3), 99 + i, 100.5 + i + (i % 2), 1000 + i));
    const at = (n: number) => computeIndicators(mk(n));
    expect(at(14).rsi14).toBeNull();
    expect(at(15).rsi14).not.toBeNull();
    expect(at(33).macd).toBeNull();
    expect(at(34).macd).not.toBeNull();
    expect(at(13).atr14).toBeNull();
    expect(at(14).atr14).not.toBeNull();
    expect(at(27).adx14?.adx ?? null).toBeNull();
    expect(at(28).adx14!.adx).not.toBeNull();
    expect(at(29).stoch_rsi).toBeNull();
    expect(at(30).stoch_rsi).not.toBeNull();
    expect(at(19).bollinger).toBeNull();
    expect(at(20).bollinger).not.toBeNull();
    expect(at(20).volume_ratio_20d).toBeNull();
    expect(at(21).volume_ratio_20d).not.toBeNull();
    expect(at(199).ema200).toBeNull();
    expect(at(200).sma200).not.toBeNull();
    expect(at(SESSIONS_52W - 1).high_52w).toBeNull();
    const y = at(SESSIONS_52W + 10);
    expect(y.high_52w).toBe(Math.max(...mk(SESSIONS_52W + 10).slice(-SESSIONS_52W).map((b) => b.h)));
    expect(y.low_52w).toBe(Math.min(...mk(SESSIONS_52W + 10).slice(-SESSIONS_52W).map((b) => b.l)));
  });
});
