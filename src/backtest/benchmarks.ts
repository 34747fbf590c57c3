import type { Session } from '../domain/market.js';
import { commissionFor, slipped } from '../adapters/sim/fill-model.js';
import type { PriceFeed } from '../adapters/sim/feed.js';
import type { BacktestFill, EquityPoint } from './metrics.js';

/**
 * Buy-and-hold benchmarks under the same fill model as the strategy. Timing mirrors a strategy
 * that decides after the first session's close: a market buy fills at the SECOND session's open
 * (slipped against the buyer by slippageBps, commission per share with the minimum). Each symbol
 * gets weight x starting cash; it buys the whole shares that fit with the commission, keeps the
 * rest as cash, never rebalances, never sells. Equity is marked at every session close with the
 * last close at or before it (a symbol without a bar that day keeps its previous close). Symbols
 * without a bar at the entry session are left out and listed in `excluded`.
 */

export interface FillModel {
  readonly slippageBps: number;
  readonly commissionPerShare: number;
  readonly commissionMin: number;
}

export interface HoldingResult {
  readonly name: string;
  readonly symbols: readonly string[];
  readonly excluded: readonly string[];
  readonly curve: readonly EquityPoint[];
  readonly fills: readonly BacktestFill[];
}

const cents = (x: number) => Math.round(x * 100) / 100;

/** Largest whole quantity whose cost (price x qty + commission) fits in `budget`. */
export function affordableQty(budget: number, price: number, fm: FillModel): number {
  let q = Math.floor(budget / price + 1e-9);
  while (q > 0 && q * price + commissionFor(q, fm.commissionPerShare, fm.commissionMin) > budget + 1e-9) q--;
  return q;
}

export function buyAndHold(x: {
  readonly name: string;
  readonly feed: PriceFeed;
  readonly symbols: readonly string[];
  readonly sessions: readonly Session[];
  readonly startingCash: number;
  readonly start: EquityPoint;
  readonly fillModel: FillModel;
}): HoldingResult {
  const { feed, sessions, fillModel: fm } = x;
  const curve: EquityPoint[] = [x.start];
  const fills: BacktestFill[] = [];
  const entry = sessions[1];
  const held = new Map<string, number>();
  const excluded: string[] = [];
  let cash = x.startingCash;
  const priced = x.symbols.filter((s) => feed.has(s));
  if (entry) {
    const inSession = priced.filter((s) => {
      const b = feed.dailyBars(s, entry.open, entry.close)[0];
      return b !== undefined && b.t === entry.open;
    });
    for (const s of x.symbols) if (!inSession.includes(s)) excluded.push(s);
    const budget = inSession.length > 0 ? x.startingCash / inSession.length : 0;
    for (const s of inSession) {
      const bar = feed.dailyBars(s, entry.open, entry.close)[0]!;
      const px = slipped(bar.o, 'buy', fm.slippageBps);
      const qty = affordableQty(budget, px, fm);
      if (qty <= 0) {
        excluded.push(s);
        continue;
      }
      const comm = commissionFor(qty, fm.commissionPerShare, fm.commissionMin);
      cash -= qty * px + comm;
      held.set(s, qty);
      fills.push({ orderId: `bh-${s}`, symbol: s, side: 'buy', qty, price: px, at: entry.open, commission: comm, kind: 'entry' });
    }
  } else {
    excluded.push(...x.symbols);
  }
  const lastClose = new Map<string, number>();
  for (const s of sessions) {
    if (!entry || s.open < entry.open) {
      curve.push({ date: s.date, t: s.close, equity: cents(x.startingCash), cash: cents(x.startingCash), positionsValue: 0 });
      continue;
    }
    let value = 0;
    for (const [sym, qty] of held) {
      const b = feed.dailyBars(sym, s.open, s.close)[0];
      if (b) lastClose.set(sym, b.c);
      value += qty * (lastClose.get(sym) ?? 0);
    }
    curve.push({ date: s.date, t: s.close, equity: cents(cash + value), cash: cents(cash), positionsValue: cents(value) });
  }
  return { name: x.name, symbols: [...held.keys()], excluded, curve, fills };
}
