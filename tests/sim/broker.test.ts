import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimBroker } from '../../src/adapters/sim/broker.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed } from '../../src/adapters/sim/feed.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { OrderRequest } from '../../src/domain/broker.js';
import type { Bar, Session } from '../../src/domain/market.js';

const D1 = '2026-06-01';
const sessions = nyseSessions('2026-05-25', '2026-06-19');
const day = (s: Session, o: number, h: number, l: number, c: number): Bar => ({ t: s.open, end: s.close, o, h, l, c, v: 1e6 });
const sess = (date: string) => sessions.find((s) => s.date === date)!;

/** Daily bars at 100 on every session, with overrides by date. */
function dailyFeed(over: Record<string, [number, number, number, number]> = {}) {
  const bars = sessions.map((s) => {
    const [o, h, l, c] = over[s.date] ?? [100, 100.5, 99.5, 100];
    return day(s, o, h, l, c);
  });
  return createArrayFeed({ daily: new Map([['AAA', bars]]), sessions });
}

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
const mkt = (id: string, side: 'buy' | 'sell', qty: number): OrderRequest => ({ clientOrderId: id, symbol: 'AAA', side, qty, type: 'market', timeInForce: 'day' });
const opts = { startingCash: 100_000, slippageBps: 0, commissionPerShare: 0, commissionMin: 0 };

describe('sim broker', () => {
  it('on a daily-only feed, a market order placed mid-session fills at that session close (a DAY sell must not expire)', async () => {
    const feed = dailyFeed({ [D1]: [100, 103, 99, 102] });
    const clock = createSimClock(nyTime('2026-05-29', '16:30'));
    const broker = createSimBroker({ feed, clock, ...opts, slippageBps: 10 });
    await broker.submitOrder(mkt('b', 'buy', 10));
    clock.set(nyTime(D1, '10:00'));
    expect((await broker.getPositions())[0]?.qty).toBe(10); // filled at the 06-01 open
    await broker.submitOrder(mkt('s', 'sell', 10));
    clock.set(nyTime(D1, '12:00'));
    expect((await broker.getOrderByClientId('s'))!.status).toBe('new'); // the close has not happened yet
    clock.set(nyTime(D1, '16:00'));
    const s = (await broker.getOrderByClientId('s'))!;
    expect([s.status, s.filledAvgPrice, s.filledAt]).toEqual(['filled', 101.898, nyTime(D1, '16:00')]);
    expect(await broker.getPositions()).toEqual([]);
  });

  it('does not look ahead into a daily bar still forming: its range is used only once it closes', async () => {
    const feed = dailyFeed({ [D1]: [100, 101, 94, 96] });
    const clock = createSimClock(nyTime(D1, '09:00'));
    const broker = createSimBroker({ feed, clock, ...opts });
    await broker.submitOrder(bracket('e', 10, 110, 95));
    clock.set(nyTime(D1, '12:00'));
    const mid = broker.sync();
    expect(mid.map((o) => [o.legKind ?? o.clientOrderId, o.status])).toEqual([
      ['e', 'filled'],
      ['take_profit', 'new'],
      ['stop_loss', 'new'],
    ]);
    expect((await broker.getPositions())[0]?.qty).toBe(10);
    clock.set(nyTime(D1, '16:00'));
    const atClose = broker.sync();
    expect(atClose.map((o) => [o.legKind, o.status, o.filledAvgPrice])).toEqual([
      ['stop_loss', 'filled', 95],
      ['take_profit', 'canceled', null],
    ]);
    expect(await broker.getPositions()).toEqual([]);
  });

  it('lastEquity is the equity at the previous session close', async () => {
    const feed = dailyFeed({ '2026-06-02': [100, 106, 100, 105] });
    const clock = createSimClock(nyTime(D1, '09:00'));
    const broker = createSimBroker({ feed, clock, ...opts });
    expect((await broker.getAccount()).lastEquity).toBe(100_000);
    await broker.submitOrder(mkt('b', 'buy', 100));
    clock.set(nyTime('2026-06-02', '12:00'));
    const a1 = await broker.getAccount();
    expect(a1.lastEquity).toBe(100_000); // bought at 100, closed at 100 on D1
    clock.set(nyTime('2026-06-03', '10:00'));
    const a2 = await broker.getAccount();
    expect(a2.lastEquity).toBe(100_500);
    expect(a2.equity).toBe(100_500);
  });

  it('counts day trades over the last 5 sessions', async () => {
    const minute: Bar[] = [];
    for (const s of sessions) for (let t = s.open; t < s.open + 30 * 60_000; t += 60_000) minute.push({ t, end: t + 60_000, o: 100, h: 100, l: 100, c: 100, v: 1 });
    const feed = createArrayFeed({ minute: new Map([['AAA', minute]]), sessions });
    const clock = createSimClock(nyTime(D1, '09:35'));
    const broker = createSimBroker({ feed, clock, ...opts });
    await broker.submitOrder(mkt('b1', 'buy', 10));
    clock.set(nyTime(D1, '09:40'));
    await broker.submitOrder(mkt('s1', 'sell', 10));
    clock.set(nyTime(D1, '09:45'));
    expect((await broker.getAccount()).daytradeCount).toBe(1);
    // Bought one day, sold the next: not a day trade.
    await broker.submitOrder(mkt('b2', 'buy', 10));
    clock.set(nyTime('2026-06-02', '09:35'));
    await broker.submitOrder(mkt('s2', 'sell', 10));
    clock.set(nyTime('2026-06-02', '09:45'));
    expect((await broker.getAccount()).daytradeCount).toBe(1);
    clock.set(nyTime('2026-06-05', '10:00')); // 5th session counting D1
    expect((await broker.getAccount()).daytradeCount).toBe(1);
    clock.set(nyTime('2026-06-08', '10:00')); // D1 has left the window
    expect((await broker.getAccount()).daytradeCount).toBe(0);
  });

  it('cancel: unknown id is not_found (404), terminal orders are not cancelable (422), a leg cancels alone', async () => {
    const feed = dailyFeed();
    const clock = createSimClock(nyTime(D1, '09:00'));
    const broker = createSimBroker({ feed, clock, ...opts });
    await expect(broker.cancelOrder('sim-999999')).rejects.toMatchObject({ code: 'not_found', status: 404, retryable: false });
    const e = await broker.submitOrder(bracket('e', 10, 110, 95));
    clock.set(nyTime(D1, '10:00'));
    await expect(broker.cancelOrder(e.id)).rejects.toMatchObject({ code: 'rejected', status: 422, message: 'order is not cancelable' });
    const [tp, sl] = e.legs;
    await broker.cancelOrder(tp!.id);
    const open = await broker.getOpenOrders();
    expect(open.map((o) => [o.id, o.status])).toEqual([[sl!.id, 'new']]);
    // With the stop canceled too, the shares are free to sell.
    await broker.cancelOrder(sl!.id);
    await broker.submitOrder(mkt('s', 'sell', 10));
    const closed = await broker.listClosedOrders(nyTime(D1, '10:00'));
    expect(closed.map((o) => o.legKind ?? o.clientOrderId)).toEqual(['take_profit', 'stop_loss']);
    const all = await broker.listClosedOrders(0);
    expect(all.map((o) => o.legKind ?? o.clientOrderId)).toEqual(['e', 'take_profit', 'stop_loss']);
  });

  it('buying power is cash minus cash reserved by open buys', async () => {
    const feed = dailyFeed();
    const clock = createSimClock(nyTime(D1, '10:00'));
    const broker = createSimBroker({ feed, clock, ...opts, slippageBps: 10, commissionMin: 1 });
    await broker.submitOrder({ clientOrderId: 'l', symbol: 'AAA', side: 'buy', qty: 100, type: 'limit', limitPrice: 90, timeInForce: 'gtc' });
    await broker.submitOrder(mkt('m', 'buy', 10));
    const a = await broker.getAccount();
    expect(a.cash).toBe(100_000);
    expect(a.buyingPower).toBeCloseTo(100_000 - (9000 + 1) - (1001 + 1), 6);
  });

  it('a buy whose gap-up fill costs more than the cash on hand is canceled, never overdrawing', async () => {
    const feed = dailyFeed({ '2026-06-02': [150, 150, 150, 150] });
    const clock = createSimClock(nyTime(D1, '17:00'));
    const broker = createSimBroker({ feed, clock, ...opts });
    await broker.submitOrder(mkt('all-in', 'buy', 1000));
    clock.set(nyTime('2026-06-02', '17:00'));
    const o = await broker.getOrderByClientId('all-in');
    expect(o?.status).toBe('canceled');
    expect((await broker.getAccount()).cash).toBe(100_000);
  });

  it('position and account figures use the last bar closed at or before now', async () => {
    const feed = dailyFeed({ '2026-06-02': [100, 112, 100, 110] });
    const clock = createSimClock(nyTime(D1, '09:00'));
    const broker = createSimBroker({ feed, clock, ...opts });
    await broker.submitOrder(mkt('b', 'buy', 10));
    clock.set(nyTime('2026-06-02', '15:59'));
    expect((await broker.getPositions())[0]).toMatchObject({ qty: 10, avgEntryPrice: 100, currentPrice: 100, marketValue: 1000, unrealizedPl: 0 });
    clock.set(nyTime('2026-06-02', '16:00'));
    expect((await broker.getPositions())[0]).toMatchObject({ currentPrice: 110, marketValue: 1100, unrealizedPl: 100 });
    expect((await broker.getAccount()).equity).toBe(100_100);
  });
});
