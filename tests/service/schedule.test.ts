import { describe, expect, it } from 'vitest';
import { createNyseRulesCalendar, nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createRng, hashSeed } from '../../src/adapters/sim/rng.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createVirtualTimers } from '../../src/adapters/timers/virtual.js';
import { nyClock, nyDate, nyIso, nyTime } from '../../src/core/time/ny.js';
import { nextFire, parseSlots, slotsOutsideRegularHours, type Fire, type Trigger } from '../../src/jobs/schedule.js';
import { createScheduler, type JobSpec } from '../../src/jobs/scheduler/scheduler.js';
import { silentLogger } from '../../src/log.js';

const SLOTS = parseSlots('10:00,12:00,14:00,15:30');
const noJitter = () => 0;

/** Every fire of each job between two New York dates, driven through the real scheduler on a simulated clock. */
async function firesBetween(from: string, to: string, jobs: { name: string; trigger: Trigger }[], random: () => number = noJitter) {
  const clock = createSimClock(nyTime(from, '00:00'));
  const timers = createVirtualTimers(clock);
  const fired: { job: string; local: string; slot: string; at: number; slotAt: number }[] = [];
  const specs: JobSpec[] = jobs.map((j) => ({
    name: j.name,
    trigger: j.trigger,
    run: async (f: Fire) => {
      // The job runs when the clock says so: record the clock, not the plan.
      fired.push({ job: j.name, local: `${nyDate(clock.now())} ${nyClock(clock.now())}`, slot: f.label, at: clock.now(), slotAt: f.slot });
    },
  }));
  const skipped: { job: string; slot: string; reason: string }[] = [];
  const s = createScheduler({ clock, timers, calendar: createNyseRulesCalendar(), log: silentLogger, random, jobs: specs, onSkip: (job, slot, reason) => skipped.push({ job, slot: nyIso(slot), reason }) });
  await s.start();
  await timers.runUntil(nyTime(to, '23:59'), () => s.idle());
  s.stop();
  return { fired, skipped };
}

describe('schedule: New York wall times across DST, holidays and early closes', () => {
  it('DST start (Sunday 2026-03-08): cycles fire at 10:00/12:00/14:00/15:30 New York on both sides, an hour apart in UTC', async () => {
    const { fired } = await firesBetween('2026-03-06', '2026-03-09', [{ name: 'cycle', trigger: { kind: 'slots', slots: SLOTS, jitterMs: 0 } }]);
    expect(fired.map((f) => f.local)).toEqual([
      '2026-03-06 10:00', '2026-03-06 12:00', '2026-03-06 14:00', '2026-03-06 15:30',
      '2026-03-09 10:00', '2026-03-09 12:00', '2026-03-09 14:00', '2026-03-09 15:30',
    ]);
    // Friday is EST (UTC-5), Monday EDT (UTC-4).
    expect(new Date(fired[0]!.at).toISOString()).toBe('2026-03-06T15:00:00.000Z');
    expect(new Date(fired[4]!.at).toISOString()).toBe('2026-03-09T14:00:00.000Z');
  });

  it('DST end (Sunday 2026-11-01): same local times, EOD at 16:15 both sides, position health from 09:35', async () => {
    const { fired } = await firesBetween('2026-10-30', '2026-11-02', [
      { name: 'cycle', trigger: { kind: 'slots', slots: SLOTS, jitterMs: 0 } },
      { name: 'health', trigger: { kind: 'every', everyMs: 30 * 60_000 } },
      { name: 'eod', trigger: { kind: 'after_close', delayMs: 15 * 60_000 } },
    ]);
    const by = (job: string) => fired.filter((f) => f.job === job).map((f) => f.local);
    expect(by('cycle')).toEqual([
      '2026-10-30 10:00', '2026-10-30 12:00', '2026-10-30 14:00', '2026-10-30 15:30',
      '2026-11-02 10:00', '2026-11-02 12:00', '2026-11-02 14:00', '2026-11-02 15:30',
    ]);
    expect(by('eod')).toEqual(['2026-10-30 16:15', '2026-11-02 16:15']);
    expect(new Date(fired.find((f) => f.job === 'eod')!.at).toISOString()).toBe('2026-10-30T20:15:00.000Z');
    expect(new Date(fired.filter((f) => f.job === 'eod')[1]!.at).toISOString()).toBe('2026-11-02T21:15:00.000Z');
    const health = by('health').filter((l) => l.startsWith('2026-11-02'));
    expect(health[0]).toBe('2026-11-02 10:00');
    expect(health[health.length - 1]).toBe('2026-11-02 15:30');
    expect(health).toHaveLength(12); // 10:00 .. 15:30 every 30 min, never at or after the close
  });

  it('holidays have no runs; the day after Thanksgiving closes at 13:00: later slots are skipped and logged, EOD follows the early close', async () => {
    const { fired, skipped } = await firesBetween('2026-11-25', '2026-11-27', [
      { name: 'cycle', trigger: { kind: 'slots', slots: SLOTS, jitterMs: 0 } },
      { name: 'eod', trigger: { kind: 'after_close', delayMs: 15 * 60_000 } },
    ]);
    expect(fired.map((f) => `${f.job} ${f.local}`)).toEqual([
      'cycle 2026-11-25 10:00', 'cycle 2026-11-25 12:00', 'cycle 2026-11-25 14:00', 'cycle 2026-11-25 15:30', 'eod 2026-11-25 16:15',
      // 2026-11-26 Thanksgiving: nothing
      'cycle 2026-11-27 10:00', 'cycle 2026-11-27 12:00', 'eod 2026-11-27 13:15',
    ]);
    expect(skipped).toEqual([
      { job: 'cycle', slot: '2026-11-27T14:00:00-05:00', reason: 'early close at 13:00' },
      { job: 'cycle', slot: '2026-11-27T15:30:00-05:00', reason: 'early close at 13:00' },
    ]);
  });

  it('July 3 early close and Independence Day observed on Friday July 3, 2026: from Thursday July 2 the next run is Monday July 6', () => {
    const sessions = nyseSessions('2026-07-01', '2026-07-10');
    const after = nyTime('2026-07-02', '15:30');
    const r = nextFire('cycle', { kind: 'slots', slots: SLOTS, jitterMs: 0 }, sessions, after, noJitter);
    expect(nyIso(r.fire!.at)).toBe('2026-07-06T10:00:00-04:00');
  });

  it('a weekend and a Monday holiday: Friday after the last slot -> Tuesday 10:00 (Presidents Day 2026-02-16)', () => {
    const sessions = nyseSessions('2026-02-10', '2026-02-25');
    const r = nextFire('cycle', { kind: 'slots', slots: SLOTS, jitterMs: 0 }, sessions, nyTime('2026-02-13', '15:30'), noJitter);
    expect(nyIso(r.fire!.slot)).toBe('2026-02-17T10:00:00-05:00');
  });

  it('jitter stays within [0, SCHEDULE_JITTER_SEC] and is reproducible with a seeded source', async () => {
    const jitterMs = 90_000;
    const run = () => firesBetween('2026-05-04', '2026-05-15', [{ name: 'cycle', trigger: { kind: 'slots', slots: SLOTS, jitterMs } }], createRng(hashSeed(11, 'jitter')));
    const a = await run();
    const b = await run();
    expect(a.fired).toHaveLength(40);
    expect(a.fired.map((f) => f.at)).toEqual(b.fired.map((f) => f.at));
    const delays = a.fired.map((f) => f.at - f.slotAt);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(jitterMs);
    }
    expect(new Set(delays).size).toBeGreaterThan(30); // it does jitter
    const c = await firesBetween('2026-05-04', '2026-05-15', [{ name: 'cycle', trigger: { kind: 'slots', slots: SLOTS, jitterMs } }], createRng(hashSeed(12, 'jitter')));
    expect(c.fired.map((f) => f.at)).not.toEqual(a.fired.map((f) => f.at));
  });

  it('jitter never pushes a slot into the last minute before the close', () => {
    const sessions = nyseSessions('2026-11-27', '2026-11-27'); // closes 13:00
    const slots = parseSlots('12:58');
    const r = nextFire('cycle', { kind: 'slots', slots, jitterMs: 600_000 }, sessions, nyTime('2026-11-27', '00:00'), () => 0.999999);
    expect(r.fire!.at - r.fire!.slot).toBeLessThanOrEqual(60_000);
    expect(r.fire!.at).toBeLessThan(sessions[0]!.close - 60_000 + 1);
  });

  it('extra slots: HH:MM lists and cron patterns read in New York, merged and deduplicated', async () => {
    const slots = [...SLOTS, ...parseSlots('11:15; */30 13-14 * * 1-5; 0 12 * * 1-5')];
    const { fired } = await firesBetween('2026-11-23', '2026-11-23', [{ name: 'cycle', trigger: { kind: 'slots', slots, jitterMs: 0 } }]);
    expect(fired.map((f) => nyClock(f.at))).toEqual(['10:00', '11:15', '12:00', '13:00', '13:30', '14:00', '14:30', '15:30']);
  });

  it('rejects bad slots with the offending item named, and finds slots that can never run', () => {
    expect(() => parseSlots('10:00,25:00')).toThrow(/25:00/);
    expect(() => parseSlots('every day at ten')).toThrow(/every day at ten/);
    expect(slotsOutsideRegularHours(parseSlots('09:00,10:00,16:00,16:30'))).toEqual(['09:00', '16:00', '16:30']);
  });
});
