import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Bar } from '../../src/domain/market.js';
import { createRulesBrain } from '../../src/adapters/rules/brain.js';
import { createArrayFeed } from '../../src/adapters/sim/feed.js';
import { parseSlots } from '../../src/jobs/schedule.js';
import { nyTime } from '../../src/core/time/ny.js';
import { runBacktest } from '../../src/backtest/replay.js';
import { dailyBars, maCrossBrain, PERMISSIVE_RISK, sessionsFrom, testConfig, tmp, type BarSpec } from './helpers.js';

/**
 * No lookahead: the same history twice, the second with a price spike planted in the future.
 * Every decision journaled before the spike's bar closed must be byte-identical in both runs
 * (snapshot, indicators included, decision, execution); and no snapshot before it shows a price
 * anywhere near the spike. The first decision after it must differ (the test can see a spike).
 */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function walk(n: number, seed: number, start: number): BarSpec[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  let c = start;
  const out: BarSpec[] = [];
  for (let i = 0; i < n; i++) {
    const o = c;
    c = Math.round(o * (1 + (rnd() - 0.47) * 0.04) * 100) / 100;
    out.push({ o, c, h: Math.max(o, c) * 1.005, l: Math.min(o, c) * 0.995, v: 2_000_000 });
  }
  return out;
}

function rows(dbPath: string): { id: string; as_of: string; logic_json: string }[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT id, as_of, logic_json FROM trades ORDER BY as_of, id').all() as { id: string; as_of: string; logic_json: string }[];
  } finally {
    db.close();
  }
}

describe('backtest: no lookahead', () => {
  it('daily: decisions before a planted future spike are identical with and without it', async () => {
    const sessions = sessionsFrom('2021-01-04', 160);
    const base = { AAA: walk(160, 7, 50), BBB: walk(160, 11, 120), SPY: walk(160, 13, 380) };
    const X = 130;
    const spiked = { ...base, AAA: base.AAA.map((b, i) => (i === X ? { o: b.o, c: b.c * 3, h: b.c * 3, l: b.l ?? b.o, v: 9_000_000 } : b)) };
    const feedOf = (series: Record<string, BarSpec[]>) => {
      const daily = new Map<string, readonly Bar[]>();
      for (const [s, bars] of Object.entries(series)) daily.set(s, dailyBars(sessions, bars));
      return createArrayFeed({ daily, sessions });
    };
    const run = async (series: Record<string, BarSpec[]>) => {
      const out = tmp();
      dirs.push(out);
      await runBacktest({ config: testConfig(), feed: feedOf(series), symbols: ['AAA', 'BBB', 'SPY'], from: sessions[60]!.date, to: sessions[159]!.date, timeframe: 'day', brain: createRulesBrain(), outDir: out });
      return rows(join(out, 'trades.db'));
    };
    const a = await run(base);
    const b = await run(spiked);
    const spikeClose = new Date(sessions[X]!.close).toISOString();
    const before = (r: { as_of: string }) => r.as_of < spikeClose;
    expect(a.filter(before).length).toBeGreaterThan(200);
    expect(b.filter(before)).toEqual(a.filter(before));
    const spikePrice = base.AAA[X]!.c * 3;
    for (const r of b.filter(before)) {
      const snap = (JSON.parse(r.logic_json) as { snapshot: { symbol: string; price: number | null; indicators: { high_52w?: number | null } } }).snapshot;
      if (snap.symbol !== 'AAA') continue;
      expect(snap.price!).toBeLessThan(spikePrice / 2);
      if (snap.indicators.high_52w != null) expect(snap.indicators.high_52w).toBeLessThan(spikePrice / 2);
    }
    // Sanity: the decision at the spike's own close sees it.
    const at = b.find((r) => r.as_of === spikeClose && r.id.endsWith(':AAA'))!;
    expect((JSON.parse(at.logic_json) as { snapshot: { price: number } }).snapshot.price).toBeCloseTo(spikePrice, 6);
    expect(a.find((r) => r.as_of === spikeClose && r.id.endsWith(':AAA'))!.logic_json).not.toEqual(at.logic_json);
  });

  it('minute: snapshots before a spike inside the session do not see it (daily bar of today included)', async () => {
    const sessions = sessionsFrom('2022-01-03', 62);
    const hist = sessions.slice(0, 60);
    const live = sessions.slice(60);
    const histBars = walk(60, 5, 100);
    const build = (spike: boolean) => {
      const minute: Bar[] = [];
      let px = histBars[59]!.c;
      for (const s of live) {
        for (let t = s.open; t < s.close; t += 60_000) {
          const o = px;
          px = Math.round((px + Math.sin(t / 3.6e6) * 0.02) * 100) / 100;
          let bar: Bar = { t, end: t + 60_000, o, h: Math.max(o, px) + 0.01, l: Math.min(o, px) - 0.01, c: px, v: 1000 };
          // Planted at 13:00 of the last session: a bar that trades at 5x.
          if (spike && s === live[1] && t === nyTime(s.date, '13:00')) bar = { ...bar, h: px * 5, c: px * 5 };
          minute.push(bar);
        }
      }
      const daily = [...dailyBars(hist, histBars)];
      for (const s of live) {
        const m = minute.filter((b) => b.t >= s.open && b.t < s.close);
        daily.push({ t: s.open, end: s.close, o: m[0]!.o, h: Math.max(...m.map((b) => b.h)), l: Math.min(...m.map((b) => b.l)), c: m[m.length - 1]!.c, v: m.reduce((x, b) => x + b.v, 0) });
      }
      return createArrayFeed({ daily: new Map([['AAA', daily]]), minute: new Map([['AAA', minute]]), sessions });
    };
    const run = async (spike: boolean) => {
      const out = tmp();
      dirs.push(out);
      const brain = maCrossBrain(0.1);
      await runBacktest({
        config: testConfig(PERMISSIVE_RISK),
        feed: build(spike),
        symbols: ['AAA'],
        from: live[0]!.date,
        to: live[1]!.date,
        timeframe: 'minute',
        slots: parseSlots('10:00,12:00,13:00,14:00,15:30'),
        brain,
        outDir: out,
      });
      return { rows: rows(join(out, 'trades.db')), seen: brain.seen };
    };
    const a = await run(false);
    const b = await run(true);
    const spikeEnd = new Date(nyTime(live[1]!.date, '13:01')).toISOString();
    const before = (r: { as_of: string }) => r.as_of < spikeEnd;
    expect(b.rows.filter(before)).toHaveLength(8);
    expect(b.rows.filter(before)).toEqual(a.rows.filter(before));
    // 13:00 decides before the 13:00 bar has closed; 14:00 sees it (the day's high, VWAP, ...).
    const at13 = b.seen.find((s) => s.as_of === new Date(nyTime(live[1]!.date, '13:00')).toISOString())!;
    expect(at13.price!).toBeLessThan(200);
    expect(at13.bars.daily_count).toBe(61);
    const i14 = b.rows.findIndex((r) => r.as_of === new Date(nyTime(live[1]!.date, '14:00')).toISOString());
    expect(b.rows[i14]!.logic_json).not.toEqual(a.rows[i14]!.logic_json);
  });
});
