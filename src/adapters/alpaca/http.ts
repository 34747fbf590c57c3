import type { Clock } from '../../ports/clock.js';
import { createTokenBucket, type TokenBucket } from './rate-limit.js';

/**
 * The transport under the Alpaca SDK, installed as its `fetchApi`:
 * - routes the SDK's fixed hosts to the configured bases (APCA_API_BASE_URL for trading,
 *   APCA_API_DATA_URL for market data); any other host is refused, so keys never leave for
 *   somewhere unexpected;
 * - rate limits each host with a token bucket on the injected clock (default 180/min, burst 20:
 *   never more than 200 requests start in any minute);
 * - gives every attempt a timeout;
 * - retries reads (GET/HEAD) on 429/5xx and network errors with exponential backoff and jitter,
 *   honouring Retry-After. Writes (POST/PATCH/DELETE) are sent exactly once: a write whose fate
 *   is unknown is for the caller to settle (orders: look the client order id up).
 * Sleeping, time and jitter are injected so tests run instantly and deterministically.
 * Nothing here logs or returns a header, so keys cannot leak through it.
 */

export type HostKind = 'trading' | 'data';

export interface RetryPolicy {
  /** Attempts in all, first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is clamped to it. */
  readonly maxRetryAfterMs: number;
  readonly statuses: readonly number[];
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  statuses: [408, 429, 500, 502, 503, 504],
};

export interface HttpEvent {
  readonly kind: 'retry' | 'give_up';
  readonly host: HostKind;
  readonly method: string;
  /** Path only (no query, no host): safe to log. */
  readonly path: string;
  readonly attempt: number;
  readonly delayMs?: number;
  readonly status?: number;
  readonly error?: string;
}

export interface AlpacaHttpOptions {
  readonly tradingUrl: string;
  readonly dataUrl: string;
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly retry?: Partial<RetryPolicy>;
  /** Per host. `false` turns limiting off (tests that count nothing but requests). */
  readonly rateLimit?: { readonly perMinute: number; readonly burst: number } | false;
  readonly fetch?: typeof fetch;
  readonly onEvent?: (e: HttpEvent) => void;
}

export interface AlpacaHttp {
  /** The SDK's `fetchApi`. */
  readonly fetchApi: (url: string, init: RequestInit) => Promise<Response>;
  readonly stats: () => { readonly requests: Readonly<Record<HostKind, number>>; readonly retries: number };
}

/** Thrown by the transport when an attempt ran out of time or the connection failed. */
export class AlpacaTransportError extends Error {
  override readonly name = 'AlpacaTransportError';
  constructor(
    message: string,
    readonly kind: 'timeout' | 'network',
    readonly method: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD']);

export const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Milliseconds a Retry-After header asks for (delta-seconds or HTTP date), or null. */
export function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null || header.trim() === '') return null;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Exponential backoff with +-20% jitter: base * 2^(attempt-1), capped. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  const raw = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(Math.min(policy.maxDelayMs, raw * (0.8 + 0.4 * random())));
}

function normalizeBase(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new RangeError(`Alpaca base URL must be http(s): ${u.protocol}`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Which configured base serves an SDK URL. The SDK only ever builds alpaca.markets URLs. */
export function hostKindOf(url: URL): HostKind | null {
  const h = url.hostname;
  if (!/(^|\.)alpaca\.markets$/.test(h)) return null;
  return h.startsWith('data.') || h.startsWith('stream.data.') ? 'data' : 'trading';
}

export function createAlpacaHttp(opts: AlpacaHttpOptions): AlpacaHttp {
  const bases: Record<HostKind, string> = { trading: normalizeBase(opts.tradingUrl), data: normalizeBase(opts.dataUrl) };
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...opts.retry };
  const sleep = opts.sleep ?? realSleep;
  const random = opts.random ?? Math.random;
  const doFetch = opts.fetch ?? fetch;
  const limits = opts.rateLimit === undefined ? { perMinute: 180, burst: 20 } : opts.rateLimit;
  const buckets: Record<HostKind, TokenBucket> | null = limits
    ? {
        trading: createTokenBucket({ ...limits, clock: opts.clock, sleep }),
        data: createTokenBucket({ ...limits, clock: opts.clock, sleep }),
      }
    : null;
  const requests: Record<HostKind, number> = { trading: 0, data: 0 };
  let retries = 0;
  const emit = (e: HttpEvent) => {
    try {
      opts.onEvent?.(e);
    } catch {
      // observers never break a request
    }
  };

  const fetchApi = async (url: string, init: RequestInit): Promise<Response> => {
    const sdkUrl = new URL(url);
    const host = hostKindOf(sdkUrl);
    if (host === null) throw new RangeError(`refusing to send an Alpaca request to ${sdkUrl.hostname}`);
    const target = `${bases[host]}${sdkUrl.pathname}${sdkUrl.search}`;
    const method = (init.method ?? 'GET').toUpperCase();
    const path = sdkUrl.pathname;
    const canRetry = IDEMPOTENT.has(method);
    for (let attempt = 1; ; attempt++) {
      await buckets?.[host].acquire();
      requests[host]++;
      const timeout = AbortSignal.timeout(opts.timeoutMs);
      const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await doFetch(target, { ...init, signal });
      } catch (e) {
        if (init.signal?.aborted) throw e;
        const timedOut = timeout.aborted;
        const err = new AlpacaTransportError(
          timedOut ? `${method} ${path} timed out after ${opts.timeoutMs} ms` : `${method} ${path} failed: ${e instanceof Error ? e.message : String(e)}`,
          timedOut ? 'timeout' : 'network',
          method,
          { cause: e },
        );
        if (canRetry && attempt < policy.maxAttempts) {
          const delayMs = backoffMs(attempt, policy, random);
          retries++;
          emit({ kind: 'retry', host, method, path, attempt, delayMs, error: err.message });
          await sleep(delayMs);
          continue;
        }
        if (canRetry) emit({ kind: 'give_up', host, method, path, attempt, error: err.message });
        throw err;
      }
      if (canRetry && policy.statuses.includes(res.status)) {
        if (attempt < policy.maxAttempts) {
          const asked = retryAfterMs(res.headers.get('retry-after'), opts.clock.now());
          const delayMs = asked !== null ? Math.min(asked, policy.maxRetryAfterMs) : backoffMs(attempt, policy, random);
          await res.body?.cancel().catch(() => undefined);
          retries++;
          emit({ kind: 'retry', host, method, path, attempt, delayMs, status: res.status });
          await sleep(delayMs);
          continue;
        }
        emit({ kind: 'give_up', host, method, path, attempt, status: res.status });
      }
      return res;
    }
  };

  return { fetchApi, stats: () => ({ requests: { ...requests }, retries }) };
}
