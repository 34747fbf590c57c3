import type { RegimeVerdict } from '../domain/decision.js';
import { computeRegime } from './regime-stage.js';
import { loadMarket } from './market-context.js';
import type { CycleDeps } from './types.js';

/**
 * Refreshes the regime verdict ahead of a scheduled cycle, so the cycle finds it in the regime
 * cache (REGIME_TTL_SEC) and never waits on the regime model call. The same ports and the same
 * cache as the cycle: held positions from the Broker, the cycle's own market batch (loadMarket)
 * for the regime inputs, the Brain's regime call, then the cycle caches' regime cache. It knows
 * nothing of modes; the service schedules it REGIME_PREWARM_SEC before each cycle slot.
 *
 * A verdict still valid at `coverUntil` (the latest moment the cycle can start, slot plus
 * jitter) is left alone: no call. A fallback verdict is not cached (the cycle asks again), as in
 * the cycle. The call's usage is journaled under the id of the cycle it prepares.
 */

export interface PrewarmOptions {
  /** The cycle the verdict is for: its usage rows are journaled under this id. */
  readonly cycleId: string;
  /** The latest market time the cycle can start at; the verdict must still be fresh then. */
  readonly coverUntil: number;
}

export type PrewarmResult =
  | { readonly status: 'refreshed'; readonly verdict: RegimeVerdict; readonly costUsd: number; readonly covers: boolean }
  | { readonly status: 'still_fresh'; readonly verdict: RegimeVerdict }
  | { readonly status: 'fallback'; readonly reason: string; readonly costUsd: number }
  | { readonly status: 'no_cache' };

export async function prewarmRegime(deps: CycleDeps, asOf: number, o: PrewarmOptions): Promise<PrewarmResult> {
  const log = { job: 'regime_prewarm', for_cycle: o.cycleId };
  if (!deps.caches) {
    deps.log.warn('regime pre-warm skipped: the cycle keeps no regime cache', log);
    return { status: 'no_cache' };
  }
  const caches = deps.caches;
  const fresh = caches.regime.get(o.coverUntil);
  if (fresh) {
    deps.log.info('regime pre-warm: cached verdict still fresh for the cycle', { ...log, as_of: fresh.as_of });
    return { status: 'still_fresh', verdict: fresh };
  }
  const positions = await deps.broker.getPositions();
  // Off the cycle's critical path: the plain batch (the same requests the cycle makes for its regime inputs).
  const stage = await loadMarket(deps, asOf, positions.map((p) => p.symbol));
  const r = await computeRegime(deps, caches, stage, asOf, log);
  deps.journal.recordUsage(o.cycleId, null, asOf, r.usage);
  const costUsd = r.usage.reduce((a, u) => a + u.cost_usd, 0);
  if (r.fallback !== undefined) return { status: 'fallback', reason: r.fallback, costUsd };
  // A verdict the brain answered from its own cache is not re-dated here: the cycle asks again if it expires.
  const covers = caches.regime.get(o.coverUntil) !== null;
  deps.log.info('regime pre-warmed', { ...log, direction: r.verdict.direction, conviction: r.verdict.conviction, source: r.verdict.source, covers_cycle: covers, cost_usd: costUsd });
  if (!covers) deps.log.warn('regime pre-warm: the verdict expires before the cycle can start; raise REGIME_TTL_SEC or lower REGIME_PREWARM_SEC', log);
  return { status: 'refreshed', verdict: r.verdict, costUsd, covers };
}
