import { ATR, EMA, MACD, SMA } from 'technicalindicators';
import type { Bar } from '../../domain/market.js';
import type { IndicatorSet } from '../../domain/snapshot.js';

/**
 * Indicators on completed daily bars. A value is null until its warm-up is met, never a
 * made-up number. Warm-up (bars needed): RSI 14 -> 15, MACD 12/26/9 -> 34, EMA n -> n,
 * SMA n -> n, ATR 14 -> 15.
 */

const last = <T>(xs: readonly T[]): T | null => (xs.length > 0 ? xs[xs.length - 1]! : null);

/**
 * RSI with Wilder smoothing, computed here at full precision: technicalindicators rounds
 * RSI to 2 decimals.
 */
export function rsiWilder(closes: readonly number[], period = 14): number | null {
  if (closes.length < period + 1) return null;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const d = closes[i]! - closes[i - 1]!;
    if (d > 0) gain += d;
    else loss -= d;
  }
  gain /= period;
  loss /= period;
  for (let i = period + 1; i < closes.length; i++) {
    const d = closes[i]! - closes[i - 1]!;
    gain = (gain * (period - 1) + Math.max(d, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-d, 0)) / period;
  }
  if (loss === 0) return gain === 0 ? 50 : 100;
  return 100 - 100 / (1 + gain / loss);
}

function ema(closes: readonly number[], period: number): number | null {
  return closes.length < period ? null : last(EMA.calculate({ period, values: [...closes] }));
}

function sma(closes: readonly number[], period: number): number | null {
  return closes.length < period ? null : last(SMA.calculate({ period, values: [...closes] }));
}

export function computeIndicators(bars: readonly Bar[]): IndicatorSet {
  const closes = bars.map((b) => b.c);
  const macdRaw =
    closes.length >= 34
      ? last(MACD.calculate({ values: closes, fastPeriod: 12, slowPeriod: 26, signalPeriod: 9, SimpleMAOscillator: false, SimpleMASignal: false }))
      : null;
  const macd =
    macdRaw && macdRaw.MACD !== undefined && macdRaw.signal !== undefined && macdRaw.histogram !== undefined
      ? { macd: macdRaw.MACD, signal: macdRaw.signal, histogram: macdRaw.histogram }
      : null;
  const atr14 =
    bars.length >= 15 ? last(ATR.calculate({ period: 14, high: bars.map((b) => b.h), low: bars.map((b) => b.l), close: closes })) : null;
  return {
    rsi14: rsiWilder(closes, 14),
    macd,
    ema9: ema(closes, 9),
    ema21: ema(closes, 21),
    ema50: ema(closes, 50),
    ema200: ema(closes, 200),
    sma50: sma(closes, 50),
    sma200: sma(closes, 200),
    atr14,
  };
}
