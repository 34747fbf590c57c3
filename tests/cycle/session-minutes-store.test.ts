import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { summarizeSessionMinutes } from '../../src/core/indicators/incremental/session-minutes.js';
import { sessionVwap } from '../../src/core/indicators/index.js';
import { validBar } from '../../src/core/data-quality.js';
import { createSessionMinutesStore } from '../../src/cycle/session-minutes-store.js';
import type { Bar } from '../../src/domain/market.js';

/**
 * Session VWAP and volume kept between cycles: each cycle folds only the minute bars new since
 * the last, and the answer equals the whole session computed afresh (and sessionVwap over the
 * good bars, as the snapshot computed it before).
 */

const MIN = 60_000;
const OPEN = Date.UTC(2026, 10, 20, 14, 30);

const minuteArb = fc.record({
  c: fc.integer({ min: 1_000, max: 2_000 }),
  v: fc.integer({ min: 0, max: 10_000 }),
  bad: fc.integer({ min: 0, max: 30 }),
});

function sessionBars(specs: readonly { c: number; v: number; bad: number }[], open = OPEN): Bar[] {
  return specs.map((x, i) => {
    const c = x.c / 100;
    const b: Bar = { t: open + i * MIN, end: open + (i + 1) * MIN, o: c, h: c + 0.05, l: c - 0.05, c, v: x.v };
    return x.bad === 0 ? { ...b, h: c - 1 } : b; // about one bar in 30 is bad (high below low)
  });
}

describe('session minutes store', () => {
  it('cycles through a session: each answer equals the session computed afresh', () => {
    fc.assert(
      fc.property(fc.array(minuteArb, { minLength: 1, maxLength: 390 }), fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 1, maxLength: 12 }), (specs, gaps) => {
        const bars = sessionBars(specs);
        const store = createSessionMinutesStore();
        let asOf = OPEN;
        for (const g of gaps) {
          asOf += g * MIN;
          // What a market-data call from the open to as_of returns: the bars closed by then.
          const fetched = bars.filter((b) => b.end <= asOf);
          const got = store.summary('AAA', OPEN, fetched, asOf);
          expect(got).toEqual(summarizeSessionMinutes(fetched, asOf, OPEN));
          const good = fetched.filter((b) => b.end <= asOf && validBar(b));
          expect(got.vwap).toBe(sessionVwap(good));
        }
        expect(store.stats()).toEqual({ recomputed: 1, advanced: gaps.length - 1 });
      }),
      { numRuns: 80 },
    );
  });

  it('continues instead of recomputing once a bar is folded; a new session starts over', () => {
    const bars = sessionBars(Array.from({ length: 120 }, (_, i) => ({ c: 1_500 + (i % 13), v: 100 + i, bad: 1 })));
    const store = createSessionMinutesStore();
    store.summary('AAA', OPEN, bars.slice(0, 30), OPEN + 30 * MIN);
    store.summary('AAA', OPEN, bars.slice(0, 60), OPEN + 60 * MIN);
    store.summary('AAA', OPEN, bars.slice(0, 90), OPEN + 90 * MIN);
    expect(store.stats()).toEqual({ advanced: 2, recomputed: 1 });
    const next = OPEN + 86_400_000;
    const tomorrow = sessionBars([{ c: 2_000, v: 10, bad: 1 }], next);
    expect(store.summary('AAA', next, tomorrow, next + MIN)).toEqual({ invalid: 0, vwap: (20 + 20.05 + 19.95) / 3, volume: 10 });
    expect(store.stats().recomputed).toBe(2);
  });

  it('a revised bar anywhere in the session, bars out of order or one still forming: recomputed from scratch, same answer', () => {
    const bars = sessionBars(Array.from({ length: 40 }, (_, i) => ({ c: 1_500 + i, v: 100, bad: 1 })));
    const store = createSessionMinutesStore();
    const at = (n: number) => OPEN + n * MIN;
    store.summary('AAA', OPEN, bars.slice(0, 20), at(20));
    const revised = [...bars.slice(0, 7), { ...bars[7]!, v: 999 }, ...bars.slice(8, 30)];
    expect(store.summary('AAA', OPEN, revised, at(30))).toEqual(summarizeSessionMinutes(revised, at(30), OPEN));
    const shuffled = [bars[5]!, ...bars.slice(0, 5), ...bars.slice(6, 35)];
    expect(store.summary('AAA', OPEN, shuffled, at(35))).toEqual(summarizeSessionMinutes(shuffled, at(35), OPEN));
    const forming = bars.slice(0, 38);
    expect(store.summary('AAA', OPEN, forming, at(37) + 30_000)).toEqual(summarizeSessionMinutes(forming, at(37) + 30_000, OPEN));
    expect(store.summary('AAA', OPEN, bars, at(40))).toEqual(summarizeSessionMinutes(bars, at(40), OPEN));
    expect(store.stats()).toEqual({ advanced: 0, recomputed: 5 });
    // Continues from there: the same bars plus newer ones.
    const more = [...bars, ...sessionBars([{ c: 1_600, v: 50, bad: 1 }], OPEN + 40 * MIN)];
    expect(store.summary('AAA', OPEN, more, at(41))).toEqual(summarizeSessionMinutes(more, at(41), OPEN));
    expect(store.stats().advanced).toBe(1);
  });
});
