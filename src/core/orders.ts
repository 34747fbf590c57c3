import type { Decision } from '../domain/decision.js';

/** Valid tick for a price: whole cents at or above $1, 4 decimals below. */
export function tickSize(price: number): number {
  return price >= 1 ? 0.01 : 0.0001;
}

/** Rounds to the nearest valid tick (and strips float noise: 10.1 stays 10.1, not 10.100000000000001). */
export function roundToTick(price: number, direction: 'nearest' | 'down' | 'up' = 'nearest'): number {
  const tick = tickSize(price);
  const decimals = tick === 0.01 ? 2 : 4;
  const units = price / tick;
  const r = direction === 'down' ? Math.floor(units + 1e-9) : direction === 'up' ? Math.ceil(units - 1e-9) : Math.round(units);
  return Number((r * tick).toFixed(decimals));
}

/** Whole shares for a fraction of equity at a price; 0 when it does not buy one share. */
export function buyQuantity(sizePct: number, equity: number, price: number): number {
  if (!(sizePct > 0) || !(equity > 0) || !(price > 0)) return 0;
  return Math.max(0, Math.floor((sizePct * equity) / price + 1e-9));
}

export interface BracketSettings {
  readonly atrStopMult: number;
  readonly atrTpMult: number;
}

export type BracketPrices =
  | { readonly ok: true; readonly stopLoss: number; readonly takeProfit: number; readonly source: { readonly stop: 'decision' | 'atr'; readonly tp: 'decision' | 'atr' } }
  | { readonly ok: false; readonly reason: string };

/**
 * Stop and take-profit for a BUY at reference price `ref`. The decision's own levels are
 * used when they are on the right side of the entry; otherwise ATR multiples. Then: stop
 * rounded down and take-profit rounded up to valid ticks, each at least one tick from the
 * entry, stop strictly positive.
 */
export function bracketPrices(ref: number, atr: number | null, d: Pick<Decision, 'stop_loss' | 'take_profit'>, s: BracketSettings): BracketPrices {
  if (!(ref > 0) || !Number.isFinite(ref)) return { ok: false, reason: `reference price ${ref} is not positive` };
  const tick = tickSize(ref);
  const validAtr = atr !== null && Number.isFinite(atr) && atr > 0 ? atr : null;
  let stop: number | null = null;
  let stopSrc: 'decision' | 'atr' = 'decision';
  if (d.stop_loss !== null && Number.isFinite(d.stop_loss) && d.stop_loss > 0 && d.stop_loss < ref) stop = d.stop_loss;
  else if (validAtr !== null) {
    stop = ref - s.atrStopMult * validAtr;
    stopSrc = 'atr';
  }
  let tp: number | null = null;
  let tpSrc: 'decision' | 'atr' = 'decision';
  if (d.take_profit !== null && Number.isFinite(d.take_profit) && d.take_profit > ref) tp = d.take_profit;
  else if (validAtr !== null) {
    tp = ref + s.atrTpMult * validAtr;
    tpSrc = 'atr';
  }
  if (stop === null || tp === null) return { ok: false, reason: 'no valid stop/take-profit: decision levels unusable and ATR unavailable' };
  const roundedRef = roundToTick(ref);
  stop = Math.min(roundToTick(Math.max(stop, tick), 'down'), roundToTick(roundedRef - tick, 'down'));
  tp = Math.max(roundToTick(tp, 'up'), roundToTick(roundedRef + tick, 'up'));
  if (!(stop > 0)) return { ok: false, reason: `stop ${stop} would not be positive` };
  return { ok: true, stopLoss: stop, takeProfit: tp, source: { stop: stopSrc, tp: tpSrc } };
}

/**
 * Deterministic client order id from (cycle, symbol, intent): the same cycle re-run asks
 * the broker about the same id and can never place a second order. Alpaca allows 128 chars.
 */
export function clientOrderId(cycleId: string, symbol: string, intent: string): string {
  return `lt-${cycleId}-${symbol}-${intent}`.slice(0, 128);
}
