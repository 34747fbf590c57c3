import type { BrainResult, LlmUsage, RegimeVerdict } from '../domain/decision.js';
import type { Snapshot } from '../domain/snapshot.js';
import type { RegimeInputs } from '../core/regime-inputs.js';

export interface RegimeResult {
  readonly verdict: RegimeVerdict;
  readonly usage: readonly LlmUsage[];
  /** Set when the brain fell back to another source (e.g. rules after a model failure). */
  readonly fallback?: { readonly reason: string };
}

/** The decision maker. Adapters: rules (deterministic), claude. */
export interface Brain {
  readonly name: string;
  /** Never throws for bad model output: returns a safe HOLD with parseFallback instead. */
  decide(snapshot: Snapshot): Promise<BrainResult>;
  regime(inputs: RegimeInputs): Promise<RegimeResult>;
}
