import type { trading as sdkTrading } from '@alpacahq/alpaca-trade-api';
import type { Account, Order, OrderRequest, Position } from '../../domain/broker.js';
import { TERMINAL_ORDER_STATUSES } from '../../domain/broker.js';
import type { Broker } from '../../ports/broker.js';
import { roundToTick, tickSize } from '../../core/orders.js';
import { readEmpty, readWire, toBrokerError, type AlpacaClient } from './client.js';
import { accountSchema, clockSchema, orderSchema, ordersSchema, positionsSchema, toAccount, toOrder, toPosition, type WireOrder } from './wire.js';

/**
 * Broker over Alpaca's trading API.
 * - Every failure is a BrokerError; `retryable` means the outcome is unknown (timeout, 5xx,
 *   429, network, unreadable 2xx) and must be settled by looking the client order id up.
 *   Order POSTs are never retried here or in the transport.
 * - Prices are rounded to valid ticks before they leave (cents at $1 and above, else 4 decimals).
 * - Orders come back nested (legs under their bracket parent). Open and closed listings are
 *   flattened: the parent (legs still attached) and each leg as its own entry with parentId and
 *   legKind, each kept only if it matches the listing (open / terminal since).
 * - Cancelling one leg of a bracket cancels its sibling at Alpaca (OCO), and cancelling an unfilled
 *   parent cancels its legs. A later cancel of an order cancelled that way is a no-op instead of
 *   a 422, so "cancel every leg" loops work; cancelling an order twice is still an error. After a cancel the
 *   broker polls briefly until the order is terminal, so the shares it held are free again.
 */

export interface AlpacaMarketClock {
  readonly timestamp: number;
  readonly isOpen: boolean;
  readonly nextOpen: number;
  readonly nextClose: number;
}

export interface AlpacaBroker extends Broker {
  getClock(): Promise<AlpacaMarketClock>;
}

export interface AlpacaBrokerOptions {
  readonly client: AlpacaClient;
  /** How far back submissions are scanned for orders that closed since `since` (GTC lives 90 days). Default 90. */
  readonly closedLookbackDays?: number;
  /** Polls after a cancel until the order is terminal. Default 5, 200 ms apart. */
  readonly cancelPolls?: number;
  readonly cancelPollMs?: number;
}

const DAY = 86_400_000;
const PAGE = 500;

function price(p: number): string {
  const r = roundToTick(p);
  return r.toFixed(tickSize(r) === 0.01 ? 2 : 4);
}

/** Parent plus legs, legs with their parent id. */
function flatten(orders: readonly Order[]): Order[] {
  const out: Order[] = [];
  for (const o of orders) {
    out.push(o);
    out.push(...o.legs);
  }
  return out;
}

export function createAlpacaBroker(opts: AlpacaBrokerOptions): AlpacaBroker {
  const { sdk, sleep } = opts.client;
  const trading = sdk.trading;
  const lookback = (opts.closedLookbackDays ?? 90) * DAY;
  const polls = opts.cancelPolls ?? 5;
  const pollMs = opts.cancelPollMs ?? 200;
  /** order id -> the open orders Alpaca cancels with it (a leg's sibling; a parent's legs), from listings and submits. */
  const siblings = new Map<string, string[]>();
  /** Legs cancelled at Alpaca as a side effect of cancelling their sibling. */
  const cascaded = new Set<string>();

  const learn = (orders: readonly Order[]) => {
    for (const o of orders) {
      if (o.legs.length === 0) continue;
      siblings.set(o.id, o.legs.map((l) => l.id));
      for (const l of o.legs) siblings.set(l.id, o.legs.filter((x) => x.id !== l.id).map((x) => x.id));
    }
  };

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw toBrokerError(what, e);
    }
  };

  /** All orders of a status, nested, paging forward by submission time. */
  const listOrders = async (status: 'open' | 'closed', after: number | null): Promise<Order[]> => {
    const seen = new Map<string, Order>();
    let cursor = after;
    for (let page = 0; page < 100; page++) {
      const wire = await readWire(
        `list ${status} orders`,
        trading.orders.getAllOrdersRaw({
          status,
          nested: true,
          direction: 'asc',
          limit: PAGE,
          ...(cursor !== null ? { after: new Date(cursor).toISOString() } : {}),
        }),
        ordersSchema,
      );
      let fresh = 0;
      for (const w of wire) {
        if (seen.has(w.id)) continue;
        seen.set(w.id, toOrder(w));
        fresh++;
      }
      if (wire.length < PAGE || fresh === 0) break;
      const last = wire[wire.length - 1]!;
      // `after` is exclusive; step back 1 ms so orders sharing the last timestamp are not skipped (dedup by id).
      cursor = (last.submitted_at ?? last.created_at ?? 0) - 1;
    }
    const out = [...seen.values()];
    learn(out);
    return out;
  };

  const getWireOrder = (id: string): Promise<WireOrder> => readWire(`get order ${id}`, trading.orders.getOrderByOrderIDRaw({ orderId: id, nested: true }), orderSchema);

  return {
    getAccount: (): Promise<Account> => call('get account', async () => toAccount(await readWire('get account', trading.account.getAccountRaw(), accountSchema))),

    getPositions: (): Promise<readonly Position[]> =>
      call('get positions', async () => (await readWire('get positions', trading.positions.getAllOpenPositionsRaw(), positionsSchema)).map(toPosition)),

    getOpenOrders: (): Promise<readonly Order[]> =>
      call('get open orders', async () => flatten(await listOrders('open', null)).filter((o) => !TERMINAL_ORDER_STATUSES.has(o.status))),

    submitOrder: (req: OrderRequest): Promise<Order> =>
      call(`submit ${req.side} ${req.symbol} (${req.clientOrderId})`, async () => {
        const bracket = req.orderClass === 'bracket';
        const wire = await readWire(
          'submit order',
          trading.orders.postOrderRaw({
            postOrderRequest: {
              symbol: req.symbol,
              qty: String(req.qty),
              side: req.side as sdkTrading.OrderSide,
              type: req.type as sdkTrading.OrderType,
              timeInForce: req.timeInForce as sdkTrading.TimeInForce,
              clientOrderId: req.clientOrderId,
              ...(req.limitPrice !== undefined ? { limitPrice: price(req.limitPrice) } : {}),
              ...(bracket ? { orderClass: 'bracket' as sdkTrading.OrderClass } : {}),
              ...(req.takeProfit ? { takeProfit: { limitPrice: price(req.takeProfit.limitPrice) } } : {}),
              ...(req.stopLoss ? { stopLoss: { stopPrice: price(req.stopLoss.stopPrice) } } : {}),
            },
          }),
          orderSchema,
        );
        const order = toOrder(wire);
        learn([order]);
        return order;
      }),

    getOrderByClientId: (clientOrderId: string): Promise<Order | null> =>
      call(`get order by client id ${clientOrderId}`, async () => {
        try {
          const order = toOrder(await readWire('get order by client id', trading.orders.getOrderByClientOrderIdRaw({ clientOrderId }), orderSchema));
          learn([order]);
          return order;
        } catch (e) {
          if (toBrokerError('lookup', e).code === 'not_found') return null;
          throw e;
        }
      }),

    cancelOrder: (orderId: string): Promise<void> =>
      call(`cancel order ${orderId}`, async () => {
        try {
          await readEmpty(trading.orders.deleteOrderByOrderIDRaw({ orderId }));
        } catch (e) {
          const be = toBrokerError('cancel', e);
          if (be.status === 422 && cascaded.has(orderId)) {
            const w = await getWireOrder(orderId);
            if (w.status === 'canceled' || w.status === 'pending_cancel') return;
          }
          throw e;
        }
        for (const s of siblings.get(orderId) ?? []) cascaded.add(s);
        for (let i = 0; i < polls; i++) {
          const w = await getWireOrder(orderId);
          if (w.status !== 'pending_cancel' && w.status !== 'accepted' && w.status !== 'new' && w.status !== 'held') return;
          await sleep(pollMs);
        }
      }),

    listClosedOrders: (since: number): Promise<readonly Order[]> =>
      call('list closed orders', async () => {
        const orders = await listOrders('closed', Math.max(0, since - lookback));
        return flatten(orders).filter((o) => TERMINAL_ORDER_STATUSES.has(o.status) && o.updatedAt >= since);
      }),

    getClock: (): Promise<AlpacaMarketClock> =>
      call('get clock', async () => {
        const c = await readWire('get clock', trading.clock.legacyClockRaw(), clockSchema);
        return { timestamp: c.timestamp, isOpen: c.is_open, nextOpen: c.next_open, nextClose: c.next_close };
      }),
  };
}
