/**
 * Backtest throughput, rules brain, journal on (trades.db + journal.jsonl written as in a real
 * run), on the seeded synthetic market:
 *   daily:  10 symbols x 10 years of daily bars   -> symbol-days per second
 *   minute:  5 symbols x 20 minute sessions        -> symbol-sessions per second
 * The replay loop (runBacktest) is timed; loading the data and writing the report are timed
 * apart. Run: npx tsx bench/backtest.ts [--profile-stages]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { LOOKBACK_DAYS } from '../src/app/compose.js';
import { createRulesBrain } from '../src/adapters/rules/brain.js';
import { backtest } from '../src/backtest/index.js';
import { loadData } from '../src/backtest/data.js';
import { runBacktest } from '../src/backtest/replay.js';

const config = loadConfig({});
const dir = mkdtempSync(join(tmpdir(), 'bench-backtest-'));

async function daily() {
  const symbols = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'JPM', 'XOM', 'WMT', 'SPY', 'QQQ'];
  const from = '2014-01-02';
  const to = '2023-12-29';
  let t = performance.now();
  const data = loadData({ data: 'sim', format: 'csv', timeframe: 'day', from, to, symbols, seed: 42, barsCachePath: join(dir, 'bars.db'), warmupDays: LOOKBACK_DAYS });
  const loadMs = performance.now() - t;
  t = performance.now();
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
  });
  const totalMs = performance.now() - t;
  const symbolDays = r.run.decisions;
  console.log(`daily:  ${symbols.length} symbols x ${r.run.sessions.length} sessions (${from}..${to}) = ${symbolDays} symbol-days`);
  console.log(`        data load ${loadMs.toFixed(0)} ms; replay + report ${(totalMs / 1000).toFixed(2)} s -> ${Math.round(symbolDays / (totalMs / 1000))} symbol-days/s`);
  console.log(`        ${r.run.cycles} cycles, ${r.run.fills.length} fills, strategy total return ${(r.report.summary.strategy.total_return * 100).toFixed(2)}%`);
}

async function minute() {
  const symbols = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'QQQ'];
  const from = '2024-03-01';
  const to = '2024-03-28';
  const data = loadData({ data: 'sim', format: 'csv', timeframe: 'minute', from, to, symbols, seed: 42, barsCachePath: join(dir, 'bars.db'), warmupDays: LOOKBACK_DAYS });
  const t = performance.now();
  const run = await runBacktest({ config, feed: data.feed, symbols, from, to, timeframe: 'minute', brain: createRulesBrain(), outDir: join(dir, 'minute') });
  const ms = performance.now() - t;
  const symbolSessions = symbols.length * run.sessions.length;
  console.log(`minute: ${symbols.length} symbols x ${run.sessions.length} sessions (${from}..${to}) = ${symbolSessions} symbol-sessions`);
  console.log(`        ${run.cycles} cycles (${config.schedule.slots.length} slots/session), ${run.healthRuns} position-health runs (every ${config.schedule.positionHealthIntervalMin} min), ${run.fills.length} fills`);
  console.log(`        replay ${(ms / 1000).toFixed(2)} s -> ${(symbolSessions / (ms / 1000)).toFixed(1)} symbol-sessions/s (${Math.round(run.decisions / (ms / 1000))} symbol-decisions/s)`);
}

try {
  await daily();
  await minute();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
