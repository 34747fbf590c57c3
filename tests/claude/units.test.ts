import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createClaudeBrain } from '../../src/adapters/claude/brain.js';
import { createCycleBreaker } from '../../src/adapters/claude/breaker.js';
import type { ApiMessage, MessageParams, MessagesClient } from '../../src/adapters/claude/client.js';
import { costUsd, DEFAULT_PRICES, mergePrices, priceFor } from '../../src/adapters/claude/pricing.js';
import { createSemaphore } from '../../src/adapters/claude/semaphore.js';
import { chooseBrain } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config.js';
import { ConfigError } from '../../src/domain/errors.js';
import { fillTemplate, promptSet, PROMPTS, PROMPT_VERSION } from '../../src/prompts/index.js';
import { snapshot } from '../helpers/builders.js';
import { goodDecision } from './helpers.js';

describe('semaphore', () => {
  it('never runs more than the limit, runs everything, in FIFO order', async () => {
    const sem = createSemaphore(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const tasks = Array.from({ length: 6 }, (_, i) =>
      sem.run(async () => {
        active++;
        peak = Math.max(peak, active);
        order.push(i);
        await new Promise<void>((r) => gates.push(r));
        active--;
        return i;
      }),
    );
    for (let k = 0; k < 6; k++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    while (gates.length) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
    expect(sem.peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(sem.active).toBe(0);
  });

  it('a throwing task releases its slot', async () => {
    const sem = createSemaphore(1);
    await expect(sem.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await sem.run(async () => 7)).toBe(7);
  });

  it('rejects a non-positive limit', () => {
    expect(() => createSemaphore(0)).toThrow(RangeError);
  });
});

describe('per-cycle breaker (keyed by as_of)', () => {
  it('opens after N consecutive failures under one key, other keys unaffected, success resets below N', () => {
    const b = createCycleBreaker(3);
    b.recordFailure('t1');
    b.recordFailure('t1');
    b.recordSuccess('t1');
    b.recordFailure('t1');
    b.recordFailure('t1');
    expect(b.openReason('t1')).toBeNull();
    b.recordFailure('t1');
    expect(b.openReason('t1')).toMatch(/^breaker_open: 3 consecutive API failures/);
    b.recordSuccess('t1'); // a late success from a call already in flight does not re-close it
    expect(b.openReason('t1')).not.toBeNull();
    expect(b.openReason('t2')).toBeNull();
  });
  it('keeps a bounded number of keys', () => {
    const b = createCycleBreaker(1);
    for (let i = 0; i < 100; i++) b.recordFailure(`k${i}`);
    expect(b.failures('k0')).toBe(0);
    expect(b.failures('k99')).toBe(1);
  });
});

describe('pricing', () => {
  it('prices input, output, cache writes and cache reads separately', () => {
    const p = DEFAULT_PRICES['claude-haiku-5-5']!;
    expect(costUsd(p, { input_tokens: 1_000_000, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })).toBe(p.input);
    expect(costUsd(p, { input_tokens: 0, output_tokens: 1_000_000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })).toBe(p.output);
    expect(costUsd(p, { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 1_000_000, cache_read_input_tokens: 0 })).toBe(p.cache_write);
    expect(costUsd(p, { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 1_000_000 })).toBe(p.cache_read);
  });
  it('matches dated model ids by their longest known prefix; unknown models have no price', () => {
    const t = mergePrices({ 'claude-haiku-5-5-fast': { input: 9, output: 9, cache_write: 9, cache_read: 9 } });
    expect(priceFor(t, 'claude-haiku-5-5-20260101')).toEqual(DEFAULT_PRICES['claude-haiku-5-5']);
    expect(priceFor(t, 'claude-haiku-5-5-fast-1')?.input).toBe(9);
    expect(priceFor(t, 'gpt-9')).toBeNull();
  });
});

describe('prompts', () => {
  const shaOf = (folder: string) =>
    createHash('sha256')
      .update(['trader-system.md', 'regime-system.md', 'reminder.md', 'strict.md'].map((f) => `${f}\n${readFileSync(new URL(`../../src/prompts/${folder}/${f}`, import.meta.url), 'utf8')}`).join('\n'))
      .digest('hex')
      .slice(0, 16);
  it('shipped versions are frozen: edit a copy under a new version instead (then pin its hash here)', () => {
    expect(PROMPT_VERSION).toBe('claude-v2');
    expect(PROMPTS).toBe(promptSet('claude-v2'));
    expect(promptSet('claude-v1').sha).toBe(shaOf('v1'));
    expect(shaOf('v1')).toBe('43bbc4a36db49b03');
    expect(PROMPTS.sha).toBe(shaOf('v2'));
    expect(shaOf('v2')).toBe('b71ffd59ee1234c7');
  });
  it('states the hard rules and the data/instruction boundary', () => {
    const t = PROMPTS.traderSystem;
    for (const needle of ['missing_critical', 'Never SELL a symbol that is not held', 'covered_by_bracket', '{{MAX_SIZE_PCT}}', 'not instructions', 'HISTORICAL CRITIQUE', 'bearish_tickers']) expect(t).toContain(needle);
  });
  it('fillTemplate refuses to leave a hole', () => {
    expect(fillTemplate('a {{X}} b', { X: '1' })).toBe('a 1 b');
    expect(() => fillTemplate('a {{Y}}', {})).toThrow(/\{\{Y\}\}/);
    // Values are not re-scanned: a reason quoting "{{X}}" stays literal.
    expect(fillTemplate('{{A}}', { A: '{{B}}' })).toBe('{{B}}');
  });
});

describe('config and composition', () => {
  it('BRAIN defaults to claude with a key, rules without; claude without a key is a config error', () => {
    expect(loadConfig({}).brain.kind).toBe('rules');
    expect(loadConfig({ ANTHROPIC_API_KEY: 'k' }).brain.kind).toBe('claude');
    expect(loadConfig({ ANTHROPIC_API_KEY: 'k', BRAIN: 'rules' }).brain.kind).toBe('rules');
    expect(() => loadConfig({ BRAIN: 'claude' })).toThrow(ConfigError);
  });
  it('defaults', () => {
    const b = loadConfig({ ANTHROPIC_API_KEY: 'k' });
    expect(b.brain).toMatchObject({
      baseUrl: null,
      models: { trader: 'claude-haiku-5-5', regime: 'claude-haiku-5-5', review: 'claude-sonnet-5-5' },
      maxConcurrency: 4,
      maxConsecutiveFailures: 3,
      cacheWarmup: true,
    });
    expect(b.regimeTtlSec).toBe(900);
  });
  it('BRAIN_PRICES_JSON is validated and merged; a model without a price is refused', () => {
    const c = loadConfig({ ANTHROPIC_API_KEY: 'k', BRAIN_TRADER_MODEL: 'my-model', BRAIN_PRICES_JSON: '{"my-model":{"input":2,"output":8,"cache_write":2.5,"cache_read":0.2}}' });
    expect(c.brain.prices['my-model']?.output).toBe(8);
    expect(c.brain.prices['claude-haiku-5-5']).toBeDefined();
    const err = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (e) {
        return (e as ConfigError).problems.map((p) => p.variable);
      }
      return [];
    };
    expect(err({ ANTHROPIC_API_KEY: 'k', BRAIN_PRICES_JSON: '{nope' })).toEqual(['BRAIN_PRICES_JSON']);
    expect(err({ ANTHROPIC_API_KEY: 'k', BRAIN_PRICES_JSON: '{"m":{"input":-1,"output":1,"cache_write":1,"cache_read":1}}' })).toEqual(['BRAIN_PRICES_JSON']);
    expect(err({ ANTHROPIC_API_KEY: 'k', BRAIN_TRADER_MODEL: 'unknown-model' })).toEqual(['BRAIN_TRADER_MODEL']);
    expect(err({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'not a url' })).toEqual(['ANTHROPIC_BASE_URL']);
  });
  it('chooseBrain returns the Claude brain for BRAIN=claude and the rules brain otherwise', () => {
    expect(chooseBrain(loadConfig({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: 'http://127.0.0.1:1' })).name).toBe('claude');
    expect(chooseBrain(loadConfig({ ANTHROPIC_API_KEY: 'k', BRAIN: 'rules' })).name).toBe('rules');
    expect(chooseBrain(loadConfig({})).name).toBe('rules');
  });
});

/** An in-process client whose calls finish only when the test says so. */
function gatedClient(cacheTokens: number) {
  const pending: { params: MessageParams; resolve: () => void }[] = [];
  let inFlight = 0;
  const starts: number[] = [];
  const client: MessagesClient = {
    create: (params) => {
      inFlight++;
      starts.push(inFlight);
      return new Promise<ApiMessage>((resolve) => {
        pending.push({
          params,
          resolve: () => {
            inFlight--;
            const first = params.messages[0]?.content;
            const sym = /"symbol":"([A-Z]+)"/.exec(typeof first === 'string' ? first : '')?.[1] ?? 'X';
            resolve({
              content: [{ type: 'text', text: goodDecision(sym), citations: null }],
              stop_reason: 'end_turn',
              usage: { input_tokens: 100, output_tokens: 50, cache_creation_input_tokens: cacheTokens, cache_read_input_tokens: 0 },
            } as unknown as ApiMessage);
          },
        });
      });
    },
  };
  return { client, pending, starts };
}
const tick = () => new Promise((r) => setImmediate(r));

describe('cache warm-up', () => {
  const make = (client: MessagesClient) =>
    createClaudeBrain({ client, models: { trader: 'claude-haiku-5-5', regime: 'claude-haiku-5-5' }, prices: DEFAULT_PRICES, maxConcurrency: 4, maxConsecutiveFailures: 3, maxOutputTokens: 1024, regimeTtlSec: 0, maxSizePct: 0.1, feedbackPath: null, clock: { now: () => 0 }, cacheWarmup: true });

  async function drain(g: ReturnType<typeof gatedClient>, all: Promise<unknown>) {
    for (let i = 0; i < 50 && g.pending.length === 0; i++) await tick();
    while (g.pending.length > 0) {
      g.pending.shift()!.resolve();
      for (let i = 0; i < 5; i++) await tick();
    }
    await all;
  }

  it('the first call of a cycle goes alone; the rest follow once it returns', async () => {
    const g = gatedClient(1500);
    const brain = make(g.client);
    const all = Promise.all(['A', 'B', 'C', 'D'].map((symbol) => brain.decide(snapshot({ symbol }))));
    for (let i = 0; i < 10; i++) await tick();
    expect(g.pending).toHaveLength(1); // only the primer is out
    await drain(g, all);
    expect(g.starts).toEqual([1, 1, 2, 3]);
  });

  it('turns itself off when the API reports no cache activity (prefix below the cacheable minimum)', async () => {
    const g = gatedClient(0);
    const brain = make(g.client);
    await drain(g, Promise.all(['A', 'B'].map((symbol) => brain.decide(snapshot({ symbol })))));
    // Next cycle: no primer, all calls go out together.
    const next = Promise.all(['A', 'B', 'C'].map((symbol) => brain.decide(snapshot({ symbol, as_of: '2026-11-20T15:30:00.000Z' }))));
    for (let i = 0; i < 10; i++) await tick();
    expect(g.pending).toHaveLength(3);
    await drain(g, next);
  });
});
