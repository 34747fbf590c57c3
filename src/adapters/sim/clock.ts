import type { Clock } from '../../ports/clock.js';

export interface SimClock extends Clock {
  /** Moves time forward; moving backwards is an error (fills already happened). */
  set(t: number): void;
}

export function createSimClock(start: number): SimClock {
  let now = start;
  return {
    now: () => now,
    set(t: number) {
      if (!Number.isFinite(t)) throw new RangeError('sim clock: time must be finite');
      if (t < now) throw new RangeError(`sim clock cannot go back from ${new Date(now).toISOString()} to ${new Date(t).toISOString()}`);
      now = t;
    },
  };
}

export function createSystemClock(): Clock {
  return { now: () => Date.now() };
}
