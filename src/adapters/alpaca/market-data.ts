import type { Asset, Bar, LatestQuote, NewsItem, Session } from '../../domain/market.js';
import type { Calendar, Clock } from '../../ports/clock.js';
import type { BarsRequest, MarketData, ScreenerRequest } from '../../ports/market-data.js';
import { addDays, nyDate, nyTime } from '../../core/time/ny.js';
import { readWire, toDataError, type AlpacaClient } from './client.js';
import { assetsSchema, barsResponseSchema, mostActivesSchema, moversSchema, newsResponseSchema, snapshotsResponseSchema, type WireBarsResponse, type WireNewsResponse } from './wire.js';

/**
 * MarketData over Alpaca's v2 data API (and /v2/assets on the trading API).
 * - Batched: one request carries many symbols (comma list, up to 200 per request), and pages
 *   are followed with next_page_token at 10 000 bars a page, so a cycle costs the same handful
 *   of requests whether it watches 10 symbols or 100.
 * - Daily bars: Alpaca stamps a daily bar at 00:00 New York of its date. Here a daily bar starts
 *   at its session's open and ends at its close (from the Calendar), and a bar whose session
 *   has not closed by the request's `end` is dropped: no lookahead, even mid-session. A bar
 *   whose date is not a session is dropped too (its close time is unknown).
 * - Minute bars end 60 s after they start; one still forming at `end` is dropped.
 * - Prices are split and dividend adjusted (adjustment=all); feed = ALPACA_DATA_FEED.
 * - Latest = the snapshot's latest trade (bid/ask from its latest quote). A trade stamped after
 *   the adapter's clock (clock skew) is reported at the clock's now.
 * - Assets: the active US equity list, fetched once per New York day and kept in memory.
 * - Every failure is a DataError; unknown symbols are absent from the results.
 * - Caches (per adapter instance, so across the cycles of one service process): daily bars are
 *   final once their session closed and Alpaca re-adjusts history only at day boundaries, so a
 *   symbol's daily series is fetched once per New York day and again only when another session
 *   has closed; today's minute bars that closed are final, so later requests fetch only the
 *   minutes since the last one (one page for the whole watchlist). A warm cycle therefore costs
 *   the same few requests for 10 symbols or 100. `cache: false` turns this off.
 */

export interface AlpacaMarketDataOptions {
  readonly client: AlpacaClient;
  readonly calendar: Calendar;
  readonly clock: Clock;
  readonly feed: 'iex' | 'sip';
  /** Bars per page (Alpaca's maximum is 10 000). */
  readonly pageLimit?: number;
  /** Symbols per request (keeps URLs short). */
  readonly symbolsPerRequest?: number;
  /** Reuse closed daily and minute bars across calls (default true). */
  readonly cache?: boolean;
}

type RawBar = { t: number; o: number; h: number; l: number; c: number; v: number };

interface DailyEntry {
  /** New York date of the request's end when fetched. */
  readonly day: string;
  readonly start: number;
  /** Close of the latest session that had closed by the fetch's end. */
  readonly lastClose: number;
  /** null: Alpaca knows no bars for the symbol. */
  readonly bars: readonly Bar[] | null;
}

interface MinuteEntry {
  readonly day: string;
  readonly start: number;
  /** Every minute that closed by this instant is in `bars`. */
  readonly fetchedTo: number;
  readonly bars: readonly Bar[];
}

const MINUTE = 60_000;

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export function createAlpacaMarketData(o: AlpacaMarketDataOptions): MarketData {
  const data = o.client.sdk.marketData;
  const pageLimit = o.pageLimit ?? 10_000;
  const perRequest = o.symbolsPerRequest ?? 200;
  let assets: { readonly day: string; readonly map: ReadonlyMap<string, Asset> } | null = null;
  const useCache = o.cache ?? true;
  const daily = new Map<string, DailyEntry>();
  const minute = new Map<string, MinuteEntry>();

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toDataError(what, e);
    }
  };

  const rawBars = async (symbols: readonly string[], timeframe: string, start: number, end: number) => {
    const out = new Map<string, RawBar[]>();
    for (const group of chunk(symbols, perRequest)) {
      let token: string | null = null;
      for (let page = 0; page < 1000; page++) {
        const r: WireBarsResponse = await readWire(
          'bars',
          data.stocks.stockBarsRaw({
            symbols: group.join(','),
            timeframe,
            start: new Date(start),
            end: new Date(end),
            limit: pageLimit,
            adjustment: 'all',
            feed: o.feed,
            sort: 'asc',
            ...(token ? { pageToken: token } : {}),
          }),
          barsResponseSchema,
        );
        for (const [sym, bars] of Object.entries(r.bars)) {
          if (!bars) continue;
          let list = out.get(sym);
          if (!list) out.set(sym, (list = []));
          list.push(...bars);
        }
        token = r.next_page_token;
        if (!token) break;
      }
    }
    return out;
  };

  const toMinute = (b: RawBar): Bar => ({ t: b.t, end: b.t + MINUTE, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v });

  const minuteBars = async (symbols: readonly string[], req: BarsRequest): Promise<Map<string, readonly Bar[]>> => {
    const day = nyDate(req.end);
    const cached = (s: string) => {
      const e = minute.get(s);
      return useCache && e && e.day === day && e.start <= req.start && e.fetchedTo <= req.end ? e : null;
    };
    // One batched request from the earliest minute any symbol is missing.
    const from = Math.min(...symbols.map((s) => cached(s)?.fetchedTo ?? req.start));
    const fresh = from < req.end ? await rawBars(symbols, '1Min', Math.max(req.start, from - MINUTE), req.end) : new Map<string, RawBar[]>();
    const result = new Map<string, readonly Bar[]>();
    for (const s of symbols) {
      const e = cached(s);
      const got = (fresh.get(s) ?? []).map(toMinute).filter((b) => b.t >= req.start && b.end <= req.end);
      const keep = e ? e.bars.filter((b) => b.end <= from) : [];
      const bars = [...keep, ...got.filter((b) => b.end > (keep.at(-1)?.end ?? -Infinity))];
      if (useCache && day === nyDate(req.start)) minute.set(s, { day, start: e ? e.start : req.start, fetchedTo: req.end, bars });
      if (bars.length > 0 || fresh.has(s)) result.set(s, bars.filter((b) => b.t >= req.start));
    }
    return result;
  };

  const dailyBars = async (symbols: readonly string[], req: BarsRequest): Promise<Map<string, readonly Bar[]>> => {
    // Daily: ask from 00:00 New York of the first date (Alpaca's daily stamp), map onto sessions.
    const fromDate = nyDate(req.start);
    const toDate = nyDate(req.end);
    const sessions = await o.calendar.sessions(addDays(fromDate, -1), toDate);
    const lastClose = sessions.filter((s) => s.close <= req.end).at(-1)?.close ?? 0;
    const day = toDate;
    const valid = (s: string) => {
      const e = daily.get(s);
      return useCache && e && e.day === day && e.start <= req.start && e.lastClose === lastClose ? e : null;
    };
    const missing = symbols.filter((s) => !valid(s));
    const fetched = new Map<string, DailyEntry>();
    if (missing.length > 0) {
      const raw = await rawBars(missing, '1Day', nyTime(fromDate, '00:00'), req.end);
      const byDate = new Map<string, Session>(sessions.map((s) => [s.date, s]));
      for (const s of missing) {
        const bars = raw.get(s);
        let out: Bar[] | null = null;
        if (bars) {
          out = [];
          for (const b of bars) {
            const session = byDate.get(nyDate(b.t));
            if (!session || session.open < req.start || session.close > req.end) continue;
            out.push({ t: session.open, end: session.close, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v });
          }
        }
        const entry: DailyEntry = { day, start: req.start, lastClose, bars: out };
        if (useCache) daily.set(s, entry);
        fetched.set(s, entry);
      }
    }
    const result = new Map<string, readonly Bar[]>();
    for (const s of symbols) {
      const e = fetched.get(s) ?? valid(s);
      if (!e?.bars) continue;
      result.set(s, e.bars.filter((b) => b.t >= req.start && b.end <= req.end));
    }
    return result;
  };

  return {
    getBars: (req: BarsRequest) =>
      call(`bars ${req.timeframe}`, async () => {
        const symbols = [...new Set(req.symbols)];
        if (symbols.length === 0 || req.end < req.start) return new Map<string, readonly Bar[]>();
        return req.timeframe === '1Min' ? minuteBars(symbols, req) : dailyBars(symbols, req);
      }),

    getLatest: (symbols: readonly string[]) =>
      call('snapshots', async () => {
        const now = o.clock.now();
        const out = new Map<string, LatestQuote>();
        for (const group of chunk([...new Set(symbols)], perRequest)) {
          const r = await readWire('snapshots', data.stocks.stockSnapshotsRaw({ symbols: group.join(','), feed: o.feed }), snapshotsResponseSchema);
          for (const s of group) {
            const snap = r[s];
            const trade = snap?.latestTrade;
            if (!trade || !(trade.p > 0)) continue;
            const q = snap.latestQuote;
            out.set(s, {
              symbol: s,
              price: trade.p,
              t: Math.min(trade.t, now),
              ...(q?.bp !== undefined && q.bp > 0 ? { bid: q.bp } : {}),
              ...(q?.ap !== undefined && q.ap > 0 ? { ask: q.ap } : {}),
            });
          }
        }
        return out;
      }),

    getAssets: (symbols: readonly string[]) =>
      call('assets', async () => {
        const day = nyDate(o.clock.now());
        if (!assets || assets.day !== day) {
          const list = await readWire('assets', o.client.sdk.trading.assets.getV2AssetsRaw({ status: 'active', assetClass: 'us_equity' }), assetsSchema);
          assets = {
            day,
            map: new Map(list.map((a) => [a.symbol, { symbol: a.symbol, name: a.name, tradable: a.tradable, fractionable: a.fractionable, shortable: a.shortable }])),
          };
        }
        const out = new Map<string, Asset>();
        for (const s of symbols) {
          const a = assets.map.get(s);
          if (a) out.set(s, a);
        }
        return out;
      }),

    getNews: (symbols: readonly string[], since: number, limit: number) =>
      call('news', async () => {
        const out: NewsItem[] = [];
        if (!(limit > 0)) return out;
        let token: string | null = null;
        for (let page = 0; page < 100 && out.length < limit; page++) {
          const r: WireNewsResponse = await readWire(
            'news',
            data.news.newsRaw({
              ...(symbols.length > 0 ? { symbols: [...new Set(symbols)].join(',') } : {}),
              start: new Date(since),
              end: new Date(o.clock.now()),
              sort: 'desc',
              limit: Math.min(50, limit - out.length),
              ...(token ? { pageToken: token } : {}),
            }),
            newsResponseSchema,
          );
          for (const n of r.news) out.push({ id: n.id, symbols: n.symbols, headline: n.headline, source: n.source, t: n.created_at });
          token = r.next_page_token;
          if (!token || r.news.length === 0) break;
        }
        return out.slice(0, limit);
      }),

    screener: (req: ScreenerRequest) =>
      call(`screener ${req.kind}`, async () => {
        const top = Math.floor(req.top);
        if (!(top > 0)) return [];
        if (req.kind === 'most_actives') {
          const r = await readWire('most actives', data.screener.mostActivesRaw({ by: 'volume', top }), mostActivesSchema);
          return r.most_actives.map((x) => x.symbol).slice(0, top);
        }
        const r = await readWire('movers', data.screener.moversRaw({ marketType: 'stocks', top }), moversSchema);
        const all = [...r.gainers, ...r.losers].sort((a, b) => Math.abs(b.percent_change) - Math.abs(a.percent_change) || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
        return [...new Set(all.map((x) => x.symbol))].slice(0, top);
      }),
  };
}
