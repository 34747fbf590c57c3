import { Alpaca, ApiError, FetchError } from '@alpacahq/alpaca-trade-api';
import type { z } from 'zod';
import { BrokerError, DataError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.js';
import { AlpacaTransportError, createAlpacaHttp, type AlpacaHttp, type AlpacaHttpOptions } from './http.js';

/**
 * The official SDK (@alpacahq/alpaca-trade-api v4) behind our transport. The SDK builds every
 * request (paths, query strings, auth headers, bodies) and sorts HTTP errors into typed classes;
 * our `fetchApi` does routing, rate limiting, timeouts and read retries, so the SDK's own retry,
 * limiter and timeout are off. Responses are read from the raw `Response` and validated with zod
 * against Alpaca's wire format (snake_case, decimal strings), never trusted as typed.
 */

export const PAPER_TRADING_URL = 'https://paper-api.alpaca.markets';
export const LIVE_TRADING_URL = 'https://api.alpaca.markets';
export const DATA_URL = 'https://data.alpaca.markets';

export interface AlpacaClientOptions extends AlpacaHttpOptions {
  readonly keyId: string;
  readonly secretKey: string;
}

export interface AlpacaClient {
  readonly sdk: Alpaca;
  readonly http: AlpacaHttp;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
}

/** True when a trading URL points at Alpaca's live (real money) host. */
export function isLiveTradingUrl(url: string): boolean {
  try {
    return new URL(url).hostname === 'api.alpaca.markets';
  } catch {
    return false;
  }
}

export function createAlpacaClient(o: AlpacaClientOptions): AlpacaClient {
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const http = createAlpacaHttp({
    tradingUrl: o.tradingUrl,
    dataUrl: o.dataUrl,
    clock: o.clock,
    timeoutMs: o.timeoutMs,
    sleep,
    ...(o.random ? { random: o.random } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
    ...(o.rateLimit !== undefined ? { rateLimit: o.rateLimit } : {}),
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
  });
  const sdk = new Alpaca({
    keyId: o.keyId,
    secret: o.secretKey,
    // The host is rewritten by our transport; the flag still keeps the SDK's own idea consistent.
    paper: !isLiveTradingUrl(o.tradingUrl),
    retry: false,
    rateLimit: false,
    timeoutMs: 0,
    fetchApi: http.fetchApi,
    userAgent: 'llm-trader',
  });
  return { sdk, http, clock: o.clock, sleep };
}

/** What went wrong with one call, without headers or secrets. */
export interface CallFailure {
  readonly status?: number;
  readonly code?: string;
  readonly message: string;
  readonly kind: 'http' | 'timeout' | 'network' | 'parse' | 'other';
}

function findCause<T>(e: unknown, cls: abstract new (...a: never[]) => T): T | null {
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur; i++) {
    if (cur instanceof cls) return cur;
    cur = (cur as { cause?: unknown }).cause;
  }
  return null;
}

export function describeFailure(e: unknown): CallFailure {
  const api = findCause(e, ApiError);
  if (api) return { status: api.status, ...(api.code !== undefined ? { code: String(api.code) } : {}), message: api.message, kind: 'http' };
  const parse = findCause(e, WireParseError);
  if (parse) return { message: parse.message, kind: 'parse' };
  const t = findCause(e, AlpacaTransportError);
  if (t) return { message: t.message, kind: t.kind };
  if (e instanceof FetchError) return { message: `${e.message}: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}`, kind: 'network' };
  return { message: e instanceof Error ? e.message : String(e), kind: 'other' };
}

/** A 2xx response whose body did not match the wire schema. */
export class WireParseError extends Error {
  override readonly name = 'WireParseError';
}

/** Sorts a failed trading call into a BrokerError: `retryable` means "fate unknown, settle it". */
export function toBrokerError(what: string, e: unknown): BrokerError {
  if (e instanceof BrokerError) return e;
  const f = describeFailure(e);
  const msg = `${what}: ${f.status !== undefined ? `HTTP ${f.status} ` : ''}${f.message}`;
  const opts = { cause: e };
  if (f.kind === 'timeout') return new BrokerError(msg, 'timeout', true, undefined, opts);
  if (f.kind === 'network' || f.kind === 'parse' || f.kind === 'other') return new BrokerError(msg, 'unavailable', true, f.status, opts);
  const s = f.status!;
  const text = f.message.toLowerCase();
  if (s === 403 && text.includes('buying power')) return new BrokerError(msg, 'insufficient_buying_power', false, s, opts);
  if (s === 403 && (text.includes('insufficient qty') || text.includes('qty available'))) return new BrokerError(msg, 'insufficient_qty', false, s, opts);
  if ((s === 422 || s === 400) && text.includes('client_order_id') && text.includes('unique')) return new BrokerError(msg, 'duplicate_client_order_id', false, s, opts);
  if (s === 404) return new BrokerError(msg, 'not_found', false, s, opts);
  if (s === 429 || s >= 500 || s === 408) return new BrokerError(msg, 'unavailable', true, s, opts);
  return new BrokerError(msg, 'rejected', false, s, opts);
}

export function toDataError(what: string, e: unknown): DataError {
  if (e instanceof DataError) return e;
  const f = describeFailure(e);
  return new DataError(`${what}: ${f.status !== undefined ? `HTTP ${f.status} ` : ''}${f.message}`, { cause: e });
}

/** Reads a raw SDK response's JSON body and validates it. */
export async function readWire<T>(what: string, call: Promise<{ readonly raw: Response }>, schema: z.ZodType<T>): Promise<T> {
  const res = await call;
  let body: unknown;
  try {
    body = await res.raw.json();
  } catch (e) {
    throw new WireParseError(`${what}: response body is not JSON`, { cause: e });
  }
  const r = schema.safeParse(body);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new WireParseError(`${what}: unexpected response shape at ${first ? first.path.join('.') || '(root)' : '?'}: ${first?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** For calls with no body (204). */
export async function readEmpty(call: Promise<{ readonly raw: Response }>): Promise<void> {
  const res = await call;
  await res.raw.body?.cancel().catch(() => undefined);
}
