import { describe, expect, it } from 'vitest';
import { createNyseRulesCalendar } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createSimMarketData } from '../../src/adapters/sim/market-data.js';
import { createSyntheticFeed } from '../../src/adapters/sim/synthetic.js';
import { rulesRegime } from '../../src/adapters/rules/regime.js';
import { DEFAULT_UNIVERSE } from '../../src/config.js';
import { utf8Bytes } from '../../src/core/snapshot.js';
import { nyTime } from '../../src/core/time/ny.js';
import { sessionAt } from '../../src/core/time/sessions.js';
import { chooseWatchlist, createCycleCaches, DEFAULT_MARKET_SETTINGS, loadMarket, loadSymbolExtras, snapshotFor, type MarketDeps } from '../../src/cycle/market-context.js';
import { runCycle } from '../../src/cycle/run-cycle.js';
import type { Brain } from '../../src/ports/brain.js';
import type { MarketData } from '../../src/ports/market-data.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { makeWorld, TEST_DATE } from '../helpers/world.js';

/** Wraps a MarketData to count calls per method (the port is batched: one call, many symbols). */
function counting(m: MarketData) {
  const calls: string[] = [];
  const market: MarketData = {
    getBars: (r) => (calls.push(`getBars:${r.timeframe}`), m.getBars(r)),
    getLatest: (s) => (calls.push('getLatest'), m.getLatest(s)),
    getAssets: (s) => (calls.push('getAssets'), m.getAssets(s)),
    getNews: (s, a, b) => (calls.push('getNews'), m.getNews(s, a, b)),
    screener: (r) => (calls.push('screener'), m.screener(r)),
  };
  return { market, calls };
}

const DATE = '2026-11-20';
const extra = Array.from({ length: 180 }, (_, i) => `X${String(i).padStart(3, '0')}`);
const feed = createSyntheticFeed({ seed: 7, epoch: '2024-09-03', through: DATE, symbols: [...DEFAULT_UNIVERSE, ...extra] });
const calendar = createNyseRulesCalendar();
const account = { cash: 100_000, equity: 100_000, buyingPower: 100_000, lastEquity: 100_000, daytradeCount: 0, status: 'ACTIVE' };

async function marketCycle(size: number, asOf: number, caches = createCycleCaches(DEFAULT_MARKET_SETTINGS)) {
  const c = counting(createSimMarketData({ feed, clock: createSimClock(asOf) }));
  const deps: MarketDeps = { settings: { watchlist: [], lookbackDays: 550, market: { screenerSize: size, minPrice: 0, minAvgDollarVolume: 0 } }, market: c.market, calendar };
  const session = sessionAt(await calendar.sessions(DATE, DATE), asOf);
  const stage = await loadMarket(deps, asOf, []);
  const regime = caches.regime.get(asOf) ?? rulesRegime(stage.regimeInputs);
  caches.regime.put(regime, asOf);
  const wl = chooseWatchlist(deps, stage, regime, []);
  const symbols = wl.entries.map((e) => e.symbol);
  const extras = await loadSymbolExtras(deps, caches, asOf, session, symbols, []);
  const snaps = symbols.map((s) => snapshotFor({ asOf, session, stage, extras, account, positions: [], openOrders: [], regime, settings: {} }, s));
  return { calls: c.calls, symbols, stage, snaps, caches };
}

describe('market-data requests per cycle', () => {
  it('are constant and at most 6 for 10, 50 and 100 watchlist symbols', async () => {
    const asOf = nyTime(DATE, '10:30');
    const counts: number[] = [];
    for (const size of [10, 50, 100]) {
      const r = await marketCycle(size, asOf);
      expect(r.symbols.length).toBeGreaterThanOrEqual(size);
      expect([...r.calls].sort()).toEqual(['getAssets', 'getBars:1Day', 'getBars:1Min', 'getLatest', 'getNews', 'screener']);
      counts.push(r.calls.length);
      // Every snapshot is usable: the simulator's data is clean.
      for (const s of r.snaps) expect(s.data_quality.missing_critical).toEqual([]);
    }
    expect(counts).toEqual([6, 6, 6]);
  });

  it('a second cycle within the TTLs reuses news and sectors (4 requests) and the regime (cached)', async () => {
    const caches = createCycleCaches(DEFAULT_MARKET_SETTINGS);
    await marketCycle(20, nyTime(DATE, '10:30'), caches);
    const r = await marketCycle(20, nyTime(DATE, '10:35'), caches);
    expect([...r.calls].sort()).toEqual(['getBars:1Day', 'getBars:1Min', 'getLatest', 'screener']);
    expect(r.snaps[0]!.market_regime.cached).toBe(true);
  });

  it('indicators are computed once per symbol: the snapshot carries the stage\'s prepared object itself', async () => {
    const r = await marketCycle(10, nyTime(DATE, '10:30'));
    r.symbols.forEach((s, i) => expect(r.snaps[i]!.indicators).toBe(r.stage.prepared.get(s)!.indicators));
  });

  it('benchmarks the data source lacks (the dollar and volatility proxies in the simulator) are skipped and noted', async () => {
    const r = await marketCycle(10, nyTime(DATE, '10:30'));
    expect(r.stage.regimeInputs.skipped_benchmarks).toEqual(['UUP', 'VIXY']);
    expect(r.stage.regimeInputs.benchmarks.map((b) => b.symbol)).toEqual(['SPY', 'QQQ', 'IWM', 'TLT', 'GLD']);
    expect(r.stage.notes.join(' ')).toContain('UUP, VIXY');
  });
});

describe('in the cycle', () => {
  function regimeCounting(b: Brain) {
    let calls = 0;
    const brain: Brain = { ...b, regime: (i) => (calls++, b.regime(i)) };
    return { brain, calls: () => calls };
  }

  it('regime: one brain call per TTL; the reused verdict is journaled with cached: true', async () => {
    const w = makeWorld({ prices: { AAPL: 100, MSFT: 200, SPY: 400 }, brain: createScriptedBrain({}) });
    const rc = regimeCounting(w.deps.brain);
    const deps = { ...w.deps, brain: rc.brain, caches: createCycleCaches({ ...DEFAULT_MARKET_SETTINGS, regimeTtlSec: 900 }) };
    const t1 = w.asOf;
    await runCycle(deps, t1);
    w.clock.set(t1 + 10 * 60_000);
    await runCycle(deps, t1 + 10 * 60_000);
    expect(rc.calls()).toBe(1);
    w.clock.set(t1 + 15 * 60_000);
    await runCycle(deps, t1 + 15 * 60_000);
    expect(rc.calls()).toBe(2);
    const rows = w.journal.db.prepare('SELECT regime_json FROM cycles ORDER BY as_of').all() as { regime_json: string }[];
    expect(rows.map((r) => (JSON.parse(r.regime_json) as { cached: boolean }).cached)).toEqual([false, true, false]);
    const snap = w.journal.db.prepare('SELECT logic_json FROM trades ORDER BY rowid LIMIT 1 OFFSET 3').get() as { logic_json: string };
    expect((JSON.parse(snap.logic_json) as { snapshot: { market_regime: { cached: boolean } } }).snapshot.market_regime.cached).toBe(true);
  });

  it('journals the resolved watchlist with reasons, and a logic_json snapshot excerpt of at most 8 KB', async () => {
    const w = makeWorld({ prices: { AAPL: 100, MSFT: 200, SPY: 400 }, brain: createScriptedBrain({ AAPL: { size_pct: 0.05 } }) });
    const c = counting(w.deps.market);
    const s = await runCycle({ ...w.deps, market: c.market }, w.asOf);
    expect(s.status).toBe('ok');
    // WATCHLIST_STATIC in this world: no screener call; assets + news once, bars + latest + minutes once.
    expect(c.calls.length).toBeLessThanOrEqual(6);
    expect(c.calls).not.toContain('screener');
    const cyc = w.journal.db.prepare('SELECT watchlist_json FROM cycles').get() as { watchlist_json: string };
    expect(JSON.parse(cyc.watchlist_json)).toEqual([
      { symbol: 'AAPL', reason: 'static' },
      { symbol: 'MSFT', reason: 'static' },
      { symbol: 'SPY', reason: 'static' },
    ]);
    const rows = w.journal.db.prepare('SELECT symbol, logic_json FROM trades ORDER BY symbol').all() as { symbol: string; logic_json: string }[];
    for (const r of rows) {
      const snap = (JSON.parse(r.logic_json) as { snapshot: unknown }).snapshot;
      expect(utf8Bytes(JSON.stringify(snap))).toBeLessThanOrEqual(8192);
      expect(snap).toMatchObject({ symbol: r.symbol, data_quality: { missing_critical: [] } });
    }
  });

  it('a held symbol stays on the list the next cycle even when the static list does not name it', async () => {
    const w = makeWorld({ prices: { AAPL: 100, MSFT: 200, SPY: 400 }, brain: createScriptedBrain({ AAPL: { size_pct: 0.05 } }), watchlist: ['AAPL', 'SPY'] });
    await runCycle(w.deps, w.asOf);
    const t2 = w.asOf + 30 * 60_000;
    w.clock.set(t2);
    const deps = { ...w.deps, settings: { ...w.deps.settings, watchlist: ['MSFT'] } };
    await runCycle(deps, t2);
    const last = w.journal.db.prepare('SELECT watchlist_json FROM cycles ORDER BY as_of DESC LIMIT 1').get() as { watchlist_json: string };
    expect(JSON.parse(last.watchlist_json)).toEqual([
      { symbol: 'MSFT', reason: 'static' },
      { symbol: 'AAPL', reason: 'held' },
    ]);
    expect(TEST_DATE).toBe(DATE);
  });
});
