import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_POLICY, EXIT_KINDS, RULE_CATALOG, RULES, TIER1_RULES, type RiskPolicy } from '../../src/core/risk/policy.js';
import type { HaltState } from '../../src/core/risk/state.js';
import { validateDecision, type RiskContext } from '../../src/core/risk/validate.js';
import type { Decision } from '../../src/domain/decision.js';
import type { Snapshot } from '../../src/domain/snapshot.js';
import { decision, regime, snapshot as baseSnapshot } from '../helpers/builders.js';

/** The shared builder with a known sector, so the sector cap is explicit in every case below. */
const snapshot = (over: Partial<Snapshot> = {}): Snapshot =>
  baseSnapshot({ enrichment: { sector: 'Information Technology', news: [], earnings: null }, ...over });

const AS_OF = Date.parse('2026-11-20T15:00:00.000Z');
const policy: RiskPolicy = { ...DEFAULT_RISK_POLICY, maxBuysPerCycle: 2 };
const ctx = (over: Partial<RiskContext> = {}): RiskContext => ({ snapshot: snapshot(), lastEquity: 100_000, buysApproved: 0, asOf: AS_OF, ...over });
const held = (over: Partial<NonNullable<Snapshot['position']>> = {}) =>
  snapshot({ position: { qty: 10, avg_entry_price: 90, market_value: 1000, unrealized_pl: 100, covered_by_bracket: true, ...over } });
const acct = (equity: number, cash = equity) => ({ equity, cash, buying_power: cash, day_pl: 0 });
const halt = (until: number): HaltState => ({ rule: 'daily_loss_halt', detail: 'day loss 3.10% reached the 3.00% limit', since: AS_OF - 3_600_000, until, since_ny: 'x', until_ny: 'y', flattened: true });
const withIndicators = (over: Partial<Snapshot['indicators']>, base: Snapshot = snapshot()) => ({ ...base, indicators: { ...base.indicators, ...over } });
const sectorBook = (mv: number, sector = 'Information Technology'): Partial<Snapshot> => ({
  portfolio: { day_pl_pct: 0, day_trade_count: 0, invested_pct: mv / 1000, positions: [{ symbol: 'MSFT', qty: 1, market_value: mv, unrealized_pl_pct: 0, sector }], positions_total: 1, sector_notional_pct: { [sector]: mv / 1000 } },
});

interface Case {
  name: string;
  d: Decision;
  c?: Partial<RiskContext>;
  p?: Partial<RiskPolicy>;
  kind: 'approved' | 'hold' | 'halt';
  /** The rule that must be recorded; absent: no override at all. */
  rule?: string;
  effect?: 'hold' | 'halt' | 'clamp' | 'warn';
}

/** Every rule: at least one case where it fires and one where it does not. */
const cases: Case[] = [
  // ---- tier 1 ----
  { name: 'equity zero halts', d: decision(), c: { snapshot: snapshot({ account: acct(0) }) }, kind: 'halt', rule: RULES.equityInvalid, effect: 'halt' },
  { name: 'equity NaN halts', d: decision(), c: { snapshot: snapshot({ account: acct(Number.NaN) }) }, kind: 'halt', rule: RULES.equityInvalid },
  { name: 'equity positive passes', d: decision(), kind: 'approved' },
  { name: 'daily loss beyond limit halts', d: decision(), c: { lastEquity: 104_000 }, kind: 'halt', rule: RULES.dailyLoss, effect: 'halt' },
  { name: 'daily loss within limit passes', d: decision(), c: { lastEquity: 102_000 }, kind: 'approved' },
  { name: 'daily loss halts a HOLD too (HALT beats everything)', d: decision({ action: 'HOLD' }), c: { lastEquity: 110_000 }, kind: 'halt', rule: RULES.dailyLoss },
  { name: 'drawdown from the session peak beyond limit halts', d: decision(), c: { sessionPeakEquity: 105_000 }, kind: 'halt', rule: RULES.sessionDrawdown, effect: 'halt' },
  { name: 'drawdown from the session peak within limit passes', d: decision(), c: { sessionPeakEquity: 103_000 }, kind: 'approved' },
  { name: 'a persisted HALT in force halts', d: decision(), c: { halt: halt(AS_OF + 3_600_000) }, kind: 'halt', rule: RULES.haltActive, effect: 'halt' },
  { name: 'an expired HALT does not', d: decision(), c: { halt: halt(AS_OF - 1) }, kind: 'approved' },
  { name: 'kill switch turns a BUY into HOLD', d: decision(), c: { killSwitch: true }, kind: 'halt', rule: RULES.killSwitch, effect: 'halt' },
  { name: 'kill switch turns a SELL into HOLD', d: decision({ action: 'SELL' }), c: { killSwitch: true, snapshot: held() }, kind: 'halt', rule: RULES.killSwitch },
  { name: 'kill switch leaves a HOLD alone', d: decision({ action: 'HOLD' }), c: { killSwitch: true }, kind: 'hold' },
  { name: 'kill switch off passes', d: decision(), c: { killSwitch: false }, kind: 'approved' },
  { name: 'malformed: confidence 7', d: decision({ confidence: 7 }), kind: 'hold', rule: RULES.malformed, effect: 'hold' },
  { name: 'malformed: unknown action', d: decision({ action: 'YOLO' as never }), kind: 'hold', rule: RULES.malformed },
  { name: 'malformed: negative stop', d: decision({ stop_loss: -5 }), kind: 'hold', rule: RULES.malformed },
  { name: 'malformed: other symbol', d: decision({ symbol: 'MSFT' }), kind: 'hold', rule: RULES.malformed },
  { name: 'malformed: six evidence items', d: decision({ evidence: ['a', 'b', 'c', 'd', 'e', 'f'] }), kind: 'hold', rule: RULES.malformed },
  { name: 'missing critical data forces HOLD', d: decision(), c: { snapshot: snapshot({ data_quality: { missing_critical: ['price'], missing_optional: [], staleness_sec: null } }) }, kind: 'hold', rule: RULES.missingCritical, effect: 'hold' },
  { name: 'missing optional data does not', d: decision(), c: { snapshot: snapshot({ data_quality: { missing_critical: [], missing_optional: ['news'], staleness_sec: 3 } }) }, kind: 'approved' },
  { name: 'denylisted symbol', d: decision(), p: { denylist: ['AAPL'] }, kind: 'hold', rule: RULES.denylist },
  { name: 'denylist of others passes', d: decision(), p: { denylist: ['TSLA'] }, kind: 'approved' },
  { name: 'not on allowlist', d: decision(), p: { allowlist: ['MSFT'] }, kind: 'hold', rule: RULES.allowlist },
  { name: 'on allowlist passes', d: decision(), p: { allowlist: ['AAPL'] }, kind: 'approved' },
  { name: 'SELL of an unheld symbol', d: decision({ action: 'SELL' }), kind: 'hold', rule: RULES.sellUnheld },
  { name: 'SELL of a held symbol passes', d: decision({ action: 'SELL' }), c: { snapshot: held() }, kind: 'approved' },
  { name: 'fat-finger cap clamps an order above its share of cash', d: decision({ size_pct: 0.06 }), c: { snapshot: snapshot({ account: acct(100_000, 20_000) }) }, kind: 'approved', rule: RULES.fatFinger, effect: 'clamp' },
  { name: 'fat-finger cap leaves an order within it', d: decision({ size_pct: 0.05 }), c: { snapshot: snapshot({ account: acct(100_000, 20_000) }) }, kind: 'approved' },
  { name: 'fat-finger cap below one share holds', d: decision(), c: { snapshot: snapshot({ account: acct(100_000, 300) }) }, p: { minCashReservePct: 0 }, kind: 'hold', rule: RULES.fatFinger },

  // ---- tier 2: vetoes ----
  { name: 'confidence below floor', d: decision({ confidence: 0.5 }), kind: 'hold', rule: RULES.confidence, effect: 'hold' },
  { name: 'confidence at floor passes', d: decision({ confidence: 0.55 }), kind: 'approved' },
  { name: 'max buys per cycle reached', d: decision(), c: { buysApproved: 2 }, kind: 'hold', rule: RULES.maxBuys },
  { name: 'max buys not reached', d: decision(), c: { buysApproved: 1 }, kind: 'approved' },
  { name: 'max buys does not block SELLs', d: decision({ action: 'SELL' }), c: { buysApproved: 5, snapshot: held() }, kind: 'approved' },
  { name: 'daily target reached blocks new BUYs', d: decision(), c: { lastEquity: 97_000 }, kind: 'hold', rule: RULES.dailyTarget },
  { name: 'daily target not reached passes', d: decision(), c: { lastEquity: 99_000 }, kind: 'approved' },
  { name: 'daily target off (0) passes', d: decision(), c: { lastEquity: 97_000 }, p: { dailyTargetPct: 0 }, kind: 'approved' },
  { name: 'daily target does not block SELLs', d: decision({ action: 'SELL' }), c: { lastEquity: 97_000, snapshot: held() }, kind: 'approved' },
  { name: 'session giveback flag blocks new BUYs', d: decision(), c: { givebackHalt: true }, kind: 'hold', rule: RULES.sessionGiveback },
  { name: 'session giveback flag does not block SELLs', d: decision({ action: 'SELL' }), c: { givebackHalt: true, snapshot: held() }, kind: 'approved' },
  { name: 'no giveback flag passes', d: decision(), c: { givebackHalt: false }, kind: 'approved' },
  { name: 'sell cooldown blocks a BUY 30 min after a sell', d: decision(), c: { lastSellAt: AS_OF - 30 * 60_000 }, kind: 'hold', rule: RULES.sellCooldown },
  { name: 'sell cooldown over after 3 h', d: decision(), c: { lastSellAt: AS_OF - 180 * 60_000 }, kind: 'approved' },
  { name: 'earnings tomorrow: blackout', d: decision(), c: { snapshot: snapshot({ enrichment: { sector: 'Information Technology', news: [], earnings: { date: '2026-11-21', days_until: 1 } } }) }, kind: 'hold', rule: RULES.earningsBlackout },
  { name: 'earnings in 4 days: no blackout', d: decision(), c: { snapshot: snapshot({ enrichment: { sector: 'Information Technology', news: [], earnings: { date: '2026-11-24', days_until: 4 } } }) }, kind: 'approved' },
  { name: 'PDT: small account with 3 day trades cannot BUY', d: decision(), c: { snapshot: snapshot({ account: acct(20_000) }), lastEquity: 20_000, dayTradeCount: 3 }, kind: 'hold', rule: RULES.pdt },
  { name: 'PDT: small account with 2 day trades can', d: decision(), c: { snapshot: snapshot({ account: acct(20_000) }), lastEquity: 20_000, dayTradeCount: 2 }, kind: 'approved' },
  { name: 'PDT: above the floor, day trades do not matter', d: decision(), c: { dayTradeCount: 9 }, kind: 'approved' },
  {
    name: 'PDT: selling a position opened today would be the 4th day trade',
    d: decision({ action: 'SELL' }),
    c: { snapshot: { ...held(), account: acct(20_000) }, lastEquity: 20_000, dayTradeCount: 3, openedToday: true },
    p: { overnightHoldGuard: false },
    kind: 'hold',
    rule: RULES.pdt,
  },
  { name: 'RSI overbought without trend holds a BUY', d: decision(), c: { snapshot: withIndicators({ rsi14: 75, adx14: { adx: 15, plus_di: 20, minus_di: 18 } }) }, kind: 'hold', rule: RULES.rsiNoTrend },
  { name: 'RSI overbought in a trend passes', d: decision(), c: { snapshot: withIndicators({ rsi14: 75, adx14: { adx: 30, plus_di: 30, minus_di: 10 } }) }, kind: 'approved' },
  { name: 'RSI overbought with ADX unknown passes', d: decision(), c: { snapshot: withIndicators({ rsi14: 75, adx14: null }) }, kind: 'approved' },
  { name: 'RSI oversold without trend holds a SELL', d: decision({ action: 'SELL' }), c: { snapshot: withIndicators({ rsi14: 25, adx14: { adx: 12, plus_di: 15, minus_di: 16 } }, held()) }, kind: 'hold', rule: RULES.rsiNoTrend },
  { name: 'overnight-hold guard blocks a model SELL of a position opened today', d: decision({ action: 'SELL' }), c: { snapshot: held(), openedToday: true }, kind: 'hold', rule: RULES.overnightHold },
  { name: 'overnight-hold guard: position from an earlier day passes', d: decision({ action: 'SELL' }), c: { snapshot: held(), openedToday: false }, kind: 'approved' },
  { name: 'overnight-hold guard: an automated exit bypasses it by exit kind', d: decision({ action: 'SELL' }), c: { snapshot: held(), openedToday: true, exitKind: EXIT_KINDS.trailGiveback }, kind: 'approved' },
  { name: 'overnight-hold guard off passes', d: decision({ action: 'SELL' }), c: { snapshot: held(), openedToday: true }, p: { overnightHoldGuard: false }, kind: 'approved' },
  { name: 'add to a held position blocked', d: decision(), c: { snapshot: held() }, kind: 'hold', rule: RULES.addToPosition, effect: 'hold' },
  { name: 'add to a held position allowed under the cap', d: decision(), c: { snapshot: held() }, p: { allowAddToPosition: true }, kind: 'approved' },
  { name: 'add to a held position allowed but capped', d: decision(), c: { snapshot: held({ market_value: 12_000 }) }, p: { allowAddToPosition: true }, kind: 'approved', rule: RULES.addToPosition, effect: 'clamp' },

  // ---- tier 2: sizing clamps ----
  { name: 'size clamp fires', d: decision({ size_pct: 0.5 }), kind: 'approved', rule: RULES.sizeClamp, effect: 'clamp' },
  { name: 'max notional clamps', d: decision(), p: { maxNotional: 3_000 }, kind: 'approved', rule: RULES.sizeClamp },
  { name: 'cash reserve clamps', d: decision(), c: { snapshot: snapshot({ account: acct(100_000, 8_000) }) }, p: { maxOrderPctOfCash: 1 }, kind: 'approved', rule: RULES.sizeClamp },
  { name: 'cash already committed this cycle counts against the reserve', d: decision(), c: { notionalApproved: 93_000 }, p: { maxOrderPctOfCash: 1 }, kind: 'approved', rule: RULES.sizeClamp },
  { name: 'high ATR% scales the size down', d: decision(), c: { snapshot: withIndicators({ atr14: 5 }) }, kind: 'approved', rule: RULES.volatility, effect: 'clamp' },
  { name: 'bearish regime scales the size down', d: decision(), c: { snapshot: snapshot({ market_regime: regime({ direction: 'bearish', conviction: 0.8 }) }) }, kind: 'approved', rule: RULES.volatility },
  { name: 'normal ATR% in a neutral regime: no scaling', d: decision(), c: { snapshot: withIndicators({ atr14: 2 }) }, kind: 'approved' },
  { name: 'sector near its cap clamps', d: decision(), c: { snapshot: snapshot(sectorBook(28_000)) }, kind: 'approved', rule: RULES.sectorCap, effect: 'clamp' },
  { name: 'sector at its cap holds', d: decision(), c: { snapshot: snapshot(sectorBook(29_950)) }, kind: 'hold', rule: RULES.sectorCap },
  { name: 'another sector does not count', d: decision(), c: { snapshot: snapshot(sectorBook(29_950, 'Energy')) }, kind: 'approved' },
  { name: 'BUYs approved earlier this cycle count toward the sector', d: decision(), c: { sectorNotionalApproved: new Map([['Information Technology', 28_000]]) }, kind: 'approved', rule: RULES.sectorCap, effect: 'clamp' },
  { name: 'held plus approved this cycle at the cap holds', d: decision(), c: { snapshot: snapshot(sectorBook(20_000)), sectorNotionalApproved: new Map([['Information Technology', 9_950]]) }, kind: 'hold', rule: RULES.sectorCap },
  { name: 'BUYs approved this cycle in another sector do not count', d: decision(), c: { sectorNotionalApproved: new Map([['Energy', 29_950]]) }, kind: 'approved' },
  { name: 'unknown sector: capped at its own limit', d: decision({ size_pct: 0.12 }), c: { snapshot: snapshot({ enrichment: { sector: null, news: [], earnings: null } }) }, p: { maxSizePct: 0.2 }, kind: 'approved', rule: RULES.sectorCap },
  { name: 'unknown sector within its cap passes', d: decision(), c: { snapshot: snapshot({ enrichment: { sector: null, news: [], earnings: null } }) }, kind: 'approved' },
];

describe('risk policy: every rule fires and does not fire', () => {
  it.each(cases)('$name', (t) => {
    const out = validateDecision(t.d, ctx(t.c), { ...policy, ...t.p });
    expect(out.kind).toBe(t.kind);
    if (t.rule) {
      const o = out.overrides.find((x) => x.rule === t.rule);
      expect(o, `override ${t.rule} in ${JSON.stringify(out.overrides)}`).toBeDefined();
      if (t.effect) expect(o!.effect).toBe(t.effect);
    } else {
      expect(out.overrides).toEqual([]);
    }
    for (const o of out.overrides) {
      expect(Object.keys(o).sort()).toEqual(['detail', 'effect', 'rule']);
      expect(o.detail.length).toBeGreaterThan(0);
    }
    if (t.kind !== 'approved') expect(out.final.action).toBe('HOLD');
    else expect(out.final.action).toBe(t.d.action);
  });

  it('every rule in the catalog has a firing case above', () => {
    const fired = new Set(cases.filter((c) => c.rule).map((c) => c.rule));
    expect(RULE_CATALOG.map((r) => r.rule).filter((r) => !fired.has(r))).toEqual([]);
    expect(RULE_CATALOG.filter((r) => r.tier === 1).map((r) => r.rule).sort()).toEqual([...TIER1_RULES].sort());
  });

  it('size clamp lowers size_pct to the cap and keeps the BUY', () => {
    const out = validateDecision(decision({ size_pct: 0.5 }), ctx(), policy);
    expect(out.final).toMatchObject({ action: 'BUY', size_pct: 0.1 });
    expect(out.overrides).toEqual([{ rule: 'size_clamp', effect: 'clamp', detail: 'size_pct 0.5 clamped to 0.1' }]);
  });

  it('a clamped size is the whole-share notional under the cap', () => {
    const out = validateDecision(decision({ size_pct: 0.5 }), ctx({ snapshot: snapshot({ price: 333 }) }), policy);
    // floor(10000 / 333) = 30 shares -> 9990 of 100000
    expect(out.final.size_pct).toBeCloseTo(0.0999, 10);
  });

  it('a model HOLD passes through untouched', () => {
    const d = decision({ action: 'HOLD', size_pct: 0 });
    expect(validateDecision(d, ctx(), policy)).toEqual({ kind: 'hold', final: d, overrides: [] });
  });
});

describe('precedence', () => {
  it('HALT beats everything: breaker over kill switch, malformed, missing data and tier 2', () => {
    const s = snapshot({ data_quality: { missing_critical: ['price'], missing_optional: [], staleness_sec: null } });
    const out = validateDecision(decision({ confidence: 0.1, symbol: 'MSFT' }), ctx({ snapshot: s, lastEquity: 110_000, killSwitch: true, givebackHalt: true }), policy);
    expect(out.kind).toBe('halt');
    expect(out.overrides.map((o) => o.rule)).toEqual([RULES.dailyLoss]);
  });

  it('equity sanity comes before the breakers', () => {
    const out = validateDecision(decision(), ctx({ snapshot: snapshot({ account: acct(-5) }), lastEquity: 110_000 }), policy);
    expect(out.overrides.map((o) => o.rule)).toEqual([RULES.equityInvalid]);
  });

  it('a persisted HALT beats the kill switch and every tier-1 check', () => {
    const out = validateDecision(decision({ symbol: 'MSFT' }), ctx({ halt: halt(AS_OF + 1), killSwitch: true }), policy);
    expect(out.overrides.map((o) => o.rule)).toEqual([RULES.haltActive]);
  });

  it('tier 1 before tier 2: missing data wins over a low confidence, a cooldown and a giveback flag', () => {
    const s = snapshot({ data_quality: { missing_critical: ['price'], missing_optional: [], staleness_sec: null } });
    const out = validateDecision(decision({ confidence: 0.1 }), ctx({ snapshot: s, lastSellAt: AS_OF - 60_000, givebackHalt: true }), policy);
    expect(out.overrides.map((o) => o.rule)).toEqual([RULES.missingCritical]);
  });

  it('tier 1 before tier 2: denylist wins over the overnight-hold guard', () => {
    const out = validateDecision(decision({ action: 'SELL' }), ctx({ snapshot: held(), openedToday: true }), { ...policy, denylist: ['AAPL'] });
    expect(out.overrides.map((o) => o.rule)).toEqual([RULES.denylist]);
  });

  it('the kill switch comes before the rest of tier 1', () => {
    const s = snapshot({ data_quality: { missing_critical: ['price'], missing_optional: [], staleness_sec: null } });
    expect(validateDecision(decision(), ctx({ snapshot: s, killSwitch: true }), policy).overrides.map((o) => o.rule)).toEqual([RULES.killSwitch]);
  });

  it('tier-2 vetoes stop at the first (confidence, then the BUY rules in order)', () => {
    const out = validateDecision(decision({ confidence: 0.1 }), ctx({ buysApproved: 9, givebackHalt: true }), policy);
    expect(out.overrides.map((o) => o.rule)).toEqual([RULES.confidence]);
  });
});

describe('soft policy', () => {
  const soft = { ...policy, softPolicy: true };
  const tier2Vetoes = cases.filter((c) => c.rule && !TIER1_RULES.has(c.rule) && c.kind === 'hold' && c.effect !== 'clamp' && c.rule !== RULES.sectorCap);

  it.each(tier2Vetoes)('tier-2 veto becomes a warning: $name', (t) => {
    const out = validateDecision(t.d, ctx(t.c), { ...soft, ...t.p });
    expect(out.kind).toBe('approved');
    expect(out.final.action).toBe(t.d.action);
    const w = out.overrides.find((o) => o.rule === t.rule)!;
    expect(w.effect).toBe('warn');
    expect(w.detail).toMatch(/^soft policy, not enforced: /);
  });

  it('collects every tier-2 warning, not just the first', () => {
    const out = validateDecision(decision({ confidence: 0.1 }), ctx({ buysApproved: 9, givebackHalt: true, lastSellAt: AS_OF - 60_000 }), soft);
    expect(out.kind).toBe('approved');
    expect(out.overrides.map((o) => [o.rule, o.effect])).toEqual([
      [RULES.confidence, 'warn'],
      [RULES.maxBuys, 'warn'],
      [RULES.sessionGiveback, 'warn'],
      [RULES.sellCooldown, 'warn'],
    ]);
  });

  const tier1: Case[] = cases.filter((c) => c.rule && TIER1_RULES.has(c.rule) && c.kind !== 'approved');
  it.each(tier1)('never relaxes tier 1: $name', (t) => {
    const strict = validateDecision(t.d, ctx(t.c), { ...policy, ...t.p });
    expect(validateDecision(t.d, ctx(t.c), { ...soft, ...t.p })).toEqual(strict);
  });

  it('still clamps sizes (sizing caps are not vetoes)', () => {
    const out = validateDecision(decision({ size_pct: 0.5 }), ctx(), soft);
    expect(out.final.size_pct).toBe(0.1);
    expect(out.overrides.map((o) => [o.rule, o.effect])).toEqual([[RULES.sizeClamp, 'clamp']]);
  });
});
