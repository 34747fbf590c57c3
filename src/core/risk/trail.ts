import type { TrailState } from '../../ports/journal.js';
import { nyDate, nyIso } from '../time/ny.js';
import type { TrailSettings } from './policy.js';

/**
 * Trail giveback: per symbol, the peak unrealized P&L observed while the position is held
 * (persisted in position_trail_state). Once the peak reached TRAIL_ACTIVATION_PCT of the cost
 * basis the trail is armed (sticky); the position is exited when the giveback from the peak,
 * (peak - now) / peak, reaches TRAIL_GIVEBACK_PCT. The peak carries across sessions unless
 * TRAIL_RESET_DAILY. A new basis (quantity or average price changed) starts a fresh trail.
 * An exit is signalled at most once per trail: exitClientOrderId marks it sent.
 */

export interface TrailObservation {
  readonly symbol: string;
  readonly qty: number;
  readonly avgEntryPrice: number;
  readonly unrealizedPl: number;
}

export interface TrailStep {
  readonly next: TrailState;
  /** (peak - now) / peak when the peak is positive, else null. */
  readonly giveback: number | null;
  /** Set when this observation triggers the exit: the automation rationale. */
  readonly exit: string | null;
  /** Why the trail was (re)started, when it was. */
  readonly reset: 'new' | 'basis_changed' | 'new_session' | null;
}

const usd = (x: number) => `${x < 0 ? '-' : ''}$${Math.abs(x).toFixed(2)}`;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function advanceTrail(prev: TrailState | null, o: TrailObservation, asOf: number, s: TrailSettings): TrailStep {
  const today = nyDate(asOf);
  const upl = Number.isFinite(o.unrealizedPl) ? o.unrealizedPl : 0;
  const sameBasis = prev !== null && prev.qty === o.qty && Math.abs(prev.avgEntryPrice - o.avgEntryPrice) < 1e-6;
  let reset: TrailStep['reset'] = null;
  let st: TrailState;
  if (prev === null || !sameBasis) {
    reset = prev === null ? 'new' : 'basis_changed';
    st = { symbol: o.symbol, qty: o.qty, avgEntryPrice: o.avgEntryPrice, peakUnrealizedPl: upl, peakAt: asOf, activated: false, openedAt: asOf, sessionDate: today, exitClientOrderId: null, updatedAt: asOf };
  } else if (s.resetDaily && prev.sessionDate !== today) {
    reset = 'new_session';
    st = { ...prev, peakUnrealizedPl: upl, peakAt: asOf, activated: false, sessionDate: today, updatedAt: asOf };
  } else {
    st = { ...prev, sessionDate: today, updatedAt: asOf };
  }
  if (upl > st.peakUnrealizedPl) st = { ...st, peakUnrealizedPl: upl, peakAt: asOf };
  const cost = Math.abs(o.qty * o.avgEntryPrice);
  if (!st.activated && st.peakUnrealizedPl > 0 && cost > 0 && st.peakUnrealizedPl >= s.activationPct * cost) st = { ...st, activated: true };
  const giveback = st.peakUnrealizedPl > 0 ? (st.peakUnrealizedPl - upl) / st.peakUnrealizedPl : null;
  let exit: string | null = null;
  if (st.activated && st.exitClientOrderId === null && giveback !== null && giveback >= s.givebackPct) {
    exit =
      `automation: trail giveback exit. Peak unrealized P&L ${usd(st.peakUnrealizedPl)} (${pct(st.peakUnrealizedPl / cost)} of cost) at ${nyIso(st.peakAt)}; ` +
      `now ${usd(upl)}: gave back ${pct(giveback)} >= TRAIL_GIVEBACK_PCT ${pct(s.givebackPct)} (armed at ${pct(s.activationPct)} of cost).`;
  }
  return { next: st, giveback, exit, reset };
}
