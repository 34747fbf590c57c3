import type { RegimeDirection, RegimeVerdict } from '../../domain/decision.js';
import type { RegimeInputs } from '../../core/regime-inputs.js';

/** Inverse ETFs offered as hedges when the regime turns bearish. */
export const BEARISH_TICKERS = ['SH', 'PSQ'] as const;

/**
 * Rules regime from SPY/QQQ/IWM trend and volatility: each equity benchmark votes +1 when
 * above its SMA50 with EMA21 over EMA50, -1 when below with EMA21 under EMA50. High realized
 * volatility (SPY over 30% annualised) lowers conviction; breadth nudges it.
 */
export function rulesRegime(inputs: RegimeInputs): RegimeVerdict {
  let score = 0;
  let voters = 0;
  const notes: string[] = [];
  for (const b of inputs.benchmarks) {
    if (!['SPY', 'QQQ', 'IWM'].includes(b.symbol)) continue;
    if (b.price === null || b.sma50 === null || b.ema21 === null || b.ema50 === null) continue;
    voters++;
    if (b.price > b.sma50 && b.ema21 > b.ema50) (score++, notes.push(`${b.symbol} up`));
    else if (b.price < b.sma50 && b.ema21 < b.ema50) (score--, notes.push(`${b.symbol} down`));
    else notes.push(`${b.symbol} mixed`);
  }
  const spyVol = inputs.benchmarks.find((b) => b.symbol === 'SPY')?.realized_vol_20d ?? null;
  let direction: RegimeDirection = 'neutral';
  if (voters > 0 && score >= 2) direction = 'bullish';
  else if (voters > 0 && score <= -2) direction = 'bearish';
  let conviction = voters > 0 ? Math.abs(score) / voters : 0;
  if (spyVol !== null && spyVol > 0.3) {
    conviction *= direction === 'bearish' ? 1 : 0.6;
    notes.push(`SPY vol ${(spyVol * 100).toFixed(0)}%`);
  }
  if (inputs.breadth_above_sma50 !== null) {
    const b = inputs.breadth_above_sma50;
    if ((direction === 'bullish' && b < 0.4) || (direction === 'bearish' && b > 0.6)) conviction *= 0.75;
    notes.push(`breadth ${(b * 100).toFixed(0)}%`);
  }
  conviction = Math.round(conviction * 100) / 100;
  return {
    direction,
    conviction,
    bearish_tickers: direction === 'bearish' ? [...BEARISH_TICKERS] : [],
    rationale: voters === 0 ? 'no benchmark data: neutral' : `${direction}: ${notes.join(', ')}`,
    source: 'rules',
    cached: false,
    as_of: inputs.as_of,
  };
}
