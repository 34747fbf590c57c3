import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtestBrain } from '../../src/backtest/brains.js';
import { compareBrains } from '../../src/backtest/compare.js';
import { loadData } from '../../src/backtest/data.js';
import { silentLogger } from '../../src/log.js';
import { testConfig, tmp } from '../backtest/helpers.js';

const out = tmp('compare-');
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('A/B backtest: --compare rules,hold on the simulator', () => {
  it('writes one row per brain plus the SPY and equal-weight baselines, and a comparison report', async () => {
    const config = testConfig();
    const from = '2026-06-01';
    const to = '2026-08-31';
    const data = loadData({ data: 'sim', format: 'csv', timeframe: 'day', from, to, symbols: ['AAPL', 'MSFT', 'SPY'], seed: config.sim.seed, barsCachePath: join(out, 'none.db'), warmupDays: 550 });
    const brains = (['rules', 'hold'] as const).map((k) => {
      const b = backtestBrain(k, config, { wallClock: { now: () => 0 }, log: silentLogger });
      return { label: b.label, brain: b.brain };
    });
    const r = await compareBrains({ config, feed: data.feed, symbols: data.symbols, from, to, timeframe: 'day', brains, outDir: out, data: { source: data.source, description: data.description }, log: silentLogger });
    expect(r.rows.map((x) => `${x.kind}:${x.name}`)).toEqual(['brain:rules', 'brain:hold', 'baseline:buy_hold_spy', 'baseline:buy_hold_equal_weight']);
    const hold = r.rows.find((x) => x.name === 'hold')!;
    // The hold brain never trades: flat equity, no fills, no model cost.
    expect(hold.figures.total_return).toBe(0);
    expect(hold.fills).toBe(0);
    expect(hold.modelCostUsd).toBe(0);
    const rules = r.rows.find((x) => x.name === 'rules')!;
    expect(rules.decisions).toBeGreaterThan(0);
    // Decision quality at 5 sessions, scored from the run's own journal against the same feed.
    expect(rules.at5!.n).toBeGreaterThan(0);
    expect(r.rows.find((x) => x.kind === 'baseline')!.at5).toBeNull();
    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    const tableRows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| Run') && !l.startsWith('| ---'));
    expect(tableRows).toHaveLength(4);
    expect(md).toContain('buy\\_hold\\_spy (baseline)');
    expect(md).toContain('Model cost');
    expect(md).toContain('Hit rate 5d');
    const svg = readFileSync(join(out, 'compare.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).not.toMatch(/<script/i);
    const json = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { runs: { name: string; model_cost_usd: number }[] };
    expect(json.runs.map((x) => x.name)).toEqual(['rules', 'hold', 'buy_hold_spy', 'buy_hold_equal_weight']);
    for (const b of ['rules', 'hold']) expect(existsSync(join(out, b, 'summary.md'))).toBe(true);
  }, 120_000);
});
