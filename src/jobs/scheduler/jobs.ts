import type { Clock } from '../../ports/clock.js';
import { cycleIdFor } from '../../cycle/ids.js';
import { prewarmRegime, type PrewarmResult } from '../../cycle/regime-prewarm.js';
import { runCycle } from '../../cycle/run-cycle.js';
import type { CycleDeps, CycleSummary } from '../../cycle/types.js';
import { runEodDigest, type EodDeps, type EodResult } from '../eod-digest.js';
import type { SlotSpec } from '../schedule.js';
import type { JobSpec } from './scheduler.js';

/**
 * The service's jobs, in priority order (at the same instant the cycle goes first): the one
 * list `npm start` and `npm run demo` both schedule.
 */

export const JOB = { cycle: 'cycle', regimePrewarm: 'regime_prewarm', positionHealth: 'position_health', eod: 'eod_digest' } as const;

export interface ServiceJobsDeps {
  /** Market time: the scheduler's clock (system clock in production, the sim clock in the demo). */
  readonly clock: Clock;
  readonly cycle: CycleDeps;
  readonly slots: readonly SlotSpec[];
  readonly jitterSec: number;
  /**
   * REGIME_PREWARM_SEC: refresh the regime this many seconds before each cycle slot, so the cycle
   * reads it from the regime cache instead of waiting on the model. Absent or null: no pre-warm.
   */
  readonly regimePrewarm?: { readonly leadSec: number } | null;
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
  const pw = d.regimePrewarm;
  if (pw && pw.leadSec > 0) {
    const leadMs = pw.leadSec * 1000;
    const prewarm: JobSpec<PrewarmResult> = {
      name: JOB.regimePrewarm,
      trigger: { kind: 'before_slots', slots: d.slots, leadMs },
      // fire.slot is the cycle slot minus the lead; the verdict must still be fresh when the jittered cycle starts.
      run: (fire) => prewarmRegime(d.cycle, d.clock.now(), { cycleId: cycleIdFor(fire.slot + leadMs), coverUntil: fire.slot + leadMs + d.jitterSec * 1000 }),
    };
    jobs.push(prewarm);
  }
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
