import type { Bar } from '../../../domain/market.js';
import type { IndicatorSet } from '../../../domain/snapshot.js';
import { createEma, createSma } from './averages.js';
import { createBollinger, createObv, createRangeWindow, createVolumeWindow } from './bands.js';
import { createMacd, createRsi, createStochRsi } from './momentum.js';
import { createAdx, createAtr } from './range.js';

/** Sessions in a year, for the 52-week high/low. */
export const SESSIONS_52W = 252;

/**
 * Every snapshot indicator of one symbol, advanced one completed daily bar at a time: O(1) work
 * per bar for the recursive ones (EMA, Wilder RSI/ATR/ADX, MACD, OBV, StochRSI's inputs) and
 * fixed windows read when asked (SMA 50/200, Bollinger 20, volume 20, 52-week high/low), so a
 * cycle that brings one new bar costs one `advance` and one `read`, whatever the history.
 *
 * The batch `computeIndicators(bars)` is this state folded over the bars: one implementation.
 *
 *   RSI 14 (Wilder)            15 bars      MACD 12/26/9 (EMA)       34 bars (signal)
 *   EMA 9/21/50/200            n bars       SMA 50/200               n bars
 *   ATR 14 (Wilder)            14 bars      ADX 14                   28 bars (+DI/-DI at 15)
 *   StochRSI 14/14/3/3         30 (%K), 32 (%D)
 *   OBV                        1 bar        Bollinger 20/2           20 bars
 *   volume ratio 20            21 bars      52-week high/low         252 bars
 *
 * Values are null before their warm-up, never a made-up number. The caller feeds bars in time
 * order and only clean, completed ones (see auditDailyBars); the state does not check.
 */
export interface IndicatorState {
  /** Bars folded in so far. */
  readonly count: number;
  advance(bar: Bar): void;
  /** The indicator set after the bars folded in so far (a fresh object each call). */
  read(): IndicatorSet;
}

export function createIndicatorState(): IndicatorState {
  const rsi = createRsi(14);
  const macd = createMacd(12, 26, 9);
  const ema9 = createEma(9);
  const ema21 = createEma(21);
  const ema50 = createEma(50);
  const ema200 = createEma(200);
  const sma50 = createSma(50);
  const sma200 = createSma(200);
  const atr = createAtr(14);
  const adx = createAdx(14);
  const stoch = createStochRsi(14, 14, 3, 3);
  const obv = createObv();
  const bb = createBollinger(20, 2);
  const volume = createVolumeWindow(20);
  const range52 = createRangeWindow(SESSIONS_52W);
  let count = 0;
  return {
    get count() {
      return count;
    },
    advance(b) {
      const c = b.c;
      rsi.push(c);
      macd.push(c);
      ema9.push(c);
      ema21.push(c);
      ema50.push(c);
      ema200.push(c);
      sma50.push(c);
      sma200.push(c);
      atr.pushBar(b);
      adx.pushBar(b);
      stoch.push(c);
      obv.pushBar(b);
      bb.push(c);
      volume.push(b.v);
      range52.push(b.h, b.l);
      count++;
    },
    read: () => ({
      rsi14: rsi.value(),
      macd: macd.value(),
      ema9: ema9.value(),
      ema21: ema21.value(),
      ema50: ema50.value(),
      ema200: ema200.value(),
      sma50: sma50.value(),
      sma200: sma200.value(),
      atr14: atr.value(),
      adx14: adx.value(),
      stoch_rsi: stoch.value(),
      obv: obv.value(),
      bollinger: bb.value(),
      volume_ratio_20d: volume.ratio(),
      avg_volume_20d: volume.mean(),
      high_52w: range52.high(),
      low_52w: range52.low(),
    }),
  };
}

/** The indicator set of completed daily bars in time order: the incremental state folded over them. */
export function foldIndicators(bars: readonly Bar[], state: IndicatorState = createIndicatorState()): IndicatorSet {
  for (const b of bars) state.advance(b);
  return state.read();
}
