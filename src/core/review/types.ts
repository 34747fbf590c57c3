/**
 * What the weekly review reads, as plain data. Instants are epoch ms; dates are New York
 * YYYY-MM-DD. Filled by the WeekJournal port (SQLite + JSONL), the broker and market data.
 */

export interface ReviewOverride {
  readonly rule: string;
  readonly effect: string;
  /** Risk-engine text; may quote model output: untrusted. */
  readonly detail: string;
}

/** One journaled decision row (one symbol in one cycle), or an automation row (position health). */
export interface ReviewDecision {
  readonly id: string;
  readonly cycleId: string;
  readonly symbol: string;
  readonly asOf: number;
  readonly brain: string;
  readonly modelAction: string;
  readonly action: string;
  readonly strategy: string;
  readonly confidence: number;
  readonly sizePct: number;
  readonly price: number | null;
  readonly equity: number | null;
  /** equity - the snapshot's day P&L: the previous close's equity. */
  readonly startEquity: number | null;
  /** Long market value / equity in percent, from the decision's snapshot. */
  readonly investedPct: number | null;
  readonly overrides: readonly ReviewOverride[];
  /** The fallback reason when the brain's output was unusable ("" when only the flag is known); null when none. */
  readonly parseFallback: string | null;
  readonly costUsd: number;
  readonly executeStatus: string | null;
  readonly qty: number | null;
  /** Model-written: untrusted text. */
  readonly rationale: string;
  readonly promptVersion: string | null;
  /** Set on rows an automation wrote (position health exits): not a brain decision. */
  readonly automation: { readonly job: string; readonly exitKind: string } | null;
  /** Where the row came from: the SQLite trades table, or only the JSONL mirror. */
  readonly source: 'sqlite' | 'jsonl';
}

/** A filled (or partly filled) order: what actually traded. */
export interface ReviewFill {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  readonly filledAt: number;
  /** bracket_stop, bracket_take_profit, model_sell, trail_giveback, ... null for entries (and unknown sells). */
  readonly exitKind: string | null;
  readonly tradeId: string | null;
  /** Strategy of the decision that placed it, when known. */
  readonly strategy: string | null;
  readonly commission: number;
  readonly source: 'journal' | 'broker';
}

export interface ReviewCycle {
  readonly id: string;
  readonly asOf: number;
  readonly status: string;
  readonly brain: string;
  readonly equity: number | null;
  /** Symbols the cycle resolved its watchlist to; null when not recorded. */
  readonly watchlistSize: number | null;
  readonly ordersSubmitted: number;
}

/** Model calls grouped by model and purpose. */
export interface UsageGroup {
  readonly model: string;
  readonly purpose: string;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheCreationInputTokens: number;
  readonly cacheReadInputTokens: number;
  readonly costUsd: number;
}

/** A price seen at a moment (a decision's snapshot price), for when market data is unreachable. */
export interface PricePoint {
  readonly symbol: string;
  readonly at: number;
  readonly price: number;
}

/** Daily closes by symbol, then by New York session date. */
export type Closes = ReadonlyMap<string, ReadonlyMap<string, number>>;

/** Human change log entries (newest first), already bounded and cleaned. */
export interface ChangelogEntry {
  readonly title: string;
  readonly date: string | null;
  readonly body: string;
}

/** JSON-safe values for the operating snapshot (settings in force). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };
