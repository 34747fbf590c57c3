/**
 * FIFO round trips (pure): each sell is matched against the earliest open buys of its symbol.
 * The one matcher behind the backtest report, the weekly review, the scoreboard and the demo;
 * each maps the trips to its own shape and rounding.
 * - Fills are taken in the order given: callers sort by time (ties in their own order).
 * - Fills with a quantity that is not a positive finite number, or a non-finite price, are skipped.
 * - Commissions are spread per share. A trip carries its shares' part of both sides'
 *   commissions (`fees`), and its P&L is net of them: qty x (exit - entry) - fees.
 * - Quantities may be fractional: a remainder below 1e-9 share counts as none.
 * - Sold shares with no open buy to match (a position opened before the first fill given) are
 *   counted per symbol in `unmatched`.
 */

export interface FifoFill {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  readonly commission: number;
}

/** A fill as the journal's orders table records it (`at`: the fill time as stored). */
export interface Fill extends FifoFill {
  readonly at: string;
}

export interface MatchedTrip<F extends FifoFill> {
  readonly symbol: string;
  readonly qty: number;
  /** The buy that opened these shares. */
  readonly entry: F;
  /** The sell that closed them. */
  readonly exit: F;
  readonly fees: number;
  readonly pnl: number;
}

export interface OpenLot<F extends FifoFill> {
  readonly entry: F;
  /** Shares of the buy still open. */
  readonly qty: number;
  readonly feePerShare: number;
}

export interface FifoResult<F extends FifoFill> {
  readonly trips: readonly MatchedTrip<F>[];
  /** Open lots per symbol, oldest first; symbols with none are absent. */
  readonly open: ReadonlyMap<string, readonly OpenLot<F>[]>;
  readonly unmatched: ReadonlyMap<string, number>;
}

const EPS = 1e-9;

export function matchFifo<F extends FifoFill>(fills: readonly F[]): FifoResult<F> {
  const open = new Map<string, { entry: F; qty: number; feePerShare: number }[]>();
  const unmatched = new Map<string, number>();
  const trips: MatchedTrip<F>[] = [];
  for (const f of fills) {
    if (!(f.qty > 0) || !Number.isFinite(f.qty) || !Number.isFinite(f.price)) continue;
    let lots = open.get(f.symbol);
    if (!lots) open.set(f.symbol, (lots = []));
    const feePerShare = f.commission / f.qty;
    if (f.side === 'buy') {
      lots.push({ entry: f, qty: f.qty, feePerShare });
      continue;
    }
    let left = f.qty;
    while (left > EPS && lots.length > 0) {
      const lot = lots[0]!;
      const n = Math.min(left, lot.qty);
      const fees = n * (lot.feePerShare + feePerShare);
      trips.push({ symbol: f.symbol, qty: n, entry: lot.entry, exit: f, fees, pnl: n * (f.price - lot.entry.price) - fees });
      lot.qty -= n;
      left -= n;
      if (lot.qty <= EPS) lots.shift();
    }
    if (left > EPS) unmatched.set(f.symbol, (unmatched.get(f.symbol) ?? 0) + left);
  }
  for (const [s, lots] of open) if (lots.length === 0) open.delete(s);
  return { trips, open, unmatched };
}

/** Winners / trips; null without trips. */
export function winRate(trips: readonly { readonly pnl: number }[]): number | null {
  if (trips.length === 0) return null;
  return trips.filter((t) => t.pnl > 0).length / trips.length;
}
