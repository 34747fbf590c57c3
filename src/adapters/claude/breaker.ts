/**
 * The per-cycle circuit breaker for API failures.
 *
 * The Brain port has no notion of a cycle, so the breaker is keyed by the snapshot's
 * `as_of`: every symbol of one cycle is snapshotted at the same market time, so they share
 * a key, and the next cycle (a later as_of) starts closed again. The regime call of a
 * cycle carries the same as_of and counts too. After `maxConsecutive` API failures in a
 * row under one key (a success in between resets the count), the breaker opens for that
 * key and callers skip the model for the rest of the cycle. Only the last few keys are kept.
 */
export interface CycleBreaker {
  /** Non-null (the reason) when calls under this key must be skipped. */
  openReason(key: string): string | null;
  recordFailure(key: string): void;
  recordSuccess(key: string): void;
  /** Consecutive failures counted under the key so far. */
  failures(key: string): number;
}

const KEEP_KEYS = 8;

export function createCycleBreaker(maxConsecutive: number): CycleBreaker {
  const counts = new Map<string, number>();
  const touch = (key: string, n: number) => {
    counts.delete(key);
    counts.set(key, n);
    while (counts.size > KEEP_KEYS) {
      const oldest = counts.keys().next().value;
      if (oldest === undefined) break;
      counts.delete(oldest);
    }
  };
  return {
    openReason: (key) => {
      const n = counts.get(key) ?? 0;
      return n >= maxConsecutive ? `breaker_open: ${n} consecutive API failures in this cycle (as_of ${key}, limit ${maxConsecutive}); model skipped` : null;
    },
    recordFailure: (key) => touch(key, (counts.get(key) ?? 0) + 1),
    recordSuccess: (key) => {
      // Once open, a cycle stays open: a late success from a call already in flight does not re-close it.
      if ((counts.get(key) ?? 0) < maxConsecutive) touch(key, 0);
    },
    failures: (key) => counts.get(key) ?? 0,
  };
}
