import type { Order, OrderRequest } from '../domain/broker.js';
import type { Decision } from '../domain/decision.js';
import { BrokerError } from '../domain/errors.js';
import type { Snapshot } from '../domain/snapshot.js';
import type { Broker } from '../ports/broker.js';
import type { ExecuteBlock, Journal } from '../ports/journal.js';
import { bracketPrices, buyQuantity, clientOrderId, roundToTick, type BracketSettings } from '../core/orders.js';

export interface ExecuteDeps {
  readonly broker: Broker;
  readonly journal: Journal;
  readonly exec: BracketSettings;
}

export interface ExecuteInput {
  readonly cycleId: string;
  readonly tradeId: string;
  readonly final: Decision;
  readonly snapshot: Snapshot;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 300);

/**
 * Sends what a journaled decision asks for. Idempotent: the client order id is derived from
 * (cycle, symbol, intent), and an existing order with that id is adopted, never re-sent.
 * A submit that fails in a way that leaves its fate unknown is settled by looking the id up.
 */
export async function executeDecision(deps: ExecuteDeps, x: ExecuteInput): Promise<ExecuteBlock> {
  const d = x.final;
  if (d.action === 'HOLD') return { status: 'none' };
  const side = d.action === 'BUY' ? 'buy' : 'sell';
  const coid = clientOrderId(x.cycleId, d.symbol, side);

  const existing = await deps.broker.getOrderByClientId(coid);
  if (existing) {
    deps.journal.recordOrder(existing, { tradeId: x.tradeId, cycleId: x.cycleId, ...(side === 'sell' ? { exitKind: 'model_sell' } : {}) });
    return { status: 'recovered', detail: 'order with this client id already existed; adopted, not re-sent', clientOrderId: coid, orderId: existing.id, side, qty: existing.qty, orderStatus: existing.status };
  }

  let req: OrderRequest;
  let canceledLegs: string[] = [];
  let refPrice: number;
  let prices: { stopLoss?: number; takeProfit?: number } = {};
  if (side === 'buy') {
    const ref = x.snapshot.price;
    if (ref === null) return { status: 'skipped', detail: 'no reference price' };
    refPrice = roundToTick(ref);
    const qty = buyQuantity(d.size_pct, x.snapshot.account.equity, ref);
    if (qty <= 0) return { status: 'skipped', detail: `size ${d.size_pct} of equity buys less than one share at ${ref}`, refPrice };
    const bp = bracketPrices(ref, x.snapshot.indicators.atr14, d, deps.exec);
    if (!bp.ok) return { status: 'skipped', detail: bp.reason, refPrice };
    prices = { stopLoss: bp.stopLoss, takeProfit: bp.takeProfit };
    req = {
      clientOrderId: coid,
      symbol: d.symbol,
      side: 'buy',
      qty,
      type: 'market',
      timeInForce: 'gtc',
      orderClass: 'bracket',
      takeProfit: { limitPrice: bp.takeProfit },
      stopLoss: { stopPrice: bp.stopLoss },
    };
  } else {
    refPrice = x.snapshot.price ?? 0;
    // Free the shares held by this symbol's bracket legs, then sell the whole position.
    const open = await deps.broker.getOpenOrders();
    const legs = open.filter((o) => o.symbol === d.symbol && o.side === 'sell');
    for (const leg of legs) {
      await deps.broker.cancelOrder(leg.id);
      canceledLegs.push(leg.id);
    }
    const positions = await deps.broker.getPositions();
    const qty = positions.find((p) => p.symbol === d.symbol)?.qty ?? 0;
    if (qty <= 0) return { status: 'skipped', detail: 'no position to sell', canceledLegs };
    req = { clientOrderId: coid, symbol: d.symbol, side: 'sell', qty, type: 'market', timeInForce: 'day' };
  }

  const base = { clientOrderId: coid, side, qty: req.qty, refPrice, ...prices, ...(canceledLegs.length ? { canceledLegs } : {}) } as const;
  let order: Order;
  try {
    order = await deps.broker.submitOrder(req);
  } catch (e) {
    if (e instanceof BrokerError && !e.retryable) return { ...base, status: 'rejected', detail: `${e.code}: ${errText(e)}` };
    // Unknown fate (timeout, 5xx, network): settle by client order id before anything else.
    let found: Order | null = null;
    try {
      found = await deps.broker.getOrderByClientId(coid);
    } catch (lookupErr) {
      return { ...base, status: 'error', detail: `unresolved: submit failed (${errText(e)}) and lookup failed (${errText(lookupErr)})` };
    }
    if (!found) return { ...base, status: 'error', detail: `submit failed and no order exists: ${errText(e)}` };
    order = found;
  }
  deps.journal.recordOrder(order, { tradeId: x.tradeId, cycleId: x.cycleId, ...(side === 'sell' ? { exitKind: 'model_sell' } : {}) });
  return { ...base, status: 'submitted', orderId: order.id, orderStatus: order.status };
}
