import { describe, expect, it } from 'vitest';
import type { Order, OrderRequest } from '../../src/domain/broker.js';
import { TERMINAL_ORDER_STATUSES } from '../../src/domain/broker.js';
import { BrokerError } from '../../src/domain/errors.js';
import type { Broker } from '../../src/ports/broker.js';
import { roundToTick } from '../../src/core/orders.js';

/**
 * The Broker port contract: every adapter (sim, alpaca over a loopback fake server) runs this
 * suite through `brokerContract(name, makeHarness)`.
 */
export interface BrokerHarness {
  readonly broker: Broker;
  /** A tradable symbol whose price is known to be close to `price` while the suite runs. */
  readonly symbol: string;
  readonly price: number;
  /** Makes time pass (minutes are enough): submitted market orders fill. */
  advance(): Promise<void>;
  /** Optional teardown (servers, files). */
  close?(): Promise<void>;
}

let seq = 0;
const coid = (what: string) => `contract-${what}-${++seq}`;

async function rejectionOf(p: Promise<unknown>): Promise<BrokerError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(BrokerError);
  return e as BrokerError;
}

export function brokerContract(name: string, makeHarness: () => BrokerHarness | Promise<BrokerHarness>): void {
  describe(`Broker contract: ${name}`, () => {
    const withHarness = (fn: (h: BrokerHarness) => Promise<void>) => async () => {
      const h = await makeHarness();
      try {
        await fn(h);
      } finally {
        await h.close?.();
      }
    };
    const farLimitBuy = (h: BrokerHarness, id: string, qty = 1): OrderRequest => ({
      clientOrderId: id,
      symbol: h.symbol,
      side: 'buy',
      qty,
      type: 'limit',
      limitPrice: roundToTick(h.price * 0.5, 'down'),
      timeInForce: 'gtc',
    });

    it(
      'account fields are finite numbers',
      withHarness(async (h) => {
        const a = await h.broker.getAccount();
        for (const k of ['cash', 'equity', 'buyingPower', 'lastEquity', 'daytradeCount'] as const) expect(Number.isFinite(a[k]), k).toBe(true);
        expect(a.equity).toBeGreaterThan(0);
        expect(a.buyingPower).toBeGreaterThanOrEqual(0);
        expect(typeof a.status).toBe('string');
      }),
    );

    it(
      'submit then getOrderByClientId round-trips; an unknown client id is null',
      withHarness(async (h) => {
        const id = coid('roundtrip');
        const submitted = await h.broker.submitOrder(farLimitBuy(h, id, 2));
        expect(submitted.clientOrderId).toBe(id);
        expect(submitted.symbol).toBe(h.symbol);
        expect(submitted.qty).toBe(2);
        expect(submitted.side).toBe('buy');
        expect(submitted.type).toBe('limit');
        expect(TERMINAL_ORDER_STATUSES.has(submitted.status)).toBe(false);
        const found = await h.broker.getOrderByClientId(id);
        expect(found).not.toBeNull();
        expect(found!.id).toBe(submitted.id);
        expect(found!.limitPrice).toBe(submitted.limitPrice);
        expect(await h.broker.getOrderByClientId(coid('never-sent'))).toBeNull();
      }),
    );

    it(
      'a duplicate client order id is rejected with duplicate_client_order_id',
      withHarness(async (h) => {
        const id = coid('dup');
        await h.broker.submitOrder(farLimitBuy(h, id));
        const e = await rejectionOf(h.broker.submitOrder(farLimitBuy(h, id)));
        expect(e.code).toBe('duplicate_client_order_id');
        expect(e.retryable).toBe(false);
      }),
    );

    it(
      'invalid quantities are rejected, not retryable',
      withHarness(async (h) => {
        for (const qty of [0, -1, 1.5]) {
          const e = await rejectionOf(h.broker.submitOrder({ ...farLimitBuy(h, coid('badqty')), qty }));
          expect(e.retryable).toBe(false);
          expect(e.status).toBe(422);
        }
      }),
    );

    it(
      'open orders list the submitted order; cancel makes it terminal and it appears in listClosedOrders',
      withHarness(async (h) => {
        const since = 0; // the epoch: adapters run on wall time or sim time, and either is after it
        const id = coid('cancel');
        const o = await h.broker.submitOrder(farLimitBuy(h, id));
        const open = await h.broker.getOpenOrders();
        expect(open.map((x) => x.id)).toContain(o.id);
        await h.broker.cancelOrder(o.id);
        const after = await h.broker.getOrderByClientId(id);
        expect(after!.status).toBe('canceled');
        expect((await h.broker.getOpenOrders()).map((x) => x.id)).not.toContain(o.id);
        const closed = await h.broker.listClosedOrders(since);
        const mine = closed.find((x) => x.id === o.id);
        expect(mine?.status).toBe('canceled');
        const e = await rejectionOf(h.broker.cancelOrder(o.id));
        expect(e.retryable).toBe(false);
      }),
    );

    it(
      'cancelling an unknown order id is not_found',
      withHarness(async (h) => {
        const e = await rejectionOf(h.broker.cancelOrder('no-such-order'));
        expect(e.code).toBe('not_found');
      }),
    );

    it(
      'a filled market buy appears in positions after time passes',
      withHarness(async (h) => {
        const id = coid('mkt');
        const o = await h.broker.submitOrder({ clientOrderId: id, symbol: h.symbol, side: 'buy', qty: 3, type: 'market', timeInForce: 'day' });
        await h.advance();
        const filled = await h.broker.getOrderByClientId(id);
        expect(filled!.id).toBe(o.id);
        expect(filled!.status).toBe('filled');
        expect(filled!.filledQty).toBe(3);
        expect(filled!.filledAvgPrice).toBeGreaterThan(0);
        const pos = (await h.broker.getPositions()).find((p) => p.symbol === h.symbol);
        expect(pos?.qty).toBe(3);
        expect(pos!.avgEntryPrice).toBeGreaterThan(0);
        for (const k of ['currentPrice', 'marketValue', 'unrealizedPl'] as const) expect(Number.isFinite(pos![k]), k).toBe(true);
        expect((await h.broker.getOpenOrders()).map((x) => x.id)).not.toContain(o.id);
      }),
    );

    it(
      'a bracket buy has two legs; after the entry fills the legs are open orders of their own',
      withHarness(async (h) => {
        const id = coid('bracket');
        const o = await h.broker.submitOrder({
          clientOrderId: id,
          symbol: h.symbol,
          side: 'buy',
          qty: 1,
          type: 'market',
          timeInForce: 'gtc',
          orderClass: 'bracket',
          takeProfit: { limitPrice: roundToTick(h.price * 1.5, 'up') },
          stopLoss: { stopPrice: roundToTick(h.price * 0.5, 'down') },
        });
        expect(o.orderClass).toBe('bracket');
        expect(o.legs.map((l) => l.legKind).sort()).toEqual(['stop_loss', 'take_profit']);
        await h.advance();
        const open = await h.broker.getOpenOrders();
        const legs: Order[] = open.filter((x) => x.parentId === o.id);
        expect(legs).toHaveLength(2);
        expect(legs.every((l) => l.side === 'sell' && l.qty === 1)).toBe(true);
        // The legs hold the shares: selling them without cancelling the legs is refused.
        const e = await rejectionOf(h.broker.submitOrder({ clientOrderId: coid('sell'), symbol: h.symbol, side: 'sell', qty: 1, type: 'market', timeInForce: 'day' }));
        expect(e.code).toBe('insufficient_qty');
      }),
    );
  });
}
