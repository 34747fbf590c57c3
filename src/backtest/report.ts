import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nyIso } from '../core/time/ny.js';
import type { HoldingResult } from './benchmarks.js';
import { drawdowns, matchRoundTrips, performance, type EquityPoint, type PerformanceFigures } from './metrics.js';
import type { BacktestRun } from './replay.js';
import { equitySvg } from './svg.js';

/**
 * The report in the out directory: summary.json (machine-readable, deterministic: no wall-clock
 * field), summary.md (the same for people), trades.csv (round trips), fills.csv, equity.csv (one
 * row per session close, with drawdown and the benchmarks), equity.svg. The journal (trades.db,
 * journal.jsonl) is already there: `npm run viewer -- --db <out>/trades.db`.
 */

export interface ReportContext {
  readonly from: string;
  readonly to: string;
  readonly timeframe: 'day' | 'minute';
  readonly symbols: readonly string[];
  readonly brain: string;
  readonly data: {
    readonly source: string;
    readonly description: string;
    readonly splits?: readonly { symbol: string; date: string; ratio: number }[];
    readonly warnings?: readonly string[];
  };
  readonly startingCash: number;
  readonly fillModel: { readonly slippageBps: number; readonly commissionPerShare: number; readonly commissionMin: number };
  readonly benchmarks: readonly HoldingResult[];
  /** Claude runs: cache figures and the contamination warning. */
  readonly llm?: {
    readonly models: Readonly<Record<string, string>>;
    readonly promptVersion: string;
    readonly cacheFile: string;
    readonly hits: number;
    readonly misses: number;
    readonly uncached: number;
    readonly spentUsd: number;
    readonly savedUsd: number;
    /** BACKTEST_MODEL_CUTOFF, when configured. */
    readonly cutoff: string | null;
  };
  readonly notes?: readonly string[];
}

export interface ReportFiles {
  readonly summary: BacktestSummary;
  readonly files: readonly string[];
}

export interface BacktestSummary {
  readonly backtest: Record<string, unknown>;
  readonly strategy: PerformanceFigures;
  readonly benchmarks: Record<string, PerformanceFigures & { readonly symbols: readonly string[]; readonly excluded: readonly string[] }>;
  readonly activity: Record<string, unknown>;
  readonly llm?: Record<string, unknown>;
  readonly warnings: readonly string[];
}

const pct = (x: number | null, d = 2) => (x === null ? 'n/a' : `${(x * 100).toFixed(d)}%`);
const num = (x: number | null, d = 2) => (x === null ? 'n/a' : x.toFixed(d));
const money = (x: number) => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csv = (header: readonly string[], rows: readonly (readonly unknown[])[]) => `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`;

function contamination(ctx: ReportContext): string | null {
  if (!ctx.llm) return null;
  const cutoff = ctx.llm.cutoff;
  const models = Object.values(ctx.llm.models).join(', ');
  if (cutoff === null) {
    return `The model (${models}) was trained on text that may cover ${ctx.from}..${ctx.to}: it may "remember" what happened next (contamination), so these results can be better than it could do live. Its training cutoff is not configured (set BACKTEST_MODEL_CUTOFF); only periods after the cutoff are a fair test.`;
  }
  const overlap = ctx.from <= cutoff;
  return overlap
    ? `The model (${models}) has a training cutoff of ${cutoff}, which is after the start of this backtest (${ctx.from}): for ${ctx.from}..${ctx.to < cutoff ? ctx.to : cutoff} it may know what happened next (contamination). Treat those results as optimistic; only the period after ${cutoff} is a fair test.`
    : `The model (${models}) has a training cutoff of ${cutoff}, before this backtest's start (${ctx.from}): no contamination from its training data is expected.`;
}

function aligned(curve: readonly EquityPoint[], dates: readonly string[]): (number | null)[] {
  const by = new Map(curve.slice(1).map((p) => [p.date, p.equity]));
  return dates.map((d) => by.get(d) ?? null);
}

export function writeReport(outDir: string, run: BacktestRun, ctx: ReportContext): ReportFiles {
  mkdirSync(outDir, { recursive: true });
  const strategy = performance(run.curve, run.fills);
  const benchmarks: BacktestSummary['benchmarks'] = {};
  for (const b of ctx.benchmarks) benchmarks[b.name] = { ...performance(b.curve, b.fills), symbols: b.symbols, excluded: b.excluded };
  const trips = matchRoundTrips(run.fills);
  const warnings: string[] = [];
  const contam = contamination(ctx);
  if (contam) warnings.push(contam);
  for (const b of ctx.benchmarks) if (b.excluded.length > 0) warnings.push(`${b.name}: left out (no bar at the entry session): ${b.excluded.join(', ')}`);
  if (run.failedCycles > 0) warnings.push(`${run.failedCycles} of ${run.cycles} cycles failed (see the journal)`);
  warnings.push(...(ctx.data.warnings ?? []));

  const summary: BacktestSummary = {
    backtest: {
      from: ctx.from,
      to: ctx.to,
      first_session: run.sessions[0]!.date,
      last_session: run.sessions[run.sessions.length - 1]!.date,
      timeframe: ctx.timeframe,
      sessions: run.sessions.length,
      symbols: ctx.symbols,
      brain: ctx.brain,
      data: { source: ctx.data.source, description: ctx.data.description, splits_adjusted: ctx.data.splits ?? [] },
      starting_cash: ctx.startingCash,
      fill_model: {
        slippage_bps: ctx.fillModel.slippageBps,
        commission_per_share: ctx.fillModel.commissionPerShare,
        commission_min: ctx.fillModel.commissionMin,
        rules: 'market orders fill at the next bar open (daily: next session open) slipped; stops fill at the stop or a worse gap open, slipped; limits at the limit or a better open; both bracket legs in one bar: the stop; no fills outside regular hours',
      },
    },
    strategy,
    benchmarks,
    activity: {
      cycles: run.cycles,
      failed_cycles: run.failedCycles,
      skipped_cycles: run.skippedCycles,
      decisions: run.decisions,
      fills: run.fills.length,
      fills_by_kind: Object.fromEntries(
        [...run.fills.reduce((m, f) => m.set(f.kind, (m.get(f.kind) ?? 0) + 1), new Map<string, number>())].sort((a, b) => (a[0] < b[0] ? -1 : 1)),
      ),
      round_trips: trips.length,
      position_health_runs: run.healthRuns,
      position_health_exits: run.healthExits,
      open_positions_at_end: run.openPositions.map((p) => ({ symbol: p.symbol, qty: p.qty, avg_entry_price: p.avgEntryPrice, market_value: p.marketValue, unrealized_pl: p.unrealizedPl })),
    },
    ...(ctx.llm
      ? {
          llm: {
            models: ctx.llm.models,
            prompt_version: ctx.llm.promptVersion,
            cache_file: ctx.llm.cacheFile,
            cached_answers_used: ctx.llm.hits,
            model_calls: ctx.llm.misses,
            not_cached_failures: ctx.llm.uncached,
            spent_usd: ctx.llm.spentUsd,
            saved_usd: ctx.llm.savedUsd,
            model_cutoff: ctx.llm.cutoff,
          },
        }
      : {}),
    warnings,
  };
  const files: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(outDir, name), text);
    files.push(name);
  };
  write('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  write('summary.md', markdown(summary, ctx, run));
  write(
    'trades.csv',
    csv(
      ['symbol', 'qty', 'entry_time', 'entry_price', 'exit_time', 'exit_price', 'exit_kind', 'pnl', 'return_pct', 'fees', 'holding_days'],
      trips.map((t) => [t.symbol, t.qty, nyIso(t.entryAt), t.entryPrice, nyIso(t.exitAt), t.exitPrice, t.exitKind, t.pnl.toFixed(2), (t.ret * 100).toFixed(4), t.fees.toFixed(2), ((t.exitAt - t.entryAt) / 86_400_000).toFixed(2)]),
    ),
  );
  write('fills.csv', csv(['time', 'order_id', 'symbol', 'side', 'qty', 'price', 'commission', 'kind'], run.fills.map((f) => [nyIso(f.at), f.orderId, f.symbol, f.side, f.qty, f.price, f.commission.toFixed(2), f.kind])));
  const dates = run.curve.slice(1).map((p) => p.date);
  const dd = drawdowns(run.curve).slice(1);
  const bcols = ctx.benchmarks.map((b) => aligned(b.curve, dates));
  write(
    'equity.csv',
    csv(
      ['date', 'equity', 'cash', 'positions_value', 'drawdown', ...ctx.benchmarks.map((b) => b.name)],
      run.curve.slice(1).map((p, i) => [p.date, p.equity.toFixed(2), p.cash.toFixed(2), p.positionsValue.toFixed(2), dd[i]!.toFixed(6), ...bcols.map((c) => (c[i] === null || c[i] === undefined ? '' : c[i]!.toFixed(2)))]),
    ),
  );
  const colors = ['#1f77b4', '#7f7f7f', '#ff7f0e'];
  write(
    'equity.svg',
    equitySvg(`Backtest ${ctx.from}..${ctx.to} (${ctx.brain} brain, ${ctx.timeframe} bars)`, [
      { name: `strategy (${ctx.brain})`, curve: run.curve, color: colors[0]! },
      ...ctx.benchmarks.map((b, i) => ({ name: b.name.replace(/_/g, ' '), curve: b.curve, color: colors[(i + 1) % colors.length]! })),
    ]),
  );
  return { summary, files };
}

function markdown(s: BacktestSummary, ctx: ReportContext, run: BacktestRun): string {
  const cols: [string, PerformanceFigures][] = [['strategy', s.strategy], ...Object.entries(s.benchmarks).map(([k, v]) => [k.replace(/_/g, ' '), v] as [string, PerformanceFigures])];
  const row = (label: string, f: (p: PerformanceFigures) => string) => `| ${label} | ${cols.map(([, p]) => f(p)).join(' | ')} |`;
  const out: string[] = [];
  out.push(`# Backtest ${ctx.from} .. ${ctx.to}`);
  out.push('');
  out.push(`${run.sessions.length} sessions (${s.backtest.first_session} .. ${s.backtest.last_session}), ${ctx.timeframe} bars, ${ctx.brain} brain, ${ctx.symbols.length} symbols: ${ctx.symbols.join(', ')}.`);
  out.push(`Data: ${ctx.data.description}. Starting cash ${money(ctx.startingCash)}.`);
  out.push(
    `Fill model: slippage ${ctx.fillModel.slippageBps} bps on market and stop fills; commission $${ctx.fillModel.commissionPerShare}/share, minimum $${ctx.fillModel.commissionMin}; market orders fill at the next bar's open (daily bars: the next session's open), stops at the stop or a worse gap open, both bracket legs in one bar: the stop; no fills outside regular hours.`,
  );
  out.push('');
  for (const w of s.warnings.slice(0, 1)) if (ctx.llm) out.push(`> **Warning: model contamination.** ${w}`, '');
  out.push(`| | ${cols.map(([n]) => n).join(' | ')} |`);
  out.push(`|---|${cols.map(() => '---:').join('|')}|`);
  out.push(row('end equity', (p) => money(p.end_equity)));
  out.push(row('total return', (p) => pct(p.total_return)));
  out.push(row('CAGR', (p) => pct(p.cagr)));
  out.push(row('volatility (ann.)', (p) => pct(p.volatility)));
  out.push(row('Sharpe', (p) => num(p.sharpe)));
  out.push(row('Sortino', (p) => num(p.sortino)));
  out.push(row('max drawdown', (p) => pct(p.max_drawdown)));
  out.push(row('Calmar', (p) => num(p.calmar)));
  out.push(row('exposure (sessions held)', (p) => pct(p.exposure, 1)));
  out.push(row('average exposure', (p) => pct(p.avg_exposure, 1)));
  out.push(row('round trips', (p) => String(p.trades)));
  out.push(row('win rate', (p) => pct(p.win_rate, 1)));
  out.push(row('profit factor', (p) => num(p.profit_factor)));
  out.push(row('turnover (per year)', (p) => `${num(p.turnover)}x`));
  out.push(row('fees', (p) => money(p.fees)));
  out.push('');
  const a = s.activity;
  out.push(
    `Activity: ${String(a.cycles)} cycles (${String(a.failed_cycles)} failed), ${String(a.decisions)} symbol decisions, ${String(a.fills)} fills ${JSON.stringify(a.fills_by_kind)}, ` +
      `${String(a.position_health_runs)} position-health runs (${String(a.position_health_exits)} automated exits), ${(a.open_positions_at_end as unknown[]).length} positions open at the end (marked at the last close).`,
  );
  if (s.strategy.max_drawdown_peak) out.push(`Max drawdown ${pct(s.strategy.max_drawdown)} from ${s.strategy.max_drawdown_peak} to ${s.strategy.max_drawdown_trough}.`);
  if (ctx.llm) {
    out.push('');
    out.push(
      `LLM: models ${Object.entries(ctx.llm.models).map(([k, v]) => `${k} ${v}`).join(', ')}, prompt ${ctx.llm.promptVersion}. ${ctx.llm.hits} answers from the cache (${ctx.llm.cacheFile}), ${ctx.llm.misses} model calls this run ($${ctx.llm.spentUsd.toFixed(4)}), ${ctx.llm.uncached} failed calls not cached. Model cutoff: ${ctx.llm.cutoff ?? 'not configured (BACKTEST_MODEL_CUTOFF)'}.`,
    );
  }
  if (ctx.data.splits && ctx.data.splits.length > 0) {
    out.push('');
    out.push(`Splits detected and back-adjusted: ${ctx.data.splits.map((x) => `${x.symbol} ${x.date} ${x.ratio >= 1 ? `${x.ratio}:1` : `1:${Math.round(1 / x.ratio)}`}`).join(', ')}.`);
  }
  const rest = ctx.llm ? s.warnings.slice(1) : s.warnings;
  if (rest.length > 0) {
    out.push('');
    out.push('Warnings:');
    for (const w of rest.slice(0, 40)) out.push(`- ${w}`);
    if (rest.length > 40) out.push(`- ... ${rest.length - 40} more in summary.json`);
  }
  for (const n of ctx.notes ?? []) out.push('', n);
  out.push('');
  out.push('Files: summary.json, trades.csv (round trips, FIFO), fills.csv, equity.csv, equity.svg; the journal: trades.db and journal.jsonl (`npm run viewer -- --db <this dir>/trades.db`).');
  out.push('Past results on replayed data say little about the future.');
  return `${out.join('\n')}\n`;
}
