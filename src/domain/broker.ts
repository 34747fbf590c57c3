/** Broker value types, modelled on Alpaca's trading API (camelCase, numbers parsed). */

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop';
export type TimeInForce = 'day' | 'gtc';
export type OrderClass = 'simple' | 'bracket';
export type OrderStatus =
  | 'new'
  | 'accepted'
  | 'held'
  | 'partially_filled'
  | 'filled'
  | 'canceled'
  | 'expired'
  | 'rejected';

export const TERMINAL_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'expired', 'rejected']);

export interface Account {
  readonly cash: number;
  readonly equity: number;
  readonly buyingPower: number;
  /** Equity at the previous session's close. */
  readonly lastEquity: number;
  readonly daytradeCount: number;
  readonly status: string;
}

export interface Position {
  readonly symbol: string;
  /** Shares held (long only; positive). */
  readonly qty: number;
  readonly avgEntryPrice: number;
  readonly currentPrice: number;
  readonly marketValue: number;
  readonly unrealizedPl: number;
}

export interface OrderRequest {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly qty: number;
  readonly type: 'market' | 'limit';
  readonly timeInForce: TimeInForce;
  readonly limitPrice?: number;
  readonly orderClass?: OrderClass;
  /** Bracket only. */
  readonly takeProfit?: { readonly limitPrice: number };
  /** Bracket only. */
  readonly stopLoss?: { readonly stopPrice: number };
}

/** Which leg of a bracket an order is, when it is one. */
export type LegKind = 'take_profit' | 'stop_loss';

export interface Order {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly qty: number;
  readonly filledQty: number;
  readonly filledAvgPrice: number | null;
  readonly status: OrderStatus;
  readonly timeInForce: TimeInForce;
  readonly orderClass: OrderClass;
  readonly limitPrice: number | null;
  readonly stopPrice: number | null;
  readonly submittedAt: number;
  readonly filledAt: number | null;
  /** Set on terminal orders (filled/canceled/expired/rejected). */
  readonly updatedAt: number;
  /** Bracket parent id, on legs. */
  readonly parentId: string | null;
  readonly legKind: LegKind | null;
  readonly legs: readonly Order[];
  readonly commission: number;
}
