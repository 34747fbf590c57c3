import { describe, expect, it } from 'vitest';
import type { RiskPolicy } from '../../src/core/risk/policy.js';
import { validateDecision, type RiskContext } from '../../src/core/risk/validate.js';
import type { Decision } from '../../src/domain/decision.js';
import { decision, snapshot } from '../helpers/builders.js';

const policy: RiskPolicy = { minConfidence: 0.55, maxSizePct: 0.1, maxBuysPerCycle: 2, maxDailyLossPct: 0.03, allowlist: [], denylist: [] };
const ctx = (over: Partial<RiskContext> = {}): RiskContext => ({ snapshot: snapshot(), lastEquity: 100_000, buysApproved: 0, ...over });
const held = snapshot({ position: { qty: 10, avg_entry_price: 90, market_value: 1000, unrealized_pl: 100, covered_by_bracket: true } });

interface Case {
  name: string;
  d: Decision;
  c?: Partial<RiskContext>;
  p?: Partial<RiskPolicy>;
  kind: 'approved' | 'hold' | 'halt';
  rule?: string;
}

const cases: Case[] = [
  { name: 'equity zero halts', d: decision(), c: { snapshot: snapshot({ account: { equity: 0, cash: 0, buying_power: 0, day_pl: 0 } }) }, kind: 'halt', rule: 'equity_invalid' },
  { name: 'equity NaN halts', d: decision(), c: { snapshot: snapshot({ account: { equity: Number.NaN, cash: 0, buying_power: 0, day_pl: 0 } }) }, kind: 'halt', rule: 'equity_invalid' },
  { name: 'equity positive passes', d: decision(), kind: 'approved' },
  { name: 'daily loss beyond limit halts', d: decision(), c: { lastEquity: 104_000 }, kind: 'halt', rule: 'daily_loss_halt' },
  { name: 'daily loss within limit passes', d: decision(), c: { lastEquity: 102_000 }, kind: 'approved' },
  { name: 'daily loss halts a HOLD too (HALT beats everything)', d: decision({ action: 'HOLD' }), c: { lastEquity: 110_000 }, kind: 'halt', rule: 'daily_loss_halt' },
  { name: 'malformed: confidence 7', d: decision({ confidence: 7 }), kind: 'hold', rule: 'malformed_decision' },
  { name: 'malformed: unknown action', d: decision({ action: 'YOLO' as never }), kind: 'hold', rule: 'malformed_decision' },
  { name: 'malformed: negative stop', d: decision({ stop_loss: -5 }), kind: 'hold', rule: 'malformed_decision' },
  { name: 'malformed: other symbol', d: decision({ symbol: 'MSFT' }), kind: 'hold', rule: 'malformed_decision' },
  { name: 'malformed: six evidence items', d: decision({ evidence: ['a', 'b', 'c', 'd', 'e', 'f'] }), kind: 'hold', rule: 'malformed_decision' },
  { name: 'missing critical data forces HOLD', d: decision(), c: { snapshot: snapshot({ data_quality: { missing_critical: ['price'], missing_optional: [], staleness_sec: null } }) }, kind: 'hold', rule: 'missing_critical_data' },
  { name: 'missing optional data does not', d: decision(), c: { snapshot: snapshot({ data_quality: { missing_critical: [], missing_optional: ['news'], staleness_sec: 3 } }) }, kind: 'approved' },
  { name: 'denylisted symbol', d: decision(), p: { denylist: ['AAPL'] }, kind: 'hold', rule: 'symbol_denylisted' },
  { name: 'denylist of others passes', d: decision(), p: { denylist: ['TSLA'] }, kind: 'approved' },
  { name: 'not on allowlist', d: decision(), p: { allowlist: ['MSFT'] }, kind: 'hold', rule: 'symbol_not_allowlisted' },
  { name: 'on allowlist passes', d: decision(), p: { allowlist: ['AAPL'] }, kind: 'approved' },
  { name: 'SELL of an unheld symbol', d: decision({ action: 'SELL' }), kind: 'hold', rule: 'sell_unheld' },
  { name: 'SELL of a held symbol passes', d: decision({ action: 'SELL' }), c: { snapshot: held }, kind: 'approved' },
  { name: 'confidence below floor', d: decision({ confidence: 0.5 }), kind: 'hold', rule: 'confidence_floor' },
  { name: 'confidence at floor passes', d: decision({ confidence: 0.55 }), kind: 'approved' },
  { name: 'max buys per cycle reached', d: decision(), c: { buysApproved: 2 }, kind: 'hold', rule: 'max_buys_per_cycle' },
  { name: 'max buys not reached', d: decision(), c: { buysApproved: 1 }, kind: 'approved' },
  { name: 'max buys does not block SELLs', d: decision({ action: 'SELL' }), c: { buysApproved: 5, snapshot: held }, kind: 'approved' },
  { name: 'size clamp fires', d: decision({ size_pct: 0.5 }), kind: 'approved', rule: 'size_clamp' },
];

describe('risk policy', () => {
  it.each(cases)('$name', (t) => {
    const out = validateDecision(t.d, ctx(t.c), { ...policy, ...t.p });
    expect(out.kind).toBe(t.kind);
    if (t.rule) {
      expect(out.overrides.map((o) => o.rule)).toContain(t.rule);
      expect(out.overrides.every((o) => o.detail.length > 0)).toBe(true);
    } else {
      expect(out.overrides).toEqual([]);
    }
    if (t.kind !== 'approved') expect(out.final.action).toBe('HOLD');
  });

  it('size clamp lowers size_pct to the cap and keeps the BUY', () => {
    const out = validateDecision(decision({ size_pct: 0.5 }), ctx(), policy);
    expect(out.final).toMatchObject({ action: 'BUY', size_pct: 0.1 });
    expect(out.overrides).toEqual([{ rule: 'size_clamp', effect: 'clamp', detail: 'size_pct 0.5 clamped to 0.1' }]);
  });

  it('a model HOLD passes through untouched', () => {
    const d = decision({ action: 'HOLD', size_pct: 0 });
    expect(validateDecision(d, ctx(), policy)).toEqual({ kind: 'hold', final: d, overrides: [] });
  });
});
