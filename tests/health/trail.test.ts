import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIL_SETTINGS } from '../../src/core/risk/policy.js';
import { advanceTrail } from '../../src/core/risk/trail.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { TrailState } from '../../src/ports/journal.js';

const s = DEFAULT_TRAIL_SETTINGS; // 40% giveback, armed at 2% of cost, multi-day
const t = (hhmm: string, date = '2026-11-18') => nyTime(date, hhmm);
const obs = (upl: number, qty = 100, avg = 100) => ({ symbol: 'AAPL', qty, avgEntryPrice: avg, unrealizedPl: upl });

/** Feeds observations in order; returns every step. */
function walk(points: [number, number, number?][], settings = s) {
  let st: TrailState | null = null;
  return points.map(([at, upl, qty]) => {
    const step = advanceTrail(st, obs(upl, qty), at, settings);
    st = step.next;
    return step;
  });
}

describe('trail giveback (pure)', () => {
  it('arms at the activation threshold and exits at the giveback threshold', () => {
    const steps = walk([
      [t('10:00'), 50],
      [t('11:00'), 199], // 1.99% of cost: not armed
      [t('12:00'), 200], // armed
      [t('13:00'), 121], // 39.5% given back
      [t('14:00'), 120], // 40%: exit
    ]);
    expect(steps.map((x) => x.next.activated)).toEqual([false, false, true, true, true]);
    expect(steps.map((x) => x.exit !== null)).toEqual([false, false, false, false, true]);
    expect(steps[4]!.giveback).toBeCloseTo(0.4, 12);
    expect(steps[0]!.reset).toBe('new');
  });

  it('never signals twice for one trail once the exit is marked sent', () => {
    const first = walk([
      [t('10:00'), 300],
      [t('11:00'), 100],
    ]);
    expect(first[1]!.exit).not.toBeNull();
    const marked = { ...first[1]!.next, exitClientOrderId: 'lt-h-AAPL-trail' };
    expect(advanceTrail(marked, obs(50), t('11:30'), s).exit).toBeNull();
  });

  it('a new basis (quantity or average price changed) starts a fresh, unarmed trail', () => {
    const a = walk([[t('10:00'), 300]])[0]!.next;
    expect(a.activated).toBe(true);
    const b = advanceTrail(a, obs(100, 150), t('11:00'), s);
    expect(b.reset).toBe('basis_changed');
    expect(b.next).toMatchObject({ qty: 150, peakUnrealizedPl: 100, activated: false, openedAt: t('11:00') });
  });

  it('carries the peak across sessions unless TRAIL_RESET_DAILY', () => {
    const day1 = walk([[t('15:00'), 500]])[0]!.next;
    const multi = advanceTrail(day1, obs(280), t('10:00', '2026-11-19'), s);
    expect(multi.next.peakUnrealizedPl).toBe(500);
    expect(multi.exit).not.toBeNull();
    const daily = advanceTrail(day1, obs(280), t('10:00', '2026-11-19'), { ...s, resetDaily: true });
    expect(daily.reset).toBe('new_session');
    expect(daily.next).toMatchObject({ peakUnrealizedPl: 280, sessionDate: '2026-11-19', activated: true, openedAt: day1.openedAt });
    expect(daily.exit).toBeNull();
  });

  it('a trail that never made money has no giveback', () => {
    const steps = walk([
      [t('10:00'), -50],
      [t('11:00'), -300],
    ]);
    expect(steps.map((x) => x.giveback)).toEqual([null, null]);
    expect(steps.some((x) => x.exit)).toBe(false);
  });
});
