import type { Logger } from '../../log.js';
import type { Calendar, Clock, Timers } from '../../ports/clock.js';
import { addDays, nyDate, nyIso } from '../../core/time/ny.js';
import { nextFire, type Fire, type SkippedSlot, type Trigger } from '../schedule.js';

/**
 * The service's scheduler: jobs with triggers (schedule.ts), driven by a Clock plus Timers,
 * so production runs it on the system clock with real timers and the demo and the tests run
 * the very same code on the simulator's clock in accelerated time.
 *
 * One lane: jobs never overlap one another.
 * - A fire that finds its own job still running (or already waiting) is skipped and logged:
 *   a slow cycle blocks the next slot, it never overlaps it.
 * - A fire that finds another job running waits for it (FIFO) and then runs.
 * - A fire more than `missAfterMs` late (the process was suspended, the clock stepped) is
 *   logged as missed and not run.
 * stop() stops scheduling, drops waiting runs and aborts the running job's signal; the job
 * decides what "finish what is in flight" means (the cycle completes the symbols it started).
 * idle() resolves once nothing is running, waiting or being planned.
 */

export interface JobSpec<R = unknown> {
  readonly name: string;
  readonly trigger: Trigger;
  run(fire: Fire, signal: AbortSignal): Promise<R>;
}

export interface PlannedRun {
  readonly job: string;
  readonly fire: Fire | null;
}

export interface SchedulerEvents {
  /** A run finished (result) or threw (error). */
  onDone?(job: string, fire: Fire, outcome: { readonly result?: unknown; readonly error?: unknown }): void;
  /** A fire was skipped (busy, missed) or a slot dropped (early close). */
  onSkip?(job: string, slot: number, reason: string): void;
}

export interface SchedulerOptions extends SchedulerEvents {
  readonly clock: Clock;
  readonly timers: Timers;
  readonly calendar: Calendar;
  readonly log: Logger;
  /** Uniform [0, 1): jitter. Seeded in the demo and tests. */
  readonly random: () => number;
  /** In priority order: at the same instant, earlier jobs go first. */
  readonly jobs: readonly JobSpec[];
  /** A fire later than this is missed, not run. Default 5 minutes. */
  readonly missAfterMs?: number;
  /** After a planning failure (calendar down), retry this much later. Default 1 minute. */
  readonly retryMs?: number;
}

export interface Scheduler {
  /** Plans every job, logs its next run, arms the timer. */
  start(): Promise<readonly PlannedRun[]>;
  /** Stops scheduling; waiting runs are dropped; the running job's signal is aborted. */
  stop(): void;
  idle(): Promise<void>;
  /** The run in progress, if any. */
  running(): Fire | null;
  planned(): readonly PlannedRun[];
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

export function createScheduler(o: SchedulerOptions): Scheduler {
  const missAfter = o.missAfterMs ?? 5 * 60_000;
  const retryMs = o.retryMs ?? 60_000;
  const plan = new Map<JobSpec, Fire | null>();
  const queue: { job: JobSpec; fire: Fire }[] = [];
  let current: { job: JobSpec; fire: Fire; controller: AbortController } | null = null;
  let stopped = false;
  let planning = 0;
  let cancelTimer: (() => void) | null = null;
  let waiters: (() => void)[] = [];
  const retries = new Set<() => void>();

  const order = (j: JobSpec) => o.jobs.indexOf(j);
  const busy = () => current !== null || queue.length > 0 || planning > 0;
  const settle = () => {
    if (busy()) return;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const fields = (f: Fire) => ({ job: f.job, slot: nyIso(f.slot), at: nyIso(f.at), label: f.label, session: f.session.date });

  async function planNext(job: JobSpec, after: number): Promise<Fire | null> {
    let from = nyDate(after);
    for (let span = 10; span <= 160; span *= 2) {
      const sessions = await o.calendar.sessions(addDays(from, -1), addDays(from, span));
      const r = nextFire(job.name, job.trigger, sessions, after, o.random);
      for (const s of r.skipped) logSkipped(s);
      if (r.fire) return r.fire;
      from = addDays(from, span);
    }
    return null;
  }

  function logSkipped(s: SkippedSlot) {
    o.log.info('slot skipped', { job: s.job, slot: nyIso(s.slot), label: s.label, session: s.session.date, reason: s.reason });
    notifySkip(s.job, s.slot, s.reason);
  }

  /** Plans `job` after `after`; on failure (calendar unavailable) retries `retryMs` later. */
  async function replan(job: JobSpec, after: number, announce: boolean): Promise<void> {
    planning++;
    try {
      const f = await planNext(job, after);
      plan.set(job, f);
      if (!f) o.log.warn('no next run found', { job: job.name });
      else if (announce) o.log.info('next run', { ...fields(f), in_min: Math.round((f.at - o.clock.now()) / 60_000) });
      else o.log.debug('next run', fields(f));
    } catch (e) {
      o.log.error('scheduling failed; retrying', { job: job.name, error: errText(e), retry_in_s: retryMs / 1000 });
      plan.delete(job);
      if (!stopped) {
        const cancel = o.timers.at(o.clock.now() + retryMs, () => {
          retries.delete(cancel);
          if (!stopped) void replan(job, after, true).then(arm);
        });
        retries.add(cancel);
      }
    } finally {
      planning--;
    }
  }

  function arm() {
    cancelTimer?.();
    cancelTimer = null;
    if (stopped) return settle();
    let at: number | null = null;
    for (const f of plan.values()) if (f && (at === null || f.at < at)) at = f.at;
    if (at !== null) cancelTimer = o.timers.at(at, () => void onTimer());
    settle();
  }

  async function onTimer() {
    cancelTimer = null;
    if (stopped) return settle();
    const now = o.clock.now();
    const due = [...plan.entries()]
      .filter((e): e is [JobSpec, Fire] => e[1] !== null && e[1].at <= now)
      .sort((a, b) => a[1].at - b[1].at || order(a[0]) - order(b[0]));
    planning++;
    try {
      const after = new Map<JobSpec, number>();
      for (const [job, fire] of due) {
        plan.set(job, null);
        after.set(job, fire.slot);
        if (now - fire.at > missAfter) {
          // Suspended or stepped clock: log once and resume from "now", not slot by slot.
          o.log.warn('run missed', { ...fields(fire), late_s: Math.round((now - fire.at) / 1000) });
          notifySkip(job.name, fire.slot, 'missed');
          after.set(job, Math.max(fire.slot, now - missAfter));
        } else dispatch(job, fire);
      }
      // Replan in priority order so a seeded random source sees a stable sequence of draws.
      for (const [job, t] of [...after].sort((a, b) => order(a[0]) - order(b[0]))) await replan(job, t, job.trigger.kind !== 'every');
    } finally {
      planning--;
    }
    arm();
  }

  function dispatch(job: JobSpec, fire: Fire) {
    if (current?.job === job || queue.some((q) => q.job === job)) {
      const reason = current?.job === job ? `previous ${job.name} run (${current.fire.label}) still running` : `a ${job.name} run is already waiting`;
      // A skipped decision cycle is worth a warning; a skipped interval tick (position health) is routine.
      (job.trigger.kind === 'every' ? o.log.info : o.log.warn)('run skipped', { ...fields(fire), reason });
      notifySkip(job.name, fire.slot, reason);
      return;
    }
    if (current) {
      o.log.info('run waiting', { ...fields(fire), behind: current.job.name });
      queue.push({ job, fire });
      return;
    }
    begin(job, fire);
  }

  function notifySkip(job: string, slot: number, reason: string) {
    try {
      o.onSkip?.(job, slot, reason);
    } catch (e) {
      o.log.error('scheduler observer failed', { job, error: errText(e) });
    }
  }

  function observe(job: JobSpec, fire: Fire, outcome: { readonly result?: unknown; readonly error?: unknown }) {
    try {
      o.onDone?.(job.name, fire, outcome);
    } catch (e) {
      o.log.error('scheduler observer failed', { job: job.name, error: errText(e) });
    }
  }

  function begin(job: JobSpec, fire: Fire) {
    const controller = new AbortController();
    current = { job, fire, controller };
    const t0 = o.clock.now();
    // Frequent interval jobs (position health) log their runs at debug; the job logs what matters itself.
    const note = job.trigger.kind === 'every' ? o.log.debug : o.log.info;
    note('run started', fields(fire));
    void (async () => job.run(fire, controller.signal))()
      .then(
        (result) => {
          note('run finished', { ...fields(fire), took_s: Math.round((o.clock.now() - t0) / 100) / 10 });
          observe(job, fire, { result });
        },
        (error: unknown) => {
          o.log.error('run failed', { ...fields(fire), error: errText(error) });
          observe(job, fire, { error });
        },
      )
      .finally(() => {
        current = null;
        const next = stopped ? undefined : queue.shift();
        if (next) begin(next.job, next.fire);
        else settle();
      });
  }

  return {
    async start() {
      if (stopped) throw new Error('scheduler: start after stop');
      planning++;
      try {
        const now = o.clock.now();
        for (const job of o.jobs) await replan(job, now, true);
      } finally {
        planning--;
      }
      arm();
      return o.jobs.map((j) => ({ job: j.name, fire: plan.get(j) ?? null }));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      cancelTimer?.();
      cancelTimer = null;
      for (const c of retries) c();
      retries.clear();
      for (const q of queue.splice(0)) o.log.info('waiting run dropped at shutdown', fields(q.fire));
      if (current) {
        o.log.info('stopping: letting the running job finish what is in flight', fields(current.fire));
        current.controller.abort(new Error('shutdown'));
      }
      settle();
    },
    idle() {
      if (!busy()) return Promise.resolve();
      return new Promise<void>((r) => waiters.push(r));
    },
    running: () => current?.fire ?? null,
    planned: () => o.jobs.map((j) => ({ job: j.name, fire: plan.get(j) ?? null })),
  };
}
