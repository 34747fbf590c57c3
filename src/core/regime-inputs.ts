/** What a regime verdict is computed from: per-benchmark trend and volatility figures on completed daily bars. */
export interface BenchmarkSlice {
  readonly symbol: string;
  readonly price: number | null;
  readonly sma50: number | null;
  readonly ema21: number | null;
  readonly ema50: number | null;
  /** Close-to-close return over the last 20 sessions, as a fraction. */
  readonly return_20d: number | null;
  /** Annualised standard deviation of daily log returns over 20 sessions. */
  readonly realized_vol_20d: number | null;
}

export interface RegimeInputs {
  readonly as_of: string;
  /** Benchmarks the data source had: SPY, QQQ, IWM, TLT, GLD, the dollar proxy UUP, the volatility proxy VIXY. */
  readonly benchmarks: readonly BenchmarkSlice[];
  /** Share of watchlist symbols trading above their 50-day SMA (0..1), when known. */
  readonly breadth_above_sma50: number | null;
  /** How many watchlist symbols the breadth figure counts. */
  readonly breadth_symbols?: number;
  /** Benchmarks the data source did not have (skipped, not guessed). */
  readonly skipped_benchmarks?: readonly string[];
}
