import type { Order } from '../domain/broker.js';
import type { Broker } from '../ports/broker.js';
import type { Journal } from '../ports/journal.js';

/** Exit kind of an order the bot did not send in this step: bracket legs, by leg. */
export function exitKindOf(o: Order): string | undefined {
  if (o.legKind === 'stop_loss') return 'bracket_stop';
  if (o.legKind === 'take_profit') return 'bracket_take_profit';
  return undefined;
}

/**
 * Brings the journal's orders table up to the broker's view: every order that closed since
 * `since` and every open one, legs included. Idempotent: an unchanged order adds no event.
 * Returns the orders that filled since `since`.
 */
export async function syncOrders(deps: { readonly broker: Broker; readonly journal: Journal }, since: number): Promise<Order[]> {
  const [closed, open] = await Promise.all([deps.broker.listClosedOrders(since), deps.broker.getOpenOrders()]);
  const fills: Order[] = [];
  for (const o of [...closed, ...open]) {
    const kind = exitKindOf(o);
    deps.journal.recordOrder({ ...o, legs: [] }, kind ? { exitKind: kind } : {});
    if (o.status === 'filled') fills.push(o);
  }
  return fills;
}
