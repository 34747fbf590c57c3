import { afterEach, describe, expect, it } from 'vitest';
import { createClaudeBrain } from '../../src/adapters/claude/brain.js';
import { cacheMinTokensFor, conservativeTokenEstimate, DEFAULT_CACHE_MIN_TOKENS, UNKNOWN_MODEL_CACHE_MIN_TOKENS } from '../../src/adapters/claude/cache-minimum.js';
import type { MessagesClient } from '../../src/adapters/claude/client.js';
import { DEFAULT_PRICES } from '../../src/adapters/claude/pricing.js';
import { loadConfig } from '../../src/config.js';
import { snapshotForBrain } from '../../src/core/snapshot.js';
import { DEFAULT_SNAPSHOT_SETTINGS } from '../../src/core/snapshot/settings.js';
import type { Snapshot } from '../../src/domain/snapshot.js';
import { ConfigError } from '../../src/domain/errors.js';
import type { Logger } from '../../src/log.js';
import { fillTemplate, promptSet, PROMPTS, traderPromptVars } from '../../src/prompts/index.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { regime, snapshot } from '../helpers/builders.js';
import { decideRequests, MODEL, sdkBrain, userTurns } from './helpers.js';

/**
 * Prompt caching that actually caches: the API silently caches nothing below the model's
 * minimum cacheable length, so the trader prompt's stable prefix must clear it for every model
 * we may be configured with, and the brain says so at startup when it does not.
 */

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const never: MessagesClient = { create: () => Promise.reject(new Error('no calls in this test')) };

function recordingLog() {
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
  const log: Logger = { debug() {}, info() {}, warn: (msg, fields) => void warnings.push({ msg, fields: fields ?? {} }), error() {} };
  return { log, warnings };
}

const brainFor = (model: string, over: Partial<Parameters<typeof createClaudeBrain>[0]> = {}) =>
  createClaudeBrain({
    client: never,
    models: { trader: model, regime: model },
    prices: DEFAULT_PRICES,
    maxConcurrency: 4,
    maxConsecutiveFailures: 3,
    maxOutputTokens: 1024,
    regimeTtlSec: 900,
    maxSizePct: 0.1,
    feedbackPath: null,
    clock: { now: () => 0 },
    ...over,
  });

describe('the cached prefix against the minimum cacheable length', () => {
  it('the current trader prompt clears the minimum of the configured trader model and of every model in the table', () => {
    const c = loadConfig({ ANTHROPIC_API_KEY: 'k' });
    const configured = brainFor(c.brain.models.trader, { cacheMinTokens: c.brain.cacheMinTokens, maxSizePct: c.risk.maxSizePct }).cachePrefix;
    expect(configured).toMatchObject({ model: 'claude-haiku-5-5', minTokens: 4096, ok: true });
    for (const model of [...Object.keys(DEFAULT_CACHE_MIN_TOKENS), 'some-future-model']) {
      const p = brainFor(model).cachePrefix;
      expect(p.ok, `${model}: ${p.estimatedTokens} estimated tokens < ${p.minTokens}`).toBe(true);
    }
  });

  it('the estimate is the filled system text at the documented conservative ratio', () => {
    const text = fillTemplate(PROMPTS.traderSystem, traderPromptVars(0.1));
    expect(brainFor(MODEL).cachePrefix.estimatedTokens).toBe(conservativeTokenEstimate(text));
    expect(conservativeTokenEstimate('x'.repeat(4500))).toBe(1000);
  });

  it('v1 (about 1.8k tokens) was below Haiku-class minimums: the brain warns at startup, and not with v2', () => {
    const v1 = recordingLog();
    const b1 = brainFor(MODEL, { prompts: promptSet('claude-v1'), log: v1.log });
    expect(b1.cachePrefix.ok).toBe(false);
    expect(v1.warnings).toHaveLength(1);
    expect(v1.warnings[0]!.msg).toMatch(/below the model minimum cacheable length/);
    expect(v1.warnings[0]!.fields).toMatchObject({ model: MODEL, prompt_version: 'claude-v1', min_tokens: 4096 });
    expect(v1.warnings[0]!.fields.estimated_tokens).toBeLessThan(4096);
    const v2 = recordingLog();
    brainFor(MODEL, { log: v2.log });
    expect(v2.warnings).toEqual([]);
  });

  it('minimums by model id: exact, longest prefix for dated ids, the largest documented figure for unknown models', () => {
    expect(cacheMinTokensFor(DEFAULT_CACHE_MIN_TOKENS, 'claude-sonnet-4-5')).toBe(1024);
    expect(cacheMinTokensFor(DEFAULT_CACHE_MIN_TOKENS, 'claude-sonnet-4-5-20250929')).toBe(1024);
    expect(cacheMinTokensFor(DEFAULT_CACHE_MIN_TOKENS, 'claude-sonnet-4-6')).toBe(2048);
    expect(cacheMinTokensFor(DEFAULT_CACHE_MIN_TOKENS, 'claude-haiku-4-5-20251001')).toBe(4096);
    expect(cacheMinTokensFor(DEFAULT_CACHE_MIN_TOKENS, 'my-model')).toBe(UNKNOWN_MODEL_CACHE_MIN_TOKENS);
  });

  it('BRAIN_CACHE_MIN_TOKENS_JSON overrides the table; a bad value is a configuration error naming the variable', () => {
    const c = loadConfig({ ANTHROPIC_API_KEY: 'k', BRAIN_CACHE_MIN_TOKENS_JSON: '{"claude-haiku-5-5":100000}' });
    expect(c.brain.cacheMinTokens['claude-haiku-5-5']).toBe(100_000);
    expect(c.brain.cacheMinTokens['claude-sonnet-4-5']).toBe(1024);
    expect(brainFor(c.brain.models.trader, { cacheMinTokens: c.brain.cacheMinTokens }).cachePrefix.ok).toBe(false);
    for (const bad of ['{nope', '{"m":-1}', '{"m":"4096"}']) {
      try {
        loadConfig({ ANTHROPIC_API_KEY: 'k', BRAIN_CACHE_MIN_TOKENS_JSON: bad });
        expect.unreachable(bad);
      } catch (e) {
        expect((e as ConfigError).problems.map((p) => p.variable)).toEqual(['BRAIN_CACHE_MIN_TOKENS_JSON']);
      }
    }
  });
});

describe('caching against the fake Messages API at the model minimum', () => {
  async function cycleOf(prompts: ReturnType<typeof promptSet>) {
    const f = (fake = await startFakeAnthropic({ cacheMinTokens: cacheMinTokensFor(DEFAULT_CACHE_MIN_TOKENS, MODEL) }));
    const brain = sdkBrain(f, { prompts, cacheWarmup: true });
    const results = await Promise.all(['AAPL', 'MSFT', 'NVDA', 'AMZN'].map((symbol) => brain.decide(snapshot({ symbol }))));
    const usage = results.map((r) => r.usage[0]!);
    await f.close();
    fake = undefined;
    return usage;
  }

  it('v2: the first decision writes the prefix, every later one reads it, and the usage says so', async () => {
    const [first, ...rest] = await cycleOf(PROMPTS);
    expect(first!.cache_creation_input_tokens).toBeGreaterThanOrEqual(4096);
    expect(first!.cache_read_input_tokens).toBe(0);
    for (const u of rest) {
      expect(u.cache_read_input_tokens).toBe(first!.cache_creation_input_tokens);
      expect(u.cache_creation_input_tokens).toBe(0);
      // Cache reads bill at a tenth of input: each later call costs less than the first.
      expect(u.cost_usd).toBeLessThan(first!.cost_usd);
    }
  });

  it('v1: nothing is cached, whatever cache_control says', async () => {
    const usage = await cycleOf(promptSet('claude-v1'));
    for (const u of usage) expect(u.cache_creation_input_tokens + u.cache_read_input_tokens).toBe(0);
  });
});

describe('the snapshot goes out as the snapshot module brain view', () => {
  /** A snapshot far beyond the brain JSON bound: long headlines and many listed positions. */
  function oversized(): Snapshot {
    const base = snapshot({ market_regime: regime({ rationale: 'r'.repeat(400) }) });
    const positions = Array.from({ length: 60 }, (_, i) => ({ symbol: `S${i}`, qty: 10, market_value: 1000 + i, unrealized_pl_pct: 1.5, sector: 'Technology' }));
    const news = Array.from({ length: 60 }, (_, i) => ({ headline: `Headline ${i} <b>${'x'.repeat(150)}</b>`, source: 'wire', age_hours: i }));
    return { ...base, portfolio: { ...base.portfolio, positions, positions_total: 60 }, enrichment: { ...base.enrichment, news } };
  }

  it('the user turn carries exactly snapshotForBrain(): canonical, size-bounded, angle brackets escaped', async () => {
    const f = (fake = await startFakeAnthropic());
    const s = oversized();
    expect(Buffer.byteLength(JSON.stringify(s))).toBeGreaterThan(DEFAULT_SNAPSHOT_SETTINGS.maxBrainBytes);
    await sdkBrain(f).decide(s);
    const [user] = userTurns(decideRequests(f)[0]!.body);
    const json = user!.slice(user!.indexOf('<<<SNAPSHOT_JSON\n') + '<<<SNAPSHOT_JSON\n'.length, user!.indexOf('\nSNAPSHOT_JSON>>>'));
    expect(json).toBe(snapshotForBrain(s));
    expect(Buffer.byteLength(json)).toBeLessThanOrEqual(DEFAULT_SNAPSHOT_SETTINGS.maxBrainBytes);
    expect(json).not.toMatch(/[<>]/);
    expect((JSON.parse(json) as Snapshot).truncated?.length).toBeGreaterThan(0);
  });
});

describe('the v2 glossary', () => {
  /** Every key of a fully populated snapshot (position, listed positions, news, earnings, truncation). */
  function keysOf(v: unknown, out = new Set<string>()): Set<string> {
    if (Array.isArray(v)) for (const x of v) keysOf(x, out);
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        // sector_notional_pct's keys are sector names, not fields.
        out.add(k);
        if (k !== 'sector_notional_pct') keysOf(x, out);
      }
    }
    return out;
  }

  it('names every field the model can see, in backticks', () => {
    const base = snapshot();
    const full: Snapshot = {
      ...base,
      position: { qty: 10, avg_entry_price: 95, market_value: 1000, unrealized_pl: 50, covered_by_bracket: true },
      portfolio: { ...base.portfolio, positions: [{ symbol: 'AAPL', qty: 10, market_value: 1000, unrealized_pl_pct: 5.26, sector: 'Technology' }], positions_total: 1, sector_notional_pct: { Technology: 1 } },
      enrichment: { sector: 'Technology', news: [{ headline: 'h', source: 's', age_hours: 1 }], earnings: { date: '2026-11-24', days_until: 4 } },
      truncated: ['news_dropped'],
    };
    const text = PROMPTS.traderSystem;
    const missing = [...keysOf(full)].filter((k) => !new RegExp('`[^`\\n]*\\b' + k + '\\b[^`\\n]*`').test(text));
    expect(missing).toEqual([]);
  });
});
