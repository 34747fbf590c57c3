import { afterEach, describe, expect, it } from 'vitest';
import { createAlpacaBroker } from '../../src/adapters/alpaca/broker.js';
import { createAlpacaClient } from '../../src/adapters/alpaca/client.js';
import { createAlpacaHttp, retryAfterMs } from '../../src/adapters/alpaca/http.js';
import { createAlpacaMarketData } from '../../src/adapters/alpaca/market-data.js';
import { createTokenBucket } from '../../src/adapters/alpaca/rate-limit.js';
import { createNyseRulesCalendar } from '../../src/adapters/calendar/nyse-rules.js';
import { nyTime } from '../../src/core/time/ny.js';
import { BrokerError, DataError } from '../../src/domain/errors.js';
import { startFakeAlpaca, type FakeAlpaca } from '../fakes/alpaca-server.js';
import { alpacaHarness, KEY_ID, manualClock, SECRET, TEST_DATE, type Harness } from './harness.js';

let h: Harness | null = null;
const extra: FakeAlpaca[] = [];
afterEach(async () => {
  await h?.close();
  h = null;
  for (const f of extra.splice(0)) await f.close();
});

describe('Alpaca transport', () => {
  it('sends trading calls to APCA_API_BASE_URL and data calls to APCA_API_DATA_URL (through the SDK fetch override)', async () => {
    const clock = manualClock(nyTime(TEST_DATE, '10:00'));
    const trading = await startFakeAlpaca({ now: clock.now });
    const data = await startFakeAlpaca({ now: clock.now });
    extra.push(trading, data);
    trading.seedUniverse(['AAPL']);
    data.seedUniverse(['AAPL']);
    const client = createAlpacaClient({ keyId: KEY_ID, secretKey: SECRET, tradingUrl: `${trading.url}/`, dataUrl: data.url, clock, timeoutMs: 5000, rateLimit: false });
    const broker = createAlpacaBroker({ client });
    const market = createAlpacaMarketData({ client, calendar: createNyseRulesCalendar(), clock, feed: 'iex' });
    await broker.getAccount();
    await broker.getPositions();
    await market.getLatest(['AAPL']);
    await market.getBars({ symbols: ['AAPL'], timeframe: '1Day', start: clock.now() - 30 * 86_400_000, end: clock.now() });
    expect(trading.requests.map((r) => r.path)).toEqual(['/v2/account', '/v2/positions']);
    expect(data.requests.map((r) => r.path)).toEqual(['/v2/stocks/snapshots', '/v2/stocks/bars']);
    expect(data.requests.every((r) => r.query.get('feed') === 'iex')).toBe(true);
  });

  it('refuses to send a request anywhere but an Alpaca host', async () => {
    const http = createAlpacaHttp({ tradingUrl: 'http://127.0.0.1:1', dataUrl: 'http://127.0.0.1:1', clock: { now: () => 0 }, timeoutMs: 100, rateLimit: false });
    await expect(http.fetchApi('https://evil.example.com/v2/account', { method: 'GET' })).rejects.toThrow(/refusing/);
  });

  it('429 with Retry-After on a read: waits what the server asked, then succeeds', async () => {
    h = await alpacaHarness({ symbols: ['AAPL'] });
    h.fake.faults.push({ path: '/v2/account', status: 429, headers: { 'Retry-After': '3' } });
    const a = await h.broker.getAccount();
    expect(a.equity).toBe(100_000);
    expect(h.fake.count({ path: '/v2/account' })).toBe(2);
    expect(h.sleeps).toEqual([3000]);
    expect(h.events.map((e) => [e.kind, e.status, e.delayMs])).toEqual([['retry', 429, 3000]]);
  });

  it('500 then success on a read: backs off and succeeds', async () => {
    h = await alpacaHarness({ symbols: ['AAPL'] });
    h.fake.faults.push({ path: '/v2/stocks/snapshots', status: 500 });
    const latest = await h.market.getLatest(['AAPL']);
    expect(latest.get('AAPL')!.price).toBeGreaterThan(0);
    expect(h.fake.count({ path: '/v2/stocks/snapshots' })).toBe(2);
    expect(h.sleeps).toHaveLength(1);
  });

  it('a read that keeps failing gives up after the attempt budget with a typed error', async () => {
    h = await alpacaHarness({ symbols: ['AAPL'], retry: { maxAttempts: 3 } });
    h.fake.faults.push({ path: '/v2/positions', status: 503, times: 10 });
    const e = await h.broker.getPositions().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).retryable).toBe(true);
    expect((e as BrokerError).status).toBe(503);
    expect(h.fake.count({ path: '/v2/positions' })).toBe(3);
    h.fake.faults.push({ path: '/v2/stocks/snapshots', status: 502, times: 10 });
    await expect(h.market.getLatest(['AAPL'])).rejects.toBeInstanceOf(DataError);
  });

  it('never retries an order POST, even on 429 or 500', async () => {
    h = await alpacaHarness({ symbols: ['AAPL'] });
    for (const status of [500, 429]) {
      h.fake.faults.push({ method: 'POST', path: '/v2/orders', status, headers: { 'Retry-After': '1' } });
      const e = await h.broker.submitOrder({ clientOrderId: `once-${status}`, symbol: 'AAPL', side: 'buy', qty: 1, type: 'market', timeInForce: 'day' }).catch((x: unknown) => x);
      expect((e as BrokerError).retryable).toBe(true);
    }
    expect(h.fake.count({ method: 'POST', path: '/v2/orders' })).toBe(2);
    expect(h.fake.orders()).toHaveLength(0);
  });

  it('sends the keys only as APCA headers; errors and retry events never carry them', async () => {
    h = await alpacaHarness({ symbols: ['AAPL'], retry: { maxAttempts: 2 } });
    h.fake.faults.push({ path: '/v2/account', status: 500, times: 5 });
    const e = await h.broker.getAccount().catch((x: unknown) => x);
    const text = `${String(e)} ${JSON.stringify(e)} ${(e as Error).message} ${JSON.stringify(h.events)} ${h.fake.requests.map((r) => `${r.path}?${r.query.toString()}`).join(' ')}`;
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(KEY_ID);
  });

  it('wrong keys: 401 is a non-retryable rejection', async () => {
    const clock = manualClock(nyTime(TEST_DATE, '10:00'));
    const fake = await startFakeAlpaca({ now: clock.now, keys: { keyId: KEY_ID, secret: SECRET } });
    extra.push(fake);
    const client = createAlpacaClient({ keyId: KEY_ID, secretKey: 'wrong-secret-value', tradingUrl: fake.url, dataUrl: fake.url, clock, timeoutMs: 5000, rateLimit: false });
    const e = await createAlpacaBroker({ client }).getAccount().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BrokerError);
    expect((e as BrokerError).status).toBe(401);
    expect((e as BrokerError).retryable).toBe(false);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2', 0)).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });
});

describe('rate limit', () => {
  it('token bucket: never more than burst + perMinute starts in any 60 s window', async () => {
    const clock = manualClock(0);
    const bucket = createTokenBucket({ perMinute: 180, burst: 20, clock, sleep: async (ms) => clock.advance(ms) });
    const starts: number[] = [];
    for (let i = 0; i < 700; i++) {
      await bucket.acquire();
      starts.push(clock.now());
    }
    let worst = 0;
    for (let i = 0, j = 0; i < starts.length; i++) {
      while (starts[i]! - starts[j]! >= 60_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(200);
    expect(worst).toBeGreaterThan(150); // it does not throttle far below the limit
  });

  it('500 calls through the adapters stay under 200 requests per minute at the server', async () => {
    h = await alpacaHarness({ symbols: ['AAPL'], rateLimit: { perMinute: 180, burst: 20 } });
    for (let i = 0; i < 500; i++) await h.broker.getClock();
    const at = h.fake.requests.map((r) => r.at);
    expect(at).toHaveLength(500);
    let worst = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i]! - at[j]! >= 60_000) j++;
      worst = Math.max(worst, i - j + 1);
    }
    expect(worst).toBeLessThanOrEqual(200);
    expect(h.fake.requests.every((r) => r.status === 200)).toBe(true);
  });
});
