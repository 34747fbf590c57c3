import { buyAndHold, type HoldingResult } from './benchmarks.js';
import { runBacktest, type BacktestRun, type BacktestSpec } from './replay.js';
import { writeReport, type ReportContext, type ReportFiles } from './report.js';
import { simAccountFromConfig } from '../app/sim-config.js';

/**
 * A whole backtest: the replay (replay.ts), the buy-and-hold benchmarks (SPY, when the data has
 * it, and an equal-weight basket of the watchlist) and the report (report.ts) in spec.outDir.
 */

export interface BacktestJob extends BacktestSpec {
  readonly brainLabel: string;
  readonly data: ReportContext['data'];
  /** Read after the run (Claude: cache figures). */
  readonly llm?: () => ReportContext['llm'];
  /** Benchmark symbol (default SPY). */
  readonly benchmark?: string;
}

export interface BacktestResult {
  readonly run: BacktestRun;
  readonly benchmarks: readonly HoldingResult[];
  readonly report: ReportFiles;
}

export async function backtest(job: BacktestJob): Promise<BacktestResult> {
  const run = await runBacktest(job);
  const { startingCash, ...fillModel } = simAccountFromConfig(job.config);
  const common = { feed: job.feed, sessions: run.sessions, startingCash, start: run.curve[0]!, fillModel };
  const bench = job.benchmark ?? 'SPY';
  const benchmarks: HoldingResult[] = [];
  if (job.feed.has(bench)) benchmarks.push(buyAndHold({ ...common, name: `buy_hold_${bench.toLowerCase()}`, symbols: [bench] }));
  benchmarks.push(buyAndHold({ ...common, name: 'buy_hold_equal_weight', symbols: job.symbols }));
  const llm = job.llm?.();
  const report = writeReport(job.outDir, run, {
    from: job.from,
    to: job.to,
    timeframe: job.timeframe,
    symbols: job.symbols,
    brain: job.brainLabel,
    data: job.data,
    startingCash: job.config.sim.startingCash,
    fillModel,
    benchmarks,
    ...(llm ? { llm } : {}),
  });
  return { run, benchmarks, report };
}
