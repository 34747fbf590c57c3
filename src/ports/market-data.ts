import type { Asset, Bar, LatestQuote, NewsItem, Timeframe } from '../domain/market.js';

export interface BarsRequest {
  readonly symbols: readonly string[];
  readonly timeframe: Timeframe;
  /** Inclusive start (epoch ms) of the first bar wanted. */
  readonly start: number;
  /** Only bars that have closed at or before this moment (epoch ms) are returned. */
  readonly end: number;
}

export interface ScreenerRequest {
  readonly kind: 'most_actives' | 'movers';
  readonly top: number;
}

/**
 * Market data. Adapters: sim (synthetic or CSV replay), alpaca.
 * Every call is batched over symbols: one call, many symbols.
 * Unknown symbols are simply absent from the result maps (never a throw).
 */
export interface MarketData {
  getBars(req: BarsRequest): Promise<ReadonlyMap<string, readonly Bar[]>>;
  /** The latest trade/quote for each symbol, as of the adapter's clock. */
  getLatest(symbols: readonly string[]): Promise<ReadonlyMap<string, LatestQuote>>;
  getAssets(symbols: readonly string[]): Promise<ReadonlyMap<string, Asset>>;
  getNews(symbols: readonly string[], since: number, limit: number): Promise<readonly NewsItem[]>;
  screener(req: ScreenerRequest): Promise<readonly string[]>;
}
