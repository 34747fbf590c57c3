import type { Clock, Timers } from '../../ports/clock.js';

/** Longest single setTimeout: re-checking the clock every minute absorbs suspend/resume and clock steps. */
const MAX_CHUNK_MS = 60_000;

/**
 * Real timers against a clock (the system clock in production). A timer fires once
 * `clock.now() >= at`; long waits are split into one-minute chunks so a suspended machine or
 * a stepped clock is noticed within a minute instead of drifting.
 */
export function createSystemTimers(clock: Clock): Timers {
  return {
    at(at: number, fn: () => void) {
      let handle: NodeJS.Timeout | undefined;
      let cancelled = false;
      const arm = () => {
        const delay = Math.max(0, Math.min(MAX_CHUNK_MS, at - clock.now()));
        handle = setTimeout(() => {
          if (cancelled) return;
          if (clock.now() >= at) fn();
          else arm();
        }, delay);
      };
      arm();
      return () => {
        cancelled = true;
        if (handle) clearTimeout(handle);
      };
    },
  };
}
