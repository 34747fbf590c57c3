import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * A loopback fake of the Anthropic Messages API (POST /v1/messages) that speaks the real
 * wire format: message objects with content blocks, stop_reason/stop_details, usage with
 * cache_creation_input_tokens / cache_read_input_tokens, error bodies
 * `{type:'error', error:{type, message}, request_id}` with a `request-id` header, and
 * `retry-after` on 429. It checks requests the way the API does (auth header, version
 * header, non-empty messages ending in a user turn, non-empty text) and simulates the prompt
 * cache: a system prefix marked with cache_control is written by the first request that
 * carries it and read by later ones once that request has completed.
 *
 * Scriptable per test: `script(req)` returns what to answer for each request. As a program:
 *   npx tsx tests/fakes/anthropic-server.ts --port 0 --mode valid|garbage [--latency-ms N]
 * prints `FAKE_ANTHROPIC_URL=http://127.0.0.1:<port>` and serves until killed.
 */

export interface FakeRequest {
  /** 1-based count of requests the server has received. */
  readonly n: number;
  readonly method: string;
  readonly path: string;
  /** Request headers, with x-api-key / authorization replaced by "[present]". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: MessagesBody;
}

export interface MessagesBody {
  readonly model?: unknown;
  readonly max_tokens?: unknown;
  readonly system?: unknown;
  readonly messages?: unknown;
  readonly output_config?: { readonly format?: { readonly type?: string; readonly schema?: { readonly properties?: Record<string, unknown> } } };
  readonly [k: string]: unknown;
}

export interface FakeUsage {
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cache_creation_input_tokens: number;
  readonly cache_read_input_tokens: number;
}

export type FakeReply =
  | {
      readonly kind: 'message';
      /** Shorthand for one text block. */
      readonly text?: string;
      readonly content?: readonly unknown[];
      readonly stop_reason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'pause_turn' | 'refusal' | 'model_context_window_exceeded';
      readonly stop_details?: unknown;
      /** Overrides the simulated usage figures. */
      readonly usage?: Partial<FakeUsage>;
      readonly delayMs?: number;
    }
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message: string; readonly headers?: Readonly<Record<string, string>>; readonly delayMs?: number }
  /** A non-JSON body, e.g. an HTML 502 page from a proxy. */
  | { readonly kind: 'raw'; readonly status: number; readonly body: string; readonly contentType?: string; readonly delayMs?: number };

export type FakeScript = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface FakeAnthropicOptions {
  readonly port?: number;
  /** Default behaviour when no script is set: valid decisions/verdicts, or prose garbage. */
  readonly mode?: 'valid' | 'garbage';
  readonly script?: FakeScript;
  /** Added before every reply (on top of a reply's own delayMs). */
  readonly latencyMs?: number;
  /** Smallest prefix (estimated tokens) that is cached, like the API's minimum cacheable length. */
  readonly cacheMinTokens?: number;
  /** When set, any other key is answered with 401 authentication_error. */
  readonly expectKey?: string;
}

export interface FakeAnthropic {
  readonly url: string;
  readonly requests: FakeRequest[];
  /** The most /v1/messages requests that were being handled at once. */
  readonly peakInFlight: number;
  setScript(script: FakeScript | null): void;
  close(): Promise<void>;
}

/** Rough token estimate (about 4 characters per token), deterministic. */
export const estimateTokens = (s: string) => Math.ceil(s.length / 4);

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

/** A standard error reply; 429 carries retry-after (seconds) like the real API. */
export function apiError(status: number, message?: string, headers?: Record<string, string>): FakeReply {
  const type = ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
  return { kind: 'error', status, type, message: message ?? (status === 529 ? 'Overloaded' : type), ...(headers ? { headers } : {}) };
}

/** Replies in order, then `then` (default: valid answers) for every later request. */
export function sequence(replies: readonly (FakeReply | FakeScript)[], then?: FakeScript): FakeScript {
  let i = 0;
  return (req) => {
    const r = replies[i++];
    if (r === undefined) return (then ?? defaultReply('valid'))(req);
    return typeof r === 'function' ? r(req) : r;
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((b) => (typeof b === 'object' && b !== null && typeof (b as { text?: unknown }).text === 'string' ? (b as { text: string }).text : '')).join('');
}

/** The text of the last user turn. */
export function lastUserText(body: MessagesBody): string {
  const msgs = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i]?.role === 'user') return textOf(msgs[i]?.content);
  return '';
}

/** The JSON between `<<<NAME` and `NAME>>>` in any user turn, parsed; null when absent. */
export function dataBlock(body: MessagesBody, name: string): Record<string, unknown> | null {
  const msgs = Array.isArray(body.messages) ? (body.messages as { role?: unknown; content?: unknown }[]) : [];
  for (const m of msgs) {
    if (m.role !== 'user') continue;
    const t = textOf(m.content);
    const a = t.indexOf(`<<<${name}`);
    const b = t.indexOf(`${name}>>>`);
    if (a === -1 || b === -1 || b < a) continue;
    try {
      return JSON.parse(t.slice(a + name.length + 3, b)) as Record<string, unknown>;
    } catch {
      return null;
    }
  }
  return null;
}

export const isRegimeRequest = (body: MessagesBody) => body.output_config?.format?.schema?.properties?.direction !== undefined || dataBlock(body, 'REGIME_INPUTS_JSON') !== null;

type Num = number | null | undefined;
const r2 = (x: number) => Math.round(x * 100) / 100;

/** A plausible decision for the snapshot in the request (a simple momentum rule), as the model would write it. */
export function validDecisionFor(body: MessagesBody): Record<string, unknown> {
  const s = dataBlock(body, 'SNAPSHOT_JSON') as {
    symbol?: string;
    price?: Num;
    indicators?: { ema9?: Num; ema21?: Num; ema50?: Num; rsi14?: Num; atr14?: Num; macd?: { histogram?: number } | null };
    position?: { qty?: number; covered_by_bracket?: boolean } | null;
    data_quality?: { missing_critical?: unknown[] };
  } | null;
  const symbol = typeof s?.symbol === 'string' ? s.symbol : 'UNKNOWN';
  const hold = (strategy: string, rationale: string) => ({ action: 'HOLD', symbol, strategy, confidence: 0.4, size_pct: 0, stop_loss: null, take_profit: null, rationale, evidence: [] as string[] });
  if (!s || (s.data_quality?.missing_critical?.length ?? 0) > 0 || typeof s.price !== 'number') return hold('data_quality', 'Missing critical data.');
  const i = s.indicators ?? {};
  const px = s.price;
  const { ema9, ema21, ema50, rsi14, atr14 } = i;
  const hist = i.macd?.histogram;
  if (typeof ema9 !== 'number' || typeof ema21 !== 'number' || typeof ema50 !== 'number' || typeof rsi14 !== 'number' || typeof atr14 !== 'number' || typeof hist !== 'number') {
    return hold('warmup', 'Indicators are not warmed up.');
  }
  const evidence = [`price ${r2(px)} vs EMA50 ${r2(ema50)}`, `EMA9 ${r2(ema9)} vs EMA21 ${r2(ema21)}`, `RSI14 ${rsi14.toFixed(1)}`];
  const held = (s.position?.qty ?? 0) > 0;
  if (held) {
    if (ema9 < ema21 && hist < 0 && !s.position?.covered_by_bracket) {
      return { action: 'SELL', symbol, strategy: 'trend_exit', confidence: 0.7, size_pct: 0, stop_loss: null, take_profit: null, rationale: 'Trend broke: EMA9 under EMA21, MACD histogram negative.', evidence };
    }
    return { ...hold('hold_position', 'Position intact.'), evidence };
  }
  if (px > ema50 && ema9 > ema21 && hist > 0 && rsi14 >= 45 && rsi14 <= 72) {
    return { action: 'BUY', symbol, strategy: 'trend_momentum', confidence: 0.72, size_pct: 0.05, stop_loss: r2(px - 2 * atr14), take_profit: r2(px + 3 * atr14), rationale: 'Uptrend with positive momentum and RSI in range.', evidence };
  }
  return { ...hold('no_setup', 'No clean momentum setup.'), evidence };
}

export const validRegime = () => ({ direction: 'bullish', conviction: 0.6, bearish_tickers: [], rationale: 'Fake server: benchmarks trending up.' });

const GARBAGE = [
  'I think the market looks interesting today, but I would rather not commit to a position.',
  'Sure! Here is my analysis: the trend is up, momentum is positive, so buying seems reasonable.',
  '{"action": "BUY", "symbol": ',
  'As an AI model I cannot give financial advice.',
];

/** The server's default behaviour for a mode. */
export function defaultReply(mode: 'valid' | 'garbage'): FakeScript {
  return (req) => {
    if (mode === 'garbage') return { kind: 'message', text: GARBAGE[(req.n - 1) % GARBAGE.length]! };
    const out = isRegimeRequest(req.body) ? validRegime() : validDecisionFor(req.body);
    return { kind: 'message', text: JSON.stringify(out) };
  };
}

/** Shape checks the real API would answer with 400 (the ones our requests could get wrong). */
function invalidRequest(body: MessagesBody): string | null {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  const msgs = body.messages as { role?: unknown; content?: unknown }[];
  for (const [i, m] of msgs.entries()) {
    if (m.role !== 'user' && m.role !== 'assistant') return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    if (typeof m.content === 'string' ? m.content === '' : !Array.isArray(m.content) || m.content.length === 0) return `messages.${i}: all messages must have non-empty content`;
  }
  if (msgs[0]?.role !== 'user') return 'messages: first message must use the "user" role';
  if (msgs[msgs.length - 1]?.role !== 'user') return 'messages: final assistant content cannot end with trailing whitespace / prefill not supported by this model';
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) return 'system: Input should be a valid string or list';
  return null;
}

/** The system prefix up to the last block with cache_control, or null when nothing is marked. */
function cachedPrefix(body: MessagesBody): string | null {
  if (!Array.isArray(body.system)) return null;
  const blocks = body.system as { text?: unknown; cache_control?: unknown }[];
  let last = -1;
  blocks.forEach((b, i) => {
    if (b.cache_control) last = i;
  });
  if (last === -1) return null;
  return blocks
    .slice(0, last + 1)
    .map((b) => (typeof b.text === 'string' ? b.text : ''))
    .join('\n');
}

function redactHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = k === 'x-api-key' || k === 'authorization' ? '[present]' : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

export async function startFakeAnthropic(opts: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  let script: FakeScript | null = opts.script ?? null;
  const fallback = defaultReply(opts.mode ?? 'valid');
  const requests: FakeRequest[] = [];
  const cache = new Map<string, true>();
  const minTokens = opts.cacheMinTokens ?? 1024;
  let n = 0;
  let msgId = 0;
  let inFlight = 0;
  let peakInFlight = 0;

  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string>) => {
    if (res.destroyed || res.writableEnded) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(body);
  };
  const sendError = (res: ServerResponse, reqId: string, status: number, type: string, message: string, headers: Record<string, string> = {}) =>
    send(res, status, JSON.stringify({ type: 'error', error: { type, message }, request_id: reqId }), { 'request-id': reqId, ...headers });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const reqNo = ++n;
        const reqId = `req_fake_${String(reqNo).padStart(6, '0')}`;
        const path = (req.url ?? '').split('?')[0] ?? '';
        let body: MessagesBody;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as MessagesBody;
        } catch {
          return sendError(res, reqId, 400, 'invalid_request_error', 'Request body is not valid JSON');
        }
        const fr: FakeRequest = { n: reqNo, method: req.method ?? '', path, headers: redactHeaders(req.headers), body };
        requests.push(fr);
        if (req.method !== 'POST' || path !== '/v1/messages') return sendError(res, reqId, 404, 'not_found_error', `Not found: ${req.method} ${path}`);
        const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer\s+/i, '');
        if (!key) return sendError(res, reqId, 401, 'authentication_error', 'x-api-key header is required');
        if (opts.expectKey !== undefined && key !== opts.expectKey) return sendError(res, reqId, 401, 'authentication_error', 'invalid x-api-key');
        if (!req.headers['anthropic-version']) return sendError(res, reqId, 400, 'invalid_request_error', 'anthropic-version: header is required');
        const bad = invalidRequest(body);
        if (bad) return sendError(res, reqId, 400, 'invalid_request_error', bad);

        // Usage as the API reports it: input_tokens excludes the cached prefix. The cache is
        // looked up when the request arrives and written when its response goes out.
        const system = typeof body.system === 'string' ? body.system : Array.isArray(body.system) ? textOf(body.system) : '';
        const msgs = (body.messages as { content?: unknown }[]).map((m) => textOf(m.content)).join('\n');
        const total = estimateTokens(system) + estimateTokens(msgs);
        const prefix = cachedPrefix(body);
        let creation = 0;
        let read = 0;
        let cacheKey: string | null = null;
        if (prefix !== null && estimateTokens(prefix) >= minTokens) {
          cacheKey = createHash('sha256').update(`${String(body.model)}\n${prefix}`).digest('hex');
          if (cache.has(cacheKey)) read = estimateTokens(prefix);
          else creation = estimateTokens(prefix);
        }
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
        let reply: FakeReply;
        try {
          reply = await (script ?? fallback)(fr);
          const delay = (opts.latencyMs ?? 0) + (reply.delayMs ?? 0);
          if (delay > 0) await sleep(delay);
        } finally {
          inFlight--;
        }
        if (reply.kind === 'error') return sendError(res, reqId, reply.status, reply.type, reply.message, { ...(reply.headers ?? {}) });
        if (reply.kind === 'raw') {
          if (res.destroyed) return;
          res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/html', 'request-id': reqId });
          return void res.end(reply.body);
        }

        const content = reply.content ?? [{ type: 'text', text: reply.text ?? '', citations: null }];
        const outText = content.map((b) => (typeof b === 'object' && b !== null && 'text' in b ? String((b as { text: unknown }).text) : JSON.stringify(b))).join('');
        const usage = {
          input_tokens: Math.max(1, total - creation - read),
          output_tokens: Math.max(1, estimateTokens(outText)),
          cache_creation_input_tokens: creation,
          cache_read_input_tokens: read,
          cache_creation: { ephemeral_5m_input_tokens: creation, ephemeral_1h_input_tokens: 0 },
          server_tool_use: null,
          service_tier: 'standard',
          inference_geo: null,
          output_tokens_details: null,
          speed: null,
          ...(reply.usage ?? {}),
        };
        const message = {
          id: `msg_fake_${String(++msgId).padStart(6, '0')}`,
          type: 'message',
          role: 'assistant',
          model: body.model,
          content,
          stop_reason: reply.stop_reason ?? 'end_turn',
          stop_sequence: null,
          stop_details: reply.stop_details ?? (reply.stop_reason === 'refusal' ? { type: 'refusal', category: null, explanation: null } : null),
          usage,
          container: null,
          diagnostics: null,
        };
        // The cache entry exists once the writing request has completed.
        if (cacheKey !== null) cache.set(cacheKey, true);
        send(res, 200, JSON.stringify(message), { 'request-id': reqId });
      })().catch((e: unknown) => sendError(res, 'req_fake_error', 500, 'api_error', `fake server bug: ${e instanceof Error ? e.message : String(e)}`));
    });
  });

  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get peakInFlight() {
      return peakInFlight;
    },
    setScript: (s) => {
      script = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- as a program ----
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: '0' }, mode: { type: 'string', default: 'valid' }, 'latency-ms': { type: 'string', default: '0' } },
  });
  const mode = values.mode === 'garbage' ? 'garbage' : 'valid';
  const fake = await startFakeAnthropic({ port: Number(values.port), mode, latencyMs: Number(values['latency-ms']) });
  process.stdout.write(`FAKE_ANTHROPIC_URL=${fake.url}\n`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
