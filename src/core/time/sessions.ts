import type { Session } from '../../domain/market.js';

/** The session open at instant t, or null. */
export function sessionAt(sessions: readonly Session[], t: number): Session | null {
  for (const s of sessions) if (t >= s.open && t < s.close) return s;
  return null;
}

/** The first session that has not closed yet at instant t (the current one if open). */
export function currentOrNextSession(sessions: readonly Session[], t: number): Session | null {
  for (const s of sessions) if (t < s.close) return s;
  return null;
}

/** The last session that closed at or before t. */
export function lastClosedSession(sessions: readonly Session[], t: number): Session | null {
  let last: Session | null = null;
  for (const s of sessions) {
    if (s.close <= t) last = s;
    else break;
  }
  return last;
}
