import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRulesBrain } from '../../src/adapters/rules/brain.js';
import { fetchBarsToCache, openBarsCache } from '../../src/backtest/bars-cache.js';
import { loadData } from '../../src/backtest/data.js';
import { backtest } from '../../src/backtest/index.js';
import { alpacaHarness } from '../alpaca/harness.js';
import { testConfig, tmp } from './helpers.js';

/**
 * Alpaca history through the real adapter (the SDK over loopback to the fake Alpaca server),
 * stored in the bars cache once, then replayed offline by a backtest with --data alpaca.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('bars cache over the Alpaca adapter', () => {
  it('fetch-bars fills the cache through MarketData; a backtest replays it offline', async () => {
    const h = await alpacaHarness({});
    const dir = tmp();
    dirs.push(dir, h.dir);
    try {
      h.fake.seedUniverse(['AAPL', 'SPY'], { sessions: 500 });
      const cachePath = join(dir, 'bars.db');
      const db = openBarsCache(cachePath);
      try {
        const plan = { symbols: ['AAPL', 'SPY'], timeframe: 'day' as const, from: '2025-02-01', to: '2026-11-19' };
        const r = await fetchBarsToCache(db, h.market, plan, { sourceName: 'alpaca:fake', now: h.clock.now });
        expect(r.bars).toBeGreaterThan(800);
        const requests = h.fake.count({ path: '/v2/stocks/bars' });
        expect(requests).toBeGreaterThan(0);
        // Everything is cached: a second fetch sends nothing.
        expect((await fetchBarsToCache(db, h.market, plan, { sourceName: 'alpaca:fake', now: h.clock.now })).requests).toBe(0);
        expect(h.fake.count({ path: '/v2/stocks/bars' })).toBe(requests);
      } finally {
        db.close();
      }
      await h.close();

      // Offline from here: the server is gone.
      const data = loadData({ data: 'alpaca', format: 'csv', timeframe: 'day', from: '2026-09-01', to: '2026-11-19', symbols: ['AAPL', 'SPY'], seed: 1, barsCachePath: cachePath, warmupDays: 550 });
      const out = tmp();
      dirs.push(out);
      const res = await backtest({ config: testConfig(), feed: data.feed, symbols: data.symbols, from: '2026-09-01', to: '2026-11-19', timeframe: 'day', brain: createRulesBrain(), brainLabel: 'rules', outDir: out, data: { source: data.source, description: data.description } });
      expect(res.run.sessions.length).toBeGreaterThan(50);
      expect(res.run.failedCycles).toBe(0);
      expect(res.report.summary.benchmarks.buy_hold_spy).toBeDefined();
      // A range the cache does not hold is a clear error naming the command.
      expect(() => loadData({ data: 'alpaca', format: 'csv', timeframe: 'day', from: '2026-09-01', to: '2026-12-31', symbols: ['AAPL'], seed: 1, barsCachePath: cachePath, warmupDays: 550 })).toThrow(/fetch-bars/);
    } finally {
      await h.close().catch(() => {});
    }
  });
});
