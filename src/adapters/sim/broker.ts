import { TERMINAL_ORDER_STATUSES, type Account, type Order, type OrderRequest, type OrderStatus, type Position } from '../../domain/broker.js';
import { BrokerError } from '../../domain/errors.js';
import type { Bar, Session } from '../../domain/market.js';
import type { Broker } from '../../ports/broker.js';
import type { Clock } from '../../ports/clock.js';
import { addDays, nyDate, nyIso } from '../../core/time/ny.js';
import type { PriceFeed } from './feed.js';
import { commissionFor, isValidTick, openFillPrice, rangeFillPrice, slipped, stopWinsTie } from './fill-model.js';
import { initialSimState, parseSimState, type SimBrokerState, type SimOrderRecord, type SimPositionRecord } from './broker-state.js';

/**
 * The in-process exchange: a long-only cash account modelled on Alpaca, filling orders
 * against a PriceFeed bar by bar (rules in fill-model.ts). Time is the injected clock's;
 * every Broker method first catches the book up to clock.now(), so callers never call sync.
 *
 * Walk: for each regular session overlapping (lastSync, now], for each symbol with open
 * orders (sorted), bars starting in [max(lastSync, open), min(now, close)) are processed in
 * two phases (open, then range once the bar has closed; a bar still forming at `now` keeps
 * its range phase for the next sync). Orders only see bars starting at or after their
 * `activeFrom` (submit time; the entry-fill bar for bracket legs). At each session close:
 * open `day` orders submitted before it expire, and lastEquity is marked.
 * Symbols are processed one after another within a session, so cross-symbol cash effects
 * inside one session are ordered by symbol, not by minute (buys reserve cash at submit, so
 * this only matters when a gap makes a fill cost more than its reservation).
 */

export interface SimBrokerStore {
  load(): unknown;
  save(state: unknown): void;
}

export interface SimBrokerOptions {
  readonly feed: PriceFeed;
  readonly clock: Clock;
  readonly store?: SimBrokerStore;
  readonly startingCash: number;
  readonly slippageBps: number;
  readonly commissionPerShare: number;
  readonly commissionMin: number;
}

export interface SimBroker extends Broker {
  /** Processes bars up to clock.now(); returns the orders whose status changed (legs as their own entries). */
  sync(): readonly Order[];
}

const reject = (message: string, status = 422) => new BrokerError(message, 'rejected', false, status);
const SUB_PENNY = 'sub-penny increment does not fulfill minimum pricing criteria';
const EPS = 1e-9;
const isTerminal = (s: OrderStatus) => TERMINAL_ORDER_STATUSES.has(s);
const cents = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export function createSimBroker(opts: SimBrokerOptions): SimBroker {
  const { feed, clock, store } = opts;
  const bps = opts.slippageBps;
  const perShare = opts.commissionPerShare;
  const minComm = opts.commissionMin;

  const st: SimBrokerState = (store ? parseSimState(store.load()) : null) ?? initialSimState(opts.startingCash, clock.now());
  assertNotBehind(clock.now());

  // Indices over st (rebuilt here, maintained on every change).
  const byId = new Map<string, SimOrderRecord>();
  const byCoid = new Map<string, SimOrderRecord>();
  const openBySym = new Map<string, SimOrderRecord[]>();
  let openSymbols: string[] | null = null;
  const posBySym = new Map<string, SimPositionRecord>();
  for (const o of st.orders) {
    byId.set(o.id, o);
    byCoid.set(o.clientOrderId, o);
    if (!isTerminal(o.status)) addOpen(o);
  }
  for (const p of st.positions) posBySym.set(p.symbol, p);
  // Terminal orders in the order they became terminal, each with the clock time then (>= its
  // updatedAt, non-decreasing): listClosedOrders(since) scans back only to `since`, not the
  // whole order history (a long backtest asks every session).
  const closedLog: { readonly o: SimOrderRecord; readonly at: number }[] = st.orders
    .filter((o) => isTerminal(o.status))
    .sort((a, b) => a.updatedAt - b.updatedAt)
    .map((o) => ({ o, at: o.updatedAt }));

  // Per-sync bookkeeping.
  let changed = new Map<string, SimOrderRecord>();
  let dirty = false;

  function assertNotBehind(now: number): void {
    if (now < st.lastSync) {
      throw new Error(
        `sim broker: the sim clock (${nyIso(now)}) is behind the persisted broker state (last synced ${nyIso(st.lastSync)}); ` +
          'time cannot go backwards over fills that already happened (start the clock at or after the saved state, or reset the sim state)',
      );
    }
  }

  function addOpen(o: SimOrderRecord): void {
    let list = openBySym.get(o.symbol);
    if (!list) {
      list = [];
      openBySym.set(o.symbol, list);
      openSymbols = null;
    }
    list.push(o);
  }

  function compact(symbol: string): void {
    const list = openBySym.get(symbol);
    if (!list) return;
    let w = 0;
    for (let i = 0; i < list.length; i++) {
      const o = list[i]!;
      if (!isTerminal(o.status)) list[w++] = o;
    }
    list.length = w;
    if (w === 0) {
      openBySym.delete(symbol);
      openSymbols = null;
      if (st.partial[symbol] !== undefined) {
        delete st.partial[symbol];
        dirty = true;
      }
    }
  }

  function sortedOpenSymbols(): string[] {
    if (!openSymbols) openSymbols = [...openBySym.keys()].sort();
    return openSymbols;
  }

  // ---- sessions (cached window; feeds are static) ----
  let sessCache: readonly Session[] = [];
  let cacheFrom = '';
  let cacheTo = '';
  function sessionsIn(fromDate: string, toDate: string): readonly Session[] {
    if (cacheFrom === '' || fromDate < cacheFrom || toDate > cacheTo) {
      cacheFrom = fromDate;
      cacheTo = addDays(toDate, 62);
      sessCache = feed.sessions(cacheFrom, cacheTo);
    }
    return sessCache;
  }

  /** Close of the last bar closed at or before t; falls back to daily bars (e.g. before a minute feed's first bar). */
  function lastPrice(symbol: string, t: number): number | null {
    const b = feed.lastBarAt(symbol, t);
    if (b) return b.c;
    if (feed.granularity !== 'minute') return null;
    const daily = feed.dailyBars(symbol, t - 14 * 86_400_000, t);
    return daily.length > 0 ? daily[daily.length - 1]!.c : null;
  }

  function equityAt(t: number): number {
    let eq = st.cash;
    for (const p of st.positions) eq += p.qty * (lastPrice(p.symbol, t) ?? p.avgEntryPrice);
    return eq;
  }

  function touch(o: SimOrderRecord): void {
    changed.set(o.id, o);
    dirty = true;
  }

  /** Moves an open order (and, for a bracket parent, its open legs) to a terminal status. */
  function terminate(o: SimOrderRecord, status: 'canceled' | 'expired', at: number): void {
    if (isTerminal(o.status)) return;
    o.status = status;
    o.updatedAt = at;
    o.reserve = 0;
    closedLog.push({ o, at: clock.now() });
    touch(o);
    for (const legId of o.legIds) {
      const leg = byId.get(legId);
      if (leg && !isTerminal(leg.status)) terminate(leg, status, at);
    }
  }

  function fill(o: SimOrderRecord, price: number, at: number, bar: Bar): void {
    const qty = o.qty;
    const comm = commissionFor(qty, perShare, minComm);
    if (o.side === 'buy') {
      const cost = qty * price + comm;
      // A gap made the fill dearer than the cash on hand: a cash account cannot fund it.
      if (cost > st.cash + EPS) return terminate(o, 'canceled', at);
      st.cash -= cost;
      let p = posBySym.get(o.symbol);
      if (!p) {
        p = { symbol: o.symbol, qty: 0, avgEntryPrice: 0, lastBuyDate: '' };
        posBySym.set(o.symbol, p);
        st.positions.push(p);
      }
      p.avgEntryPrice = (p.qty * p.avgEntryPrice + qty * price) / (p.qty + qty);
      p.qty += qty;
      p.lastBuyDate = nyDate(at);
    } else {
      const p = posBySym.get(o.symbol);
      if (!p || p.qty < qty) return terminate(o, 'canceled', at);
      st.cash += qty * price - comm;
      st.realizedPl += qty * (price - p.avgEntryPrice);
      p.qty -= qty;
      const date = nyDate(at);
      if (p.lastBuyDate === date) {
        const cutoff = addDays(date, -30);
        st.daytrades = st.daytrades.filter((d) => d.date >= cutoff);
        st.daytrades.push({ date, symbol: o.symbol });
      }
      if (p.qty === 0) {
        posBySym.delete(o.symbol);
        st.positions.splice(st.positions.indexOf(p), 1);
      }
    }
    st.commissionsPaid += comm;
    o.status = 'filled';
    o.filledQty = qty;
    o.filledAvgPrice = price;
    o.filledAt = at;
    o.updatedAt = at;
    o.commission = comm;
    o.reserve = 0;
    closedLog.push({ o, at: clock.now() });
    touch(o);
    // Bracket entry filled: legs go live and see this same bar (after its open).
    for (const legId of o.legIds) {
      const leg = byId.get(legId);
      if (leg && leg.status === 'held') {
        leg.status = 'new';
        leg.activeFrom = bar.t;
        leg.updatedAt = at;
        touch(leg);
      }
    }
    // A leg filled: one-cancels-other.
    if (o.parentId !== null) {
      const parent = byId.get(o.parentId);
      if (parent) {
        for (const legId of parent.legIds) {
          const sib = byId.get(legId);
          if (sib && sib !== o) terminate(sib, 'canceled', at);
        }
      }
    }
  }

  const live = (o: SimOrderRecord) => o.status === 'new' || o.status === 'accepted' || o.status === 'partially_filled';

  function openPhase(bar: Bar, list: SimOrderRecord[]): void {
    for (let k = 0; k < list.length; k++) {
      const o = list[k]!;
      if (!live(o) || bar.t < o.activeFrom) continue;
      const p = openFillPrice(o.type, o.side, o.limitPrice ?? NaN, o.stopPrice ?? NaN, bar, bps);
      if (p === p) fill(o, p, bar.t, bar);
    }
  }

  function rangePhase(bar: Bar, list: SimOrderRecord[]): void {
    for (let k = 0; k < list.length; k++) {
      const o = list[k]!;
      if (!live(o) || bar.t < o.activeFrom) continue;
      if (o.legKind === 'take_profit' && o.parentId !== null) {
        // Both legs touched in one bar: the stop wins (worst case); it fills further down the list.
        const stopId = byId.get(o.parentId)?.legIds[1];
        const stop = stopId === undefined ? undefined : byId.get(stopId);
        if (stop && live(stop) && stop.stopPrice !== null && stopWinsTie(bar, stop.stopPrice)) continue;
      }
      const p = rangeFillPrice(o.type, o.side, o.limitPrice ?? NaN, o.stopPrice ?? NaN, bar, bps);
      if (p === p) fill(o, p, bar.end, bar);
    }
  }

  function walkSymbol(symbol: string, s: Session, prev: number, to: number, now: number): void {
    const list = openBySym.get(symbol);
    if (!list) return;
    const partialT = st.partial[symbol];
    let from = Math.max(prev, s.open);
    const resume = partialT !== undefined && partialT >= s.open && partialT < from;
    if (resume) from = partialT;
    const bars = feed.fillBars(symbol, from, to);
    let pending: number | undefined;
    for (let i = 0; i < bars.length; i++) {
      const bar = bars[i]!;
      if (bar.t < s.open || bar.t >= s.close) continue;
      if (!(resume && bar.t === partialT)) openPhase(bar, list);
      if (bar.end <= now) rangePhase(bar, list);
      else {
        pending = bar.t;
        break;
      }
    }
    if (pending !== undefined) {
      if (st.partial[symbol] !== pending) {
        st.partial[symbol] = pending;
        dirty = true;
      }
    } else if (partialT !== undefined) {
      delete st.partial[symbol];
      dirty = true;
    }
    compact(symbol);
  }

  /**
   * Daily-only feeds have no bar that starts after an order placed mid-session, so a market
   * order placed while the session is open fills at that session's close (the next price
   * that exists at this granularity), with slippage. Without this a DAY sell could never fill.
   */
  function fillAtDailyClose(symbol: string, close: number, list: SimOrderRecord[]): void {
    const bar = feed.dailyBars(symbol, close - 86_400_000, close).find((b) => b.end === close);
    if (!bar) return;
    for (let k = 0; k < list.length; k++) {
      const o = list[k]!;
      if (!live(o) || o.type !== 'market' || o.activeFrom <= bar.t || o.activeFrom >= close) continue;
      fill(o, slipped(bar.c, o.side, bps), close, bar);
    }
  }

  function closeSession(close: number): void {
    for (const symbol of sortedOpenSymbols().slice()) {
      const list = openBySym.get(symbol);
      if (!list) continue;
      if (feed.granularity === 'day') fillAtDailyClose(symbol, close, list);
      for (const o of list) if (o.timeInForce === 'day' && o.submittedAt < close) terminate(o, 'expired', close);
      compact(symbol);
    }
    st.lastEquity = equityAt(close);
    dirty = true;
  }

  function syncTo(now: number): void {
    assertNotBehind(now);
    if (now === st.lastSync) return;
    const prev = st.lastSync;
    const sessions = sessionsIn(nyDate(prev), nyDate(now));
    for (const s of sessions) {
      if (s.close <= prev) continue;
      if (s.open >= now) break;
      if (openBySym.size > 0) {
        const to = Math.min(now, s.close);
        for (const symbol of sortedOpenSymbols().slice()) walkSymbol(symbol, s, prev, to, now);
      }
      if (s.close <= now) closeSession(s.close);
    }
    st.lastSync = now;
  }

  function persist(): void {
    if (store && dirty) store.save(structuredClone(st));
    dirty = false;
  }

  /** Catches up to clock.now(), saves if anything changed, returns the changed orders. */
  function syncNow(): readonly Order[] {
    changed = new Map();
    dirty = false;
    syncTo(clock.now());
    const out = [...changed.values()].map(toOrder);
    persist();
    return out;
  }

  function toOrder(o: SimOrderRecord): Order {
    const legs: Order[] = [];
    for (const id of o.legIds) {
      const leg = byId.get(id);
      if (leg) legs.push(toOrder(leg));
    }
    return {
      id: o.id,
      clientOrderId: o.clientOrderId,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      qty: o.qty,
      filledQty: o.filledQty,
      filledAvgPrice: o.filledAvgPrice,
      status: o.status,
      timeInForce: o.timeInForce,
      orderClass: o.orderClass,
      limitPrice: o.limitPrice,
      stopPrice: o.stopPrice,
      submittedAt: o.submittedAt,
      filledAt: o.filledAt,
      updatedAt: o.updatedAt,
      parentId: o.parentId,
      legKind: o.legKind,
      legs,
      commission: o.commission,
    };
  }

  const nextId = () => `sim-${String(st.nextId++).padStart(6, '0')}`;

  function reserved(): number {
    let r = 0;
    for (const list of openBySym.values()) for (const o of list) if (o.side === 'buy' && !isTerminal(o.status)) r += o.reserve;
    return r;
  }

  function checkPrice(name: string, p: unknown): number {
    if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0) throw reject(`${name} must be > 0`);
    if (!isValidTick(p)) throw reject(SUB_PENNY);
    return p;
  }

  function submit(req: OrderRequest, now: number): SimOrderRecord {
    const symbol = req.symbol;
    const coid = req.clientOrderId;
    if (byCoid.has(coid)) throw new BrokerError('client_order_id must be unique', 'duplicate_client_order_id', false, 422);
    if (typeof coid !== 'string' || coid.length === 0 || coid.length > 128) throw reject('client_order_id must be 1 to 128 characters');
    if (typeof symbol !== 'string' || !feed.has(symbol)) throw reject(`asset "${String(symbol)}" not found`);
    if (req.side !== 'buy' && req.side !== 'sell') throw reject(`invalid side: ${String(req.side)}`);
    if (req.type !== 'market' && req.type !== 'limit') throw reject(`invalid order type: ${String(req.type)}`);
    if (req.timeInForce !== 'day' && req.timeInForce !== 'gtc') throw reject(`invalid time_in_force: ${String(req.timeInForce)}`);
    const qty = req.qty;
    if (typeof qty !== 'number' || !(qty > 0)) throw reject('qty must be > 0');
    if (!Number.isInteger(qty)) throw reject('qty must be a whole number: fractional orders are not supported for this asset');
    const limit = req.type === 'limit' ? checkPrice('limit_price', req.limitPrice) : null;
    const orderClass = req.orderClass ?? 'simple';
    if (orderClass !== 'simple' && orderClass !== 'bracket') throw reject(`invalid order_class: ${String(orderClass)}`);
    const last = lastPrice(symbol, now);

    let tp: number | null = null;
    let sl: number | null = null;
    if (orderClass === 'bracket') {
      if (req.side !== 'buy') throw reject('bracket orders must be buy orders: short selling is not available in a cash account');
      if (!req.takeProfit || !req.stopLoss) throw reject('bracket orders require both take_profit and stop_loss');
      tp = checkPrice('take_profit.limit_price', req.takeProfit.limitPrice);
      sl = checkPrice('stop_loss.stop_price', req.stopLoss.stopPrice);
      const base = limit ?? last;
      if (base === null) throw reject(`no price available for ${symbol}`);
      if (sl > base - 0.01 + EPS) throw reject(`stop_loss.stop_price must be <= base_price - 0.01 (base_price: ${base}, stop_price: ${sl})`);
      if (tp < base + 0.01 - EPS) throw reject(`take_profit.limit_price must be >= base_price + 0.01 (base_price: ${base}, limit_price: ${tp})`);
    } else if (req.takeProfit || req.stopLoss) {
      throw reject('take_profit and stop_loss are only valid on bracket orders');
    }

    let reserve = 0;
    if (req.side === 'buy') {
      const est = limit ?? (last === null ? null : last * (1 + bps / 1e4));
      if (est === null) throw reject(`no price available for ${symbol}`);
      reserve = qty * est + commissionFor(qty, perShare, minComm);
      const bp = st.cash - reserved();
      if (reserve > bp + EPS) throw new BrokerError('insufficient buying power', 'insufficient_buying_power', false, 403);
    } else {
      const held = posBySym.get(symbol)?.qty ?? 0;
      let committed = 0;
      const seenParents = new Set<string>();
      for (const o of openBySym.get(symbol) ?? []) {
        if (o.side !== 'sell' || !live(o)) continue;
        // The two legs of one bracket cover the same shares (one-cancels-other): count them once.
        if (o.parentId !== null) {
          if (seenParents.has(o.parentId)) continue;
          seenParents.add(o.parentId);
        }
        committed += o.qty - o.filledQty;
      }
      const available = held - committed;
      if (qty > available) {
        throw new BrokerError(`insufficient qty available for order (requested: ${qty}, available: ${available})`, 'insufficient_qty', false, 403);
      }
    }

    const base = {
      symbol,
      side: req.side,
      filledQty: 0,
      filledAvgPrice: null,
      timeInForce: req.timeInForce,
      orderClass,
      submittedAt: now,
      filledAt: null,
      updatedAt: now,
      commission: 0,
      activeFrom: now,
    } as const;
    const parent: SimOrderRecord = {
      ...base,
      id: nextId(),
      clientOrderId: coid,
      type: req.type,
      qty,
      status: 'new',
      limitPrice: limit,
      stopPrice: null,
      parentId: null,
      legKind: null,
      legIds: [],
      reserve,
    };
    const created = [parent];
    if (tp !== null && sl !== null) {
      const leg = (kind: 'take_profit' | 'stop_loss'): SimOrderRecord => {
        const id = nextId();
        return {
          ...base,
          side: 'sell',
          id,
          clientOrderId: id,
          type: kind === 'take_profit' ? 'limit' : 'stop',
          qty,
          status: 'held',
          limitPrice: kind === 'take_profit' ? tp : null,
          stopPrice: kind === 'stop_loss' ? sl : null,
          parentId: parent.id,
          legKind: kind,
          legIds: [],
          reserve: 0,
        };
      };
      const tpLeg = leg('take_profit');
      const slLeg = leg('stop_loss');
      parent.legIds = [tpLeg.id, slLeg.id];
      created.push(tpLeg, slLeg);
    }
    for (const o of created) {
      st.orders.push(o);
      byId.set(o.id, o);
      byCoid.set(o.clientOrderId, o);
      addOpen(o);
    }
    dirty = true;
    return parent;
  }

  function position(p: SimPositionRecord, now: number): Position {
    const price = lastPrice(p.symbol, now) ?? p.avgEntryPrice;
    return {
      symbol: p.symbol,
      qty: p.qty,
      avgEntryPrice: r4(p.avgEntryPrice),
      currentPrice: price,
      marketValue: cents(p.qty * price),
      unrealizedPl: cents(p.qty * (price - p.avgEntryPrice)),
    };
  }

  function daytradeCount(now: number): number {
    const today = nyDate(now);
    const dates: string[] = [];
    for (const s of sessionsIn(addDays(today, -20), today)) if (s.date <= today) dates.push(s.date);
    const cutoff = dates.length >= 5 ? dates[dates.length - 5]! : (dates[0] ?? today);
    let n = 0;
    for (const d of st.daytrades) if (d.date >= cutoff && d.date <= today) n++;
    return n;
  }

  return {
    sync: syncNow,

    async getAccount(): Promise<Account> {
      syncNow();
      const now = clock.now();
      return {
        cash: cents(st.cash),
        equity: cents(equityAt(now)),
        buyingPower: cents(Math.max(0, st.cash - reserved())),
        lastEquity: cents(st.lastEquity),
        daytradeCount: daytradeCount(now),
        status: 'ACTIVE',
      };
    },

    async getPositions(): Promise<readonly Position[]> {
      syncNow();
      const now = clock.now();
      return [...st.positions].sort((a, b) => (a.symbol < b.symbol ? -1 : a.symbol > b.symbol ? 1 : 0)).map((p) => position(p, now));
    },

    async getOpenOrders(): Promise<readonly Order[]> {
      syncNow();
      const out: SimOrderRecord[] = [];
      for (const list of openBySym.values()) for (const o of list) if (!isTerminal(o.status)) out.push(o);
      out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return out.map(toOrder);
    },

    async submitOrder(req: OrderRequest): Promise<Order> {
      syncNow();
      const o = submit(req, clock.now());
      persist();
      return toOrder(o);
    },

    async getOrderByClientId(clientOrderId: string): Promise<Order | null> {
      syncNow();
      const o = byCoid.get(clientOrderId);
      return o ? toOrder(o) : null;
    },

    async cancelOrder(orderId: string): Promise<void> {
      syncNow();
      const o = byId.get(orderId);
      if (!o) throw new BrokerError(`order not found: ${orderId}`, 'not_found', false, 404);
      if (isTerminal(o.status)) throw reject('order is not cancelable');
      terminate(o, 'canceled', clock.now());
      compact(o.symbol);
      persist();
    },

    async listClosedOrders(since: number): Promise<readonly Order[]> {
      syncNow();
      const out: SimOrderRecord[] = [];
      for (let i = closedLog.length - 1; i >= 0 && closedLog[i]!.at >= since; i--) {
        const o = closedLog[i]!.o;
        if (o.updatedAt >= since) out.push(o);
      }
      out.sort((a, b) => a.updatedAt - b.updatedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return out.map(toOrder);
    },
  };
}
