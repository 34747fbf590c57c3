import { afterEach, describe, expect, it } from 'vitest';
import { BrokerError } from '../../src/domain/errors.js';
import type { OrderRequest } from '../../src/domain/broker.js';
import { alpacaHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h.close());

const bracket = (coid: string, over: Partial<OrderRequest> = {}): OrderRequest => ({
  clientOrderId: coid,
  symbol: 'AAPL',
  side: 'buy',
  qty: 10,
  type: 'market',
  timeInForce: 'gtc',
  orderClass: 'bracket',
  takeProfit: { limitPrice: 110 },
  stopLoss: { stopPrice: 95 },
  ...over,
});

async function setup(opts: Parameters<typeof alpacaHarness>[0] = {}) {
  h = await alpacaHarness(opts);
  h.fake.setSymbol('AAPL', { daily: [{ date: '2026-11-19', o: 99, h: 101, l: 98, c: 100, v: 1_000_000 }], price: 100 });
  h.fake.setSymbol('PENNY', { daily: [{ date: '2026-11-19', o: 0.5, h: 0.52, l: 0.49, c: 0.5, v: 1_000_000 }], price: 0.5 });
  return h;
}

describe('Alpaca broker: wire format', () => {
  it('parses string money fields and nested bracket legs into domain values', async () => {
    await setup();
    const o = await h.broker.submitOrder(bracket('wire-1'));
    expect(o).toMatchObject({ clientOrderId: 'wire-1', qty: 10, filledQty: 0, orderClass: 'bracket', type: 'market', timeInForce: 'gtc', status: 'new', parentId: null, legKind: null });
    expect(o.legs.map((l) => [l.legKind, l.side, l.type, l.limitPrice, l.stopPrice, l.parentId])).toEqual([
      ['take_profit', 'sell', 'limit', 110, null, o.id],
      ['stop_loss', 'sell', 'stop', null, 95, o.id],
    ]);
    h.fake.fill('wire-1', 100.25);
    const filled = (await h.broker.getOrderByClientId('wire-1'))!;
    expect(filled.filledAvgPrice).toBe(100.25);
    expect(filled.filledAt).not.toBeNull();
    const [pos] = await h.broker.getPositions();
    expect(pos).toEqual({ symbol: 'AAPL', qty: 10, avgEntryPrice: 100.25, currentPrice: 100, marketValue: 1000, unrealizedPl: -2.5 });
    const a = await h.broker.getAccount();
    expect(a.cash).toBeCloseTo(100_000 - 1002.5, 6);
    expect(a.status).toBe('ACTIVE');
  });

  it('rounds prices to valid ticks before sending: cents at $1 and above, 4 decimals below', async () => {
    await setup();
    await h.broker.submitOrder(bracket('tick-1', { takeProfit: { limitPrice: 110.123456 }, stopLoss: { stopPrice: 95.0049 } }));
    const sent = h.fake.order('tick-1')!;
    const legs = sent.legs as Record<string, unknown>[];
    expect(legs.map((l) => [l.limit_price, l.stop_price])).toEqual([
      ['110.12', null],
      [null, '95'],
    ]);
    await h.broker.submitOrder({ clientOrderId: 'tick-2', symbol: 'PENNY', side: 'buy', qty: 100, type: 'limit', limitPrice: 0.123456, timeInForce: 'day' });
    expect(h.fake.order('tick-2')!.limit_price).toBe('0.1235');
  });

  it('open orders list the legs of a filled bracket with their parent id; closed orders are filtered by time', async () => {
    await setup();
    const o = await h.broker.submitOrder(bracket('open-1'));
    h.clock.advance(60_000);
    h.fake.fill('open-1');
    const open = await h.broker.getOpenOrders();
    expect(open.map((x) => [x.legKind, x.parentId === o.id, x.status]).sort()).toEqual([
      ['stop_loss', true, 'held'],
      ['take_profit', true, 'new'],
    ]);
    const t0 = h.clock.now();
    h.clock.advance(60_000);
    h.fake.setPrice('AAPL', 94);
    h.fake.advance(); // the stop triggers, the take-profit is cancelled (OCO)
    const closed = await h.broker.listClosedOrders(t0 + 1);
    expect(closed.map((x) => [x.legKind, x.status]).sort()).toEqual([
      ['stop_loss', 'filled'],
      ['take_profit', 'canceled'],
    ]);
    const all = await h.broker.listClosedOrders(0);
    expect(all.map((x) => x.legKind ?? 'entry').sort()).toEqual(['entry', 'stop_loss', 'take_profit']);
    expect(await h.broker.getPositions()).toEqual([]);
  });

  it('cancelling one leg cancels its sibling at Alpaca; cancelling the sibling afterwards is a no-op, not an error', async () => {
    await setup();
    await h.broker.submitOrder(bracket('oco-1'));
    h.fake.fill('oco-1');
    const legs = (await h.broker.getOpenOrders()).filter((o) => o.legKind !== null);
    expect(legs).toHaveLength(2);
    for (const l of legs) await h.broker.cancelOrder(l.id);
    expect(await h.broker.getOpenOrders()).toEqual([]);
    expect(h.fake.count({ method: 'DELETE' })).toBe(2);
    // The legs no longer hold the shares: a market sell now goes through.
    const sell = await h.broker.submitOrder({ clientOrderId: 'oco-sell', symbol: 'AAPL', side: 'sell', qty: 10, type: 'market', timeInForce: 'day' });
    expect(sell.status).toBe('new');
  });
});

describe('Alpaca broker: cancels', () => {
  it('cancelling an unfilled bracket cancels its legs too; cancelling a leg afterwards is a no-op; a second cancel of the same order is an error', async () => {
    await setup();
    const o = await h.broker.submitOrder(bracket('parent-1'));
    await h.broker.cancelOrder(o.id);
    for (const l of o.legs) await h.broker.cancelOrder(l.id);
    expect((h.fake.order('parent-1')!.legs as { status: string }[]).map((l) => l.status)).toEqual(['canceled', 'canceled']);
    const e = (await h.broker.cancelOrder(o.id).catch((x: unknown) => x)) as BrokerError;
    expect([e.code, e.retryable, e.status]).toEqual(['rejected', false, 422]);
  });
});

describe('Alpaca broker: rejections are typed and final', () => {
  it('403 insufficient buying power', async () => {
    await setup();
    const e = (await h.broker.submitOrder(bracket('bp-1', { qty: 5000 })).catch((x: unknown) => x)) as BrokerError;
    expect(e).toBeInstanceOf(BrokerError);
    expect([e.code, e.retryable, e.status]).toEqual(['insufficient_buying_power', false, 403]);
  });

  it('403 insufficient qty: the bracket legs hold the shares', async () => {
    await setup();
    await h.broker.submitOrder(bracket('qty-1'));
    h.fake.fill('qty-1');
    const e = (await h.broker.submitOrder({ clientOrderId: 'qty-sell', symbol: 'AAPL', side: 'sell', qty: 10, type: 'market', timeInForce: 'day' }).catch((x: unknown) => x)) as BrokerError;
    expect([e.code, e.retryable, e.status]).toEqual(['insufficient_qty', false, 403]);
  });

  it('422 invalid order (take-profit below the price)', async () => {
    await setup();
    const e = (await h.broker.submitOrder(bracket('inv-1', { takeProfit: { limitPrice: 99 } })).catch((x: unknown) => x)) as BrokerError;
    expect([e.code, e.retryable, e.status]).toEqual(['rejected', false, 422]);
    expect(e.message).toContain('take_profit.limit_price');
  });

  it('a POST that times out after the server created the order is a retryable timeout, and the lookup finds the order', async () => {
    await setup({ timeoutMs: 300 });
    h.fake.faults.push({ method: 'POST', path: '/v2/orders', hangAfterMs: 3_000 });
    const e = (await h.broker.submitOrder(bracket('slow-1')).catch((x: unknown) => x)) as BrokerError;
    expect([e.code, e.retryable]).toEqual(['timeout', true]);
    const found = await h.broker.getOrderByClientId('slow-1');
    expect(found?.clientOrderId).toBe('slow-1');
    expect(h.fake.orders()).toHaveLength(1);
  });
});
