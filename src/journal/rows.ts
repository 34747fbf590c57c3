import type { Action } from '../domain/decision.js';
import type { LogicJson } from '../ports/journal.js';
import { renderedSnapshotJson } from '../core/snapshot/json.js';

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

/**
 * JSON.stringify(logic), the same text, reusing the snapshot excerpt's JSON when the snapshot is
 * a canonical object the snapshot module already rendered (it is most of the text).
 */
export function logicJsonText(logic: LogicJson): string {
  const snap = renderedSnapshotJson(logic.snapshot);
  if (snap === undefined) return JSON.stringify(logic);
  let out = '';
  for (const k of Object.keys(logic)) {
    const v = k === 'snapshot' ? snap : JSON.stringify((logic as unknown as Record<string, unknown>)[k]);
    if (v === undefined) continue; // JSON.stringify leaves out undefined (and function) values
    out += `${out === '' ? '{' : ','}${JSON.stringify(k)}:${v}`;
  }
  return out === '' ? '{}' : `${out}}`;
}

/** What the JSONL line needs from a row's logic_json. */
export interface LineLogic {
  /** `rule:effect` per override. */
  readonly overrides: readonly string[];
  readonly missingCritical: unknown;
  readonly execute: unknown;
}

/** The parts of a logic_json the JSONL line carries. */
export function lineLogicOf(logic: LogicJson): LineLogic {
  return {
    overrides: logic.overrides.map((o) => `${o.rule}:${o.effect}`),
    missingCritical: (logic.snapshot as { data_quality?: { missing_critical?: unknown } } | null)?.data_quality?.missing_critical ?? [],
    execute: logic.execute ?? null,
  };
}

/**
 * The high-signal JSONL mirror of one trades row: flat fields for grep, same id as the row.
 * `parts` are the row's logic_json parts, when the caller has them (else logic_json is parsed).
 */
export function jsonlLine(row: TradeRow, mode: string, parts: LineLogic = lineLogicOf(JSON.parse(row.logic_json) as LogicJson)): Record<string, unknown> {
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
    overrides: parts.overrides,
    parse_fallback: row.parse_fallback === 1,
    missing_critical: parts.missingCritical,
    execute: parts.execute,
    cost_usd: row.cost_usd,
    rationale: row.rationale.length > RATIONALE_MAX ? `${row.rationale.slice(0, RATIONALE_MAX)}…` : row.rationale,
    recorded_at: row.recorded_at,
  };
}
