import type { BrokerReader } from '../ports/broker.js';

/**
 * Narrows a broker (any adapter) to the two reads the viewer makes. The result is a new frozen
 * object holding only getAccount and getPositions, closing over the adapter: submitOrder,
 * cancelOrder and the other order calls are not reachable from it, not even by a cast.
 */
export function readOnlyBroker(b: BrokerReader): BrokerReader {
  return Object.freeze({
    getAccount: () => b.getAccount(),
    getPositions: () => b.getPositions(),
  });
}
