import type { LatestQuote } from '../domain/market.js';
import type { BenchmarkSlice, RegimeInputs } from './regime-inputs.js';
import type { PreparedSymbol } from './snapshot/build.js';

/**
 * Regime benchmarks: US large caps, Nasdaq 100, small caps, long Treasuries, gold, a dollar
 * proxy (UUP) and a volatility proxy (VIXY). Ones the data source does not have are skipped
 * and named in `skipped_benchmarks`.
 */
export const REGIME_BENCHMARKS = ['SPY', 'QQQ', 'IWM', 'TLT', 'GLD', 'UUP', 'VIXY'] as const;

function slice(symbol: string, p: PreparedSymbol, latest: LatestQuote | undefined): BenchmarkSlice {
  const ind = p.indicators;
  const closes = p.audit.clean.map((b) => b.c);
  const n = closes.length;
  const ret20 = n > 20 ? closes[n - 1]! / closes[n - 21]! - 1 : null;
  let vol: number | null = null;
  if (n > 20) {
    const rets: number[] = [];
    for (let k = n - 20; k < n; k++) rets.push(Math.log(closes[k]! / closes[k - 1]!));
    const mean = rets.reduce((a, b) => a + b, 0) / rets.length;
    const variance = rets.reduce((a, b) => a + (b - mean) ** 2, 0) / (rets.length - 1);
    vol = Math.sqrt(variance) * Math.sqrt(252);
  }
  const px = latest !== undefined && Number.isFinite(latest.price) && latest.price > 0 ? latest.price : null;
  return {
    symbol,
    price: px ?? (n > 0 ? closes[n - 1]! : null),
    sma50: ind.sma50,
    ema21: ind.ema21,
    ema50: ind.ema50,
    return_20d: ret20,
    realized_vol_20d: vol,
  };
}

/**
 * Regime inputs from the benchmarks' and the watchlist's prepared daily bars (audited, with
 * indicators computed once per symbol per cycle): trend and realized volatility per benchmark,
 * breadth across the watchlist. Pure.
 */
export function buildRegimeInputs(
  asOf: number,
  prepared: ReadonlyMap<string, PreparedSymbol>,
  latest: ReadonlyMap<string, LatestQuote>,
  watchlist: readonly string[],
): RegimeInputs {
  const has = (s: string) => (prepared.get(s)?.audit.clean.length ?? 0) > 0;
  const benchmarks = REGIME_BENCHMARKS.filter(has).map((s) => slice(s, prepared.get(s)!, latest.get(s)));
  const skipped = REGIME_BENCHMARKS.filter((s) => !has(s));
  let above = 0;
  let counted = 0;
  for (const s of new Set(watchlist)) {
    const sma50 = prepared.get(s)?.indicators.sma50 ?? null;
    const px = latest.get(s)?.price;
    if (sma50 === null || px === undefined || !Number.isFinite(px) || px <= 0) continue;
    counted++;
    if (px > sma50) above++;
  }
  return {
    as_of: new Date(asOf).toISOString(),
    benchmarks,
    breadth_above_sma50: counted > 0 ? above / counted : null,
    breadth_symbols: counted,
    skipped_benchmarks: skipped,
  };
}
