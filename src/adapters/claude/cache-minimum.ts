import { z } from 'zod';

/**
 * Prompt caching's minimum cacheable length. The Messages API silently does not cache a prefix
 * (everything up to the last `cache_control` block) shorter than the model's minimum: no error,
 * both cache counters stay 0 and every call pays full input price. So the brain's stable prefix
 * must clear the minimum of the model it is sent to, and we check that at startup.
 */

export type CacheMinTable = Readonly<Record<string, number>>;

/**
 * Minimum cacheable prompt length in tokens, by model id prefix (the longest matching key wins,
 * as for prices). Documented figures (Anthropic's prompt-caching docs): Haiku 4.5, Opus 4.5 and
 * 4.6: 4,096; Opus 4.7: 2,048; Sonnet 4.5, Sonnet 4, Opus 4.1 and 4: 1,024; Haiku 3 and 3.5:
 * 2,048. Sonnet 4.6 is listed as 1,024 in some copies and 2,048 in others: 2,048 here. For the
 * 5.5 generation no figure was at hand, so the conservative choice: Haiku-class 4,096 (as Haiku
 * 4.5), Sonnet 2,048, Opus 4,096. A model not in the table is checked against the largest
 * documented minimum. Override or extend with BRAIN_CACHE_MIN_TOKENS_JSON.
 */
export const DEFAULT_CACHE_MIN_TOKENS: CacheMinTable = {
  'claude-haiku-5-5': 4096,
  'claude-sonnet-5-5': 2048,
  'claude-opus-5-5': 4096,
  'claude-haiku-4-5': 4096,
  'claude-sonnet-4-6': 2048,
  'claude-sonnet-4-5': 1024,
  'claude-sonnet-4': 1024,
  'claude-opus-4-7': 2048,
  'claude-opus-4-6': 4096,
  'claude-opus-4-5': 4096,
  'claude-opus-4-1': 1024,
  'claude-3-5-haiku': 2048,
  'claude-3-haiku': 2048,
};

/** The largest documented minimum: what a model missing from the table is held to. */
export const UNKNOWN_MODEL_CACHE_MIN_TOKENS = 4096;

/**
 * Characters per token for a conservative (low) token estimate. English prose and JSON run at
 * about 3 to 4 characters per token on Claude's tokenizers (JSON with numbers nearer 3), so
 * dividing by 4.5 undercounts: a prefix estimated at or above a minimum is above it for real.
 */
export const CONSERVATIVE_CHARS_PER_TOKEN = 4.5;

/** A lower estimate of the tokens in `text` (see CONSERVATIVE_CHARS_PER_TOKEN). */
export function conservativeTokenEstimate(text: string): number {
  return Math.floor(text.length / CONSERVATIVE_CHARS_PER_TOKEN);
}

export const cacheMinTableSchema = z.record(z.string().min(1).max(100), z.number().int().min(0).max(1_000_000));

export function mergeCacheMinimums(overrides: CacheMinTable | undefined): CacheMinTable {
  return { ...DEFAULT_CACHE_MIN_TOKENS, ...(overrides ?? {}) };
}

/** The minimum for a model id: an exact key, else the longest key it starts with, else the unknown-model figure. */
export function cacheMinTokensFor(table: CacheMinTable, model: string): number {
  const exact = table[model];
  if (exact !== undefined) return exact;
  let best: string | null = null;
  for (const k of Object.keys(table)) if (model.startsWith(k) && (best === null || k.length > best.length)) best = k;
  return best === null ? UNKNOWN_MODEL_CACHE_MIN_TOKENS : (table[best] ?? UNKNOWN_MODEL_CACHE_MIN_TOKENS);
}

export interface CachePrefixCheck {
  readonly model: string;
  readonly estimatedTokens: number;
  readonly minTokens: number;
  readonly ok: boolean;
}

/** Whether a cached prefix (its texts, joined as sent) clears the model's minimum cacheable length. */
export function checkCachePrefix(texts: readonly string[], model: string, table: CacheMinTable): CachePrefixCheck {
  const estimatedTokens = conservativeTokenEstimate(texts.join('\n'));
  const minTokens = cacheMinTokensFor(table, model);
  return { model, estimatedTokens, minTokens, ok: estimatedTokens >= minTokens };
}
