import type { NewsItem } from '../domain/market.js';
import type { MarketData } from '../ports/market-data.js';

/**
 * Best-effort enrichment for snapshots, TTL-cached in market time (the cycle passes its as_of):
 * sector labels (MarketData.getAssets, long TTL, can be disabled), recent news
 * (MarketData.getNews) and next earnings dates through an optional hook. Each kind is fetched
 * in at most one batched call per cycle, for the symbols whose cache entry is missing or
 * expired. A failure is never fatal: the affected symbols are simply absent from the result
 * (their snapshots list the field in missing_optional) and nothing is cached for them.
 */

/**
 * Optional earnings-calendar hook. The MarketData port has no earnings source, so by default
 * there is none and every snapshot reports `earnings` in missing_optional. An adapter that can
 * answer plugs in here (CycleDeps.earnings).
 */
export interface EarningsCalendarHook {
  /** Next earnings date (YYYY-MM-DD, New York) per symbol between the two dates inclusive; symbols without one are absent. */
  nextEarnings(symbols: readonly string[], fromDate: string, toDate: string): Promise<ReadonlyMap<string, string>>;
}

export interface EnrichmentSettings {
  readonly newsEnabled: boolean;
  readonly newsTtlSec: number;
  readonly newsLookbackHours: number;
  /** Items requested per symbol in the batched news call. */
  readonly newsPerSymbol: number;
  readonly sectorEnabled: boolean;
  readonly sectorTtlSec: number;
  readonly earningsTtlSec: number;
  readonly earningsWithinDays: number;
}

export interface EnrichmentResult {
  readonly sectors: ReadonlyMap<string, string | null> | null;
  readonly news: ReadonlyMap<string, readonly NewsItem[]> | null;
  readonly earnings: ReadonlyMap<string, string | null> | null;
  /** Problems met (for the log), e.g. "news: fetch failed: ...". */
  readonly problems: readonly string[];
}

export interface EnrichmentCache {
  load(x: {
    readonly market: MarketData;
    readonly earnings?: EarningsCalendarHook | undefined;
    /** Symbols needing news and earnings (the watchlist). */
    readonly symbols: readonly string[];
    /** Symbols needing a sector (the watchlist and every held symbol). */
    readonly sectorSymbols: readonly string[];
    readonly now: number;
    /** YYYY-MM-DD (New York) of `now`, and of now + earningsWithinDays. */
    readonly today: string;
    readonly horizon: string;
  }): Promise<EnrichmentResult>;
}

interface Entry<V> {
  readonly at: number;
  readonly value: V;
}

/** A per-key TTL map in market time: an entry is fresh while 0 <= now - at < ttl. */
export function createTtlMap<V>(ttlMs: number) {
  const m = new Map<string, Entry<V>>();
  return {
    get(key: string, now: number): V | undefined {
      const e = m.get(key);
      if (!e || now < e.at || now - e.at >= ttlMs) return undefined;
      return e.value;
    },
    set(key: string, value: V, now: number): void {
      if (ttlMs > 0) m.set(key, { at: now, value });
    },
    size: () => m.size,
  };
}

const HOUR = 3_600_000;
/**
 * News items asked for in one cycle, whatever the watchlist size: one page of Alpaca's news API
 * (50 items, newest first), so news costs one request. A busy symbol can crowd out quieter ones;
 * those get no headlines this cycle (news is best effort).
 */
export const NEWS_ITEMS_PER_CYCLE = 50;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 200);

type TtlMap<V> = ReturnType<typeof createTtlMap<V>>;

/**
 * Values for `want` from the cache, fetching the missing or expired ones in one call. Fetched
 * values are used even when the TTL is 0 (no caching); a failed fetch leaves those keys out.
 */
async function through<V>(
  cache: TtlMap<V>,
  want: readonly string[],
  now: number,
  fetch: (missing: readonly string[]) => Promise<ReadonlyMap<string, V>>,
  onError: (e: unknown) => void,
): Promise<Map<string, V>> {
  const out = new Map<string, V>();
  const missing: string[] = [];
  for (const k of new Set(want)) {
    const v = cache.get(k, now);
    if (v === undefined) missing.push(k);
    else out.set(k, v);
  }
  if (missing.length > 0) {
    try {
      const got = await fetch(missing);
      for (const k of missing) {
        const v = got.get(k);
        if (v === undefined) continue;
        cache.set(k, v, now);
        out.set(k, v);
      }
    } catch (e) {
      onError(e);
    }
  }
  return out;
}

export function createEnrichmentCache(s: EnrichmentSettings): EnrichmentCache {
  const sectors = createTtlMap<string | null>(s.sectorTtlSec * 1000);
  const news = createTtlMap<readonly NewsItem[]>(s.newsTtlSec * 1000);
  const earnings = createTtlMap<string | null>(s.earningsTtlSec * 1000);

  return {
    async load(x) {
      const problems: string[] = [];
      const sectorP = s.sectorEnabled
        ? through(
            sectors,
            x.sectorSymbols,
            x.now,
            async (missing) => {
              const assets = await x.market.getAssets(missing);
              // Unknown symbols become "no sector" so they are not asked for again until the TTL passes.
              return new Map(missing.map((k) => [k, assets.get(k)?.sector ?? null] as const));
            },
            (e) => problems.push(`sector: lookup failed: ${errText(e)}`),
          )
        : Promise.resolve(null);
      const newsP = s.newsEnabled
        ? through(
            news,
            x.symbols,
            x.now,
            async (missing) => {
              const since = x.now - s.newsLookbackHours * HOUR;
              const items = await x.market.getNews(missing, since, Math.min(NEWS_ITEMS_PER_CYCLE, Math.max(1, s.newsPerSymbol * missing.length)));
              return new Map(missing.map((k) => [k, items.filter((n) => n.symbols.includes(k))] as const));
            },
            (e) => problems.push(`news: fetch failed: ${errText(e)}`),
          )
        : Promise.resolve(null);
      const hook = x.earnings;
      const earningsP = hook
        ? through(
            earnings,
            x.symbols,
            x.now,
            async (missing) => {
              const found = await hook.nextEarnings(missing, x.today, x.horizon);
              return new Map(missing.map((k) => [k, found.get(k) ?? null] as const));
            },
            (e) => problems.push(`earnings: hook failed: ${errText(e)}`),
          )
        : Promise.resolve(null);
      const [sec, nws, earn] = await Promise.all([sectorP, newsP, earningsP]);
      return { sectors: sec, news: nws, earnings: earn, problems };
    },
  };
}
