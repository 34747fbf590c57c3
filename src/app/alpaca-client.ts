import { createAlpacaClient, type AlpacaClient, type AlpacaClientOptions } from '../adapters/alpaca/client.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Clock } from '../ports/clock.js';

export interface AlpacaClientDeps {
  readonly clock: Clock;
  /** Transport retries and give-ups are logged as warnings (method and path only; never headers). */
  readonly log?: Logger;
  /** Overrides of the configured timeout and the transport's retry policy, for callers that must answer fast. */
  readonly timeoutMs?: number;
  readonly retry?: AlpacaClientOptions['retry'];
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The Alpaca client from config (keys, trading and data URLs, timeout). Throws when the keys are not set. */
export function alpacaClientFromConfig(config: Config, x: AlpacaClientDeps): AlpacaClient {
  if (!config.alpaca) throw new Error(`TRADER_MODE=${config.mode} needs APCA_API_KEY_ID and APCA_API_SECRET_KEY`);
  const log = x.log;
  return createAlpacaClient({
    keyId: config.alpaca.keyId,
    secretKey: config.alpaca.secretKey,
    tradingUrl: config.alpacaApi.baseUrl,
    dataUrl: config.alpacaApi.dataUrl,
    clock: x.clock,
    timeoutMs: x.timeoutMs ?? config.alpacaApi.timeoutMs,
    ...(x.retry ? { retry: x.retry } : {}),
    ...(x.fetch ? { fetch: x.fetch } : {}),
    ...(x.sleep ? { sleep: x.sleep } : {}),
    ...(log ? { onEvent: (e) => log.warn(e.kind === 'retry' ? 'alpaca request retried' : 'alpaca request gave up', { ...e }) } : {}),
  });
}
