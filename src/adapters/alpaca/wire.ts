import { z } from 'zod';
import type { Account, LegKind, Order, OrderClass, OrderStatus, OrderType, Position, TimeInForce } from '../../domain/broker.js';

/**
 * Alpaca's wire format, validated with zod at the adapter edge, and the mappers to domain
 * types. Trading money and quantity fields are decimal strings; market data uses JSON numbers.
 * Unknown extra fields are ignored (Alpaca adds fields over time); missing or malformed fields
 * we rely on are errors.
 */

/** A decimal string ("123.45"), parsed to a finite number. Numbers are tolerated. */
export const decimal = z
  .union([z.string().trim().regex(/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/, 'expected a decimal string'), z.number()])
  .transform((v) => Number(v))
  .pipe(z.number().finite());
const decimalOrNull = decimal.nullable().optional().transform((v) => v ?? null);
/** An RFC 3339 timestamp (nanoseconds allowed), parsed to epoch ms. */
export const timestamp = z
  .string()
  .transform((s, ctx) => {
    const t = Date.parse(s);
    if (Number.isNaN(t)) {
      ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 timestamp' });
      return z.NEVER;
    }
    return t;
  });
const timestampOrNull = timestamp.nullable().optional().transform((v) => v ?? null);

export const errorBodySchema = z.object({ code: z.union([z.number(), z.string()]).optional(), message: z.string().optional() });

export const accountSchema = z.object({
  id: z.string(),
  status: z.string(),
  currency: z.string().optional(),
  cash: decimal,
  equity: decimal,
  last_equity: decimal,
  buying_power: decimal,
  daytrade_count: z.union([z.number(), decimal]).optional().transform((v) => v ?? 0),
  trading_blocked: z.boolean().optional(),
  account_blocked: z.boolean().optional(),
});
export type WireAccount = z.infer<typeof accountSchema>;

export const positionSchema = z.object({
  symbol: z.string(),
  qty: decimal,
  side: z.string().optional(),
  avg_entry_price: decimal,
  current_price: decimalOrNull,
  market_value: decimalOrNull,
  unrealized_pl: decimalOrNull,
});
export const positionsSchema = z.array(positionSchema);

const orderBase = z.object({
  id: z.string().min(1),
  client_order_id: z.string(),
  symbol: z.string(),
  side: z.enum(['buy', 'sell']),
  type: z.string(),
  order_type: z.string().optional(),
  order_class: z.string().nullable().optional(),
  qty: decimalOrNull,
  filled_qty: decimal,
  filled_avg_price: decimalOrNull,
  status: z.string(),
  time_in_force: z.string(),
  limit_price: decimalOrNull,
  stop_price: decimalOrNull,
  submitted_at: timestampOrNull,
  created_at: timestampOrNull,
  updated_at: timestampOrNull,
  filled_at: timestampOrNull,
  canceled_at: timestampOrNull,
  expired_at: timestampOrNull,
  failed_at: timestampOrNull,
  commission: decimalOrNull,
});
export type WireOrder = z.infer<typeof orderBase> & { readonly legs?: readonly WireOrder[] | null | undefined };
export const orderSchema: z.ZodType<WireOrder> = orderBase.extend({
  legs: z.lazy(() => z.array(orderSchema)).nullable().optional(),
}) as unknown as z.ZodType<WireOrder>;
export const ordersSchema = z.array(orderSchema);

export const clockSchema = z.object({
  timestamp: timestamp,
  is_open: z.boolean(),
  next_open: timestamp,
  next_close: timestamp,
});

export const calendarDaySchema = z.object({
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  open: z.string().regex(/^\d{2}:\d{2}$/),
  close: z.string().regex(/^\d{2}:\d{2}$/),
});
export const calendarSchema = z.array(calendarDaySchema);

export const assetSchema = z.object({
  symbol: z.string(),
  name: z.string().nullable().optional().transform((v) => v ?? ''),
  status: z.string().optional(),
  class: z.string().optional(),
  tradable: z.boolean(),
  fractionable: z.boolean().optional().transform((v) => v ?? false),
  shortable: z.boolean().optional().transform((v) => v ?? false),
});
export const assetsSchema = z.array(assetSchema);

const num = z.number().finite();
export const barSchema = z.object({ t: timestamp, o: num, h: num, l: num, c: num, v: num });
export const barsResponseSchema = z.object({
  bars: z.record(z.string(), z.array(barSchema).nullable()).nullable().optional().transform((v) => v ?? {}),
  next_page_token: z.string().nullable().optional().transform((v) => v ?? null),
});

const tradeSchema = z.object({ t: timestamp, p: num });
const quoteSchema = z.object({ t: timestamp, bp: num.optional(), ap: num.optional() });
export const snapshotSchema = z.object({
  latestTrade: tradeSchema.nullable().optional(),
  latestQuote: quoteSchema.nullable().optional(),
});
export const snapshotsResponseSchema = z.record(z.string(), snapshotSchema.nullable());

export const mostActivesSchema = z.object({ most_actives: z.array(z.object({ symbol: z.string() })) });
const mover = z.object({ symbol: z.string(), percent_change: num });
export const moversSchema = z.object({ gainers: z.array(mover), losers: z.array(mover) });

export const newsResponseSchema = z.object({
  news: z.array(
    z.object({
      id: z.union([z.number(), z.string()]).transform((v) => String(v)),
      headline: z.string(),
      source: z.string().nullable().optional().transform((v) => v ?? ''),
      symbols: z.array(z.string()).nullable().optional().transform((v) => v ?? []),
      created_at: timestamp,
    }),
  ),
  next_page_token: z.string().nullable().optional().transform((v) => v ?? null),
});

// ---- mappers ----

export function toAccount(a: WireAccount): Account {
  return {
    cash: a.cash,
    equity: a.equity,
    buyingPower: a.buying_power,
    lastEquity: a.last_equity,
    daytradeCount: a.daytrade_count,
    status: a.status,
  };
}

export function toPosition(p: z.infer<typeof positionSchema>): Position {
  // Alpaca reports shorts with a negative qty; the sign is kept so nothing mistakes one for a long.
  const current = p.current_price ?? p.avg_entry_price;
  const mv = p.market_value ?? p.qty * current;
  return {
    symbol: p.symbol,
    qty: p.qty,
    avgEntryPrice: p.avg_entry_price,
    currentPrice: current,
    marketValue: mv,
    unrealizedPl: p.unrealized_pl ?? mv - p.qty * p.avg_entry_price,
  };
}

/** Alpaca has more statuses than the domain; each maps to the domain status it behaves like. */
export function toOrderStatus(s: string): OrderStatus {
  switch (s) {
    case 'new':
    case 'pending_new':
      return 'new';
    case 'held':
      return 'held';
    case 'partially_filled':
      return 'partially_filled';
    case 'filled':
      return 'filled';
    case 'canceled':
    case 'replaced': // terminal: a replacement order carries on
      return 'canceled';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    default:
      // accepted, accepted_for_bidding, pending_cancel, pending_replace, done_for_day, stopped,
      // suspended, calculated: alive, not yet terminal
      return 'accepted';
  }
}

function toOrderType(t: string): OrderType {
  if (t === 'market') return 'market';
  if (t === 'limit') return 'limit';
  return 'stop'; // stop, stop_limit, trailing_stop
}

function toTif(t: string): TimeInForce {
  return t === 'gtc' ? 'gtc' : 'day';
}

function toOrderClass(c: string | null | undefined): OrderClass {
  return c === 'bracket' || c === 'oto' || c === 'oco' ? 'bracket' : 'simple';
}

function legKindOf(o: WireOrder): LegKind {
  return o.type === 'limit' ? 'take_profit' : 'stop_loss';
}

/** Maps a wire order (legs nested) to the domain order; legs carry parentId and legKind. */
export function toOrder(o: WireOrder, parent: { id: string } | null = null): Order {
  const submittedAt = o.submitted_at ?? o.created_at ?? o.updated_at ?? 0;
  const updatedAt = o.updated_at ?? o.filled_at ?? o.canceled_at ?? o.expired_at ?? o.failed_at ?? submittedAt;
  const id = o.id;
  return {
    id,
    clientOrderId: o.client_order_id,
    symbol: o.symbol,
    side: o.side,
    type: toOrderType(o.type),
    qty: o.qty ?? 0,
    filledQty: o.filled_qty,
    filledAvgPrice: o.filled_avg_price,
    status: toOrderStatus(o.status),
    timeInForce: toTif(o.time_in_force),
    orderClass: toOrderClass(o.order_class),
    limitPrice: o.limit_price,
    stopPrice: o.stop_price,
    submittedAt,
    filledAt: o.filled_at,
    updatedAt,
    parentId: parent ? parent.id : null,
    legKind: parent ? legKindOf(o) : null,
    legs: (o.legs ?? []).map((l) => toOrder(l, { id })),
    commission: o.commission ?? 0,
  };
}

export type WireBarsResponse = z.infer<typeof barsResponseSchema>;
export type WireNewsResponse = z.infer<typeof newsResponseSchema>;
