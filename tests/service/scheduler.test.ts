import { describe, expect, it } from 'vitest';
import { createNyseRulesCalendar } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createVirtualTimers } from '../../src/adapters/timers/virtual.js';
import { nyClock, nyTime } from '../../src/core/time/ny.js';
import type { Logger } from '../../src/log.js';
import type { Calendar } from '../../src/ports/clock.js';
import { parseSlots, type Fire, type Trigger } from '../../src/jobs/schedule.js';
import { createScheduler, type JobSpec } from '../../src/jobs/scheduler/scheduler.js';

const DAY = '2026-11-23'; // a regular Monday

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function recordingLog() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { log, lines };
}

/** A job that records its runs and blocks on a gate the test opens, so a run can be made "slow" in simulated time. */
function gatedJob(name: string, trigger: Trigger, events: string[], clock: { now(): number }) {
  const gates: ReturnType<typeof deferred>[] = [];
  let running = 0;
  let maxConcurrent = 0;
  const job: JobSpec = {
    name,
    trigger,
    run: async (f: Fire) => {
      running++;
      maxConcurrent = Math.max(maxConcurrent, running);
      events.push(`${name} start ${f.label} @${nyClock(clock.now())}`);
      const g = deferred();
      gates.push(g);
      await g.promise;
      events.push(`${name} end ${f.label} @${nyClock(clock.now())}`);
      running--;
    },
  };
  return { job, gates, maxConcurrent: () => maxConcurrent };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('scheduler: one lane, never overlapping', () => {
  it('a slow cycle blocks the next slot: that slot is skipped and logged, never run alongside', async () => {
    const clock = createSimClock(nyTime(DAY, '09:00'));
    const timers = createVirtualTimers(clock);
    const events: string[] = [];
    const cycle = gatedJob('cycle', { kind: 'slots', slots: parseSlots('10:00,12:00,14:00'), jitterMs: 0 }, events, clock);
    const { log, lines } = recordingLog();
    const skips: string[] = [];
    const s = createScheduler({ clock, timers, calendar: createNyseRulesCalendar(), log, random: () => 0, jobs: [cycle.job], onSkip: (job, slot, reason) => skips.push(`${job} ${nyClock(slot)}: ${reason}`) });
    await s.start();

    expect(timers.fireNext()).toBe(true); // 10:00: the cycle starts and does not finish
    await flush();
    expect(s.running()?.label).toBe('10:00');
    expect(timers.fireNext()).toBe(true); // 12:00 arrives while 10:00 still runs
    await flush();
    expect(nyClock(clock.now())).toBe('12:00');
    expect(events).toEqual(['cycle start 10:00 @10:00']);
    expect(skips).toEqual(['cycle 12:00: previous cycle run (10:00) still running']);
    expect(lines.some((l) => l.level === 'warn' && l.msg === 'run skipped' && l.fields.label === '12:00')).toBe(true);

    cycle.gates[0]!.resolve(); // the slow cycle ends at 12:00 (simulated)
    await s.idle();
    expect(timers.fireNext()).toBe(true); // 14:00 runs normally
    await flush();
    cycle.gates[1]!.resolve();
    await s.idle();
    expect(events).toEqual(['cycle start 10:00 @10:00', 'cycle end 10:00 @12:00', 'cycle start 14:00 @14:00', 'cycle end 14:00 @14:00']);
    expect(cycle.maxConcurrent()).toBe(1);
    s.stop();
  });

  it('a job that finds another one running waits for it, then runs (no overlap across jobs either)', async () => {
    const clock = createSimClock(nyTime(DAY, '09:00'));
    const timers = createVirtualTimers(clock);
    const events: string[] = [];
    const cycle = gatedJob('cycle', { kind: 'slots', slots: parseSlots('15:50'), jitterMs: 0 }, events, clock);
    const eod = gatedJob('eod', { kind: 'after_close', delayMs: 15 * 60_000 }, events, clock);
    const s = createScheduler({ clock, timers, calendar: createNyseRulesCalendar(), log: recordingLog().log, random: () => 0, jobs: [cycle.job, eod.job] });
    await s.start();
    timers.fireNext(); // 15:50 cycle starts
    await flush();
    timers.fireNext(); // 16:15 EOD arrives while the cycle runs: it waits
    await flush();
    expect(events).toEqual(['cycle start 15:50 @15:50']);
    cycle.gates[0]!.resolve();
    await flush();
    await flush();
    expect(events).toEqual(['cycle start 15:50 @15:50', 'cycle end 15:50 @16:15', 'eod start close 16:00 + 15 min @16:15']);
    eod.gates[0]!.resolve();
    await s.idle();
    s.stop();
  });

  it('stop(): no more runs, waiting runs dropped, the running job sees its signal aborted and idle() waits for it', async () => {
    const clock = createSimClock(nyTime(DAY, '09:00'));
    const timers = createVirtualTimers(clock);
    let signal: AbortSignal | null = null;
    const gate = deferred();
    const runs: string[] = [];
    const job: JobSpec = {
      name: 'cycle',
      trigger: { kind: 'slots', slots: parseSlots('10:00,12:00'), jitterMs: 0 },
      run: async (f, sig) => {
        runs.push(f.label);
        signal = sig;
        await gate.promise;
      },
    };
    const s = createScheduler({ clock, timers, calendar: createNyseRulesCalendar(), log: recordingLog().log, random: () => 0, jobs: [job] });
    await s.start();
    timers.fireNext();
    await flush();
    s.stop();
    expect(signal!.aborted).toBe(true);
    let idle = false;
    void s.idle().then(() => (idle = true));
    await flush();
    expect(idle).toBe(false); // still finishing what is in flight
    gate.resolve();
    await s.idle();
    expect(timers.pending()).toBe(0);
    expect(runs).toEqual(['10:00']);
  });

  it('a fire far later than planned (suspended machine) is logged as missed, not run, and scheduling resumes', async () => {
    const clock = createSimClock(nyTime(DAY, '09:00'));
    const timers = createVirtualTimers(clock);
    const runs: string[] = [];
    const { log, lines } = recordingLog();
    const job: JobSpec = { name: 'cycle', trigger: { kind: 'slots', slots: parseSlots('10:00,12:00,14:00'), jitterMs: 0 }, run: async (f) => void runs.push(f.label) };
    const s = createScheduler({ clock, timers, calendar: createNyseRulesCalendar(), log, random: () => 0, jobs: [job] });
    await s.start();
    clock.set(nyTime(DAY, '12:30')); // the process slept through 10:00 and 12:00
    timers.fireNext();
    await s.idle();
    timers.fireNext();
    await s.idle();
    expect(runs).toEqual(['14:00']);
    expect(lines.filter((l) => l.msg === 'run missed').map((l) => l.fields.label)).toEqual(['10:00']);
    s.stop();
  });

  it('startup logs the next run of every job; a calendar failure is logged and retried', async () => {
    const clock = createSimClock(nyTime(DAY, '09:00'));
    const timers = createVirtualTimers(clock);
    const real = createNyseRulesCalendar();
    let failures = 1;
    const flaky: Calendar = {
      sessions: async (a, b) => {
        if (failures-- > 0) throw new Error('calendar unavailable');
        return real.sessions(a, b);
      },
    };
    const { log, lines } = recordingLog();
    const jobs: JobSpec[] = [
      { name: 'cycle', trigger: { kind: 'slots', slots: parseSlots('10:00'), jitterMs: 0 }, run: async () => {} },
      { name: 'eod', trigger: { kind: 'after_close', delayMs: 15 * 60_000 }, run: async () => {} },
    ];
    const s = createScheduler({ clock, timers, calendar: flaky, log, random: () => 0, jobs, retryMs: 60_000 });
    const planned = await s.start();
    expect(planned.map((p) => [p.job, p.fire === null])).toEqual([['cycle', true], ['eod', false]]);
    expect(lines.find((l) => l.msg === 'scheduling failed; retrying')?.fields.job).toBe('cycle');
    expect(lines.filter((l) => l.msg === 'next run').map((l) => [l.fields.job, l.fields.at])).toEqual([['eod', '2026-11-23T16:15:00-05:00']]);
    timers.fireNext(); // the retry, a minute later
    await s.idle();
    expect(s.planned().map((p) => [p.job, p.fire?.label])).toEqual([['cycle', '10:00'], ['eod', 'close 16:00 + 15 min']]);
    s.stop();
  });
});
