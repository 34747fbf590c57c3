import type { Session } from '../../domain/market.js';
import { forwardReturns, type DailyBook, type ForwardContext } from '../outcomes.js';
import { matchFifo, type FifoResult } from '../round-trips.js';
import { nyDate } from '../time/ny.js';
import type { Closes, PricePoint, ReviewCycle, ReviewDecision, ReviewFill, UsageGroup } from './types.js';
import type { IsoWeek } from './week.js';

/**
 * The weekly review's numbers, pure over what the journal, the broker and market data said.
 * Conventions (the report repeats the ones a reader needs):
 * - Decisions are brain decisions (one per symbol per cycle); rows written by an automation
 *   (position health exits) are counted apart, as automated exits.
 * - Trades are round trips: sells matched FIFO per symbol against earlier buys (fills from
 *   before the week open the lots a sell in the week closes). A round trip belongs to the week
 *   its sell filled in. P&L is net of the commissions of both sides. Win rate = winners /
 *   round trips; profit factor = gross wins / gross losses (null without losses).
 * - Unrealized P&L: lots still open at the week's end, marked at the last session's close.
 * - Equity at a close is the previous-close equity the broker reported to the next session's
 *   first snapshot; when that is not journaled, the last cycle's equity of the day (a few
 *   minutes before the close). The week starts at the close before its first session.
 * - Return vs the benchmark (SPY): close before the week to the week's last close.
 * - Max drawdown: the largest peak-to-trough fall over the week's equity marks (start, every
 *   cycle, every close) as a fraction of the peak.
 * - Daily Sharpe: mean / sample standard deviation of the daily close-to-close returns; also
 *   x sqrt(252). Null with fewer than two returns or no variation; n is reported.
 * - Exposure: long market value / equity as each decision cycle's first snapshot saw it.
 * - Decision outcomes: the forward return from the decision's price to the close 1 and 5
 *   sessions after the decision's session, where that close exists by the data's "as of",
 *   anchored as the scoreboard's (core/outcomes.ts); excess = minus the benchmark's return over
 *   the same span (benchmark price from the same cycle, or its close when the decision came at
 *   or after a close). BUY is "right" when the return is positive, SELL when negative.
 * Figures are rounded (money to cents, ratios to 6 decimals) so the JSON is stable.
 */

export interface MetricsInput {
  readonly week: IsoWeek;
  /** The week's sessions, in order. */
  readonly sessions: readonly Session[];
  /** The session before the week, when known: its close is the week's starting mark. */
  readonly previousSession: Session | null;
  /** Sessions after the week that had closed by `dataAsOf`, in order (forward returns). */
  readonly laterSessions: readonly Session[];
  /** The first session after the week (closed or not): its first snapshot reports the week's closing equity. */
  readonly nextSession?: Session | null;
  /** Journal rows with asOf in the week. */
  readonly decisions: readonly ReviewDecision[];
  /** Every fill before the week's end (earlier ones hold the lots the week's sells close). */
  readonly fills: readonly ReviewFill[];
  /** Cycles with asOf in the week. */
  readonly cycles: readonly ReviewCycle[];
  /** The first previous-close equity journaled on each session date (week and the session after it). */
  readonly openingEquity: ReadonlyMap<string, number>;
  /** The last equity journaled before the week, the fallback start. */
  readonly equityBefore: number | null;
  /** Model calls in the week by model and purpose; null when the journal has no usage table. */
  readonly usage: readonly UsageGroup[] | null;
  readonly closes: Closes;
  readonly closesSource: 'market_data' | 'journal' | 'none';
  readonly benchmark: string;
  /** Market time the data is as of (forward outcomes only use closes up to here). */
  readonly dataAsOf: number;
  /** The week before, for its matured decision outcomes (its rows and sessions); omitted when not loaded. */
  readonly previousWeek?: { readonly name: string; readonly sessions: readonly Session[]; readonly decisions: readonly ReviewDecision[] };
}

export interface Stat {
  readonly n: number;
  readonly mean: number | null;
}

export interface HorizonOutcome {
  /** Decisions whose forward close exists. */
  readonly n: number;
  readonly mean_return: number | null;
  readonly median_return: number | null;
  /** BUY: share with a positive return; SELL and blocked SELL: share with a negative one; null for HOLD. */
  readonly hit_rate: number | null;
  /** Decisions with a benchmark price in the same cycle and a benchmark close at the horizon. */
  readonly n_excess: number;
  readonly mean_excess: number | null;
}

export interface OutcomeGroup {
  readonly group: string;
  readonly label: string;
  readonly decisions: number;
  /** Decisions with a journaled price (the others cannot be scored). */
  readonly priced: number;
  readonly h1: HorizonOutcome;
  readonly h5: HorizonOutcome;
}

export interface RoundTripRow {
  readonly symbol: string;
  readonly qty: number;
  readonly entry_at: string;
  readonly entry_price: number;
  readonly exit_at: string;
  readonly exit_price: number;
  readonly exit_kind: string;
  readonly strategy: string;
  readonly pnl: number;
  readonly ret: number;
}

export interface WeeklyMetrics {
  readonly week: string;
  readonly from: string;
  readonly to: string;
  readonly sessions: readonly string[];
  readonly data_as_of: string;
  readonly decisions: {
    readonly total: number;
    readonly by_action: Readonly<Record<string, number>>;
    readonly model_by_action: Readonly<Record<string, number>>;
    /** Decisions whose final action differs from the brain's, by "MODEL->FINAL". */
    readonly changed: Readonly<Record<string, number>>;
    readonly by_strategy: readonly { readonly strategy: string; readonly BUY: number; readonly SELL: number; readonly HOLD: number }[];
    readonly avg_confidence: Readonly<Record<string, number | null>>;
    readonly cycles: { readonly total: number; readonly failed: number; readonly skipped: number; readonly unfinished: number };
    readonly orders_submitted: number;
    readonly watchlist_size: { readonly min: number | null; readonly mean: number | null; readonly max: number | null };
    readonly by_source: { readonly sqlite: number; readonly jsonl_only: number };
    readonly prompt_versions: readonly string[];
  };
  readonly trading: {
    readonly entries: number;
    readonly exits: number;
    readonly round_trips: number;
    readonly wins: number;
    readonly losses: number;
    readonly win_rate: number | null;
    readonly avg_win: number | null;
    readonly avg_loss: number | null;
    readonly profit_factor: number | null;
    readonly realized_pl: number;
    readonly unrealized_pl: number | null;
    readonly fees: number;
    /** Shares sold with no earlier buy in the journal to match (opened before the journal began). */
    readonly unmatched_sell_qty: number;
    readonly open_positions: readonly { readonly symbol: string; readonly qty: number; readonly avg_entry: number; readonly mark: number | null; readonly unrealized_pl: number | null }[];
    readonly list: readonly RoundTripRow[];
    readonly fills_from_broker_only: number;
  };
  readonly performance: {
    readonly start_equity: number | null;
    readonly start_source: string;
    readonly end_equity: number | null;
    readonly pl: number | null;
    readonly return: number | null;
    readonly benchmark: { readonly symbol: string; readonly start: number | null; readonly end: number | null; readonly return: number | null };
    readonly excess_return: number | null;
    readonly max_drawdown: number | null;
    readonly daily: readonly { readonly date: string; readonly equity: number | null; readonly exact: boolean; readonly return: number | null; readonly benchmark_close: number | null }[];
    readonly sharpe_daily: { readonly n: number; readonly daily: number | null; readonly annualized: number | null };
    readonly exposure: { readonly n: number; readonly avg_invested_pct: number | null; readonly cycles_invested_share: number | null };
  };
  readonly by_strategy: readonly { readonly strategy: string; readonly decisions: number; readonly buys: number; readonly sells: number; readonly round_trips: number; readonly wins: number; readonly realized_pl: number }[];
  readonly by_symbol: readonly {
    readonly symbol: string;
    readonly decisions: number;
    readonly buys: number;
    readonly sells: number;
    readonly round_trips: number;
    readonly realized_pl: number;
    readonly unrealized_pl: number | null;
  }[];
  readonly risk_overrides: {
    readonly total: number;
    readonly decisions_with_overrides: number;
    readonly by_rule: readonly { readonly rule: string; readonly effect: string; readonly count: number; readonly symbols: readonly string[] }[];
  };
  readonly parse_fallbacks: { readonly count: number; readonly rate: number | null; readonly by_reason: readonly { readonly reason: string; readonly count: number }[] };
  readonly automated_exits: {
    readonly journal_rows: Readonly<Record<string, number>>;
    readonly fills: readonly { readonly kind: string; readonly count: number; readonly qty: number; readonly realized_pl: number }[];
  };
  readonly model_usage: {
    readonly source: 'llm_usage' | 'trades.cost_usd' | 'none';
    readonly calls: number | null;
    readonly input_tokens: number | null;
    readonly output_tokens: number | null;
    readonly cache_creation_input_tokens: number | null;
    readonly cache_read_input_tokens: number | null;
    readonly cost_usd: number;
    readonly by_model: readonly { readonly model: string; readonly purpose: string; readonly calls: number; readonly input_tokens: number; readonly output_tokens: number; readonly cost_usd: number }[];
  };
  readonly outcomes: {
    readonly prices_source: 'market_data' | 'journal' | 'none';
    readonly benchmark: string;
    readonly horizons: readonly [1, 5];
    readonly groups: readonly OutcomeGroup[];
    /** Priced decisions whose horizon session had not closed by data_as_of. */
    readonly pending: { readonly h1: number; readonly h5: number };
    /** The week before's decisions, scored again now that their 5-session horizons have (mostly) passed; null without data. */
    readonly previous_week: { readonly week: string; readonly groups: readonly OutcomeGroup[]; readonly pending: { readonly h1: number; readonly h5: number } } | null;
  };
}

export const r2 = (x: number) => Math.round(x * 100) / 100 + 0;
export const r6 = (x: number) => Math.round(x * 1e6) / 1e6 + 0;
const r2n = (x: number | null) => (x === null ? null : r2(x));
const r6n = (x: number | null) => (x === null ? null : r6(x));
const iso = (ms: number) => new Date(ms).toISOString();
const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const byKey = <T>(xs: readonly T[], key: (x: T) => string) => [...xs].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function sampleSd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

function count<T>(xs: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const ACTIONS = ['BUY', 'SELL', 'HOLD'] as const;
const withActions = (r: Record<string, number>) => ({ BUY: 0, SELL: 0, HOLD: 0, ...r });

/** The last journaled price of each symbol on each New York date: a stand-in for daily closes when market data is unreachable. */
export function closesFromPricePoints(points: readonly PricePoint[]): Closes {
  const out = new Map<string, Map<string, { at: number; price: number }>>();
  for (const p of points) {
    if (!Number.isFinite(p.price) || p.price <= 0) continue;
    const d = nyDate(p.at);
    let m = out.get(p.symbol);
    if (!m) out.set(p.symbol, (m = new Map()));
    const prev = m.get(d);
    if (!prev || p.at >= prev.at) m.set(d, { at: p.at, price: p.price });
  }
  return new Map([...out].map(([s, m]) => [s, new Map([...m].map(([d, v]) => [d, v.price]))]));
}

interface Trip {
  readonly symbol: string;
  readonly qty: number;
  readonly entryAt: number;
  readonly entryPrice: number;
  readonly exitAt: number;
  readonly exitPrice: number;
  readonly exitKind: string;
  readonly strategy: string;
  readonly pnl: number;
}

const byFillTime = (a: ReviewFill, b: ReviewFill) => a.filledAt - b.filledAt || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0);

/** FIFO round trips per symbol (core/round-trips.ts) over the fills in time order; the trips, the lots left open and the unmatched sold shares. */
function reviewFifo(fills: readonly ReviewFill[]): { trips: Trip[]; open: FifoResult<ReviewFill>['open']; unmatched: FifoResult<ReviewFill>['unmatched'] } {
  const r = matchFifo([...fills].sort(byFillTime));
  const trips = r.trips.map((t) => ({
    symbol: t.symbol,
    qty: t.qty,
    entryAt: t.entry.filledAt,
    entryPrice: t.entry.price,
    exitAt: t.exit.filledAt,
    exitPrice: t.exit.price,
    exitKind: t.exit.exitKind ?? 'unknown',
    strategy: t.entry.strategy ?? 'unknown',
    pnl: t.pnl,
  }));
  return { trips, open: r.open, unmatched: r.unmatched };
}

function horizon(returns: readonly number[], excess: readonly number[], hit: ((r: number) => boolean) | null): HorizonOutcome {
  return {
    n: returns.length,
    mean_return: r6n(mean(returns)),
    median_return: r6n(median(returns)),
    hit_rate: hit && returns.length > 0 ? r6(returns.filter(hit).length / returns.length) : null,
    n_excess: excess.length,
    mean_excess: r6n(mean(excess)),
  };
}

const OUTCOME_GROUPS: readonly { group: string; label: string; match: (d: ReviewDecision) => boolean; hit: ((r: number) => boolean) | null }[] = [
  { group: 'buy', label: 'BUY', match: (d) => d.action === 'BUY', hit: (r) => r > 0 },
  { group: 'sell', label: 'SELL', match: (d) => d.action === 'SELL', hit: (r) => r < 0 },
  { group: 'hold', label: 'HOLD (the brain chose it)', match: (d) => d.action === 'HOLD' && d.modelAction === 'HOLD', hit: null },
  { group: 'blocked_buy', label: 'BUY turned HOLD (risk or fallback)', match: (d) => d.action === 'HOLD' && d.modelAction === 'BUY', hit: (r) => r > 0 },
  { group: 'blocked_sell', label: 'SELL turned HOLD (risk or fallback)', match: (d) => d.action === 'HOLD' && d.modelAction === 'SELL', hit: (r) => r < 0 },
];

/** What forward returns are measured against. */
export interface OutcomeContext {
  /** Sessions in order: those the decisions were made in, then the ones after. */
  readonly sessions: readonly Session[];
  readonly closes: Closes;
  readonly benchmark: string;
  readonly dataAsOf: number;
  /** Rows to read the benchmark's price in each cycle from (its own decision row). */
  readonly benchmarkRows: readonly ReviewDecision[];
}

export type DecisionOutcome = { readonly r: readonly [number | null, number | null]; readonly e: readonly [number | null, number | null]; readonly pending: readonly [boolean, boolean] };

/** The closes as daily bars (no opens: a decision without the benchmark's price in its cycle is measured against it only from a close). */
const closesBook = (closes: Closes): DailyBook => new Map([...closes].map(([sym, m]) => [sym, new Map([...m].map(([date, c]) => [date, { c }]))]));

/**
 * Forward returns of each priced decision at 1 and 5 sessions (core/outcomes.ts: the same anchoring
 * as the scoreboard). A horizon is "pending" when its session has not closed by dataAsOf; its
 * return is null when the session closed but no close is known for the symbol, its excess null
 * when the benchmark's prices are missing.
 */
export function decisionOutcomes(x: OutcomeContext, decisions: readonly ReviewDecision[]): Map<string, DecisionOutcome> {
  const ctx: ForwardContext = { sessions: x.sessions, bars: closesBook(x.closes), asOf: x.dataAsOf, benchmark: x.benchmark };
  // The benchmark's price in the same cycle, to measure it over the same span as the decision.
  const benchAt = new Map<string, number>();
  for (const d of x.benchmarkRows) if (d.symbol === x.benchmark && d.price !== null && d.price > 0) benchAt.set(d.cycleId, d.price);
  const out = new Map<string, DecisionOutcome>();
  for (const d of decisions) {
    if (d.price === null || !(d.price > 0)) continue;
    const [h1, h5] = forwardReturns({ symbol: d.symbol, asOf: d.asOf, price: d.price, benchmarkPrice: benchAt.get(d.cycleId) ?? null }, ctx, [1, 5]).map((f) =>
      f.status === 'scored' ? { r: f.ret, e: f.spyRet === null ? null : f.ret - f.spyRet, pending: false } : { r: null, e: null, pending: f.status === 'not_reached' },
    );
    out.set(d.id, { r: [h1!.r, h5!.r], e: [h1!.e, h5!.e], pending: [h1!.pending, h5!.pending] });
  }
  return out;
}

/** Outcome groups (BUY, SELL, HOLD, risk-blocked BUY/SELL) of brain decisions, with the count still pending per horizon. */
export function outcomeGroups(x: OutcomeContext, decisions: readonly ReviewDecision[]): { groups: OutcomeGroup[]; pending: { h1: number; h5: number } } {
  const ds = decisions.filter((d) => d.automation === null);
  const outcomes = decisionOutcomes(x, ds);
  const groups = OUTCOME_GROUPS.map((g) => {
    const members = ds.filter(g.match);
    const scored = members.map((d) => outcomes.get(d.id)).filter((o) => o !== undefined);
    const pick = (k: 0 | 1) => scored.map((o) => o.r[k]).filter((r): r is number => r !== null);
    const pickE = (k: 0 | 1) => scored.map((o) => o.e[k]).filter((r): r is number => r !== null);
    return { group: g.group, label: g.label, decisions: members.length, priced: scored.length, h1: horizon(pick(0), pickE(0), g.hit), h5: horizon(pick(1), pickE(1), g.hit) };
  });
  const all = [...outcomes.values()];
  return { groups, pending: { h1: all.filter((o) => o.pending[0]).length, h5: all.filter((o) => o.pending[1]).length } };
}

/** The outcome context of the reviewed week: its sessions then the later ones. */
export function weekOutcomeContext(x: MetricsInput): OutcomeContext {
  return { sessions: [...(x.previousSession ? [x.previousSession] : []), ...x.sessions, ...x.laterSessions], closes: x.closes, benchmark: x.benchmark, dataAsOf: x.dataAsOf, benchmarkRows: x.decisions };
}

export function computeWeeklyMetrics(x: MetricsInput): WeeklyMetrics {
  const from = x.week.from;
  const to = x.week.to;
  const rows = [...x.decisions].filter((d) => d.asOf >= from && d.asOf < to).sort((a, b) => a.asOf - b.asOf || (a.id < b.id ? -1 : 1));
  const decisions = rows.filter((d) => d.automation === null);
  const automation = rows.filter((d) => d.automation !== null);
  const automationCycles = new Set(automation.map((d) => d.cycleId));
  const cycles = [...x.cycles].filter((c) => c.asOf >= from && c.asOf < to && !automationCycles.has(c.id)).sort((a, b) => a.asOf - b.asOf);
  const sessionDates = x.sessions.map((s) => s.date);

  // ---- decisions ----
  const byAction = withActions(count(decisions, (d) => d.action));
  const modelByAction = withActions(count(decisions, (d) => d.modelAction));
  const changed = count(
    decisions.filter((d) => d.modelAction !== d.action),
    (d) => `${d.modelAction}->${d.action}`,
  );
  const strategies = new Map<string, { BUY: number; SELL: number; HOLD: number }>();
  for (const d of decisions) {
    const e = strategies.get(d.strategy) ?? { BUY: 0, SELL: 0, HOLD: 0 };
    if (d.action === 'BUY' || d.action === 'SELL' || d.action === 'HOLD') e[d.action]++;
    strategies.set(d.strategy, e);
  }
  const avgConfidence = Object.fromEntries(ACTIONS.map((a) => [a, r6n(mean(decisions.filter((d) => d.action === a).map((d) => d.confidence)))]));
  const wl = cycles.map((c) => c.watchlistSize).filter((n): n is number => n !== null);

  // ---- fills and round trips ----
  const fillsBefore = x.fills.filter((f) => f.filledAt < to);
  const fifo = reviewFifo(fillsBefore);
  const trips = fifo.trips.filter((t) => t.exitAt >= from && t.exitAt < to);
  const weekFills = fillsBefore.filter((f) => f.filledAt >= from);
  const wins = trips.filter((t) => t.pnl > 0);
  const losses = trips.filter((t) => t.pnl < 0);
  const grossWin = wins.reduce((a, t) => a + t.pnl, 0);
  const grossLoss = -losses.reduce((a, t) => a + t.pnl, 0);
  const realized = trips.reduce((a, t) => a + t.pnl, 0);
  const lastDate = sessionDates[sessionDates.length - 1];
  const markOf = (symbol: string): number | null => {
    const c = lastDate === undefined ? undefined : x.closes.get(symbol)?.get(lastDate);
    return c ?? null;
  };
  const openPositions = byKey([...fifo.open.entries()], ([s]) => s).map(([symbol, lots]) => {
    const qty = lots.reduce((a, l) => a + l.qty, 0);
    const cost = lots.reduce((a, l) => a + l.qty * (l.entry.price + l.feePerShare), 0);
    const mark = markOf(symbol);
    return { symbol, qty, avg_entry: r6(cost / qty), mark, unrealized_pl: mark === null ? null : r2(qty * mark - cost) };
  });
  const unrealized = openPositions.some((p) => p.unrealized_pl === null) ? null : openPositions.reduce((a, p) => a + (p.unrealized_pl ?? 0), 0);
  const fees = weekFills.reduce((a, f) => a + f.commission, 0);
  // Sold shares with no earlier buy to match (positions older than the journal), counting the week's sells only.
  const unmatchedBefore = reviewFifo(fillsBefore.filter((f) => f.filledAt < from)).unmatched;
  let unmatchedQty = 0;
  for (const [s, q] of fifo.unmatched) unmatchedQty += q - (unmatchedBefore.get(s) ?? 0);

  // ---- equity, benchmark, drawdown, Sharpe, exposure ----
  const firstStart = decisions.find((d) => d.startEquity !== null && Number.isFinite(d.startEquity))?.startEquity ?? null;
  const openingFirst = sessionDates[0] === undefined ? undefined : x.openingEquity.get(sessionDates[0]);
  const start: { v: number | null; src: string } =
    openingFirst !== undefined
      ? { v: openingFirst, src: "the previous close's equity reported to the week's first snapshot" }
      : firstStart !== null
        ? { v: firstStart, src: "the previous close's equity reported to the week's first snapshot" }
        : x.equityBefore !== null
          ? { v: x.equityBefore, src: 'the last equity journaled before the week' }
          : { v: cycles.find((c) => c.equity !== null)?.equity ?? null, src: "the week's first cycle" };
  const laterFirst = x.nextSession?.date ?? x.laterSessions[0]?.date;
  const daily = x.sessions.map((s, k) => {
    const next = k + 1 < x.sessions.length ? x.sessions[k + 1]!.date : laterFirst;
    const exact = next === undefined ? undefined : x.openingEquity.get(next);
    const dayCycles = cycles.filter((c) => nyDate(c.asOf) === s.date && c.equity !== null);
    const approx = dayCycles[dayCycles.length - 1]?.equity ?? null;
    return { date: s.date, equity: exact ?? approx, exact: exact !== undefined };
  });
  let prev = start.v;
  const dailyRows = daily.map((d) => {
    const ret = prev !== null && d.equity !== null && prev > 0 ? d.equity / prev - 1 : null;
    if (d.equity !== null) prev = d.equity;
    return { date: d.date, equity: r2n(d.equity), exact: d.exact, return: r6n(ret), benchmark_close: x.closes.get(x.benchmark)?.get(d.date) ?? null };
  });
  const endEquity = [...daily].reverse().find((d) => d.equity !== null)?.equity ?? null;
  const weekRet = start.v !== null && endEquity !== null && start.v > 0 ? endEquity / start.v - 1 : null;
  const bench = x.closes.get(x.benchmark);
  const bStart = x.previousSession ? (bench?.get(x.previousSession.date) ?? null) : null;
  const bEnd = lastDate === undefined ? null : (bench?.get(lastDate) ?? null);
  const bRet = bStart !== null && bEnd !== null ? bEnd / bStart - 1 : null;
  // Drawdown over every mark in time order: the start, each cycle, each close.
  const marks: { t: number; v: number }[] = [];
  if (start.v !== null) marks.push({ t: x.sessions[0]?.open ?? from, v: start.v });
  for (const c of cycles) if (c.equity !== null) marks.push({ t: c.asOf, v: c.equity });
  x.sessions.forEach((s, k) => {
    const d = daily[k]!;
    if (d.equity !== null && d.exact) marks.push({ t: s.close, v: d.equity });
  });
  marks.sort((a, b) => a.t - b.t);
  let peak = -Infinity;
  let mdd: number | null = marks.length > 0 ? 0 : null;
  for (const m of marks) {
    peak = Math.max(peak, m.v);
    if (peak > 0 && mdd !== null) mdd = Math.max(mdd, (peak - m.v) / peak);
  }
  const rets = dailyRows.map((d) => d.return).filter((r): r is number => r !== null);
  const sd = sampleSd(rets);
  const sharpe = sd !== null && sd > 0 ? mean(rets)! / sd : null;
  const firstOfCycle = new Map<string, ReviewDecision>();
  for (const d of decisions) if (d.investedPct !== null && !firstOfCycle.has(d.cycleId)) firstOfCycle.set(d.cycleId, d);
  const invested = [...firstOfCycle.values()].map((d) => d.investedPct!);

  // ---- by strategy / symbol ----
  const stratRows = new Map<string, { decisions: number; buys: number; sells: number; round_trips: number; wins: number; realized: number }>();
  const srow = (s: string) => {
    let r = stratRows.get(s);
    if (!r) stratRows.set(s, (r = { decisions: 0, buys: 0, sells: 0, round_trips: 0, wins: 0, realized: 0 }));
    return r;
  };
  for (const d of decisions) {
    const r = srow(d.strategy);
    r.decisions++;
    if (d.action === 'BUY') r.buys++;
    if (d.action === 'SELL') r.sells++;
  }
  for (const t of trips) {
    const r = srow(t.strategy);
    r.round_trips++;
    if (t.pnl > 0) r.wins++;
    r.realized += t.pnl;
  }
  const symRows = new Map<string, { decisions: number; buys: number; sells: number; round_trips: number; realized: number }>();
  const yrow = (s: string) => {
    let r = symRows.get(s);
    if (!r) symRows.set(s, (r = { decisions: 0, buys: 0, sells: 0, round_trips: 0, realized: 0 }));
    return r;
  };
  for (const d of decisions) {
    const r = yrow(d.symbol);
    r.decisions++;
    if (d.action === 'BUY') r.buys++;
    if (d.action === 'SELL') r.sells++;
  }
  for (const t of trips) {
    const r = yrow(t.symbol);
    r.round_trips++;
    r.realized += t.pnl;
  }
  for (const p of openPositions) yrow(p.symbol);
  const unrealBySym = new Map(openPositions.map((p) => [p.symbol, p.unrealized_pl]));

  // ---- overrides, fallbacks, exits, usage ----
  const ruleMap = new Map<string, { rule: string; effect: string; count: number; symbols: Set<string> }>();
  let overrideTotal = 0;
  for (const d of decisions) {
    for (const o of d.overrides) {
      overrideTotal++;
      const k = `${o.rule}\u0000${o.effect}`;
      const e = ruleMap.get(k) ?? { rule: o.rule, effect: o.effect, count: 0, symbols: new Set<string>() };
      e.count++;
      e.symbols.add(d.symbol);
      ruleMap.set(k, e);
    }
  }
  const fallbacks = decisions.filter((d) => d.parseFallback !== null);
  const reasonKey = (r: string) => {
    const k = r.split(':')[0]!.trim().replace(/[^A-Za-z0-9_ -]/g, '').slice(0, 40);
    return k === '' ? 'unspecified' : k;
  };
  const exitFills = weekFills.filter((f) => f.side === 'sell');
  const exitKinds = new Map<string, { count: number; qty: number; pnl: number }>();
  for (const f of exitFills) {
    const k = f.exitKind ?? 'unknown';
    const e = exitKinds.get(k) ?? { count: 0, qty: 0, pnl: 0 };
    e.count++;
    e.qty += f.qty;
    exitKinds.set(k, e);
  }
  for (const t of trips) {
    const e = exitKinds.get(t.exitKind);
    if (e) e.pnl += t.pnl;
  }
  const decisionCost = rows.reduce((a, d) => a + d.costUsd, 0);
  const usage = x.usage;
  const usageSum = (f: (u: UsageGroup) => number) => (usage ? usage.reduce((a, u) => a + f(u), 0) : null);
  const usageSource: WeeklyMetrics['model_usage']['source'] = usage && usage.length > 0 ? 'llm_usage' : decisionCost > 0 ? 'trades.cost_usd' : usage ? 'llm_usage' : 'none';

  // ---- outcomes: this week's decisions, and last week's now that more of their horizons have passed ----
  const current = outcomeGroups(weekOutcomeContext(x), decisions);
  const pw = x.previousWeek;
  const previous =
    pw && pw.decisions.some((d) => d.automation === null)
      ? {
          week: pw.name,
          ...outcomeGroups({ sessions: [...pw.sessions, ...x.sessions, ...x.laterSessions], closes: x.closes, benchmark: x.benchmark, dataAsOf: x.dataAsOf, benchmarkRows: pw.decisions }, pw.decisions),
        }
      : null;

  return {
    week: x.week.name,
    from: iso(from),
    to: iso(to),
    sessions: sessionDates,
    data_as_of: iso(x.dataAsOf),
    decisions: {
      total: decisions.length,
      by_action: byAction,
      model_by_action: modelByAction,
      changed,
      by_strategy: byKey([...strategies.entries()], ([s]) => s).map(([strategy, c]) => ({ strategy, ...c })),
      avg_confidence: avgConfidence,
      cycles: {
        total: cycles.length,
        failed: cycles.filter((c) => c.status === 'failed').length,
        skipped: cycles.filter((c) => c.status === 'skipped').length,
        unfinished: cycles.filter((c) => c.status === 'running').length,
      },
      orders_submitted: cycles.reduce((a, c) => a + c.ordersSubmitted, 0),
      watchlist_size: { min: wl.length ? Math.min(...wl) : null, mean: wl.length ? r2(mean(wl)!) : null, max: wl.length ? Math.max(...wl) : null },
      by_source: { sqlite: rows.filter((d) => d.source === 'sqlite').length, jsonl_only: rows.filter((d) => d.source === 'jsonl').length },
      prompt_versions: [...new Set(decisions.map((d) => d.promptVersion).filter((v): v is string => v !== null))].sort(),
    },
    trading: {
      entries: weekFills.filter((f) => f.side === 'buy').length,
      exits: exitFills.length,
      round_trips: trips.length,
      wins: wins.length,
      losses: losses.length,
      win_rate: trips.length ? r6(wins.length / trips.length) : null,
      avg_win: wins.length ? r2(grossWin / wins.length) : null,
      avg_loss: losses.length ? r2(-grossLoss / losses.length) : null,
      profit_factor: grossLoss > 0 ? r6(grossWin / grossLoss) : null,
      realized_pl: r2(realized),
      unrealized_pl: r2n(unrealized),
      fees: r2(fees),
      unmatched_sell_qty: r6(Math.max(0, unmatchedQty)),
      open_positions: openPositions,
      list: trips.map((t) => ({
        symbol: t.symbol,
        qty: t.qty,
        entry_at: iso(t.entryAt),
        entry_price: t.entryPrice,
        exit_at: iso(t.exitAt),
        exit_price: t.exitPrice,
        exit_kind: t.exitKind,
        strategy: t.strategy,
        pnl: r2(t.pnl),
        ret: r6(t.exitPrice / t.entryPrice - 1),
      })),
      fills_from_broker_only: weekFills.filter((f) => f.source === 'broker').length,
    },
    performance: {
      start_equity: r2n(start.v),
      start_source: start.v === null ? 'unknown' : start.src,
      end_equity: r2n(endEquity),
      pl: start.v !== null && endEquity !== null ? r2(endEquity - start.v) : null,
      return: r6n(weekRet),
      benchmark: { symbol: x.benchmark, start: bStart, end: bEnd, return: r6n(bRet) },
      excess_return: weekRet !== null && bRet !== null ? r6(weekRet - bRet) : null,
      max_drawdown: r6n(mdd),
      daily: dailyRows,
      sharpe_daily: { n: rets.length, daily: r6n(sharpe), annualized: sharpe === null ? null : r6(sharpe * Math.sqrt(252)) },
      exposure: {
        n: invested.length,
        avg_invested_pct: invested.length ? r6(mean(invested)!) : null,
        cycles_invested_share: invested.length ? r6(invested.filter((v) => v > 0).length / invested.length) : null,
      },
    },
    by_strategy: byKey([...stratRows.entries()], ([s]) => s).map(([strategy, r]) => ({
      strategy,
      decisions: r.decisions,
      buys: r.buys,
      sells: r.sells,
      round_trips: r.round_trips,
      wins: r.wins,
      realized_pl: r2(r.realized),
    })),
    by_symbol: byKey([...symRows.entries()], ([s]) => s).map(([symbol, r]) => ({
      symbol,
      decisions: r.decisions,
      buys: r.buys,
      sells: r.sells,
      round_trips: r.round_trips,
      realized_pl: r2(r.realized),
      unrealized_pl: unrealBySym.has(symbol) ? (unrealBySym.get(symbol) ?? null) : 0,
    })),
    risk_overrides: {
      total: overrideTotal,
      decisions_with_overrides: decisions.filter((d) => d.overrides.length > 0).length,
      by_rule: [...ruleMap.values()]
        .sort((a, b) => b.count - a.count || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : a.effect < b.effect ? -1 : 1))
        .map((e) => ({ rule: e.rule, effect: e.effect, count: e.count, symbols: [...e.symbols].sort() })),
    },
    parse_fallbacks: {
      count: fallbacks.length,
      rate: decisions.length ? r6(fallbacks.length / decisions.length) : null,
      by_reason: Object.entries(count(fallbacks, (d) => reasonKey(d.parseFallback ?? '')))
        .map(([reason, n]) => ({ reason, count: n }))
        .sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1)),
    },
    automated_exits: {
      journal_rows: count(automation, (d) => d.automation!.exitKind),
      fills: byKey([...exitKinds.entries()], ([k]) => k).map(([kind, e]) => ({ kind, count: e.count, qty: e.qty, realized_pl: r2(e.pnl) })),
    },
    model_usage: {
      source: usageSource,
      calls: usageSource === 'llm_usage' ? usageSum((u) => u.calls) : null,
      input_tokens: usageSource === 'llm_usage' ? usageSum((u) => u.inputTokens) : null,
      output_tokens: usageSource === 'llm_usage' ? usageSum((u) => u.outputTokens) : null,
      cache_creation_input_tokens: usageSource === 'llm_usage' ? usageSum((u) => u.cacheCreationInputTokens) : null,
      cache_read_input_tokens: usageSource === 'llm_usage' ? usageSum((u) => u.cacheReadInputTokens) : null,
      cost_usd: r6(usageSource === 'llm_usage' ? (usageSum((u) => u.costUsd) ?? 0) : decisionCost),
      by_model: byKey(usage ?? [], (u) => `${u.model}\u0000${u.purpose}`).map((u) => ({
        model: u.model,
        purpose: u.purpose,
        calls: u.calls,
        input_tokens: u.inputTokens,
        output_tokens: u.outputTokens,
        cost_usd: r6(u.costUsd),
      })),
    },
    outcomes: {
      prices_source: x.closesSource,
      benchmark: x.benchmark,
      horizons: [1, 5],
      groups: current.groups,
      pending: current.pending,
      previous_week: previous,
    },
  };
}
