import type { Account, Order, OrderRequest, Position } from '../domain/broker.js';

/**
 * The brokerage. Adapters: sim (in-process exchange), alpaca.
 * Errors are thrown as BrokerError (see domain/errors.ts) with a retryable flag.
 */
export interface Broker {
  getAccount(): Promise<Account>;
  getPositions(): Promise<readonly Position[]>;
  /** Orders not yet in a terminal state (bracket legs included as their own entries). */
  getOpenOrders(): Promise<readonly Order[]>;
  submitOrder(req: OrderRequest): Promise<Order>;
  /** null when no order with that client id exists. */
  getOrderByClientId(clientOrderId: string): Promise<Order | null>;
  cancelOrder(orderId: string): Promise<void>;
  /** Orders that reached a terminal state at or after `since` (epoch ms), legs included. */
  listClosedOrders(since: number): Promise<readonly Order[]>;
}

/**
 * The read side of the broker: account and positions only. What the viewer is given (see
 * web/broker-reader.ts), so nothing on the web side can place or cancel an order.
 */
export type BrokerReader = Pick<Broker, 'getAccount' | 'getPositions'>;
