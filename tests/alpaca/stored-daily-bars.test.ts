import { afterEach, describe, expect, it } from 'vitest';
import { createAlpacaMarketData } from '../../src/adapters/alpaca/market-data.js';
import { agrees, withStoredDailyBars } from '../../src/adapters/stored-bars/daily-bars.js';
import { nyDate, nyTime } from '../../src/core/time/ny.js';
import type { Bar } from '../../src/domain/market.js';
import type { MarketData } from '../../src/ports/market-data.js';
import type { DailyBar } from '../fakes/alpaca-server.js';
import { alpacaHarness, closeSession as closeSessionOf, TEST_DATE, type Harness } from './harness.js';

/**
 * The daily-bar store (adapters/stored-bars) over the real Alpaca adapter and the fake server:
 * what it serves must equal what the adapter alone returns, while it fetches only the tail;
 * splits, holes and today's bar are handled without ever serving or storing unvouched data.
 */

const DAY = 86_400_000;
const LOOKBACK = 550;
const NEXT = '2026-11-23'; // the session after TEST_DATE (a Friday)
const SYMBOLS = ['AAA', 'BBB', 'CCC', 'SPY'];

let h: Harness;
afterEach(async () => h.close());

const round2 = (n: number) => Math.round(n * 100) / 100;
const req = (at: number, symbols = SYMBOLS, lookback = LOOKBACK) => ({ symbols, timeframe: '1Day' as const, start: at - lookback * DAY, end: at });
const inner = () => createAlpacaMarketData({ client: h.client, calendar: h.calendar, clock: h.clock, feed: 'iex' });
/** A new process: cold in-memory caches, the same SQLite store. */
function proc(dropped: string[] = []): MarketData {
  return withStoredDailyBars(inner(), { db: h.journal.db, calendar: h.calendar, onInvalidate: (e) => dropped.push(e.symbol) });
}
/** What the adapter alone answers (no caching at all). */
const reference = (r: ReturnType<typeof req>) => createAlpacaMarketData({ client: h.client, calendar: h.calendar, clock: h.clock, feed: 'iex', cache: false }).getBars(r);
const dailyRequests = () => h.fake.requests.filter((r) => r.path === '/v2/stocks/bars' && r.query.get('timeframe') === '1Day');
const stored = (symbol: string) =>
  h.journal.db.prepare("SELECT t, end_t AS end, o, h, l, c, v FROM bars_cache WHERE symbol = ? AND timeframe = 'day' ORDER BY t").all(symbol) as Bar[];
const closeSession = (date: string) => closeSessionOf(h.fake, date, SYMBOLS);
/** A 2:1 split as adjustment=all shows it: every earlier price halves, volumes double. */
function split(symbol: string, ratio: number) {
  const adj = (b: DailyBar): DailyBar => ({ date: b.date, o: round2(b.o / ratio), h: round2(b.h / ratio), l: round2(b.l / ratio), c: round2(b.c / ratio), v: b.v * ratio });
  h.fake.setSymbol(symbol, { daily: h.fake.daily(symbol).map(adj), price: round2(h.fake.price(symbol) / ratio) });
}

describe('stored daily bars over the Alpaca adapter', () => {
  it('backfills once; a restart the same day sends no daily request, the next session one batched tail request; answers equal the adapter', async () => {
    h = await alpacaHarness({ at: nyTime(TEST_DATE, '09:00'), symbols: SYMBOLS });
    const symbols = [...SYMBOLS, 'ZZZZ']; // ZZZZ: unknown to Alpaca
    const at0 = h.clock.now();
    const first = await proc().getBars(req(at0, symbols));
    expect(first).toEqual(await reference(req(at0, symbols)));
    expect(first.has('ZZZZ')).toBe(false);
    expect(first.get('AAA')!.length).toBeGreaterThan(350);
    expect(stored('AAA').filter((b) => b.t >= req(at0).start)).toEqual(first.get('AAA'));

    // Restart in the session: everything closed is stored.
    h.clock.set(nyTime(TEST_DATE, '10:00'));
    h.fake.resetRequests();
    const p2 = proc();
    const again = await p2.getBars(req(h.clock.now(), symbols));
    expect(dailyRequests()).toHaveLength(0);
    expect(again).toEqual(await reference(req(h.clock.now(), symbols)));

    // Next session, fresh process: one request for the sessions since the last stored close
    // (and, once a day, the known-empty symbol over the whole range: it may have been listed since).
    closeSession(TEST_DATE);
    h.clock.set(nyTime(NEXT, '10:00'));
    h.fake.resetRequests();
    const p3 = proc();
    const next = await p3.getBars(req(h.clock.now(), symbols));
    const [tail, empty, ...more] = dailyRequests();
    expect(more).toHaveLength(0);
    expect(tail!.query.get('symbols')).toBe('AAA,BBB,CCC,SPY');
    expect(empty!.query.get('symbols')).toBe('ZZZZ');
    expect(nyDate(Date.parse(tail!.query.get('start')!))).toBe('2026-11-19'); // the newest stored bar, checked again
    expect(next).toEqual(await reference(req(h.clock.now(), symbols)));
    expect(nyDate(next.get('AAA')!.at(-1)!.t)).toBe(TEST_DATE);
    expect(nyDate(stored('AAA').at(-1)!.t)).toBe(TEST_DATE);
    // ZZZZ is known-empty for the new day too: the next cycle sends nothing.
    h.fake.resetRequests();
    await p3.getBars(req(nyTime(NEXT, '10:30'), symbols));
    expect(dailyRequests()).toHaveLength(0);
  });

  it("never stores today's bar: not while it forms, not after the close the same day", async () => {
    h = await alpacaHarness({ at: nyTime(TEST_DATE, '11:00'), symbols: SYMBOLS });
    const mid = await proc().getBars(req(h.clock.now()));
    expect(nyDate(mid.get('AAA')!.at(-1)!.t)).toBe('2026-11-19');
    closeSession(TEST_DATE);
    h.clock.set(nyTime(TEST_DATE, '16:30'));
    const after = await proc().getBars(req(h.clock.now()));
    expect(after).toEqual(await reference(req(h.clock.now())));
    expect(nyDate(after.get('AAA')!.at(-1)!.t)).toBe(TEST_DATE); // served, from the fetch
    expect(stored('AAA').some((b) => nyDate(b.t) === TEST_DATE)).toBe(false);
    const ranges = h.journal.db.prepare("SELECT MAX(to_date) AS to_date FROM bars_cache_ranges WHERE symbol = 'AAA'").get() as { to_date: string };
    expect(ranges.to_date).toBe('2026-11-19');
  });

  it('a split re-adjusts history: the overlap disagrees, that symbol is dropped and refetched whole; the others keep their store', async () => {
    h = await alpacaHarness({ at: nyTime(TEST_DATE, '09:00'), symbols: SYMBOLS });
    await proc().getBars(req(h.clock.now()));
    const before = stored('BBB');
    closeSession(TEST_DATE);
    split('BBB', 2);
    h.clock.set(nyTime(NEXT, '10:00'));
    h.fake.resetRequests();
    const dropped: string[] = [];
    const got = await proc(dropped).getBars(req(h.clock.now()));
    expect(dropped).toEqual(['BBB']);
    const [tail, refetch, ...more] = dailyRequests();
    expect(more).toHaveLength(0);
    expect(tail!.query.get('symbols')).toBe('AAA,BBB,CCC,SPY');
    expect(refetch!.query.get('symbols')).toBe('BBB');
    expect(nyDate(Date.parse(refetch!.query.get('start')!))).toBe(nyDate(req(h.clock.now()).start));
    expect(got).toEqual(await reference(req(h.clock.now())));
    // The store now holds the adjusted history only.
    const after = new Map(stored('BBB').map((b) => [b.t, b.c]));
    const common = before.filter((b) => after.has(b.t));
    expect(common.length).toBeGreaterThan(350);
    for (const b of common) expect(after.get(b.t)).toBe(round2(b.c / 2));
  });

  it('a dividend-sized re-adjustment (0.3%) also invalidates; differences within the tolerance do not', () => {
    const b: Bar = { t: 1, end: 2, o: 100, h: 101, l: 99, c: 100.5, v: 10 };
    expect(agrees(b, { ...b, v: 99 }, 1e-4)).toBe(true); // volumes get late corrections
    expect(agrees(b, { ...b, c: 100.5 * (1 + 5e-5) }, 1e-4)).toBe(true);
    expect(agrees(b, { ...b, o: 99.7, h: 100.7, l: 98.7, c: 100.2 }, 1e-4)).toBe(false);
    expect(agrees(b, { ...b, end: 3 }, 1e-4)).toBe(false);
  });

  it('a hole in the stored coverage is never trusted: that symbol alone is refetched whole, and a longer lookback refetches all', async () => {
    h = await alpacaHarness({ at: nyTime(TEST_DATE, '09:00'), symbols: SYMBOLS });
    await proc().getBars(req(h.clock.now()));
    // Punch a hole into CCC's coverage (and its bars) for July.
    const db = h.journal.db;
    const r = db.prepare("SELECT from_date, to_date, bars, source, recorded_at FROM bars_cache_ranges WHERE symbol = 'CCC'").get() as Record<string, string | number>;
    db.prepare("DELETE FROM bars_cache_ranges WHERE symbol = 'CCC'").run();
    const ins = db.prepare("INSERT INTO bars_cache_ranges (symbol, timeframe, from_date, to_date, bars, source, recorded_at) VALUES ('CCC', 'day', ?, ?, 0, ?, ?)");
    ins.run(r.from_date, '2026-06-30', r.source, r.recorded_at);
    ins.run('2026-08-01', r.to_date, r.source, r.recorded_at);
    db.prepare("DELETE FROM bars_cache WHERE symbol = 'CCC' AND t >= ? AND t < ?").run(nyTime('2026-07-01', '00:00'), nyTime('2026-08-01', '00:00'));

    h.clock.set(nyTime(TEST_DATE, '10:00'));
    h.fake.resetRequests();
    const p = proc();
    const got = await p.getBars(req(h.clock.now()));
    expect(dailyRequests().map((x) => x.query.get('symbols'))).toEqual(['CCC']);
    expect(nyDate(Date.parse(dailyRequests()[0]!.query.get('start')!))).toBe(nyDate(req(h.clock.now()).start));
    expect(got).toEqual(await reference(req(h.clock.now())));
    expect(stored('CCC').some((b) => nyDate(b.t).startsWith('2026-07'))).toBe(true);

    h.fake.resetRequests();
    const longer = req(h.clock.now(), SYMBOLS, LOOKBACK + 30);
    const further = await p.getBars(longer);
    expect(dailyRequests().map((x) => x.query.get('symbols'))).toEqual(['AAA,BBB,CCC,SPY']);
    expect(further).toEqual(await reference(longer));
  });

  it('a failed fetch stores nothing and fails the call; the next call fetches again', async () => {
    h = await alpacaHarness({ at: nyTime(TEST_DATE, '09:00'), symbols: SYMBOLS, retry: { maxAttempts: 1 } });
    h.fake.faults.push({ path: '/v2/stocks/bars', status: 500 });
    const p = proc();
    await expect(p.getBars(req(h.clock.now()))).rejects.toThrow();
    expect(stored('AAA')).toEqual([]);
    expect(await p.getBars(req(h.clock.now()))).toEqual(await reference(req(h.clock.now())));
  });
});
