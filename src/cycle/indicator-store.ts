import type { Bar } from '../domain/market.js';
import type { IndicatorSet } from '../domain/snapshot.js';
import { createIndicatorState, type IndicatorState } from '../core/indicators/index.js';
import { indexOfStart } from '../core/data-quality.js';

/**
 * Per-symbol indicator state kept between cycles (in CycleCaches), so a cycle advances each
 * symbol's indicators by the bars that are new since the last cycle instead of recomputing
 * them over the whole fetched window. Mode-blind: live, paper, sim and backtests all use it.
 *
 * Given a symbol's clean, completed daily bars (the audit's clean run, time order):
 * - the bar it folded last is among them with the same t, end and OHLCV: it folds only the
 *   bars after it (none: the kept indicator set is returned as is);
 * - otherwise (first sight of the symbol, a revised last bar, a gap or bad bar after it, a
 *   cycle earlier in time than the last one): it starts over and folds every given bar.
 *
 * Semantics, on purpose: the cycle fetches a sliding window of daily history (LOOKBACK_DAYS),
 * and a state advanced bar by bar carries history older than that window, as a long-running
 * process computing EMAs on every close would. So recursive indicators differ from a fresh
 * computation over the current window alone: EMA200 the most (its SMA seed still weighs ~16% at
 * the end of a 550-day window: up to 1-2% of the value on the synthetic market), EMA50 by ~1e-7,
 * EMA9/21, MACD, Wilder RSI/ATR/ADX and StochRSI in the last digits, OBV in level. Windowed ones
 * (SMA, Bollinger, volume, 52-week range) are the same. A restart, or a new process (npm run
 * cycle), reseeds from the fetched window. Only the last folded bar is compared: a revision of
 * an older bar, still inside the window, is not noticed while the last one matches.
 */
export interface IndicatorStore {
  /** The indicator set of `clean` for `symbol`, advancing the kept state when `clean` continues it. */
  indicators(symbol: string, clean: readonly Bar[]): IndicatorSet;
  /** Symbols with a kept state. */
  size(): number;
  /** What the calls did so far: kept set reused, state advanced by new bars, or folded from scratch. */
  stats(): { readonly reused: number; readonly advanced: number; readonly refolded: number };
}

interface Entry {
  readonly state: IndicatorState;
  last: Bar;
  set: IndicatorSet;
}

/** The indicator set of no bars: every value null. */
const NO_BARS: IndicatorSet = Object.freeze(createIndicatorState().read());

const sameBar = (a: Bar, b: Bar) => a.t === b.t && a.end === b.end && a.o === b.o && a.h === b.h && a.l === b.l && a.c === b.c && a.v === b.v;

/** `maxSymbols` bounds memory (a screener watchlist changes over days); the least recently used state goes first. */
export function createIndicatorStore(opts: { readonly maxSymbols?: number } = {}): IndicatorStore {
  const max = Math.max(1, opts.maxSymbols ?? 2000);
  const entries = new Map<string, Entry>();
  let reused = 0;
  let advanced = 0;
  let refolded = 0;
  return {
    indicators(symbol, clean) {
      const e = entries.get(symbol);
      if (e !== undefined) entries.delete(symbol); // re-inserted below: Map order is recency
      if (clean.length === 0) return NO_BARS; // a symbol the data source lacks (e.g. a regime benchmark), every cycle
      const at = e === undefined ? -1 : indexOfStart(clean, e.last.t);
      let entry: Entry;
      if (e !== undefined && at >= 0 && sameBar(clean[at]!, e.last)) {
        entry = e;
        if (at === clean.length - 1) reused++;
        else {
          for (let i = at + 1; i < clean.length; i++) e.state.advance(clean[i]!);
          e.last = { ...clean[clean.length - 1]! };
          e.set = e.state.read();
          advanced++;
        }
      } else {
        const state = createIndicatorState();
        for (const b of clean) state.advance(b);
        // A copy: an adapter that revised its bar objects in place must not pass the comparison.
        entry = { state, last: { ...clean[clean.length - 1]! }, set: state.read() };
        refolded++;
      }
      entries.set(symbol, entry);
      if (entries.size > max) entries.delete(entries.keys().next().value!);
      return entry.set;
    },
    size: () => entries.size,
    stats: () => ({ reused, advanced, refolded }),
  };
}
