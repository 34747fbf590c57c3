import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { baseSession, computeOutcomes, outcomeKey, type DailyBook, type DailyPrice, type ScorableDecision } from '../../src/core/outcomes.js';
import { nyTime } from '../../src/core/time/ny.js';

// Thanksgiving week 2026: Thursday 26 Nov is a holiday, Friday 27 an early close.
const sessions = nyseSessions('2026-11-23', '2026-12-31');
const dates = sessions.map((s) => s.date);

// Scripted path. AAA has no bar on 2 Dec (halted that day).
const aaa: Record<string, number> = {
  '2026-11-23': 100, '2026-11-24': 101, '2026-11-25': 102, '2026-11-27': 103, '2026-11-30': 104,
  '2026-12-01': 105, '2026-12-03': 110, '2026-12-04': 111,
};
const spyClose = (i: number) => 400 + 4 * i;
const book = (): DailyBook => {
  const spy = new Map<string, DailyPrice>(dates.map((d, i) => [d, { o: spyClose(i) - 1, c: spyClose(i) }]));
  const a = new Map<string, DailyPrice>(Object.entries(aaa).map(([d, c]) => [d, { o: c - 0.5, c }]));
  return new Map([['SPY', spy], ['AAA', a]]);
};

const dec = (over: Partial<ScorableDecision> & { asOf: number }): ScorableDecision => ({
  tradeId: 't1', symbol: 'AAA', action: 'BUY', strategy: 'momentum', confidence: 0.7, brain: 'rules', price: 99, ...over,
});
const close = (date: string) => sessions.find((s) => s.date === date)!.close;

describe('computeOutcomes on a scripted price path', () => {
  it('sessions skip the holiday', () => {
    expect(dates.slice(0, 7)).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-27', '2026-11-30', '2026-12-01', '2026-12-02']);
  });

  it('intraday decision: horizons count from the next close; SPY from that session open', () => {
    const d = dec({ asOf: nyTime('2026-11-23', '10:00') });
    const r = computeOutcomes({ decisions: [d], sessions, bars: book(), asOf: close('2026-12-01') });
    const h1 = r.scored.find((x) => x.horizonDays === 1)!;
    expect(h1.computedForDate).toBe('2026-11-24');
    expect(h1.exitPrice).toBe(101);
    expect(h1.ret).toBeCloseTo(101 / 99 - 1, 12);
    expect(h1.spyRet).toBeCloseTo(404 / 399 - 1, 12);
    expect(h1.excess).toBeCloseTo(101 / 99 - 404 / 399, 12);
    const h5 = r.scored.find((x) => x.horizonDays === 5)!;
    // 23 Nov + 5 sessions = 1 Dec (the 26th is skipped).
    expect(h5.computedForDate).toBe('2026-12-01');
    expect(h5.ret).toBeCloseTo(105 / 99 - 1, 12);
    expect(h5.spyRet).toBeCloseTo(420 / 399 - 1, 12);
    // 20 sessions out is not reached yet.
    expect(r.unscored).toEqual([{ tradeId: 't1', symbol: 'AAA', horizonDays: 20, reason: 'not_reached', date: dates[20] }]);
  });

  it('after-close decision: SPY from the same close; the holiday is skipped', () => {
    const d = dec({ asOf: close('2026-11-25') + 60_000, price: 102, action: 'SELL' });
    const r = computeOutcomes({ decisions: [d], sessions, bars: book(), asOf: close('2026-11-27'), horizons: [1] });
    expect(r.scored).toHaveLength(1);
    const o = r.scored[0]!;
    expect(o.computedForDate).toBe('2026-11-27');
    expect(o.ret).toBeCloseTo(103 / 102 - 1, 12);
    expect(o.spyRet).toBeCloseTo(412 / 408 - 1, 12);
    expect(o.action).toBe('SELL');
  });

  it('a decision on the holiday anchors on the previous close', () => {
    const d = dec({ asOf: nyTime('2026-11-26', '12:00'), price: 102.5 });
    expect(dates[baseSession(sessions, d.asOf)!.index]).toBe('2026-11-25');
    const r = computeOutcomes({ decisions: [d], sessions, bars: book(), asOf: close('2026-11-27'), horizons: [1] });
    expect(r.scored[0]!.ret).toBeCloseTo(103 / 102.5 - 1, 12);
    expect(r.scored[0]!.spyRet).toBeCloseTo(412 / 408 - 1, 12);
  });

  it('a pre-market decision anchors on the previous close', () => {
    const b = baseSession(sessions, nyTime('2026-11-24', '08:00'))!;
    expect(b).toEqual({ index: 0, anchor: 'close' });
  });

  it('halted symbol on the horizon date: not scored, marked halted; scored later horizons still work', () => {
    const d = dec({ asOf: close('2026-11-25') + 1, price: 102 });
    // base 25 Nov (index 2) + 4 = 2 Dec, where AAA has no bar; + 5 = 3 Dec, where it trades again.
    const r = computeOutcomes({ decisions: [d], sessions, bars: book(), asOf: close('2026-12-04'), horizons: [1, 4, 5] });
    expect(r.scored.map((x) => x.horizonDays)).toEqual([1, 5]);
    expect(r.scored[1]!.ret).toBeCloseTo(110 / 102 - 1, 12);
    expect(r.unscored).toEqual([{ tradeId: 't1', symbol: 'AAA', horizonDays: 4, reason: 'halted', date: '2026-12-02' }]);
  });

  it('horizon session not closed yet at asOf: not reached', () => {
    const d = dec({ asOf: nyTime('2026-11-23', '10:00') });
    const r = computeOutcomes({ decisions: [d], sessions, bars: book(), asOf: close('2026-11-24') - 1, horizons: [1] });
    expect(r.scored).toEqual([]);
    expect(r.unscored[0]!.reason).toBe('not_reached');
  });

  it('already-recorded horizons are skipped; no price is reported; journaled SPY price wins', () => {
    const done = new Set([outcomeKey('t1', 1)]);
    const a = dec({ asOf: nyTime('2026-11-23', '10:00'), benchmarkPrice: 398 });
    const b = dec({ tradeId: 't2', asOf: nyTime('2026-11-23', '10:00'), price: null });
    const r = computeOutcomes({ decisions: [a, b], sessions, bars: book(), asOf: close('2026-12-01'), horizons: [1, 5], done });
    expect(r.scored.map((x) => `${x.tradeId}:${x.horizonDays}`)).toEqual(['t1:5']);
    expect(r.scored[0]!.spyRet).toBeCloseTo(420 / 398 - 1, 12);
    expect(r.unscored.map((x) => `${x.tradeId}:${x.horizonDays}:${x.reason}`)).toEqual(['t2:1:no_price', 't2:5:no_price']);
  });

  it('recomputing gives identical rows', () => {
    const ds = [dec({ asOf: nyTime('2026-11-23', '10:00') }), dec({ tradeId: 't3', asOf: close('2026-11-25') + 1, price: 102, action: 'HOLD' })];
    const a = computeOutcomes({ decisions: ds, sessions, bars: book(), asOf: close('2026-12-04') });
    const b = computeOutcomes({ decisions: ds, sessions, bars: book(), asOf: close('2026-12-04') });
    expect(b).toEqual(a);
  });
});
