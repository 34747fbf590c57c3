/** A fill as the metrics see it. */
export interface Fill {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  readonly at: string;
  readonly commission: number;
}

export interface RoundTrip {
  readonly symbol: string;
  readonly qty: number;
  readonly entry: number;
  readonly exit: number;
  readonly pnl: number;
  readonly closedAt: string;
}

/** Matches sells against earlier buys FIFO per symbol. Fills must be in time order. */
export function roundTrips(fills: readonly Fill[]): RoundTrip[] {
  const lots = new Map<string, { qty: number; price: number; fee: number }[]>();
  const out: RoundTrip[] = [];
  for (const f of fills) {
    const q = lots.get(f.symbol) ?? [];
    lots.set(f.symbol, q);
    if (f.side === 'buy') {
      q.push({ qty: f.qty, price: f.price, fee: f.commission / f.qty });
      continue;
    }
    let left = f.qty;
    const sellFee = f.commission / f.qty;
    while (left > 0 && q.length > 0) {
      const lot = q[0]!;
      const n = Math.min(left, lot.qty);
      out.push({ symbol: f.symbol, qty: n, entry: lot.price, exit: f.price, pnl: n * (f.price - lot.price) - n * (lot.fee + sellFee), closedAt: f.at });
      lot.qty -= n;
      left -= n;
      if (lot.qty === 0) q.shift();
    }
  }
  return out;
}

export function winRate(trips: readonly RoundTrip[]): number | null {
  if (trips.length === 0) return null;
  return trips.filter((t) => t.pnl > 0).length / trips.length;
}
