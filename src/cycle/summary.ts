import type { Action, RegimeVerdict } from '../domain/decision.js';
import type { ExecuteBlock } from '../ports/journal.js';
import type { CycleDeps, CycleSummary, StageTiming } from './types.js';

export interface SymbolOutcome {
  readonly symbol: string;
  readonly action: Action;
  readonly execute: ExecuteBlock['status'];
  readonly cost: number;
  readonly error?: string;
  /** Set when an earlier run of the same cycle had already journaled this symbol. */
  readonly resumed?: 'done' | 'executed';
}

export function summarize(x: {
  cycleId: string;
  asOf: number;
  deps: CycleDeps;
  status: CycleSummary['status'];
  reason?: string;
  outcomes: readonly SymbolOutcome[];
  timings: readonly StageTiming[];
  regime: RegimeVerdict | null;
  durationMs: number;
}): CycleSummary {
  const actions = { BUY: 0, SELL: 0, HOLD: 0 };
  for (const o of x.outcomes) actions[o.action]++;
  return {
    cycle_id: x.cycleId,
    as_of: new Date(x.asOf).toISOString(),
    mode: x.deps.mode,
    brain: x.deps.brain.name,
    status: x.status,
    ...(x.reason ? { reason: x.reason } : {}),
    duration_ms: Math.round(x.durationMs),
    symbols: x.outcomes.length,
    actions,
    orders_submitted: x.outcomes.filter((o) => o.execute === 'submitted').length,
    orders_rejected: x.outcomes.filter((o) => o.execute === 'rejected').length,
    error: x.status === 'failed',
    failed_symbols: x.outcomes.filter((o) => o.error !== undefined).map((o) => o.symbol),
    slowest_stages: [...x.timings].sort((a, b) => b.ms - a.ms).slice(0, 3),
    regime: x.regime ? { direction: x.regime.direction, conviction: x.regime.conviction, source: x.regime.source } : null,
    cost_usd: Number(x.outcomes.reduce((a, o) => a + o.cost, 0).toFixed(6)),
  };
}
