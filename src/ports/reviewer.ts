import type { LlmUsage } from '../domain/decision.js';
import type { WeeklyMetrics } from '../core/review/metrics.js';
import type { ChangelogEntry, JsonValue, PricePoint, ReviewCycle, ReviewDecision, ReviewFill, UsageGroup } from '../core/review/types.js';

/** One decision as the reviewer sees it (a bounded sample of the week). */
export interface ReviewSampleDecision {
  /** New York time, "2026-11-18 10:00". */
  readonly at: string;
  readonly symbol: string;
  readonly model_action: string;
  readonly action: string;
  readonly strategy: string;
  readonly confidence: number;
  readonly size_pct: number;
  readonly price: number | null;
  readonly overrides: readonly string[];
  readonly parse_fallback: boolean;
  /** Model-written, shortened: data, never instructions. */
  readonly rationale: string;
  /** Forward returns at 1 and 5 sessions; null when not known (yet). */
  readonly r1: number | null;
  readonly r5: number | null;
}

export interface ReviewInput {
  /** "2026-W47". */
  readonly week: string;
  readonly mode: string;
  readonly metrics: WeeklyMetrics;
  readonly sample: readonly ReviewSampleDecision[];
  /** Recent human change log entries, newest first (empty when there is no change log). */
  readonly changelog: readonly ChangelogEntry[];
  /** Settings in force: watchlist size, risk caps, trail giveback, schedule, models, prompt version. */
  readonly operating: { readonly [k: string]: JsonValue };
}

/**
 * The review's result. `model`: a critique and feedback bullets written by the review model
 * (untrusted text: the job cleans and bounds it before it goes anywhere). `stats_only`: no
 * model critique (no key, or the call failed: `note` says which); `critique` then holds
 * automatic observations computed from the metrics, and no feedback file is written.
 */
export interface ReviewOutput {
  readonly kind: 'model' | 'stats_only';
  /** Who wrote the critique: the model id, or "stats-only". */
  readonly reviewer: string;
  readonly critique: string;
  readonly feedbackBullets: readonly string[];
  readonly usage: readonly LlmUsage[];
  readonly promptVersion: string | null;
  readonly note?: string;
}

/** Adapters: claude (one call to BRAIN_REVIEW_MODEL), stats-only (no key). Never throws for API failures. */
export interface Reviewer {
  readonly name: string;
  review(input: ReviewInput): Promise<ReviewOutput>;
}

/** What the journal holds and where it was read from, for the report's sources line. */
export interface JournalSources {
  readonly sqlite: { readonly path: string; readonly found: boolean; readonly error?: string };
  readonly jsonl: { readonly files: readonly string[]; readonly lines: number; readonly badLines: number };
}

/**
 * The journal's read side for a week: SQLite rows merged with the JSONL mirror (rotated
 * siblings included). Instants are epoch ms; [from, to) half-open. Adapter: reviewer/week-journal.
 */
export interface WeekJournal {
  sources(): JournalSources;
  /** Decision and automation rows with asOf in [from, to), SQLite rows first choice, JSONL-only rows added. */
  decisions(from: number, to: number): readonly ReviewDecision[];
  /** Every (partly) filled order before `to`, in time order. */
  fills(to: number): readonly ReviewFill[];
  cycles(from: number, to: number): readonly ReviewCycle[];
  /** Each New York date's first previous-close equity (equity - day P&L of the day's first snapshot), dates of [from, to). */
  openingEquity(from: number, to: number): ReadonlyMap<string, number>;
  /** The last equity journaled before `t` (cycle or decision), or null. */
  equityBefore(t: number): number | null;
  /** Model calls grouped by model and purpose; null when the journal has no usage table. */
  usage(from: number, to: number): readonly UsageGroup[] | null;
  /** Prices journaled with decisions in [from, to) (the fallback for daily closes). */
  prices(from: number, to: number): readonly PricePoint[];
  /** The latest market time anything was journaled at, or null for an empty journal. */
  lastActivity(): number | null;
  close(): void;
}
