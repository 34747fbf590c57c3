import type { Decision, Override, RiskOutcome } from '../../domain/decision.js';
import { holdDecision } from '../../domain/decision.js';
import type { Snapshot } from '../../domain/snapshot.js';
import { decisionSchema } from '../decision-schema.js';
import { sizeBuy } from '../sizing.js';
import { nyIso } from '../time/ny.js';
import { resolveRiskContext, type CycleApprovals, type RiskContext } from './context.js';
import { isDiscretionaryExit, RULES, type RiskPolicy } from './policy.js';
import { activeHalt, checkBreakers } from './state.js';

export type { CycleApprovals, RiskContext } from './context.js';

const toHold = (d: Decision, why: string): Decision => ({ ...holdDecision(d.symbol, d.strategy, why), evidence: d.evidence });
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** This symbol's sector and the dollars already in it, from the snapshot's portfolio context (unknown -> the symbol alone). */
export function sectorExposure(s: Snapshot): { sector: string | null; notional: number } {
  const own = s.position?.market_value ?? 0;
  // Read defensively: older snapshots have no enrichment/portfolio blocks.
  const sector = (s as Partial<Snapshot>).enrichment?.sector ?? null;
  const pf = (s as Partial<Snapshot>).portfolio;
  if (sector === null || !pf) return { sector, notional: Math.max(0, own) };
  if (pf.positions.length >= pf.positions_total) {
    const sum = pf.positions.filter((l) => l.sector === sector).reduce((a, l) => a + l.market_value, 0);
    return { sector, notional: Math.max(own, sum) };
  }
  // Partial list: use the sector's share, or the "other" bucket it may be folded into (an upper bound).
  const share = pf.sector_notional_pct[sector] ?? pf.sector_notional_pct.other ?? 0;
  return { sector, notional: Math.max(own, (share / 100) * s.account.equity) };
}

/**
 * Tier 1 (structural) then tier 2 (policy). Pure: the same decision and context always give
 * the same outcome. Every change names its rule. A HALT beats everything; tier 1 is never
 * relaxed. With p.softPolicy, tier-2 vetoes become `warn` overrides and the decision goes on
 * (sizing caps still clamp).
 */
export function validateDecision(raw: Decision, context: RiskContext, p: RiskPolicy): RiskOutcome {
  const ctx = resolveRiskContext(context);
  const s = ctx.snapshot;
  const overrides: Override[] = [];
  const equity = s.account.equity;
  const halt = (o: Override): RiskOutcome => ({ kind: 'halt', final: toHold(raw, `HALT: ${o.detail}`), overrides: [o] });

  // ---- tier 1: halts ----
  if (!Number.isFinite(equity) || equity <= 0) {
    return halt({ rule: RULES.equityInvalid, effect: 'halt', detail: `equity ${String(equity)} is not a positive finite number` });
  }
  const breaker = checkBreakers({ equity, lastEquity: ctx.lastEquity, sessionPeak: ctx.sessionPeakEquity }, p);
  if (breaker) return halt(breaker);
  const h = activeHalt(ctx.halt, ctx.asOf);
  if (h) return halt({ rule: RULES.haltActive, effect: 'halt', detail: `trading halted until ${h.until_ny} (${h.rule}: ${h.detail})` });

  // ---- tier 1: structure ----
  const parsed = decisionSchema.safeParse(raw);
  if (!parsed.success || raw.symbol !== s.symbol) {
    const detail = parsed.success
      ? `decision is for ${raw.symbol}, snapshot is ${s.symbol}`
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ').slice(0, 500);
    return { kind: 'hold', final: holdDecision(s.symbol, 'risk', `malformed decision: ${detail}`), overrides: [{ rule: RULES.malformed, effect: 'hold', detail }] };
  }
  let d: Decision = parsed.data;
  if (d.action === 'HOLD') return { kind: 'hold', final: d, overrides };
  const hold = (rule: string, detail: string): RiskOutcome => ({ kind: 'hold', final: toHold(d, detail), overrides: [...overrides, { rule, effect: 'hold', detail }] });

  if (ctx.killSwitch) {
    const detail = `kill switch engaged: no new orders (${d.action} ${d.symbol} not sent)`;
    return { kind: 'halt', final: toHold(d, `HOLD: ${detail}`), overrides: [{ rule: RULES.killSwitch, effect: 'halt', detail }] };
  }
  if (s.data_quality.missing_critical.length > 0) return hold(RULES.missingCritical, `missing critical data: ${s.data_quality.missing_critical.join(', ')}`);
  if (p.denylist.includes(d.symbol)) return hold(RULES.denylist, `${d.symbol} is on RISK_DENYLIST`);
  if (d.action === 'BUY' && p.allowlist.length > 0 && !p.allowlist.includes(d.symbol)) return hold(RULES.allowlist, `${d.symbol} is not on RISK_ALLOWLIST`);
  if (d.action === 'SELL' && (s.position === null || s.position.qty <= 0)) return hold(RULES.sellUnheld, `SELL of ${d.symbol} but no position is held`);

  // ---- tier 2: vetoes (soft policy: warnings) ----
  /** Returns a HOLD outcome, or null after recording a warning in soft mode. */
  const veto = (rule: string, detail: string): RiskOutcome | null => {
    if (!p.softPolicy) return hold(rule, detail);
    overrides.push({ rule, effect: 'warn', detail: `soft policy, not enforced: ${detail}` });
    return null;
  };
  const rsi = s.indicators.rsi14;
  const adx = (s.indicators as Partial<typeof s.indicators>).adx14?.adx ?? null;
  const noTrend = adx !== null && adx < p.adxTrendMin;
  const pdtBound = equity < p.pdtEquityFloor && ctx.dayTradeCount >= p.pdtMaxDayTrades;
  const pdtWhy = `equity ${equity.toFixed(2)} < PDT floor ${p.pdtEquityFloor} and ${ctx.dayTradeCount} day trades in 5 business days (max ${p.pdtMaxDayTrades})`;

  const checks: (() => RiskOutcome | null)[] = [
    () => (d.confidence < p.minConfidence ? veto(RULES.confidence, `confidence ${d.confidence.toFixed(2)} < floor ${p.minConfidence.toFixed(2)}`) : null),
  ];
  if (d.action === 'SELL') {
    checks.push(
      () =>
        p.overnightHoldGuard && ctx.openedToday && isDiscretionaryExit(ctx.exitKind)
          ? veto(RULES.overnightHold, `discretionary SELL of ${d.symbol}, a position opened today: held overnight (automated exits are not blocked)`)
          : null,
      () => (pdtBound && ctx.openedToday ? veto(RULES.pdt, `selling a position opened today would be a day trade: ${pdtWhy}`) : null),
      () => (rsi !== null && rsi <= p.rsiOversold && noTrend ? veto(RULES.rsiNoTrend, `RSI ${rsi.toFixed(1)} <= ${p.rsiOversold} without a trend (ADX ${adx!.toFixed(1)} < ${p.adxTrendMin})`) : null),
    );
  } else {
    const dayGain = ctx.lastEquity > 0 ? (equity - ctx.lastEquity) / ctx.lastEquity : 0;
    const earnings = (s as Partial<Snapshot>).enrichment?.earnings ?? null;
    checks.push(
      () => (ctx.buysApproved >= p.maxBuysPerCycle ? veto(RULES.maxBuys, `${ctx.buysApproved} BUYs already approved this cycle (max ${p.maxBuysPerCycle})`) : null),
      () => (p.dailyTargetPct > 0 && dayGain >= p.dailyTargetPct ? veto(RULES.dailyTarget, `day gain ${pct(dayGain)} reached DAILY_TARGET_PCT ${pct(p.dailyTargetPct)}: no new buys`) : null),
      () => (ctx.givebackHalt ? veto(RULES.sessionGiveback, 'session giveback flag is set: no new buys this session') : null),
      () => {
        if (ctx.lastSellAt === null || p.sellCooldownMin <= 0) return null;
        const mins = (ctx.asOf - ctx.lastSellAt) / 60_000;
        return mins < p.sellCooldownMin ? veto(RULES.sellCooldown, `${d.symbol} was sold ${Math.floor(mins)} min ago (${nyIso(ctx.lastSellAt)}); cooldown ${p.sellCooldownMin} min`) : null;
      },
      () =>
        earnings !== null && earnings.days_until >= 0 && earnings.days_until <= p.earningsBlackoutDays
          ? veto(RULES.earningsBlackout, `earnings on ${earnings.date} in ${earnings.days_until} day(s) (blackout ${p.earningsBlackoutDays})`)
          : null,
      () => (pdtBound ? veto(RULES.pdt, `a same-day bracket exit of this BUY would be a day trade: ${pdtWhy}`) : null),
      () => (rsi !== null && rsi >= p.rsiOverbought && noTrend ? veto(RULES.rsiNoTrend, `RSI ${rsi.toFixed(1)} >= ${p.rsiOverbought} without a trend (ADX ${adx!.toFixed(1)} < ${p.adxTrendMin})`) : null),
      () => (s.position !== null && s.position.qty > 0 && !p.allowAddToPosition ? veto(RULES.addToPosition, `${d.symbol} is already held (${s.position.qty} shares) and ALLOW_ADD_TO_POSITION is off`) : null),
    );
  }
  for (const c of checks) {
    const out = c();
    if (out) return out;
  }
  if (d.action === 'SELL') return { kind: 'approved', final: d, overrides };

  // ---- sizing caps (tier 2 clamps, then the tier-1 fat-finger cap) ----
  const price = s.price;
  if (price === null || !(price > 0)) return hold(RULES.missingCritical, 'no reference price to size the BUY');
  const atr = s.indicators.atr14;
  const sector = sectorExposure(s);
  // Held in the sector at the cycle's start, plus what BUYs approved earlier in this cycle add to it.
  const sectorApproved = sector.sector === null ? 0 : (ctx.sectorNotionalApproved.get(sector.sector) ?? 0);
  const sized = sizeBuy(
    {
      equity,
      cash: s.account.cash,
      price,
      requestedPct: d.size_pct,
      positionValue: s.position?.market_value ?? 0,
      atrPct: atr !== null && Number.isFinite(atr) ? atr / price : null,
      bearish: s.market_regime.direction === 'bearish',
      sector: sector.sector,
      sectorNotional: sector.notional + sectorApproved,
      notionalApproved: ctx.notionalApproved,
    },
    p,
  );
  for (const st of sized.steps) overrides.push({ rule: st.rule, effect: 'clamp', detail: st.detail });
  if (sized.steps.length > 0) {
    if (sized.qty <= 0) {
      const last = sized.steps[sized.steps.length - 1]!;
      overrides.pop();
      return hold(last.rule, `${last.detail}: less than one share at ${price}`);
    }
    d = { ...d, size_pct: sized.sizePct };
  }
  return { kind: 'approved', final: d, overrides };
}

/** Adds an approved BUY to the cycle's running totals: one more BUY, its notional, and that notional in its sector. */
export function recordApprovedBuy(totals: CycleApprovals, final: Decision, s: Snapshot): void {
  if (final.action !== 'BUY') return;
  const n = approvedNotional(final, s);
  totals.buysApproved++;
  totals.notionalApproved += n;
  const sector = sectorExposure(s).sector;
  if (sector !== null) totals.sectorNotionalApproved.set(sector, (totals.sectorNotionalApproved.get(sector) ?? 0) + n);
}

/** Dollars an approved BUY will commit at the reference price (for the cycle's running total). */
export function approvedNotional(final: Decision, s: Snapshot): number {
  if (final.action !== 'BUY' || s.price === null || !(s.price > 0) || !(s.account.equity > 0)) return 0;
  return Math.floor((final.size_pct * s.account.equity) / s.price + 1e-9) * s.price;
}
