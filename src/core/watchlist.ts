/** The resolved watchlist and why each symbol is on it. */
export interface WatchlistEntry {
  readonly symbol: string;
  readonly reason: 'static' | 'anchor' | 'screener' | 'hedge' | 'held';
}

/** Foundation version: the configured static list plus held symbols, de-duplicated, order kept. */
export function resolveWatchlist(staticList: readonly string[], held: readonly string[]): WatchlistEntry[] {
  const seen = new Set<string>();
  const out: WatchlistEntry[] = [];
  for (const s of staticList) if (!seen.has(s)) (seen.add(s), out.push({ symbol: s, reason: 'static' }));
  for (const s of held) if (!seen.has(s)) (seen.add(s), out.push({ symbol: s, reason: 'held' }));
  return out;
}
