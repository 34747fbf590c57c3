import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from '../domain/market.js';
import type { Brain } from '../ports/brain.js';
import type { PriceFeed } from '../adapters/sim/feed.js';
import { BENCHMARK_SYMBOL, HORIZONS, computeOutcomes, type DailyPrice } from '../core/outcomes.js';
import { buildScoreboard, type Cell } from '../core/scoreboard.js';
import { nyDate } from '../core/time/ny.js';
import { createOutcomeJournal } from '../journal/outcomes-store.js';
import { openDatabase } from '../journal/sqlite.js';
import { backtest, type BacktestJob, type BacktestResult } from './index.js';
import type { PerformanceFigures } from './metrics.js';
import { equitySvg, type ChartSeries } from './svg.js';

/**
 * A/B backtests: the same period, universe, risk policy and fill model, once per brain (each
 * in its own sub-directory with its own journal and full report), then one comparison report in
 * the out directory: compare.md (a table: one row per brain plus the baselines, buy-and-hold SPY
 * and the equal-weight basket, which are always included), compare.json, and compare.svg (every
 * run's equity and the baselines on one chart). Model cost per run comes from the run's own
 * journal (llm_usage): what its decisions cost, whether or not the decision cache answered them.
 */

export interface CompareBrain {
  readonly label: string;
  readonly brain: Brain;
  readonly llm?: BacktestJob['llm'];
}

export type CompareJob = Omit<BacktestJob, 'brain' | 'brainLabel' | 'outDir' | 'llm'> & {
  readonly brains: readonly CompareBrain[];
  readonly outDir: string;
  /** Called before each run starts. */
  readonly onRun?: (label: string, index: number, total: number) => void;
};

export interface CompareRow {
  readonly name: string;
  readonly kind: 'brain' | 'baseline';
  readonly figures: PerformanceFigures;
  readonly decisions: number | null;
  readonly fills: number;
  readonly modelCalls: number;
  readonly modelCostUsd: number;
  /** Decision quality at 5 sessions (vs SPY), from the run's own journal; null for baselines. */
  readonly at5: Cell | null;
  readonly report: string | null;
}

export interface CompareResult {
  readonly rows: readonly CompareRow[];
  readonly runs: readonly BacktestResult[];
  readonly files: readonly string[];
}

const COLORS = ['#2563eb', '#dc2626', '#059669', '#7c3aed', '#d97706', '#0891b2', '#be185d'];
const BASELINE_COLORS = ['#6b7280', '#a3a3a3'];
const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)}%`);
const num = (x: number | null) => (x === null ? 'n/a' : x.toFixed(2));
const mdCell = (s: string) => s.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);

function usageOf(dbPath: string): { calls: number; cost: number } {
  const db = openDatabase(dbPath, { readonly: true });
  try {
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'llm_usage'").get() !== undefined;
    if (!has) return { calls: 0, cost: 0 };
    const r = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS c FROM llm_usage').get() as { n: number; c: number };
    return { calls: r.n, cost: r.c };
  } finally {
    db.close();
  }
}

/** Scores a run's journaled decisions against the feed (core/outcomes.ts), in memory: the run's journal is not changed. */
function decisionQuality(dbPath: string, feed: PriceFeed, sessions: readonly Session[]): Cell | null {
  const last = sessions[sessions.length - 1];
  const first = sessions[0];
  if (!last || !first || !feed.has(BENCHMARK_SYMBOL)) return null;
  const db = openDatabase(dbPath, { readonly: true });
  try {
    const decisions = createOutcomeJournal(db, { now: () => 0 }).pendingDecisions(0, HORIZONS);
    const symbols = new Set([BENCHMARK_SYMBOL, ...decisions.map((d) => d.symbol)]);
    const bars = new Map([...symbols].map((sym) => [sym, new Map<string, DailyPrice>(feed.dailyBars(sym, first.open, last.close).map((b) => [nyDate(b.t), { o: b.o, c: b.c }]))]));
    const r = computeOutcomes({ decisions, sessions, bars, asOf: last.close });
    return buildScoreboard({ closes: [], outcomes: r.scored, fills: [], lastPrices: new Map(), modelCostUsd: 0, modelCalls: 0 }).headline.at5;
  } finally {
    db.close();
  }
}

export async function compareBrains(job: CompareJob): Promise<CompareResult> {
  if (job.brains.length === 0) throw new Error('compare: no brains');
  const labels = job.brains.map((b) => b.label);
  if (new Set(labels).size !== labels.length) throw new Error(`compare: a brain is listed twice (${labels.join(',')})`);
  mkdirSync(job.outDir, { recursive: true });
  const runs: BacktestResult[] = [];
  const rows: CompareRow[] = [];
  for (const [i, b] of job.brains.entries()) {
    job.onRun?.(b.label, i, job.brains.length);
    const { brains: _brains, onRun: _onRun, ...common } = job;
    const r = await backtest({ ...common, brain: b.brain, brainLabel: b.label, outDir: join(job.outDir, b.label), ...(b.llm ? { llm: b.llm } : {}) });
    runs.push(r);
    const u = usageOf(r.run.dbPath);
    rows.push({
      name: b.label,
      kind: 'brain',
      figures: r.report.summary.strategy,
      decisions: r.run.decisions,
      fills: r.run.fills.length,
      modelCalls: u.calls,
      modelCostUsd: u.cost,
      at5: decisionQuality(r.run.dbPath, job.feed, r.run.sessions),
      report: join(b.label, 'summary.md'),
    });
  }
  const first = runs[0]!;
  for (const bm of first.benchmarks) {
    const f = first.report.summary.benchmarks[bm.name];
    if (!f) continue;
    rows.push({ name: bm.name, kind: 'baseline', figures: f, decisions: null, fills: bm.fills.length, modelCalls: 0, modelCostUsd: 0, at5: null, report: null });
  }

  const series: ChartSeries[] = [
    ...runs.map((r, i) => ({ name: labels[i]!, curve: r.run.curve, color: COLORS[i % COLORS.length]! })),
    ...first.benchmarks.map((bm, i) => ({ name: bm.name, curve: bm.curve, color: BASELINE_COLORS[i % BASELINE_COLORS.length]! })),
  ];
  const sessions = first.run.sessions;
  const period = `${sessions[0]?.date ?? job.from}..${sessions[sessions.length - 1]?.date ?? job.to}`;
  const svg = equitySvg(`A/B ${period}: ${labels.join(' vs ')} and baselines`, series);

  const L: string[] = [];
  L.push(`# A/B backtest ${period}`, '');
  L.push(`Brains: ${labels.map(mdCell).join(', ')}. Same period, universe (${job.symbols.map(mdCell).join(', ')}), risk policy and fill model for every run; ${sessions.length} sessions, ${job.timeframe} bars, data: ${mdCell(job.data.description)}.`, '');
  L.push('![equity of every run](compare.svg)', '');
  L.push('| Run | Total return | CAGR | Sharpe | Max drawdown | Exposure | Trades | Decisions | Hit rate 5d | Excess vs SPY 5d (n) | Model calls | Model cost |');
  L.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    const f = r.figures;
    const name = r.kind === 'baseline' ? `${mdCell(r.name)} (baseline)` : r.report ? `[${mdCell(r.name)}](${r.report})` : mdCell(r.name);
    L.push(
      `| ${name} | ${pct(f.total_return)} | ${pct(f.cagr)} | ${num(f.sharpe)} | ${pct(f.max_drawdown)} | ${pct(f.avg_exposure)} | ${f.trades} | ${r.decisions ?? ''} | ${r.at5 ? pct(r.at5.hitRate) : ''} | ${r.at5 ? `${pct(r.at5.meanExcess)} (${r.at5.n}${r.at5.insufficient ? ', too few' : ''})` : ''} | ${r.kind === 'brain' ? r.modelCalls : ''} | ${r.kind === 'brain' ? `$${r.modelCostUsd.toFixed(4)}` : ''} |`,
    );
  }
  L.push('');
  const best = rows.filter((r) => r.kind === 'brain').sort((a, b) => b.figures.total_return - a.figures.total_return)[0];
  const spy = rows.find((r) => r.kind === 'baseline' && r.name.startsWith('buy_hold_') && r.name !== 'buy_hold_equal_weight');
  if (best && spy) L.push(`Best brain by total return: ${mdCell(best.name)} (${pct(best.figures.total_return)}), vs buy-and-hold ${mdCell(spy.name.replace('buy_hold_', '').toUpperCase())} ${pct(spy.figures.total_return)}. One period is one sample: compare over several periods before drawing conclusions.`, '');
  L.push('Hit rate and excess at 5 sessions score every decision of the run (BUY, SELL, HOLD, automated exits) against SPY over the next 5 sessions, as the live scoreboard does; decisions in the last 5 sessions are not scored.', '');
  L.push('Model cost is what the run\'s decisions cost (llm_usage of its journal), whether the decision cache answered them or the model did. Each run\'s full report and journal are in its sub-directory.', '');

  const json = {
    period: { from: job.from, to: job.to, first_session: sessions[0]?.date ?? null, last_session: sessions[sessions.length - 1]?.date ?? null, sessions: sessions.length },
    symbols: job.symbols,
    timeframe: job.timeframe,
    runs: rows.map((r) => ({ name: r.name, kind: r.kind, ...r.figures, decisions: r.decisions, fills: r.fills, model_calls: r.modelCalls, model_cost_usd: r.modelCostUsd, at5: r.at5, report: r.report })),
  };
  const files: string[] = [];
  for (const [name, text] of [['compare.svg', svg], ['compare.json', `${JSON.stringify(json, null, 2)}\n`], ['compare.md', L.join('\n')]] as const) {
    const p = join(job.outDir, name);
    writeFileSync(p, text);
    files.push(p);
  }
  return { rows, runs, files };
}
