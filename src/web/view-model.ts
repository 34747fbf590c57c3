import { z } from 'zod';
import type { CycleListRow, CycleRow, TradeListRow, TradeRowWithLogic } from './queries.js';

/**
 * Turns stored rows into what the pages show. JSON columns are parsed leniently with zod:
 * a field that is missing or malformed shows as absent, and the raw text stays viewable.
 */

function parseJson(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function lenient<T>(schema: z.ZodType<T>, text: string | null | undefined): T | null {
  const r = schema.safeParse(parseJson(text));
  return r.success ? r.data : null;
}

const summarySchema = z.object({
  status: z.string().optional(),
  reason: z.string().optional(),
  symbols: z.number().optional(),
  actions: z.object({ BUY: z.number(), SELL: z.number(), HOLD: z.number() }).partial().optional(),
  orders_submitted: z.number().optional(),
  orders_rejected: z.number().optional(),
  failed_symbols: z.array(z.string()).optional(),
  regime: z.object({ direction: z.string(), conviction: z.number(), source: z.string() }).partial().nullable().optional(),
  cost_usd: z.number().optional(),
});
export type SummaryView = z.infer<typeof summarySchema>;

const stageTimingSchema = z.object({ stage: z.string(), symbol: z.string().optional(), ms: z.number() });
const timingSchema = z.object({
  duration_ms: z.number().optional(),
  slowest_stages: z.array(stageTimingSchema).optional(),
  stages: z.array(stageTimingSchema).optional(),
});
export type TimingView = z.infer<typeof timingSchema>;

const regimeSchema = z.object({
  direction: z.string().optional(),
  conviction: z.number().optional(),
  bearish_tickers: z.array(z.string()).optional(),
  rationale: z.string().optional(),
  source: z.string().optional(),
  cached: z.boolean().optional(),
});
export type RegimeView = z.infer<typeof regimeSchema>;

const watchlistSchema = z.array(z.object({ symbol: z.string(), reason: z.string().optional() }));

const overrideSchema = z.object({ rule: z.string(), effect: z.string(), detail: z.string().optional() });
export type OverrideView = z.infer<typeof overrideSchema>;

const logicSchema = z.object({
  snapshot: z
    .object({
      data_quality: z.object({ missing_critical: z.array(z.string()).optional(), missing_optional: z.array(z.string()).optional() }).partial().optional(),
    })
    .partial()
    .nullable()
    .optional(),
  model_decision: z.object({ action: z.string().optional(), confidence: z.number().optional(), size_pct: z.number().optional() }).partial().optional(),
  overrides: z.array(overrideSchema).optional(),
  parse_fallback: z.object({ reason: z.string() }).optional(),
  usage: z.array(z.object({ model: z.string().optional(), input_tokens: z.number().optional(), output_tokens: z.number().optional() }).partial()).optional(),
  execute: z
    .object({
      status: z.string().optional(),
      detail: z.string().optional(),
      side: z.string().optional(),
      qty: z.number().optional(),
      refPrice: z.number().optional(),
      stopLoss: z.number().optional(),
      takeProfit: z.number().optional(),
      orderStatus: z.string().optional(),
    })
    .partial()
    .optional(),
});

export function summaryOf(text: string | null): SummaryView | null {
  return lenient(summarySchema, text);
}

export interface CycleListView {
  readonly rid: number;
  readonly id: string;
  readonly asOf: string;
  readonly status: string;
  readonly mode: string;
  readonly brain: string;
  readonly runs: number;
  readonly equity: number | null;
  readonly durationMs: number | null;
  readonly symbols: number | null;
  readonly buy: number;
  readonly sell: number;
  readonly hold: number;
  readonly orders: number;
  readonly rejected: number;
  readonly cost: number | null;
  readonly reason: string | null;
  readonly failedSymbols: readonly string[];
  readonly regime: string | null;
}

export function cycleListView(r: CycleListRow): CycleListView {
  const s = summaryOf(r.summary_json);
  const reg = s?.regime;
  return {
    rid: r.rid,
    id: r.id,
    asOf: r.as_of,
    status: r.status,
    mode: r.mode,
    brain: r.brain,
    runs: r.runs,
    equity: r.equity,
    durationMs: r.duration_ms,
    symbols: s?.symbols ?? null,
    buy: s?.actions?.BUY ?? 0,
    sell: s?.actions?.SELL ?? 0,
    hold: s?.actions?.HOLD ?? 0,
    orders: s?.orders_submitted ?? 0,
    rejected: s?.orders_rejected ?? 0,
    cost: s?.cost_usd ?? null,
    reason: s?.reason ?? null,
    failedSymbols: s?.failed_symbols ?? [],
    regime: reg && reg.direction ? `${reg.direction}${reg.conviction !== undefined ? ` ${reg.conviction.toFixed(2)}` : ''}` : null,
  };
}

/** The seven stages of the strip, in pipeline order, and which recorded timings feed each. */
export const PIPELINE: readonly { readonly key: string; readonly label: string; readonly timings: readonly string[] }[] = [
  { key: 'regime', label: 'Regime', timings: ['regime'] },
  { key: 'watchlist', label: 'Watchlist', timings: ['broker_state', 'market_data'] },
  { key: 'snapshot', label: 'Snapshot', timings: ['snapshot'] },
  { key: 'decision', label: 'Decision', timings: ['decide'] },
  { key: 'risk', label: 'Risk', timings: ['risk'] },
  { key: 'execute', label: 'Execute', timings: ['execute'] },
  { key: 'journal', label: 'Journal', timings: ['journal_intent', 'journal_result'] },
];

export type StageStatus = 'ok' | 'warn' | 'bad' | 'muted' | 'running';

export interface StageView {
  readonly key: string;
  readonly label: string;
  readonly status: StageStatus;
  /** Summed across symbols for per-symbol stages. */
  readonly ms: number | null;
  /** Slowest single symbol for per-symbol stages. */
  readonly maxMs: number | null;
  readonly detail: string;
}

export interface SymbolView {
  readonly id: string;
  readonly symbol: string;
  readonly modelAction: string;
  readonly action: string;
  readonly changed: boolean;
  readonly confidence: number;
  readonly modelConfidence: number | null;
  readonly sizePct: number;
  readonly strategy: string;
  readonly rationale: string;
  readonly price: number | null;
  readonly overrides: readonly OverrideView[];
  readonly parseFallback: string | null;
  readonly missingCritical: readonly string[];
  readonly executeStatus: string | null;
  readonly executeDetail: string | null;
  readonly orderStatus: string | null;
  readonly qty: number | null;
  readonly filledAvgPrice: number | null;
  readonly cost: number;
  readonly tokens: number;
  readonly stageMs: Readonly<Record<string, number>>;
  readonly totalMs: number;
  readonly logicPretty: string;
  readonly recordedAt: string;
}

export function symbolView(t: TradeRowWithLogic, timing: TimingView | null): SymbolView {
  const logic = lenient(logicSchema, t.logic_json);
  const overridesFromRow = lenient(z.array(overrideSchema), t.overrides);
  const stageMs: Record<string, number> = {};
  let totalMs = 0;
  for (const st of timing?.stages ?? []) {
    if (st.symbol !== t.symbol) continue;
    const key = PIPELINE.find((p) => p.timings.includes(st.stage))?.key ?? st.stage;
    stageMs[key] = (stageMs[key] ?? 0) + st.ms;
    totalMs += st.ms;
  }
  let pretty: string;
  try {
    pretty = JSON.stringify(JSON.parse(t.logic_json), null, 2);
  } catch {
    pretty = t.logic_json;
  }
  const tokens = (logic?.usage ?? []).reduce((a, u) => a + (u.input_tokens ?? 0) + (u.output_tokens ?? 0), 0);
  return {
    id: t.id,
    symbol: t.symbol,
    modelAction: t.model_action,
    action: t.action,
    changed: t.model_action !== t.action,
    confidence: t.confidence,
    modelConfidence: logic?.model_decision?.confidence ?? null,
    sizePct: t.size_pct,
    strategy: t.strategy,
    rationale: t.rationale,
    price: t.price,
    overrides: logic?.overrides ?? overridesFromRow ?? [],
    parseFallback: logic?.parse_fallback?.reason ?? (t.parse_fallback === 1 ? 'parse fallback' : null),
    missingCritical: logic?.snapshot?.data_quality?.missing_critical ?? [],
    executeStatus: t.execute_status,
    executeDetail: logic?.execute?.detail ?? null,
    orderStatus: t.order_status ?? logic?.execute?.orderStatus ?? null,
    qty: t.qty,
    filledAvgPrice: t.filled_avg_price,
    cost: t.cost_usd,
    tokens,
    stageMs,
    totalMs,
    logicPretty: pretty,
    recordedAt: t.recorded_at,
  };
}

export interface CycleView {
  readonly id: string;
  readonly asOf: string;
  readonly status: string;
  readonly mode: string;
  readonly brain: string;
  readonly runs: number;
  readonly equity: number | null;
  readonly recordedAt: string;
  readonly finishedAt: string | null;
  readonly summary: SummaryView | null;
  readonly timing: TimingView | null;
  readonly regime: RegimeView | null;
  readonly watchlist: readonly { symbol: string; reason?: string | undefined }[];
  readonly stages: readonly StageView[];
  readonly symbols: readonly SymbolView[];
  readonly totals: { readonly cost: number; readonly tokens: number; readonly overrides: number };
  readonly setupTimings: readonly { stage: string; ms: number }[];
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

export function cycleView(c: CycleRow, trades: readonly TradeRowWithLogic[]): CycleView {
  const summary = summaryOf(c.summary_json);
  const timing = lenient(timingSchema, c.timing_json);
  const regime = lenient(regimeSchema, c.regime_json);
  const watchlist = lenient(watchlistSchema, c.watchlist_json) ?? [];
  const symbols = trades.map((t) => symbolView(t, timing));
  const stagesRec = timing?.stages ?? [];
  const running = c.status === 'running';
  const setupFailed = c.status === 'failed' && (summary?.reason ?? '').startsWith('setup failed');

  const timingFor = (names: readonly string[]) => {
    const xs = stagesRec.filter((s) => names.includes(s.stage));
    if (xs.length === 0) return { ms: null, maxMs: null };
    return { ms: sum(xs.map((s) => s.ms)), maxMs: xs.some((s) => s.symbol !== undefined) ? Math.max(...xs.map((s) => s.ms)) : null };
  };
  const notReached = (key: string): StageView => {
    const p = PIPELINE.find((x) => x.key === key)!;
    return { key, label: p.label, status: running ? 'running' : 'muted', ms: null, maxMs: null, detail: running ? 'in progress' : 'not reached' };
  };
  const n = symbols.length;
  const stage = (key: string, status: StageStatus, detail: string): StageView => {
    const p = PIPELINE.find((x) => x.key === key)!;
    return { key, label: p.label, status, ...timingFor(p.timings), detail };
  };

  const stages: StageView[] = [];
  // Regime.
  if (regime) {
    const fallback = regime.source === 'fallback';
    stages.push(stage('regime', fallback ? 'warn' : 'ok', `${regime.direction ?? '?'}${regime.conviction !== undefined ? ` ${regime.conviction.toFixed(2)}` : ''} · ${regime.source ?? '?'}${regime.cached ? ' (cached)' : ''}`));
  } else if (setupFailed) {
    stages.push(stage('regime', 'bad', summary?.reason ?? 'setup failed'));
  } else if (c.status === 'skipped') {
    stages.push(stage('regime', 'muted', 'cycle skipped'));
  } else {
    stages.push(notReached('regime'));
  }
  // Watchlist.
  if (watchlist.length > 0) stages.push(stage('watchlist', 'ok', `${watchlist.length} symbols`));
  else if (setupFailed) stages.push(stage('watchlist', 'bad', 'setup failed'));
  else stages.push(n > 0 ? stage('watchlist', 'ok', `${n} symbols`) : notReached('watchlist'));

  if (n === 0) {
    for (const k of ['snapshot', 'decision', 'risk', 'execute', 'journal']) stages.push(notReached(k));
  } else {
    const missing = symbols.filter((s) => s.missingCritical.length > 0).length;
    stages.push(stage('snapshot', missing > 0 ? 'warn' : 'ok', missing > 0 ? `${n} symbols · ${missing} missing critical data` : `${n} symbols`));
    const fallbacks = symbols.filter((s) => s.parseFallback !== null).length;
    const b = symbols.filter((s) => s.modelAction === 'BUY').length;
    const sl = symbols.filter((s) => s.modelAction === 'SELL').length;
    stages.push(stage('decision', fallbacks > 0 ? 'warn' : 'ok', `model: ${b} BUY · ${sl} SELL · ${n - b - sl} HOLD${fallbacks > 0 ? ` · ${fallbacks} safe HOLD fallback` : ''}`));
    const changed = symbols.filter((s) => s.changed).length;
    const overrides = sum(symbols.map((s) => s.overrides.length));
    stages.push(stage('risk', changed > 0 ? 'warn' : 'ok', overrides === 0 ? 'no overrides' : `${overrides} override${overrides === 1 ? '' : 's'} · ${changed} decision${changed === 1 ? '' : 's'} changed`));
    const errors = symbols.filter((s) => s.executeStatus === 'error').length;
    const rejected = symbols.filter((s) => s.executeStatus === 'rejected').length;
    const sent = symbols.filter((s) => s.executeStatus === 'submitted' || s.executeStatus === 'recovered').length;
    const pending = symbols.filter((s) => s.executeStatus === null).length;
    const execStatus: StageStatus = errors > 0 ? 'bad' : rejected > 0 ? 'warn' : pending > 0 && running ? 'running' : pending > 0 ? 'warn' : 'ok';
    stages.push(stage('execute', execStatus, `${sent} order${sent === 1 ? '' : 's'} sent${rejected ? ` · ${rejected} rejected` : ''}${errors ? ` · ${errors} error${errors === 1 ? '' : 's'}` : ''}${pending ? ` · ${pending} pending` : ''}`));
    stages.push(stage('journal', pending > 0 ? (running ? 'running' : 'warn') : 'ok', pending > 0 ? `${n - pending}/${n} results journaled` : `${n} row${n === 1 ? '' : 's'}`));
  }
  const setupTimings = stagesRec.filter((s) => s.symbol === undefined).map((s) => ({ stage: s.stage, ms: s.ms }));
  return {
    id: c.id,
    asOf: c.as_of,
    status: c.status,
    mode: c.mode,
    brain: c.brain,
    runs: c.runs,
    equity: c.equity,
    recordedAt: c.recorded_at,
    finishedAt: c.finished_recorded_at,
    summary,
    timing,
    regime,
    watchlist,
    stages,
    symbols,
    totals: { cost: sum(symbols.map((s) => s.cost)), tokens: sum(symbols.map((s) => s.tokens)), overrides: sum(symbols.map((s) => s.overrides.length)) },
    setupTimings,
  };
}

/** The JSON shape of a trade for /api/trades and /api/cycles/:id. */
export function tradeJson(t: TradeListRow | TradeRowWithLogic): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    cycle_id: t.cycle_id,
    symbol: t.symbol,
    as_of: t.as_of,
    brain: t.brain,
    model_action: t.model_action,
    action: t.action,
    strategy: t.strategy,
    confidence: t.confidence,
    size_pct: t.size_pct,
    rationale: t.rationale,
    price: t.price,
    equity: t.equity,
    overrides: parseJson(t.overrides) ?? [],
    parse_fallback: t.parse_fallback === 1,
    cost_usd: t.cost_usd,
    execute_status: t.execute_status,
    client_order_id: t.client_order_id,
    order_id: t.order_id,
    qty: t.qty,
    order_status: t.order_status,
    filled_qty: t.filled_qty,
    filled_avg_price: t.filled_avg_price,
    recorded_at: t.recorded_at,
    result_recorded_at: t.result_recorded_at,
  };
  if ('logic_json' in t) out['logic'] = parseJson(t.logic_json);
  return out;
}

export function cycleJson(c: CycleListRow | CycleRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: c.id,
    as_of: c.as_of,
    mode: c.mode,
    brain: c.brain,
    status: c.status,
    runs: c.runs,
    equity: c.equity,
    summary: parseJson(c.summary_json),
    recorded_at: c.recorded_at,
    finished_recorded_at: c.finished_recorded_at,
  };
  if ('duration_ms' in c) out['duration_ms'] = c.duration_ms;
  if ('timing_json' in c) {
    out['regime'] = parseJson(c.regime_json);
    out['watchlist'] = parseJson(c.watchlist_json);
    out['timing'] = parseJson(c.timing_json);
  }
  return out;
}
