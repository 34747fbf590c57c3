/**
 * Backtest throughput, rules brain, journal on (trades.db + journal.jsonl written as in a real
 * run), on the seeded synthetic market:
 *   daily:  10 symbols x 10 years of daily bars   -> symbol-days per second
 *   minute:  5 symbols x 20 minute sessions        -> symbol-sessions per second
 * Daily: the replay and the report are timed together, the data load apart. Both wall-clock and
 * CPU-time figures are printed (this process's user + system CPU): on a shared machine the wall
 * clock also counts other processes, the CPU figure does not. Run: npx tsx bench/backtest.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config.js';
import { LOOKBACK_DAYS } from '../src/app/compose.js';
import { createRulesBrain } from '../src/adapters/rules/brain.js';
import { backtest } from '../src/backtest/index.js';
import { loadData } from '../src/backtest/data.js';
import { runBacktest } from '../src/backtest/replay.js';

const config = loadConfig({});

/** A clock that reads this process's CPU time (ms): the cycle's stage timings become CPU time. */
const cpuClock = { now: () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } };

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
    console.log(`        CPU per symbol-day by stage (runCycle's own timings; the rest is health, order sync, equity marks, report):`);
    for (const [stage, ms] of rows) console.log(`          ${stage.padEnd(16)} ${((ms * 1000) / decisions).toFixed(0).padStart(5)} us  (${((ms / 1000 / cpuS) * 100).toFixed(1)}%)`);
    console.log(`          ${'cycle total'.padEnd(16)} ${((cycleMs * 1000) / decisions).toFixed(0).padStart(5)} us  (${((cycleMs / 1000 / cpuS) * 100).toFixed(1)}%)`);
  } finally {
    db.close();
  }
}
const dir = mkdtempSync(join(tmpdir(), 'bench-backtest-'));

async function daily() {
  const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'JPM', 'XOM', 'WMT', 'SPY', 'QQQ'];
  // BENCH_YEARS shortens the run while iterating; the reported figure is the default 10 years.
  const years = Number(process.env.BENCH_YEARS ?? 10);
  const from = `${2024 - years}-01-02`;
  const to = '2023-12-29';
  let t = performance.now();
  const data = loadData({ data: 'sim', format: 'csv', timeframe: 'day', from, to, symbols, seed: 42, barsCachePath: join(dir, 'bars.db'), warmupDays: LOOKBACK_DAYS });
  const loadMs = performance.now() - t;
  t = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await backtest({
    config,
    feed: data.feed,
    symbols,
    from,
    to,
    timeframe: 'day',
    brain: createRulesBrain(),
    brainLabel: 'rules',
    outDir: join(dir, 'daily'),
    data: { source: data.source, description: data.description },
    durationClock: cpuClock,
  });
  const totalMs = performance.now() - t;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const symbolDays = r.run.decisions;
  console.log(`daily:  ${symbols.length} symbols x ${r.run.sessions.length} sessions (${from}..${to}) = ${symbolDays} symbol-days`);
  console.log(`        data load ${loadMs.toFixed(0)} ms; replay + report ${(totalMs / 1000).toFixed(2)} s wall -> ${Math.round(symbolDays / (totalMs / 1000))} symbol-days/s`);
  console.log(`        CPU ${cpuS.toFixed(2)} s -> ${Math.round(symbolDays / cpuS)} symbol-days per CPU-second`);
  console.log(`        ${r.run.cycles} cycles, ${r.run.fills.length} fills, strategy total return ${(r.report.summary.strategy.total_return * 100).toFixed(2)}%`);
  stageProfile(join(dir, 'daily', 'trades.db'), symbolDays, cpuS);
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
  console.log(`load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
