import { describe, expect, it } from 'vitest';
import { createEnrichmentCache, type EarningsCalendarHook, type EnrichmentSettings } from '../../src/cycle/enrichment.js';
import { createRegimeCache } from '../../src/cycle/regime-cache.js';
import type { Asset, NewsItem } from '../../src/domain/market.js';
import type { MarketData } from '../../src/ports/market-data.js';
import { regime } from '../helpers/builders.js';

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 20, 15, 0);

describe('regime cache (market time)', () => {
  it('reuses a verdict within the TTL, marked cached, with its original as_of', () => {
    const c = createRegimeCache({ ttlSec: 900 });
    expect(c.get(T0)).toBeNull();
    c.put(regime({ direction: 'bullish', as_of: '2026-11-20T15:00:00.000Z' }), T0);
    const hit = c.get(T0 + 14 * MIN + 59_999);
    expect(hit).toMatchObject({ direction: 'bullish', cached: true, as_of: '2026-11-20T15:00:00.000Z' });
  });

  it('expires at the TTL, and never serves a verdict to an earlier time', () => {
    const c = createRegimeCache({ ttlSec: 900 });
    c.put(regime(), T0);
    expect(c.get(T0 + 15 * MIN)).toBeNull();
    expect(c.get(T0 - 1)).toBeNull();
  });

  it('TTL 0 disables it; a stored verdict is kept as not-cached', () => {
    const off = createRegimeCache({ ttlSec: 0 });
    off.put(regime(), T0);
    expect(off.get(T0)).toBeNull();
    const on = createRegimeCache({ ttlSec: 60 });
    on.put(regime({ cached: true }), T0);
    on.clear();
    expect(on.get(T0)).toBeNull();
  });
});

const settings = (over: Partial<EnrichmentSettings> = {}): EnrichmentSettings => ({
  newsEnabled: true,
  newsTtlSec: 600,
  newsLookbackHours: 24,
  newsPerSymbol: 3,
  sectorEnabled: true,
  sectorTtlSec: 86_400,
  earningsTtlSec: 3600,
  earningsWithinDays: 5,
  ...over,
});

/** A MarketData that counts calls and can be told to fail; only assets and news are used here. */
function market() {
  const calls = { assets: [] as string[][], news: [] as string[][] };
  let fail = false;
  const m: MarketData & { calls: typeof calls; setFail(f: boolean): void } = {
    calls,
    setFail: (f) => (fail = f),
    getBars: async () => new Map(),
    getLatest: async () => new Map(),
    screener: async () => [],
    getAssets: async (symbols) => {
      calls.assets.push([...symbols]);
      if (fail) throw new Error('503');
      return new Map<string, Asset>(symbols.filter((s) => s !== 'UNKNOWN').map((s) => [s, { symbol: s, name: s, tradable: true, fractionable: true, shortable: false, ...(s === 'SPY' ? { sector: 'ETF' } : { sector: 'Tech' }) }]));
    },
    getNews: async (symbols, since) => {
      calls.news.push([...symbols]);
      if (fail) throw new Error('timeout');
      return symbols.map((s, i): NewsItem => ({ id: `${s}${i}`, symbols: [s], headline: `${s} news`, source: 'wire', t: since + 1000 }));
    },
  };
  return m;
}

const load = (c: ReturnType<typeof createEnrichmentCache>, m: MarketData, now: number, symbols: string[], earnings?: EarningsCalendarHook) =>
  c.load({ market: m, earnings, symbols, sectorSymbols: symbols, now, today: '2026-11-20', horizon: '2026-11-25' });

describe('enrichment cache', () => {
  it('one batched call per kind, then nothing until the TTL passes; only expired or new symbols are fetched', async () => {
    const m = market();
    const c = createEnrichmentCache(settings());
    const r1 = await load(c, m, T0, ['AAPL', 'SPY', 'UNKNOWN']);
    expect(m.calls.assets).toEqual([['AAPL', 'SPY', 'UNKNOWN']]);
    expect(m.calls.news).toEqual([['AAPL', 'SPY', 'UNKNOWN']]);
    expect(r1.sectors).toEqual(new Map([['AAPL', 'Tech'], ['SPY', 'ETF'], ['UNKNOWN', null]]));
    expect(r1.news!.get('AAPL')!.map((n) => n.headline)).toEqual(['AAPL news']);
    await load(c, m, T0 + 5 * MIN, ['AAPL', 'SPY', 'MSFT']);
    expect(m.calls.assets.at(-1)).toEqual(['MSFT']);
    expect(m.calls.news.at(-1)).toEqual(['MSFT']);
    await load(c, m, T0 + 11 * MIN, ['AAPL']);
    expect(m.calls.news.at(-1)).toEqual(['AAPL']); // news TTL 10 min passed
    expect(m.calls.assets).toHaveLength(2); // sectors still fresh
  });

  it('a failed fetch is not fatal and not cached: the symbols are simply absent, and asked again next time', async () => {
    const m = market();
    const c = createEnrichmentCache(settings());
    m.setFail(true);
    const r = await load(c, m, T0, ['AAPL']);
    expect(r.news).toEqual(new Map());
    expect(r.sectors).toEqual(new Map());
    expect(r.problems).toHaveLength(2);
    m.setFail(false);
    const r2 = await load(c, m, T0 + MIN, ['AAPL']);
    expect(r2.news!.has('AAPL')).toBe(true);
    expect(m.calls.news).toHaveLength(2);
  });

  it('disable flags: no sector lookup, no news, no earnings hook -> null and no calls', async () => {
    const m = market();
    const c = createEnrichmentCache(settings({ sectorEnabled: false, newsEnabled: false }));
    const r = await load(c, m, T0, ['AAPL']);
    expect(r).toEqual({ sectors: null, news: null, earnings: null, problems: [] });
    expect(m.calls.assets).toHaveLength(0);
    expect(m.calls.news).toHaveLength(0);
  });

  it('TTL 0: fetched values are still used, just not kept', async () => {
    const m = market();
    const c = createEnrichmentCache(settings({ newsTtlSec: 0 }));
    expect((await load(c, m, T0, ['AAPL'])).news!.has('AAPL')).toBe(true);
    await load(c, m, T0, ['AAPL']);
    expect(m.calls.news).toHaveLength(2);
  });

  it('the optional earnings hook is asked once per TTL for the window', async () => {
    const asked: string[][] = [];
    const hook: EarningsCalendarHook = {
      nextEarnings: async (symbols, from, to) => {
        asked.push([...symbols, from, to]);
        return new Map([['AAPL', '2026-11-24']]);
      },
    };
    const m = market();
    const c = createEnrichmentCache(settings());
    const r = await load(c, m, T0, ['AAPL', 'SPY'], hook);
    expect(r.earnings).toEqual(new Map([['AAPL', '2026-11-24'], ['SPY', null]]));
    await load(c, m, T0 + 30 * MIN, ['AAPL', 'SPY'], hook);
    expect(asked).toEqual([['AAPL', 'SPY', '2026-11-20', '2026-11-25']]);
  });
});
