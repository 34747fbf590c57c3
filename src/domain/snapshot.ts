import type { RegimeVerdict } from './decision.js';

/** Indicator values on completed daily bars. A value is absent (null) until its warm-up is met. */
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
  readonly account: { readonly equity: number; readonly cash: number; readonly buying_power: number; readonly day_pl: number };
  readonly position: SnapshotPosition | null;
  readonly open_positions: number;
  readonly data_quality: DataQuality;
  readonly market_regime: RegimeVerdict;
}
