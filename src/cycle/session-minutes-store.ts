import type { Bar } from '../domain/market.js';
import { createSessionMinutes, summarizeSessionMinutes, type SessionMinutes, type SessionMinutesState } from '../core/indicators/incremental/session-minutes.js';

/**
 * Per-symbol session VWAP/volume kept between cycles (in CycleCaches): a cycle folds only the
 * minute bars that closed since the last one instead of summing the whole session again.
 * Mode-blind. Exact: it continues only when this cycle's bars start with exactly the bars it
 * folded before (the same objects, or equal t, end and OHLCV: a revised minute bar anywhere in
 * the session means a recomputation) followed by newer ones; otherwise, or in a new session, it
 * recomputes the session from scratch. So the answer is always what summarizeSessionMinutes
 * gives for the same bars.
 */
export interface SessionMinutesStore {
  summary(symbol: string, sessionOpen: number, bars: readonly Bar[], asOf: number): SessionMinutes;
  stats(): { readonly advanced: number; readonly recomputed: number };
}

interface Entry {
  readonly open: number;
  readonly state: SessionMinutesState;
  /** The bars given so far, in order, all folded in (bars before the open skipped); null: not continuable. */
  readonly seen: Bar[] | null;
}

const sameBar = (a: Bar, b: Bar) => a === b || (a.t === b.t && a.end === b.end && a.o === b.o && a.h === b.h && a.l === b.l && a.c === b.c && a.v === b.v);

/** Whether bars[from..] ascend in time after `prevT` and are all closed by as_of (a feed's usual shape). */
function tailFits(bars: readonly Bar[], from: number, prevT: number, asOf: number): boolean {
  for (let i = from; i < bars.length; i++) {
    const b = bars[i]!;
    if (!(b.t > prevT) || !(b.end <= asOf)) return false;
    prevT = b.t;
  }
  return true;
}

export function createSessionMinutesStore(opts: { readonly maxSymbols?: number } = {}): SessionMinutesStore {
  const max = Math.max(1, opts.maxSymbols ?? 2000);
  const entries = new Map<string, Entry>();
  let advanced = 0;
  let recomputed = 0;
  const keep = (symbol: string, e: Entry) => {
    entries.set(symbol, e);
    if (entries.size > max) entries.delete(entries.keys().next().value!);
  };
  const fold = (e: Entry, bars: readonly Bar[], from: number) => {
    for (let i = from; i < bars.length; i++) {
      const b = bars[i]!;
      if (b.t >= e.open) e.state.add(b);
      e.seen!.push(b);
    }
    return e.state.read();
  };
  return {
    summary(symbol, sessionOpen, bars, asOf) {
      const e = entries.get(symbol);
      entries.delete(symbol);
      const seen = e?.seen;
      if (e !== undefined && seen && e.open === sessionOpen && bars.length >= seen.length) {
        let same = true;
        for (let i = 0; i < seen.length && same; i++) same = sameBar(bars[i]!, seen[i]!);
        const prevT = seen.length > 0 ? seen[seen.length - 1]!.t : -Infinity;
        if (same && tailFits(bars, seen.length, prevT, asOf)) {
          advanced++;
          keep(symbol, e);
          return fold(e, bars, seen.length);
        }
      }
      recomputed++;
      if (tailFits(bars, 0, -Infinity, asOf)) {
        const fresh: Entry = { open: sessionOpen, state: createSessionMinutes(), seen: [] };
        keep(symbol, fresh);
        return fold(fresh, bars, 0);
      }
      // Not in time order, or a bar still forming: the plain computation, nothing to continue from.
      keep(symbol, { open: sessionOpen, state: createSessionMinutes(), seen: null });
      return summarizeSessionMinutes(bars, asOf, sessionOpen);
    },
    stats: () => ({ advanced, recomputed }),
  };
}
