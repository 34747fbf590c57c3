import type { Decision, Override, RiskOutcome } from '../../domain/decision.js';
import { holdDecision } from '../../domain/decision.js';
import type { Snapshot } from '../../domain/snapshot.js';
import { decisionSchema } from '../decision-schema.js';
import { RULES, type RiskPolicy } from './policy.js';

export interface RiskContext {
  readonly snapshot: Snapshot;
  /** Equity at the previous session close, for the daily-loss halt. */
  readonly lastEquity: number;
  /** BUYs already approved in this cycle. */
  readonly buysApproved: number;
}

const toHold = (d: Decision, why: string): Decision => ({ ...holdDecision(d.symbol, d.strategy, why), evidence: d.evidence });

/**
 * Tier 1 (structural) then tier 2 (policy). Pure: the same decision and context always give
 * the same outcome. Every change names its rule. A HALT beats everything.
 */
export function validateDecision(raw: Decision, ctx: RiskContext, p: RiskPolicy): RiskOutcome {
  const s = ctx.snapshot;
  const overrides: Override[] = [];
  const equity = s.account.equity;

  // ---- tier 1 ----
  if (!Number.isFinite(equity) || equity <= 0) {
    const o = { rule: RULES.equityInvalid, effect: 'halt', detail: `equity ${String(equity)} is not a positive finite number` } as const;
    return { kind: 'halt', final: toHold(raw, `HALT: ${o.detail}`), overrides: [o] };
  }
  if (ctx.lastEquity > 0 && (equity - ctx.lastEquity) / ctx.lastEquity <= -p.maxDailyLossPct) {
    const lossPct = ((ctx.lastEquity - equity) / ctx.lastEquity) * 100;
    const o = { rule: RULES.dailyLoss, effect: 'halt', detail: `day loss ${lossPct.toFixed(2)}% reached the ${(p.maxDailyLossPct * 100).toFixed(2)}% limit` } as const;
    return { kind: 'halt', final: toHold(raw, `HALT: ${o.detail}`), overrides: [o] };
  }
  const parsed = decisionSchema.safeParse(raw);
  if (!parsed.success || raw.symbol !== s.symbol) {
    const detail = parsed.success
      ? `decision is for ${raw.symbol}, snapshot is ${s.symbol}`
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 500);
    const sym = typeof raw.symbol === 'string' && raw.symbol === s.symbol ? raw.symbol : s.symbol;
    return { kind: 'hold', final: holdDecision(sym, 'risk', `malformed decision: ${detail}`), overrides: [{ rule: RULES.malformed, effect: 'hold', detail }] };
  }
  let d: Decision = parsed.data;
  if (d.action === 'HOLD') return { kind: 'hold', final: d, overrides };

  if (s.data_quality.missing_critical.length > 0) {
    const detail = `missing critical data: ${s.data_quality.missing_critical.join(', ')}`;
    return { kind: 'hold', final: toHold(d, detail), overrides: [{ rule: RULES.missingCritical, effect: 'hold', detail }] };
  }
  if (p.denylist.includes(d.symbol)) {
    const detail = `${d.symbol} is on RISK_DENYLIST`;
    return { kind: 'hold', final: toHold(d, detail), overrides: [{ rule: RULES.denylist, effect: 'hold', detail }] };
  }
  if (p.allowlist.length > 0 && !p.allowlist.includes(d.symbol) && d.action === 'BUY') {
    const detail = `${d.symbol} is not on RISK_ALLOWLIST`;
    return { kind: 'hold', final: toHold(d, detail), overrides: [{ rule: RULES.allowlist, effect: 'hold', detail }] };
  }

  // ---- tier 2 ----
  if (d.action === 'SELL' && (s.position === null || s.position.qty <= 0)) {
    const detail = `SELL of ${d.symbol} but no position is held`;
    return { kind: 'hold', final: toHold(d, detail), overrides: [{ rule: RULES.sellUnheld, effect: 'hold', detail }] };
  }
  if (d.confidence < p.minConfidence) {
    const detail = `confidence ${d.confidence.toFixed(2)} < floor ${p.minConfidence.toFixed(2)}`;
    return { kind: 'hold', final: toHold(d, detail), overrides: [{ rule: RULES.confidence, effect: 'hold', detail }] };
  }
  if (d.action === 'BUY') {
    if (ctx.buysApproved >= p.maxBuysPerCycle) {
      const detail = `${ctx.buysApproved} BUYs already approved this cycle (max ${p.maxBuysPerCycle})`;
      return { kind: 'hold', final: toHold(d, detail), overrides: [{ rule: RULES.maxBuys, effect: 'hold', detail }] };
    }
    if (d.size_pct > p.maxSizePct) {
      overrides.push({ rule: RULES.sizeClamp, effect: 'clamp', detail: `size_pct ${d.size_pct} clamped to ${p.maxSizePct}` });
      d = { ...d, size_pct: p.maxSizePct };
    }
  }
  return { kind: 'approved', final: d, overrides };
}
