/**
 * npm run bench:snapshot   (npx tsx bench/snapshot.ts [--runs N])
 * Market-data requests per cycle and snapshot assembly time for 10, 50 and 100 symbols on the
 * embedded simulator. The MarketData port is wrapped to count calls by method. Each size runs
 * two cycles 15 minutes apart: the first with cold caches (screener, daily bars, latest, minute
 * bars, news, assets), the second with the news/sector/regime TTL caches warm. Assembly time
 * is everything from the first market-data request to the last symbol's snapshot (the regime
 * is the deterministic rules brain, so it costs microseconds, not a model call).
 * The same cycles then run against the loopback fake Alpaca server (tests/fakes/alpaca-server.ts)
 * through the real Alpaca market-data adapter behind the daily-bar store (the paper/live
 * composition), for 10/25/50/100 symbols, counting the HTTP requests the server saw (pagination
 * included): a cold process without the store, the one-time backfill (start-up pre-warm), the
 * first cycle after a restart (store warm, process caches cold), a warm cycle, and the first
 * cycle of the next session.
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
import { nyDate, nyTime } from '../src/core/time/ny.js';
import { sessionAt } from '../src/core/time/sessions.js';
import { chooseWatchlist, createCycleCaches, DEFAULT_MARKET_SETTINGS, loadMarket, loadSymbolExtras, snapshotFor, type MarketDeps } from '../src/cycle/market-context.js';
import type { MarketData } from '../src/ports/market-data.js';
import { createAlpacaCalendar } from '../src/adapters/alpaca/calendar.js';
import { createAlpacaMarketData } from '../src/adapters/alpaca/market-data.js';
import { withStoredDailyBars } from '../src/adapters/stored-bars/daily-bars.js';
import { prewarmDailyBars } from '../src/app/daily-bars-store.js';
import { alpacaHarness, closeSession } from '../tests/alpaca/harness.js';

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
  const date = nyDate(asOf);
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
// Paper/live composition: the Alpaca adapter behind the daily-bar store (the journal's SQLite file).
const NEXT = '2026-11-23'; // the session after DATE (a Friday)
console.log('');
console.log('fake Alpaca server (loopback), real Alpaca market-data adapter behind the daily-bar store: HTTP requests the server saw (pagination included)');
console.log('phases: no store = a cold process without the store (the old behaviour); backfill = the one-time pre-warm at start-up (09:35, one market stage);');
console.log('        restart = first cycle of a new process (store warm, process caches cold) at 10:00; warm = the same process at 10:10;');
console.log('        next session = a new process the next session at 10:00 (one session to add to the store). 3 news items per symbol on the server.');
console.log('size  symbols  phase          HTTP data  HTTP trading  by endpoint (data)                                                              ms');
const fakeSymbols = [...new Set([...DEFAULT_UNIVERSE, 'UUP', 'VIXY', ...extra.slice(0, 150)])];
for (const size of [10, 25, 50, 100]) {
  const h = await alpacaHarness({ at: nyTime(DATE, '09:35'), symbols: fakeSymbols, rateLimit: false });
  try {
    for (const s of fakeSymbols) for (let i = 0; i < 3; i++) h.fake.addNews({ headline: `${s} story ${i}`, symbols: [s], at: h.clock.now() - (i + 1) * 3_600_000 });
    /** A new process over the same database: fresh adapters and caches. */
    const proc = (store: boolean) => {
      const cal = createAlpacaCalendar({ client: h.client, db: h.journal.db, clock: h.clock });
      const inner = createAlpacaMarketData({ client: h.client, calendar: cal, clock: h.clock, feed: 'iex' });
      const deps: MarketDeps = {
        settings: { watchlist: [], lookbackDays: 550, market: { ...DEFAULT_MARKET_SETTINGS, screenerSize: size, minAvgDollarVolume: 0, minPrice: 0 } },
        market: store ? withStoredDailyBars(inner, { db: h.journal.db, calendar: cal }) : inner,
        calendar: cal,
      };
      return { deps, caches: createCycleCaches({ regimeTtlSec: 900, enrichment: DEFAULT_MARKET_SETTINGS.enrichment }) };
    };
    const phase = async (name: string, at: number, run: () => Promise<{ symbols: number; ms: number }>) => {
      h.clock.set(at);
      h.fake.resetRequests();
      const res = await run();
      const by: Record<string, number> = {};
      for (const r of h.fake.requests.filter((q) => q.host === 'data')) {
        const k = `${r.path.replace(/^\/v\d(beta\d)?\//, '')}${r.query.get('timeframe') ? ` ${r.query.get('timeframe')}` : ''}`;
        by[k] = (by[k] ?? 0) + 1;
      }
      const detail = Object.entries(by).map(([k, v]) => `${k}=${v}`).join(' ');
      console.log(`${String(size).padEnd(5)} ${String(res.symbols).padEnd(8)} ${name.padEnd(14)} ${String(h.fake.count({ host: 'data' })).padEnd(10)} ${String(h.fake.count({ host: 'trading' })).padEnd(13)} ${detail.padEnd(78)} ${res.ms.toFixed(1).padStart(6)}`);
    };
    const run = (p: ReturnType<typeof proc>) => () => cycle(p.deps, p.caches, h.clock.now());
    const bare = proc(false);
    await phase('no store', nyTime(DATE, '10:00'), run(bare));
    await phase('backfill', nyTime(DATE, '09:35'), async () => {
      const t0 = performance.now();
      const r = await prewarmDailyBars(proc(true).deps, h.clock.now(), []);
      return { symbols: r.symbols, ms: performance.now() - t0 };
    });
    const restarted = proc(true);
    await phase('restart', nyTime(DATE, '10:00'), run(restarted));
    await phase('warm', nyTime(DATE, '10:10'), run(restarted));
    closeSession(h.fake, DATE, fakeSymbols);
    await phase('next session', nyTime(NEXT, '10:00'), run(proc(true)));
  } finally {
    await h.close();
  }
}
