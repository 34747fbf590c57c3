import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeIndicators, createIndicatorState, foldIndicators, SESSIONS_52W } from '../../src/core/indicators/index.js';
import * as S from '../../src/core/indicators/series.js';
import type { Bar } from '../../src/domain/market.js';
import type { IndicatorSet } from '../../src/domain/snapshot.js';
import { ema as oracleEma, macd as oracleMacd, oracleIndicators } from './indicators-oracle.js';

/**
 * The incremental indicator state (src/core/indicators/incremental/) against the batch code it
 * replaced (tests/core/indicators-oracle.ts: whole-history recomputation, technicalindicators
 * for EMA and MACD). Same operations in the same order, so the values are the same doubles:
 * compared with toEqual, not a tolerance.
 */

const DAY = 86_400_000;

/** Daily bars from a random walk in cents (flat stretches included: steps of 0 are common). */
const barsArb = (minLength: number, maxLength: number) =>
  fc
    .record({
      start: fc.integer({ min: 1_000, max: 50_000 }),
      steps: fc.array(
        fc.record({
          d: fc.integer({ min: -300, max: 300 }),
          up: fc.integer({ min: 0, max: 200 }),
          down: fc.integer({ min: 0, max: 200 }),
          open: fc.integer({ min: -100, max: 100 }),
          v: fc.integer({ min: 0, max: 5_000_000 }),
        }),
        { minLength, maxLength },
      ),
    })
    .map(({ start, steps }) => {
      let c = start;
      return steps.map((x, i): Bar => {
        const prev = c;
        c = Math.max(100, c + x.d);
        const o = Math.max(100, prev + x.open);
        return { t: i * DAY, end: i * DAY + 23_400_000, o: o / 100, h: (Math.max(o, c) + x.up) / 100, l: Math.max(1, Math.min(o, c) - x.down) / 100, c: c / 100, v: x.v };
      });
    });

/**
 * technicalindicators never seeds its MACD signal on a MACD line of exactly 0 (flat prices), where
 * ours has a value (documented in series.ts); everything else must be the same doubles.
 */
function expectSameAsOracle(ours: IndicatorSet, oracle: IndicatorSet): void {
  const { macd, ...rest } = ours;
  const { macd: oMacd, ...oRest } = oracle;
  expect(rest).toEqual(oRest);
  if (oMacd !== null || macd === null || macd.signal !== 0) expect(macd).toEqual(oMacd);
}

describe('incremental indicators', () => {
  it('advanced one bar at a time, each step equals the batch computation over that prefix (and the old batch code)', () => {
    fc.assert(
      fc.property(barsArb(1, 70), (bars) => {
        const st = createIndicatorState();
        bars.forEach((b, i) => {
          st.advance(b);
          const prefix = bars.slice(0, i + 1);
          const got = st.read();
          expect(got).toEqual(computeIndicators(prefix));
          expectSameAsOracle(got, oracleIndicators(prefix));
        });
        expect(st.count).toBe(bars.length);
      }),
      { numRuns: 60 },
    );
  });

  it('long series (200-bar and 52-week windows): sampled prefixes equal the old batch code', () => {
    fc.assert(
      fc.property(barsArb(SESSIONS_52W + 1, SESSIONS_52W + 60), fc.array(fc.nat(), { minLength: 3, maxLength: 6 }), (bars, picks) => {
        const at = new Set([199, 200, SESSIONS_52W - 1, SESSIONS_52W, bars.length - 1, ...picks.map((p) => p % bars.length)]);
        const st = createIndicatorState();
        bars.forEach((b, i) => {
          st.advance(b);
          if (at.has(i)) expectSameAsOracle(st.read(), oracleIndicators(bars.slice(0, i + 1)));
        });
      }),
      { numRuns: 15 },
    );
  });

  it('a state advanced across many cycles (chunks of new bars) equals a fresh fold over the same bars', () => {
    fc.assert(
      fc.property(barsArb(1, 300), fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 80 }), (bars, chunks) => {
        const st = createIndicatorState();
        let i = 0;
        for (const n of chunks) {
          for (const b of bars.slice(i, i + n)) st.advance(b);
          i = Math.min(bars.length, i + n);
          expect(st.read()).toEqual(foldIndicators(bars.slice(0, i)));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('EMA and MACD series agree with technicalindicators to the bit (the cross-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 1, max: 5_000, noNaN: true }), { minLength: 0, maxLength: 120 }), fc.integer({ min: 1, max: 30 }), (xs, n) => {
        expect(S.ema(xs, n)).toEqual(oracleEma(xs, n));
        expect(S.macd(xs)).toEqual(oracleMacd(xs));
      }),
      { numRuns: 80 },
    );
  });

  it('flat prices: MACD is 0 with a signal of 0 (technicalindicators never seeds its signal there)', () => {
    const flat = Array.from({ length: 40 }, () => 10);
    expect(S.macd(flat)[39]).toEqual({ macd: 0, signal: 0, histogram: 0 });
    expect(oracleMacd(flat)[39]).toBeNull();
  });

  it('read() is a fresh object: a caller cannot change the state through it', () => {
    const st = createIndicatorState();
    for (let i = 0; i < 40; i++) st.advance({ t: i * DAY, end: i * DAY + 1, o: 10 + i, h: 11 + i, l: 9 + i, c: 10.5 + i, v: 100 });
    const a = st.read();
    expect(st.read()).not.toBe(a);
    expect(st.read()).toEqual(a);
  });
});
