import type { Order } from '../domain/broker.js';
import { TERMINAL_ORDER_STATUSES } from '../domain/broker.js';
import type { Logger } from '../log.js';
import type { Broker } from '../ports/broker.js';
import type { ExecuteBlock, ExitFound, Journal, JournaledOrder } from '../ports/journal.js';
import { clientOrderId } from '../core/orders.js';
import { exitKindOf } from './order-sync.js';

/**
 * Startup reconciliation (service start and every `npm run cycle`): the broker's positions and
 * orders against the journal, through the Broker and Journal ports only, so it runs the same on
 * Alpaca and on the simulator.
 *
 * 1. Decision rows whose execute result was never journaled (killed between submit and journal
 *    write): the order is looked up by its deterministic client order id. Found: it is journaled
 *    and the row gets its result (status "recovered"), exactly once. Not found and stale: the row
 *    is closed as "not sent". Not found and recent: left for a re-run of its cycle to finish.
 * 2. Every order open now or closed since the last reconciliation that the journal knows (by id,
 *    client id, or its bracket parent) is brought up to date; a bracket leg that filled while
 *    nobody was looking becomes an exit (bracket_stop / bracket_take_profit), once per order id.
 * 3. Orders the journal does not know are reported (log + journal), never touched.
 * 4. Broker positions are compared with the journal's net fills; differences are reported.
 * Any failure (broker unreachable, journal not writable) throws ReconcileError after trying to
 * journal the failed run: the caller must not trade.
 */

export class ReconcileError extends Error {
  override readonly name = 'ReconcileError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

export interface ReconcileDeps {
  readonly broker: Broker;
  readonly journal: Journal;
  readonly log: Logger;
}

export interface ReconcileOptions {
  /** Market time of the run (epoch ms). */
  readonly now: number;
  /** How far back to look for closed orders when the journal has never reconciled. Default 30 days. */
  readonly firstLookbackMs?: number;
  /** Overlap with the previous run's window (de-duplicated by order id). Default 1 day. */
  readonly overlapMs?: number;
  /** An unresolved intent older than this with no order at the broker is closed as not sent. Default 15 min. */
  readonly staleIntentMs?: number;
}

export interface ReconcileReport {
  readonly at: string;
  readonly since: string;
  readonly positions: readonly { readonly symbol: string; readonly qty: number }[];
  readonly open_orders: number;
  readonly closed_orders: number;
  readonly orders_updated: number;
  readonly exits: readonly ExitFound[];
  readonly adopted: readonly { readonly trade_id: string; readonly order_id: string; readonly client_order_id: string; readonly order_status: string }[];
  readonly closed_intents: readonly { readonly trade_id: string; readonly status: string }[];
  readonly pending_intents: readonly string[];
  readonly unknown_orders: readonly { readonly order_id: string; readonly client_order_id: string; readonly symbol: string; readonly side: string; readonly status: string }[];
  readonly position_mismatches: readonly { readonly symbol: string; readonly broker_qty: number; readonly journal_qty: number }[];
}

const DAY = 86_400_000;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

export async function reconcile(deps: ReconcileDeps, opts: ReconcileOptions): Promise<ReconcileReport> {
  const { broker, journal, log } = deps;
  const now = opts.now;
  try {
    const last = journal.lastReconcileAt();
    const since = Math.max(0, (last ?? now - (opts.firstLookbackMs ?? 30 * DAY)) - (opts.overlapMs ?? DAY));
    const [positions, open, closed] = await Promise.all([broker.getPositions(), broker.getOpenOrders(), broker.listClosedOrders(since)]);

    // 1. Unfinished decision rows.
    const adopted: ReconcileReport['adopted'][number][] = [];
    const closedIntents: ReconcileReport['closed_intents'][number][] = [];
    const pending: string[] = [];
    const adoptedIds = new Set<string>();
    for (const p of journal.pendingIntents()) {
      const stale = now - p.asOf > (opts.staleIntentMs ?? 15 * 60_000);
      if (p.action === 'HOLD') {
        if (stale) {
          journal.recordResult(p.tradeId, { status: 'none', detail: 'result written at reconciliation (the run was interrupted)' });
          closedIntents.push({ trade_id: p.tradeId, status: 'none' });
        } else pending.push(p.tradeId);
        continue;
      }
      const side = p.action === 'BUY' ? 'buy' : 'sell';
      const coid = clientOrderId(p.cycleId, p.symbol, side);
      const order = await broker.getOrderByClientId(coid);
      if (order) {
        journal.recordOrder(order, { tradeId: p.tradeId, cycleId: p.cycleId, ...(side === 'sell' ? { exitKind: 'model_sell' } : {}) });
        const exec: ExecuteBlock = {
          status: 'recovered',
          detail: 'reconciled at start: the order reached the broker but its result was never journaled',
          clientOrderId: coid,
          orderId: order.id,
          side,
          qty: order.qty,
          orderStatus: order.status,
        };
        journal.recordResult(p.tradeId, exec);
        adopted.push({ trade_id: p.tradeId, order_id: order.id, client_order_id: coid, order_status: order.status });
        adoptedIds.add(order.id);
        for (const l of order.legs) adoptedIds.add(l.id);
      } else if (stale) {
        journal.recordResult(p.tradeId, { status: 'error', detail: 'interrupted before the order step finished; no order with its client id exists at the broker, so nothing was sent (reconciled at start)', clientOrderId: coid, side });
        closedIntents.push({ trade_id: p.tradeId, status: 'error' });
      } else {
        pending.push(p.tradeId);
      }
    }

    // 2 + 3. Orders at the broker, each once.
    const seen = new Map<string, Order>();
    for (const o of [...closed, ...open]) if (!seen.has(o.id)) seen.set(o.id, o);
    const exits: ExitFound[] = [];
    const unknown: ReconcileReport['unknown_orders'][number][] = [];
    let updated = 0;
    const knownCache = new Map<string, JournaledOrder | null>();
    const known = (id: string, coid: string) => {
      if (!knownCache.has(id)) knownCache.set(id, journal.findOrder(id, coid));
      return knownCache.get(id) ?? null;
    };
    for (const o of seen.values()) {
      if (adoptedIds.has(o.id)) continue;
      const mine = known(o.id, o.clientOrderId);
      const parent = o.parentId ? known(o.parentId, '') : null;
      if (!mine && !parent) {
        // A leg of an unknown parent is reported with its parent, not on its own.
        if (o.parentId && seen.has(o.parentId)) continue;
        unknown.push({ order_id: o.id, client_order_id: o.clientOrderId, symbol: o.symbol, side: o.side, status: o.status });
        continue;
      }
      const kind = exitKindOf(o) ?? mine?.exitKind ?? undefined;
      const tradeId = mine?.tradeId ?? parent?.tradeId ?? null;
      const cycleId = mine?.cycleId ?? parent?.cycleId ?? null;
      const changed = !mine || mine.status !== o.status || mine.filledQty !== o.filledQty;
      journal.recordOrder({ ...o, legs: [] }, { ...(tradeId ? { tradeId } : {}), ...(cycleId ? { cycleId } : {}), ...(kind ? { exitKind: kind } : {}) });
      if (changed) updated++;
      if (o.legKind !== null && kind && o.status === 'filled' && mine?.status !== 'filled') {
        exits.push({ orderId: o.id, parentId: o.parentId, tradeId, symbol: o.symbol, exitKind: kind, qty: o.filledQty, price: o.filledAvgPrice, filledAt: o.filledAt });
      }
    }

    // 4. Positions.
    const journalQty = journal.journaledPositions();
    const brokerQty = new Map(positions.map((p) => [p.symbol, p.qty]));
    const mismatches: ReconcileReport['position_mismatches'][number][] = [];
    for (const symbol of [...new Set([...journalQty.keys(), ...brokerQty.keys()])].sort()) {
      const b = brokerQty.get(symbol) ?? 0;
      const j = journalQty.get(symbol) ?? 0;
      if (Math.abs(b - j) > 1e-9) mismatches.push({ symbol, broker_qty: b, journal_qty: j });
    }

    const report: ReconcileReport = {
      at: new Date(now).toISOString(),
      since: new Date(since).toISOString(),
      positions: positions.map((p) => ({ symbol: p.symbol, qty: p.qty })),
      open_orders: open.filter((o) => !TERMINAL_ORDER_STATUSES.has(o.status)).length,
      closed_orders: closed.length,
      orders_updated: updated,
      exits,
      adopted,
      closed_intents: closedIntents,
      pending_intents: pending,
      unknown_orders: unknown,
      position_mismatches: mismatches,
    };
    const { exits: _e, ...summary } = report;
    journal.recordReconcile({ at: now, status: 'ok', report: summary, exits });

    for (const u of unknown) log.warn('reconcile: order unknown to the journal (reported, not touched)', { ...u });
    for (const m of mismatches) log.warn('reconcile: broker position differs from the journal', { ...m });
    for (const x of exits) log.info('reconcile: exit found', { symbol: x.symbol, exit_kind: x.exitKind, order_id: x.orderId, qty: x.qty, price: x.price });
    for (const a of adopted) log.warn('reconcile: order found for an unfinished decision; journaled once', { ...a });
    log.info('reconciled', {
      positions: report.positions.length,
      open_orders: report.open_orders,
      closed_orders: report.closed_orders,
      orders_updated: updated,
      exits: exits.length,
      adopted: adopted.length,
      closed_intents: closedIntents.length,
      pending_intents: pending.length,
      unknown_orders: unknown.length,
      position_mismatches: mismatches.length,
    });
    return report;
  } catch (e) {
    const message = `reconciliation failed: ${errText(e)}`;
    try {
      journal.recordReconcile({ at: now, status: 'failed', report: {}, exits: [], error: message });
    } catch (je) {
      log.error('reconcile: could not journal the failed run', { error: errText(je) });
    }
    throw new ReconcileError(message, { cause: e });
  }
}
