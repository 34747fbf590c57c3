import type { Bar } from '../../domain/market.js';

/**
 * Pure per-bar fill rules of the sim broker. Each bar is looked at in two phases:
 *
 *  - open phase (known at bar.t): market orders fill at the open; resting orders whose
 *    trigger the open has already gapped through fill at the open. filledAt = bar.t.
 *  - range phase (known at bar.end): resting orders whose trigger the bar's high/low touched
 *    fill at their own price. filledAt = bar.end (the bar does not say when inside it).
 *
 * Prices that take slippage (market fills, stop fills) move against the trader by
 * slippageBps / 1e4 and are rounded to 4 decimals. Limit fills never take slippage: a limit
 * fills at its limit or at a better open.
 *
 * The functions return NaN for "no fill" so the hot loop allocates nothing.
 */

export type FillKind = 'market' | 'limit' | 'stop';
export type Side = 'buy' | 'sell';

/** Rounds a fill price to 4 decimals (strips float noise: 100 * 1.001 -> 100.1). */
export function roundPrice(p: number): number {
  return Math.round(p * 1e4) / 1e4;
}

/** Price moved against the trader by `bps` basis points. */
export function slipped(price: number, side: Side, bps: number): number {
  if (bps === 0) return price;
  return roundPrice(side === 'buy' ? price * (1 + bps / 1e4) : price * (1 - bps / 1e4));
}

/** max(min, qty x perShare) when either is configured, else 0. Rounded to cents. */
export function commissionFor(qty: number, perShare: number, min: number): number {
  if (!(perShare > 0) && !(min > 0)) return 0;
  return Math.round(Math.max(min, qty * perShare) * 100) / 100;
}

/** Whole cents at or above $1, at most 4 decimals below. */
export function isValidTick(price: number): boolean {
  const scale = price >= 1 ? 100 : 10_000;
  const units = price * scale;
  return Math.abs(units - Math.round(units)) < 1e-6;
}

/**
 * Open phase. market: the open (slipped). limit buy: open <= limit -> open. limit sell:
 * open >= limit -> open (gap up, better price). stop sell: open <= stop -> open (gap
 * through, slipped). stop buy: open >= stop -> open (slipped).
 */
export function openFillPrice(kind: FillKind, side: Side, limit: number, stop: number, bar: Bar, bps: number): number {
  const o = bar.o;
  switch (kind) {
    case 'market':
      return slipped(o, side, bps);
    case 'limit':
      return side === 'buy' ? (o <= limit ? o : NaN) : o >= limit ? o : NaN;
    case 'stop':
      return side === 'sell' ? (o <= stop ? slipped(o, side, bps) : NaN) : o >= stop ? slipped(o, side, bps) : NaN;
  }
}

/**
 * Range phase (the open did not trigger). limit buy: low <= limit -> limit. limit sell:
 * high >= limit -> limit. stop sell: low <= stop -> stop (slipped). stop buy: high >= stop ->
 * stop (slipped). Market orders never reach this phase unfilled (NaN).
 */
export function rangeFillPrice(kind: FillKind, side: Side, limit: number, stop: number, bar: Bar, bps: number): number {
  switch (kind) {
    case 'market':
      return NaN;
    case 'limit':
      return side === 'buy' ? (bar.l <= limit ? limit : NaN) : bar.h >= limit ? limit : NaN;
    case 'stop':
      return side === 'sell' ? (bar.l <= stop ? slipped(stop, side, bps) : NaN) : bar.h >= stop ? slipped(stop, side, bps) : NaN;
  }
}

/**
 * Within one bar where neither bracket leg gapped, both legs can be touched (low <= stop and
 * high >= take-profit). The bar does not say which came first: the stop wins (worst case).
 */
export function stopWinsTie(bar: Bar, stop: number): boolean {
  return bar.l <= stop;
}
