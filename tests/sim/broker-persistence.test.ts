import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimBroker, type SimBroker } from '../../src/adapters/sim/broker.js';
import { createSimClock, type SimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed, type PriceFeed } from '../../src/adapters/sim/feed.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { OrderRequest } from '../../src/domain/broker.js';
import type { Bar } from '../../src/domain/market.js';

const D1 = '2026-06-01';
const D2 = '2026-06-02';

/** A wavy minute path over two sessions: touches take-profits and stops along the way. */
function bars(date: string, base: number): Bar[] {
  const out: Bar[] = [];
  const open = nyTime(date, '09:30');
  for (let i = 0; i < 390; i++) {
    const t = open + i * 60_000;
    const c = Math.round((base + 4 * Math.sin(i / 15)) * 100) / 100;
    out.push({ t, end: t + 60_000, o: c, h: c + 0.3, l: c - 0.3, c, v: 1000 });
  }
  return out;
}

const feed: PriceFeed = createArrayFeed({ minute: new Map([['AAA', [...bars(D1, 100), ...bars(D2, 102)]]]), sessions: nyseSessions(D1, '2026-06-05') });

function memoryStore() {
  let value: unknown = null;
  let saves = 0;
  return {
    load: () => value,
    save: (s: unknown) => {
      value = JSON.parse(JSON.stringify(s)) as unknown; // what the journal does: JSON round trip
      saves++;
    },
    get value() {
      return value;
    },
    set value(v: unknown) {
      value = v;
    },
    get saves() {
      return saves;
    },
  };
}

const opts = { startingCash: 50_000, slippageBps: 5, commissionPerShare: 0.005, commissionMin: 1 };
const make = (clock: SimClock, store?: ReturnType<typeof memoryStore>): SimBroker => createSimBroker({ feed, clock, ...(store ? { store } : {}), ...opts });

const bracket = (id: string, qty: number, tp: number, sl: number): OrderRequest => ({
  clientOrderId: id,
  symbol: 'AAA',
  side: 'buy',
  qty,
  type: 'market',
  timeInForce: 'gtc',
  orderClass: 'bracket',
  takeProfit: { limitPrice: tp },
  stopLoss: { stopPrice: sl },
});

/** Bracket with legs `width` dollars either side of the last price. */
function bracketAround(id: string, qty: number, now: number, width: number): OrderRequest {
  const last = feed.lastBarAt('AAA', now)!.c;
  return bracket(id, qty, Math.round((last + width) * 100) / 100, Math.round((last - width) * 100) / 100);
}

/** A fixed script of actions at fixed times; `restartAt` re-creates the broker over the store before those steps. */
async function script(restartAt: ReadonlySet<number>) {
  const store = memoryStore();
  const clock = createSimClock(nyTime(D1, '09:45'));
  let broker = make(clock, store);
  const steps: (() => Promise<unknown>)[] = [
    () => broker.submitOrder(bracketAround('b1', 100, clock.now(), 3)),
    () => broker.submitOrder({ clientOrderId: 'l1', symbol: 'AAA', side: 'buy', qty: 50, type: 'limit', limitPrice: 97.5, timeInForce: 'day' }),
    () => broker.submitOrder({ clientOrderId: 'l2', symbol: 'AAA', side: 'buy', qty: 20, type: 'limit', limitPrice: 90, timeInForce: 'gtc' }),
    () => broker.submitOrder(bracketAround('b2', 30, clock.now(), 2)),
    async () => {
      const o = await broker.getOrderByClientId('l2');
      await broker.cancelOrder(o!.id);
    },
    () => broker.submitOrder({ clientOrderId: 'm1', symbol: 'AAA', side: 'buy', qty: 10, type: 'market', timeInForce: 'day' }),
  ];
  const times = ['09:50', '10:20', '11:00', '13:00', '15:30', 'D2 09:40'];
  for (let i = 0; i < steps.length; i++) {
    const when = times[i]!;
    clock.set(when.startsWith('D2') ? nyTime(D2, when.slice(3)) : nyTime(D1, when));
    if (restartAt.has(i)) broker = make(clock, store);
    await steps[i]!();
  }
  clock.set(nyTime(D2, '16:30'));
  if (restartAt.has(steps.length)) broker = make(clock, store);
  return {
    account: await broker.getAccount(),
    positions: await broker.getPositions(),
    open: await broker.getOpenOrders(),
    closed: await broker.listClosedOrders(0),
    store,
    broker,
  };
}

describe('sim broker persistence', () => {
  it('a broker re-created over the same store continues exactly where it was', async () => {
    const straight = await script(new Set());
    const restarted = await script(new Set([1, 2, 3, 4, 5, 6]));
    expect(straight.closed.length).toBeGreaterThan(4);
    expect(straight.closed.filter((o) => o.legKind === 'stop_loss' && o.status === 'filled')).toHaveLength(2);
    expect(straight.positions.map((p) => p.qty)).toEqual([60]);
    expect(restarted.account).toEqual(straight.account);
    expect(restarted.positions).toEqual(straight.positions);
    expect(restarted.open).toEqual(straight.open);
    expect(restarted.closed).toEqual(straight.closed);
    expect(restarted.store.value).toEqual(straight.store.value);
  });

  it('ids keep counting after a restart and client ids stay unique', async () => {
    const { store } = await script(new Set());
    const clock = createSimClock(nyTime(D2, '17:00'));
    const broker = make(clock, store);
    const e = await broker.submitOrder({ clientOrderId: 'b1', symbol: 'AAA', side: 'buy', qty: 1, type: 'market', timeInForce: 'gtc' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'duplicate_client_order_id' });
    const o = await broker.submitOrder({ clientOrderId: 'fresh', symbol: 'AAA', side: 'buy', qty: 1, type: 'limit', limitPrice: 50, timeInForce: 'gtc' });
    expect(o.id).toBe('sim-000010'); // 2 brackets x 3 orders + 3 simple orders before it
  });

  it('saves after submit, cancel and syncs that changed something, not on idle reads', async () => {
    const store = memoryStore();
    const clock = createSimClock(nyTime(D1, '09:45'));
    const broker = make(clock, store);
    await broker.getAccount();
    expect(store.saves).toBe(0);
    const o = await broker.submitOrder({ clientOrderId: 'x', symbol: 'AAA', side: 'buy', qty: 1, type: 'limit', limitPrice: 50, timeInForce: 'gtc' });
    expect(store.saves).toBe(1);
    await broker.cancelOrder(o.id);
    expect(store.saves).toBe(2);
    await broker.getOpenOrders();
    expect(store.saves).toBe(2);
    await broker.submitOrder({ clientOrderId: 'y', symbol: 'AAA', side: 'buy', qty: 1, type: 'market', timeInForce: 'gtc' });
    clock.set(nyTime(D1, '10:00'));
    const changed = broker.sync();
    expect(changed.map((c) => [c.clientOrderId, c.status])).toEqual([['y', 'filled']]);
    expect(store.saves).toBe(4);
    expect(broker.sync()).toEqual([]);
    expect(store.saves).toBe(4);
  });

  it('corrupt state fails clearly', () => {
    const clock = createSimClock(nyTime(D1, '09:45'));
    for (const bad of [{ foo: 1 }, 'garbage', 42, { ...fresh(), cash: 'lots' }, { ...fresh(), orders: [{ id: 'sim-1', status: 'weird' }] }]) {
      const store = memoryStore();
      store.value = bad;
      expect(() => make(clock, store)).toThrow(/sim broker: persisted state is corrupt/);
    }
  });

  it('a sim clock behind the persisted state fails clearly', async () => {
    const store = memoryStore();
    const clock = createSimClock(nyTime(D1, '12:00'));
    const broker = make(clock, store);
    await broker.submitOrder({ clientOrderId: 'x', symbol: 'AAA', side: 'buy', qty: 1, type: 'limit', limitPrice: 50, timeInForce: 'gtc' });
    const earlier = createSimClock(nyTime(D1, '11:00'));
    expect(() => make(earlier, store)).toThrow(/sim clock .* is behind the persisted broker state/);
    // A shared mutable clock moved backwards under a live broker fails the same way on the next call.
    let now = nyTime(D1, '12:30');
    const live = createSimBroker({ feed, clock: { now: () => now }, store: memoryStore(), ...opts });
    await live.getAccount();
    now -= 60_000;
    await expect(live.getAccount()).rejects.toThrow(/behind the persisted broker state/);
  });
});

function fresh() {
  const store = memoryStore();
  const b = make(createSimClock(nyTime(D1, '09:45')), store);
  void b;
  return {
    version: 1,
    startingCash: 1,
    cash: 1,
    realizedPl: 0,
    commissionsPaid: 0,
    nextId: 1,
    lastSync: nyTime(D1, '09:00'),
    lastEquity: 1,
    positions: [],
    orders: [],
    daytrades: [],
    partial: {},
  };
}
