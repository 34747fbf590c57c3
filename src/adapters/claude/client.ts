import Anthropic, { APIConnectionTimeoutError, APIError } from '@anthropic-ai/sdk';
import type { Logger } from '../../log.js';

export type MessageParams = Anthropic.MessageCreateParamsNonStreaming;
export type ApiMessage = Anthropic.Message;
export type SystemBlock = Anthropic.TextBlockParam;

/**
 * The one call the brain makes. The SDK implementation below does the HTTP, the bounded
 * retries (429/529/5xx/timeouts, honouring retry-after) and the timeout; tests and the
 * fuzz suite can put an in-process implementation here instead.
 */
export interface MessagesClient {
  create(params: MessageParams): Promise<ApiMessage>;
}

/** A call that failed after the SDK's own retries. The message never contains credentials. */
export class BrainApiError extends Error {
  override readonly name = 'BrainApiError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly errorType: string | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const oneLine = (s: string, n: number) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

/** A short description of an SDK failure: status, API error type and message. */
export function toBrainApiError(e: unknown): BrainApiError {
  if (e instanceof BrainApiError) return e;
  if (e instanceof APIConnectionTimeoutError) return new BrainApiError('timeout: no response within BRAIN_TIMEOUT_MS (after SDK retries)', null, 'timeout', { cause: e });
  if (e instanceof APIError) {
    const status = typeof e.status === 'number' ? e.status : null;
    const type = typeof e.type === 'string' ? e.type : null;
    const msg = typeof e.apiMessage === 'string' && e.apiMessage !== '' ? e.apiMessage : e.message;
    const label = status === null ? e.name : `${status}${type ? ` ${type}` : ''}`;
    return new BrainApiError(`${label}: ${oneLine(msg, 200)}`, status, type ?? (status === null ? 'connection_error' : null), { cause: e });
  }
  return new BrainApiError(`unexpected: ${oneLine(e instanceof Error ? e.message : String(e), 200)}`, null, null, { cause: e });
}

export interface SdkClientOptions {
  readonly apiKey: string;
  /** ANTHROPIC_BASE_URL; undefined lets the SDK use its default. */
  readonly baseURL?: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly log?: Logger;
}

/** The Messages API over @anthropic-ai/sdk. */
export function createSdkMessagesClient(o: SdkClientOptions): MessagesClient {
  const log = o.log;
  // Only the first argument (a string) is forwarded: SDK debug details may carry headers.
  const fwd = (level: 'warn' | 'error') => (msg: unknown) => log?.[level]('anthropic sdk', { detail: oneLine(String(msg), 300) });
  const sdk = new Anthropic({
    apiKey: o.apiKey,
    ...(o.baseURL !== undefined ? { baseURL: o.baseURL } : {}),
    timeout: o.timeoutMs,
    maxRetries: o.maxRetries,
    logLevel: 'warn',
    logger: { error: fwd('error'), warn: fwd('warn'), info: () => {}, debug: () => {} },
  });
  return {
    create: async (params) => {
      try {
        return await sdk.messages.create(params);
      } catch (e) {
        throw toBrainApiError(e);
      }
    },
  };
}
