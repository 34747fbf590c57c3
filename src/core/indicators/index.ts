import type { Bar } from '../../domain/market.js';
import type { IndicatorSet } from '../../domain/snapshot.js';
import { foldIndicators } from './incremental/indicator-state.js';

export { WARMUP, sessionVwap, typicalPrice } from './series.js';
export { createIndicatorState, foldIndicators, SESSIONS_52W, type IndicatorState } from './incremental/indicator-state.js';

/**
 * The snapshot's indicator set, from completed daily bars in time order (the caller has
 * already removed bad bars and anything that closes after as_of). Each value is the last
 * point of its series at full floating-point precision, or null before its warm-up (the
 * table is in ./incremental/indicator-state.ts).
 *
 * This is the incremental state (createIndicatorState) folded over all the bars: a cycle that
 * keeps the state between cycles (src/cycle/indicator-store.ts) advances it by the new bars
 * instead. Which corrections we make where technicalindicators is wrong is in series.ts.
 */
export function computeIndicators(bars: readonly Bar[]): IndicatorSet {
  return foldIndicators(bars);
}
