import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNyseRulesCalendar, nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createFileReportStore } from '../../src/adapters/reports/files.js';
import { rulesRegime } from '../../src/adapters/rules/regime.js';
import { createVirtualTimers } from '../../src/adapters/timers/virtual.js';
import { regimePrewarmFor } from '../../src/app/service.js';
import { loadConfig } from '../../src/config.js';
import { nyIso, nyTime } from '../../src/core/time/ny.js';
import { createCycleCaches, marketSettings } from '../../src/cycle/market-context.js';
import type { CycleSummary } from '../../src/cycle/types.js';
import type { RegimeVerdict } from '../../src/domain/decision.js';
import { createDayJournal } from '../../src/journal/day-queries.js';
import { nextFire, parseSlots, type Trigger } from '../../src/jobs/schedule.js';
import { JOB, serviceJobs } from '../../src/jobs/scheduler/jobs.js';
import { createScheduler } from '../../src/jobs/scheduler/scheduler.js';
import { silentLogger, type Logger } from '../../src/log.js';
import type { Brain } from '../../src/ports/brain.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { makeWorld, TEST_DATE } from '../helpers/world.js';

/** The service refreshes the regime ahead of each cycle slot, so scheduled cycles never wait on it. */

const noJitter = () => 0;
const LEAD = 120_000;
const trigger = (slots: string): Trigger => ({ kind: 'before_slots', slots: parseSlots(slots), leadMs: LEAD });

describe('before_slots trigger', () => {
  it('fires each cycle slot minus the lead, unjittered, in New York time', () => {
    const sessions = nyseSessions('2026-03-06', '2026-03-10');
    const first = nextFire('regime_prewarm', trigger('10:00,14:00'), sessions, nyTime('2026-03-06', '08:00'), () => 0.99).fire!;
    expect(nyIso(first.slot)).toBe('2026-03-06T09:58:00-05:00');
    expect(first.at).toBe(first.slot);
    expect(first.label).toBe('before 10:00');
    // Across the DST change (Sunday 2026-03-08): Monday's 13:58 is EDT.
    const monday = nextFire('regime_prewarm', trigger('14:00'), sessions, nyTime('2026-03-06', '14:00'), noJitter).fire!;
    expect(nyIso(monday.slot)).toBe('2026-03-09T13:58:00-04:00');
  });

  it('a slot dropped for an early close drops its pre-warm too, without a second report', () => {
    const sessions = nyseSessions('2026-11-27', '2026-11-30');
    const r = nextFire('regime_prewarm', trigger('10:00,14:00'), sessions, nyTime('2026-11-27', '10:00'), noJitter);
    expect(r.skipped).toEqual([]);
    expect(nyIso(r.fire!.slot)).toBe('2026-11-30T09:58:00-05:00');
  });
});

describe('REGIME_PREWARM_SEC', () => {
  function warnings() {
    const w: string[] = [];
    const log: Logger = { debug() {}, info() {}, warn: (m) => void w.push(m), error() {} };
    return { log, w };
  }
  it('on by default (120 s): a verdict computed then is still fresh when the jittered cycle starts', () => {
    const { log, w } = warnings();
    expect(regimePrewarmFor(loadConfig({}), log)).toEqual({ leadSec: 120 });
    expect(w).toEqual([]);
  });
  it('0 turns it off quietly; a lead that the TTL would not cover turns it off with a warning', () => {
    const a = warnings();
    expect(regimePrewarmFor(loadConfig({ REGIME_PREWARM_SEC: '0' }), a.log)).toBeNull();
    expect(a.w).toEqual([]);
    const b = warnings();
    expect(regimePrewarmFor(loadConfig({ REGIME_PREWARM_SEC: '300', SCHEDULE_JITTER_SEC: '60', REGIME_TTL_SEC: '300' }), b.log)).toBeNull();
    expect(b.w).toEqual([expect.stringMatching(/regime pre-warm off/)]);
  });
});

describe('through the scheduler', () => {
  it('the pre-warm runs before the slot and the cycle reuses its verdict: one regime call, none on the cycle path', async () => {
    const base = createScriptedBrain({});
    let regimeCalls = 0;
    const calledAt: number[] = [];
    const w = makeWorld({ prices: { AAPL: 100, MSFT: 200 }, brain: base });
    const brain: Brain = {
      ...base,
      regime: async (inputs) => {
        regimeCalls++;
        calledAt.push(w.clock.now());
        return { verdict: { ...rulesRegime(inputs), source: 'claude' }, usage: [] };
      },
    };
    const cycle = { ...w.deps, brain, caches: createCycleCaches(marketSettings(w.deps.settings.market)) };
    const timers = createVirtualTimers(w.clock);
    const dir = mkdtempSync(join(tmpdir(), 'prewarm-'));
    const jobs = serviceJobs({
      clock: w.clock,
      cycle,
      slots: parseSlots('12:00'),
      jitterSec: 60,
      regimePrewarm: { leadSec: LEAD / 1000 },
      positionHealth: null,
      eod: {
        delayMin: 15,
        deps: { broker: w.broker, journal: w.journal, days: createDayJournal(w.journal.db), calendar: createNyseRulesCalendar(), clock: w.clock, wallClock: w.deps.wallClock, reports: createFileReportStore(join(dir, 'reports')), log: silentLogger, mode: 'sim' },
      },
    });
    expect(jobs.map((j) => j.name)).toEqual([JOB.cycle, JOB.regimePrewarm, JOB.eod]);
    const done: { job: string; at: number; result: unknown }[] = [];
    const s = createScheduler({ clock: w.clock, timers, calendar: w.deps.calendar, log: silentLogger, random: () => 0.5, jobs, onDone: (job, _f, out) => void done.push({ job, at: w.clock.now(), result: out.result }) });
    await s.start();
    timers.fireNext(); // 11:58: the pre-warm
    await s.idle();
    timers.fireNext(); // 12:00 + 30 s jitter: the cycle
    await s.idle();
    s.stop();
    expect(done.map((d) => [d.job, nyIso(d.at)])).toEqual([
      ['regime_prewarm', `${TEST_DATE}T11:58:00-05:00`],
      ['cycle', `${TEST_DATE}T12:00:30-05:00`],
    ]);
    expect(regimeCalls).toBe(1);
    expect(nyIso(calledAt[0]!)).toBe(`${TEST_DATE}T11:58:00-05:00`);
    const summary = done[1]!.result as CycleSummary;
    expect(summary.status).toBe('ok');
    const regime = JSON.parse((w.journal.db.prepare('SELECT regime_json FROM cycles WHERE id = ?').get(summary.cycle_id) as { regime_json: string }).regime_json) as RegimeVerdict;
    expect(regime).toMatchObject({ source: 'claude', cached: true, as_of: new Date(nyTime(TEST_DATE, '11:58')).toISOString() });
  });
});
