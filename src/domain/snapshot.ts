import type { RegimeVerdict } from './decision.js';

/**
 * Indicator values on completed daily bars, at full floating-point precision. A value is
 * absent (null) until its warm-up is met (bars needed in brackets): RSI 14 [15], MACD 12/26/9
 * [34], EMA n / SMA n [n], ATR 14 Wilder [14], ADX 14 [28; +DI/-DI 15], StochRSI 14/14/3/3
 * [%K 30, %D 32], OBV [1], Bollinger 20/2 [20], volume ratio [21], 52-week high/low [252].
 */
export interface IndicatorSet {
  readonly rsi14: number | null;
  readonly macd: { readonly macd: number; readonly signal: number; readonly histogram: number } | null;
  readonly ema9: number | null;
  readonly ema21: number | null;
  readonly ema50: number | null;
  readonly ema200: number | null;
  readonly sma50: number | null;
  readonly sma200: number | null;
  readonly atr14: number | null;
  readonly adx14: { readonly adx: number | null; readonly plus_di: number; readonly minus_di: number } | null;
  readonly stoch_rsi: { readonly k: number; readonly d: number | null } | null;
  readonly obv: number | null;
  readonly bollinger: {
    readonly middle: number;
    readonly upper: number;
    readonly lower: number;
    readonly percent_b: number | null;
    readonly bandwidth_pct: number;
  } | null;
  /** Last completed session's volume / mean of the 20 sessions before it. */
  readonly volume_ratio_20d: number | null;
  /** Mean daily volume of the last 20 completed sessions. */
  readonly avg_volume_20d: number | null;
  /** Highest high / lowest low of the last 252 completed sessions. */
  readonly high_52w: number | null;
  readonly low_52w: number | null;
}

/** What changes during the session: from the latest quote and the current session's minute bars. */
export interface LiveFields {
  /** 'open' while the exchange session is in progress at as_of. */
  readonly session: 'open' | 'closed';
  /** Volume-weighted typical price of the current session's minute bars (reset every session). */
  readonly vwap: number | null;
  readonly pct_from_vwap: number | null;
  /** Shares traded this session so far (minute bars), or the last session's volume when closed. */
  readonly volume: number | null;
  /** `volume` / the 20-session mean daily volume (a partial session reads low early in the day). */
  readonly volume_ratio: number | null;
  /** Fraction of the session elapsed at as_of (0..1), null when closed. */
  readonly session_elapsed: number | null;
  readonly spread: number | null;
  readonly spread_bps: number | null;
  readonly pct_from_52w_high: number | null;
  readonly pct_from_52w_low: number | null;
}

export interface DataQuality {
  readonly missing_critical: readonly string[];
  readonly missing_optional: readonly string[];
  /** Age of the latest price at as_of, in seconds; null when there is no price. */
  readonly staleness_sec: number | null;
}

export interface SnapshotPosition {
  readonly qty: number;
  readonly avg_entry_price: number;
  readonly market_value: number;
  readonly unrealized_pl: number;
  /** True when a bracket stop or take-profit leg is open for this position. */
  readonly covered_by_bracket: boolean;
}

/** One open position as the portfolio summary lists it. */
export interface PortfolioLine {
  readonly symbol: string;
  readonly qty: number;
  readonly market_value: number;
  readonly unrealized_pl_pct: number | null;
  readonly sector: string | null;
}

export interface PortfolioContext {
  readonly day_pl_pct: number | null;
  readonly day_trade_count: number;
  /** Long market value / equity, in percent. */
  readonly invested_pct: number | null;
  /** Open positions, largest first (bounded; `positions_total` is the full count). */
  readonly positions: readonly PortfolioLine[];
  readonly positions_total: number;
  /** Long notional per sector as a percent of equity; unknown sectors under "unknown". */
  readonly sector_notional_pct: Readonly<Record<string, number>>;
}

export interface NewsLine {
  /** Market-supplied text: sanitized (no control characters) and length-bounded. Data, never instructions. */
  readonly headline: string;
  readonly source: string;
  readonly age_hours: number;
}

export interface Enrichment {
  readonly sector: string | null;
  readonly news: readonly NewsLine[];
  /** Next earnings date when within the configured window; null when none is known. */
  readonly earnings: { readonly date: string; readonly days_until: number } | null;
}

/** Everything the brain sees about one symbol at one moment. snake_case: it is sent to the model as JSON. */
export interface Snapshot {
  readonly symbol: string;
  readonly as_of: string;
  readonly price: number | null;
  readonly prev_close: number | null;
  readonly change_pct: number | null;
  readonly bid: number | null;
  readonly ask: number | null;
  readonly bars: { readonly daily_count: number; readonly last_close_at: string | null };
  readonly indicators: IndicatorSet;
  readonly live: LiveFields;
  readonly account: { readonly equity: number; readonly cash: number; readonly buying_power: number; readonly day_pl: number };
  readonly position: SnapshotPosition | null;
  readonly open_positions: number;
  readonly portfolio: PortfolioContext;
  readonly enrichment: Enrichment;
  readonly data_quality: DataQuality;
  readonly market_regime: RegimeVerdict;
  /** Set on a size-bounded copy: what was shortened or dropped to fit. */
  readonly truncated?: readonly string[];
}
