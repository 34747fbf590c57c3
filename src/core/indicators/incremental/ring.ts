/**
 * A fixed-capacity window of the most recent numbers (a ring over a Float64Array): pushing onto
 * a full ring drops the oldest. Reads walk the window oldest first, so a sum over it adds the
 * values in time order, exactly as a fresh loop over the series would (no running-sum drift).
 */
export interface Ring {
  readonly capacity: number;
  /** How many values are held (at most capacity). */
  size(): number;
  push(x: number): void;
  /** The newest value; NaN when empty. */
  last(): number;
  /** Sum of the newest `k` values (k <= size), oldest first from 0. */
  sumLast(k: number): number;
  /** Sum of the `k` values before the newest one (k + 1 <= size), oldest first from 0. */
  sumBeforeLast(k: number): number;
  max(): number;
  min(): number;
  /** Sum of (x - mean)^2 over the newest `k` values, oldest first from 0. */
  sqDevLast(k: number, mean: number): number;
}

export function createRing(capacity: number): Ring {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
  const buf = new Float64Array(capacity);
  /** Index of the next write; the oldest value sits at `next` once the ring is full. */
  let next = 0;
  let size = 0;
  /** Buffer index of the value `back` places before the newest (0 = newest). */
  const idx = (back: number) => {
    const i = next - 1 - back;
    return i < 0 ? i + capacity : i;
  };
  /** Sum of `k` values starting `from` (a buffer index) going forward in time, from 0. */
  const sumFrom = (from: number, k: number) => {
    let s = 0;
    let i = from;
    for (let n = 0; n < k; n++) {
      s += buf[i]!;
      i = i + 1 === capacity ? 0 : i + 1;
    }
    return s;
  };
  return {
    capacity,
    size: () => size,
    push(x) {
      buf[next] = x;
      next = next + 1 === capacity ? 0 : next + 1;
      if (size < capacity) size++;
    },
    last: () => (size === 0 ? NaN : buf[idx(0)]!),
    sumLast: (k) => (k <= 0 ? 0 : sumFrom(idx(k - 1), k)),
    sumBeforeLast: (k) => (k <= 0 ? 0 : sumFrom(idx(k), k)),
    max() {
      let m = -Infinity;
      for (let i = 0; i < size; i++) if (buf[i]! > m) m = buf[i]!;
      return m;
    },
    min() {
      let m = Infinity;
      for (let i = 0; i < size; i++) if (buf[i]! < m) m = buf[i]!;
      return m;
    },
    sqDevLast(k, mean) {
      let s = 0;
      let i = idx(k - 1);
      for (let n = 0; n < k; n++) {
        s += (buf[i]! - mean) ** 2;
        i = i + 1 === capacity ? 0 : i + 1;
      }
      return s;
    },
  };
}
