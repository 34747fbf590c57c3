/**
 * Backtest throughput, rules brain, journal on (trades.db + journal.jsonl written as in a real
 * run), on the seeded synthetic market:
 *   daily:  10 symbols x 10 years of daily bars   -> symbol-days per second
 *   minute:  5 symbols x 20 minute sessions        -> symbol-sessions per second
 * Daily: the replay and the report are timed together, the data load apart, configured exactly
 * as `npm run backtest` runs (stage durations on the sim clock). Both wall-clock and CPU-time
 * figures are printed (this process's user + system CPU, all its threads, and on Linux its main
 * thread alone): on a shared machine the wall clock also counts waiting for other processes,
 * the CPU figures do not.
 * Then a separate, shorter daily run (BENCH_PROFILE_YEARS, default 2) times runCycle's stages
 * with a CPU-time clock for the per-stage profile: reading the CPU clock at every stage costs
 * time itself, so that run is not the headline figure.
 * Run: npx tsx bench/backtest.ts (BENCH_YEARS shortens the headline run while iterating).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import type { CycleDeps } from '../src/cycle/types.js';
import { LOOKBACK_DAYS } from '../src/app/compose.js';
import { createRulesBrain } from '../src/adapters/rules/brain.js';
import { backtest } from '../src/backtest/index.js';
import { loadData } from '../src/backtest/data.js';
import { runBacktest } from '../src/backtest/replay.js';

const config = loadConfig({});

/** A clock that reads this process's CPU time (ms): the cycle's stage timings become CPU time. */
const cpuClock = { now: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } };

/** CPU seconds of this process's main thread (Linux /proc; null elsewhere): the pipeline itself, without GC and compiler helper threads. */
function mainThreadCpuS(): number | null {
  const path = `/proc/self/task/${process.pid}/stat`;
  if (!existsSync(path)) return null;
  const f = readFileSync(path, 'utf8').split(') ')[1]?.split(' ');
  return f ? (Number(f[11]) + Number(f[12])) / 100 : null; // utime + stime, in clock ticks (USER_HZ = 100)
}

/** CPU time per stage, from the cycles' timing_json (stages timed by runCycle with cpuClock). */
function stageProfile(dbPath: string, decisions: number, cpuS: number): void {
  const db = new Database(dbPath, { readonly: true });
  try {
    const totals = new Map<string, number>();
    let cycleMs = 0;
    for (const r of db.prepare('SELECT timing_json FROM cycles').all() as { timing_json: string | null }[]) {
      if (!r.timing_json) continue;
      const t = JSON.parse(r.timing_json) as { duration_ms?: number; stages?: { stage: string; ms: number }[] };
      // Position-health runs journal their own cycle rows, without stage timings.
      if (!Array.isArray(t.stages) || typeof t.duration_ms !== 'number') continue;
      cycleMs += t.duration_ms;
      for (const s of t.stages) totals.set(s.stage, (totals.get(s.stage) ?? 0) + s.ms);
    }
    const rows = [...totals].sort((a, b) => b[1] - a[1]);
    console.log(`        CPU per symbol-day by stage (runCycle's own timings; the rest is health, order sync, equity marks, report, and reading the CPU clock):`);
    for (const [stage, ms] of rows) console.log(`          ${stage.padEnd(16)} ${((ms * 1000) / decisions).toFixed(0).padStart(5)} us  (${((ms / 1000 / cpuS) * 100).toFixed(1)}%)`);
    console.log(`          ${'cycle total'.padEnd(16)} ${((cycleMs * 1000) / decisions).toFixed(0).padStart(5)} us  (${((cycleMs / 1000 / cpuS) * 100).toFixed(1)}%)`);
  } finally {
    db.close();
  }
}
const dir = mkdtempSync(join(tmpdir(), 'bench-backtest-'));

const DAILY_SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'JPM', 'XOM', 'WMT', 'SPY', 'QQQ'];

/** One daily run over `years` years to 2023; `durationClock` times the cycle's stages (default: the sim clock, as npm run backtest). */
async function dailyRun(years: number, out: string, durationClock?: typeof cpuClock) {
  const symbols = DAILY_SYMBOLS;
  const from = `${2024 - years}-01-02`;
  const to = '2023-12-29';
  let t = performance.now();
  const data = loadData({ data: 'sim', format: 'csv', timeframe: 'day', from, to, symbols, seed: 42, barsCachePath: join(dir, `bars-${out}.db`), warmupDays: LOOKBACK_DAYS });
  const loadMs = performance.now() - t;
  let deps: CycleDeps | null = null;
  t = performance.now();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuS();
  const r = await backtest({
    config,
    feed: data.feed,
    symbols,
    from,
    to,
    timeframe: 'day',
    brain: createRulesBrain(),
    brainLabel: 'rules',
    outDir: join(dir, out),
    data: { source: data.source, description: data.description },
    ...(durationClock ? { durationClock } : {}),
    inspect: (d) => {
      deps = d;
    },
  });
  const wallMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const main1 = mainThreadCpuS();
  const mainS = main0 !== null && main1 !== null ? main1 - main0 : null;
  const indicatorStats = (deps as CycleDeps | null)?.caches?.indicators.stats() ?? null;
  const auditStats = (deps as CycleDeps | null)?.caches?.audits.stats() ?? null;
  return { symbols, from, to, loadMs, wallMs, cpuS: (cpu.user + cpu.system) / 1e6, mainS, r, indicatorStats, auditStats };
}

async function daily() {
  // BENCH_YEARS shortens the run while iterating; the reported figure is the default 10 years.
  const years = Number(process.env.BENCH_YEARS ?? 10);
  const { symbols, from, to, loadMs, wallMs, cpuS, mainS, r, indicatorStats, auditStats } = await dailyRun(years, 'daily');
  const symbolDays = r.run.decisions;
  console.log(`daily:  ${symbols.length} symbols x ${r.run.sessions.length} sessions (${from}..${to}) = ${symbolDays} symbol-days`);
  console.log(`        data load ${loadMs.toFixed(0)} ms; replay + report ${(wallMs / 1000).toFixed(2)} s wall -> ${Math.round(symbolDays / (wallMs / 1000))} symbol-days/s`);
  console.log(`        CPU ${cpuS.toFixed(2)} s -> ${Math.round(symbolDays / cpuS)} symbol-days per CPU-second`);
  if (mainS !== null) console.log(`        main thread CPU ${mainS.toFixed(2)} s -> ${Math.round(symbolDays / mainS)} symbol-days per main-thread CPU-second (the rest of the CPU figure is GC and compiler threads)`);
  console.log(`        ${r.run.cycles} cycles, ${r.run.fills.length} fills, strategy total return ${(r.report.summary.strategy.total_return * 100).toFixed(2)}%`);
  if (indicatorStats) {
    console.log(`        indicator state: ${indicatorStats.advanced} advances by new bars, ${indicatorStats.reused} reuses, ${indicatorStats.refolded} folds from scratch`);
  }
  if (auditStats) {
    console.log(`        daily-bar audits: ${auditStats.continued} continued from the last cycle's, ${auditStats.full} in full (symbols without bars included)`);
  }
}

async function dailyProfile() {
  const years = Number(process.env.BENCH_PROFILE_YEARS ?? 2);
  const { r, cpuS } = await dailyRun(years, 'daily-profile', cpuClock);
  const symbolDays = r.run.decisions;
  console.log(`profile: the same daily run over ${years} years with the cycle's stages on a CPU clock: ${symbolDays} symbol-days, CPU ${cpuS.toFixed(2)} s`);
  stageProfile(join(dir, 'daily-profile', 'trades.db'), symbolDays, cpuS);
}

async function minute() {
  const symbols = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'QQQ'];
  const from = '2024-03-01';
  const to = '2024-03-28';
  const data = loadData({ data: 'sim', format: 'csv', timeframe: 'minute', from, to, symbols, seed: 42, barsCachePath: join(dir, 'bars.db'), warmupDays: LOOKBACK_DAYS });
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const run = await runBacktest({ config, feed: data.feed, symbols, from, to, timeframe: 'minute', brain: createRulesBrain(), outDir: join(dir, 'minute') });
  const ms = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const symbolSessions = symbols.length * run.sessions.length;
  console.log(`minute: ${symbols.length} symbols x ${run.sessions.length} sessions (${from}..${to}) = ${symbolSessions} symbol-sessions`);
  console.log(`        ${run.cycles} cycles (${config.schedule.slots.length} slots/session), ${run.healthRuns} position-health runs (every ${config.schedule.positionHealthIntervalMin} min), ${run.fills.length} fills`);
  console.log(`        replay ${(ms / 1000).toFixed(2)} s wall -> ${(symbolSessions / (ms / 1000)).toFixed(1)} symbol-sessions/s (${Math.round(run.decisions / (ms / 1000))} symbol-decisions/s)`);
  console.log(`        CPU ${cpuS.toFixed(2)} s -> ${(symbolSessions / cpuS).toFixed(1)} symbol-sessions per CPU-second`);
}

console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores here; above ~2 the wall-clock figures include waiting for the CPU)`);
try {
  await daily();
  await minute();
  await dailyProfile();
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
