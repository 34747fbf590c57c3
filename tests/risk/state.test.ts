import { describe, expect, it } from 'vitest';
import { DEFAULT_RISK_POLICY, riskPolicy } from '../../src/core/risk/policy.js';
import {
  activeHalt,
  advanceSession,
  checkBreakers,
  clearHalt,
  effectiveBreakers,
  haltUntil,
  observeSessionRisk,
  RISK_KEYS,
  tightenBreakers,
  type BreakerState,
  type HaltState,
  type SessionState,
} from '../../src/core/risk/state.js';
import { nyTime } from '../../src/core/time/ny.js';

/** The risk_state table in memory (the same JSON round trip as the journal). */
function memoryStore() {
  const m = new Map<string, string>();
  return {
    m,
    getRiskState: <T>(k: string) => (m.has(k) ? (JSON.parse(m.get(k)!) as T) : null),
    setRiskState: (k: string, v: unknown) => void m.set(k, JSON.stringify(v)),
  };
}

const t = (hhmm: string, date = '2026-11-20') => nyTime(date, hhmm);

describe('halt-until', () => {
  it('lifts at New York midnight the next day (or N days later)', () => {
    expect(new Date(haltUntil(t('11:00'), 1)).toISOString()).toBe('2026-11-21T05:00:00.000Z');
    expect(new Date(haltUntil(t('15:59'), 3)).toISOString()).toBe('2026-11-23T05:00:00.000Z');
    // across the DST change: midnight EDT is 04:00Z
    expect(new Date(haltUntil(nyTime('2026-03-06', '10:00'), 1)).toISOString()).toBe('2026-03-07T05:00:00.000Z');
    expect(new Date(haltUntil(nyTime('2026-03-09', '10:00'), 1)).toISOString()).toBe('2026-03-10T04:00:00.000Z');
  });

  it('is in force strictly before its until time', () => {
    const h = { until: t('12:00') } as HaltState;
    expect(activeHalt(h, t('11:59'))).toBe(h);
    expect(activeHalt(h, t('12:00'))).toBeNull();
    expect(activeHalt(null, t('12:00'))).toBeNull();
  });
});

describe('breakers', () => {
  const p = { maxDailyLossPct: 0.03, maxSessionDrawdownPct: 0.04 };
  it('daily loss first, then drawdown from the session peak', () => {
    expect(checkBreakers({ equity: 96_900, lastEquity: 100_000, sessionPeak: 110_000 }, p)?.rule).toBe('daily_loss_halt');
    expect(checkBreakers({ equity: 100_500, lastEquity: 100_000, sessionPeak: 105_000 }, p)?.rule).toBe('session_drawdown_halt');
    expect(checkBreakers({ equity: 100_500, lastEquity: 100_000, sessionPeak: 104_000 }, p)).toBeNull();
    expect(checkBreakers({ equity: 97_100, lastEquity: 100_000, sessionPeak: null }, p)).toBeNull();
  });

  it('stricter wins: a stored tighter threshold beats a looser config, a tighter config replaces the stored one', () => {
    const stored: BreakerState = { maxDailyLossPct: 0.02, maxSessionDrawdownPct: 0.05, updatedAt: 1 };
    const e = effectiveBreakers(riskPolicy({ maxDailyLossPct: 0.03, maxSessionDrawdownPct: 0.04 }), stored, 5);
    expect(e.policy.maxDailyLossPct).toBe(0.02);
    expect(e.policy.maxSessionDrawdownPct).toBe(0.04);
    expect(e.next).toEqual({ maxDailyLossPct: 0.02, maxSessionDrawdownPct: 0.04, updatedAt: 5 });
    expect(e.ignored).toHaveLength(1);
    expect(e.ignored[0]).toMatch(/MAX_DAILY_LOSS_PCT 0.03 from config is looser than the stored 0.02/);
    // unchanged: the same object back (nothing to write)
    const same = effectiveBreakers(riskPolicy({ maxDailyLossPct: 0.02, maxSessionDrawdownPct: 0.04 }), e.next, 9);
    expect(same.next).toBe(e.next);
  });

  it('runtime tightening refuses to loosen', () => {
    const cur = { maxDailyLossPct: 0.03, maxSessionDrawdownPct: 0.04 };
    expect(tightenBreakers(cur, { maxDailyLossPct: 0.02 }, 7)).toEqual({ ok: true, next: { maxDailyLossPct: 0.02, maxSessionDrawdownPct: 0.04, updatedAt: 7 } });
    const bad = tightenBreakers(cur, { maxDailyLossPct: 0.05, maxSessionDrawdownPct: 0 }, 7);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems[0]).toMatch(/would loosen/);
      expect(bad.problems[1]).toMatch(/not a fraction/);
    }
  });
});

describe('session state', () => {
  const p = DEFAULT_RISK_POLICY; // giveback 50% of a peak gain of at least 1%
  it('starts each day from max(previous close, equity) and tracks the peak', () => {
    let s: SessionState | null = null;
    s = advanceSession(s, { asOf: t('09:35'), equity: 99_000, lastEquity: 100_000 }, p);
    expect(s).toMatchObject({ date: '2026-11-20', peakEquity: 100_000, givebackHalt: false });
    s = advanceSession(s, { asOf: t('10:00'), equity: 101_000, lastEquity: 100_000 }, p);
    expect(s.peakEquity).toBe(101_000);
    expect(s.peakAt).toBe(t('10:00'));
    s = advanceSession(s, { asOf: t('09:35', '2026-11-23'), equity: 100_500, lastEquity: 100_800 }, p);
    expect(s).toMatchObject({ date: '2026-11-23', peakEquity: 100_800, lastEquity: 100_800 });
  });

  it('sets the giveback flag once half of an activated peak gain is gone, and keeps it for the session', () => {
    let s = advanceSession(null, { asOf: t('10:00'), equity: 101_500, lastEquity: 100_000 }, p);
    s = advanceSession(s, { asOf: t('11:00'), equity: 100_800, lastEquity: 100_000 }, p);
    expect(s.givebackHalt).toBe(false); // gave back 700 of 1500 = 47%
    s = advanceSession(s, { asOf: t('11:05'), equity: 100_700, lastEquity: 100_000 }, p);
    expect(s.givebackHalt).toBe(true); // 800 of 1500 = 53%
    expect(s.givebackDetail).toMatch(/gave back 53.33%/);
    s = advanceSession(s, { asOf: t('12:00'), equity: 101_400, lastEquity: 100_000 }, p);
    expect(s.givebackHalt).toBe(true);
    s = advanceSession(s, { asOf: t('10:00', '2026-11-23'), equity: 101_400, lastEquity: 101_400 }, p);
    expect(s.givebackHalt).toBe(false);
  });

  it('a gain below the activation threshold never sets the flag', () => {
    let s = advanceSession(null, { asOf: t('10:00'), equity: 100_900, lastEquity: 100_000 }, p);
    s = advanceSession(s, { asOf: t('11:00'), equity: 100_000, lastEquity: 100_000 }, p);
    expect(s.givebackHalt).toBe(false);
  });
});

describe('observeSessionRisk (through the store)', () => {
  it('persists a tripped breaker as a HALT with its halt-until time, once', () => {
    const st = memoryStore();
    const p = riskPolicy();
    const a = observeSessionRisk(st, { asOf: t('10:00'), equity: 96_000, lastEquity: 100_000 }, p);
    expect(a.tripped?.rule).toBe('daily_loss_halt');
    expect(a.halt).toMatchObject({ rule: 'daily_loss_halt', until: haltUntil(t('10:00'), 1), flattened: false });
    expect(st.getRiskState<HaltState>(RISK_KEYS.halt)).toEqual(a.halt);
    // Still halted later that day, even after equity recovered; no second trip.
    const b = observeSessionRisk(st, { asOf: t('14:00'), equity: 100_000, lastEquity: 100_000 }, p);
    expect(b.tripped).toBeNull();
    expect(b.halt).toEqual(a.halt);
    // Lifted the next day.
    const c = observeSessionRisk(st, { asOf: t('10:00', '2026-11-23'), equity: 100_000, lastEquity: 100_000 }, p);
    expect(c.halt).toBeNull();
    expect(clearHalt(st)).toEqual(a.halt);
  });

  it('a stricter stored threshold survives a looser config and trips where the config would not', () => {
    const st = memoryStore();
    st.setRiskState(RISK_KEYS.breaker, { maxDailyLossPct: 0.01, maxSessionDrawdownPct: 0.04, updatedAt: 0 });
    const r = observeSessionRisk(st, { asOf: t('10:00'), equity: 98_500, lastEquity: 100_000 }, riskPolicy({ maxDailyLossPct: 0.03 }));
    expect(r.policy.maxDailyLossPct).toBe(0.01);
    expect(r.tripped?.rule).toBe('daily_loss_halt');
    expect(r.ignored).toHaveLength(1);
    expect(st.getRiskState<BreakerState>(RISK_KEYS.breaker)!.maxDailyLossPct).toBe(0.01);
  });

  it('tracks nothing when equity is not a positive number', () => {
    const st = memoryStore();
    const r = observeSessionRisk(st, { asOf: t('10:00'), equity: Number.NaN, lastEquity: 100_000 }, riskPolicy());
    expect(r.session).toBeNull();
    expect(st.getRiskState(RISK_KEYS.session)).toBeNull();
  });
});
