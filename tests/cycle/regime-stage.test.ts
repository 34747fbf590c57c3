import { describe, expect, it } from 'vitest';
import { rulesRegime } from '../../src/adapters/rules/regime.js';
import type { RegimeInputs } from '../../src/core/regime-inputs.js';
import { cycleIdFor } from '../../src/cycle/ids.js';
import { createCycleCaches, marketSettings, type MarketSettings } from '../../src/cycle/market-context.js';
import { prewarmRegime } from '../../src/cycle/regime-prewarm.js';
import { mergeExtras } from '../../src/cycle/regime-stage.js';
import type { SymbolExtras } from '../../src/cycle/market-context.js';
import { runCycle } from '../../src/cycle/run-cycle.js';
import type { CycleDeps } from '../../src/cycle/types.js';
import type { LlmUsage, RegimeVerdict } from '../../src/domain/decision.js';
import type { Snapshot } from '../../src/domain/snapshot.js';
import type { Brain, RegimeResult } from '../../src/ports/brain.js';
import type { MarketData } from '../../src/ports/market-data.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { makeWorld, type World } from '../helpers/world.js';

/**
 * The regime stage: a cold cycle overlaps the regime call with the watchlist's extras fetch; a
 * scheduled cycle finds the verdict the pre-warm put into the same regime cache and never calls.
 */

const PRICES = { AAPL: 100, MSFT: 200, SH: 20, PSQ: 30 };
const usage = (cost: number): LlmUsage => ({ model: 'm', purpose: 'regime', attempt: 1, input_tokens: 100, output_tokens: 20, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, latency_ms: 1500, cost_usd: cost });
const tick = () => new Promise((r) => setImmediate(r));

/** A real Brain (scripted decisions) whose regime call is under the test's control. */
function regimeBrain(verdict: (inputs: RegimeInputs) => RegimeResult) {
  const base = createScriptedBrain({});
  let open: () => void = () => {};
  let gate: Promise<void> | null = null;
  const b = {
    ...base,
    regimeCalls: 0,
    pending: false,
    /** The next regime calls wait until release(). */
    hold() {
      gate = new Promise<void>((r) => (open = r));
    },
    release: () => open(),
    regime: async (inputs: RegimeInputs) => {
      b.regimeCalls++;
      b.pending = true;
      if (gate) await gate;
      b.pending = false;
      return verdict(inputs);
    },
  };
  return b satisfies Brain;
}

/** The sim market with a log of what was asked for (method and, for bars, the timeframe). */
function loggedMarket(m: MarketData, calls: string[]): MarketData {
  return {
    ...m,
    getBars: (req) => (calls.push(`getBars ${req.timeframe}`), m.getBars(req)),
    getLatest: (s) => (calls.push('getLatest'), m.getLatest(s)),
    getAssets: (s) => (calls.push(`getAssets ${s.join(',')}`), m.getAssets(s)),
    getNews: (symbols, since, limit) => (calls.push('getNews'), m.getNews(symbols, since, limit)),
    screener: (req) => (calls.push('screener'), m.screener(req)),
  };
}

function withCaches(w: World, brain: Brain, calls: string[], market: Partial<MarketSettings> = {}): CycleDeps {
  const settings = { ...w.deps.settings, market: { ...w.deps.settings.market, ...market } };
  return { ...w.deps, brain, market: loggedMarket(w.deps.market, calls), settings, caches: createCycleCaches(marketSettings(settings.market)) };
}

const regimeRows = (w: World) => w.journal.db.prepare("SELECT cycle_id, cost_usd FROM llm_usage WHERE purpose = 'regime' ORDER BY id").all() as { cycle_id: string; cost_usd: number }[];
const cycleRegime = (w: World, id: string) => JSON.parse((w.journal.db.prepare('SELECT regime_json FROM cycles WHERE id = ?').get(id) as { regime_json: string }).regime_json) as RegimeVerdict;
const snapshots = (w: World) =>
  (w.journal.db.prepare('SELECT symbol, logic_json FROM trades ORDER BY symbol').all() as { symbol: string; logic_json: string }[]).map((r) => ({ symbol: r.symbol, snapshot: (JSON.parse(r.logic_json) as { snapshot: Snapshot }).snapshot }));

describe('a cold cycle: the regime call overlaps the extras fetch', () => {
  it('minute bars and enrichment are requested while the regime call is still in flight; its usage is journaled', async () => {
    const brain = regimeBrain((inputs) => ({ verdict: rulesRegime(inputs), usage: [usage(0.001)] }));
    const w = makeWorld({ prices: PRICES, brain, watchlist: ['AAPL', 'MSFT'] });
    const calls: string[] = [];
    brain.hold();
    const run = runCycle(withCaches(w, brain, calls), w.asOf);
    for (let i = 0; i < 200 && !calls.includes('getBars 1Min'); i++) await tick();
    expect(brain.pending).toBe(true);
    expect(calls).toContain('getBars 1Min');
    expect(calls.some((c) => c.startsWith('getAssets'))).toBe(true);
    brain.release();
    const s = await run;
    expect(s.status).toBe('ok');
    expect(s.symbols).toBe(2);
    expect(calls.filter((c) => c === 'getBars 1Min')).toHaveLength(1);
    expect(regimeRows(w)).toEqual([{ cycle_id: s.cycle_id, cost_usd: 0.001 }]);
    expect(s.cost_usd).toBeCloseTo(0.001, 6);
    // Every snapshot has its session VWAP: the extras reached the symbols.
    for (const t of snapshots(w)) expect(t.snapshot.live.vwap).not.toBeNull();
  });

  it('hedges a bearish verdict adds get their extras in a second, small fetch', async () => {
    const bearish = (inputs: RegimeInputs): RegimeResult => ({ verdict: { ...rulesRegime(inputs), direction: 'bearish', conviction: 0.9, bearish_tickers: ['SH', 'PSQ'], source: 'claude' }, usage: [] });
    const brain = regimeBrain(bearish);
    const w = makeWorld({ prices: PRICES, brain, watchlist: [] });
    const calls: string[] = [];
    // Screener off: the watchlist is the anchor, plus whatever the regime adds.
    const s = await runCycle(withCaches(w, brain, calls, { anchors: ['AAPL'], screenerSize: 0 }), w.asOf);
    expect(s.status).toBe('ok');
    expect(snapshots(w).map((t) => t.symbol)).toEqual(['AAPL', 'PSQ', 'SH']);
    expect(calls.filter((c) => c === 'getBars 1Min')).toHaveLength(2);
    expect(calls.filter((c) => c.startsWith('getAssets'))).toEqual(['getAssets AAPL', 'getAssets SH,PSQ']);
    for (const t of snapshots(w)) {
      expect(t.snapshot.live.vwap, t.symbol).not.toBeNull();
      expect(t.snapshot.market_regime.direction).toBe('bearish');
    }
  });

  it('a failing extras fetch still journals the regime call it overlapped, and fails the cycle setup', async () => {
    const brain = regimeBrain((inputs) => ({ verdict: rulesRegime(inputs), usage: [usage(0.002)] }));
    const w = makeWorld({ prices: PRICES, brain, watchlist: ['AAPL'] });
    const deps = withCaches(w, brain, []);
    const market: MarketData = { ...deps.market, getBars: (req) => (req.timeframe === '1Min' ? Promise.reject(new Error('minute bars down')) : deps.market.getBars(req)) };
    const s = await runCycle({ ...deps, market }, w.asOf);
    expect(s.status).toBe('failed');
    expect(s.reason).toMatch(/minute bars down/);
    expect(regimeRows(w)).toEqual([{ cycle_id: s.cycle_id, cost_usd: 0.002 }]);
  });
});

describe('mergeExtras (the watchlist extras plus a hedge fetch)', () => {
  const extras = (symbol: string, withSummary: boolean): SymbolExtras => ({
    minute: new Map([[symbol, []]]),
    ...(withSummary ? { minuteSummaries: new Map([[symbol, { invalid: 0, vwap: 10, volume: 100 }]]) } : {}),
    enrichment: { sectors: new Map([[symbol, 'Tech']]), news: null, earnings: null },
    notes: [`${symbol} note`],
  });

  it('keeps both sides\' minute summaries, so a hedge symbol\'s VWAP is not recomputed from scratch', () => {
    const m = mergeExtras(extras('AAPL', true), extras('SH', true));
    expect([...(m.minuteSummaries?.keys() ?? [])]).toEqual(['AAPL', 'SH']);
    expect([...(m.minute?.keys() ?? [])]).toEqual(['AAPL', 'SH']);
    expect([...(m.enrichment.sectors?.keys() ?? [])]).toEqual(['AAPL', 'SH']);
    expect(m.notes).toEqual(['AAPL note', 'SH note']);
  });

  it('leaves minute summaries absent when neither side has them', () => {
    expect(mergeExtras(extras('AAPL', false), extras('SH', false))).not.toHaveProperty('minuteSummaries');
    expect([...(mergeExtras(extras('AAPL', false), extras('SH', true)).minuteSummaries?.keys() ?? [])]).toEqual(['SH']);
  });
});

describe('the regime pre-warm', () => {
  const LEAD = 120_000;

  it('refreshes the cycle cache ahead of the slot; the cycle reuses it without a call; usage goes to that cycle id', async () => {
    const brain = regimeBrain((inputs) => ({ verdict: { ...rulesRegime(inputs), source: 'claude' }, usage: [usage(0.003)] }));
    const w = makeWorld({ prices: PRICES, brain, watchlist: ['AAPL', 'MSFT'], at: '09:58' });
    const deps = withCaches(w, brain, []);
    const slot = w.asOf + LEAD;
    const r = await prewarmRegime(deps, w.asOf, { cycleId: cycleIdFor(slot), coverUntil: slot + 60_000 });
    expect(r).toMatchObject({ status: 'refreshed', covers: true, costUsd: 0.003 });
    expect(brain.regimeCalls).toBe(1);

    w.clock.set(slot + 30_000); // the jittered start
    const s = await runCycle(deps, w.clock.now(), { cycleId: cycleIdFor(slot) });
    expect(s.status).toBe('ok');
    expect(brain.regimeCalls).toBe(1);
    expect(cycleRegime(w, s.cycle_id)).toMatchObject({ source: 'claude', cached: true, as_of: new Date(w.asOf).toISOString() });
    expect(regimeRows(w)).toEqual([{ cycle_id: cycleIdFor(slot), cost_usd: 0.003 }]);
  });

  it('leaves a verdict that is still fresh when the cycle can start alone (no call)', async () => {
    const brain = regimeBrain((inputs) => ({ verdict: rulesRegime(inputs), usage: [] }));
    const w = makeWorld({ prices: PRICES, brain, watchlist: ['AAPL'], at: '09:58' });
    const deps = withCaches(w, brain, []);
    await prewarmRegime(deps, w.asOf, { cycleId: 'c1', coverUntil: w.asOf + LEAD });
    const again = await prewarmRegime(deps, w.asOf + 60_000, { cycleId: 'c2', coverUntil: w.asOf + 60_000 + LEAD });
    expect(again.status).toBe('still_fresh');
    expect(brain.regimeCalls).toBe(1);
    // Past the TTL (900 s) the next one asks again.
    const later = await prewarmRegime(deps, w.asOf + 800_000, { cycleId: 'c3', coverUntil: w.asOf + 800_000 + LEAD });
    expect(later.status).toBe('refreshed');
    expect(brain.regimeCalls).toBe(2);
  });

  it('a fallback verdict is not cached: the cycle asks the brain again', async () => {
    let n = 0;
    const brain = regimeBrain((inputs) => (++n === 1 ? { verdict: { ...rulesRegime(inputs), source: 'rules_fallback' }, usage: [], fallback: { reason: '529 overloaded' } } : { verdict: rulesRegime(inputs), usage: [] }));
    const w = makeWorld({ prices: PRICES, brain, watchlist: ['AAPL'], at: '09:58' });
    const deps = withCaches(w, brain, []);
    expect(await prewarmRegime(deps, w.asOf, { cycleId: 'c1', coverUntil: w.asOf + LEAD })).toMatchObject({ status: 'fallback', reason: '529 overloaded' });
    w.clock.set(w.asOf + LEAD);
    await runCycle(deps, w.clock.now());
    expect(brain.regimeCalls).toBe(2);
  });

  it('without a regime cache in the cycle deps there is nothing to warm', async () => {
    const brain = regimeBrain((inputs) => ({ verdict: rulesRegime(inputs), usage: [] }));
    const w = makeWorld({ prices: PRICES, brain, watchlist: ['AAPL'] });
    expect(await prewarmRegime(w.deps, w.asOf, { cycleId: 'c1', coverUntil: w.asOf })).toEqual({ status: 'no_cache' });
    expect(brain.regimeCalls).toBe(0);
  });
});
