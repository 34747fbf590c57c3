import type { LlmUsage } from '../../domain/decision.js';
import type { Logger } from '../../log.js';
import type { ApiMessage } from './client.js';
import { costUsd, priceFor, type PriceTable } from './pricing.js';

/**
 * One call's journaled usage from the API's reply. Token counts are untrusted input: anything
 * but a finite non-negative number counts as 0. A model without a price costs 0, with a warning.
 */
export function usageOf(
  m: ApiMessage,
  x: { readonly model: string; readonly purpose: LlmUsage['purpose']; readonly attempt: number; readonly latencyMs: number; readonly prices: PriceTable; readonly log?: Logger | undefined },
): LlmUsage {
  const u = m.usage as Partial<ApiMessage['usage']> | undefined;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.round(v) : 0);
  const t = {
    input_tokens: n(u?.input_tokens),
    output_tokens: n(u?.output_tokens),
    cache_creation_input_tokens: n(u?.cache_creation_input_tokens),
    cache_read_input_tokens: n(u?.cache_read_input_tokens),
  };
  const price = priceFor(x.prices, x.model);
  if (!price) x.log?.warn('no price for model; cost recorded as 0', { model: x.model, purpose: x.purpose });
  return { model: x.model, purpose: x.purpose, attempt: x.attempt, ...t, latency_ms: Math.max(0, Math.round(x.latencyMs)), cost_usd: price ? costUsd(price, t) : 0 };
}
