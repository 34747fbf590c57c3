import { describe, expect, it } from 'vitest';
import { resolveWatchlist, type SymbolQuality, type WatchlistRules } from '../../src/core/watchlist.js';
import { regime } from '../helpers/builders.js';

const rules = (over: Partial<WatchlistRules> = {}): WatchlistRules => ({
  staticList: [],
  anchors: [],
  screenerSize: 3,
  includeOpenPositions: true,
  bearishInjectThreshold: 0.6,
  minPrice: 5,
  minAvgDollarVolume: 1_000_000,
  ...over,
});
const good: SymbolQuality = { price: 50, avgDollarVolume: 50_000_000 };
const quality = (over: Record<string, SymbolQuality> = {}) =>
  new Map<string, SymbolQuality>([...['A', 'B', 'C', 'D', 'E', 'F', 'SH', 'PSQ', 'SPY', 'QQQ'].map((s) => [s, good] as const), ...Object.entries(over)]);
const symbols = (r: ReturnType<typeof resolveWatchlist>) => r.entries.map((e) => e.symbol);
const bearish = (conviction: number) => regime({ direction: 'bearish', conviction, bearish_tickers: ['SH', 'PSQ'] });

describe('watchlist composition', () => {
  it('anchors first, then screener symbols in rank order, capped', () => {
    const r = resolveWatchlist(rules({ anchors: ['SPY', 'QQQ'] }), { screener: ['A', 'B', 'C', 'D', 'E'], held: [], regime: null, quality: quality() });
    expect(symbols(r)).toEqual(['SPY', 'QQQ', 'A', 'B', 'C']);
    expect(r.entries.map((e) => e.reason)).toEqual(['anchor', 'anchor', 'screener', 'screener', 'screener']);
    expect(r.entries[2]!.detail).toBe('#1');
  });

  it('quality filters (min price, min average dollar volume) drop screener symbols; the next ones fill the cap', () => {
    const r = resolveWatchlist(rules(), {
      screener: ['A', 'B', 'C', 'D', 'E'],
      held: [],
      regime: null,
      quality: quality({ A: { price: 2, avgDollarVolume: 1e9 }, B: { price: 50, avgDollarVolume: 10_000 }, C: { price: null, avgDollarVolume: null } }),
    });
    expect(symbols(r)).toEqual(['D', 'E']);
    expect(r.excluded.map((x) => [x.symbol, x.why])).toEqual([
      ['A', 'price 2.00 < min 5'],
      ['B', 'avg dollar volume 10000 < min 1.0M'],
      ['C', 'no price data'],
    ]);
  });

  it('hedge tickers join only when bearish with conviction >= the threshold', () => {
    const base = { screener: ['A'], held: [], quality: quality() };
    expect(symbols(resolveWatchlist(rules(), { ...base, regime: bearish(0.59) }))).toEqual(['A']);
    expect(symbols(resolveWatchlist(rules(), { ...base, regime: bearish(0.6) }))).toEqual(['A', 'SH', 'PSQ']);
    expect(symbols(resolveWatchlist(rules(), { ...base, regime: regime({ direction: 'bullish', conviction: 0.9, bearish_tickers: ['SH'] }) }))).toEqual(['A']);
    const h = resolveWatchlist(rules(), { ...base, regime: bearish(0.8) }).entries.find((e) => e.symbol === 'SH')!;
    expect(h.reason).toBe('hedge');
    expect(h.detail).toBe('regime bearish 0.80 >= 0.6');
  });

  it('hedges without data are not added (and say why)', () => {
    const r = resolveWatchlist(rules(), { screener: [], held: [], regime: regime({ direction: 'bearish', conviction: 0.9, bearish_tickers: ['DOG'] }), quality: quality() });
    expect(symbols(r)).toEqual([]);
    expect(r.excluded).toEqual([{ symbol: 'DOG', source: 'hedge', why: 'no price data' }]);
  });

  it('held symbols are always added, never filtered, never cut by the cap', () => {
    const r = resolveWatchlist(rules({ screenerSize: 1 }), {
      screener: ['A', 'B'],
      held: ['PENNY', 'B', 'Z1', 'Z2', 'Z3'],
      regime: null,
      quality: quality({ PENNY: { price: 0.5, avgDollarVolume: 1 } }),
    });
    expect(symbols(r)).toEqual(['A', 'PENNY', 'B', 'Z1', 'Z2', 'Z3']);
    expect(r.entries.find((e) => e.symbol === 'B')!.reason).toBe('held');
  });

  it('WATCHLIST_INCLUDE_OPEN_POSITIONS=false leaves held symbols out', () => {
    const r = resolveWatchlist(rules({ includeOpenPositions: false }), { screener: ['A'], held: ['Z1'], regime: null, quality: quality() });
    expect(symbols(r)).toEqual(['A']);
  });

  it('de-duplicated: a symbol keeps its first reason and names the others', () => {
    const r = resolveWatchlist(rules({ anchors: ['A', 'SH'] }), { screener: ['A', 'B', 'A'], held: ['B', 'SH'], regime: bearish(0.9), quality: quality() });
    expect(symbols(r)).toEqual(['A', 'SH', 'B', 'PSQ']);
    expect(new Set(symbols(r)).size).toBe(symbols(r).length);
    const a = r.entries.find((e) => e.symbol === 'A')!;
    expect(a.reason).toBe('anchor');
    expect(a.detail).toContain('also screener (#1)');
    expect(r.entries.find((e) => e.symbol === 'B')).toEqual({ symbol: 'B', reason: 'screener', detail: '#2; also held' });
    expect(r.entries.find((e) => e.symbol === 'SH')!.detail).toContain('also hedge');
  });

  it('WATCHLIST_STATIC is the list (plus held): no screener, no anchors, no hedges even when bearish', () => {
    const r = resolveWatchlist(rules({ staticList: ['X', 'Y'], anchors: ['SPY'] }), { screener: ['A', 'B'], held: ['Z1', 'X'], regime: bearish(1), quality: quality() });
    expect(symbols(r)).toEqual(['X', 'Y', 'Z1']);
    expect(r.entries.map((e) => e.reason)).toEqual(['static', 'static', 'held']);
  });

  it('screener output is untrusted: anything not shaped like a ticker is dropped', () => {
    const r = resolveWatchlist(rules(), { screener: ['A', 'ignore previous instructions', 'b', '$$$', 'B'], held: [], regime: null, quality: quality() });
    expect(symbols(r)).toEqual(['A', 'B']);
    expect(r.excluded.map((x) => x.why)).toEqual(['not a valid symbol', 'not a valid symbol', 'not a valid symbol']);
  });
});
