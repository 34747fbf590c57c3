import type { Action } from '../domain/decision.js';
import type { LogicJson } from '../ports/journal.js';

/** A trades row as stored. */
export interface TradeRow {
  readonly id: string;
  readonly cycle_id: string;
  readonly symbol: string;
  readonly as_of: string;
  readonly brain: string;
  readonly model_action: Action;
  readonly action: Action;
  readonly strategy: string;
  readonly confidence: number;
  readonly size_pct: number;
  readonly rationale: string;
  readonly price: number | null;
  readonly equity: number | null;
  readonly overrides: string;
  readonly parse_fallback: number;
  readonly cost_usd: number;
  readonly execute_status: string | null;
  readonly client_order_id: string | null;
  readonly order_id: string | null;
  readonly qty: number | null;
  readonly logic_json: string;
  readonly recorded_at: string;
}

const RATIONALE_MAX = 280;

/** The high-signal JSONL mirror of one trades row: flat fields for grep, same id as the row. */
export function jsonlLine(row: TradeRow, mode: string): Record<string, unknown> {
  const logic = JSON.parse(row.logic_json) as LogicJson;
  const overrides = logic.overrides.map((o) => `${o.rule}:${o.effect}`);
  return {
    id: row.id,
    type: 'decision',
    mode,
    cycle_id: row.cycle_id,
    symbol: row.symbol,
    as_of: row.as_of,
    brain: row.brain,
    model_action: row.model_action,
    action: row.action,
    strategy: row.strategy,
    confidence: row.confidence,
    size_pct: row.size_pct,
    price: row.price,
    equity: row.equity,
    overrides,
    parse_fallback: row.parse_fallback === 1,
    missing_critical: (logic.snapshot as { data_quality?: { missing_critical?: unknown } } | null)?.data_quality?.missing_critical ?? [],
    execute: logic.execute ?? null,
    cost_usd: row.cost_usd,
    rationale: row.rationale.length > RATIONALE_MAX ? `${row.rationale.slice(0, RATIONALE_MAX)}…` : row.rationale,
    recorded_at: row.recorded_at,
  };
}
