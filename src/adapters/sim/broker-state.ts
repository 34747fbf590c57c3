import { z } from 'zod';

/**
 * The sim broker's persisted state: plain JSON, saved through the injected store after every
 * mutation and zod-validated when loaded. Records are mutated in place inside the broker's
 * closure; callers only ever see frozen copies (domain `Order`/`Position`).
 */

const finite = z.number().refine(Number.isFinite, 'must be finite');
const orderStatus = z.enum(['new', 'accepted', 'held', 'partially_filled', 'filled', 'canceled', 'expired', 'rejected']);

export const simOrderSchema = z.object({
  id: z.string().min(1),
  clientOrderId: z.string(),
  symbol: z.string().min(1),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit', 'stop']),
  qty: finite,
  filledQty: finite,
  filledAvgPrice: finite.nullable(),
  status: orderStatus,
  timeInForce: z.enum(['day', 'gtc']),
  orderClass: z.enum(['simple', 'bracket']),
  limitPrice: finite.nullable(),
  stopPrice: finite.nullable(),
  submittedAt: finite,
  filledAt: finite.nullable(),
  updatedAt: finite,
  parentId: z.string().nullable(),
  legKind: z.enum(['take_profit', 'stop_loss']).nullable(),
  /** Ids of this order's bracket legs (take-profit first, then stop-loss). */
  legIds: z.array(z.string()),
  commission: finite,
  /** Cash held back from buying power while this buy is open. */
  reserve: finite,
  /** Bars starting before this instant cannot fill the order (submit time; entry-fill bar start for legs). */
  activeFrom: finite,
});

export const simPositionSchema = z.object({
  symbol: z.string().min(1),
  qty: finite,
  avgEntryPrice: finite,
  /** New York date of the latest buy fill, for day-trade counting. */
  lastBuyDate: z.string(),
});

export const simBrokerStateSchema = z.object({
  version: z.literal(1),
  startingCash: finite,
  cash: finite,
  realizedPl: finite,
  commissionsPaid: finite,
  /** Next order id counter (ids are `sim-000001`, ...). */
  nextId: z.number().int().positive(),
  /** Every bar starting before this instant has been processed (except `partial` bars). */
  lastSync: finite,
  lastEquity: finite,
  positions: z.array(simPositionSchema),
  orders: z.array(simOrderSchema),
  /** Day trades: New York date of the round trip. */
  daytrades: z.array(z.object({ date: z.string(), symbol: z.string() })),
  /** Bars whose open was processed but which had not closed yet at the last sync: start time by symbol. */
  partial: z.record(z.string(), finite),
});

export type SimOrderRecord = z.infer<typeof simOrderSchema>;
export type SimPositionRecord = z.infer<typeof simPositionSchema>;
export type SimBrokerState = z.infer<typeof simBrokerStateSchema>;

export function initialSimState(startingCash: number, now: number): SimBrokerState {
  return {
    version: 1,
    startingCash,
    cash: startingCash,
    realizedPl: 0,
    commissionsPaid: 0,
    nextId: 1,
    lastSync: now,
    lastEquity: startingCash,
    positions: [],
    orders: [],
    daytrades: [],
    partial: {},
  };
}

/** Validates persisted state; null/undefined means "nothing saved yet". Throws a clear Error when corrupt. */
export function parseSimState(raw: unknown): SimBrokerState | null {
  if (raw === null || raw === undefined) return null;
  const r = simBrokerStateSchema.safeParse(raw);
  if (!r.success) {
    const problems = r.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new Error(`sim broker: persisted state is corrupt or from an incompatible version (${problems})`);
  }
  return r.data;
}
