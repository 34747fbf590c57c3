import { afterEach, describe, expect, it } from 'vitest';
import { runCycle } from '../../src/cycle/run-cycle.js';
import type { LogicJson } from '../../src/ports/journal.js';
import { PROMPT_VERSION } from '../../src/prompts/index.js';
import { apiError, startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { countingBroker, makeWorld } from '../helpers/world.js';
import { sdkBrain } from './helpers.js';

const PRICES = { AAPL: 100, MSFT: 200, NVDA: 50, AMZN: 120, META: 300, SPY: 400 };

interface UsageRow {
  cycle_id: string;
  trade_id: string | null;
  as_of: string;
  model: string;
  purpose: string;
  attempt: number;
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  latency_ms: number;
  cost_usd: number;
}
interface TradeRow {
  symbol: string;
  brain: string;
  action: string;
  parse_fallback: number;
  cost_usd: number;
  execute_status: string;
  logic_json: string;
}

let fake: FakeAnthropic | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function rows(w: ReturnType<typeof makeWorld>) {
  const trades = w.journal.db.prepare('SELECT * FROM trades ORDER BY symbol').all() as TradeRow[];
  const usage = w.journal.db.prepare('SELECT * FROM llm_usage ORDER BY id').all() as UsageRow[];
  return { trades, usage };
}

describe('a cycle with the Claude brain (real SDK -> fake Messages API) on the simulator', () => {
  it('journals Claude decisions with token usage and cost: trades.logic_json, llm_usage rows, summary totals', async () => {
    fake = await startFakeAnthropic({ mode: 'valid' });
    const w = makeWorld({ prices: PRICES, brain: sdkBrain(fake) });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.status).toBe('ok');
    expect(s.brain).toBe('claude');
    const { trades, usage } = rows(w);
    expect(trades).toHaveLength(6);
    for (const t of trades) {
      expect(t.brain).toBe('claude');
      expect(t.parse_fallback).toBe(0);
      const logic = JSON.parse(t.logic_json) as LogicJson;
      expect(logic.prompt_version).toBe(PROMPT_VERSION);
      expect(logic.usage).toHaveLength(1);
      expect(logic.usage[0]!.input_tokens).toBeGreaterThan(0);
      expect(t.cost_usd).toBeGreaterThan(0);
      expect(t.cost_usd).toBeCloseTo(logic.cost_usd, 12);
    }
    // One regime row (no trade) and one row per decision call, each tied to its trade.
    expect(usage.filter((u) => u.purpose === 'regime').map((u) => u.trade_id)).toEqual([null]);
    const decideRows = usage.filter((u) => u.purpose === 'decide');
    expect(decideRows.map((u) => u.trade_id).sort()).toEqual(trades.map((t) => `${s.cycle_id}:${t.symbol}`).sort());
    expect(usage.every((u) => u.cycle_id === s.cycle_id && u.as_of === new Date(w.asOf).toISOString() && u.model === 'claude-haiku-5-5')).toBe(true);
    // The same figures, journaled as the brain reported them.
    for (const t of trades) {
      const logic = JSON.parse(t.logic_json) as LogicJson;
      const row = decideRows.find((u) => u.trade_id === `${s.cycle_id}:${t.symbol}`)!;
      const { latency_ms: _l, cost_usd: _c, ...tokens } = logic.usage[0]!;
      expect(row).toMatchObject(tokens);
      expect(row.cost_usd).toBeCloseTo(logic.usage[0]!.cost_usd, 12);
    }
    // Summary totals cover every call, regime included.
    expect(s.tokens).toEqual({
      input: usage.reduce((a, u) => a + u.input_tokens, 0),
      output: usage.reduce((a, u) => a + u.output_tokens, 0),
      cache_creation_input: usage.reduce((a, u) => a + u.cache_creation_input_tokens, 0),
      cache_read_input: usage.reduce((a, u) => a + u.cache_read_input_tokens, 0),
      calls: usage.length,
    });
    expect(s.cost_usd).toBeCloseTo(usage.reduce((a, u) => a + u.cost_usd, 0), 6);
    expect(s.regime?.source).toBe('claude');
  });

  it('garbage from the model: every symbol ends in a journaled safe HOLD, no order, the cycle completes', async () => {
    fake = await startFakeAnthropic({ mode: 'garbage' });
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({ prices: PRICES, brain: sdkBrain(fake), wrapBroker: (b) => (broker = countingBroker(b)) });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.status).toBe('ok');
    expect(s.actions).toEqual({ BUY: 0, SELL: 0, HOLD: 6 });
    expect(broker!.submits).toBe(0);
    const { trades, usage } = rows(w);
    expect(trades).toHaveLength(6);
    for (const t of trades) {
      expect(t).toMatchObject({ action: 'HOLD', parse_fallback: 1, execute_status: 'none' });
      const logic = JSON.parse(t.logic_json) as LogicJson;
      expect(logic.parse_fallback?.reason).toMatch(/^(no_json|invalid_json): .*after 3 attempts/);
      expect(logic.usage).toHaveLength(3);
    }
    // Regime fell back to rules, journaled as such.
    const regime = JSON.parse((w.journal.db.prepare('SELECT regime_json FROM cycles').get() as { regime_json: string }).regime_json) as { source: string; rationale: string };
    expect(regime.source).toBe('rules_fallback');
    expect(usage.filter((u) => u.purpose === 'regime')).toHaveLength(2);
    expect(usage.filter((u) => u.purpose === 'decide')).toHaveLength(18);
  });

  it('a provider outage: after BRAIN_MAX_CONSECUTIVE_FAILURES the remaining symbols skip the model; the cycle completes', async () => {
    fake = await startFakeAnthropic({ script: () => apiError(529) });
    const w = makeWorld({ prices: PRICES, brain: sdkBrain(fake, { maxRetries: 0, maxConcurrency: 1, maxConsecutiveFailures: 3 }) });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.status).toBe('ok');
    // The regime call failed first (1), then two decisions (2, 3); then the breaker opened.
    expect(fake.requests).toHaveLength(3);
    const { trades, usage } = rows(w);
    expect(usage).toHaveLength(0);
    const reasons = trades.map((t) => (JSON.parse(t.logic_json) as LogicJson).parse_fallback?.reason ?? '');
    expect(reasons.filter((r) => r.startsWith('api_error: 529'))).toHaveLength(2);
    expect(reasons.filter((r) => r.startsWith('breaker_open'))).toHaveLength(4);
    expect(trades.every((t) => t.action === 'HOLD' && t.parse_fallback === 1)).toBe(true);
  });
});
