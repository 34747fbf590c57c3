import type { LlmUsage, RegimeVerdict } from '../domain/decision.js';
import type { Session } from '../domain/market.js';
import type { WatchlistResult } from '../core/watchlist.js';
import { chooseWatchlist, loadSymbolExtras, type CycleCaches, type MarketStage, type SymbolExtras } from './market-context.js';
import type { CycleDeps } from './types.js';

/**
 * The regime stage of a cycle and what hangs off it (the watchlist, then the watchlist's minute
 * bars and enrichment). With a verdict in the regime cache (REGIME_TTL_SEC; the service
 * pre-warms it before each slot, see regime-prewarm.ts) nothing waits on the model. Without
 * one, the model call overlaps the extras fetch instead of preceding it: a verdict can only
 * add hedge tickers to the watchlist, so the extras of the regime-free watchlist are fetched
 * meanwhile, and only hedges the verdict adds (rare) cost a second, small fetch afterwards.
 */

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

export function fallbackRegime(asOf: number, reason: string): RegimeVerdict {
  return { direction: 'neutral', conviction: 0, bearish_tickers: [], rationale: `regime unavailable: ${reason}`, source: 'fallback', cached: false, as_of: new Date(asOf).toISOString() };
}

export interface RegimeComputed {
  readonly verdict: RegimeVerdict;
  readonly usage: readonly LlmUsage[];
  /** Set when the verdict is not the brain's own (rules fallback inside the brain, or neutral after a throw). */
  readonly fallback?: string;
}

/**
 * One brain regime call over the stage's inputs. Never throws: a throw becomes the neutral
 * fallback. A fresh (not fallback, not brain-cached) verdict goes into the regime cache at asOf.
 */
export async function computeRegime(deps: Pick<CycleDeps, 'brain' | 'log'>, caches: CycleCaches, stage: MarketStage, asOf: number, logFields: Record<string, unknown>): Promise<RegimeComputed> {
  try {
    const r = await deps.brain.regime(stage.regimeInputs);
    if (r.fallback) {
      deps.log.warn('regime fell back', { ...logFields, source: r.verdict.source, reason: r.fallback.reason });
      return { verdict: r.verdict, usage: r.usage, fallback: r.fallback.reason };
    }
    if (!r.verdict.cached) caches.regime.put(r.verdict, asOf);
    return { verdict: r.verdict, usage: r.usage };
  } catch (e) {
    deps.log.warn('regime failed; neutral fallback', { ...logFields, error: errText(e) });
    return { verdict: fallbackRegime(asOf, errText(e)), usage: [], fallback: errText(e) };
  }
}

type Timed = <T>(stage: string, fn: () => Promise<T> | T) => Promise<T>;

export interface RegimeStage {
  readonly regime: RegimeVerdict;
  readonly regimeUsage: readonly LlmUsage[];
  readonly watchlist: WatchlistResult;
  readonly extras: SymbolExtras;
}

/** Both maps' entries (the second wins); null only when both are null (source off). */
function union<K, V>(a: ReadonlyMap<K, V> | null, b: ReadonlyMap<K, V> | null): ReadonlyMap<K, V> | null {
  if (a === null) return b;
  if (b === null) return a;
  return new Map([...a, ...b]);
}

export function mergeExtras(a: SymbolExtras, b: SymbolExtras): SymbolExtras {
  return {
    minute: union(a.minute, b.minute),
    ...(a.minuteSummaries || b.minuteSummaries ? { minuteSummaries: new Map([...(a.minuteSummaries ?? []), ...(b.minuteSummaries ?? [])]) } : {}),
    enrichment: { sectors: union(a.enrichment.sectors, b.enrichment.sectors), news: union(a.enrichment.news, b.enrichment.news), earnings: union(a.enrichment.earnings, b.enrichment.earnings) },
    notes: [...a.notes, ...b.notes],
  };
}

/**
 * The regime (cached, or computed while the watchlist's extras load), the watchlist it implies, and
 * that watchlist's extras. A computed regime's usage is journaled here (llm_usage, trade_id null).
 */
export async function regimeStage(
  deps: CycleDeps,
  x: { readonly cycleId: string; readonly asOf: number; readonly session: Session | null; readonly stage: MarketStage; readonly held: readonly string[]; readonly caches: CycleCaches; readonly timed: Timed },
): Promise<RegimeStage> {
  const { asOf, stage, held, caches, timed } = x;
  const extrasFor = (symbols: readonly string[]) => timed('market_data', () => loadSymbolExtras(deps, caches, asOf, x.session, symbols, held));
  const symbolsOf = (w: WatchlistResult) => w.entries.map((e) => e.symbol);

  // Reused within REGIME_TTL_SEC (market time); a reused verdict carries cached: true.
  const hit = caches.regime.get(asOf);
  if (hit) {
    const regime = await timed('regime', () => hit);
    const watchlist = chooseWatchlist(deps, stage, regime, held);
    return { regime, regimeUsage: [], watchlist, extras: await extrasFor(symbolsOf(watchlist)) };
  }

  const base = chooseWatchlist(deps, stage, null, held);
  // The call's usage is journaled as soon as it returns, even if the extras fetch fails the cycle.
  const regimeP = timed('regime', () => computeRegime(deps, caches, stage, asOf, { cycle_id: x.cycleId })).then((c) => {
    deps.journal.recordUsage(x.cycleId, null, asOf, c.usage);
    return c;
  });
  const [r, e] = await Promise.allSettled([regimeP, extrasFor(symbolsOf(base))]);
  if (r.status === 'rejected') throw r.reason;
  if (e.status === 'rejected') throw e.reason;
  const computed = r.value;
  const watchlist = chooseWatchlist(deps, stage, computed.verdict, held);
  const have = new Set(symbolsOf(base));
  const added = symbolsOf(watchlist).filter((s) => !have.has(s));
  const extras = added.length > 0 ? mergeExtras(e.value, await extrasFor(added)) : e.value;
  return { regime: computed.verdict, regimeUsage: computed.usage, watchlist, extras };
}
