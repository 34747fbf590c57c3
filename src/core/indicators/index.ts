import type { Bar } from '../../domain/market.js';
import type { IndicatorSet } from '../../domain/snapshot.js';
import * as S from './series.js';

export { WARMUP, sessionVwap, typicalPrice } from './series.js';

/**
 * The snapshot's indicator set, from completed daily bars in time order (the caller has
 * already removed bad bars and anything that closes after as_of). Each value is the last
 * point of its series at full floating-point precision, or null before its warm-up:
 *
 *   RSI 14 (Wilder)            15 bars      MACD 12/26/9 (EMA)       34 bars (signal)
 *   EMA 9/21/50/200            n bars       SMA 50/200               n bars
 *   ATR 14 (Wilder)            14 bars      ADX 14                   28 bars (+DI/-DI at 15)
 *   StochRSI 14/14/3/3         30 (%K), 32 (%D)
 *   OBV                        1 bar        Bollinger 20/2           20 bars
 *   volume ratio 20            21 bars      52-week high/low         252 bars
 *
 * Which parts come from technicalindicators and which are computed here, and why, is in
 * series.ts.
 */

/** Sessions in a year, for the 52-week high/low. */
export const SESSIONS_52W = 252;

const last = <T>(xs: readonly (T | null)[]): T | null => (xs.length > 0 ? (xs[xs.length - 1] ?? null) : null);

export function computeIndicators(bars: readonly Bar[]): IndicatorSet {
  const closes = bars.map((b) => b.c);
  const volumes = bars.map((b) => b.v);
  const n = bars.length;
  const adx = last(S.adx(bars, 14));
  const stoch = last(S.stochRsi(closes, 14, 14, 3, 3));
  const bb = last(S.bollinger(closes, 20, 2));
  let high52: number | null = null;
  let low52: number | null = null;
  if (n >= SESSIONS_52W) {
    high52 = -Infinity;
    low52 = Infinity;
    for (let i = n - SESSIONS_52W; i < n; i++) {
      const b = bars[i]!;
      if (b.h > high52) high52 = b.h;
      if (b.l < low52) low52 = b.l;
    }
  }
  let avgVol: number | null = null;
  if (n >= 20) {
    let s = 0;
    for (let i = n - 20; i < n; i++) s += volumes[i]!;
    avgVol = s / 20;
  }
  return {
    rsi14: last(S.rsi(closes, 14)),
    macd: last(S.macd(closes, 12, 26, 9)),
    ema9: last(S.ema(closes, 9)),
    ema21: last(S.ema(closes, 21)),
    ema50: last(S.ema(closes, 50)),
    ema200: last(S.ema(closes, 200)),
    sma50: last(S.sma(closes, 50)),
    sma200: last(S.sma(closes, 200)),
    atr14: last(S.atr(bars, 14)),
    adx14: adx,
    stoch_rsi: stoch,
    obv: last(S.obv(bars)),
    bollinger: bb,
    volume_ratio_20d: S.volumeRatio(volumes, 20),
    avg_volume_20d: avgVol,
    high_52w: high52,
    low_52w: low52,
  };
}
