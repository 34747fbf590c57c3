import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { DEFAULT_UNIVERSE } from '../../src/config.js';
import { REGIME_BENCHMARKS } from '../../src/core/regime.js';
import { addDays, nyClock, nyDate, nyIso, nyTime } from '../../src/core/time/ny.js';
import type { Session } from '../../src/domain/market.js';

/**
 * A stateful loopback fake of Alpaca's trading API and v2 market-data API on one port, speaking
 * the real wire format: snake_case, decimal strings for trading money and quantities, numbers in
 * market data, RFC 3339 timestamps, Alpaca's error envelope {code, message} and status codes
 * (401, 403 buying power / qty, 404, 422 validation, 429, 5xx).
 *
 * Trading: account, positions, clock, calendar, assets, orders (simple and bracket with nested
 * legs, client order ids unique, OCO legs, cancel cascading to the sibling leg), fills driven by
 * the test (`fill`, `advance`, or `autoFill`). Market data: bars (1Day stamped 00:00 New York,
 * 1Min, paginated with next_page_token, sorted by symbol then time, the session in progress
 * included as a partial bar), snapshots, latest trades/quotes, screener most-actives and movers,
 * news. Time comes from `now` (default Date.now).
 *
 * Tests see every request (`requests`, `count`) and inject faults: a status with optional body and
 * Retry-After, a delay before handling, or `hangAfterMs` (handle the request, change state, then
 * hold the response: the classic "order created, client timed out").
 *
 * Standalone: `npx tsx tests/fakes/alpaca-server.ts --port 8787` seeds a plausible market for the
 * default universe and fills market orders at once.
 */

export interface DailyBar {
  readonly date: string;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
}

export interface Fault {
  readonly method?: string;
  readonly path: string | RegExp;
  /** How many matching requests it applies to (default 1). */
  times?: number;
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before handling. */
  readonly delayMs?: number;
  /** Handle the request (state changes happen), then hold the response this long. */
  readonly hangAfterMs?: number;
}

export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly host: 'trading' | 'data';
  readonly at: number;
  readonly status: number;
}

export interface FakeAlpacaOptions {
  readonly now?: () => number;
  /** When set, requests must carry exactly these keys (401 otherwise). Default: any non-empty pair. */
  readonly keys?: { readonly keyId: string; readonly secret: string };
  readonly cash?: number;
  /** Fill market orders as soon as they are accepted. */
  readonly autoFill?: boolean;
  /** When false, feed=sip for data newer than 15 minutes answers 403 (free plan). Default true. */
  readonly sipAllowed?: boolean;
  readonly port?: number;
}

interface SymbolState {
  readonly symbol: string;
  name: string;
  daily: DailyBar[];
  price: number;
  /** When the last trade printed; null = derived from the session clock. */
  priceAt: number | null;
  tradable: boolean;
  fractionable: boolean;
  shortable: boolean;
}

interface FakeOrder {
  readonly id: string;
  readonly client_order_id: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly type: string;
  readonly order_class: string;
  readonly qty: number;
  filled_qty: number;
  filled_avg_price: number | null;
  status: string;
  readonly time_in_force: string;
  readonly limit_price: number | null;
  readonly stop_price: number | null;
  readonly submitted_at: number;
  updated_at: number;
  filled_at: number | null;
  canceled_at: number | null;
  readonly legs: string[];
  readonly parent: string | null;
}

interface NewsItem {
  readonly id: number;
  readonly headline: string;
  readonly source: string;
  readonly symbols: readonly string[];
  readonly created_at: number;
}

export interface FakeAlpaca {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** Seeds a symbol: daily bars and (default: last close) current price. */
  setSymbol(symbol: string, s: { daily: readonly DailyBar[]; price?: number; name?: string; tradable?: boolean; fractionable?: boolean; shortable?: boolean }): void;
  /** Seeds plausible daily history (deterministic per seed and symbol) through the last session before now. */
  seedUniverse(symbols: readonly string[], opts?: { seed?: number; sessions?: number }): void;
  setPrice(symbol: string, price: number, at?: number): void;
  price(symbol: string): number;
  /** The seeded daily history of a symbol (a copy; empty when unknown): extend it or re-adjust it and pass it back to setSymbol. */
  daily(symbol: string): DailyBar[];
  /** Replaces or removes (null) one calendar day. */
  setCalendarDay(date: string, day: { open: string; close: string } | null): void;
  addNews(item: { headline: string; symbols: readonly string[]; at: number; source?: string }): void;
  setAccount(a: { status?: string; cash?: number; tradingBlocked?: boolean; lastEquity?: number }): void;
  /** Fills an open order (by id or client order id) at `price` (default: the symbol's price). */
  fill(ref: string, price?: number): void;
  /** Fills every open order that is marketable at current prices (market orders, touched limits and stops). */
  advance(): void;
  /** Wire form (nested legs) of every top-level order. */
  orders(): Record<string, unknown>[];
  /** Wire form of one order by id or client order id, or null. */
  order(ref: string): Record<string, unknown> | null;
  positions(): { symbol: string; qty: number; avgEntryPrice: number }[];
  readonly faults: Fault[];
  readonly requests: RequestRecord[];
  count(filter?: { method?: string; path?: string | RegExp; host?: 'trading' | 'data' }): number;
  resetRequests(): void;
}

const OPEN = new Set(['new', 'accepted', 'held', 'partially_filled', 'pending_new', 'accepted_for_bidding', 'pending_cancel', 'pending_replace', 'calculated', 'stopped', 'suspended', 'done_for_day']);
const DATA_PREFIXES = ['/v2/stocks', '/v1beta1/'];

const isoTrading = (ms: number) => new Date(ms).toISOString().replace('Z', '123Z'); // microseconds, like Alpaca
const isoData = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const dec = (n: number) => String(Math.round(n * 10_000) / 10_000);
const round2 = (n: number) => Math.round(n * 100) / 100;

function validTick(p: number): boolean {
  const per = p >= 1 ? 100 : 10_000;
  return Math.abs(p * per - Math.round(p * per)) < 1e-6;
}

/** mulberry32: tiny deterministic uniform rng. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Plausible daily history: a gently trending random walk (drift and volatility vary by symbol),
 * ending in a steady advance over the last weeks so trend rules see an uptrend on most names.
 */
export function plausibleDaily(symbol: string, sessions: readonly Session[], seed = 7): DailyBar[] {
  const r = rng(hash(`${seed}:${symbol}`));
  const gauss = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  let px = 20 + r() * 380;
  const vol = 0.008 + r() * 0.008;
  const drift = 0.0004 + r() * 0.0008;
  const out: DailyBar[] = [];
  const n = sessions.length;
  sessions.forEach((s, i) => {
    const late = i > n - 60;
    const ret = (late ? 0.0025 : drift) + vol * (late ? 0.7 : 1) * gauss();
    const o = px * (1 + 0.002 * gauss());
    const c = Math.max(1, o * (1 + ret));
    const h = Math.max(o, c) * (1 + Math.abs(0.004 * gauss()));
    const l = Math.min(o, c) * (1 - Math.abs(0.004 * gauss()));
    out.push({ date: s.date, o: round2(o), h: round2(h), l: round2(l), c: round2(c), v: Math.round(1_000_000 * (0.5 + r())) });
    px = c;
  });
  return out;
}

export async function startFakeAlpaca(opts: FakeAlpacaOptions = {}): Promise<FakeAlpaca> {
  const now = opts.now ?? Date.now;
  const symbols = new Map<string, SymbolState>();
  const orders = new Map<string, FakeOrder>();
  const byClientId = new Map<string, string>();
  const positions = new Map<string, { qty: number; avg: number }>();
  const calendarOverrides = new Map<string, { open: string; close: string } | null>();
  const news: NewsItem[] = [];
  const faults: Fault[] = [];
  const requests: RequestRecord[] = [];
  const account = { status: 'ACTIVE', cash: opts.cash ?? 100_000, tradingBlocked: false, lastEquity: opts.cash ?? 100_000 };
  let nextId = 1;
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const entry = { timer: setTimeout(() => { timers.delete(entry); resolve(); }, ms), resolve };
      timers.add(entry);
    });

  const newId = () => `00000000-0000-4000-8000-${(nextId++).toString(16).padStart(12, '0')}`;

  // ---- calendar ----
  const sessions = (from: string, to: string): Session[] => {
    const base = nyseSessions(from, to).filter((s) => !calendarOverrides.has(s.date));
    for (const [date, day] of calendarOverrides) {
      if (day && date >= from && date <= to) base.push({ date, open: nyTime(date, day.open), close: nyTime(date, day.close), early: day.close < '16:00' });
    }
    return base.sort((a, b) => (a.date < b.date ? -1 : 1));
  };
  const sessionOn = (date: string) => sessions(date, date)[0] ?? null;
  const currentSession = (t: number) => {
    const s = sessionOn(nyDate(t));
    return s && t >= s.open && t < s.close ? s : null;
  };
  const lastClose = (t: number) => {
    const ss = sessions(addDays(nyDate(t), -10), nyDate(t)).filter((s) => s.close <= t);
    return ss[ss.length - 1] ?? null;
  };

  // ---- prices ----
  const sym = (s: string) => symbols.get(s);
  const tradeTime = (st: SymbolState) => {
    if (st.priceAt !== null) return Math.min(st.priceAt, now());
    const t = now();
    if (currentSession(t)) return t - 1000;
    return lastClose(t)?.close ?? t;
  };
  /** Daily bars visible at `t`: completed sessions plus today's (partial while the session runs). */
  const dailyAt = (st: SymbolState, t: number): { date: string; bar: DailyBar }[] => {
    const today = nyDate(t);
    const out = st.daily.filter((b) => b.date < today || (b.date === today && (sessionOn(b.date)?.close ?? Infinity) <= t)).map((bar) => ({ date: bar.date, bar }));
    // Today's session once it has opened: partial while it runs, complete after the close.
    const live = sessionOn(today);
    if (live && t >= live.open && !st.daily.some((b) => b.date === live.date)) {
      const prev = st.daily[st.daily.length - 1];
      const o = prev ? prev.c : st.price;
      out.push({ date: live.date, bar: { date: live.date, o, h: Math.max(o, st.price), l: Math.min(o, st.price), c: st.price, v: 250_000 } });
    }
    return out;
  };

  // ---- account ----
  const positionValue = () => [...positions].reduce((a, [s, p]) => a + p.qty * (sym(s)?.price ?? p.avg), 0);
  const reservedCash = () =>
    [...orders.values()].filter((o) => o.side === 'buy' && OPEN.has(o.status) && o.parent === null).reduce((a, o) => a + (o.qty - o.filled_qty) * (o.limit_price ?? sym(o.symbol)?.price ?? 0), 0);
  const buyingPower = () => Math.max(0, account.cash - reservedCash());
  const heldQty = (symbol: string) => {
    let held = 0;
    for (const o of orders.values()) {
      if (o.symbol !== symbol || o.side !== 'sell' || !OPEN.has(o.status)) continue;
      if (o.parent !== null) {
        // OCO legs reserve the shares once per bracket: count only the first open leg.
        const parent = orders.get(o.parent)!;
        const firstOpen = parent.legs.map((id) => orders.get(id)!).find((l) => OPEN.has(l.status));
        if (firstOpen?.id !== o.id) continue;
      }
      held += o.qty - o.filled_qty;
    }
    return held;
  };

  // ---- orders ----
  const wireOrder = (o: FakeOrder, nested: boolean): Record<string, unknown> => ({
    id: o.id,
    client_order_id: o.client_order_id,
    created_at: isoTrading(o.submitted_at),
    updated_at: isoTrading(o.updated_at),
    submitted_at: isoTrading(o.submitted_at),
    filled_at: o.filled_at === null ? null : isoTrading(o.filled_at),
    expired_at: null,
    canceled_at: o.canceled_at === null ? null : isoTrading(o.canceled_at),
    failed_at: null,
    replaced_at: null,
    replaced_by: null,
    replaces: null,
    asset_id: `asset-${o.symbol}`,
    symbol: o.symbol,
    asset_class: 'us_equity',
    notional: null,
    qty: dec(o.qty),
    filled_qty: dec(o.filled_qty),
    filled_avg_price: o.filled_avg_price === null ? null : dec(o.filled_avg_price),
    order_class: o.order_class,
    order_type: o.type,
    type: o.type,
    side: o.side,
    position_intent: o.side === 'buy' ? 'buy_to_open' : 'sell_to_close',
    time_in_force: o.time_in_force,
    limit_price: o.limit_price === null ? null : dec(o.limit_price),
    stop_price: o.stop_price === null ? null : dec(o.stop_price),
    status: o.status,
    extended_hours: false,
    legs: nested && o.legs.length > 0 ? o.legs.map((id) => wireOrder(orders.get(id)!, false)) : null,
    trail_percent: null,
    trail_price: null,
    hwm: null,
  });

  const find = (ref: string) => orders.get(ref) ?? orders.get(byClientId.get(ref) ?? '') ?? null;

  const doFill = (o: FakeOrder, price: number) => {
    const t = now();
    const qty = o.qty - o.filled_qty;
    o.filled_avg_price = price;
    o.filled_qty = o.qty;
    o.status = 'filled';
    o.filled_at = t;
    o.updated_at = t;
    const pos = positions.get(o.symbol) ?? { qty: 0, avg: 0 };
    if (o.side === 'buy') {
      const q = pos.qty + qty;
      positions.set(o.symbol, { qty: q, avg: (pos.qty * pos.avg + qty * price) / q });
      account.cash -= qty * price;
    } else {
      const q = pos.qty - qty;
      if (q === 0) positions.delete(o.symbol);
      else positions.set(o.symbol, { qty: q, avg: pos.avg });
      account.cash += qty * price;
    }
    if (o.parent === null) {
      for (const id of o.legs) {
        const leg = orders.get(id)!;
        if (leg.type === 'limit' && leg.status === 'held') {
          leg.status = 'new';
          leg.updated_at = t;
        }
      }
    } else {
      for (const id of orders.get(o.parent)!.legs) {
        const sib = orders.get(id)!;
        if (sib.id !== o.id && OPEN.has(sib.status)) {
          sib.status = 'canceled';
          sib.canceled_at = t;
          sib.updated_at = t;
        }
      }
    }
  };

  const cancel = (o: FakeOrder) => {
    const t = now();
    const group = o.parent !== null ? orders.get(o.parent)!.legs.map((id) => orders.get(id)!) : [o, ...o.legs.map((id) => orders.get(id)!)];
    for (const x of group) {
      if (!OPEN.has(x.status)) continue;
      if (o.parent === null && x.parent !== null && o.status === 'filled') continue;
      x.status = 'canceled';
      x.canceled_at = t;
      x.updated_at = t;
    }
  };

  const marketable = (o: FakeOrder): number | null => {
    const px = sym(o.symbol)?.price;
    if (px === undefined || !OPEN.has(o.status)) return null;
    if (o.parent !== null && orders.get(o.parent)!.status !== 'filled') return null;
    if (o.type === 'market') return px;
    if (o.type === 'limit') {
      if (o.side === 'buy' && px <= o.limit_price!) return Math.min(px, o.limit_price!);
      if (o.side === 'sell' && px >= o.limit_price!) return Math.max(px, o.limit_price!);
      return null;
    }
    if (o.type === 'stop' || o.type === 'stop_limit') {
      if (o.side === 'sell' && px <= o.stop_price!) return px;
      if (o.side === 'buy' && px >= o.stop_price!) return px;
    }
    return null;
  };

  const advance = () => {
    for (const o of [...orders.values()].sort((a, b) => a.submitted_at - b.submitted_at || (a.id < b.id ? -1 : 1))) {
      const p = marketable(o);
      if (p !== null) doFill(o, p);
    }
  };

  type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
  const err = (status: number, code: number, message: string): Reply => ({ status, body: { code, message } });
  const ok = (body: unknown): Reply => ({ status: 200, body });

  const createOrder = (raw: unknown): Reply => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return err(400, 40010000, 'request body format is invalid');
    const b = raw as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : typeof v === 'number' ? v : NaN);
    const symbol = typeof b.symbol === 'string' ? b.symbol : '';
    const side = b.side;
    const type = b.type;
    const tif = b.time_in_force;
    const orderClass = typeof b.order_class === 'string' ? b.order_class : 'simple';
    if (!symbol) return err(422, 40010001, 'symbol is required');
    if (side !== 'buy' && side !== 'sell') return err(422, 40010001, 'invalid side');
    if (type !== 'market' && type !== 'limit' && type !== 'stop' && type !== 'stop_limit') return err(422, 40010001, 'invalid order type');
    if (tif !== 'day' && tif !== 'gtc' && tif !== 'opg' && tif !== 'cls' && tif !== 'ioc' && tif !== 'fok') return err(422, 40010001, 'invalid time_in_force');
    const qty = num(b.qty);
    if (!Number.isFinite(qty) || qty <= 0) return err(422, 40010001, 'qty must be > 0');
    const st = sym(symbol);
    if (!st) return err(422, 40010001, `could not find asset "${symbol}"`);
    if (!Number.isInteger(qty) && !(type === 'market' && tif === 'day' && orderClass === 'simple' && st.fractionable)) {
      return err(422, 40010001, 'fractional orders must be simple market orders with time_in_force day');
    }
    const coid = typeof b.client_order_id === 'string' && b.client_order_id !== '' ? b.client_order_id : newId();
    if (coid.length > 128) return err(422, 40010001, 'client_order_id must be no more than 128 characters');
    if (byClientId.has(coid)) return err(422, 40010001, 'client_order_id must be unique');
    const limit = b.limit_price === undefined || b.limit_price === null ? null : num(b.limit_price);
    const stop = b.stop_price === undefined || b.stop_price === null ? null : num(b.stop_price);
    if ((type === 'limit' || type === 'stop_limit') && (limit === null || !(limit > 0))) return err(422, 40010001, 'limit_price is required for limit orders');
    for (const [name, p] of [['limit_price', limit], ['stop_price', stop]] as const) {
      if (p !== null && !validTick(p)) return err(422, 42210000, `invalid ${name} ${p}. sub-penny increment does not fulfill minimum pricing criteria`);
    }
    let tp: number | null = null;
    let sl: number | null = null;
    if (orderClass === 'bracket') {
      const t = b.take_profit as Record<string, unknown> | undefined;
      const s = b.stop_loss as Record<string, unknown> | undefined;
      tp = t ? num(t.limit_price) : NaN;
      sl = s ? num(s.stop_price) : NaN;
      if (!Number.isFinite(tp)) return err(422, 40010001, 'bracket orders require take_profit.limit_price');
      if (!Number.isFinite(sl)) return err(422, 40010001, 'bracket orders require stop_loss.stop_price');
      if (tif !== 'day' && tif !== 'gtc') return err(422, 40010001, 'bracket orders must be day or gtc');
      if (side !== 'buy') return err(422, 42210000, 'bracket orders must be entry orders');
      if (!validTick(tp)) return err(422, 42210000, `invalid take_profit.limit_price ${tp}. sub-penny increment does not fulfill minimum pricing criteria`);
      if (!validTick(sl)) return err(422, 42210000, `invalid stop_loss.stop_price ${sl}. sub-penny increment does not fulfill minimum pricing criteria`);
      const base = limit ?? st.price;
      if (tp < round2(base + 0.01) - 1e-9) return err(422, 42210000, `take_profit.limit_price must be >= base_price + 0.01`);
      if (sl > round2(base - 0.01) + 1e-9) return err(422, 42210000, `stop_loss.stop_price must be <= base_price - 0.01`);
      if (!(sl > 0)) return err(422, 42210000, 'stop_loss.stop_price must be > 0');
    } else if (orderClass !== 'simple' && orderClass !== '') {
      return err(422, 40010001, `order_class ${orderClass} is not supported by this fake`);
    }
    if (account.tradingBlocked || account.status !== 'ACTIVE') return err(403, 40310000, 'account is not authorized to trade');
    if (!st.tradable) return err(422, 42210000, `asset ${symbol} is not tradable`);
    if (side === 'buy') {
      const cost = qty * (limit ?? st.price);
      if (cost > buyingPower() + 1e-6) return err(403, 40310000, 'insufficient buying power');
    } else {
      const available = (positions.get(symbol)?.qty ?? 0) - heldQty(symbol);
      if (qty > available + 1e-9) return err(403, 40310000, `insufficient qty available for order (requested: ${qty}, available: ${Math.max(0, available)})`);
    }
    const t = now();
    const order: FakeOrder = {
      id: newId(),
      client_order_id: coid,
      symbol,
      side,
      type,
      order_class: orderClass === 'bracket' ? 'bracket' : '',
      qty,
      filled_qty: 0,
      filled_avg_price: null,
      status: 'new',
      time_in_force: tif,
      limit_price: limit,
      stop_price: stop,
      submitted_at: t,
      updated_at: t,
      filled_at: null,
      canceled_at: null,
      legs: [],
      parent: null,
    };
    orders.set(order.id, order);
    byClientId.set(coid, order.id);
    if (orderClass === 'bracket') {
      for (const [legType, lp, sp] of [['limit', tp, null], ['stop', null, sl]] as const) {
        const leg: FakeOrder = {
          ...order,
          id: newId(),
          client_order_id: newId(),
          side: 'sell',
          type: legType,
          limit_price: lp,
          stop_price: sp,
          status: 'held',
          legs: [],
          parent: order.id,
        };
        orders.set(leg.id, leg);
        byClientId.set(leg.client_order_id, leg.id);
        order.legs.push(leg.id);
      }
    }
    const body = wireOrder(order, true);
    if (opts.autoFill && type === 'market') doFill(order, st.price);
    return ok(body);
  };

  const listOrders = (q: URLSearchParams): Reply => {
    const status = q.get('status') ?? 'open';
    const nested = q.get('nested') === 'true';
    const limit = Math.min(500, Number(q.get('limit') ?? 50));
    const after = q.get('after') ? Date.parse(q.get('after')!) : null;
    const until = q.get('until') ? Date.parse(q.get('until')!) : null;
    const dir = q.get('direction') ?? 'desc';
    const filterSyms = q.get('symbols')?.split(',').filter(Boolean) ?? null;
    const matches = (o: FakeOrder) => status === 'all' || (status === 'open' ? OPEN.has(o.status) : !OPEN.has(o.status));
    let list = [...orders.values()].filter((o) => (nested ? o.parent === null : true));
    list = list.filter((o) => (nested ? matches(o) || o.legs.some((id) => matches(orders.get(id)!)) : matches(o)));
    if (after !== null) list = list.filter((o) => o.submitted_at > after);
    if (until !== null) list = list.filter((o) => o.submitted_at < until);
    if (filterSyms) list = list.filter((o) => filterSyms.includes(o.symbol));
    list.sort((a, b) => a.submitted_at - b.submitted_at || (a.id < b.id ? -1 : 1));
    if (dir === 'desc') list.reverse();
    return ok(list.slice(0, limit).map((o) => wireOrder(o, nested)));
  };

  // ---- market data ----
  const parseTime = (v: string | null, def: number) => {
    if (!v) return def;
    const t = Date.parse(v);
    return Number.isNaN(t) ? NaN : t;
  };
  const wireBar = (t: number, b: { o: number; h: number; l: number; c: number; v: number }) => ({ t: isoData(t), o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, n: Math.max(1, Math.round(b.v / 100)), vw: round2((b.o + b.h + b.l + b.c) / 4) });

  const minuteBars = (st: SymbolState, start: number, end: number) => {
    const out: { t: number; o: number; h: number; l: number; c: number; v: number }[] = [];
    const t = now();
    for (const s of sessions(nyDate(start), nyDate(end))) {
      const day = dailyAt(st, t).find((d) => d.date === s.date)?.bar;
      if (!day) continue;
      const n = Math.round((s.close - s.open) / 60_000);
      for (let i = 0; i < n; i++) {
        const bt = s.open + i * 60_000;
        if (bt < start || bt > end || bt > t) continue;
        const a = day.o + ((day.c - day.o) * i) / n;
        const c = day.o + ((day.c - day.o) * (i + 1)) / n;
        out.push({ t: bt, o: round2(a), h: round2(Math.max(a, c) + 0.01), l: round2(Math.min(a, c) - 0.01), c: round2(c), v: Math.max(1, Math.round(day.v / n)) });
      }
    }
    return out;
  };

  const bars = (q: URLSearchParams): Reply => {
    const list = q.get('symbols')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
    if (list.length === 0) return err(400, 40010001, 'symbols is required');
    const tf = q.get('timeframe');
    if (tf !== '1Day' && tf !== '1Min') return err(422, 40010001, `invalid timeframe ${tf ?? ''}`);
    const t = now();
    const start = parseTime(q.get('start'), nyTime(nyDate(t), '00:00'));
    const end = parseTime(q.get('end'), t);
    if (Number.isNaN(start) || Number.isNaN(end)) return err(422, 40010001, 'invalid start or end');
    const limit = Number(q.get('limit') ?? 1000);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) return err(422, 40010001, 'invalid limit: must be between 1 and 10000');
    const feed = q.get('feed') ?? 'sip';
    if (feed !== 'iex' && feed !== 'sip') return err(422, 40010001, `invalid feed ${feed}`);
    if (feed === 'sip' && opts.sipAllowed === false && end > t - 15 * 60_000) return err(403, 40310000, 'subscription does not permit querying recent SIP data');
    const all: { symbol: string; bar: ReturnType<typeof wireBar> }[] = [];
    for (const s of [...new Set(list)].sort()) {
      const st = sym(s);
      if (!st) continue;
      if (tf === '1Day') {
        for (const { date, bar } of dailyAt(st, t)) {
          const bt = nyTime(date, '00:00');
          if (bt >= start && bt <= end) all.push({ symbol: s, bar: wireBar(bt, bar) });
        }
      } else {
        for (const b of minuteBars(st, start, Math.min(end, t))) all.push({ symbol: s, bar: wireBar(b.t, b) });
      }
    }
    const offset = q.get('page_token') ? Number(Buffer.from(q.get('page_token')!, 'base64').toString('utf8').replace(/^o:/, '')) : 0;
    if (!Number.isInteger(offset) || offset < 0) return err(422, 40010001, 'invalid page_token');
    const page = all.slice(offset, offset + limit);
    const grouped: Record<string, unknown[]> = {};
    for (const x of page) (grouped[x.symbol] ??= []).push(x.bar);
    const more = offset + limit < all.length;
    return ok({ bars: grouped, next_page_token: more ? Buffer.from(`o:${offset + limit}`).toString('base64') : null, currency: 'USD' });
  };

  const trade = (st: SymbolState) => ({ t: isoData(tradeTime(st)), x: 'V', p: st.price, s: 100, c: ['@'], i: 52983525029461, z: 'C' });
  const quote = (st: SymbolState) => ({ t: isoData(tradeTime(st)), ax: 'V', ap: round2(st.price + 0.01), as: 2, bx: 'V', bp: round2(st.price - 0.01), bs: 3, c: ['R'], z: 'C' });

  const snapshots = (q: URLSearchParams): Reply => {
    const list = q.get('symbols')?.split(',').filter(Boolean) ?? [];
    if (list.length === 0) return err(400, 40010001, 'symbols is required');
    const out: Record<string, unknown> = {};
    const t = now();
    for (const s of list) {
      const st = sym(s);
      if (!st) continue;
      const days = dailyAt(st, t);
      const d = days[days.length - 1];
      const p = days[days.length - 2];
      out[s] = {
        latestTrade: trade(st),
        latestQuote: quote(st),
        minuteBar: { ...wireBar(Math.floor(tradeTime(st) / 60_000) * 60_000, { o: st.price, h: st.price, l: st.price, c: st.price, v: 100 }) },
        dailyBar: d ? wireBar(nyTime(d.date, '00:00'), d.bar) : null,
        prevDailyBar: p ? wireBar(nyTime(p.date, '00:00'), p.bar) : null,
      };
    }
    return ok(out);
  };

  const ranked = () => {
    const t = now();
    return [...symbols.values()]
      .map((st) => {
        const days = dailyAt(st, t);
        const d = days[days.length - 1]?.bar;
        const p = days[days.length - 2]?.bar;
        return { symbol: st.symbol, volume: d?.v ?? 0, change: d && p ? st.price - p.c : 0, pct: d && p ? ((st.price - p.c) / p.c) * 100 : 0, price: st.price };
      })
      .filter((x) => x.volume > 0);
  };

  const route = (method: string, path: string, q: URLSearchParams, body: unknown): Reply => {
    const t = now();
    if (method === 'GET' && path === '/v2/account') {
      const equity = account.cash + positionValue();
      return ok({
        id: 'fake-account-0001',
        account_number: 'PA0000FAKE',
        status: account.status,
        crypto_status: 'INACTIVE',
        currency: 'USD',
        cash: dec(account.cash),
        portfolio_value: dec(equity),
        equity: dec(equity),
        last_equity: dec(account.lastEquity),
        long_market_value: dec(positionValue()),
        short_market_value: '0',
        buying_power: dec(buyingPower()),
        regt_buying_power: dec(buyingPower()),
        daytrading_buying_power: '0',
        non_marginable_buying_power: dec(buyingPower()),
        initial_margin: '0',
        maintenance_margin: '0',
        multiplier: '1',
        sma: '0',
        daytrade_count: 0,
        pattern_day_trader: false,
        trading_blocked: account.tradingBlocked,
        transfers_blocked: false,
        account_blocked: false,
        shorting_enabled: false,
        created_at: isoTrading(Date.UTC(2024, 0, 2)),
      });
    }
    if (method === 'GET' && path === '/v2/positions') {
      return ok(
        [...positions].map(([s, p]) => {
          const px = sym(s)?.price ?? p.avg;
          return {
            asset_id: `asset-${s}`,
            symbol: s,
            exchange: 'NASDAQ',
            asset_class: 'us_equity',
            asset_marginable: true,
            qty: dec(p.qty),
            qty_available: dec(p.qty - heldQty(s)),
            avg_entry_price: dec(p.avg),
            side: 'long',
            market_value: dec(p.qty * px),
            cost_basis: dec(p.qty * p.avg),
            unrealized_pl: dec(p.qty * (px - p.avg)),
            unrealized_plpc: dec((px - p.avg) / p.avg),
            unrealized_intraday_pl: '0',
            unrealized_intraday_plpc: '0',
            current_price: dec(px),
            lastday_price: dec(px),
            change_today: '0',
          };
        }),
      );
    }
    if (method === 'GET' && path === '/v2/clock') {
      const live = currentSession(t);
      const ahead = sessions(nyDate(t), addDays(nyDate(t), 10));
      const nextOpen = ahead.find((s) => s.open > t);
      const nextClose = ahead.find((s) => s.close > t);
      return ok({ timestamp: nyIso(t), is_open: live !== null, next_open: nextOpen ? nyIso(nextOpen.open) : null, next_close: nextClose ? nyIso(nextClose.close) : null });
    }
    if (method === 'GET' && path === '/v2/calendar') {
      const start = (q.get('start') ?? '2000-01-01').slice(0, 10);
      const end = (q.get('end') ?? '2029-12-31').slice(0, 10);
      return ok(sessions(start, end).map((s) => ({ date: s.date, open: nyClock(s.open), close: nyClock(s.close), session_open: '0400', session_close: '2000', settlement_date: addDays(s.date, 1) })));
    }
    if (method === 'GET' && path === '/v2/assets') {
      return ok([...symbols.values()].map((s) => wireAsset(s)));
    }
    const asset = /^\/v2\/assets\/([^/]+)$/.exec(path);
    if (method === 'GET' && asset) {
      const s = sym(decodeURIComponent(asset[1]!));
      return s ? ok(wireAsset(s)) : err(404, 40410000, 'asset not found');
    }
    if (method === 'POST' && path === '/v2/orders') return createOrder(body);
    if (method === 'GET' && path === '/v2/orders') return listOrders(q);
    if (method === 'GET' && path === '/v2/orders:by_client_order_id') {
      const o = find(byClientId.has(q.get('client_order_id') ?? '') ? q.get('client_order_id')! : '\u0000');
      return o ? ok(wireOrder(o, true)) : err(404, 40410000, 'order not found');
    }
    const one = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (one) {
      const o = orders.get(decodeURIComponent(one[1]!));
      if (!o) return err(404, 40410000, 'order not found');
      if (method === 'GET') return ok(wireOrder(o, q.get('nested') === 'true' || o.legs.length > 0));
      if (method === 'DELETE') {
        if (!OPEN.has(o.status)) return err(422, 42210000, `order is already in "${o.status}" state`);
        cancel(o);
        return { status: 204 };
      }
    }
    if (method === 'GET' && path === '/v2/stocks/bars') return bars(q);
    if (method === 'GET' && path === '/v2/stocks/snapshots') return snapshots(q);
    if (method === 'GET' && path === '/v2/stocks/trades/latest') {
      const out: Record<string, unknown> = {};
      for (const s of q.get('symbols')?.split(',') ?? []) {
        const st = sym(s);
        if (st) out[s] = trade(st);
      }
      return ok({ trades: out });
    }
    if (method === 'GET' && path === '/v2/stocks/quotes/latest') {
      const out: Record<string, unknown> = {};
      for (const s of q.get('symbols')?.split(',') ?? []) {
        const st = sym(s);
        if (st) out[s] = quote(st);
      }
      return ok({ quotes: out });
    }
    if (method === 'GET' && path === '/v1beta1/screener/stocks/most-actives') {
      const top = Math.min(100, Number(q.get('top') ?? 10));
      const list = ranked().sort((a, b) => b.volume - a.volume || (a.symbol < b.symbol ? -1 : 1)).slice(0, top);
      return ok({ most_actives: list.map((x) => ({ symbol: x.symbol, volume: x.volume, trade_count: Math.round(x.volume / 100) })), last_updated: isoData(t) });
    }
    if (method === 'GET' && path === '/v1beta1/screener/stocks/movers') {
      const top = Math.min(50, Number(q.get('top') ?? 10));
      const r = ranked();
      const m = (x: (typeof r)[number]) => ({ symbol: x.symbol, percent_change: round2(x.pct), change: round2(x.change), price: x.price });
      return ok({
        gainers: r.filter((x) => x.pct > 0).sort((a, b) => b.pct - a.pct).slice(0, top).map(m),
        losers: r.filter((x) => x.pct < 0).sort((a, b) => a.pct - b.pct).slice(0, top).map(m),
        market_type: 'stocks',
        last_updated: isoData(t),
      });
    }
    if (method === 'GET' && path === '/v1beta1/news') {
      const want = q.get('symbols')?.split(',').filter(Boolean) ?? [];
      const start = parseTime(q.get('start'), 0);
      const end = parseTime(q.get('end'), t);
      const limit = Math.min(50, Number(q.get('limit') ?? 10));
      const asc = q.get('sort') === 'asc';
      const list = news
        .filter((n) => n.created_at >= start && n.created_at <= end && (want.length === 0 || n.symbols.some((s) => want.includes(s))))
        .sort((a, b) => (asc ? a.created_at - b.created_at : b.created_at - a.created_at) || a.id - b.id);
      const offset = q.get('page_token') ? Number(Buffer.from(q.get('page_token')!, 'base64').toString('utf8')) : 0;
      const page = list.slice(offset, offset + limit);
      return ok({
        news: page.map((n) => ({ id: n.id, headline: n.headline, author: 'Fake Wire', created_at: isoData(n.created_at), updated_at: isoData(n.created_at), summary: '', content: '', url: `https://example.invalid/news/${n.id}`, images: [], symbols: n.symbols, source: n.source })),
        next_page_token: offset + limit < list.length ? Buffer.from(String(offset + limit)).toString('base64') : null,
      });
    }
    return err(404, 40410000, `endpoint not found: ${method} ${path}`);
  };

  const wireAsset = (s: SymbolState) => ({
    id: `asset-${s.symbol}`,
    class: 'us_equity',
    exchange: 'NASDAQ',
    symbol: s.symbol,
    name: s.name,
    status: 'active',
    tradable: s.tradable,
    marginable: true,
    maintenance_margin_requirement: 30,
    shortable: s.shortable,
    easy_to_borrow: s.shortable,
    fractionable: s.fractionable,
    attributes: [],
  });

  const defaultError = (status: number) =>
    status === 429 ? { code: 42910000, message: 'rate limit exceeded' } : status >= 500 ? { code: 50010000, message: 'internal server error occurred' } : { code: status * 100_000, message: `error ${status}` };

  const takeFault = (method: string, path: string): Fault | null => {
    const i = faults.findIndex((f) => (f.method === undefined || f.method === method) && (typeof f.path === 'string' ? f.path === path : f.path.test(path)));
    if (i < 0) return null;
    const f = faults[i]!;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  };

  const send = (res: ServerResponse, r: Reply) => {
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string> = { 'X-Request-ID': `req-${nextId}`, ...r.headers };
    if (r.status === 204 || r.body === undefined) {
      res.writeHead(r.status, headers).end();
      return;
    }
    res.writeHead(r.status, { 'Content-Type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(r.body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const host: 'trading' | 'data' = DATA_PREFIXES.some((p) => path.startsWith(p)) ? 'data' : 'trading';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const record = (status: number) => requests.push({ method, path, query: url.searchParams, host, at: now(), status });
    const keyId = req.headers['apca-api-key-id'];
    const secret = req.headers['apca-api-secret-key'];
    if (typeof keyId !== 'string' || typeof secret !== 'string' || !keyId || !secret || (opts.keys && (keyId !== opts.keys.keyId || secret !== opts.keys.secret))) {
      record(401);
      return send(res, { status: 401, body: { code: 40110000, message: 'request is not authorized' } });
    }
    const fault = takeFault(method, path);
    if (fault?.delayMs) await wait(fault.delayMs);
    if (fault?.status) {
      record(fault.status);
      return send(res, { status: fault.status, body: fault.body ?? defaultError(fault.status), ...(fault.headers ? { headers: { ...fault.headers } } : {}) });
    }
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        record(400);
        return send(res, { status: 400, body: { code: 40010000, message: 'request body format is invalid' } });
      }
    }
    const reply = route(method, path, url.searchParams, body);
    record(reply.status);
    if (fault?.hangAfterMs) await wait(fault.hangAfterMs);
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, { status: 500, body: { code: 50010000, message: `fake crashed: ${e instanceof Error ? e.message : String(e)}` } }));
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  const fake: FakeAlpaca = {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) {
          clearTimeout(t.timer);
          t.resolve();
        }
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    setSymbol(symbol, s) {
      const daily = [...s.daily].sort((a, b) => (a.date < b.date ? -1 : 1));
      const last = daily[daily.length - 1];
      symbols.set(symbol, {
        symbol,
        name: s.name ?? `${symbol} Inc.`,
        daily,
        price: s.price ?? last?.c ?? 100,
        priceAt: null,
        tradable: s.tradable ?? true,
        fractionable: s.fractionable ?? true,
        shortable: s.shortable ?? true,
      });
    },
    seedUniverse(list, o = {}) {
      const t = now();
      const today = nyDate(t);
      const ss = sessions(addDays(today, -Math.ceil((o.sessions ?? 420) * 1.5)), today).filter((s) => s.close <= t).slice(-(o.sessions ?? 420));
      for (const s of list) {
        const daily = plausibleDaily(s, ss, o.seed ?? 7);
        const last = daily[daily.length - 1]!;
        fake.setSymbol(s, { daily, price: round2(last.c * 1.002) });
      }
    },
    setPrice(symbol, price, at) {
      const st = sym(symbol);
      if (!st) throw new Error(`fake: unknown symbol ${symbol}`);
      st.price = price;
      st.priceAt = at ?? null;
    },
    price: (symbol) => sym(symbol)?.price ?? NaN,
    daily: (symbol) => [...(sym(symbol)?.daily ?? [])],
    setCalendarDay(date, day) {
      calendarOverrides.set(date, day);
    },
    addNews(item) {
      news.push({ id: 24_000_000 + news.length, headline: item.headline, source: item.source ?? 'benzinga', symbols: item.symbols, created_at: item.at });
    },
    setAccount(a) {
      if (a.status !== undefined) account.status = a.status;
      if (a.cash !== undefined) account.cash = a.cash;
      if (a.tradingBlocked !== undefined) account.tradingBlocked = a.tradingBlocked;
      if (a.lastEquity !== undefined) account.lastEquity = a.lastEquity;
    },
    fill(ref, price) {
      const o = find(ref);
      if (!o || !OPEN.has(o.status)) throw new Error(`fake: no open order ${ref}`);
      doFill(o, price ?? sym(o.symbol)!.price);
    },
    advance,
    orders: () => [...orders.values()].filter((o) => o.parent === null).map((o) => wireOrder(o, true)),
    order: (ref) => {
      const o = find(ref);
      return o ? wireOrder(o, true) : null;
    },
    positions: () => [...positions].map(([symbol, p]) => ({ symbol, qty: p.qty, avgEntryPrice: p.avg })),
    faults,
    requests,
    count(filter = {}) {
      return requests.filter(
        (r) =>
          (filter.method === undefined || r.method === filter.method) &&
          (filter.host === undefined || r.host === filter.host) &&
          (filter.path === undefined || (typeof filter.path === 'string' ? r.path === filter.path : filter.path.test(r.path))),
      ).length;
    },
    resetRequests() {
      requests.length = 0;
    },
  };
  return fake;
}

// ---- standalone ----
const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8787;
  const fake = await startFakeAlpaca({ port, autoFill: true });
  const universe = [...new Set([...DEFAULT_UNIVERSE, ...REGIME_BENCHMARKS])];
  fake.seedUniverse(universe);
  process.stdout.write(`fake Alpaca listening on ${fake.url} (trading + data), ${universe.length} symbols seeded; Ctrl-C to stop\n`);
  const bye = () => {
    const by = new Map<string, number>();
    for (const r of fake.requests) by.set(`${r.method} ${r.path}`, (by.get(`${r.method} ${r.path}`) ?? 0) + 1);
    process.stdout.write(`requests: ${JSON.stringify(Object.fromEntries(by))}\n`);
    void fake.close().then(() => process.exit(0));
  };
  process.on('SIGINT', bye);
  process.on('SIGTERM', bye);
}
