import { describe, expect, it } from 'vitest';
import { RISK_KEYS, type HaltState, type SessionState } from '../../src/core/risk/state.js';
import { nyTime } from '../../src/core/time/ny.js';
import { runCycle } from '../../src/cycle/run-cycle.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { countingBroker, makeWorld, TEST_DATE, type World } from '../helpers/world.js';

/**
 * The risk context is gathered once per cycle (broker fills, risk_state) and every override
 * lands in logic_json and the overrides column, where the journal can count them by rule.
 */

const PRICES = { AAPL: 100, MSFT: 200 };

function row(w: World, symbol: string, cycleLike = '%') {
  const r = w.journal.db.prepare('SELECT action, model_action, overrides, logic_json, execute_status FROM trades WHERE symbol = ? AND id LIKE ? ORDER BY as_of DESC LIMIT 1').get(symbol, cycleLike) as
    | { action: string; model_action: string; overrides: string; logic_json: string; execute_status: string }
    | undefined;
  if (!r) throw new Error(`no trades row for ${symbol}`);
  return { ...r, overrides: JSON.parse(r.overrides) as { rule: string; effect: string; detail: string }[], logic: JSON.parse(r.logic_json) as { overrides: unknown[]; final: { action: string } } };
}

const session = (over: Partial<SessionState>): SessionState => ({ date: TEST_DATE, lastEquity: 100_000, peakEquity: 100_000, peakAt: nyTime(TEST_DATE, '09:45'), givebackHalt: false, givebackAt: null, givebackDetail: null, ...over });

describe('risk in the cycle', () => {
  it('records the override {rule, effect, detail} in logic_json and the journal counts it by rule', async () => {
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: { confidence: 0.3 }, MSFT: { size_pct: 0.5 } }) });
    await runCycle(w.deps, w.asOf);
    const a = row(w, 'AAPL');
    expect(a.model_action).toBe('BUY');
    expect(a.action).toBe('HOLD');
    expect(a.overrides).toEqual([{ rule: 'confidence_floor', effect: 'hold', detail: 'confidence 0.30 < floor 0.55' }]);
    expect(a.logic.overrides).toEqual(a.overrides);
    const m = row(w, 'MSFT');
    expect(m.action).toBe('BUY');
    expect(m.overrides.map((o) => [o.rule, o.effect])).toEqual([['size_clamp', 'clamp']]);
    const counts = w.journal.ruleCounts(nyTime(TEST_DATE, '00:00'), nyTime(TEST_DATE, '23:59'));
    expect(counts).toEqual([
      { rule: 'confidence_floor', effect: 'hold', count: 1 },
      { rule: 'size_clamp', effect: 'clamp', count: 1 },
    ]);
  });

  it('a breaker tripped in a cycle persists a HALT with a halt-until time; no order leaves', async () => {
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {} }), wrapBroker: (b) => (broker = countingBroker(b)) });
    w.journal.setRiskState(RISK_KEYS.session, session({ peakEquity: 110_000 })); // equity 100k: 9% below the session peak
    await runCycle(w.deps, w.asOf);
    expect(broker!.submits).toBe(0);
    const a = row(w, 'AAPL');
    expect(a.action).toBe('HOLD');
    expect(a.overrides.map((o) => [o.rule, o.effect])).toEqual([['session_drawdown_halt', 'halt']]);
    const halt = w.journal.getRiskState<HaltState>(RISK_KEYS.halt)!;
    expect(halt.rule).toBe('session_drawdown_halt');
    expect(new Date(halt.until).toISOString()).toBe('2026-11-21T05:00:00.000Z');
    // A later cycle the same day: the HALT holds although the session peak was reset by hand.
    w.journal.setRiskState(RISK_KEYS.session, session({ peakEquity: 100_000 }));
    const t2 = nyTime(TEST_DATE, '12:00');
    w.clock.set(t2);
    await runCycle(w.deps, t2);
    expect(broker!.submits).toBe(0);
    expect(row(w, 'AAPL', '%T17%').overrides.map((o) => o.rule)).toEqual(['halt_active']);
  });

  it('a stricter stored drawdown threshold wins over the config', async () => {
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {} }) });
    w.journal.setRiskState(RISK_KEYS.session, session({ lastEquity: 102_000, peakEquity: 102_500 })); // 2.4% below the peak (fine for the config's 4%); the day's gain too small for the giveback flag
    w.journal.setRiskState(RISK_KEYS.breaker, { maxDailyLossPct: 0.03, maxSessionDrawdownPct: 0.02, updatedAt: 0 });
    await runCycle(w.deps, w.asOf);
    expect(row(w, 'AAPL').overrides.map((o) => o.rule)).toEqual(['session_drawdown_halt']);

    const v = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {} }) });
    v.journal.setRiskState(RISK_KEYS.session, session({ lastEquity: 102_000, peakEquity: 102_500 }));
    await runCycle(v.deps, v.asOf);
    expect(row(v, 'AAPL').overrides).toEqual([]);
  });

  it('two same-sector BUYs in one cycle cannot together exceed RISK_MAX_SECTOR_PCT', async () => {
    // AAPL and MSFT are both Technology in the simulator; each asks for 10% of $100,000; the sector cap is 15%.
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: { size_pct: 0.1 }, MSFT: { size_pct: 0.1 } }), risk: { maxSectorPct: 0.15 } });
    await runCycle(w.deps, w.asOf);
    const rows = ['AAPL', 'MSFT'].map((s) => row(w, s));
    expect(rows.map((r) => r.action)).toEqual(['BUY', 'BUY']);
    const notional = rows.map((r) => (r.logic.final as unknown as { size_pct: number }).size_pct * 100_000);
    expect(notional[0]! + notional[1]!).toBeLessThanOrEqual(15_000 + 1e-6);
    expect(notional[0]! + notional[1]!).toBeCloseTo(15_000, 6); // the second is clamped to what is left, not held
    const clamped = rows.filter((r) => r.overrides.some((o) => o.rule === 'sector_cap'));
    expect(clamped).toHaveLength(1);
    expect(clamped[0]!.overrides.find((o) => o.rule === 'sector_cap')!.detail).toMatch(/sector Technology at \$10000\.00: capped at 15\.00% of equity \(\$5000\.00 left\)/);
  });

  it('the session giveback flag blocks new BUYs', async () => {
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {} }) });
    w.journal.setRiskState(RISK_KEYS.session, session({ givebackHalt: true, givebackAt: nyTime(TEST_DATE, '09:50'), givebackDetail: 'test' }));
    await runCycle(w.deps, w.asOf);
    expect(row(w, 'AAPL').overrides.map((o) => o.rule)).toEqual(['session_giveback_halt']);
  });

  it('sell cooldown comes from the broker fills: no re-BUY within RISK_SELL_COOLDOWN_MIN of a sell', async () => {
    const script: Record<string, object> = { AAPL: {} };
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain(script) });
    await runCycle(w.deps, w.asOf);
    const t2 = nyTime(TEST_DATE, '12:00');
    w.clock.set(t2);
    script.AAPL = { action: 'SELL', size_pct: 0 };
    await runCycle(w.deps, t2);
    const t3 = nyTime(TEST_DATE, '13:00');
    w.clock.set(t3);
    expect(await w.broker.getPositions()).toEqual([]);
    script.AAPL = {};
    await runCycle(w.deps, t3);
    const r = row(w, 'AAPL', '%T18%');
    expect(r.action).toBe('HOLD');
    expect(r.overrides[0]!.rule).toBe('sell_cooldown');
    expect(r.overrides[0]!.detail).toMatch(/was sold 60 min ago/);
  });

  it('overnight-hold guard: the model cannot sell a position opened today', async () => {
    let broker: ReturnType<typeof countingBroker> | undefined;
    const script: Record<string, object> = { AAPL: {} };
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain(script), risk: { overnightHoldGuard: true }, wrapBroker: (b) => (broker = countingBroker(b)) });
    await runCycle(w.deps, w.asOf);
    const t2 = nyTime(TEST_DATE, '12:00');
    w.clock.set(t2);
    script.AAPL = { action: 'SELL', size_pct: 0 };
    await runCycle(w.deps, t2);
    expect(broker!.submits).toBe(1); // the morning BUY only
    expect(row(w, 'AAPL', '%T17%').overrides.map((o) => o.rule)).toEqual(['overnight_hold_guard']);
    expect((await w.broker.getPositions()).map((p) => p.symbol)).toEqual(['AAPL']);
  });

  it('the kill switch turns every BUY/SELL into a HOLD naming kill_switch', async () => {
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {}, MSFT: {} }), wrapBroker: (b) => (broker = countingBroker(b)) });
    const deps = { ...w.deps, haltSwitch: () => true };
    await runCycle(deps, w.asOf);
    expect(broker!.submits).toBe(0);
    for (const s of ['AAPL', 'MSFT']) expect(row(w, s).overrides.map((o) => o.rule)).toEqual(['kill_switch']);
  });

  it('fails closed when the risk state cannot be read: the cycle fails before any order', async () => {
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({
      prices: PRICES,
      brain: createScriptedBrain({ AAPL: {} }),
      wrapBroker: (b) => (broker = countingBroker(b)),
      wrapJournal: (j) => ({
        ...j,
        getRiskState: () => {
          throw new Error('disk gone');
        },
      }),
    });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.status).toBe('failed');
    expect(s.reason).toMatch(/disk gone/);
    expect(broker!.submits).toBe(0);
  });
});
