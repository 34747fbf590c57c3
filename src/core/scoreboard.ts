import { matchFifo, type Fill } from './round-trips.js';
import { addDays, dayOfWeek } from './time/ny.js';

/**
 * The scoreboard (pure): is the model adding anything? Account equity vs SPY (both rebased to
 * 100 at the first journaled session), drawdowns, realized and unrealized P&L, model cost to
 * date, and decision-quality tables over decision_outcomes. A figure from fewer than
 * MIN_SAMPLES outcomes is flagged `insufficient`: shown as such, never as a finding.
 *
 * "Hit" means the call was right against SPY over the horizon: a BUY whose symbol then beat SPY;
 * a SELL or automated EXIT whose symbol then lagged SPY; a HOLD whose symbol did not beat SPY
 * (staying out cost nothing). Mean excess is the symbol's return minus SPY's, unsigned.
 */

export const MIN_SAMPLES = 20;
export const SCORE_HORIZONS: readonly number[] = [1, 5, 20];

export interface CloseInput {
  readonly date: string;
  readonly spyClose: number | null;
  readonly equityClose: number | null;
}

export interface OutcomeInput {
  readonly horizonDays: number;
  readonly action: string;
  readonly strategy: string;
  readonly confidence: number;
  readonly brain: string;
  readonly excess: number;
  readonly ret: number;
}

export interface ScoreboardInput {
  readonly closes: readonly CloseInput[];
  readonly outcomes: readonly OutcomeInput[];
  /** Filled orders in time order. */
  readonly fills: readonly Fill[];
  /** Last known price per symbol (marks open lots for unrealized P&L). */
  readonly lastPrices: ReadonlyMap<string, number>;
  readonly modelCostUsd: number;
  readonly modelCalls: number;
}

export interface CurvePoint {
  readonly date: string;
  readonly equity: number | null;
  readonly spy: number | null;
  /** Rebased to 100 at the first point that has a value. */
  readonly equityIndex: number | null;
  readonly spyIndex: number | null;
  /** Drawdown from the running peak, <= 0 (0.05 = 5%). */
  readonly equityDrawdown: number | null;
  readonly spyDrawdown: number | null;
}

export interface Cell {
  readonly n: number;
  readonly hitRate: number | null;
  readonly meanExcess: number | null;
  readonly meanReturn: number | null;
  /** Fewer than MIN_SAMPLES outcomes: not a finding. */
  readonly insufficient: boolean;
}

export interface GroupRow {
  readonly key: string;
  /** By horizon (1, 5, 20), as strings for JSON. */
  readonly horizons: Readonly<Record<string, Cell>>;
}

export interface Period {
  readonly from: string;
  readonly to: string;
  readonly equityReturn: number | null;
  readonly spyReturn: number | null;
  /** equityReturn - spyReturn. */
  readonly excess: number | null;
}

export interface Scoreboard {
  readonly minSamples: number;
  readonly horizons: readonly number[];
  readonly curve: readonly CurvePoint[];
  readonly headline: {
    readonly sinceStart: Period | null;
    readonly thisWeek: Period | null;
    readonly maxDrawdown: number | null;
    readonly currentDrawdown: number | null;
    readonly spyMaxDrawdown: number | null;
    /** All decisions at 5 sessions. */
    readonly at5: Cell;
  };
  readonly pnl: {
    readonly realized: number;
    readonly unrealized: number;
    readonly commissions: number;
    readonly roundTrips: number;
    readonly openLots: number;
    readonly modelCostUsd: number;
    readonly modelCalls: number;
    /** realized + unrealized - model cost. */
    readonly netOfModelCost: number;
  };
  readonly quality: {
    readonly overall: GroupRow;
    readonly byAction: readonly GroupRow[];
    readonly byStrategy: readonly GroupRow[];
    readonly byConfidence: readonly GroupRow[];
    readonly byBrain: readonly GroupRow[];
  };
}

export function isHit(action: string, excess: number): boolean {
  if (action === 'BUY') return excess > 0;
  if (action === 'SELL' || action === 'EXIT') return excess < 0;
  return excess <= 0;
}

export function confidenceBucket(c: number): string {
  if (!(c >= 0.5)) return '<0.50';
  if (c < 0.6) return '0.50-0.59';
  if (c < 0.7) return '0.60-0.69';
  if (c < 0.8) return '0.70-0.79';
  return '0.80+';
}

export function cell(xs: readonly OutcomeInput[], minSamples = MIN_SAMPLES): Cell {
  const n = xs.length;
  if (n === 0) return { n, hitRate: null, meanExcess: null, meanReturn: null, insufficient: true };
  let hits = 0;
  let ex = 0;
  let r = 0;
  for (const x of xs) {
    if (isHit(x.action, x.excess)) hits++;
    ex += x.excess;
    r += x.ret;
  }
  return { n, hitRate: hits / n, meanExcess: ex / n, meanReturn: r / n, insufficient: n < minSamples };
}

function groupRow(key: string, xs: readonly OutcomeInput[], horizons: readonly number[], minSamples: number): GroupRow {
  return { key, horizons: Object.fromEntries(horizons.map((h) => [String(h), cell(xs.filter((x) => x.horizonDays === h), minSamples)])) };
}

function groupBy(xs: readonly OutcomeInput[], keyOf: (x: OutcomeInput) => string, horizons: readonly number[], minSamples: number, order?: readonly string[]): GroupRow[] {
  const m = new Map<string, OutcomeInput[]>();
  for (const x of xs) {
    const k = keyOf(x);
    const a = m.get(k);
    if (a) a.push(x);
    else m.set(k, [x]);
  }
  const keys = [...m.keys()].sort((a, b) => {
    const ia = order ? order.indexOf(a) : -1;
    const ib = order ? order.indexOf(b) : -1;
    if (ia !== ib) return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return keys.map((k) => groupRow(k, m.get(k)!, horizons, minSamples));
}

function rebase(values: readonly (number | null)[]): { index: (number | null)[]; dd: (number | null)[]; maxDd: number | null } {
  const base = values.find((v): v is number => v !== null && v > 0) ?? null;
  let peak = -Infinity;
  let maxDd: number | null = null;
  const index: (number | null)[] = [];
  const dd: (number | null)[] = [];
  for (const v of values) {
    if (v === null || base === null || !(v > 0)) {
      index.push(null);
      dd.push(null);
      continue;
    }
    index.push((v / base) * 100);
    peak = Math.max(peak, v);
    const d = v / peak - 1;
    dd.push(d);
    maxDd = maxDd === null ? d : Math.min(maxDd, d);
  }
  return { index, dd, maxDd };
}

function period(points: readonly CurvePoint[], fromIdx: number): Period | null {
  const a = points[fromIdx];
  const b = points[points.length - 1];
  if (!a || !b) return null;
  const er = a.equity !== null && b.equity !== null && a.equity > 0 ? b.equity / a.equity - 1 : null;
  const sr = a.spy !== null && b.spy !== null && a.spy > 0 ? b.spy / a.spy - 1 : null;
  return { from: a.date, to: b.date, equityReturn: er, spyReturn: sr, excess: er !== null && sr !== null ? er - sr : null };
}

/** Monday (YYYY-MM-DD) of a date's week. */
const mondayOf = (date: string) => addDays(date, -((dayOfWeek(date) + 6) % 7));

export function buildScoreboard(x: ScoreboardInput, opts: { readonly minSamples?: number; readonly horizons?: readonly number[] } = {}): Scoreboard {
  const minSamples = opts.minSamples ?? MIN_SAMPLES;
  const horizons = opts.horizons ?? SCORE_HORIZONS;
  const closes = [...x.closes].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const eq = rebase(closes.map((c) => c.equityClose));
  const sp = rebase(closes.map((c) => c.spyClose));
  const curve: CurvePoint[] = closes.map((c, i) => ({
    date: c.date,
    equity: c.equityClose,
    spy: c.spyClose,
    equityIndex: eq.index[i] ?? null,
    spyIndex: sp.index[i] ?? null,
    equityDrawdown: eq.dd[i] ?? null,
    spyDrawdown: sp.dd[i] ?? null,
  }));
  // This week: from the last close before this week's Monday (the previous week's close).
  const last = curve[curve.length - 1];
  let weekFrom = 0;
  if (last) {
    const monday = mondayOf(last.date);
    for (let i = 0; i < curve.length; i++) if (curve[i]!.date < monday) weekFrom = i;
  }

  const fifo = matchFifo(x.fills);
  const trips = fifo.trips;
  const realized = trips.reduce((a, t) => a + t.pnl, 0);
  const commissions = x.fills.reduce((a, f) => a + f.commission, 0);
  // Open lots: the FIFO remainder, marked at the last known price.
  let unrealized = 0;
  let openLots = 0;
  for (const [sym, lots] of fifo.open) {
    const px = x.lastPrices.get(sym);
    for (const lot of lots) {
      openLots++;
      if (px !== undefined) unrealized += lot.qty * (px - lot.entry.price);
    }
  }

  const at5 = cell(x.outcomes.filter((o) => o.horizonDays === 5), minSamples);
  return {
    minSamples,
    horizons,
    curve,
    headline: {
      sinceStart: period(curve, 0),
      thisWeek: last ? period(curve, weekFrom) : null,
      maxDrawdown: eq.maxDd,
      currentDrawdown: last?.equityDrawdown ?? null,
      spyMaxDrawdown: sp.maxDd,
      at5,
    },
    pnl: {
      realized,
      unrealized,
      commissions,
      roundTrips: trips.length,
      openLots,
      modelCostUsd: x.modelCostUsd,
      modelCalls: x.modelCalls,
      netOfModelCost: realized + unrealized - x.modelCostUsd,
    },
    quality: {
      overall: groupRow('all', x.outcomes, horizons, minSamples),
      byAction: groupBy(x.outcomes, (o) => o.action, horizons, minSamples, ['BUY', 'SELL', 'HOLD', 'EXIT']),
      byStrategy: groupBy(x.outcomes, (o) => o.strategy, horizons, minSamples),
      byConfidence: groupBy(x.outcomes, (o) => confidenceBucket(o.confidence), horizons, minSamples, ['<0.50', '0.50-0.59', '0.60-0.69', '0.70-0.79', '0.80+']),
      byBrain: groupBy(x.outcomes, (o) => o.brain, horizons, minSamples),
    },
  };
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${v > 0 ? '+' : ''}${(v * 100).toFixed(2)}%`);

/** One-line headline for digests and reviews: equity vs SPY since start and this week, hit rate and excess at 5 sessions. */
export function scoreboardHeadline(s: Scoreboard): string[] {
  const h = s.headline;
  const out: string[] = [];
  if (h.sinceStart) out.push(`Equity vs SPY since ${h.sinceStart.from}: ${pct(h.sinceStart.equityReturn)} vs ${pct(h.sinceStart.spyReturn)} (excess ${pct(h.sinceStart.excess)}).`);
  else out.push('Equity vs SPY: no session closes recorded yet.');
  if (h.thisWeek) out.push(`This week (from the ${h.thisWeek.from} close): ${pct(h.thisWeek.equityReturn)} vs SPY ${pct(h.thisWeek.spyReturn)}.`);
  const c = h.at5;
  out.push(
    c.n === 0
      ? 'Decisions at 5 sessions: none scored yet.'
      : `Decisions at 5 sessions: hit rate ${pct(c.hitRate).replace('+', '')}, mean excess over SPY ${pct(c.meanExcess)} (n=${c.n}${c.insufficient ? `, fewer than ${s.minSamples}: not a finding` : ''}).`,
  );
  return out;
}
