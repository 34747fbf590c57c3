import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BrainResult } from '../domain/decision.js';
import type { Snapshot } from '../domain/snapshot.js';
import type { RegimeInputs } from '../core/regime-inputs.js';
import type { Brain, RegimeResult } from '../ports/brain.js';

/**
 * A Brain decorator that answers from a cache keyed by sha256 over (identity, kind, input):
 * identity names the model(s), the prompt version and anything else that changes what the model
 * is asked (the composition root fills it: model ids, prompt version and hash, size cap); input
 * is the snapshot (decide) or the regime inputs (regime), as canonical JSON (keys sorted).
 *
 * A hit costs nothing and returns exactly what was stored. A miss asks the wrapped brain, stores
 * the answer and returns the stored copy, so the first run and every re-run journal the same
 * bytes (the stored usage, tokens and cost included: the journal says what the decision cost when
 * it was made; stats() says what this run spent). Not stored, so a re-run asks again: answers that
 * fell back because the API failed (parseFallback reason `api_error...`, or no call completed),
 * and regime verdicts that fell back.
 *
 * The store is an append-only JSONL file (one `{key, kind, value}` per line), read whole at start.
 */

export interface BrainCacheStore {
  get(key: string): unknown;
  put(key: string, kind: 'decide' | 'regime', value: unknown): void;
  readonly size: number;
}

export interface CachedBrainStats {
  readonly hits: number;
  readonly misses: number;
  /** Misses whose answer was not stored (API failures). */
  readonly uncached: number;
  /** Sum of cost_usd of the calls made by this run (misses only). */
  readonly spentUsd: number;
  /** Sum of cost_usd of the answers served from the cache. */
  readonly savedUsd: number;
}

export interface CachedBrain extends Brain {
  stats(): CachedBrainStats;
}

/** JSON with object keys sorted at every level: the same value always serializes the same way. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x === null || typeof x !== 'object' || Array.isArray(x)) return x;
    const o = x as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) out[k] = o[k];
    return out;
  });
}

export function cacheKey(identity: Readonly<Record<string, unknown>>, kind: 'decide' | 'regime', input: unknown): string {
  return createHash('sha256').update(canonicalJson({ v: 1, identity, kind, input })).digest('hex');
}

export function createMemoryBrainCache(): BrainCacheStore {
  const m = new Map<string, unknown>();
  return {
    get: (k) => m.get(k),
    put: (k, _kind, v) => void m.set(k, v),
    get size() {
      return m.size;
    },
  };
}

/** The JSONL cache file. A torn last line (crash mid-append) is ignored; any other bad line is an error. */
export function createFileBrainCache(path: string): BrainCacheStore {
  const m = new Map<string, unknown>();
  if (existsSync(path)) {
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        const e = JSON.parse(line) as { key?: unknown; value?: unknown };
        if (typeof e.key === 'string') m.set(e.key, e.value);
      } catch (err) {
        if (i < lines.length - 1 && lines.slice(i + 1).some((l) => l.trim() !== '')) {
          throw new Error(`${path}:${i + 1}: not valid JSON (brain cache)`, { cause: err });
        }
      }
    });
  } else {
    mkdirSync(dirname(path), { recursive: true });
  }
  return {
    get: (k) => m.get(k),
    put(k, kind, v) {
      appendFileSync(path, `${JSON.stringify({ key: k, kind, value: v })}\n`);
      m.set(k, v);
    },
    get size() {
      return m.size;
    },
  };
}

const costOf = (usage: readonly { cost_usd: number }[]) => usage.reduce((a, u) => a + u.cost_usd, 0);
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

function cacheableDecision(r: BrainResult): boolean {
  if (!r.parseFallback) return true;
  return r.usage.length > 0 && !r.parseFallback.reason.startsWith('api_error');
}

export function createCachedBrain(inner: Brain, opts: { readonly identity: Readonly<Record<string, unknown>>; readonly store: BrainCacheStore }): CachedBrain {
  const { identity, store } = opts;
  let hits = 0;
  let misses = 0;
  let uncached = 0;
  let spent = 0;
  let saved = 0;
  return {
    name: inner.name,
    async decide(snapshot: Snapshot): Promise<BrainResult> {
      const key = cacheKey(identity, 'decide', snapshot);
      const hit = store.get(key) as BrainResult | undefined;
      if (hit !== undefined) {
        hits++;
        saved += costOf(hit.usage);
        return roundTrip(hit);
      }
      misses++;
      const r = await inner.decide(snapshot);
      spent += costOf(r.usage);
      const stored = roundTrip(r);
      if (cacheableDecision(r)) store.put(key, 'decide', stored);
      else uncached++;
      return roundTrip(stored);
    },
    async regime(inputs: RegimeInputs): Promise<RegimeResult> {
      const key = cacheKey(identity, 'regime', inputs);
      const hit = store.get(key) as RegimeResult | undefined;
      if (hit !== undefined) {
        hits++;
        saved += costOf(hit.usage);
        return roundTrip(hit);
      }
      misses++;
      const r = await inner.regime(inputs);
      spent += costOf(r.usage);
      const stored = roundTrip(r);
      if (!r.fallback) store.put(key, 'regime', stored);
      else uncached++;
      return roundTrip(stored);
    },
    stats: () => ({ hits, misses, uncached, spentUsd: Math.round(spent * 1e6) / 1e6, savedUsd: Math.round(saved * 1e6) / 1e6 }),
  };
}
