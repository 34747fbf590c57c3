/** Market data value types. Times are epoch milliseconds (UTC) inside the core; ISO strings only at the edges. */

export type Timeframe = '1Min' | '1Day';

/** One OHLCV bar. `t` is the bar's start, `end` the moment it closes (a daily bar ends at its session's close). */
export interface Bar {
  readonly t: number;
  readonly end: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
}

/** The freshest price information for one symbol at a moment. */
export interface LatestQuote {
  readonly symbol: string;
  /** Last trade price. */
  readonly price: number;
  /** When that price printed (epoch ms). */
  readonly t: number;
  readonly bid?: number;
  readonly ask?: number;
}

export interface Asset {
  readonly symbol: string;
  readonly name: string;
  readonly tradable: boolean;
  readonly fractionable: boolean;
  readonly shortable: boolean;
  readonly sector?: string;
}

export interface NewsItem {
  readonly id: string;
  readonly symbols: readonly string[];
  readonly headline: string;
  readonly source: string;
  readonly t: number;
}

/** One trading session (exchange time America/New_York). */
export interface Session {
  /** YYYY-MM-DD in New York. */
  readonly date: string;
  readonly open: number;
  readonly close: number;
  /** True on early-close days (13:00). */
  readonly early: boolean;
}
