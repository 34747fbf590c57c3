import type { OutcomeRow, ScorableDecision } from '../core/outcomes.js';
import type { ScoreboardInput } from '../core/scoreboard.js';

/** One session's benchmark close and the account's equity at that close. Either may be unknown. */
export interface BenchmarkClose {
  /** New York date, YYYY-MM-DD. */
  readonly date: string;
  readonly spyClose: number | null;
  readonly equityClose: number | null;
}

/**
 * The journal's decision_outcomes and benchmark_closes tables (migration 8), for the outcomes
 * job. Writes are idempotent: an outcome, once recorded, never changes (INSERT OR IGNORE), and a
 * benchmark close only fills fields that were still unknown. Instants are epoch ms.
 * Adapter: SQLite (src/journal/outcomes-store.ts).
 */
export interface OutcomeJournal {
  /**
   * Decisions journaled at or after `since` that still lack an outcome for at least one of
   * `horizons`: trades rows (model decisions and position-health exits, action EXIT) and
   * bracket legs that filled (tradeId `exit:<order id>`), oldest first.
   */
  pendingDecisions(since: number, horizons: readonly number[]): readonly ScorableDecision[];
  /** `${tradeId}|${horizon}` of every outcome already recorded for decisions at or after `since`. */
  recordedKeys(since: number): ReadonlySet<string>;
  /** INSERT OR IGNORE; returns how many rows were new. */
  recordOutcomes(rows: readonly OutcomeRow[]): number;
  /** Inserts the date, or fills its still-null fields; never overwrites a recorded value. Returns true when anything changed. */
  recordBenchmarkClose(c: BenchmarkClose): boolean;
  /** Recorded closes, by date. */
  benchmarkCloses(): readonly BenchmarkClose[];
  /** Market time of the first journaled cycle, or null for an empty journal. */
  firstActivity(): number | null;
  /** The last equity journaled (cycle rows, then decision rows) on a New York date [from, to), or null. */
  lastEquityBetween(from: number, to: number): number | null;
  /** Everything the scoreboard is built from (closes, outcomes, fills, last prices, model cost). */
  scoreboardInput(): ScoreboardInput;
}
