import type { Clock } from '../../ports/clock.js';
import { cycleIdFor } from '../../cycle/ids.js';
import { runCycle } from '../../cycle/run-cycle.js';
import type { CycleDeps, CycleSummary } from '../../cycle/types.js';
import { runEodDigest, type EodDeps, type EodResult } from '../eod-digest.js';
import type { SlotSpec } from '../schedule.js';
import type { JobSpec } from './scheduler.js';

/**
 * The service's jobs, in priority order (at the same instant the cycle goes first): the one
 * list `npm start` and `npm run demo` both schedule.
 */

export const JOB = { cycle: 'cycle', positionHealth: 'position_health', eod: 'eod_digest' } as const;

export interface ServiceJobsDeps {
  /** Market time: the scheduler's clock (system clock in production, the sim clock in the demo). */
  readonly clock: Clock;
  readonly cycle: CycleDeps;
  readonly slots: readonly SlotSpec[];
  readonly jitterSec: number;
  /** null: no position-health job (interval 0, or not available). */
  readonly positionHealth: { readonly intervalMin: number; run(asOf: number, signal: AbortSignal): Promise<unknown> } | null;
  readonly eod: { readonly delayMin: number; readonly deps: EodDeps };
}

export function serviceJobs(d: ServiceJobsDeps): JobSpec[] {
  const jobs: JobSpec[] = [];
  const cycle: JobSpec<CycleSummary> = {
    name: JOB.cycle,
    trigger: { kind: 'slots', slots: d.slots, jitterMs: d.jitterSec * 1000 },
    // The cycle id comes from the slot, not the jittered start: a restart re-running the same slot resumes it idempotently.
    run: (fire, signal) => runCycle(d.cycle, d.clock.now(), { cycleId: cycleIdFor(fire.slot), signal }),
  };
  jobs.push(cycle);
  const ph = d.positionHealth;
  if (ph && ph.intervalMin > 0) {
    jobs.push({ name: JOB.positionHealth, trigger: { kind: 'every', everyMs: ph.intervalMin * 60_000 }, run: (_fire, signal) => ph.run(d.clock.now(), signal) });
  }
  const eod: JobSpec<EodResult> = {
    name: JOB.eod,
    trigger: { kind: 'after_close', delayMs: d.eod.delayMin * 60_000 },
    run: (fire) => runEodDigest(d.eod.deps, fire.session.date),
  };
  jobs.push(eod);
  return jobs;
}
