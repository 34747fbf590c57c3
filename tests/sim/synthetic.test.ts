import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/domain/market.js';
import { DataError } from '../../src/domain/errors.js';
import { DEFAULT_UNIVERSE } from '../../src/config.js';
import { nyseSession } from '../../src/adapters/calendar/nyse-rules.js';
import { createSyntheticFeed } from '../../src/adapters/sim/synthetic.js';
import { createRng, gaussian, hashSeed } from '../../src/adapters/sim/rng.js';

const ALL = Number.NEGATIVE_INFINITY;
const END = Number.POSITIVE_INFINITY;

function logReturns(bars: readonly Bar[]): number[] {
  return bars.slice(1).map((b, i) => Math.log(b.c / bars[i]!.c));
}

function stdev(xs: readonly number[]): number {
  const m = xs.reduce((a, x) => a + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

function corr(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const ma = a.slice(0, n).reduce((s, x) => s + x, 0) / n;
  const mb = b.slice(0, n).reduce((s, x) => s + x, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function session(date: string) {
  const s = nyseSession(date);
  if (!s) throw new Error(`${date} is not a session`);
  return s;
}

describe('rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = createRng(123);
    const b = createRng(123);
    const c = createRng(124);
    const xs = Array.from({ length: 50 }, () => a());
    expect(Array.from({ length: 50 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('hashSeed is stable and separates its parts', () => {
    expect(hashSeed(42, 'AAPL', '2024-01-02')).toBe(hashSeed(42, 'AAPL', '2024-01-02'));
    expect(hashSeed(42, 'AAPL')).not.toBe(hashSeed(42, 'AAP', 'L'));
    expect(hashSeed(1, 'a')).not.toBe(hashSeed('1a'));
    expect(Number.isSafeInteger(hashSeed('x'))).toBe(true);
  });

  it('gaussian has mean ~0 and sd ~1', () => {
    const rng = createRng(9);
    const xs = Array.from({ length: 20_000 }, () => gaussian(rng));
    const m = xs.reduce((a, x) => a + x, 0) / xs.length;
    expect(Math.abs(m)).toBeLessThan(0.03);
    expect(stdev(xs)).toBeGreaterThan(0.97);
    expect(stdev(xs)).toBeLessThan(1.03);
  });
});

describe('synthetic feed', () => {
  const feed = createSyntheticFeed({ seed: 42, through: '2020-12-31' });

  it('covers the NYSE sessions from the epoch through the given date, for the default universe', () => {
    expect(feed.granularity).toBe('minute');
    expect(feed.symbols()).toEqual([...DEFAULT_UNIVERSE].sort());
    const ss = feed.sessions('2018-01-01', '2030-01-01');
    expect(ss[0]!.date).toBe('2018-01-02');
    expect(ss[ss.length - 1]!.date).toBe('2020-12-31');
    expect(ss.map((s) => s.date)).not.toContain('2018-12-05'); // one-off closure
    const spy = feed.dailyBars('SPY', ALL, END);
    expect(spy).toHaveLength(ss.length);
    expect(spy.map((b) => b.t)).toEqual(ss.map((s) => s.open));
    expect(spy.map((b) => b.end)).toEqual(ss.map((s) => s.close));
  });

  it('is deterministic: same seed, same bars; a different seed, different bars', () => {
    const again = createSyntheticFeed({ seed: 42, through: '2020-12-31' });
    const other = createSyntheticFeed({ seed: 43, through: '2020-12-31' });
    for (const s of feed.symbols()) expect(again.dailyBars(s, ALL, END)).toEqual(feed.dailyBars(s, ALL, END));
    const day = session('2019-05-14');
    expect(again.minuteBars('AAPL', day.open, day.close)).toEqual(feed.minuteBars('AAPL', day.open, day.close));
    expect(other.dailyBars('AAPL', ALL, END)).not.toEqual(feed.dailyBars('AAPL', ALL, END));
    expect(other.minuteBars('AAPL', day.open, day.close)).not.toEqual(feed.minuteBars('AAPL', day.open, day.close));
  });

  it('a symbol path does not depend on which other symbols are listed', () => {
    const solo = createSyntheticFeed({ seed: 42, through: '2020-12-31', symbols: ['SH', 'MSFT'] });
    expect(solo.symbols()).toEqual(['MSFT', 'SH']);
    expect(solo.has('SPY')).toBe(false);
    expect(solo.dailyBars('SH', ALL, END)).toEqual(feed.dailyBars('SH', ALL, END));
    expect(solo.dailyBars('MSFT', ALL, END)).toEqual(feed.dailyBars('MSFT', ALL, END));
    const day = session('2020-03-16');
    expect(solo.minuteBars('SH', day.open, day.close)).toEqual(feed.minuteBars('SH', day.open, day.close));
  });

  it('extending `through` leaves earlier bars identical', () => {
    const short = createSyntheticFeed({ seed: 42, through: '2019-06-28' });
    const n = short.dailyBars('SPY', ALL, END).length;
    expect(n).toBeGreaterThan(300);
    for (const s of feed.symbols()) {
      const a = short.dailyBars(s, ALL, END);
      expect(a).toHaveLength(n);
      expect(feed.dailyBars(s, ALL, END).slice(0, n)).toEqual(a);
    }
    const day = session('2019-06-28');
    for (const s of ['AAPL', 'PSQ']) expect(short.minuteBars(s, day.open, day.close)).toEqual(feed.minuteBars(s, day.open, day.close));
  });

  it('minute bars aggregate exactly to the daily bar (390 minutes; 210 on early closes)', () => {
    const dates = ['2018-01-02', '2018-07-03', '2018-11-23', '2019-03-11', '2019-12-24', '2020-03-16', '2020-11-03', '2020-12-31'];
    for (const date of dates) {
      const s = session(date);
      for (const sym of feed.symbols()) {
        const [day] = feed.dailyBars(sym, s.open, s.close);
        expect(day, `${sym} ${date}`).toBeDefined();
        const mins = feed.minuteBars(sym, s.open, s.close);
        expect(mins).toHaveLength(s.early ? 210 : 390);
        const bad = mins.filter(
          (m, i) =>
            m.t !== s.open + i * 60_000 ||
            m.end !== m.t + 60_000 ||
            m.h < Math.max(m.o, m.c) ||
            m.l > Math.min(m.o, m.c) ||
            !(Number.isInteger(m.v) && m.v >= 0) ||
            (i > 0 && m.o !== mins[i - 1]!.c),
        );
        expect(bad, `${sym} ${date}`).toEqual([]);
        const agg = {
          t: s.open,
          end: s.close,
          o: mins[0]!.o,
          h: Math.max(...mins.map((m) => m.h)),
          l: Math.min(...mins.map((m) => m.l)),
          c: mins[mins.length - 1]!.c,
          v: mins.reduce((a, m) => a + m.v, 0),
        };
        expect(agg, `${sym} ${date}`).toEqual(day);
      }
    }
    expect(session('2018-07-03').early).toBe(true);
    expect(session('2019-12-24').early).toBe(true);
  });

  it('intraday volume is U-shaped', () => {
    const s = session('2019-09-10');
    const mins = feed.minuteBars('MSFT', s.open, s.close);
    const avg = (xs: readonly Bar[]) => xs.reduce((a, m) => a + m.v, 0) / xs.length;
    const open = avg(mins.slice(0, 30));
    const mid = avg(mins.slice(150, 240));
    const close = avg(mins.slice(-20));
    expect(open).toBeGreaterThan(1.5 * mid);
    expect(close).toBeGreaterThan(1.5 * mid);
  });

  it('prices are finite, positive cents with consistent OHLC; volumes are positive integers', () => {
    const full = createSyntheticFeed({ seed: 7, through: '2026-11-20' });
    for (const sym of full.symbols()) {
      const bars = full.dailyBars(sym, ALL, END);
      expect(bars.length).toBeGreaterThan(2200);
      const bad = bars.filter(
        (b) =>
          [b.o, b.h, b.l, b.c].some((x) => !(Number.isFinite(x) && x > 0) || Math.abs(x * 100 - Math.round(x * 100)) > 1e-6) ||
          b.h < Math.max(b.o, b.c) ||
          b.l > Math.min(b.o, b.c) ||
          !(Number.isInteger(b.v) && b.v > 0),
      );
      expect(bad, sym).toEqual([]);
    }
  });

  it('daily volatility is realistic over two years (several seeds)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const f = createSyntheticFeed({ seed, through: '2019-12-31' });
      const spy = stdev(logReturns(f.dailyBars('SPY', ALL, END)));
      const aapl = stdev(logReturns(f.dailyBars('AAPL', ALL, END)));
      const tlt = stdev(logReturns(f.dailyBars('TLT', ALL, END)));
      expect(spy, `SPY seed ${seed}`).toBeGreaterThan(0.006);
      expect(spy, `SPY seed ${seed}`).toBeLessThan(0.016);
      expect(aapl, `AAPL seed ${seed}`).toBeGreaterThan(0.011);
      expect(aapl, `AAPL seed ${seed}`).toBeLessThan(0.028);
      expect(aapl).toBeGreaterThan(spy);
      expect(tlt).toBeLessThan(0.014);
    }
  });

  it('has occasional overnight gaps, and mostly small overnight moves', () => {
    let days = 0;
    let gaps = 0;
    const small: number[] = [];
    for (const sym of ['AAPL', 'MSFT', 'JPM', 'XOM', 'KO', 'TSLA']) {
      const bars = feed.dailyBars(sym, ALL, END);
      for (let i = 1; i < bars.length; i++) {
        const g = Math.abs(bars[i]!.o / bars[i - 1]!.c - 1);
        days++;
        if (g > 0.02) gaps++;
        else small.push(g);
      }
    }
    expect(gaps / days).toBeGreaterThan(0.01);
    expect(gaps / days).toBeLessThan(0.05);
    small.sort((a, b) => a - b);
    expect(small[Math.floor(small.length / 2)]!).toBeLessThan(0.004);
  });

  it('SH and PSQ move against SPY and QQQ (daily and minute)', () => {
    const ret = (s: string) => logReturns(feed.dailyBars(s, ALL, END));
    expect(corr(ret('SH'), ret('SPY'))).toBeLessThan(-0.98);
    expect(corr(ret('PSQ'), ret('QQQ'))).toBeLessThan(-0.98);
    expect(corr(ret('TLT'), ret('SPY'))).toBeLessThan(0);
    expect(corr(ret('AAPL'), ret('SPY'))).toBeGreaterThan(0.4);
    const s = session('2020-06-11');
    const mret = (sym: string) => feed.minuteBars(sym, s.open, s.close).map((m) => m.c - m.o);
    expect(corr(mret('SH'), mret('SPY'))).toBeLessThan(-0.9);
  });

  it('has bullish and bearish stretches', () => {
    const f = createSyntheticFeed({ seed: 42, through: '2026-11-20' });
    const spy = f.dailyBars('SPY', ALL, END);
    const quarter: number[] = [];
    for (let i = 63; i < spy.length; i++) quarter.push(spy[i]!.c / spy[i - 63]!.c - 1);
    expect(Math.max(...quarter)).toBeGreaterThan(0.08);
    expect(Math.min(...quarter)).toBeLessThan(-0.08);
  });

  it('fillBars and lastBarAt walk minutes, across sessions', () => {
    const d1 = session('2019-09-09');
    const d2 = session('2019-09-10');
    const day1 = feed.minuteBars('AAPL', d1.open, d1.close);
    const day2 = feed.minuteBars('AAPL', d2.open, d2.close);
    // lastBarAt: the last minute with end <= t.
    expect(feed.lastBarAt('AAPL', d2.open + 90_000)).toEqual(day2[0]);
    expect(feed.lastBarAt('AAPL', d2.open + 120_000)).toEqual(day2[1]);
    expect(feed.lastBarAt('AAPL', d2.open)).toEqual(day1[day1.length - 1]);
    expect(feed.lastBarAt('AAPL', d2.open + 59_999)).toEqual(day1[day1.length - 1]);
    expect(feed.lastBarAt('AAPL', d1.close + 3_600_000)).toEqual(day1[day1.length - 1]);
    expect(feed.lastBarAt('AAPL', d1.open - 86_400_000 * 1000)).toBeNull();
    // fillBars: minutes starting in [from, to), spanning the overnight.
    const fills = feed.fillBars('AAPL', d1.close - 5 * 60_000, d2.open + 3 * 60_000);
    expect(fills).toEqual([...day1.slice(-5), ...day2.slice(0, 3)]);
    expect(feed.fillBars('AAPL', d1.close, d2.open)).toEqual([]);
    // minuteBars: t >= start and end <= end.
    expect(feed.minuteBars('AAPL', d1.open + 30_000, d1.open + 180_000)).toEqual(day1.slice(1, 3));
    // Daily bars end at the close, so a mid-session cut excludes the day.
    expect(feed.dailyBars('AAPL', d1.open, d2.open + 3_600_000).map((b) => b.t)).toEqual([d1.open]);
  });

  it('unknown symbols are empty, bad options are DataErrors', () => {
    expect(feed.has('ZZZZ')).toBe(false);
    expect(feed.dailyBars('ZZZZ', ALL, END)).toEqual([]);
    expect(feed.minuteBars('ZZZZ', ALL, END)).toEqual([]);
    expect(feed.lastBarAt('ZZZZ', END)).toBeNull();
    expect(() => createSyntheticFeed({ seed: 1, through: '2017-01-01' })).toThrow(DataError);
    expect(() => createSyntheticFeed({ seed: 1, through: '2020/01/01' })).toThrow(DataError);
  });

  it('custom symbols get a stable made-up profile', () => {
    const a = createSyntheticFeed({ seed: 5, through: '2018-12-31', symbols: ['ABCD'] });
    const b = createSyntheticFeed({ seed: 5, through: '2018-12-31', symbols: ['ABCD', 'AAPL'] });
    const bars = a.dailyBars('ABCD', ALL, END);
    expect(bars.length).toBeGreaterThan(200);
    expect(b.dailyBars('ABCD', ALL, END)).toEqual(bars);
  });
});
