import type { RegimeVerdict } from '../domain/decision.js';

/** The resolved watchlist and why each symbol is on it (journaled with the cycle). */
export interface WatchlistEntry {
  readonly symbol: string;
  readonly reason: 'static' | 'anchor' | 'screener' | 'hedge' | 'held';
  /** Rank, figures, and any other reason the symbol also qualified for. */
  readonly detail?: string;
}

/** A symbol that was considered and left out, and why. */
export interface WatchlistExclusion {
  readonly symbol: string;
  readonly source: 'screener' | 'hedge';
  readonly why: string;
}

export interface WatchlistRules {
  /** WATCHLIST_STATIC: when non-empty it is the list (plus held symbols); no screener, no hedges. */
  readonly staticList: readonly string[];
  /** WATCHLIST_ANCHORS: always first (not filtered). */
  readonly anchors: readonly string[];
  /** WATCHLIST_SCREENER_SIZE: most screener symbols taken (after the quality filters). */
  readonly screenerSize: number;
  /** WATCHLIST_INCLUDE_OPEN_POSITIONS: held symbols are added, never filtered or truncated. */
  readonly includeOpenPositions: boolean;
  /** REGIME_BEARISH_INJECT_THRESHOLD: hedge tickers join when the regime is bearish with at least this conviction. */
  readonly bearishInjectThreshold: number;
  /** WATCHLIST_MIN_PRICE (dollars). */
  readonly minPrice: number;
  /** WATCHLIST_MIN_DOLLAR_VOLUME: mean of close x volume over the last 20 sessions. */
  readonly minAvgDollarVolume: number;
}

/** What the quality filters look at, per symbol (null: unknown, which fails the filter). */
export interface SymbolQuality {
  readonly price: number | null;
  readonly avgDollarVolume: number | null;
}

export interface WatchlistInputs {
  /** Screener output in rank order (untrusted: validated here). */
  readonly screener: readonly string[];
  readonly screenerKind?: string;
  readonly held: readonly string[];
  readonly regime: RegimeVerdict | null;
  readonly quality: ReadonlyMap<string, SymbolQuality>;
}

export interface WatchlistResult {
  readonly entries: readonly WatchlistEntry[];
  readonly excluded: readonly WatchlistExclusion[];
}

/** US equity ticker shape (BRK.B, etc.); anything else from a data source is dropped. */
export const SYMBOL_RE = /^[A-Z][A-Z0-9.]{0,9}$/;

const money = (x: number) => (x >= 1e9 ? `${(x / 1e9).toFixed(1)}B` : x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x.toFixed(0));

/** Why a symbol fails the quality filters, or null when it passes. */
function qualityProblem(q: SymbolQuality | undefined, r: WatchlistRules): string | null {
  if (!q || q.price === null) return 'no price data';
  if (q.price < r.minPrice) return `price ${q.price.toFixed(2)} < min ${r.minPrice}`;
  if (r.minAvgDollarVolume > 0) {
    if (q.avgDollarVolume === null) return 'no volume history';
    if (q.avgDollarVolume < r.minAvgDollarVolume) return `avg dollar volume ${money(q.avgDollarVolume)} < min ${money(r.minAvgDollarVolume)}`;
  }
  return null;
}

/**
 * Resolves the cycle's watchlist. Pure.
 * - WATCHLIST_STATIC set: that list, in order, then held symbols (when included). No screener, no hedges.
 * - Otherwise: anchors first; then screener symbols in rank order that pass the quality filters
 *   (minimum price and 20-day average dollar volume), at most `screenerSize`; then the regime's
 *   hedge tickers when it is bearish with conviction >= the threshold (quality-filtered too);
 *   then every held symbol (never filtered, never cut by the cap).
 * De-duplicated: a symbol keeps its first reason; later ones are named in `detail`.
 */
export function resolveWatchlist(rules: WatchlistRules, inputs: WatchlistInputs): WatchlistResult {
  const entries: WatchlistEntry[] = [];
  const index = new Map<string, number>();
  const excluded: WatchlistExclusion[] = [];
  const add = (symbol: string, reason: WatchlistEntry['reason'], detail?: string) => {
    const at = index.get(symbol);
    if (at !== undefined) {
      const e = entries[at]!;
      const also = detail ? `also ${reason} (${detail})` : `also ${reason}`;
      entries[at] = { ...e, detail: e.detail ? `${e.detail}; ${also}` : also };
      return;
    }
    index.set(symbol, entries.length);
    entries.push(detail ? { symbol, reason, detail } : { symbol, reason });
  };

  if (rules.staticList.length > 0) {
    for (const s of rules.staticList) add(s, 'static');
  } else {
    for (const s of rules.anchors) add(s, 'anchor');
    let taken = 0;
    inputs.screener.forEach((s, rank) => {
      if (!SYMBOL_RE.test(s)) {
        excluded.push({ symbol: s.slice(0, 12), source: 'screener', why: 'not a valid symbol' });
        return;
      }
      if (index.has(s)) {
        add(s, 'screener', `#${rank + 1}`);
        return;
      }
      if (taken >= rules.screenerSize) return;
      const problem = qualityProblem(inputs.quality.get(s), rules);
      if (problem) {
        excluded.push({ symbol: s, source: 'screener', why: problem });
        return;
      }
      taken++;
      add(s, 'screener', `#${rank + 1}${inputs.screenerKind ? ` ${inputs.screenerKind}` : ''}`);
    });
    const r = inputs.regime;
    if (r && r.direction === 'bearish' && r.conviction >= rules.bearishInjectThreshold) {
      for (const s of r.bearish_tickers) {
        if (!SYMBOL_RE.test(s)) {
          excluded.push({ symbol: s.slice(0, 12), source: 'hedge', why: 'not a valid symbol' });
          continue;
        }
        const problem = index.has(s) ? null : qualityProblem(inputs.quality.get(s), rules);
        if (problem) excluded.push({ symbol: s, source: 'hedge', why: problem });
        else add(s, 'hedge', `regime bearish ${r.conviction.toFixed(2)} >= ${rules.bearishInjectThreshold}`);
      }
    }
  }
  if (rules.includeOpenPositions) for (const s of inputs.held) add(s, 'held');
  return { entries, excluded };
}
