import type { Action, LlmUsage, RegimeVerdict } from '../domain/decision.js';
import type { ExecuteBlock } from '../ports/journal.js';
import type { CycleDeps, CycleSummary, StageTiming } from './types.js';

export interface SymbolOutcome {
  readonly symbol: string;
  readonly action: Action;
  readonly execute: ExecuteBlock['status'];
  readonly cost: number;
  /** The model calls behind this decision (token totals in the summary). */
  readonly usage?: readonly LlmUsage[];
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
  /** Model calls made for the cycle as a whole (the regime). */
  regimeUsage?: readonly LlmUsage[];
}): CycleSummary {
  const actions = { BUY: 0, SELL: 0, HOLD: 0 };
  for (const o of x.outcomes) actions[o.action]++;
  const calls = [...(x.regimeUsage ?? []), ...x.outcomes.flatMap((o) => o.usage ?? [])];
  const tokens = { input: 0, output: 0, cache_creation_input: 0, cache_read_input: 0, calls: calls.length };
  for (const u of calls) {
    tokens.input += u.input_tokens;
    tokens.output += u.output_tokens;
    tokens.cache_creation_input += u.cache_creation_input_tokens;
    tokens.cache_read_input += u.cache_read_input_tokens;
  }
  const done = x.outcomes.filter((o) => o.resumed === 'done').length;
  const executedNow = x.outcomes.filter((o) => o.resumed === 'executed').length;
  const sentNow = x.outcomes.filter((o) => o.execute === 'submitted' && o.resumed !== 'done').length;
  const regimeCost = (x.regimeUsage ?? []).reduce((a, u) => a + u.cost_usd, 0);
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
    ...(done + executedNow > 0 ? { resumed: { already_done: done, executed_now: executedNow, orders_sent_now: sentNow } } : {}),
    error: x.status === 'failed',
    failed_symbols: x.outcomes.filter((o) => o.error !== undefined).map((o) => o.symbol),
    slowest_stages: [...x.timings].sort((a, b) => b.ms - a.ms).slice(0, 3),
    regime: x.regime ? { direction: x.regime.direction, conviction: x.regime.conviction, source: x.regime.source } : null,
    cost_usd: Number((regimeCost + x.outcomes.reduce((a, o) => a + o.cost, 0)).toFixed(6)),
    tokens,
  };
}
