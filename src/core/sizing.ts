import { buyQuantity } from './orders.js';

/**
 * BUY sizing under every notional cap. Pure. The requested fraction of equity becomes a
 * dollar notional that each cap may only lower, in a fixed order; every cap that lowered it
 * is reported (rule id, tier, before/after) so the risk layer can journal it. The quantity is
 * what the execute step will compute from the returned size_pct (whole shares, floor), so the
 * order that leaves never exceeds any cap at the reference price.
 */

export interface SizingInput {
  readonly equity: number;
  /** Cash at the start of the cycle. */
  readonly cash: number;
  /** Reference price (the snapshot's). */
  readonly price: number;
  /** The model's size_pct. */
  readonly requestedPct: number;
  /** Market value of the position already held in this symbol (0 when none). */
  readonly positionValue: number;
  /** ATR(14) / price, or null when unknown. */
  readonly atrPct: number | null;
  readonly bearish: boolean;
  /** This symbol's sector, null when unknown. */
  readonly sector: string | null;
  /** Dollars already held in that sector (for an unknown sector: this symbol's own position). */
  readonly sectorNotional: number;
  /** BUY notional already approved earlier in this cycle: that cash is spoken for. */
  readonly notionalApproved: number;
}

export interface SizingLimits {
  readonly maxSizePct: number;
  readonly maxNotional: number;
  readonly minCashReservePct: number;
  readonly maxOrderPctOfCash: number;
  readonly volAtrPctHigh: number;
  readonly volSizeFactor: number;
  readonly maxPositionPct: number;
  readonly maxSectorPct: number;
  readonly maxUnknownSectorPct: number;
}

export interface SizingStep {
  readonly rule: string;
  readonly tier: 1 | 2;
  readonly from: number;
  readonly to: number;
  readonly detail: string;
}

export interface SizingResult {
  /** The notional the order may use (dollars, >= 0). */
  readonly notional: number;
  /** size_pct to put on the final decision: the requested one when no cap bound. */
  readonly sizePct: number;
  /** Whole shares the execute step will buy for sizePct. */
  readonly qty: number;
  readonly steps: readonly SizingStep[];
}

const fin = (x: number) => (Number.isFinite(x) ? x : 0);
const usd = (x: number) => `$${x.toFixed(2)}`;
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

export function sizeBuy(i: SizingInput, l: SizingLimits): SizingResult {
  const equity = fin(i.equity);
  const price = fin(i.price);
  const requested = Math.max(0, fin(i.requestedPct));
  if (!(equity > 0) || !(price > 0)) return { notional: 0, sizePct: 0, qty: 0, steps: [] };
  const steps: SizingStep[] = [];
  let n = requested * equity;
  const cap = (rule: string, tier: 1 | 2, limit: number, why: (to: number) => string) => {
    const to = Math.max(0, fin(limit));
    if (n > to) {
      steps.push({ rule, tier, from: n, to, detail: why(to) });
      n = to;
    }
  };

  cap('size_clamp', 2, l.maxSizePct * equity, () => `size_pct ${requested} clamped to ${l.maxSizePct}`);
  const highVol = i.atrPct !== null && Number.isFinite(i.atrPct) && i.atrPct >= l.volAtrPctHigh;
  if ((highVol || i.bearish) && l.volSizeFactor < 1) {
    const why = [highVol ? `ATR ${pct(i.atrPct!)} of price >= ${pct(l.volAtrPctHigh)}` : '', i.bearish ? 'regime bearish' : ''].filter(Boolean).join(' and ');
    cap('volatility_scaling', 2, n * Math.max(0, l.volSizeFactor), (to) => `${why}: size x ${l.volSizeFactor} (${usd(to)})`);
  }
  const held = Math.max(0, fin(i.positionValue));
  if (held > 0) {
    cap('add_to_position', 2, l.maxPositionPct * equity - held, (to) => `adding to a ${usd(held)} position: total capped at ${pct(l.maxPositionPct)} of equity (${usd(to)} left)`);
  }
  const sectorCap = i.sector === null ? l.maxUnknownSectorPct : l.maxSectorPct;
  const inSector = Math.max(0, fin(i.sectorNotional));
  cap('sector_cap', 2, sectorCap * equity - inSector, (to) =>
    i.sector === null
      ? `sector unknown: this symbol is capped at ${pct(sectorCap)} of equity (${usd(inSector)} held, ${usd(to)} left)`
      : `sector ${i.sector} at ${usd(inSector)}: capped at ${pct(sectorCap)} of equity (${usd(to)} left)`,
  );
  cap('size_clamp', 2, l.maxNotional, () => `notional capped at RISK_MAX_NOTIONAL ${usd(l.maxNotional)}`);
  const available = Math.max(0, fin(i.cash) - Math.max(0, fin(i.notionalApproved)));
  cap('size_clamp', 2, available - l.minCashReservePct * equity, (to) => `cash reserve ${pct(l.minCashReservePct)} of equity kept: ${usd(to)} of ${usd(available)} cash usable`);
  // Tier 1, last: whatever the policy allowed, one order never exceeds this share of the cash.
  cap('fat_finger_cap', 1, l.maxOrderPctOfCash * available, (to) => `order notional capped at ${pct(l.maxOrderPctOfCash)} of ${usd(available)} cash (${usd(to)})`);

  if (steps.length === 0) return { notional: n, sizePct: requested, qty: buyQuantity(requested, equity, price), steps };
  // A cap bound: size_pct becomes exactly the whole-share notional, so execute buys that quantity.
  const qty = Math.max(0, Math.floor(n / price));
  const sizePct = (qty * price) / equity;
  return { notional: n, sizePct, qty: qty > 0 ? buyQuantity(sizePct, equity, price) : 0, steps };
}
