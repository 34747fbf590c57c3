import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNyseRulesCalendar } from '../../src/adapters/calendar/nyse-rules.js';
import { createFileReportStore } from '../../src/adapters/reports/files.js';
import { createVirtualTimers } from '../../src/adapters/timers/virtual.js';
import { haltSwitchFor } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config.js';
import { nyTime } from '../../src/core/time/ny.js';
import { runCycle } from '../../src/cycle/run-cycle.js';
import type { CycleSummary } from '../../src/cycle/types.js';
import type { Decision } from '../../src/domain/decision.js';
import { JournalError } from '../../src/domain/errors.js';
import { createDayJournal } from '../../src/journal/day-queries.js';
import { parseSlots } from '../../src/jobs/schedule.js';
import { serviceJobs } from '../../src/jobs/scheduler/jobs.js';
import { createScheduler } from '../../src/jobs/scheduler/scheduler.js';
import { silentLogger } from '../../src/log.js';
import type { Brain } from '../../src/ports/brain.js';
import type { Journal } from '../../src/ports/journal.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { countingBroker, makeWorld, TEST_DATE } from '../helpers/world.js';

const PRICES = { AAPL: 100, MSFT: 200, NVDA: 300, AMZN: 150, META: 250, SPY: 400 };
const SYMBOLS = Object.keys(PRICES);

/** A brain whose decisions wait at a gate: lets a test hold symbols "in flight". */
function gatedBrain(script: Record<string, Partial<Decision>>) {
  const inner = createScriptedBrain(script);
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const started: string[] = [];
  let onStart: () => void = () => {};
  const brain: Brain = {
    name: 'gated',
    regime: inner.regime,
    decide: async (s) => {
      started.push(s.symbol);
      onStart();
      await gate;
      return inner.decide(s);
    },
  };
  return { brain, started, open: () => open(), whenStarted: (n: number) => new Promise<void>((r) => (onStart = () => started.length >= n && r())) };
}

const rows = (w: { journal: { db: import('better-sqlite3').Database } }) =>
  w.journal.db.prepare('SELECT symbol, model_action, action, execute_status, overrides FROM trades ORDER BY symbol').all() as {
    symbol: string;
    model_action: string;
    action: string;
    execute_status: string | null;
    overrides: string;
  }[];

describe('graceful shutdown in the middle of a cycle', () => {
  it('runCycle with an aborted signal finishes the symbols in flight, journals them, and starts no other', async () => {
    const g = gatedBrain({ AAPL: {} });
    const w = makeWorld({ prices: PRICES, brain: g.brain }); // concurrency 3
    const controller = new AbortController();
    const started = g.whenStarted(3);
    const run = runCycle(w.deps, w.asOf, { signal: controller.signal });
    await started;
    controller.abort(); // SIGTERM arrives while three symbols are deciding
    g.open();
    const s = await run;
    expect(g.started).toEqual(SYMBOLS.slice(0, 3));
    expect(s.symbols).toBe(3);
    expect(s.reason).toBe('stopped early by shutdown: 3 of 6 symbols not started');
    expect(rows(w).map((r) => [r.symbol, r.action, r.execute_status])).toEqual([
      ['AAPL', 'BUY', 'submitted'],
      ['MSFT', 'HOLD', 'none'],
      ['NVDA', 'HOLD', 'none'],
    ]);
    const cycle = w.journal.db.prepare('SELECT status, finished_recorded_at FROM cycles').get() as { status: string; finished_recorded_at: string | null };
    expect(cycle.status).toBe('ok');
    expect(cycle.finished_recorded_at).not.toBeNull();
  });

  it('through the scheduler: stop() during a cycle lets it finish its in-flight symbols; idle() resolves after they are journaled', async () => {
    const g = gatedBrain({ MSFT: {} });
    const w = makeWorld({ prices: PRICES, brain: g.brain });
    const timers = createVirtualTimers(w.clock);
    const dir = mkdtempSync(join(tmpdir(), 'svc-'));
    const summaries: CycleSummary[] = [];
    const jobs = serviceJobs({
      clock: w.clock,
      cycle: w.deps,
      slots: parseSlots('12:00,14:00'),
      jitterSec: 0,
      positionHealth: null,
      eod: {
        delayMin: 15,
        deps: { broker: w.broker, journal: w.journal, days: createDayJournal(w.journal.db), calendar: createNyseRulesCalendar(), clock: w.clock, wallClock: w.deps.wallClock, reports: createFileReportStore(join(dir, 'reports')), log: silentLogger, mode: 'sim' },
      },
    });
    const s = createScheduler({ clock: w.clock, timers, calendar: w.deps.calendar, log: silentLogger, random: () => 0, jobs, onDone: (job, _f, out) => job === 'cycle' && summaries.push(out.result as CycleSummary) });
    await s.start();
    const started = g.whenStarted(3);
    timers.fireNext(); // 12:00 cycle
    await started;
    s.stop(); // what SIGTERM does in src/main.ts
    let idle = false;
    const idleP = s.idle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    g.open();
    await idleP;
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.cycle_id).toBe('c20261120T1700Z');
    expect(rows(w).map((r) => r.symbol)).toEqual(['AAPL', 'MSFT', 'NVDA']);
    expect(rows(w).every((r) => r.execute_status !== null)).toBe(true);
    expect(rows(w).find((r) => r.symbol === 'MSFT')!.execute_status).toBe('submitted');
    expect(timers.pending()).toBe(0); // nothing else will run: 14:00 and the EOD were unscheduled
    expect(w.clock.now()).toBe(nyTime(TEST_DATE, '12:00'));
  });
});

describe('kill switch (TRADER_HALT_FILE)', () => {
  const killOverride = (r: { overrides: string }) => (JSON.parse(r.overrides) as { rule: string }[]).some((o) => o.rule === 'kill_switch');

  it('engaged: every BUY/SELL becomes a journaled HOLD naming kill_switch, and no order is sent', async () => {
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {}, MSFT: {} }), wrapBroker: (b) => (broker = countingBroker(b)) });
    const s = await runCycle({ ...w.deps, haltSwitch: () => true }, w.asOf);
    expect(s.actions).toEqual({ BUY: 0, SELL: 0, HOLD: 6 });
    expect(broker!.submits).toBe(0);
    const r = rows(w).filter((x) => x.model_action === 'BUY');
    expect(r.map((x) => [x.symbol, x.action, x.execute_status])).toEqual([
      ['AAPL', 'HOLD', 'none'],
      ['MSFT', 'HOLD', 'none'],
    ]);
    expect(r.every(killOverride)).toBe(true);
  });

  it('touched during a cycle: new orders stop from the next symbol on, within that same cycle', async () => {
    let engaged = false;
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({
      prices: PRICES,
      brain: createScriptedBrain({ AAPL: {}, MSFT: {}, NVDA: {} }),
      wrapBroker: (b) => {
        broker = countingBroker(b);
        const submit = broker.submitOrder;
        broker.submitOrder = async (req) => {
          const o = await submit(req);
          engaged = true; // the operator runs `touch data/HALT` right after the first order left
          return o;
        };
        return broker;
      },
    });
    const deps = { ...w.deps, settings: { ...w.deps.settings, concurrency: 1 }, haltSwitch: () => engaged };
    await runCycle(deps, w.asOf);
    expect(broker!.submits).toBe(1);
    const r = rows(w).filter((x) => x.model_action === 'BUY');
    expect(r.map((x) => [x.symbol, x.action, killOverride(x)])).toEqual([
      ['AAPL', 'BUY', false],
      ['MSFT', 'HOLD', true],
      ['NVDA', 'HOLD', true],
    ]);
  });

  it('an intent journaled before the switch was engaged is not carried out on the re-run', async () => {
    let crash = true;
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({
      prices: PRICES,
      brain: createScriptedBrain({ AAPL: {} }),
      wrapBroker: (b) => {
        broker = countingBroker(b);
        const lookup = broker.getOrderByClientId;
        broker.getOrderByClientId = async (id) => {
          if (crash) throw new Error('killed before the order step');
          return lookup(id);
        };
        return broker;
      },
      wrapJournal: (j): Journal => ({
        ...j,
        recordResult: (id, exec) => {
          if (crash && id.endsWith(':AAPL')) throw new JournalError('killed');
          j.recordResult(id, exec);
        },
      }),
    });
    await runCycle(w.deps, w.asOf);
    expect(rows(w).find((x) => x.symbol === 'AAPL')).toMatchObject({ action: 'BUY', execute_status: null });
    crash = false;
    await runCycle({ ...w.deps, haltSwitch: () => true }, w.asOf);
    expect(broker!.submits).toBe(0);
    expect(rows(w).find((x) => x.symbol === 'AAPL')!.execute_status).toBe('skipped');
  });

  it('the composition root reads the switch from the file system: touch engages it, rm releases it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'halt-'));
    const file = join(dir, 'HALT');
    const halted = haltSwitchFor(loadConfig({ TRADER_HALT_FILE: file }));
    expect(halted()).toBe(false);
    writeFileSync(file, '');
    expect(halted()).toBe(true);
    rmSync(file);
    expect(halted()).toBe(false);
  });
});
