import { z } from 'zod';
import type { Decision, RegimeDirection } from '../../domain/decision.js';
import { decisionSchema } from '../../core/decision-schema.js';
import { BEARISH_TICKERS } from '../rules/regime.js';

/**
 * Turning untrusted model output into a validated value. Pure: no I/O, no clock.
 * Nothing here executes or evaluates model text; it is only scanned, JSON-parsed and
 * validated, and every string kept is length-capped.
 */

/** The parts of an API message the parser looks at. */
export interface ModelReply {
  readonly stop_reason: string | null;
  readonly content: readonly unknown[];
}

export type FailureKind = 'refusal' | 'truncated' | 'empty' | 'no_json' | 'invalid_json' | 'schema' | 'wrong_symbol' | 'too_long';

export type ParseOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly notes: readonly string[] }
  | { readonly ok: false; readonly kind: FailureKind; readonly reason: string; readonly retryable: boolean };

/** Longest model text we scan; max_tokens keeps real replies far below this. */
export const MAX_TEXT = 100_000;
const MAX_CANDIDATES = 16;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
/** A short, single-line excerpt of model text, safe to put into a log line or a reason. */
export const excerpt = (s: string, n = 120) => clip(s.replace(/\s+/g, ' ').trim(), n);

/** Concatenated text blocks, plus any tool_use inputs (a forced tool answers there). */
export function replyText(reply: ModelReply): { text: string; toolInputs: unknown[] } {
  let text = '';
  const toolInputs: unknown[] = [];
  for (const b of reply.content) {
    if (typeof b !== 'object' || b === null) continue;
    const block = b as { type?: unknown; text?: unknown; input?: unknown };
    if (block.type === 'text' && typeof block.text === 'string') text += block.text;
    else if (block.type === 'tool_use' && typeof block.input === 'object' && block.input !== null) toolInputs.push(block.input);
  }
  return { text, toolInputs };
}

/** Balanced top-level {...} spans in text, honouring JSON strings and escapes. Bounded work. */
function braceSpans(text: string): string[] {
  const spans: string[] = [];
  let starts = 0;
  let start = text.indexOf('{');
  while (start !== -1 && spans.length < MAX_CANDIDATES && starts++ < 4 * MAX_CANDIDATES) {
    let depth = 0;
    let inStr = false;
    let esc = false;
    let end = -1;
    for (let i = start; i < text.length; i++) {
      const c = text[i];
      if (inStr) {
        if (esc) esc = false;
        else if (c === '\\') esc = true;
        else if (c === '"') inStr = false;
        continue;
      }
      if (c === '"') inStr = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end !== -1) spans.push(text.slice(start, end + 1));
    // After a complete object, continue behind it; after an unbalanced one, try the next brace.
    start = text.indexOf('{', end !== -1 ? end + 1 : start + 1);
  }
  return spans;
}

/**
 * JSON objects found in model text, in order of preference: the whole text, fenced
 * ```json blocks, then balanced {...} spans in prose. Only plain objects are returned.
 */
export function jsonObjectsIn(text: string): { objects: Record<string, unknown>[]; firstError: string | null } {
  const tried = new Set<string>();
  const candidates: string[] = [text.trim()];
  for (const m of text.matchAll(/```[a-zA-Z]*[ \t]*\r?\n?([\s\S]*?)```/g)) if (m[1] !== undefined) candidates.push(m[1].trim());
  candidates.push(...braceSpans(text));
  const objects: Record<string, unknown>[] = [];
  let firstError: string | null = null;
  for (const c of candidates) {
    if (c === '' || tried.has(c) || objects.length >= MAX_CANDIDATES) continue;
    tried.add(c);
    if (!c.startsWith('{')) continue;
    try {
      const v: unknown = JSON.parse(c);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) objects.push(v as Record<string, unknown>);
    } catch (e) {
      firstError ??= e instanceof Error ? e.message : String(e);
    }
  }
  return { objects, firstError };
}

const DECISION_KEYS = ['action', 'symbol', 'strategy', 'confidence', 'size_pct', 'stop_loss', 'take_profit', 'rationale', 'evidence'] as const;

/** {"decision": {...}} and similar single-key wrappers are unwrapped once. */
function unwrap(o: Record<string, unknown>, marker: string): Record<string, unknown> {
  if (marker in o) return o;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const inner = o[keys[0]!];
    if (typeof inner === 'object' && inner !== null && !Array.isArray(inner) && marker in inner) return inner as Record<string, unknown>;
  }
  return o;
}

/**
 * Harmless normalisation before validation, each step noted: unknown keys dropped, case of
 * action/symbol, over-long strings and evidence lists capped, fields that have no effect on
 * a HOLD or SELL (size, stop, target) reset. Types and ranges are NOT coerced: a string
 * where a number belongs, or a confidence of 1.5, stays invalid.
 */
export function normalizeDecision(input: Record<string, unknown>): { candidate: Record<string, unknown>; notes: string[] } {
  const o = unwrap(input, 'action');
  const notes: string[] = [];
  if (o !== input) notes.push('unwrapped a single-key wrapper object');
  const extra = Object.keys(o).filter((k) => !(DECISION_KEYS as readonly string[]).includes(k));
  if (extra.length > 0) notes.push(`dropped unknown keys: ${extra.slice(0, 5).map((k) => excerpt(k, 32)).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  const c: Record<string, unknown> = {};
  for (const k of DECISION_KEYS) if (Object.prototype.hasOwnProperty.call(o, k)) c[k] = o[k];

  if (typeof c.action === 'string') c.action = c.action.trim().toUpperCase();
  if (typeof c.symbol === 'string') c.symbol = c.symbol.trim().toUpperCase();
  if (typeof c.strategy === 'string') c.strategy = c.strategy.trim().slice(0, 64);
  if (typeof c.rationale === 'string' && c.rationale.length > 2000) {
    c.rationale = clip(c.rationale, 1999);
    notes.push('rationale truncated');
  }
  if (c.rationale === undefined) c.rationale = '';
  if (c.evidence === undefined || c.evidence === null) c.evidence = [];
  if (Array.isArray(c.evidence)) {
    if (c.evidence.length > 5) notes.push(`evidence cut from ${c.evidence.length} to 5 items`);
    c.evidence = c.evidence.slice(0, 5).map((e) => (typeof e === 'string' && e.length > 300 ? clip(e, 299) : e));
  }
  if (c.stop_loss === undefined) c.stop_loss = null;
  if (c.take_profit === undefined) c.take_profit = null;
  if (c.action === 'HOLD' || c.action === 'SELL') {
    if (c.stop_loss !== null || c.take_profit !== null || (c.size_pct !== undefined && c.size_pct !== 0)) notes.push(`size/stop/target ignored on ${c.action}`);
    c.stop_loss = null;
    c.take_profit = null;
    c.size_pct = 0;
    if (c.action === 'HOLD' && c.confidence === undefined) c.confidence = 0;
  }
  return { candidate: c, notes };
}

const issuesText = (e: z.ZodError) =>
  e.issues
    .slice(0, 6)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');

function stopReasonFailure(reply: ModelReply, text: string): ParseOutcome<never> | null {
  if (reply.stop_reason === 'refusal') {
    return { ok: false, kind: 'refusal', reason: `refusal: the model declined${text ? ` (${excerpt(text, 80)})` : ''}`, retryable: false };
  }
  return null;
}

function truncatedOr(reply: ModelReply, kind: FailureKind, reason: string): ParseOutcome<never> {
  if (reply.stop_reason === 'max_tokens' || reply.stop_reason === 'model_context_window_exceeded') {
    return { ok: false, kind: 'truncated', reason: `${reply.stop_reason}: output truncated before a complete answer (${reason})`, retryable: true };
  }
  return { ok: false, kind, reason, retryable: true };
}

/** The reply's JSON objects (tool inputs first, then objects found in the text), or why it has none. */
function replyObjects(reply: ModelReply): { readonly objects: readonly Record<string, unknown>[] } | ParseOutcome<never> {
  const { text, toolInputs } = replyText(reply);
  const refused = stopReasonFailure(reply, text);
  if (refused) return refused;
  if (text.length > MAX_TEXT) return { ok: false, kind: 'too_long', reason: `reply of ${text.length} characters exceeds ${MAX_TEXT}`, retryable: true };
  const found = jsonObjectsIn(text);
  const objects = [...(toolInputs.filter((x) => !Array.isArray(x)) as Record<string, unknown>[]), ...found.objects];
  if (objects.length > 0) return { objects };
  if (text.trim() === '') return truncatedOr(reply, 'empty', 'empty reply');
  return truncatedOr(
    reply,
    found.firstError ? 'invalid_json' : 'no_json',
    found.firstError ? `invalid JSON: ${excerpt(found.firstError, 100)}` : `no JSON object in reply: "${excerpt(text, 80)}"`,
  );
}

/** Extracts, normalises and validates one decision for `symbol` from a model reply. */
export function parseDecisionReply(reply: ModelReply, symbol: string): ParseOutcome<Decision> {
  const got = replyObjects(reply);
  if (!('objects' in got)) return got;
  const { objects } = got;
  let first: ParseOutcome<never> | null = null;
  for (const obj of objects) {
    const { candidate, notes } = normalizeDecision(obj);
    const r = decisionSchema.safeParse(candidate);
    if (!r.success) {
      first ??= truncatedOr(reply, 'schema', `schema mismatch: ${issuesText(r.error)}`);
      continue;
    }
    if (r.data.symbol !== symbol) {
      first ??= { ok: false, kind: 'wrong_symbol', reason: `decision is for ${r.data.symbol}, expected ${symbol}`, retryable: true };
      continue;
    }
    return { ok: true, value: r.data, notes };
  }
  return first!;
}

/** What the model writes for a regime verdict; the adapter adds source, cached and as_of. */
export const regimeOutputSchema = z
  .object({
    direction: z.enum(['bullish', 'bearish', 'neutral']),
    conviction: z.number().finite().min(0).max(1),
    bearish_tickers: z.array(z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/)).max(10),
    rationale: z.string().max(1000),
  })
  .strict();

export interface RegimeOutput {
  readonly direction: RegimeDirection;
  readonly conviction: number;
  readonly bearish_tickers: readonly string[];
  readonly rationale: string;
}

const REGIME_KEYS = ['direction', 'conviction', 'bearish_tickers', 'rationale'] as const;

/**
 * Extracts and validates a regime verdict. bearish_tickers are filtered to the known
 * inverse ETFs: a model must not be able to make an arbitrary stock "buyable in a bear market".
 */
export function parseRegimeReply(reply: ModelReply): ParseOutcome<RegimeOutput> {
  const got = replyObjects(reply);
  if (!('objects' in got)) return got;
  const { objects } = got;
  let first: ParseOutcome<never> | null = null;
  for (const raw of objects) {
    const o = unwrap(raw, 'direction');
    const notes: string[] = [];
    const c: Record<string, unknown> = {};
    for (const k of REGIME_KEYS) if (Object.prototype.hasOwnProperty.call(o, k)) c[k] = o[k];
    if (typeof c.direction === 'string') c.direction = c.direction.trim().toLowerCase();
    if (typeof c.rationale === 'string' && c.rationale.length > 1000) c.rationale = clip(c.rationale, 999);
    if (c.rationale === undefined) c.rationale = '';
    if (c.bearish_tickers === undefined || c.bearish_tickers === null) c.bearish_tickers = [];
    if (Array.isArray(c.bearish_tickers)) {
      const all = c.bearish_tickers.map((t) => (typeof t === 'string' ? t.trim().toUpperCase() : t));
      const kept = all.filter((t) => (BEARISH_TICKERS as readonly unknown[]).includes(t));
      if (kept.length !== all.length) notes.push('bearish_tickers outside the known inverse ETFs dropped');
      c.bearish_tickers = [...new Set(kept)];
    }
    const r = regimeOutputSchema.safeParse(c);
    if (!r.success) {
      first ??= truncatedOr(reply, 'schema', `schema mismatch: ${issuesText(r.error)}`);
      continue;
    }
    return { ok: true, value: r.data, notes };
  }
  return first!;
}
