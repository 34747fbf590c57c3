import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/journal/sqlite.js';
import { createViewerApp } from '../../src/web/app.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-web-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dbPath = join(dir, 'trades.db');
const HOSTILE = '<script>alert(1)</script>';

{
  const w = openDatabase(dbPath);
  const at = '2026-11-20T22:00:00.000Z';
  const close = w.prepare('INSERT INTO benchmark_closes (date, spy_close, equity_close, recorded_at) VALUES (?, ?, ?, ?)');
  close.run('2026-11-16', 500, 100_000, at);
  close.run('2026-11-17', 505, 101_500, at);
  close.run('2026-11-18', 495, 99_000, at);
  close.run('2026-11-19', 510, 102_000, at);
  const ins = w.prepare(
    `INSERT INTO decision_outcomes (trade_id, horizon_days, symbol, action, strategy, confidence, brain, as_of, decision_price, exit_price, ret, spy_ret, excess, computed_for_date, recorded_at)
     VALUES (?, ?, 'AAA', ?, ?, ?, 'rules', '2026-11-16T15:00:00.000Z', 100, ?, ?, 0.01, ?, '2026-11-17', ?)`,
  );
  // 25 BUYs at 1 day (a finding: 20 wins), 3 SELLs (too few), one with a hostile strategy name.
  for (let i = 0; i < 25; i++) {
    const ret = i < 20 ? 0.03 : -0.02;
    ins.run(`b${i}`, 1, 'BUY', 'momentum', 0.75, 100 * (1 + ret), ret, ret - 0.01, at);
  }
  for (let i = 0; i < 3; i++) ins.run(`s${i}`, 1, 'SELL', HOSTILE, 0.6, 98, -0.02, -0.03, at);
  w.close();
}

const archDocPath = join(dir, 'arch.md');
writeFileSync(archDocPath, '# arch\n');
const app = () =>
  createViewerApp({ db: openDatabase(dbPath, { readonly: true }), broker: null, reportsDir: join(dir, 'reports'), archDocPath, clock: { now: () => Date.UTC(2026, 10, 21, 15) } });

describe('GET /scoreboard and /api/scoreboard', () => {
  it('API: equity vs SPY rebased to 100, tables with sample sizes, small samples flagged', async () => {
    const res = await app().request('/api/scoreboard');
    expect(res.status).toBe(200);
    const j = (await res.json()) as {
      min_samples: number;
      curve: { equityIndex: number; spyIndex: number }[];
      headline: { sinceStart: { equityReturn: number; spyReturn: number } };
      quality: { byAction: { key: string; horizons: Record<string, { n: number; hitRate: number; insufficient: boolean }> }[] };
    };
    expect(j.min_samples).toBe(20);
    expect(j.curve[0]).toMatchObject({ equityIndex: 100, spyIndex: 100 });
    expect(j.headline.sinceStart.equityReturn).toBeCloseTo(0.02, 12);
    expect(j.headline.sinceStart.spyReturn).toBeCloseTo(0.02, 12);
    const buy = j.quality.byAction.find((r) => r.key === 'BUY')!.horizons['1']!;
    expect(buy).toMatchObject({ n: 25, insufficient: false });
    expect(buy.hitRate).toBeCloseTo(0.8, 12);
    expect(j.quality.byAction.find((r) => r.key === 'SELL')!.horizons['1']).toMatchObject({ n: 3, insufficient: true });
    expect(j.quality.byAction.find((r) => r.key === 'BUY')!.horizons['5']).toMatchObject({ n: 0, insufficient: true });
  });

  it('page: chart as inline SVG, small samples labelled, model-written names escaped', async () => {
    const res = await app().request('/scoreboard');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<h1>Scoreboard</h1>');
    expect(html).toMatch(/<svg class="chart"[^>]*aria-label="Equity vs SPY rebased to 100, 2026-11-16 to 2026-11-19"/);
    expect(html).toContain('n&lt;20');
    expect(html).toContain('not a finding');
    expect(html).not.toContain(HOSTILE);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('href="/scoreboard"');
  });

  it('an empty journal still renders (no closes, no outcomes)', async () => {
    const p = join(dir, 'empty.db');
    openDatabase(p).close();
    const res = await createViewerApp({ db: openDatabase(p, { readonly: true }), broker: null, reportsDir: dir, archDocPath, clock: { now: () => 0 } }).request('/scoreboard');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Not enough session closes recorded yet');
    expect(html).toContain('No decision has been scored yet');
  });

  it('a read-only viewer refuses writes to it', async () => {
    const res = await app().request('/api/scoreboard', { method: 'POST' });
    expect(res.status).toBe(405);
  });
});
