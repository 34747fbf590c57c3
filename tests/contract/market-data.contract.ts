import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/domain/market.js';
import type { MarketData } from '../../src/ports/market-data.js';

/**
 * The MarketData port contract: every adapter (sim over a feed, alpaca over the loopback fake
 * server) runs this suite through `marketDataContract(name, makeHarness)`.
 */
export interface MarketDataHarness {
  readonly market: MarketData;
  /** Symbols with data (at least two). */
  readonly known: readonly string[];
  /** Market time of the adapter's clock: inside a regular session on a trading day. */
  readonly now: number;
  close?(): Promise<void>;
}

const DAY = 86_400_000;
const UNKNOWN = 'ZZZZQ';

function checkBars(bars: readonly Bar[], start: number, end: number) {
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    expect(b.t).toBeGreaterThanOrEqual(start);
    expect(b.end).toBeLessThanOrEqual(end);
    expect(b.t).toBeLessThan(b.end);
    expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c) + 1e-9);
    expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c) - 1e-9);
    expect(b.v).toBeGreaterThanOrEqual(0);
    if (i > 0) expect(b.t).toBeGreaterThan(bars[i - 1]!.t);
  }
}

export function marketDataContract(name: string, makeHarness: () => MarketDataHarness | Promise<MarketDataHarness>): void {
  describe(`MarketData contract: ${name}`, () => {
    const withHarness = (fn: (h: MarketDataHarness) => Promise<void>) => async () => {
      const h = await makeHarness();
      try {
        await fn(h);
      } finally {
        await h.close?.();
      }
    };

    it(
      'daily bars: one batched call, every known symbol, sessions in order, nothing that closed after `end`',
      withHarness(async (h) => {
        const start = h.now - 60 * DAY;
        const bars = await h.market.getBars({ symbols: [...h.known, UNKNOWN], timeframe: '1Day', start, end: h.now });
        expect(bars.has(UNKNOWN)).toBe(false);
        for (const s of h.known) {
          const list = bars.get(s)!;
          expect(list.length).toBeGreaterThan(30);
          checkBars(list, start, h.now);
          for (const b of list) {
            const hours = (b.end - b.t) / 3_600_000;
            expect(hours).toBeGreaterThanOrEqual(3.5); // 13:00 early closes
            expect(hours).toBeLessThanOrEqual(6.5);
          }
          // Mid-session: today's bar has not closed, so the last bar is an earlier session.
          expect(list.at(-1)!.end).toBeLessThan(h.now);
        }
      }),
    );

    it(
      'no lookahead: an earlier `end` cuts the bars there',
      withHarness(async (h) => {
        const end = h.now - 3 * DAY;
        const start = h.now - 40 * DAY;
        const [sym] = h.known;
        const cut = (await h.market.getBars({ symbols: [sym!], timeframe: '1Day', start, end })).get(sym!)!;
        const full = (await h.market.getBars({ symbols: [sym!], timeframe: '1Day', start, end: h.now })).get(sym!)!;
        checkBars(cut, start, end);
        expect(cut).toEqual(full.filter((b) => b.end <= end));
      }),
    );

    it(
      'minute bars end a minute after they start and never after `end`',
      withHarness(async (h) => {
        const start = h.now - 90 * 60_000;
        const bars = await h.market.getBars({ symbols: h.known, timeframe: '1Min', start, end: h.now });
        const list = bars.get(h.known[0]!)!;
        expect(list.length).toBeGreaterThan(10);
        checkBars(list, start, h.now);
        expect(list.every((b) => b.end === b.t + 60_000)).toBe(true);
      }),
    );

    it(
      'empty or duplicate symbol lists are fine',
      withHarness(async (h) => {
        expect((await h.market.getBars({ symbols: [], timeframe: '1Day', start: h.now - 10 * DAY, end: h.now })).size).toBe(0);
        expect((await h.market.getLatest([])).size).toBe(0);
        const dup = await h.market.getBars({ symbols: [h.known[0]!, h.known[0]!], timeframe: '1Day', start: h.now - 10 * DAY, end: h.now });
        expect(dup.size).toBe(1);
      }),
    );

    it(
      'latest: every known symbol, positive price, never stamped after now; unknown symbols absent',
      withHarness(async (h) => {
        const latest = await h.market.getLatest([...h.known, UNKNOWN]);
        expect(latest.has(UNKNOWN)).toBe(false);
        for (const s of h.known) {
          const q = latest.get(s)!;
          expect(q.symbol).toBe(s);
          expect(q.price).toBeGreaterThan(0);
          expect(q.t).toBeLessThanOrEqual(h.now);
          if (q.bid !== undefined && q.ask !== undefined) expect(q.bid).toBeLessThanOrEqual(q.ask);
        }
      }),
    );

    it(
      'assets: known symbols with their flags; unknown absent',
      withHarness(async (h) => {
        const assets = await h.market.getAssets([...h.known, UNKNOWN]);
        expect(assets.has(UNKNOWN)).toBe(false);
        for (const s of h.known) {
          const a = assets.get(s)!;
          expect(a.symbol).toBe(s);
          for (const k of ['tradable', 'fractionable', 'shortable'] as const) expect(typeof a[k]).toBe('boolean');
        }
      }),
    );

    it(
      'screener: at most `top` distinct symbols; top 0 is empty',
      withHarness(async (h) => {
        for (const kind of ['most_actives', 'movers'] as const) {
          const list = await h.market.screener({ kind, top: 2 });
          expect(list.length).toBeLessThanOrEqual(2);
          expect(new Set(list).size).toBe(list.length);
          expect(list.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
          expect(await h.market.screener({ kind, top: 0 })).toEqual([]);
        }
        expect((await h.market.screener({ kind: 'most_actives', top: 2 })).length).toBeGreaterThan(0);
      }),
    );

    it(
      'news: at most `limit` items, none older than `since`',
      withHarness(async (h) => {
        const since = h.now - 7 * DAY;
        const news = await h.market.getNews(h.known, since, 3);
        expect(news.length).toBeLessThanOrEqual(3);
        for (const n of news) {
          expect(n.t).toBeGreaterThanOrEqual(since);
          expect(n.headline.length).toBeGreaterThan(0);
        }
      }),
    );
  });
}
