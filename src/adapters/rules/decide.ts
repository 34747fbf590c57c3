import type { Decision } from '../../domain/decision.js';
import { holdDecision } from '../../domain/decision.js';
import type { Snapshot } from '../../domain/snapshot.js';

export const RULES_PROMPT_VERSION = 'rules-1';

const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Deterministic trend/momentum decision in the same schema the Claude brain uses.
 * BUY: price above EMA50, EMA9 above EMA21, MACD histogram positive, RSI 50..70, regime not
 * strongly bearish (unless the symbol is one of the regime's bearish tickers).
 * SELL (held only): EMA9 below EMA21 with a negative MACD histogram, or RSI above 78.
 * Stops and targets: 2 and 3 ATR from the price.
 */
export function rulesDecide(s: Snapshot): { decision: Decision; trace: Record<string, unknown> } {
  const i = s.indicators;
  const px = s.price;
  const trace: Record<string, unknown> = { price: px, rsi14: i.rsi14, ema9: i.ema9, ema21: i.ema21, ema50: i.ema50, macd_hist: i.macd?.histogram ?? null };
  if (s.data_quality.missing_critical.length > 0 || px === null) {
    return { decision: holdDecision(s.symbol, 'data_quality', `HOLD: missing critical data (${s.data_quality.missing_critical.join(', ')})`), trace };
  }
  if (i.ema9 === null || i.ema21 === null || i.ema50 === null || i.rsi14 === null || i.macd === null || i.atr14 === null) {
    return { decision: holdDecision(s.symbol, 'warmup', 'HOLD: indicators not warmed up'), trace };
  }
  const held = s.position !== null && s.position.qty > 0;
  const hist = i.macd.histogram;
  const regime = s.market_regime;
  const isHedge = regime.bearish_tickers.includes(s.symbol);
  const evidence = [
    `price ${r2(px)} vs EMA50 ${r2(i.ema50)}`,
    `EMA9 ${r2(i.ema9)} vs EMA21 ${r2(i.ema21)}`,
    `MACD hist ${hist.toFixed(3)}`,
    `RSI14 ${i.rsi14.toFixed(1)}`,
    `regime ${regime.direction} (${regime.conviction.toFixed(2)})`,
  ];

  if (held) {
    const trendBroken = i.ema9 < i.ema21 && hist < 0;
    const overbought = i.rsi14 > 78;
    if (trendBroken || overbought) {
      const why = trendBroken ? 'trend broke: EMA9 crossed below EMA21 with negative MACD histogram' : `RSI ${i.rsi14.toFixed(1)} overbought`;
      return {
        decision: { action: 'SELL', symbol: s.symbol, strategy: trendBroken ? 'trend_exit' : 'overbought_exit', confidence: trendBroken ? 0.7 : 0.6, size_pct: 0, stop_loss: null, take_profit: null, rationale: `SELL: ${why}`, evidence },
        trace,
      };
    }
    return { decision: { ...holdDecision(s.symbol, 'hold_position', 'HOLD: position intact, trend still up'), evidence }, trace };
  }

  const bearishBlock = regime.direction === 'bearish' && regime.conviction >= 0.5 && !isHedge;
  const checks = {
    above_ema50: px > i.ema50,
    ema_stack: i.ema9 > i.ema21,
    macd_positive: hist > 0,
    rsi_band: i.rsi14 >= 50 && i.rsi14 <= 70,
    regime_ok: !bearishBlock,
  };
  trace.checks = checks;
  const passed = Object.values(checks).filter(Boolean).length;
  if (passed === 5) {
    // Confidence grows with trend strength: distance above EMA50 in ATRs, capped.
    const strength = Math.min(1, Math.max(0, (px - i.ema50) / (3 * i.atr14)));
    const confidence = Math.round((0.55 + 0.35 * strength) * 100) / 100;
    const sizePct = regime.direction === 'bullish' ? 0.08 : 0.05;
    return {
      decision: {
        action: 'BUY',
        symbol: s.symbol,
        strategy: isHedge ? 'bearish_hedge' : 'trend_momentum',
        confidence,
        size_pct: sizePct,
        stop_loss: r2(px - 2 * i.atr14),
        take_profit: r2(px + 3 * i.atr14),
        rationale: `BUY: uptrend (price over EMA50, EMA9 over EMA21), positive MACD histogram, RSI ${i.rsi14.toFixed(1)} in 50-70`,
        evidence,
      },
      trace,
    };
  }
  const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([k]) => k);
  return { decision: { ...holdDecision(s.symbol, 'no_setup', `HOLD: no setup (${failed.join(', ')} failed)`), evidence }, trace };
}
