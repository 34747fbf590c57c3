import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIsoWeek } from '../../src/core/review/week.js';
import { runWeeklyReview } from '../../src/jobs/weekly-review.js';
import { journalFiles } from '../../src/journal/jsonl.js';
import { WEEK, writeFixtureJournal } from './fixture-journal.js';
import { expectGolden, reviewDeps } from './helpers.js';

const week = parseIsoWeek(WEEK);

function fixture() {
  const dir = mkdtempSync(join(tmpdir(), 'weekly-'));
  return writeFixtureJournal(dir);
}

describe('weekly review metrics over a fixed journal (golden)', () => {
  it('computes the hand-checked figures and matches the golden metrics and report', async () => {
    const fx = fixture();
    // The JSONL rotated during the week: Monday's lines live only in the rotated sibling.
    const files = journalFiles(fx.jsonlPath);
    expect(files.length).toBeGreaterThanOrEqual(2);
    const rotated = readFileSync(files[0]!, 'utf8');
    expect(rotated).toContain('"cycle_id":"c20261102T1000"');

    const deps = reviewDeps(fx);
    const r = await runWeeklyReview(deps, week, { updateLatest: true, dryRun: false });
    deps.journal.close();
    const m = r.metrics;

    // Decisions: 10 cycles x 6 symbols; the position-health row counts as an automated exit, not a decision.
    expect(m.decisions.total).toBe(60);
    expect(m.decisions.by_action).toEqual({ BUY: 3, SELL: 1, HOLD: 56 });
    expect(m.decisions.model_by_action).toEqual({ BUY: 4, SELL: 1, HOLD: 55 });
    expect(m.decisions.changed).toEqual({ 'BUY->HOLD': 1 });
    expect(m.decisions.cycles.total).toBe(10);
    expect(m.automated_exits.journal_rows).toEqual({ trail_giveback: 1 });

    // Round trips (FIFO, net of both commissions): AAA +198 (lot from the week before), BBB +249, EEE -302 (stop known only to the broker).
    expect(m.trading.list.map((t) => [t.symbol, t.exit_kind, t.strategy, t.pnl])).toEqual([
      ['AAA', 'trail_giveback', 'pullback', 198],
      ['BBB', 'model_sell', 'trend_momentum', 249],
      ['EEE', 'bracket_stop', 'mean_reversion', -302],
    ]);
    expect(m.trading.realized_pl).toBe(145);
    expect(m.trading.win_rate).toBe(0.666667);
    expect(m.trading.avg_win).toBe(223.5);
    expect(m.trading.avg_loss).toBe(-302);
    expect(m.trading.profit_factor).toBe(1.480132);
    expect(m.trading.unrealized_pl).toBe(235);
    expect(m.trading.open_positions).toEqual([{ symbol: 'CCC', qty: 200, avg_entry: 20.025, mark: 21.2, unrealized_pl: 235 }]);
    expect(m.trading.fills_from_broker_only).toBe(1);

    // Equity: previous-close equity from the next session's snapshots; SPY 500 -> 515.
    expect(m.performance.start_equity).toBe(100_000);
    expect(m.performance.daily.map((d) => [d.equity, d.exact])).toEqual([
      [100_150, true],
      [100_420, true],
      [100_300, true],
      [99_950, true],
      [100_380, true],
    ]);
    expect(m.performance.return).toBe(0.0038);
    expect(m.performance.benchmark).toEqual({ symbol: 'SPY', start: 500, end: 515, return: 0.03 });
    expect(m.performance.excess_return).toBe(-0.0262);
    expect(m.performance.max_drawdown).toBe(0.005473); // 100,500 (Wed 10:00) to 99,950 (Thu close)
    expect(m.performance.sharpe_daily.n).toBe(5);
    expect(m.performance.exposure).toEqual({ n: 10, avg_invested_pct: 9.88, cycles_invested_share: 1 });

    // Risk, fallbacks, exits, usage.
    expect(m.risk_overrides.by_rule.map((x) => [x.rule, x.effect, x.count, x.symbols])).toEqual([
      ['rsi_extreme_no_trend', 'hold', 1, ['DDD']],
      ['volatility_scaling', 'clamp', 1, ['CCC']],
    ]);
    expect(m.parse_fallbacks).toEqual({ count: 1, rate: 0.016667, by_reason: [{ reason: 'no_json', count: 1 }] });
    expect(m.automated_exits.fills).toEqual([
      { kind: 'bracket_stop', count: 1, qty: 100, realized_pl: -302 },
      { kind: 'model_sell', count: 1, qty: 50, realized_pl: 249 },
      { kind: 'trail_giveback', count: 1, qty: 100, realized_pl: 198 },
    ]);
    expect(m.model_usage).toMatchObject({ source: 'llm_usage', calls: 70, input_tokens: 76_000, output_tokens: 9_600, cache_read_input_tokens: 180_000, cost_usd: 0.13 });

    // Outcomes: BUY r1 = (+3% BBB, -2.5% EEE, +5% CCC) / 3; 5-session outcomes of Thursday and Friday are pending.
    const buy = m.outcomes.groups.find((g) => g.group === 'buy')!;
    expect(buy.h1).toMatchObject({ n: 3, mean_return: 0.018333, hit_rate: 0.666667 });
    expect(buy.h5).toMatchObject({ n: 3, mean_return: 0.015 });
    const blocked = m.outcomes.groups.find((g) => g.group === 'blocked_buy')!;
    expect(blocked).toMatchObject({ decisions: 1, priced: 1, h1: { n: 1, mean_return: 0.012658 } });
    expect(m.outcomes.pending).toEqual({ h1: 0, h5: 24 });
    // Last week's AAA buy (Fri 30 Oct at 50) scored again: +2% one session on (51), +8% five sessions on (54, Fri 6 Nov).
    expect(m.outcomes.previous_week?.week).toBe('2026-W44');
    expect(m.outcomes.previous_week?.pending).toEqual({ h1: 0, h5: 0 });
    expect(m.outcomes.previous_week?.groups.find((g) => g.group === 'buy')).toMatchObject({ decisions: 1, h1: { n: 1, mean_return: 0.02 }, h5: { n: 1, mean_return: 0.08 } });

    expectGolden('2026-W45.metrics.json', `${JSON.stringify(m, null, 2)}\n`, fx.dir);
    expectGolden('2026-W45.md', r.rendered.markdown, fx.dir);
    expectGolden('2026-W45-post.md', r.rendered.post, fx.dir);

    // The change log: the entry dated after the week and the one far before it are left out.
    expect(r.rendered.markdown).toContain('Switched the trader to claude-haiku-5-5');
    expect(r.rendered.markdown).not.toContain('RISK_MAX_SIZE_PCT to 0.12');
    expect(r.rendered.markdown).not.toContain('Something long ago');
  });

  it('rewrites the same files byte for byte when run again for the same week', async () => {
    const fx = fixture();
    const read = () => Object.fromEntries(readdirSync(join(fx.dir, 'reports', 'weekly')).sort().map((f) => [f, readFileSync(join(fx.dir, 'reports', 'weekly', f), 'utf8')]));
    const a = reviewDeps(fx);
    await runWeeklyReview(a, week, { updateLatest: true, dryRun: false });
    a.journal.close();
    const first = read();
    expect(Object.keys(first)).toEqual(['2026-W45-equity.svg', '2026-W45-pnl.svg', '2026-W45-post.md', '2026-W45.json', '2026-W45.md', 'latest.md']);
    const b = reviewDeps(fx);
    await runWeeklyReview(b, week, { updateLatest: true, dryRun: false });
    b.journal.close();
    expect(read()).toEqual(first);
    expect(first['latest.md']).toBe(first['2026-W45.md']);
    // Stats-only: no feedback file.
    expect(existsSync(join(fx.dir, 'reports', 'TRADER_FEEDBACK.md'))).toBe(false);
  });

  it('still counts every decision from the JSONL alone (rotated sibling included) when the database is gone', async () => {
    const fx = fixture();
    const full = reviewDeps(fx);
    const withDb = (await runWeeklyReview(full, week, { updateLatest: false, dryRun: true })).metrics;
    full.journal.close();
    for (const f of [fx.dbPath, `${fx.dbPath}-wal`, `${fx.dbPath}-shm`]) rmSync(f, { force: true });
    const deps = reviewDeps(fx, { broker: null });
    const r = await runWeeklyReview(deps, week, { updateLatest: false, dryRun: true });
    expect(deps.journal.sources().sqlite.found).toBe(false);
    deps.journal.close();
    const m = r.metrics;
    expect(m.decisions.by_source).toEqual({ sqlite: 0, jsonl_only: 61 });
    expect(m.decisions.total).toBe(withDb.decisions.total);
    expect(m.decisions.by_action).toEqual(withDb.decisions.by_action);
    expect(m.decisions.model_by_action).toEqual(withDb.decisions.model_by_action);
    expect(m.risk_overrides.by_rule.map((x) => [x.rule, x.effect, x.count])).toEqual(withDb.risk_overrides.by_rule.map((x) => [x.rule, x.effect, x.count]));
    expect(m.parse_fallbacks.count).toBe(1);
    expect(m.automated_exits.journal_rows).toEqual({ trail_giveback: 1 });
    expect(m.outcomes.groups.map((g) => [g.group, g.decisions, g.h1.n])).toEqual(withDb.outcomes.groups.map((g) => [g.group, g.decisions, g.h1.n]));
    // Without orders and tokens the report says so instead of inventing them.
    expect(m.trading.round_trips).toBe(0);
    expect(m.model_usage.source).toBe('trades.cost_usd');
    expect(r.rendered.markdown).toContain('Journal (SQLite): not found');
  });

  it('without the broker, the stop fill the journal never saw leaves EEE open: the broker view is what closes it', async () => {
    const fx = fixture();
    const deps = reviewDeps(fx, { broker: null });
    const m = (await runWeeklyReview(deps, week, { updateLatest: false, dryRun: true })).metrics;
    deps.journal.close();
    expect(m.trading.round_trips).toBe(2);
    expect(m.trading.open_positions.map((p) => p.symbol)).toEqual(['CCC', 'EEE']);
  });

  it('falls back to journaled prices when market data fails, and says so', async () => {
    const fx = fixture();
    const deps = reviewDeps(fx, {
      market: {
        getBars: async () => {
          throw new Error('503 service unavailable');
        },
        getLatest: async () => new Map(),
        getAssets: async () => new Map(),
        getNews: async () => [],
        screener: async () => [],
      },
    });
    const r = await runWeeklyReview(deps, week, { updateLatest: false, dryRun: true });
    deps.journal.close();
    expect(r.metrics.outcomes.prices_source).toBe('journal');
    expect(r.rendered.markdown).toContain('market data failed (503 service unavailable)');
    // The 15:30 price stands in for each close: BUY outcomes are still measured.
    expect(r.metrics.outcomes.groups.find((g) => g.group === 'buy')!.h1.n).toBe(3);
  });

  it('a week with no decisions gets a report that says so, and no model call', async () => {
    const fx = fixture();
    let called = 0;
    const deps = reviewDeps(fx, {
      reviewer: {
        name: 'spy',
        review: async () => {
          called++;
          throw new Error('must not be called');
        },
      },
    });
    const r = await runWeeklyReview(deps, parseIsoWeek('2026-W40'), { updateLatest: false, dryRun: false });
    deps.journal.close();
    expect(called).toBe(0);
    expect(r.metrics.decisions.total).toBe(0);
    expect(r.review.kind).toBe('stats_only');
    expect(r.rendered.markdown).toContain('No decisions were journaled in 2026-W40');
    expect(existsSync(join(fx.dir, 'reports', 'weekly', '2026-W40.md'))).toBe(true);
    expect(existsSync(join(fx.dir, 'reports', 'weekly', 'latest.md'))).toBe(false);
  });
});
