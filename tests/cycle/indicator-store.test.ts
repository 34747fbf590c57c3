import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foldIndicators } from '../../src/core/indicators/index.js';
import { createIndicatorStore } from '../../src/cycle/indicator-store.js';
import type { Bar } from '../../src/domain/market.js';

/**
 * The cycle's indicator store: it advances a symbol's kept state by the bars new since the last
 * cycle when the fetched clean run still holds the bar it folded last, and folds from scratch
 * otherwise. Over a sliding fetch window the kept state carries history older than the window.
 */

const DAY = 86_400_000;
const bar = (i: number, c = 100 + Math.sin(i / 7) * 5 + i * 0.03, v = 1_000 + (i % 5) * 10): Bar => ({ t: i * DAY, end: i * DAY + 23_400_000, o: c - 0.3, h: c + 1, l: c - 1, c, v });
const series = (n: number) => Array.from({ length: n }, (_, i) => bar(i));

describe('indicator store', () => {
  it('sliding windows across many cycles: each answer equals a fresh fold over every bar since the fold began', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 400 }),
        fc.integer({ min: 1, max: 120 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 60 }),
        (n, window, steps) => {
          const bars = series(n);
          const store = createIndicatorStore();
          let end = Math.min(n - 1, window);
          let base = -1; // first bar of the current fold
          let lastFolded = -1;
          let refolds = 0;
          for (const step of steps) {
            end = Math.min(n - 1, end + step);
            const start = Math.max(0, end - window + 1);
            if (base < 0 || lastFolded < start) {
              base = start; // the bar folded last left the window: the store must start over
              refolds++;
            }
            lastFolded = end;
            expect(store.indicators('AAA', bars.slice(start, end + 1))).toEqual(foldIndicators(bars.slice(base, end + 1)));
          }
          expect(store.stats().refolded).toBe(refolds);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('carries history older than the window: EMA200 exists on a 60-bar window once 200 bars went by', () => {
    const bars = series(300);
    const store = createIndicatorStore();
    for (let end = 59; end < 300; end++) store.indicators('AAA', bars.slice(end - 59, end + 1));
    const kept = store.indicators('AAA', bars.slice(240, 300));
    expect(kept.ema200).not.toBeNull();
    expect(foldIndicators(bars.slice(240, 300)).ema200).toBeNull();
    // Windowed indicators are the same either way.
    expect(kept.sma50).toBe(foldIndicators(bars.slice(240, 300)).sma50);
    expect(store.stats()).toEqual({ reused: 1, advanced: 240, refolded: 1 });
  });

  it('no new bar: the kept set is returned without folding anything', () => {
    const bars = series(50);
    const store = createIndicatorStore();
    const a = store.indicators('AAA', bars);
    expect(store.indicators('AAA', bars.slice(10))).toBe(a);
    expect(store.stats()).toEqual({ reused: 1, advanced: 0, refolded: 1 });
  });

  it('a revised last bar (same start, other OHLCV) is not continued: it folds the new window from scratch', () => {
    const bars = series(80);
    const store = createIndicatorStore();
    store.indicators('AAA', bars.slice(0, 60));
    const revised = [...bars.slice(20, 59), { ...bars[59]!, c: bars[59]!.c + 1, h: bars[59]!.h + 1 }, ...bars.slice(60, 70)];
    expect(store.indicators('AAA', revised)).toEqual(foldIndicators(revised));
    expect(store.stats().refolded).toBe(2);
  });

  it('the last folded bar missing from the clean run (a gap after it, or a cycle earlier in time) means a fresh fold', () => {
    const bars = series(120);
    const store = createIndicatorStore();
    store.indicators('AAA', bars.slice(0, 100));
    const afterGap = bars.slice(101, 110); // the audit's clean run starts after a defect
    expect(store.indicators('AAA', afterGap)).toEqual(foldIndicators(afterGap));
    const earlier = bars.slice(0, 90);
    expect(store.indicators('AAA', earlier)).toEqual(foldIndicators(earlier));
    expect(store.stats().refolded).toBe(3);
  });

  it('symbols are kept apart; an empty clean run gives the all-null set and forgets the symbol', () => {
    const store = createIndicatorStore();
    const a = series(40);
    const b = series(40).map((x) => ({ ...x, c: x.c * 2, h: x.h * 2, l: x.l * 2, o: x.o * 2 }));
    expect(store.indicators('AAA', a)).toEqual(foldIndicators(a));
    expect(store.indicators('BBB', b)).toEqual(foldIndicators(b));
    expect(store.indicators('AAA', [])).toEqual(foldIndicators([]));
    expect(store.size()).toBe(1);
  });

  it('bounded: past maxSymbols the least recently used state is dropped', () => {
    const store = createIndicatorStore({ maxSymbols: 2 });
    const bars = series(30);
    store.indicators('AAA', bars);
    store.indicators('BBB', bars);
    store.indicators('AAA', bars); // AAA used last
    store.indicators('CCC', bars); // BBB goes
    expect(store.size()).toBe(2);
    store.indicators('AAA', bars);
    expect(store.stats()).toEqual({ reused: 2, advanced: 0, refolded: 3 });
    store.indicators('BBB', bars);
    expect(store.stats().refolded).toBe(4);
  });

  it('a bar object revised in place after it was folded is still seen as revised', () => {
    const bars = series(30).map((b) => ({ ...b }));
    const store = createIndicatorStore();
    store.indicators('AAA', bars);
    (bars[29] as { c: number }).c += 5;
    expect(store.indicators('AAA', bars)).toEqual(foldIndicators(bars));
    expect(store.stats().refolded).toBe(2);
  });
});
