import { createAlpacaBroker } from '../adapters/alpaca/broker.js';
import { isLiveTradingUrl } from '../adapters/alpaca/client.js';
import type { Config } from '../config.js';
import { nyDate } from '../core/time/ny.js';
import type { Db } from '../journal/sqlite.js';
import type { Logger } from '../log.js';
import type { BrokerReader } from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import { readOnlyBroker } from '../web/broker-reader.js';
import { createReadOnlySimBroker } from '../web/sim-broker.js';
import { alpacaClientFromConfig, type AlpacaClientDeps } from './alpaca-client.js';
import { simAccountFromConfig, simFeedFromConfig } from './sim-config.js';

export interface ViewerBroker {
  /** The broker's two reads (account, positions), narrowed: no order method is reachable. Null: none for this mode. */
  readonly broker: BrokerReader | null;
  /** The line /positions shows about where the figures come from, or why there are none. */
  readonly note: string | (() => string);
}

/** A page load should not wait out the trader's retry policy when the broker is down: one retry, then the page says so. */
const VIEWER_RETRY = { maxAttempts: 2 } as const;

/**
 * The broker behind the viewer's /positions, per TRADER_MODE: in sim, the read-only sim broker over
 * the state the trader saved in the journal; in paper and live, the Alpaca broker adapter (the
 * same one the trader uses). Either way only getAccount and getPositions are handed out.
 */
export function createViewerBroker(
  config: Config,
  x: { readonly db: Db; readonly clock: Clock; readonly log: Logger } & Pick<AlpacaClientDeps, 'fetch' | 'sleep'>,
): ViewerBroker {
  if (config.mode === 'sim') {
    const sim = createReadOnlySimBroker({
      db: x.db,
      feed: () => simFeedFromConfig(config, nyDate(x.clock.now())),
      ...simAccountFromConfig(config),
    });
    return { broker: readOnlyBroker(sim), note: () => sim.describe() };
  }
  if (!config.alpaca) return { broker: null, note: `TRADER_MODE=${config.mode} without APCA_API_KEY_ID and APCA_API_SECRET_KEY: no broker to ask` };
  const client = alpacaClientFromConfig(config, { clock: x.clock, log: x.log, retry: VIEWER_RETRY, ...(x.fetch ? { fetch: x.fetch } : {}), ...(x.sleep ? { sleep: x.sleep } : {}) });
  const kind = isLiveTradingUrl(config.alpacaApi.baseUrl) ? 'live' : 'paper';
  return { broker: readOnlyBroker(createAlpacaBroker({ client })), note: `Alpaca ${kind} account (${new URL(config.alpacaApi.baseUrl).host})` };
}
