/**
 * npm run bench:snapshot   (npx tsx bench/snapshot.ts [--runs N])
 * Market-data requests per cycle and snapshot assembly time for 10, 50 and 100 symbols on the
 * embedded simulator. The MarketData port is wrapped to count calls by method. Each size runs
 * two cycles 15 minutes apart: the first with cold caches (screener, daily bars, latest, minute
 * bars, news, assets), the second with the news/sector/regime TTL caches warm. Assembly time
 * is everything from the first market-data request to the last symbol's snapshot (the regime
 * is the deterministic rules brain, so it costs microseconds, not a model call).
 * The same cycles then run against the loopback fake Alpaca server (tests/fakes/alpaca-server.ts)
 * through the real Alpaca market-data adapter, counting both port calls and the HTTP requests
 * the server saw (pagination included).
 * Prints figures; asserts nothing.
 */
import { parseArgs } from 'node:util';
import { createNyseRulesCalendar } from '../src/adapters/calendar/nyse-rules.js';
import { createRulesBrain } from '../src/adapters/rules/brain.js';
import { createSimClock } from '../src/adapters/sim/clock.js';
import { createSimMarketData } from '../src/adapters/sim/market-data.js';
import { createSyntheticFeed } from '../src/adapters/sim/synthetic.js';
import { DEFAULT_UNIVERSE } from '../src/config.js';
import type { Account } from '../src/domain/broker.js';
import { nyTime } from '../src/core/time/ny.js';
import { sessionAt } from '../src/core/time/sessions.js';
import { chooseWatchlist, createCycleCaches, DEFAULT_MARKET_SETTINGS, loadMarket, loadSymbolExtras, snapshotFor, type MarketDeps } from '../src/cycle/market-context.js';
import type { MarketData } from '../src/ports/market-data.js';
import { alpacaHarness } from '../tests/alpaca/harness.js';

const { values } = parseArgs({ options: { runs: { type: 'string' } } });
const runs = Math.max(1, Number(values.runs ?? 3));

const DATE = '2026-11-20';
const extra = Array.from({ length: 200 }, (_, i) => `S${String(i).padStart(3, '0')}`);
const feed = createSyntheticFeed({ seed: 42, through: DATE, symbols: [...DEFAULT_UNIVERSE, ...extra] });
const calendar = createNyseRulesCalendar();
const brain = createRulesBrain();
const account: Account = { cash: 100_000, equity: 100_000, buyingPower: 100_000, lastEquity: 100_000, daytradeCount: 0, status: 'ACTIVE' };

/** Counts calls per method and the time spent waiting on them (the simulator's own cost). */
function counting(m: MarketData) {
  const calls: Record<string, number> = {};
  const waited = { ms: 0 };
  const track = async <T>(k: string, p: () => Promise<T>): Promise<T> => {
    calls[k] = (calls[k] ?? 0) + 1;
    const t = performance.now();
    try {
      return await p();
    } finally {
      waited.ms += performance.now() - t;
    }
  };
  const wrapped: MarketData = {
    getBars: (r) => track(`getBars:${r.timeframe}`, () => m.getBars(r)),
    getLatest: (s) => track('getLatest', () => m.getLatest(s)),
    getAssets: (s) => track('getAssets', () => m.getAssets(s)),
    getNews: (s, since, limit) => track('getNews', () => m.getNews(s, since, limit)),
    screener: (r) => track('screener', () => m.screener(r)),
  };
  return {
    market: wrapped,
    calls,
    waited,
    reset: () => {
      Object.keys(calls).forEach((k) => delete calls[k]);
      waited.ms = 0;
    },
  };
}

async function cycle(deps: MarketDeps, caches: ReturnType<typeof createCycleCaches>, asOf: number) {
  const t0 = performance.now();
  const date = DATE;
  const session = sessionAt(await calendar.sessions(date, date), asOf);
  const stage = await loadMarket(deps, asOf, []);
  let regime = caches.regime.get(asOf);
  if (!regime) {
    regime = (await brain.regime(stage.regimeInputs)).verdict;
    caches.regime.put(regime, asOf);
  }
  const wl = chooseWatchlist(deps, stage, regime, []);
  const symbols = wl.entries.map((e) => e.symbol);
  const extras = await loadSymbolExtras(deps, caches, asOf, session, symbols, []);
  let bytes = 0;
  for (const s of symbols) {
    const snap = snapshotFor({ asOf, session, stage, extras, account, positions: [], openOrders: [], regime, settings: {} }, s);
    bytes += JSON.stringify(snap).length;
  }
  return { ms: performance.now() - t0, symbols: symbols.length, bytes };
}

console.log(`snapshot bench on the synthetic simulator (${feed.symbols().length} symbols in the feed), ${runs} timed run(s) per row after one untimed warm-up, medians`);
console.log('WATCHLIST_SCREENER_SIZE=N; the regime is bearish on this date, so the hedge tickers SH and PSQ join the list.');
console.log('assembly = wall time from the first request to the last snapshot; data = time inside the (simulated) port; compute = the rest.');
console.log('size  symbols  caches  requests  by method                                                                  assembly ms  data ms  compute ms  compute/symbol ms');
for (const size of [10, 50, 100]) {
  for (const which of ['cold', 'warm'] as const) {
    const times: { total: number; data: number }[] = [];
    let last: { requests: number; detail: string; symbols: number } | null = null;
    for (let r = -1; r < runs; r++) {
      const t1 = nyTime(DATE, '10:00');
      const t2 = nyTime(DATE, '10:10');
      const clock = createSimClock(t1);
      const c = counting(createSimMarketData({ feed, clock }));
      const deps: MarketDeps = {
        settings: { watchlist: [], lookbackDays: 550, market: { ...DEFAULT_MARKET_SETTINGS, screenerSize: size, minAvgDollarVolume: 0, minPrice: 0 } },
        market: c.market,
        calendar,
      };
      const caches = createCycleCaches({ regimeTtlSec: 900, enrichment: DEFAULT_MARKET_SETTINGS.enrichment });
      let res = await cycle(deps, caches, t1);
      if (which === 'warm') {
        clock.set(t2);
        c.reset();
        res = await cycle(deps, caches, t2);
      }
      if (r < 0) continue; // warm-up: the synthetic feed builds its paths lazily
      times.push({ total: res.ms, data: c.waited.ms });
      const requests = Object.values(c.calls).reduce((a, b) => a + b, 0);
      last = { requests, detail: Object.entries(c.calls).map(([k, v]) => `${k}=${v}`).join(' '), symbols: res.symbols };
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const total = median(times.map((t) => t.total));
    const data = median(times.map((t) => t.data));
    const compute = median(times.map((t) => t.total - t.data));
    console.log(
      `${String(size).padEnd(5)} ${String(last!.symbols).padEnd(8)} ${which.padEnd(7)} ${String(last!.requests).padEnd(9)} ${last!.detail.padEnd(74)} ${total.toFixed(1).padStart(11)}  ${data.toFixed(1).padStart(7)}  ${compute.toFixed(1).padStart(10)}  ${(compute / last!.symbols).toFixed(2).padStart(17)}`,
    );
  }
}

// ---- the same cycles through the real Alpaca adapter against the loopback fake server ----
console.log('');
console.log('fake Alpaca server (loopback), real Alpaca market-data adapter: port calls and the HTTP requests the server saw');
console.log('size  symbols  caches  port calls  HTTP data  HTTP trading (assets, calendar)  by method                                                                  assembly ms');
const fakeSymbols = [...new Set([...DEFAULT_UNIVERSE, 'UUP', 'VIXY', ...extra.slice(0, 150)])];
for (const size of [10, 50, 100]) {
  const h = await alpacaHarness({ at: nyTime(DATE, '10:00'), symbols: fakeSymbols, rateLimit: false });
  try {
    const c = counting(h.market);
    const deps: MarketDeps = {
      settings: { watchlist: [], lookbackDays: 550, market: { ...DEFAULT_MARKET_SETTINGS, screenerSize: size, minAvgDollarVolume: 0, minPrice: 0 } },
      market: c.market,
      calendar: h.calendar,
    };
    const caches = createCycleCaches({ regimeTtlSec: 900, enrichment: DEFAULT_MARKET_SETTINGS.enrichment });
    for (const [which, at] of [['cold', nyTime(DATE, '10:00')], ['warm', nyTime(DATE, '10:10')]] as const) {
      h.clock.set(at);
      c.reset();
      h.fake.resetRequests();
      const res = await cycle(deps, caches, at);
      const requests = Object.values(c.calls).reduce((a, b) => a + b, 0);
      const http = h.fake.count({ host: 'data' });
      const trading = h.fake.count({ host: 'trading' });
      const detail = Object.entries(c.calls).map(([k, v]) => `${k}=${v}`).join(' ');
      console.log(`${String(size).padEnd(5)} ${String(res.symbols).padEnd(8)} ${which.padEnd(7)} ${String(requests).padEnd(11)} ${String(http).padEnd(10)} ${String(trading).padEnd(32)} ${detail.padEnd(74)} ${res.ms.toFixed(1).padStart(11)}`);
    }
  } finally {
    await h.close();
  }
}
