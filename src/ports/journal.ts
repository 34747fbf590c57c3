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
  /** Set on rows written by an automation (position health) rather than a decision cycle. */
  readonly automation?: { readonly job: string; readonly exit_kind: string; readonly run_id: string };
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
/** An order as the journal recorded it (for reconciliation). */
export interface JournaledOrder {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly status: string;
  readonly filledQty: number;
  readonly parentId: string | null;
  readonly tradeId: string | null;
  readonly cycleId: string | null;
  readonly exitKind: string | null;
}

/** A decision row whose execute result was never journaled (killed or crashed mid-step). */
export interface PendingIntent {
  readonly tradeId: string;
  readonly cycleId: string;
  readonly symbol: string;
  readonly action: Action;
  /** Market time of the decision (epoch ms). */
  readonly asOf: number;
}

/** A bracket leg (or other exit) that filled while the bot was not looking, found by reconciliation. */
export interface ExitFound {
  readonly orderId: string;
  readonly parentId: string | null;
  readonly tradeId: string | null;
  readonly symbol: string;
  /** bracket_stop | bracket_take_profit | ... */
  readonly exitKind: string;
  readonly qty: number;
  readonly price: number | null;
  /** Epoch ms. */
  readonly filledAt: number | null;
}

/** One reconciliation run: what the broker said versus what the journal knew. */
export interface ReconcileRecord {
  /** Market time of the run (epoch ms). */
  readonly at: number;
  readonly status: 'ok' | 'failed';
  /** Counts and findings; stored as JSON and summarized in the JSONL line. */
  readonly report: Readonly<Record<string, unknown>>;
  /** Each written as its own JSONL line (type "exit"), once. */
  readonly exits: readonly ExitFound[];
  readonly error?: string;
}

/** One symbol's trail giveback state, kept while the position is held. Times are market time (epoch ms). */
export interface TrailState {
  readonly symbol: string;
  /** The basis the peak belongs to: a change of quantity or average price starts a fresh trail. */
  readonly qty: number;
  readonly avgEntryPrice: number;
  readonly peakUnrealizedPl: number;
  readonly peakAt: number;
  /** The peak passed the activation threshold (sticky). */
  readonly activated: boolean;
  readonly openedAt: number;
  /** New York date of the last observation (for TRAIL_RESET_DAILY). */
  readonly sessionDate: string;
  /** Client order id of the trail exit once sent: one exit per trail. */
  readonly exitClientOrderId: string | null;
  readonly updatedAt: number;
}

export interface RuleCount {
  readonly rule: string;
  readonly effect: string;
  readonly count: number;
}

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
  /** The journaled order with this broker id or (when non-empty) client order id, or null. */
  findOrder(id: string, clientOrderId: string): JournaledOrder | null;
  /** Net filled shares by symbol over journaled orders (buys minus sells), non-zero only. */
  journaledPositions(): ReadonlyMap<string, number>;
  /** Decision rows (any action) with no execute result yet, oldest first. */
  pendingIntents(): readonly PendingIntent[];
  /** Appends a reconcile_runs row, one JSONL line for the run and one per exit found. */
  recordReconcile(r: ReconcileRecord): void;
  /** Market time of the last successful reconciliation, or null. */
  lastReconcileAt(): number | null;
  getRiskState<T>(key: string): T | null;
  setRiskState(key: string, value: unknown): void;
  /** Per-symbol trail giveback state (position_trail_state), ordered by symbol. */
  listTrailStates(): readonly TrailState[];
  upsertTrailState(s: TrailState): void;
  deleteTrailState(symbol: string): void;
  /** Risk overrides by rule and effect over trades whose as_of is in [from, to) (epoch ms): "which rule blocked what, how often". */
  ruleCounts(from: number, to: number): readonly RuleCount[];
  loadSimState(): unknown;
  saveSimState(state: unknown): void;
  close(): void;
}
