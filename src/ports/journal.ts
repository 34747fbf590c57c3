import type { Order } from '../domain/broker.js';
import type { Action, Decision, LlmUsage, Override } from '../domain/decision.js';

export interface CycleStart {
  readonly id: string;
  readonly mode: string;
  readonly brain: string;
  readonly asOf: number;
}

/** What the order step did. Always present on a finished trade row, HOLDs included. */
export interface ExecuteBlock {
  readonly status: 'none' | 'skipped' | 'submitted' | 'recovered' | 'rejected' | 'error';
  readonly detail?: string;
  readonly clientOrderId?: string;
  readonly orderId?: string;
  readonly side?: 'buy' | 'sell';
  readonly qty?: number;
  readonly refPrice?: number;
  readonly stopLoss?: number;
  readonly takeProfit?: number;
  readonly orderStatus?: string;
  readonly canceledLegs?: readonly string[];
}

/** The full record behind one decision, stored as logic_json. */
export interface LogicJson {
  readonly snapshot: unknown;
  readonly raw: unknown;
  readonly model_decision: Decision;
  readonly final: Decision;
  readonly overrides: readonly Override[];
  readonly prompt_version: string;
  readonly parse_fallback?: { readonly reason: string };
  readonly usage: readonly LlmUsage[];
  readonly cost_usd: number;
  readonly execute?: ExecuteBlock;
}

/** One symbol decision, journaled (and committed) before any order leaves. */
export interface DecisionEntry {
  /** Deterministic: `${cycleId}:${symbol}`. */
  readonly id: string;
  readonly cycleId: string;
  readonly symbol: string;
  readonly asOf: number;
  readonly brain: string;
  readonly modelAction: Action;
  readonly final: Decision;
  readonly price: number | null;
  readonly equity: number | null;
  readonly logic: LogicJson;
}

export interface TradeRecord {
  readonly id: string;
  readonly cycleId: string;
  readonly symbol: string;
  readonly action: Action;
  readonly final: Decision;
  readonly logic: LogicJson;
  /** null until the execute step has been journaled. */
  readonly execute: ExecuteBlock | null;
}

/** How an order came to be, stored beside the broker's own view of it. */
export interface OrderMeta {
  readonly tradeId?: string;
  readonly cycleId?: string;
  /** For exits: bracket_stop, bracket_take_profit, model_sell, trail_giveback, emergency_flatten, ... */
  readonly exitKind?: string;
}

export interface CycleFinish {
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly equity: number | null;
  readonly regime: unknown;
  readonly watchlist: unknown;
  readonly summary: unknown;
  /** Wall-clock durations, kept apart so replays compare equal on everything else. */
  readonly timing: unknown;
}

/**
 * The journal: SQLite rows plus a JSONL mirror. Methods are synchronous (better-sqlite3);
 * any failure throws JournalError, and callers must not send an order after a failed write.
 */
export interface Journal {
  /** Creates the cycle row, or marks an existing one as re-run. Returns how many times it has run. */
  beginCycle(c: CycleStart): { readonly runs: number };
  finishCycle(id: string, f: CycleFinish): void;
  getTrade(id: string): TradeRecord | null;
  /** Commits the decision row. Throws on failure: then no order may be sent. */
  recordIntent(e: DecisionEntry): void;
  /** Adds the execute block to the row and writes the row's JSONL line. */
  recordResult(tradeId: string, exec: ExecuteBlock): void;
  /**
   * Appends one llm_usage row per model call (tokens, latency, cost). tradeId is null for
   * calls that belong to the cycle rather than one symbol (the regime). asOf is market time.
   */
  recordUsage(cycleId: string, tradeId: string | null, asOf: number, usage: readonly LlmUsage[]): void;
  /** Upserts the broker's view of an order and appends an order event when its status changed. */
  recordOrder(order: Order, meta: OrderMeta): void;
  getRiskState<T>(key: string): T | null;
  setRiskState(key: string, value: unknown): void;
  loadSimState(): unknown;
  saveSimState(state: unknown): void;
  close(): void;
}
