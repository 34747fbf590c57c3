import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { backtestBrain } from '../../src/backtest/brains.js';
import { backtest } from '../../src/backtest/index.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import { dailyFeed, sessionsFrom, testConfig, tmp, type BarSpec } from './helpers.js';

/**
 * --brain claude: the Claude brain (real SDK, loopback fake Messages API) behind the decision
 * cache. The second run answers every decision and regime call from the cache file: no request
 * reaches the server, and the journal and report are byte-identical to the first run's.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function walk(n: number, seed: number, start: number): BarSpec[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let c = start;
  return Array.from({ length: n }, () => {
    const o = c;
    c = Math.round(o * (1 + (rnd() - 0.45) * 0.03) * 100) / 100;
    return { o, c, h: Math.max(o, c) * 1.004, l: Math.min(o, c) * 0.996, v: 3_000_000 };
  });
}

describe('backtest with the Claude brain and the decision cache', () => {
  it('a re-run makes no model calls and journals the same bytes; the report warns about contamination', async () => {
    const fake = await startFakeAnthropic({ mode: 'valid', expectKey: 'sk-test-key-000000000000' });
    const work = tmp();
    dirs.push(work);
    try {
      const sessions = sessionsFrom('2022-01-03', 100);
      const feed = dailyFeed(sessions, { AAA: walk(100, 3, 40), BBB: walk(100, 5, 90), SPY: walk(100, 9, 400) });
      const config = testConfig({
        ANTHROPIC_API_KEY: 'sk-test-key-000000000000',
        ANTHROPIC_BASE_URL: fake.url,
        BRAIN_SDK_MAX_RETRIES: '0',
        BACKTEST_BRAIN_CACHE: join(work, 'brain-cache.jsonl'),
        BACKTEST_MODEL_CUTOFF: '2022-03',
      });
      const run = async (out: string) => {
        const b = backtestBrain('claude', config, { wallClock: { now: () => Date.now() }, log: silentLogger });
        const r = await backtest({
          config,
          feed,
          symbols: ['AAA', 'BBB', 'SPY'],
          from: sessions[70]!.date,
          to: sessions[99]!.date,
          timeframe: 'day',
          brain: b.brain,
          brainLabel: b.label,
          outDir: out,
          data: { source: 'test', description: 'random walks' },
          llm: () => {
            const st = b.cached!.stats();
            return { models: { trader: config.brain.models.trader }, promptVersion: 'v', cacheFile: 'brain-cache.jsonl', hits: st.hits, misses: st.misses, uncached: st.uncached, spentUsd: st.spentUsd, savedUsd: st.savedUsd, cutoff: config.backtest.modelCutoff };
          },
        });
        return { r, stats: b.cached!.stats() };
      };
      const a = join(work, 'a');
      const first = await run(a);
      const calls = fake.requests.length;
      expect(calls).toBeGreaterThan(30);
      expect(first.stats.misses).toBe(calls);
      expect(first.r.run.decisions).toBe(90);

      const b = join(work, 'b');
      const second = await run(b);
      expect(fake.requests.length).toBe(calls);
      expect(second.stats).toMatchObject({ misses: 0, hits: calls, spentUsd: 0 });
      for (const f of ['journal.jsonl', 'trades.csv', 'equity.csv']) expect(readFileSync(join(b, f), 'utf8'), f).toBe(readFileSync(join(a, f), 'utf8'));
      const sa = first.r.report.summary;
      const sb = second.r.report.summary;
      expect(sb.strategy).toEqual(sa.strategy);
      expect(sb.llm).toMatchObject({ model_calls: 0, cached_answers_used: calls });
      expect(sa.warnings[0]).toMatch(/training cutoff of 2022-03.*contamination/);
      expect(readFileSync(join(b, 'summary.md'), 'utf8')).toContain('Warning: model contamination');
    } finally {
      await fake.close();
    }
  });
});
