import { afterEach, describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createAlpacaMarketData } from '../../src/adapters/alpaca/market-data.js';
import { addDays, nyTime } from '../../src/core/time/ny.js';
import { DataError } from '../../src/domain/errors.js';
import { alpacaHarness, TEST_DATE, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h.close());
const DAY = 86_400_000;
const UNIVERSE = ['AAPL', 'MSFT', 'SPY', 'QQQ'];

describe('Alpaca market data: bars', () => {
  it('daily bars run from session open to session close; the session in progress is never returned (no lookahead)', async () => {
    h = await alpacaHarness({ symbols: UNIVERSE });
    const now = h.clock.now(); // 10:00 on TEST_DATE: the fake serves a partial bar for today
    const bars = await h.market.getBars({ symbols: ['AAPL', 'MSFT'], timeframe: '1Day', start: now - 30 * DAY, end: now });
    const aapl = bars.get('AAPL')!;
    const sessions = nyseSessions(addDays(TEST_DATE, -30), addDays(TEST_DATE, -1)).filter((s) => s.open >= now - 30 * DAY);
    expect(aapl.map((b) => [b.t, b.end])).toEqual(sessions.map((s) => [s.open, s.close]));
    expect(aapl.every((b) => b.end <= now)).toBe(true);
    // The same request after the close includes today's bar, ending at the close.
    h.clock.set(nyTime(TEST_DATE, '16:01'));
    const later = (await h.market.getBars({ symbols: ['AAPL'], timeframe: '1Day', start: now - 30 * DAY, end: h.clock.now() })).get('AAPL')!;
    expect(later.at(-1)!.end).toBe(nyTime(TEST_DATE, '16:00'));
    expect(later).toHaveLength(aapl.length + 1);
  });

  it('an early-close session ends at 13:00', async () => {
    h = await alpacaHarness({ at: nyTime('2026-11-30', '10:00'), symbols: ['SPY'] });
    const bars = (await h.market.getBars({ symbols: ['SPY'], timeframe: '1Day', start: nyTime('2026-11-24', '00:00'), end: h.clock.now() })).get('SPY')!;
    const friday = bars.find((b) => b.t === nyTime('2026-11-27', '09:30'))!;
    expect(friday.end).toBe(nyTime('2026-11-27', '13:00'));
    expect(bars.some((b) => b.t === nyTime('2026-11-26', '09:30'))).toBe(false); // Thanksgiving
  });

  it('minute bars end 60 s after they start; the minute still forming is dropped', async () => {
    h = await alpacaHarness({ symbols: ['AAPL'] });
    h.clock.set(nyTime(TEST_DATE, '10:05') + 30_000);
    const now = h.clock.now();
    const m = (await h.market.getBars({ symbols: ['AAPL'], timeframe: '1Min', start: nyTime(TEST_DATE, '09:30'), end: now })).get('AAPL')!;
    expect(m).toHaveLength(35); // 09:30 .. 10:04; 10:05 has not closed
    expect(m.every((b) => b.end === b.t + 60_000 && b.end <= now)).toBe(true);
  });

  it('batches symbols into one request and follows next_page_token; unknown symbols are absent', async () => {
    const symbols = Array.from({ length: 30 }, (_, i) => `S${String(i).padStart(2, '0')}`);
    h = await alpacaHarness({ symbols, pageLimit: 1000 });
    const now = h.clock.now();
    const bars = await h.market.getBars({ symbols: [...symbols, 'NOPE'], timeframe: '1Day', start: now - 400 * DAY, end: now });
    expect(bars.has('NOPE')).toBe(false);
    expect([...bars.keys()].sort()).toEqual(symbols);
    const perSymbol = bars.get('S00')!.length;
    expect(perSymbol).toBeGreaterThan(250);
    expect([...bars.values()].every((b) => b.length === perSymbol)).toBe(true);
    const requests = h.fake.requests.filter((r) => r.path === '/v2/stocks/bars');
    // One page per 1000 bars (the fake also returns today's partial bar, which the adapter drops).
    expect(requests).toHaveLength(Math.ceil((30 * (perSymbol + 1)) / 1000));
    expect(requests.every((r) => r.query.get('adjustment') === 'all' && r.query.get('symbols')!.split(',').length === 31)).toBe(true);
  });

  it('requests stay constant as the watchlist grows from 10 to 100 symbols (bars + latest)', async () => {
    const counts: number[] = [];
    for (const n of [10, 100]) {
      const symbols = Array.from({ length: n }, (_, i) => `W${String(i).padStart(3, '0')}`);
      h = await alpacaHarness({ symbols });
      const now = h.clock.now();
      await Promise.all([h.market.getBars({ symbols, timeframe: '1Day', start: now - 550 * DAY, end: now }), h.market.getLatest(symbols)]);
      counts.push(h.fake.count({ host: 'data' }));
      await h.close();
    }
    h = await alpacaHarness();
    expect(counts[0]).toBeLessThanOrEqual(6);
    expect(counts[1]).toBeLessThanOrEqual(6);
  });
});

describe('Alpaca market data: bar caches', () => {
  it('daily bars are fetched once per New York day, and again only when another session has closed', async () => {
    h = await alpacaHarness({ symbols: UNIVERSE });
    const start = h.clock.now() - 100 * DAY;
    const first = await h.market.getBars({ symbols: UNIVERSE, timeframe: '1Day', start, end: h.clock.now() });
    expect(h.fake.count({ path: '/v2/stocks/bars' })).toBe(1);
    h.clock.advance(90 * 60_000);
    const again = await h.market.getBars({ symbols: UNIVERSE, timeframe: '1Day', start, end: h.clock.now() });
    expect(again).toEqual(first);
    expect(h.fake.count({ path: '/v2/stocks/bars' })).toBe(1);
    // A symbol not seen yet costs one request for that symbol only.
    h.fake.seedUniverse(['NEWCO']);
    await h.market.getBars({ symbols: [...UNIVERSE, 'NEWCO'], timeframe: '1Day', start, end: h.clock.now() });
    expect(h.fake.requests.at(-1)!.query.get('symbols')).toBe('NEWCO');
    h.clock.set(nyTime(TEST_DATE, '16:05'));
    const after = await h.market.getBars({ symbols: UNIVERSE, timeframe: '1Day', start, end: h.clock.now() });
    expect(h.fake.count({ path: '/v2/stocks/bars' })).toBe(3);
    expect(after.get('AAPL')!.at(-1)!.end).toBe(nyTime(TEST_DATE, '16:00'));
  });

  it("today's minute bars are fetched incrementally and match a cold fetch", async () => {
    h = await alpacaHarness({ symbols: UNIVERSE });
    const open = nyTime(TEST_DATE, '09:30');
    h.clock.set(nyTime(TEST_DATE, '10:05') + 30_000);
    await h.market.getBars({ symbols: UNIVERSE, timeframe: '1Min', start: open, end: h.clock.now() });
    h.clock.set(nyTime(TEST_DATE, '10:35') + 30_000);
    const warm = await h.market.getBars({ symbols: UNIVERSE, timeframe: '1Min', start: open, end: h.clock.now() });
    const second = h.fake.requests.filter((r) => r.path === '/v2/stocks/bars').at(-1)!;
    expect(Date.parse(second.query.get('start')!)).toBe(nyTime(TEST_DATE, '10:04') + 30_000);
    const cold = await createAlpacaMarketData({ client: h.client, calendar: h.calendar, clock: h.clock, feed: 'iex', cache: false }).getBars({ symbols: UNIVERSE, timeframe: '1Min', start: open, end: h.clock.now() });
    expect(warm).toEqual(cold);
    expect(warm.get('AAPL')).toHaveLength(65);
  });
});

describe('Alpaca market data: latest, assets, screener, news', () => {
  it('latest comes from one snapshots request: last trade, bid and ask; unknown symbols absent', async () => {
    h = await alpacaHarness({ symbols: UNIVERSE });
    h.fake.setPrice('AAPL', 123.45, h.clock.now() - 2_000);
    const latest = await h.market.getLatest(['AAPL', 'MSFT', 'NOPE']);
    expect(h.fake.count({ path: '/v2/stocks/snapshots' })).toBe(1);
    expect(latest.get('AAPL')).toEqual({ symbol: 'AAPL', price: 123.45, t: h.clock.now() - 2_000, bid: 123.44, ask: 123.46 });
    expect(latest.has('NOPE')).toBe(false);
    expect([...latest.values()].every((q) => q.t <= h.clock.now())).toBe(true);
  });

  it('a trade stamped after the adapter clock (clock skew) is reported at now, never in the future', async () => {
    h = await alpacaHarness({ symbols: ['AAPL'] });
    h.fake.setPrice('AAPL', 100, h.clock.now() + 5_000);
    h.clock.advance(10_000);
    h.clock.set(h.clock.now() - 10_000); // the server clock now runs ahead of ours
    const q = (await h.market.getLatest(['AAPL'])).get('AAPL')!;
    expect(q.t).toBeLessThanOrEqual(h.clock.now());
  });

  it('assets: one listing per New York day, tradable/fractionable/shortable parsed', async () => {
    h = await alpacaHarness({ symbols: UNIVERSE });
    h.fake.setSymbol('HALT', { daily: [], price: 5, tradable: false, fractionable: false, shortable: false });
    const a = await h.market.getAssets(['AAPL', 'HALT', 'NOPE']);
    expect(a.get('AAPL')).toMatchObject({ symbol: 'AAPL', tradable: true, fractionable: true, shortable: true });
    expect(a.get('HALT')).toMatchObject({ tradable: false, fractionable: false, shortable: false });
    expect(a.has('NOPE')).toBe(false);
    await h.market.getAssets(['MSFT']);
    expect(h.fake.count({ path: '/v2/assets' })).toBe(1);
    h.clock.advance(DAY);
    await h.market.getAssets(['MSFT']);
    expect(h.fake.count({ path: '/v2/assets' })).toBe(2);
  });

  it('screener: most actives by volume and movers by absolute change, at most top', async () => {
    h = await alpacaHarness({ symbols: UNIVERSE });
    const active = await h.market.screener({ kind: 'most_actives', top: 2 });
    expect(active).toHaveLength(2);
    expect(active.every((s) => UNIVERSE.includes(s))).toBe(true);
    h.fake.setPrice('QQQ', h.fake.price('QQQ') * 1.2);
    const movers = await h.market.screener({ kind: 'movers', top: 1 });
    expect(movers).toEqual(['QQQ']);
  });

  it('news: newest first, since a time, paginated up to the limit', async () => {
    h = await alpacaHarness({ symbols: UNIVERSE });
    const t = h.clock.now();
    for (let i = 0; i < 70; i++) h.fake.addNews({ headline: `AAPL story ${i}`, symbols: ['AAPL'], at: t - (i + 1) * 60_000 });
    h.fake.addNews({ headline: 'old', symbols: ['AAPL'], at: t - 10 * DAY });
    h.fake.addNews({ headline: 'other', symbols: ['XOM'], at: t - 1000 });
    const news = await h.market.getNews(['AAPL'], t - DAY, 60);
    expect(news).toHaveLength(60);
    expect(news[0]!.headline).toBe('AAPL story 0');
    expect(news.every((n) => n.t >= t - DAY && n.symbols.includes('AAPL'))).toBe(true);
    expect(h.fake.count({ path: '/v1beta1/news' })).toBe(2);
  });

  it('feed=sip without a data plan: 403 surfaces as a DataError', async () => {
    h = await alpacaHarness({ symbols: ['SPY'], fake: { sipAllowed: false } });
    const sip = createAlpacaMarketData({ client: h.client, calendar: h.calendar, clock: h.clock, feed: 'sip' });
    const now = h.clock.now();
    const e = await sip.getBars({ symbols: ['SPY'], timeframe: '1Day', start: now - 10 * DAY, end: now }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).toContain('403');
  });
});
