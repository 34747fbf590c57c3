import { afterEach, describe, expect, it } from 'vitest';
import { createViewerBroker } from '../../src/app/viewer-broker.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';
import { readOnlyBroker } from '../../src/web/broker-reader.js';
import { alpacaHarness, KEY_ID, SECRET, type Harness } from '../alpaca/harness.js';
import { makeFixture, type Fixture } from './fixture.js';

/**
 * /positions in paper (and live) mode: the viewer's composition picks the real Alpaca broker
 * adapter, here pointed at the loopback fake Alpaca over HTTP, and hands the web layer only its
 * two reads.
 */

const ORDER_METHODS = ['submitOrder', 'cancelOrder', 'getOpenOrders', 'getOrderByClientId', 'listClosedOrders', 'getClock'];

let h: Harness | null = null;
let fx: Fixture | null = null;
afterEach(async () => {
  if (fx?.db.open) fx.db.close();
  await h?.close().catch(() => {});
  h = null;
  fx = null;
});

const paperConfig = (url: string) => loadConfig({ TRADER_MODE: 'paper', APCA_API_KEY_ID: KEY_ID, APCA_API_SECRET_KEY: SECRET, APCA_API_BASE_URL: url, APCA_API_DATA_URL: url });

async function withPositions(): Promise<Harness> {
  const harness = await alpacaHarness({ symbols: ['AAPL', 'MSFT'] });
  // The trader's side: two filled buys, then the market moves.
  await harness.broker.submitOrder({ clientOrderId: 'v-aapl', symbol: 'AAPL', side: 'buy', qty: 10, type: 'market', timeInForce: 'day' });
  harness.fake.fill('v-aapl', 190);
  await harness.broker.submitOrder({ clientOrderId: 'v-msft', symbol: 'MSFT', side: 'buy', qty: 5, type: 'market', timeInForce: 'day' });
  harness.fake.fill('v-msft', 400);
  harness.fake.setPrice('AAPL', 200);
  harness.fake.setPrice('MSFT', 390);
  return harness;
}

describe('viewer /positions on the Alpaca broker adapter (paper mode, fake Alpaca over loopback)', () => {
  it("renders the fake's account and positions, asking only for the account and positions", async () => {
    h = await withPositions();
    fx = makeFixture();
    h.fake.resetRequests();
    const vb = createViewerBroker(paperConfig(h.fake.url), { db: fx.db, clock: h.clock, log: silentLogger });
    expect(vb.broker).not.toBeNull();
    const res = await fx.app({ broker: vb.broker, brokerNote: vb.note }).request('/positions');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Alpaca paper account (${new URL(h.fake.url).host})`);
    // MSFT 5 x 390 = 1,950 is smaller than AAPL 10 x 200 = 2,000: AAPL first.
    expect(html).toMatch(/<th scope="row" class="sym">AAPL<\/th>[\s\S]*<th scope="row" class="sym">MSFT<\/th>/);
    expect(html).toContain('$2,000.00');
    expect(html).toContain('+$100.00'); // AAPL: 10 x (200 - 190)
    expect(html).toContain('-$50.00'); // MSFT: 5 x (390 - 400)
    expect(html).toContain('+$50.00'); // total unrealized
    expect(html).not.toContain('Broker unreachable');
    expect(h.fake.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /v2/account', 'GET /v2/positions']);
  });

  it('says the broker is unreachable (HTTP 200, no crash) once the fake is stopped; the journal pages keep working', async () => {
    h = await withPositions();
    fx = makeFixture();
    const url = h.fake.url;
    await h.close();
    h = null;
    const sleeps: number[] = [];
    const vb = createViewerBroker(paperConfig(url), { db: fx.db, clock: { now: () => 0 }, log: silentLogger, sleep: async (ms) => void sleeps.push(ms) });
    const app = fx.app({ broker: vb.broker, brokerNote: vb.note });
    const res = await app.request('/positions');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Broker unreachable');
    expect(html).not.toContain('Open positions');
    expect(sleeps).toHaveLength(2); // one retry for each of the two reads, then the page answers
    // The rest of the viewer keeps working.
    expect((await app.request('/')).status).toBe(200);
  });

  it('hands the web layer an object with no order methods, whatever the adapter had', () => {
    fx = makeFixture();
    for (const config of [paperConfig('http://127.0.0.1:9'), loadConfig({ TRADER_MODE: 'sim' })]) {
      const b = createViewerBroker(config, { db: fx.db, clock: { now: () => 0 }, log: silentLogger }).broker!;
      expect(Object.keys(b).sort(), config.mode).toEqual(['getAccount', 'getPositions']);
      for (const m of ORDER_METHODS) expect(m in b, `${config.mode} ${m}`).toBe(false);
      expect(Object.isFrozen(b)).toBe(true);
    }
    // Narrowing a full broker keeps only the two reads, too.
    const narrowed = readOnlyBroker({ getAccount: () => Promise.reject(new Error('x')), getPositions: () => Promise.resolve([]), submitOrder: () => Promise.reject(new Error('must not be reachable')) } as never);
    expect(Object.keys(narrowed).sort()).toEqual(['getAccount', 'getPositions']);
    expect('submitOrder' in narrowed).toBe(false);
  });

  it('has no broker when paper mode has no keys, and says why', () => {
    fx = makeFixture();
    const config = { ...paperConfig('http://127.0.0.1:9'), alpaca: null };
    const vb = createViewerBroker(config, { db: fx.db, clock: { now: () => 0 }, log: silentLogger });
    expect(vb.broker).toBeNull();
    expect(vb.note).toMatch(/APCA_API_KEY_ID/);
  });
});
