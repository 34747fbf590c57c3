import type { Asset, Bar, LatestQuote, NewsItem } from '../../domain/market.js';
import type { Clock } from '../../ports/clock.js';
import type { BarsRequest, MarketData, ScreenerRequest } from '../../ports/market-data.js';
import type { PriceFeed } from './feed.js';
import { addDays, nyDate } from '../../core/time/ny.js';

/**
 * MarketData over a PriceFeed (synthetic market or CSV replay), as of the sim clock.
 * - Never returns anything that closed after `clock.now()`, whatever the request's `end`.
 * - Latest quote: the last closed bar at the feed's granularity (a minute bar on minute feeds);
 *   price = its close, t = its end; bid/ask = price -/+ half of `spreadBps`, floored/ceiled to
 *   the tick (cents at $1 and above, $0.0001 below), so the spread is never zero.
 * - Assets: every feed symbol is tradable and fractionable, not shortable; name = symbol; sector
 *   from a small static map of the default universe ("ETF" for funds), absent otherwise.
 * - News: the simulator has no news; always [].
 * - Screener over the feed's symbols, from daily bars closed by now: most_actives = top N by the
 *   last completed session's dollar volume (close x volume); movers = top N by |change %| of the
 *   last completed session's close vs the symbol's previous daily close. Only symbols with a bar
 *   for that session rank. Ties break by symbol, ascending.
 */

export interface SimMarketDataOptions {
  readonly feed: PriceFeed;
  readonly clock: Clock;
  /** Full quoted spread in basis points of price. Default 2. */
  readonly spreadBps?: number;
}

const ETF = 'ETF';

export const SIM_SECTORS: ReadonlyMap<string, string> = new Map([
  ['AAPL', 'Technology'],
  ['MSFT', 'Technology'],
  ['NVDA', 'Technology'],
  ['AVGO', 'Technology'],
  ['AMZN', 'Consumer Discretionary'],
  ['TSLA', 'Consumer Discretionary'],
  ['HD', 'Consumer Discretionary'],
  ['GOOGL', 'Communication Services'],
  ['META', 'Communication Services'],
  ['JPM', 'Financials'],
  ['V', 'Financials'],
  ['MA', 'Financials'],
  ['UNH', 'Health Care'],
  ['JNJ', 'Health Care'],
  ['XOM', 'Energy'],
  ['WMT', 'Consumer Staples'],
  ['PG', 'Consumer Staples'],
  ['COST', 'Consumer Staples'],
  ['KO', 'Consumer Staples'],
  ['PEP', 'Consumer Staples'],
  ['SPY', ETF],
  ['QQQ', ETF],
  ['IWM', ETF],
  ['TLT', ETF],
  ['GLD', ETF],
  ['SH', ETF],
  ['PSQ', ETF],
]);

const DAY = 86_400_000;

function tick(price: number): number {
  return price >= 1 ? 100 : 10_000;
}

/** Rounds down/up to the tick; the tiny epsilon absorbs binary float noise (99.99 * 100 = 9998.999...). */
function floorTick(x: number, per: number): number {
  return Math.floor(x * per + 1e-6) / per;
}
function ceilTick(x: number, per: number): number {
  return Math.ceil(x * per - 1e-6) / per;
}

export function createSimMarketData(opts: SimMarketDataOptions): MarketData {
  const { feed, clock } = opts;
  const spreadBps = opts.spreadBps ?? 2;
  if (!(spreadBps >= 0)) throw new RangeError(`spreadBps must be >= 0, got ${spreadBps}`);

  /** Never hand out a bar that closed after `upto` (the feed already slices; this is defense in depth). */
  const closedBy = (bars: readonly Bar[], upto: number): readonly Bar[] => {
    const last = bars[bars.length - 1];
    return last === undefined || last.end <= upto ? bars : bars.filter((b) => b.end <= upto);
  };

  /** The last completed session by `now` (its close <= now), or null. */
  const lastCompletedSession = (now: number) => {
    const today = nyDate(now);
    for (const back of [10, 40, 400]) {
      const ss = feed.sessions(addDays(today, -back), today).filter((x) => x.close <= now);
      const last = ss[ss.length - 1];
      if (last) return last;
    }
    return null;
  };

  /** The last two daily bars closed by now (older first), possibly fewer. */
  const lastTwoDaily = (symbol: string, now: number): readonly Bar[] => {
    for (const lookback of [10, 40, 400]) {
      const bars = feed.dailyBars(symbol, now - lookback * DAY, now);
      if (bars.length >= 2) return bars.slice(-2);
    }
    return feed.dailyBars(symbol, -Infinity, now).slice(-2);
  };

  return {
    async getBars(req: BarsRequest) {
      const upto = Math.min(req.end, clock.now());
      const out = new Map<string, readonly Bar[]>();
      for (const s of req.symbols) {
        if (!feed.has(s) || out.has(s)) continue;
        out.set(s, closedBy(req.timeframe === '1Day' ? feed.dailyBars(s, req.start, upto) : feed.minuteBars(s, req.start, upto), upto));
      }
      return out;
    },

    async getLatest(symbols: readonly string[]) {
      const now = clock.now();
      const out = new Map<string, LatestQuote>();
      for (const s of symbols) {
        if (!feed.has(s)) continue;
        const bar = feed.lastBarAt(s, now);
        if (!bar || bar.end > now) continue;
        const price = bar.c;
        const half = (price * spreadBps) / 20_000;
        const per = tick(price);
        out.set(s, { symbol: s, price, t: bar.end, bid: floorTick(price - half, per), ask: ceilTick(price + half, per) });
      }
      return out;
    },

    async getAssets(symbols: readonly string[]) {
      const out = new Map<string, Asset>();
      for (const s of symbols) {
        if (!feed.has(s)) continue;
        const sector = SIM_SECTORS.get(s);
        const base = { symbol: s, name: s, tradable: true, fractionable: true, shortable: false };
        out.set(s, sector === undefined ? base : { ...base, sector });
      }
      return out;
    },

    async getNews(): Promise<readonly NewsItem[]> {
      return [];
    },

    async screener(req: ScreenerRequest) {
      if (!(req.top > 0)) return [];
      const now = clock.now();
      const session = lastCompletedSession(now);
      if (!session) return [];
      const scored: { symbol: string; score: number }[] = [];
      for (const s of feed.symbols()) {
        const bars = lastTwoDaily(s, now);
        const last = bars[bars.length - 1];
        if (!last || last.t !== session.open) continue;
        if (req.kind === 'most_actives') {
          scored.push({ symbol: s, score: last.c * last.v });
        } else {
          const prev = bars.length === 2 ? bars[0]! : null;
          if (!prev) continue;
          scored.push({ symbol: s, score: Math.abs(last.c / prev.c - 1) });
        }
      }
      scored.sort((a, b) => b.score - a.score || (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0));
      return scored.slice(0, Math.floor(req.top)).map((x) => x.symbol);
    },
  };
}
