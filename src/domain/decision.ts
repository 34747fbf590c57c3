/**
 * The brain's decision schema. Field names are snake_case because this object is
 * exactly what a model writes and what the journal stores.
 */
export type Action = 'BUY' | 'SELL' | 'HOLD';

export interface Decision {
  readonly action: Action;
  readonly symbol: string;
  readonly strategy: string;
  /** 0..1 */
  readonly confidence: number;
  /** Fraction of equity to commit on a BUY, 0..1 (0.05 = 5%). */
  readonly size_pct: number;
  readonly stop_loss: number | null;
  readonly take_profit: number | null;
  readonly rationale: string;
  /** At most 5 short strings. */
  readonly evidence: readonly string[];
}

export type RegimeDirection = 'bullish' | 'bearish' | 'neutral';

export interface RegimeVerdict {
  readonly direction: RegimeDirection;
  /** 0..1 */
  readonly conviction: number;
  readonly bearish_tickers: readonly string[];
  readonly rationale: string;
  readonly source: string;
  readonly cached: boolean;
  readonly as_of: string;
}

/** One model (or rules) call's cost figures. */
export interface LlmUsage {
  readonly model: string;
  readonly purpose: 'decide' | 'regime' | 'review';
  readonly attempt: number;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
  readonly latency_ms: number;
  readonly cost_usd: number;
}

/** What a brain returns for one symbol: always a decision, never a throw for bad model output. */
export interface BrainResult {
  readonly decision: Decision;
  /** The raw output as received (model text or rules trace); stored in logic_json. */
  readonly raw: unknown;
  readonly brain: string;
  readonly promptVersion: string;
  readonly usage: readonly LlmUsage[];
  /** Set when the decision is a safe HOLD substituted for unusable output. */
  readonly parseFallback?: { readonly reason: string };
}

export type OverrideEffect = 'hold' | 'clamp' | 'reject' | 'halt' | 'warn';

export interface Override {
  readonly rule: string;
  readonly effect: OverrideEffect;
  readonly detail: string;
}

export type RiskOutcome =
  | { readonly kind: 'approved'; readonly final: Decision; readonly overrides: readonly Override[] }
  | { readonly kind: 'hold'; readonly final: Decision; readonly overrides: readonly Override[] }
  | { readonly kind: 'halt'; readonly final: Decision; readonly overrides: readonly Override[] };

export function holdDecision(symbol: string, strategy: string, rationale: string): Decision {
  return {
    action: 'HOLD',
    symbol,
    strategy,
    confidence: 0,
    size_pct: 0,
    stop_loss: null,
    take_profit: null,
    rationale,
    evidence: [],
  };
}
