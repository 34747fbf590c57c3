import type { Timers } from '../../ports/clock.js';

/** A clock the driver can move forward (the simulator's clock). */
export interface SettableClock {
  now(): number;
  set(t: number): void;
}

export interface VirtualTimers extends Timers {
  /** When the earliest pending timer is due, or null when none is pending. */
  nextAt(): number | null;
  pending(): number;
  /** Moves the clock to the earliest pending timer (never backwards) and calls it. False when none is pending. */
  fireNext(): boolean;
  /**
   * Accelerated time: fires timers in time order up to and including `until`, awaiting
   * `settle()` after each (so whatever a timer started finishes before time moves on), then
   * leaves the clock at `until`. Returns how many timers fired.
   */
  runUntil(until: number, settle: () => Promise<void>): Promise<number>;
}

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * Timers on a simulated clock. Nothing fires by itself: the driver (the demo, a test) moves
 * time with fireNext/runUntil. Timers due at the same instant fire in the order they were set.
 */
export function createVirtualTimers(clock: SettableClock): VirtualTimers {
  let entries: Entry[] = [];
  let seq = 0;
  const earliest = (): Entry | undefined => {
    let best: Entry | undefined;
    for (const e of entries) if (!best || e.at < best.at || (e.at === best.at && e.seq < best.seq)) best = e;
    return best;
  };
  const fireNext = (): boolean => {
    const e = earliest();
    if (!e) return false;
    entries = entries.filter((x) => x !== e);
    if (e.at > clock.now()) clock.set(e.at);
    e.fn();
    return true;
  };
  return {
    at(at: number, fn: () => void) {
      const e = { at, seq: seq++, fn };
      entries.push(e);
      return () => {
        entries = entries.filter((x) => x !== e);
      };
    },
    nextAt: () => earliest()?.at ?? null,
    pending: () => entries.length,
    fireNext,
    async runUntil(until: number, settle: () => Promise<void>) {
      let n = 0;
      await settle();
      for (let e = earliest(); e && e.at <= until; e = earliest()) {
        fireNext();
        n++;
        await settle();
      }
      if (until > clock.now()) clock.set(until);
      return n;
    },
  };
}
