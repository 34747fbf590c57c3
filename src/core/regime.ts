import type { Bar, LatestQuote } from '../domain/market.js';
import type { BenchmarkSlice, RegimeInputs } from './regime-inputs.js';
import { computeIndicators } from './indicators/index.js';

export const REGIME_BENCHMARKS = ['SPY', 'QQQ', 'IWM', 'TLT', 'GLD'] as const;

function slice(symbol: string, bars: readonly Bar[], latest: LatestQuote | undefined): BenchmarkSlice {
  const ind = computeIndicators(bars);
  const closes = bars.map((b) => b.c);
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
  return {
    symbol,
    price: latest?.price ?? (n > 0 ? closes[n - 1]! : null),
    sma50: ind.sma50,
    ema21: ind.ema21,
    ema50: ind.ema50,
    return_20d: ret20,
    realized_vol_20d: vol,
  };
}

/** Regime inputs from completed daily bars of the benchmarks and the watchlist (breadth). Pure. */
export function buildRegimeInputs(
  asOf: number,
  bars: ReadonlyMap<string, readonly Bar[]>,
  latest: ReadonlyMap<string, LatestQuote>,
  watchlist: readonly string[],
): RegimeInputs {
  const closed = (s: string) => (bars.get(s) ?? []).filter((b) => b.end <= asOf);
  const benchmarks = REGIME_BENCHMARKS.filter((s) => bars.has(s)).map((s) => slice(s, closed(s), latest.get(s)));
  let above = 0;
  let counted = 0;
  for (const s of watchlist) {
    const ind = computeIndicators(closed(s));
    const px = latest.get(s)?.price;
    if (ind.sma50 === null || px === undefined) continue;
    counted++;
    if (px > ind.sma50) above++;
  }
  return { as_of: new Date(asOf).toISOString(), benchmarks, breadth_above_sma50: counted > 0 ? above / counted : null };
}
