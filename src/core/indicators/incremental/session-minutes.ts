import type { Bar } from '../../../domain/market.js';
import { validBar } from '../../data-quality.js';

/** What the snapshot takes from the current session's minute bars. */
export interface SessionMinutes {
  /** Bad minute bars of the session so far (left out of VWAP and volume). */
  readonly invalid: number;
  /** Volume-weighted typical price (h + l + c) / 3 of the good bars; null without volume. */
  readonly vwap: number | null;
  /** Sum of the good bars' volume; null before the first good bar. */
  readonly volume: number | null;
}

/**
 * Session VWAP and volume advanced one minute bar at a time, reset every session (a new state
 * per session). `add` takes the session's bars in time order, only bars that started at or after
 * the open and closed by as_of (the caller filters, as auditMinuteBars does); bad bars are
 * counted and left out. Sums run in bar order, so a fold over a session's bars gives the same
 * doubles as sessionVwap over the same good bars.
 */
export interface SessionMinutesState {
  add(b: Bar): void;
  read(): SessionMinutes;
}

export function createSessionMinutes(): SessionMinutesState {
  let invalid = 0;
  let good = 0;
  let pv = 0;
  let v = 0;
  return {
    add(b) {
      if (!validBar(b)) {
        invalid++;
        return;
      }
      good++;
      pv += ((b.h + b.l + b.c) / 3) * b.v;
      v += b.v;
    },
    read: () => ({ invalid, vwap: v > 0 ? pv / v : null, volume: good > 0 ? v : null }),
  };
}

/** The session's minute summary from all its bars at once: the state folded over those in session and closed by as_of. */
export function summarizeSessionMinutes(bars: readonly Bar[], asOf: number, sessionOpen: number): SessionMinutes {
  const st = createSessionMinutes();
  for (const b of bars) if (b.t >= sessionOpen && b.end <= asOf) st.add(b);
  return st.read();
}
