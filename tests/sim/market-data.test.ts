import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/domain/market.js';
import { nyTime } from '../../src/core/time/ny.js';
import { nyseSession } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed, type PriceFeed } from '../../src/adapters/sim/feed.js';
import { createSimMarketData } from '../../src/adapters/sim/market-data.js';
import { createSyntheticFeed } from '../../src/adapters/sim/synthetic.js';

const feed = createSyntheticFeed({ seed: 11, through: '2024-03-28' });
const FAR = nyTime('2030-01-01', '00:00');

function session(date: string) {
  const s = nyseSession(date);
  if (!s) throw new Error(`${date} is not a session`);
  return s;
}

describe('sim market data: no lookahead', () => {
  it('never returns a bar that closed after the clock, whatever req.end says', async () => {
    const clock = createSimClock(nyTime('2024-03-27', '10:15') + 30_000);
    const md = createSimMarketData({ feed, clock });
    const start = nyTime('2024-03-01', '00:00');
    for (let step = 0; step < 4; step++) {
      const now = clock.now();
      const daily = await md.getBars({ symbols: ['AAPL', 'SPY'], timeframe: '1Day', start, end: FAR });
      const minute = await md.getBars({ symbols: ['AAPL', 'SPY'], timeframe: '1Min', start: nyTime('2024-03-26', '00:00'), end: FAR });
      for (const bars of [...daily.values(), ...minute.values()]) {
        expect(bars.length).toBeGreaterThan(0);
        expect(bars.filter((b) => b.end > now)).toEqual([]);
      }
      // Everything that has closed is there: the last minute is the one that ended at or before now.
      const lastMin = minute.get('AAPL')!.at(-1)!;
      expect(lastMin.end).toBeLessThanOrEqual(now);
      expect(now - lastMin.end).toBeLessThan(60_000);
      expect(minute.get('AAPL')).toEqual(feed.minuteBars('AAPL', nyTime('2024-03-26', '00:00'), now));
      clock.set(now + 97 * 60_000);
    }
  });

  it("today's daily bar appears only once the session has closed", async () => {
    const s = session('2024-03-27');
    const clock = createSimClock(s.close - 1);
    const md = createSimMarketData({ feed, clock });
    const req = { symbols: ['MSFT'], timeframe: '1Day' as const, start: nyTime('2024-03-20', '00:00'), end: FAR };
    expect((await md.getBars(req)).get('MSFT')!.at(-1)!.t).toBe(session('2024-03-26').open);
    clock.set(s.close);
    expect((await md.getBars(req)).get('MSFT')!.at(-1)).toEqual(feed.dailyBars('MSFT', s.open, s.close)[0]);
  });

  it('filters a feed that would leak future bars (defense in depth)', async () => {
    const leaky: PriceFeed = {
      ...feed,
      dailyBars: (sym) => feed.dailyBars(sym, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
      minuteBars: (sym, start) => feed.minuteBars(sym, start, start + 2 * 86_400_000),
      lastBarAt: (sym) => feed.lastBarAt(sym, Number.POSITIVE_INFINITY),
    };
    const now = nyTime('2024-03-27', '11:00');
    const md = createSimMarketData({ feed: leaky, clock: createSimClock(now) });
    const d = await md.getBars({ symbols: ['SPY'], timeframe: '1Day', start: 0, end: FAR });
    const m = await md.getBars({ symbols: ['SPY'], timeframe: '1Min', start: nyTime('2024-03-27', '09:30'), end: FAR });
    expect(d.get('SPY')!.length).toBeGreaterThan(1000);
    expect(d.get('SPY')!.filter((b) => b.end > now)).toEqual([]);
    expect(m.get('SPY')).toHaveLength(90);
    expect((await md.getLatest(['SPY'])).has('SPY')).toBe(false);
  });
});

describe('sim market data: quotes, assets, news', () => {
  it('the latest quote is the last closed minute, with a spread around it', async () => {
    const now = nyTime('2024-03-27', '14:07') + 12_345;
    const md = createSimMarketData({ feed, clock: createSimClock(now), spreadBps: 10 });
    const q = await md.getLatest(['AAPL', 'ZZZZ', 'SPY']);
    expect([...q.keys()]).toEqual(['AAPL', 'SPY']);
    const bar = feed.minuteBars('AAPL', nyTime('2024-03-27', '14:06'), now)[0]!;
    expect(bar.end).toBe(nyTime('2024-03-27', '14:07'));
    const aapl = q.get('AAPL')!;
    expect(aapl).toMatchObject({ symbol: 'AAPL', price: bar.c, t: bar.end });
    expect(aapl.bid!).toBeLessThan(bar.c);
    expect(aapl.ask!).toBeGreaterThan(bar.c);
    expect(aapl.ask! - aapl.bid!).toBeCloseTo(bar.c * 0.001, 1);
    for (const x of [aapl.bid!, aapl.ask!]) expect(Math.abs(x * 100 - Math.round(x * 100))).toBeLessThan(1e-6);
  });

  it('before the open the latest quote is the previous close', async () => {
    const prev = session('2024-03-26');
    const md = createSimMarketData({ feed, clock: createSimClock(nyTime('2024-03-27', '09:30')) });
    const q = (await md.getLatest(['QQQ'])).get('QQQ')!;
    const daily = feed.dailyBars('QQQ', prev.open, prev.close)[0]!;
    expect(q.price).toBe(daily.c);
    expect(q.t).toBe(prev.close);
  });

  it('assets: only known symbols, tradable, fractionable, not shortable, with sectors', async () => {
    const md = createSimMarketData({ feed, clock: createSimClock(FAR) });
    const a = await md.getAssets(['AAPL', 'SPY', 'XOM', 'NOPE']);
    expect([...a.keys()]).toEqual(['AAPL', 'SPY', 'XOM']);
    expect(a.get('AAPL')).toEqual({ symbol: 'AAPL', name: 'AAPL', tradable: true, fractionable: true, shortable: false, sector: 'Technology' });
    expect(a.get('SPY')!.sector).toBe('ETF');
    expect(a.get('XOM')!.sector).toBe('Energy');
    expect(await md.getNews(['AAPL'], 0, 10)).toEqual([]);
  });
});

describe('sim market data: screener', () => {
  it('ranks by the last completed session and is deterministic', async () => {
    const now = nyTime('2024-03-27', '12:00');
    const md = createSimMarketData({ feed, clock: createSimClock(now) });
    const prev = session('2024-03-26');
    const before = session('2024-03-25');
    const bar = (s: string, d: { open: number; close: number }) => feed.dailyBars(s, d.open, d.close)[0]!;
    const byScore = (score: (s: string) => number) =>
      [...feed.symbols()].sort((a, b) => score(b) - score(a) || (a < b ? -1 : 1)).slice(0, 5);

    const actives = await md.screener({ kind: 'most_actives', top: 5 });
    expect(actives).toEqual(byScore((s) => bar(s, prev).c * bar(s, prev).v));
    expect(await md.screener({ kind: 'most_actives', top: 5 })).toEqual(actives);

    const movers = await md.screener({ kind: 'movers', top: 5 });
    expect(movers).toEqual(byScore((s) => Math.abs(bar(s, prev).c / bar(s, before).c - 1)));
    expect(await md.screener({ kind: 'movers', top: 5 })).toEqual(movers);
    expect(await md.screener({ kind: 'movers', top: 0 })).toEqual([]);
    expect(await md.screener({ kind: 'movers', top: 100 })).toHaveLength(feed.symbols().length);
  });

  it('breaks ties by symbol', async () => {
    const day = (date: string, c: number, v: number): Bar => {
      const s = session(date);
      return { t: s.open, end: s.close, o: c, h: c, l: c, c, v };
    };
    const series = (c0: number, c1: number, v: number) => [day('2024-03-25', c0, v), day('2024-03-26', c1, v)];
    const arr = createArrayFeed({
      daily: new Map([
        ['ZZZ', series(10, 11, 100)],
        ['AAA', series(20, 22, 50)],
        ['MMM', series(10, 11, 100)],
        ['BBB', series(100, 100, 1)],
      ]),
      sessions: [session('2024-03-25'), session('2024-03-26')],
    });
    const md = createSimMarketData({ feed: arr, clock: createSimClock(nyTime('2024-03-27', '10:00')) });
    expect(await md.screener({ kind: 'movers', top: 4 })).toEqual(['AAA', 'MMM', 'ZZZ', 'BBB']);
    expect(await md.screener({ kind: 'most_actives', top: 3 })).toEqual(['AAA', 'MMM', 'ZZZ']);
    // Before the first session has closed there is nothing to rank.
    const early = createSimMarketData({ feed: arr, clock: createSimClock(nyTime('2024-03-25', '12:00')) });
    expect(await early.screener({ kind: 'most_actives', top: 3 })).toEqual([]);
  });
});
