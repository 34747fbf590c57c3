import { z } from 'zod';
import type { Account, Position } from '../domain/broker.js';
import { BrokerError } from '../domain/errors.js';
import type { Db } from '../journal/sqlite.js';
import type { BrokerReader } from '../ports/broker.js';
import { createSimBroker } from '../adapters/sim/broker.js';
import type { PriceFeed } from '../adapters/sim/feed.js';
import { nyDisplay } from './format.js';

/**
 * The viewer's window on the simulated account: a sim broker rebuilt on every call from the
 * state the trader last saved in `sim_state`, read through the viewer's read-only handle, with
 * a store whose save() does nothing. Its clock is the saved state's own lastSync, so no bar is
 * replayed and no fill happens: it shows the account exactly as the trader left it.
 * It has the broker's two reads only: nothing that could place or cancel an order.
 */
export interface ReadOnlySimBrokerOptions {
  readonly db: Db;
  /** Built lazily on first use (the synthetic feed takes a moment to generate). */
  readonly feed: () => PriceFeed;
  readonly startingCash: number;
  readonly slippageBps: number;
  readonly commissionPerShare: number;
  readonly commissionMin: number;
}

export interface ReadOnlySimBroker extends BrokerReader {
  /** "as of …" for the positions page: when the trader last saved the simulated account. */
  describe(): string;
}

const savedState = z.object({ lastSync: z.number() }).loose();

export function createReadOnlySimBroker(o: ReadOnlySimBrokerOptions): ReadOnlySimBroker {
  let feed: PriceFeed | null = null;
  const load = (): { state: unknown; lastSync: number } | null => {
    const row = o.db.prepare('SELECT state_json FROM sim_state WHERE id = 1').get() as { state_json: string } | undefined;
    if (!row) return null;
    const state = JSON.parse(row.state_json) as unknown;
    const parsed = savedState.safeParse(state);
    if (!parsed.success) throw new BrokerError('the saved simulator state is not readable', 'unavailable', false);
    return { state, lastSync: parsed.data.lastSync };
  };
  const current = () => {
    const saved = load();
    if (!saved) return null;
    feed ??= o.feed();
    const at = saved.lastSync;
    return createSimBroker({
      feed,
      clock: { now: () => at },
      store: { load: () => saved.state, save: () => {} },
      startingCash: o.startingCash,
      slippageBps: o.slippageBps,
      commissionPerShare: o.commissionPerShare,
      commissionMin: o.commissionMin,
    });
  };
  const fresh: Account = { cash: o.startingCash, equity: o.startingCash, buyingPower: o.startingCash, lastEquity: o.startingCash, daytradeCount: 0, status: 'ACTIVE' };

  return {
    describe() {
      try {
        const s = load();
        return s ? `simulated account as last saved by the trader (${nyDisplay(s.lastSync)})` : 'simulated account: nothing saved yet (no simulated trading has happened)';
      } catch {
        return 'simulated account';
      }
    },
    async getAccount(): Promise<Account> {
      return (await current()?.getAccount()) ?? fresh;
    },
    async getPositions(): Promise<readonly Position[]> {
      return (await current()?.getPositions()) ?? [];
    },
  };
}
