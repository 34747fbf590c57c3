import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BrainResult } from '../../src/domain/decision.js';
import { holdDecision } from '../../src/domain/decision.js';
import type { Snapshot } from '../../src/domain/snapshot.js';
import type { Brain } from '../../src/ports/brain.js';
import { detectSplits, loadLeanData } from '../../src/adapters/sim/lean.js';
import { createArrayFeed } from '../../src/adapters/sim/feed.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createSimMarketData } from '../../src/adapters/sim/market-data.js';
import { nyTime } from '../../src/core/time/ny.js';
import { rulesRegime } from '../../src/adapters/rules/regime.js';
import { cacheKey, createCachedBrain, createFileBrainCache } from '../../src/backtest/cached-brain.js';
import { coverage, fetchBarsToCache, gaps, loadCachedFeed, openBarsCache } from '../../src/backtest/bars-cache.js';
import { matchRoundTrips, performance, type EquityPoint } from '../../src/backtest/metrics.js';
import { createProgress, progressLine } from '../../src/backtest/progress.js';
import { equitySvg } from '../../src/backtest/svg.js';
import { resetBacktestJournal } from '../../src/backtest/replay.js';
import { createJournal } from '../../src/journal/journal.js';
import { dailyBars, sessionsFrom, tmp } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const dir = () => {
  const d = tmp();
  dirs.push(d);
  return d;
};

describe('Lean data', () => {
  const row = (date: string, o: number, h: number, l: number, c: number, v: number) => `${date} 00:00,${o * 1e4},${h * 1e4},${l * 1e4},${c * 1e4},${v}`;

  it('reads daily files (prices / 10000), detects a 7:1 split and back-adjusts earlier bars; a crash is only a warning', () => {
    const d = dir();
    mkdirSync(join(d, 'daily'));
    writeFileSync(
      join(d, 'daily', 'abc.csv'),
      [
        row('20140604', 630, 640, 620, 637, 1000),
        row('20140605', 637, 650, 630, 644, 1000),
        row('20140606', 644, 650, 640, 645.5, 1100),
        row('20140609', 92.6, 93.9, 91.7, 93.7, 7000),
        row('20140610', 93.7, 95, 93, 94, 6500),
        row('20140611', 50, 51, 45, 46, 90000),
      ].join('\n'),
    );
    const lean = loadLeanData({ dailyDir: join(d, 'daily') });
    expect(lean.splits).toEqual([{ symbol: 'ABC', date: '2014-06-09', ratio: 7 }]);
    expect(lean.warnings.some((w) => w.includes('ABC 2014-06-11') && w.includes('not treated as a split'))).toBe(true);
    const bars = lean.feed.dailyBars('ABC', -Infinity, Infinity);
    expect(bars).toHaveLength(6);
    expect(bars[0]).toMatchObject({ t: nyTime('2014-06-04', '09:30'), end: nyTime('2014-06-04', '16:00'), o: 90, c: 91, v: 7000 });
    expect(bars[3]).toMatchObject({ o: 92.6, c: 93.7, v: 7000 });
    expect(bars[5]).toMatchObject({ o: 50, c: 46 });
    // Not adjusted on request: reported instead.
    const raw = loadLeanData({ dailyDir: join(d, 'daily'), adjustSplits: false });
    expect(raw.splits).toEqual([]);
    expect(raw.feed.dailyBars('ABC', -Infinity, Infinity)[0]!.o).toBe(630);
    expect(raw.warnings.some((w) => w.includes('NOT adjusted'))).toBe(true);
  });

  it('reads minute files (ms since New York midnight), keeps regular hours, aggregates the session daily bar', () => {
    const d = dir();
    mkdirSync(join(d, 'minute'));
    const ms = (hh: number, mm: number) => (hh * 60 + mm) * 60_000;
    writeFileSync(
      join(d, 'minute', 'spy_20131007.csv'),
      [
        `${ms(9, 0)},1680000,1681000,1679000,1680500,100`,
        `${ms(9, 30)},1690000,1692000,1689000,1691000,500`,
        `${ms(9, 31)},1691000,1695000,1690000,1694000,700`,
        `${ms(16, 0)},1700000,1700000,1700000,1700000,50`,
      ].join('\n'),
    );
    const lean = loadLeanData({ minuteDir: join(d, 'minute') });
    expect(lean.feed.granularity).toBe('minute');
    const m = lean.feed.minuteBars('SPY', -Infinity, Infinity);
    expect(m.map((b) => b.t)).toEqual([nyTime('2013-10-07', '09:30'), nyTime('2013-10-07', '09:31')]);
    expect(lean.feed.dailyBars('SPY', -Infinity, Infinity)).toEqual([{ t: nyTime('2013-10-07', '09:30'), end: nyTime('2013-10-07', '16:00'), o: 169, h: 169.5, l: 168.9, c: 169.4, v: 1200 }]);
  });

  it('detectSplits: reverse splits, and nothing on ordinary days', () => {
    const rows = [
      { date: '2020-04-28', o: 2.2, h: 2.3, l: 2.1, c: 2.13, v: 100_000_000 },
      { date: '2020-04-29', o: 18.01, h: 18.22, l: 17.46, c: 18, v: 22_000_000 },
      { date: '2020-04-30', o: 18, h: 18.5, l: 17.5, c: 18.2, v: 20_000_000 },
    ];
    expect(detectSplits('USO', rows).splits).toEqual([{ symbol: 'USO', date: '2020-04-29', ratio: 0.125 }]);
  });
});

describe('cached brain', () => {
  const snap = (symbol: string, price: number) => ({ symbol, price, as_of: '2020-01-02T21:00:00.000Z', nested: { b: 1, a: [1, 2] } }) as unknown as Snapshot;
  function countingBrain(failFor?: string): Brain & { calls: number } {
    const b = {
      name: 'claude',
      calls: 0,
      async decide(s: Snapshot): Promise<BrainResult> {
        b.calls++;
        const usage = [{ model: 'm', purpose: 'decide' as const, attempt: 1, input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, latency_ms: 1234, cost_usd: 0.01 }];
        if (s.symbol === failFor) return { decision: holdDecision(s.symbol, 'safe_hold', 'safe HOLD'), raw: null, brain: 'claude', promptVersion: 'p1', usage: [], parseFallback: { reason: 'api_error: 529 overloaded' } };
        return { decision: { ...holdDecision(s.symbol, 'x', `seen ${s.price}`), action: 'HOLD' }, raw: { text: `call ${b.calls}` }, brain: 'claude', promptVersion: 'p1', usage };
      },
      regime: async (inputs: Parameters<Brain['regime']>[0]) => ({ verdict: rulesRegime(inputs), usage: [] }),
    };
    return b;
  }

  it('answers a repeated snapshot from the file cache: no call, same bytes, across instances', async () => {
    const path = join(dir(), 'cache.jsonl');
    const inner1 = countingBrain();
    const b1 = createCachedBrain(inner1, { identity: { model: 'm', prompt: 'p1' }, store: createFileBrainCache(path) });
    const first = await b1.decide(snap('AAA', 10));
    expect(inner1.calls).toBe(1);
    expect(JSON.stringify(await b1.decide(snap('AAA', 10)))).toBe(JSON.stringify(first));
    expect(inner1.calls).toBe(1);
    await b1.decide(snap('AAA', 11));
    expect(inner1.calls).toBe(2);
    expect(b1.stats()).toMatchObject({ hits: 1, misses: 2, spentUsd: 0.02, savedUsd: 0.01 });

    const inner2 = countingBrain();
    const b2 = createCachedBrain(inner2, { identity: { model: 'm', prompt: 'p1' }, store: createFileBrainCache(path) });
    expect(JSON.stringify(await b2.decide(snap('AAA', 10)))).toBe(JSON.stringify(first));
    expect(inner2.calls).toBe(0);
    expect(b2.stats().spentUsd).toBe(0);
    // A different model or prompt is a different key.
    const b3 = createCachedBrain(countingBrain(), { identity: { model: 'm2', prompt: 'p1' }, store: createFileBrainCache(path) });
    await b3.decide(snap('AAA', 10));
    expect(b3.stats().misses).toBe(1);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('keys are canonical (object key order does not matter) and API failures are not cached', async () => {
    expect(cacheKey({ a: 1, b: 2 }, 'decide', { x: 1, y: { p: 1, q: 2 } })).toBe(cacheKey({ b: 2, a: 1 }, 'decide', { y: { q: 2, p: 1 }, x: 1 }));
    const inner = countingBrain('BAD');
    const b = createCachedBrain(inner, { identity: { model: 'm' }, store: createFileBrainCache(join(dir(), 'c.jsonl')) });
    await b.decide(snap('BAD', 1));
    await b.decide(snap('BAD', 1));
    expect(inner.calls).toBe(2);
    expect(b.stats().uncached).toBe(2);
  });
});

describe('bars cache', () => {
  it('fetches through a MarketData source once, replays offline, and names the missing range', async () => {
    const sessions = sessionsFrom('2021-01-04', 40);
    const closes = sessions.map((_, i) => 100 + i);
    const source = createSimMarketData({
      feed: createArrayFeed({ daily: new Map([['AAA', dailyBars(sessions, closes)], ['BBB', dailyBars(sessions, closes.map((c) => c * 2))]]), sessions }),
      clock: createSimClock(nyTime('2030-01-02', '00:00')),
    });
    let requests = 0;
    const counted = { ...source, getBars: (r: Parameters<typeof source.getBars>[0]) => (requests++, source.getBars(r)) };
    const db = openBarsCache(join(dir(), 'bars.db'));
    try {
      const plan = { symbols: ['AAA', 'BBB'], timeframe: 'day' as const, from: sessions[0]!.date, to: sessions[39]!.date };
      const r1 = await fetchBarsToCache(db, counted, plan, { sourceName: 'test', now: () => Date.UTC(2030, 0, 2) });
      expect(r1.bars).toBe(80);
      expect(requests).toBe(r1.requests);
      const again = await fetchBarsToCache(db, counted, plan, { sourceName: 'test', now: () => Date.UTC(2030, 0, 2) });
      expect(again.requests).toBe(0);
      expect(coverage(db, 'AAA', 'day')).toEqual([{ from: sessions[0]!.date, to: sessions[39]!.date }]);
      expect(gaps(coverage(db, 'AAA', 'day'), '2020-12-01', sessions[39]!.date)).toEqual([{ from: '2020-12-01', to: '2021-01-03' }]);
      const feed = loadCachedFeed(db, { symbols: ['AAA', 'BBB'], timeframe: 'day', from: sessions[10]!.date, to: sessions[39]!.date, warmupFrom: sessions[0]!.date });
      expect(feed.dailyBars('BBB', -Infinity, Infinity).map((b) => b.c)).toEqual(closes.map((c) => c * 2));
      expect(feed.sessions(sessions[0]!.date, sessions[39]!.date)).toHaveLength(40);
      expect(() => loadCachedFeed(db, { symbols: ['AAA'], timeframe: 'day', from: sessions[10]!.date, to: '2021-06-30', warmupFrom: sessions[0]!.date })).toThrow(/npm run fetch-bars -- --symbols AAA/);
    } finally {
      db.close();
    }
  });
});

describe('metrics', () => {
  const pt = (date: string, equity: number, positionsValue = 0): EquityPoint => ({ date, t: Date.parse(`${date}T21:00:00Z`), equity, cash: equity - positionsValue, positionsValue });

  it('total return, drawdown, Sharpe/Sortino, exposure from a hand-made curve', () => {
    const curve = [pt('2021-01-01', 100), pt('2021-01-04', 110, 50), pt('2021-01-05', 99, 50), pt('2021-01-06', 121, 0)];
    const p = performance(curve, []);
    expect(p.total_return).toBe(0.21);
    expect(p.max_drawdown).toBe(0.1); // 110 -> 99
    expect(p.max_drawdown_peak).toBe('2021-01-04');
    expect(p.max_drawdown_trough).toBe('2021-01-05');
    const r = [0.1, -0.1, 121 / 99 - 1];
    const mean = r.reduce((a, b) => a + b) / 3;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 2);
    expect(p.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(252), 5);
    expect(p.sortino).toBeCloseTo((mean / Math.sqrt(0.01 / 3)) * Math.sqrt(252), 5);
    expect(p.exposure).toBeCloseTo(2 / 3, 6);
  });

  it('round trips FIFO net of both commissions; win rate and profit factor', () => {
    const f = (side: 'buy' | 'sell', qty: number, price: number, at: number, commission = 1, kind = side === 'buy' ? 'entry' : 'model_sell') => ({ orderId: `o${at}`, symbol: 'A', side, qty, price, at, commission, kind });
    const trips = matchRoundTrips([f('buy', 10, 100, 1), f('buy', 10, 110, 2), f('sell', 15, 120, 3, 3), f('sell', 5, 90, 4, 1, 'bracket_stop')]);
    expect(trips.map((t) => [t.qty, t.entryPrice, t.exitPrice, t.pnl, t.exitKind])).toEqual([
      [10, 100, 120, 10 * 20 - (1 + 2), 'model_sell'],
      [5, 110, 120, 5 * 10 - (0.5 + 1), 'model_sell'],
      [5, 110, 90, 5 * -20 - (0.5 + 1), 'bracket_stop'],
    ]);
    const p = performance([pt('2021-01-01', 1000), pt('2021-01-04', 1000)], [f('buy', 10, 100, 1), f('sell', 10, 120, 2), f('buy', 10, 100, 3), f('sell', 10, 90, 4)]);
    expect(p.trades).toBe(2);
    expect(p.win_rate).toBe(0.5);
    expect(p.profit_factor).toBeCloseTo(198 / 102, 6);
    expect(p.fees).toBe(4);
  });
});

describe('progress and chart', () => {
  it('is silent when stderr is not a TTY, draws a bar with ETA when it is', () => {
    const out: string[] = [];
    let now = 0;
    const clock = { now: () => now };
    const quiet = createProgress(10, { isTTY: false, write: (s) => out.push(s) }, clock);
    quiet.update(5, 'x');
    quiet.finish();
    expect(out).toEqual([]);
    const bar = createProgress(10, { isTTY: true, columns: 200, write: (s) => out.push(s) }, clock);
    now = 2000;
    bar.update(5, '2020-01-02');
    expect(out[0]).toContain('50% 5/10 ETA 2s 2020-01-02');
    bar.finish();
    expect(out[out.length - 1]).toMatch(/\n$/);
    expect(progressLine(10, 10, 1000, 'done')).toContain('100%');
  });

  it('equity.svg: escaped labels, the same bytes for the same curves', () => {
    const c = [0, 1, 2, 3].map((i) => ({ date: `2021-01-0${i + 4}`, t: Date.UTC(2021, 0, 4 + i, 21), equity: 100 + i * (i % 2 ? -3 : 5), cash: 0, positionsValue: 0 }));
    const svg = equitySvg('a <b> & c', [{ name: 'x<y', curve: c, color: '#000' }]);
    expect(svg).toContain('a &lt;b&gt; &amp; c');
    expect(svg).not.toContain('x<y');
    expect(equitySvg('a <b> & c', [{ name: 'x<y', curve: c, color: '#000' }])).toBe(svg);
  });
});

describe('run journal reset', () => {
  it("refuses a database holding other modes' cycles, and one it cannot read (a run killed mid-commit)", () => {
    const d = dir();
    const db = join(d, 'trades.db');
    const j = createJournal({ dbPath: db, jsonlPath: join(d, 'journal.jsonl'), maxBytes: 1e12, keepRotated: 0, wallClock: { now: () => 0 }, mode: 'paper' });
    j.beginCycle({ id: 'c1', mode: 'paper', brain: 'rules', asOf: 0 });
    j.close();
    expect(() => resetBacktestJournal(db, join(d, 'journal.jsonl'))).toThrow(/holds paper cycles/);
    const bad = join(d, 'bad.db');
    writeFileSync(bad, 'not a database, not even close'.repeat(200));
    expect(() => resetBacktestJournal(bad, join(d, 'bad.jsonl'))).toThrow(/cannot be read/);
    resetBacktestJournal(join(d, 'absent.db'), join(d, 'absent.jsonl'));
  });

  it("refuses a JSONL journal of other modes even without its database (a sim journal's folder given as --out)", () => {
    const d = dir();
    const jsonl = join(d, 'journal.jsonl');
    writeFileSync(`${jsonl}.1`, `${JSON.stringify({ id: 'c1:AAPL', type: 'decision', mode: 'sim' })}\n`);
    writeFileSync(jsonl, `${JSON.stringify({ id: 'c2:AAPL', type: 'decision', mode: 'backtest' })}\n`);
    expect(() => resetBacktestJournal(join(d, 'trades.db'), jsonl)).toThrow(/journal\.jsonl\.1 holds sim decisions/);
    expect(existsSync(`${jsonl}.1`)).toBe(true);
    writeFileSync(`${jsonl}.1`, 'free text, not a journal\n');
    expect(() => resetBacktestJournal(join(d, 'trades.db'), jsonl)).toThrow(/does not start with a journal line/);
    // A backtest's own journal (and an empty file) is replaced.
    writeFileSync(`${jsonl}.1`, '');
    resetBacktestJournal(join(d, 'trades.db'), jsonl);
    expect(existsSync(jsonl)).toBe(false);
    expect(existsSync(`${jsonl}.1`)).toBe(false);
  });
});
