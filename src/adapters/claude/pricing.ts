import { z } from 'zod';

/** Dollars per million tokens, by kind. Cache write = 5-minute cache write. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  readonly cache_write: number;
  readonly cache_read: number;
}

export type PriceTable = Readonly<Record<string, ModelPrice>>;

/**
 * Default list prices (USD per MTok). Override or extend with BRAIN_PRICES_JSON, e.g.
 * {"claude-haiku-5-5":{"input":1,"output":5,"cache_write":1.25,"cache_read":0.1}}.
 * Cache writes bill at 1.25x input and cache reads at 0.1x input.
 */
export const DEFAULT_PRICES: PriceTable = {
  'claude-haiku-5-5': { input: 1, output: 5, cache_write: 1.25, cache_read: 0.1 },
  'claude-sonnet-5-5': { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3 },
  'claude-opus-5-5': { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5 },
  'claude-haiku-4-5': { input: 1, output: 5, cache_write: 1.25, cache_read: 0.1 },
  'claude-sonnet-4-5': { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3 },
  'claude-sonnet-4-6': { input: 3, output: 15, cache_write: 3.75, cache_read: 0.3 },
  'claude-opus-4-5': { input: 5, output: 25, cache_write: 6.25, cache_read: 0.5 },
};

const price = z.number().finite().min(0).max(10_000);
export const priceTableSchema = z.record(
  z.string().min(1).max(100),
  z.object({ input: price, output: price, cache_write: price, cache_read: price }).strict(),
);

/** Parses BRAIN_PRICES_JSON (already a string) into entries merged over the defaults. */
export function mergePrices(overrides: PriceTable | undefined): PriceTable {
  return { ...DEFAULT_PRICES, ...(overrides ?? {}) };
}

/**
 * The price entry for a model id: an exact key, else the longest key the id starts with
 * (so a dated id like claude-haiku-5-5-20260101 uses claude-haiku-5-5). null when none.
 */
export function priceFor(table: PriceTable, model: string): ModelPrice | null {
  const exact = table[model];
  if (exact) return exact;
  let best: string | null = null;
  for (const k of Object.keys(table)) if (model.startsWith(k) && (best === null || k.length > best.length)) best = k;
  return best === null ? null : (table[best] ?? null);
}

export interface TokenCounts {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
}

/**
 * Dollar cost of one call. `input_tokens` as reported by the API excludes the cached
 * tokens, which are billed separately at the cache write/read rates.
 */
export function costUsd(p: ModelPrice, t: TokenCounts): number {
  const usd = (t.input_tokens * p.input + t.output_tokens * p.output + t.cache_creation_input_tokens * p.cache_write + t.cache_read_input_tokens * p.cache_read) / 1_000_000;
  return Number(usd.toFixed(8));
}
