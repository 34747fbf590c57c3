import { join } from 'node:path';
import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { LOOKBACK_DAYS } from '../app/compose.js';
import { createSystemClock } from '../adapters/sim/clock.js';
import { backtest } from '../backtest/index.js';
import { BACKTEST_BRAINS, backtestBrain, type BacktestBrain } from '../backtest/brains.js';
import { compareBrains } from '../backtest/compare.js';
import { loadData } from '../backtest/data.js';
import { createProgress } from '../backtest/progress.js';
import { parseSlots, type SlotSpec } from '../jobs/schedule.js';
import { createLogger } from '../log.js';
import { parseCli } from './args.js';

const USAGE = `
npm run backtest -- --from YYYY-MM-DD --to YYYY-MM-DD [options]

Replays history through the live decision pipeline (runCycle, risk, position health) with the
simulated exchange and a simulated clock, then writes a report: summary.md, summary.json,
trades.csv, fills.csv, equity.csv, equity.svg and the run's own journal (trades.db +
journal.jsonl; open it with npm run viewer -- --db <out>/trades.db).

  --from, --to DATE     first and last session, inclusive (required)
  --symbols A,B         watchlist (default: every symbol of a data directory; WATCHLIST_STATIC or
                        the simulator's universe for --data sim; required for --data alpaca
                        unless WATCHLIST_STATIC is set)
  --data DIR|sim|alpaca DIR: a directory of bars (see --format); sim: the seeded synthetic market
                        (SIM_SEED, no keys); alpaca: the local bars cache (npm run fetch-bars)
                        (default: SIM_DATA_DIR when set, else sim)
  --format csv|lean     format of --data DIR: the simulator's CSV files (default) or
                        QuantConnect/Lean files read in place (a daily/ or minute/ directory, or
                        a Lean root holding both); Lean splits are detected and back-adjusted
  --adjust splits|none  Lean only: back-adjust detected splits (default) or not
  --brain rules|claude|hold  decision maker (default rules); claude answers from the decision
                        cache (BACKTEST_BRAIN_CACHE) and calls the model only for unseen
                        snapshots; hold never trades (the do-nothing baseline)
  --compare A,B,...     A/B run: the same period, universe, risk and fill model once per brain
                        (e.g. claude,rules,hold), each in <out>/<brain>/, plus one comparison
                        report <out>/compare.md (table, with buy-and-hold SPY and the
                        equal-weight basket as baselines), compare.json and compare.svg
                        (default out: REPORTS_DIR/backtests/<from>_<to>_compare)
  --timeframe day|minute  day: one cycle per session after the close, fills at the next open;
                        minute: cycles at SCHEDULE_SLOTS, position health every
                        POSITION_HEALTH_INTERVAL_MIN, fills minute by minute (default day)
  --slots LIST          minute runs: decision slots instead of SCHEDULE_SLOTS (e.g. 10:00,14:00)
  --out DIR             report directory (default REPORTS_DIR/backtests/<from>_<to>_<brain>)
  --concurrency N       symbols decided at once (default 1: the journal's row order is fixed)
  -h, --help            this text

Fill model (SIM_SLIPPAGE_BPS, SIM_COMMISSION_PER_SHARE, SIM_COMMISSION_MIN, SIM_STARTING_CASH):
see the README's Backtest section. Exit status: 0 done, 1 error, 2 bad arguments or config.
`;

const { values } = parseCli(USAGE, {
  from: { type: 'string' },
  to: { type: 'string' },
  symbols: { type: 'string' },
  data: { type: 'string' },
  format: { type: 'string' },
  adjust: { type: 'string' },
  brain: { type: 'string' },
  timeframe: { type: 'string' },
  slots: { type: 'string' },
  out: { type: 'string' },
  concurrency: { type: 'string' },
  compare: { type: 'string' },
});

const bad = (msg: string): never => {
  process.stderr.write(`${msg}\n`);
  process.exit(2);
};
const date = (flag: string, v: string | undefined): string => {
  if (v === undefined) return bad(`${flag} is required (YYYY-MM-DD)`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(v))) return bad(`${flag}: expected YYYY-MM-DD, got ${JSON.stringify(v)}`);
  return v;
};
const oneOf = <T extends string>(flag: string, v: string | undefined, allowed: readonly T[], def: T): T => {
  if (v === undefined) return def;
  if (!(allowed as readonly string[]).includes(v)) return bad(`${flag}: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
};

const from = date('--from', values.from);
const to = date('--to', values.to);
if (to < from) bad(`--to ${to} is before --from ${from}`);
const format = oneOf('--format', values.format, ['csv', 'lean'] as const, 'csv');
const brainKind = oneOf('--brain', values.brain, BACKTEST_BRAINS, 'rules');
const compare = values.compare === undefined ? null : values.compare.split(',').map((s) => s.trim()).filter(Boolean).map((k) => oneOf('--compare', k, BACKTEST_BRAINS, 'rules'));
if (compare !== null && compare.length === 0) bad('--compare: expected a list of brains, e.g. rules,hold');
if (compare !== null && new Set(compare).size !== compare.length) bad(`--compare: a brain is listed twice (${compare.join(',')})`);
if (compare !== null && values.brain !== undefined) bad('--compare and --brain are exclusive');
const timeframe = oneOf('--timeframe', values.timeframe, ['day', 'minute'] as const, 'day');
const adjust = oneOf('--adjust', values.adjust, ['splits', 'none'] as const, 'splits');
const concurrency = values.concurrency === undefined ? 1 : Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) bad(`--concurrency: expected a whole number from 1 to 64, got ${JSON.stringify(values.concurrency)}`);
const requested = (values.symbols ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
for (const s of requested) if (!/^[A-Z][A-Z0-9.]{0,9}$/.test(s)) bad(`--symbols: ${JSON.stringify(s)} is not a symbol`);
let slots: SlotSpec[] | undefined;
try {
  slots = values.slots === undefined ? undefined : parseSlots(values.slots);
} catch (e) {
  bad(`--slots: ${e instanceof Error ? e.message : String(e)}`);
}

const config = configOrExit();
const wallClock = createSystemClock();
// Warnings and errors only, on stderr: stdout carries the summary.
const log = createLogger({ level: 'warn', clock: wallClock, write: (l) => process.stderr.write(`${l}\n`) });

async function main(): Promise<number> {
  const dataArg = values.data ?? config.sim.dataDir ?? 'sim';
  const defaults = dataArg === 'sim' || dataArg === 'alpaca' ? (config.watchlist.length > 0 ? config.watchlist : []) : [];
  const loaded = loadData({
    data: dataArg,
    format,
    timeframe,
    from,
    to,
    symbols: requested.length > 0 ? requested : defaults,
    seed: config.sim.seed,
    barsCachePath: config.backtest.barsCache,
    warmupDays: LOOKBACK_DAYS,
    adjustSplits: adjust === 'splits',
  });
  if (loaded.symbols.length === 0) throw new Error('no symbols to trade: none of the requested symbols has data');
  if (compare !== null) return runCompare(compare, loaded);
  const b = backtestBrain(brainKind, config, { wallClock, log });
  const outDir = values.out ?? join(config.paths.reports, 'backtests', `${from}_${to}_${b.label}`);
  const progress = createProgress(0, process.stderr, wallClock);
  let bar = progress;
  const started = wallClock.now();
  const llm = llmOf(b);
  const result = await backtest({
    config,
    feed: loaded.feed,
    symbols: loaded.symbols,
    from,
    to,
    timeframe,
    brain: b.brain,
    brainLabel: b.label,
    outDir,
    concurrency,
    ...(slots ? { slots } : {}),
    log,
    data: { source: loaded.source, description: loaded.description, splits: loaded.splits, warnings: loaded.warnings },
    onProgress: (done, total, label) => {
      if (done === 1) bar = createProgress(total, process.stderr, wallClock);
      bar.update(done, label);
    },
    ...(llm ? { llm } : {}),
  });
  bar.finish();
  const secs = (wallClock.now() - started) / 1000;
  const s = result.report.summary.strategy;
  const line = (name: string, p: typeof s) =>
    `${name.padEnd(24)} total ${(p.total_return * 100).toFixed(2).padStart(8)}%  CAGR ${p.cagr === null ? '   n/a' : `${(p.cagr * 100).toFixed(2).padStart(6)}%`}  Sharpe ${p.sharpe === null ? ' n/a' : p.sharpe.toFixed(2).padStart(5)}  maxDD ${(p.max_drawdown * 100).toFixed(2).padStart(6)}%  trades ${String(p.trades).padStart(5)}`;
  process.stdout.write(`Backtest ${from}..${to}: ${result.run.sessions.length} sessions, ${loaded.symbols.length} symbols (${loaded.symbols.join(',')}), ${timeframe} bars, ${b.label} brain, ${loaded.source} data\n`);
  process.stdout.write(`${line('strategy', s)}\n`);
  for (const [k, v] of Object.entries(result.report.summary.benchmarks)) process.stdout.write(`${line(k, v)}\n`);
  const symbolDays = result.run.decisions;
  process.stdout.write(`${result.run.cycles} cycles (${result.run.failedCycles} failed), ${symbolDays} symbol decisions, ${result.run.fills.length} fills in ${secs.toFixed(1)} s (${Math.round(symbolDays / Math.max(secs, 1e-9))} symbol-${timeframe === 'day' ? 'days' : 'decisions'}/s)\n`);
  for (const w of result.report.summary.warnings.slice(0, 3)) process.stdout.write(`warning: ${w}\n`);
  process.stdout.write(`report: ${outDir}/summary.md (journal: ${outDir}/trades.db)\n`);
  return 0;
}

const llmOf = (b: BacktestBrain) =>
  b.cached
    ? () => {
        const st = b.cached!.stats();
        return {
          models: { trader: config.brain.models.trader, regime: config.brain.models.regime },
          promptVersion: String(b.identity?.prompt_version ?? ''),
          cacheFile: config.backtest.brainCache,
          hits: st.hits,
          misses: st.misses,
          uncached: st.uncached,
          spentUsd: st.spentUsd,
          savedUsd: st.savedUsd,
          cutoff: config.backtest.modelCutoff,
        };
      }
    : undefined;

async function runCompare(kinds: readonly (typeof BACKTEST_BRAINS)[number][], loaded: ReturnType<typeof loadData>): Promise<number> {
  const outDir = values.out ?? join(config.paths.reports, 'backtests', `${from}_${to}_compare`);
  const brains = kinds.map((k) => {
    const b = backtestBrain(k, config, { wallClock, log });
    const llm = llmOf(b);
    return { label: b.label, brain: b.brain, ...(llm ? { llm } : {}) };
  });
  let bar = createProgress(0, process.stderr, wallClock);
  const result = await compareBrains({
    config,
    feed: loaded.feed,
    symbols: loaded.symbols,
    from,
    to,
    timeframe,
    brains,
    outDir,
    concurrency,
    ...(slots ? { slots } : {}),
    log,
    data: { source: loaded.source, description: loaded.description, splits: loaded.splits, warnings: loaded.warnings },
    onRun: (label, i, n) => process.stderr.write(`run ${i + 1}/${n}: ${label}\n`),
    onProgress: (done, total, label) => {
      if (done === 1) bar = createProgress(total, process.stderr, wallClock);
      bar.update(done, label);
      if (done === total) bar.finish();
    },
  });
  process.stdout.write(`A/B backtest ${from}..${to}: ${kinds.join(', ')} on ${loaded.symbols.length} symbols (${loaded.source} data)\n`);
  for (const r of result.rows) {
    const f = r.figures;
    process.stdout.write(
      `${`${r.name}${r.kind === 'baseline' ? ' (baseline)' : ''}`.padEnd(34)} total ${(f.total_return * 100).toFixed(2).padStart(8)}%  maxDD ${(f.max_drawdown * 100).toFixed(2).padStart(6)}%  trades ${String(f.trades).padStart(5)}${r.kind === 'brain' ? `  model $${r.modelCostUsd.toFixed(4)}` : ''}\n`,
    );
  }
  process.stdout.write(`report: ${join(outDir, 'compare.md')}\n`);
  return 0;
}

main().then((code) => process.exit(code), failAndExit);
