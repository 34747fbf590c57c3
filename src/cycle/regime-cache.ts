import type { RegimeVerdict } from '../domain/decision.js';

/**
 * The cycle's regime verdict, reused for REGIME_TTL_SEC. Time is market time: the cycle passes
 * its as_of (from the injected clock), so a backtest replays the same hits and misses whatever
 * the wall clock does. A verdict is reused only forward in time (now >= when it was computed)
 * and strictly within the TTL; a reused verdict is returned with cached: true (and its
 * original as_of), which is how the cycle journals it. TTL 0 disables the cache.
 */
export interface RegimeCache {
  get(now: number): RegimeVerdict | null;
  put(verdict: RegimeVerdict, now: number): void;
  /** Forget the cached verdict (e.g. after a fallback verdict that should not be reused). */
  clear(): void;
}

export function createRegimeCache(opts: { readonly ttlSec: number }): RegimeCache {
  const ttlMs = Math.max(0, opts.ttlSec) * 1000;
  let entry: { readonly at: number; readonly verdict: RegimeVerdict } | null = null;
  return {
    get(now) {
      if (entry === null || ttlMs === 0 || !Number.isFinite(now)) return null;
      if (now < entry.at || now - entry.at >= ttlMs) return null;
      return { ...entry.verdict, cached: true };
    },
    put(verdict, now) {
      if (ttlMs > 0 && Number.isFinite(now)) entry = { at: now, verdict: { ...verdict, cached: false } };
    },
    clear() {
      entry = null;
    },
  };
}
