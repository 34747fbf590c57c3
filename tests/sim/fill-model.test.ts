import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimBroker } from '../../src/adapters/sim/broker.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed } from '../../src/adapters/sim/feed.js';
import { commissionFor, isValidTick, openFillPrice, rangeFillPrice, slipped } from '../../src/adapters/sim/fill-model.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { OrderRequest, OrderStatus } from '../../src/domain/broker.js';
import { BrokerError } from '../../src/domain/errors.js';
import type { Bar, Session } from '../../src/domain/market.js';

/**
 * Scenario table for the sim fill model, in the spirit of freqtrade's backtest-detail cases:
 * hand-written bars on real NYSE sessions, orders at given instants, exact outcomes.
 */

const D1 = '2026-06-01'; // Monday
const D2 = '2026-06-02';
const EARLY = '2026-11-27'; // day after Thanksgiving: 13:00 close
const t = (date: string, hhmm: string) => nyTime(date, hhmm);
const SEC = 1000;

type Row = readonly [hhmm: string, o: number, h: number, l: number, c: number];
/** Minute bars on a date. */
const minutes = (date: string, rows: readonly Row[]): Bar[] =>
  rows.map(([hhmm, o, h, l, c]) => ({ t: t(date, hhmm), end: t(date, hhmm) + 60 * SEC, o, h, l, c, v: 1000 }));
/** One daily bar spanning a session. */
const dailyBar = (s: Session, o: number, h: number, l: number, c: number): Bar => ({ t: s.open, end: s.close, o, h, l, c, v: 1e6 });
const sess = (date: string): Session => nyseSessions(date, date)[0]!;

const BASE: Row = ['09:30', 100, 100, 100, 100];

const mkt = (id: string, qty: number, side: 'buy' | 'sell' = 'buy', tif: 'day' | 'gtc' = 'day'): OrderRequest => ({
  clientOrderId: id,
  symbol: 'AAA',
  side,
  qty,
  type: 'market',
  timeInForce: tif,
});
const lmt = (id: string, qty: number, side: 'buy' | 'sell', limitPrice: number, tif: 'day' | 'gtc' = 'day', symbol = 'AAA'): OrderRequest => ({
  clientOrderId: id,
  symbol,
  side,
  qty,
  type: 'limit',
  limitPrice,
  timeInForce: tif,
});
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

interface OrderExpect {
  readonly status: OrderStatus;
  readonly price?: number | null;
  readonly filledAt?: number;
  readonly updatedAt?: number;
  readonly commission?: number;
}
interface Step {
  readonly at: number;
  readonly submit?: OrderRequest;
  readonly cancel?: string;
  readonly error?: { readonly code: BrokerError['code']; readonly status: number; readonly message: string };
}
interface Scenario {
  readonly name: string;
  readonly minute?: Readonly<Record<string, readonly Bar[]>>;
  readonly daily?: Readonly<Record<string, readonly Bar[]>>;
  readonly from?: string;
  readonly to?: string;
  readonly cash?: number;
  readonly slip?: number;
  readonly perShare?: number;
  readonly min?: number;
  readonly steps: readonly Step[];
  readonly end: number;
  readonly orders?: Readonly<Record<string, OrderExpect & { readonly tp?: OrderExpect; readonly sl?: OrderExpect }>>;
  readonly expectCash?: number;
  readonly expectQty?: number;
}

const bracketBars = (rows: readonly Row[]) => ({ AAA: minutes(D1, [BASE, ['10:00', 100, 100, 100, 100], ...rows]) });
const entryAt = t(D1, '10:00');

const scenarios: Scenario[] = [
  {
    name: 'market buy fills at the next bar open with slippage (10 bps)',
    slip: 10,
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100, 100, 100], ['10:01', 101, 102, 100, 101]]) },
    steps: [{ at: t(D1, '10:00') + 30 * SEC, submit: mkt('b', 10) }],
    end: t(D1, '10:05'),
    orders: { b: { status: 'filled', price: 101.101, filledAt: t(D1, '10:01') } },
    expectCash: 100_000 - 1011.01,
    expectQty: 10,
  },
  {
    name: 'slippage 0: market buy fills exactly at the open',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100, 100, 100], ['10:01', 101, 102, 100, 101]]) },
    steps: [{ at: t(D1, '10:00') + 30 * SEC, submit: mkt('b', 10) }],
    end: t(D1, '10:05'),
    orders: { b: { status: 'filled', price: 101, filledAt: t(D1, '10:01') } },
    expectCash: 100_000 - 1010,
  },
  {
    name: 'market order submitted exactly at a bar start fills at that bar open',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100.5, 101, 100, 100]]) },
    steps: [{ at: t(D1, '10:00'), submit: mkt('b', 10) }],
    end: t(D1, '10:05'),
    orders: { b: { status: 'filled', price: 100.5, filledAt: t(D1, '10:00') } },
  },
  {
    name: 'market order submitted pre-market fills at the session first bar (extended-hours bars ignored)',
    minute: { AAA: minutes(D1, [['08:00', 99, 99, 99, 99], ['09:00', 98, 98, 98, 98], ['09:30', 102, 102, 101, 101]]) },
    steps: [{ at: t(D1, '08:30'), submit: mkt('b', 10) }],
    end: t(D1, '10:00'),
    orders: { b: { status: 'filled', price: 102, filledAt: t(D1, '09:30') } },
  },
  {
    name: 'market order submitted after the close fills at the next session first bar',
    minute: { AAA: [...minutes(D1, [BASE, ['15:59', 100, 100, 100, 100], ['16:30', 97, 97, 97, 97]]), ...minutes(D2, [['09:30', 103, 104, 103, 104]])] },
    steps: [{ at: t(D1, '17:00'), submit: mkt('b', 10, 'buy', 'day') }],
    end: t(D2, '10:00'),
    orders: { b: { status: 'filled', price: 103, filledAt: t(D2, '09:30') } },
  },
  {
    name: 'commission minimum applies to a small order',
    perShare: 0.005,
    min: 1,
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100, 100, 100]]) },
    steps: [{ at: t(D1, '09:45'), submit: mkt('b', 10) }],
    end: t(D1, '10:05'),
    orders: { b: { status: 'filled', price: 100, commission: 1 } },
    expectCash: 100_000 - 1000 - 1,
  },
  {
    name: 'commission per share applies above the minimum',
    perShare: 0.005,
    min: 1,
    minute: { AAA: minutes(D1, [BASE, ['10:00', 50, 50, 50, 50]]) },
    steps: [{ at: t(D1, '09:45'), submit: mkt('b', 800) }],
    end: t(D1, '10:05'),
    orders: { b: { status: 'filled', price: 50, commission: 4 } },
    expectCash: 100_000 - 40_000 - 4,
  },
  {
    name: 'bracket: gap down through the stop fills at the open (with slippage), take-profit canceled',
    slip: 10,
    minute: bracketBars([['10:01', 94, 95, 93, 94]]),
    steps: [{ at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) }],
    end: t(D1, '10:05'),
    orders: {
      e: { status: 'filled', price: 100.1 },
      tp: { status: 'canceled', updatedAt: t(D1, '10:01') },
      sl: { status: 'filled', price: 93.906, filledAt: t(D1, '10:01') },
    },
    expectCash: 100_000 - 1001 + 939.06,
    expectQty: 0,
  },
  {
    name: 'bracket: stop touched inside a bar fills at the stop (with slippage) at bar end',
    slip: 10,
    minute: bracketBars([['10:01', 97, 98, 94.5, 96]]),
    steps: [{ at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) }],
    end: t(D1, '10:05'),
    orders: { e: { status: 'filled', price: 100.1 }, tp: { status: 'canceled' }, sl: { status: 'filled', price: 94.905, filledAt: t(D1, '10:02') } },
  },
  {
    name: 'bracket: take-profit touched fills at the limit, stop canceled',
    minute: bracketBars([['10:01', 105, 110.5, 104, 109]]),
    steps: [{ at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) }],
    end: t(D1, '10:05'),
    orders: { e: { status: 'filled', price: 100 }, tp: { status: 'filled', price: 110, filledAt: t(D1, '10:02') }, sl: { status: 'canceled' } },
    expectCash: 100_000 + 100,
    expectQty: 0,
  },
  {
    name: 'bracket: gap up through the take-profit fills at the (better) open',
    slip: 10,
    minute: bracketBars([['10:01', 112, 113, 111, 112]]),
    steps: [{ at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) }],
    end: t(D1, '10:05'),
    orders: { e: { status: 'filled', price: 100.1 }, tp: { status: 'filled', price: 112, filledAt: t(D1, '10:01') }, sl: { status: 'canceled' } },
  },
  {
    name: 'bracket: both legs touched in one bar -> the stop wins, take-profit canceled',
    minute: bracketBars([['10:01', 100, 111, 94, 100]]),
    steps: [{ at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) }],
    end: t(D1, '10:05'),
    orders: { e: { status: 'filled', price: 100 }, tp: { status: 'canceled' }, sl: { status: 'filled', price: 95 } },
    expectCash: 100_000 - 50,
  },
  {
    name: 'bracket: the entry bar itself touching the stop fills the stop on that bar',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100.5, 94, 96]]) },
    steps: [{ at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) }],
    end: t(D1, '10:05'),
    orders: {
      e: { status: 'filled', price: 100, filledAt: t(D1, '10:00') },
      tp: { status: 'canceled' },
      sl: { status: 'filled', price: 95, filledAt: t(D1, '10:01') },
    },
  },
  {
    name: 'bracket: entry bar opening below the stop fills entry and stop at that open',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 90, 91, 89, 90]]) },
    steps: [{ at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) }],
    end: t(D1, '10:05'),
    orders: { e: { status: 'filled', price: 90 }, tp: { status: 'canceled' }, sl: { status: 'filled', price: 90, filledAt: t(D1, '10:00') } },
    expectCash: 100_000,
  },
  {
    name: 'bracket: legs held until the entry fills, untouched legs stay open',
    minute: bracketBars([['10:01', 101, 102, 99, 101]]),
    steps: [{ at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) }],
    end: t(D1, '10:05'),
    orders: { e: { status: 'filled', price: 100 }, tp: { status: 'new' }, sl: { status: 'new' } },
    expectQty: 10,
  },
  {
    name: 'cancel bracket parent before the entry fills cancels both legs',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100, 100, 100]]) },
    steps: [
      { at: t(D1, '09:40'), submit: bracket('e', 10, 110, 95) },
      { at: t(D1, '09:41'), cancel: 'e' },
    ],
    end: t(D1, '10:05'),
    orders: { e: { status: 'canceled', updatedAt: t(D1, '09:41') }, tp: { status: 'canceled' }, sl: { status: 'canceled' } },
    expectCash: 100_000,
    expectQty: 0,
  },
  {
    name: 'sell limit touched fills at the limit; gap up would fill at the open',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100, 100, 100], ['10:05', 104, 106, 103, 105], ['10:06', 108, 108, 108, 108]]) },
    steps: [
      { at: t(D1, '09:45'), submit: mkt('b', 20) },
      { at: t(D1, '10:01'), submit: lmt('s1', 10, 'sell', 105) },
      { at: t(D1, '10:01'), submit: lmt('s2', 10, 'sell', 107) },
    ],
    end: t(D1, '10:10'),
    orders: { s1: { status: 'filled', price: 105, filledAt: t(D1, '10:06') }, s2: { status: 'filled', price: 108, filledAt: t(D1, '10:06') } },
    expectCash: 100_000 - 2000 + 1050 + 1080,
    expectQty: 0,
  },
  {
    name: 'buy limit touched fills at the limit; gap down fills at the open',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100, 98, 99], ['10:01', 96, 97, 95, 96]]) },
    steps: [
      { at: t(D1, '09:45'), submit: lmt('b1', 10, 'buy', 98.5) },
      { at: t(D1, '09:45'), submit: lmt('b2', 10, 'buy', 97) },
    ],
    end: t(D1, '10:10'),
    orders: { b1: { status: 'filled', price: 98.5, filledAt: t(D1, '10:01') }, b2: { status: 'filled', price: 96, filledAt: t(D1, '10:01') } },
    expectQty: 20,
  },
  {
    name: 'day limit order not filled expires at the close',
    minute: { AAA: [...minutes(D1, [BASE, ['15:59', 100, 100, 99, 100]]), ...minutes(D2, [['09:30', 90, 90, 90, 90]])] },
    steps: [{ at: t(D1, '10:00'), submit: lmt('b', 10, 'buy', 95, 'day') }],
    end: t(D2, '10:00'),
    orders: { b: { status: 'expired', updatedAt: t(D1, '16:00'), price: null } },
    expectCash: 100_000,
  },
  {
    name: 'gtc limit order survives the close and fills the next session',
    minute: { AAA: [...minutes(D1, [BASE, ['15:59', 100, 100, 99, 100]]), ...minutes(D2, [['09:30', 90, 90, 90, 90]])] },
    steps: [{ at: t(D1, '10:00'), submit: lmt('b', 10, 'buy', 95, 'gtc') }],
    end: t(D2, '10:00'),
    orders: { b: { status: 'filled', price: 90, filledAt: t(D2, '09:30') } },
    expectCash: 100_000 - 900,
  },
  {
    name: 'no data for the rest of the session: a day market order expires at the close',
    minute: { AAA: minutes(D1, [BASE]) },
    steps: [{ at: t(D1, '12:00'), submit: mkt('b', 10, 'buy', 'day') }],
    end: t(D2, '12:00'),
    orders: { b: { status: 'expired', updatedAt: t(D1, '16:00') } },
    expectCash: 100_000,
  },
  {
    name: 'day order submitted after the close is eligible for (and expires at) the next session',
    minute: { AAA: [...minutes(D1, [BASE]), ...minutes(D2, [['09:30', 100, 100, 100, 100]])] },
    steps: [{ at: t(D1, '18:00'), submit: lmt('b', 10, 'buy', 95, 'day') }],
    end: t(D2, '17:00'),
    orders: { b: { status: 'expired', updatedAt: t(D2, '16:00') } },
  },
  {
    name: 'early-close session (13:00): day order expires at 13:00 and later bars are ignored',
    from: EARLY,
    to: '2026-11-30',
    minute: { AAA: minutes(EARLY, [BASE, ['12:59', 100, 100, 99, 100], ['13:30', 90, 90, 90, 90]]) },
    steps: [{ at: t(EARLY, '10:00'), submit: lmt('b', 10, 'buy', 95, 'day') }],
    end: t(EARLY, '15:00'),
    orders: { b: { status: 'expired', updatedAt: t(EARLY, '13:00') } },
    expectCash: 100_000,
  },
  {
    name: 'daily bars: market order mid-session fills at that session close; stop touched on a later day',
    daily: { AAA: [dailyBar(sess('2026-05-29'), 100, 100, 100, 100), dailyBar(sess(D1), 100, 101, 99, 100.5), dailyBar(sess(D2), 102, 103, 94, 96)] },
    steps: [{ at: t(D1, '11:00'), submit: bracket('e', 10, 110, 95) }],
    end: t(D2, '16:00'),
    orders: {
      e: { status: 'filled', price: 100.5, filledAt: t(D1, '16:00') },
      tp: { status: 'canceled' },
      sl: { status: 'filled', price: 95, filledAt: t(D2, '16:00') },
    },
  },
  {
    name: 'market sell of a position realizes the P&L into cash',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100, 100, 100], ['11:00', 110, 110, 110, 110]]) },
    steps: [
      { at: t(D1, '09:45'), submit: mkt('b', 10) },
      { at: t(D1, '10:30'), submit: mkt('s', 10, 'sell') },
    ],
    end: t(D1, '12:00'),
    orders: { b: { status: 'filled', price: 100 }, s: { status: 'filled', price: 110 } },
    expectCash: 100_100,
    expectQty: 0,
  },
  // ---- rejections at submit ----
  ...(
    [
      ['qty 0', mkt('x', 0), 'rejected', 422, 'qty must be > 0'],
      ['negative qty', mkt('x', -5), 'rejected', 422, 'qty must be > 0'],
      ['fractional qty 1.5', mkt('x', 1.5), 'rejected', 422, 'whole number'],
      ['bracket stop at the entry price', bracket('x', 10, 110, 100), 'rejected', 422, 'stop_loss.stop_price must be <= base_price - 0.01'],
      ['bracket stop above the entry price', bracket('x', 10, 110, 101), 'rejected', 422, 'stop_loss.stop_price must be <= base_price - 0.01'],
      ['bracket take-profit at the entry price', bracket('x', 10, 100, 95), 'rejected', 422, 'take_profit.limit_price must be >= base_price + 0.01'],
      ['bracket take-profit below the entry price', bracket('x', 10, 99, 95), 'rejected', 422, 'take_profit.limit_price must be >= base_price + 0.01'],
      ['sub-penny limit 10.123', lmt('x', 10, 'buy', 10.123), 'rejected', 422, 'sub-penny increment does not fulfill minimum pricing criteria'],
      ['under-$1 limit with 5 decimals', lmt('x', 10, 'buy', 0.12345), 'rejected', 422, 'sub-penny increment'],
      ['bracket with a sub-penny stop', bracket('x', 10, 110, 95.005), 'rejected', 422, 'sub-penny increment'],
      ['non-positive limit price', lmt('x', 10, 'buy', 0), 'rejected', 422, 'limit_price must be > 0'],
      ['insufficient buying power', mkt('x', 1001), 'insufficient_buying_power', 403, 'insufficient buying power'],
      ['unknown symbol', { ...mkt('x', 1), symbol: 'NOPE' }, 'rejected', 422, 'asset "NOPE" not found'],
      ['selling more than held (nothing held)', mkt('x', 5, 'sell'), 'insufficient_qty', 403, 'insufficient qty available for order (requested: 5, available: 0)'],
      ['bracket on a sell', { ...bracket('x', 10, 110, 95), side: 'sell' }, 'rejected', 422, 'bracket orders must be buy orders'],
      ['bracket without a stop', { ...mkt('x', 10), orderClass: 'bracket', takeProfit: { limitPrice: 110 } }, 'rejected', 422, 'bracket orders require both'],
    ] as const
  ).map(
    ([what, req, code, status, message]): Scenario => ({
      name: `rejects ${what}`,
      minute: { AAA: minutes(D1, [BASE]) },
      steps: [{ at: t(D1, '10:00'), submit: req as OrderRequest, error: { code, status, message } }],
      end: t(D1, '10:30'),
      expectCash: 100_000,
    }),
  ),
  {
    name: 'rejects a $1 limit order exactly at $1.0001 (sub-penny at >= $1) but accepts $0.9999',
    minute: { AAA: minutes(D1, [BASE]) },
    steps: [
      { at: t(D1, '10:00'), submit: lmt('x', 10, 'buy', 1.0001), error: { code: 'rejected', status: 422, message: 'sub-penny' } },
      { at: t(D1, '10:00'), submit: lmt('ok', 10, 'buy', 0.9999, 'gtc') },
    ],
    end: t(D1, '10:30'),
    orders: { ok: { status: 'new' } },
  },
  {
    name: 'rejects a duplicate client order id',
    minute: { AAA: minutes(D1, [BASE]) },
    steps: [
      { at: t(D1, '10:00'), submit: lmt('dup', 1, 'buy', 90) },
      { at: t(D1, '10:01'), submit: lmt('dup', 1, 'buy', 91), error: { code: 'duplicate_client_order_id', status: 422, message: 'client_order_id must be unique' } },
    ],
    end: t(D1, '10:30'),
    orders: { dup: { status: 'new' } },
  },
  {
    name: 'rejects selling qty held by bracket legs (cancel the legs first, as on Alpaca)',
    minute: bracketBars([['10:01', 101, 102, 99, 101]]),
    steps: [
      { at: t(D1, '09:45'), submit: bracket('e', 10, 110, 95) },
      { at: t(D1, '10:30'), submit: mkt('s', 10, 'sell'), error: { code: 'insufficient_qty', status: 403, message: 'insufficient qty available for order (requested: 10, available: 0)' } },
    ],
    end: t(D1, '11:00'),
    orders: { e: { status: 'filled' }, tp: { status: 'new' }, sl: { status: 'new' } },
    expectQty: 10,
  },
  {
    name: 'rejects selling more than held',
    minute: { AAA: minutes(D1, [BASE, ['10:00', 100, 100, 100, 100]]) },
    steps: [
      { at: t(D1, '09:45'), submit: mkt('b', 10) },
      { at: t(D1, '10:30'), submit: mkt('s', 11, 'sell'), error: { code: 'insufficient_qty', status: 403, message: '(requested: 11, available: 10)' } },
    ],
    end: t(D1, '11:00'),
    expectQty: 10,
  },
  {
    name: 'buying power counts cash reserved by open buy orders',
    minute: { AAA: minutes(D1, [BASE]) },
    steps: [
      { at: t(D1, '10:00'), submit: lmt('b1', 600, 'buy', 99, 'gtc') },
      { at: t(D1, '10:00'), submit: mkt('b2', 500), error: { code: 'insufficient_buying_power', status: 403, message: 'insufficient buying power' } },
    ],
    end: t(D1, '10:30'),
    orders: { b1: { status: 'new' } },
  },
];

async function run(sc: Scenario) {
  const sessions = nyseSessions(sc.from ?? D1, sc.to ?? '2026-06-05');
  const toMap = (r: Readonly<Record<string, readonly Bar[]>> | undefined) => new Map(Object.entries(r ?? {}));
  const feed = createArrayFeed({ sessions, ...(sc.minute ? { minute: toMap(sc.minute) } : {}), ...(sc.daily ? { daily: toMap(sc.daily) } : {}) });
  const clock = createSimClock(Math.min(sc.steps[0]?.at ?? sc.end, sc.end));
  const broker = createSimBroker({
    feed,
    clock,
    startingCash: sc.cash ?? 100_000,
    slippageBps: sc.slip ?? 0,
    commissionPerShare: sc.perShare ?? 0,
    commissionMin: sc.min ?? 0,
  });
  for (const step of sc.steps) {
    clock.set(step.at);
    if (step.submit) {
      if (step.error) {
        const err = await broker.submitOrder(step.submit).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err, `expected ${step.submit.clientOrderId} to be rejected`).toBeInstanceOf(BrokerError);
        const be = err as BrokerError;
        expect({ code: be.code, status: be.status, retryable: be.retryable }).toEqual({ code: step.error.code, status: step.error.status, retryable: false });
        expect(be.message).toContain(step.error.message);
      } else await broker.submitOrder(step.submit);
    }
    if (step.cancel) {
      const o = await broker.getOrderByClientId(step.cancel);
      await broker.cancelOrder(o!.id);
    }
  }
  clock.set(sc.end);
  return broker;
}

function check(actual: { status: OrderStatus; filledAvgPrice: number | null; filledAt: number | null; updatedAt: number; commission: number }, exp: OrderExpect, label: string) {
  expect(actual.status, `${label} status`).toBe(exp.status);
  if (exp.price === null) expect(actual.filledAvgPrice, `${label} price`).toBeNull();
  else if (exp.price !== undefined) expect(actual.filledAvgPrice, `${label} price`).toBeCloseTo(exp.price, 6);
  if (exp.filledAt !== undefined) expect(actual.filledAt, `${label} filledAt`).toBe(exp.filledAt);
  if (exp.updatedAt !== undefined) expect(actual.updatedAt, `${label} updatedAt`).toBe(exp.updatedAt);
  if (exp.commission !== undefined) expect(actual.commission, `${label} commission`).toBeCloseTo(exp.commission, 6);
}

describe('sim fill model scenarios', () => {
  it('has a table of at least 20 scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length);
  });

  it.each(scenarios.map((s) => [s.name, s] as const))('%s', async (_name, sc) => {
    const broker = await run(sc);
    const orders = sc.orders ?? {};
    let parentCoid: string | undefined;
    for (const [coid, exp] of Object.entries(orders)) {
      if (coid === 'tp' || coid === 'sl') continue;
      const o = await broker.getOrderByClientId(coid);
      expect(o, coid).not.toBeNull();
      check(o!, exp, coid);
      if (o!.orderClass === 'bracket') parentCoid = coid;
    }
    if (orders.tp || orders.sl) {
      const parent = await broker.getOrderByClientId(parentCoid ?? 'e');
      const tp = parent!.legs.find((l) => l.legKind === 'take_profit')!;
      const sl = parent!.legs.find((l) => l.legKind === 'stop_loss')!;
      expect(tp.type).toBe('limit');
      expect(sl.type).toBe('stop');
      expect(tp.parentId).toBe(parent!.id);
      if (orders.tp) check(tp, orders.tp, 'take_profit');
      if (orders.sl) check(sl, orders.sl, 'stop_loss');
    }
    const account = await broker.getAccount();
    if (sc.expectCash !== undefined) expect(account.cash).toBeCloseTo(sc.expectCash, 2);
    expect(account.cash).toBeGreaterThanOrEqual(0);
    if (sc.expectQty !== undefined) {
      const pos = (await broker.getPositions()).find((p) => p.symbol === 'AAA');
      expect(pos?.qty ?? 0).toBe(sc.expectQty);
    }
  });
});

describe('fill-model pure rules', () => {
  const bar: Bar = { t: 0, end: 60_000, o: 100, h: 105, l: 95, c: 101, v: 1 };
  it('prices', () => {
    expect(slipped(100, 'buy', 10)).toBe(100.1);
    expect(slipped(100, 'sell', 10)).toBe(99.9);
    expect(openFillPrice('market', 'buy', NaN, NaN, bar, 0)).toBe(100);
    expect(openFillPrice('stop', 'sell', NaN, 101, bar, 0)).toBe(100);
    expect(openFillPrice('stop', 'sell', NaN, 99, bar, 0)).toBeNaN();
    expect(rangeFillPrice('stop', 'sell', NaN, 99, bar, 0)).toBe(99);
    expect(openFillPrice('limit', 'sell', 99, NaN, bar, 0)).toBe(100);
    expect(rangeFillPrice('limit', 'sell', 104, NaN, bar, 10)).toBe(104);
    expect(rangeFillPrice('limit', 'buy', 94, NaN, bar, 0)).toBeNaN();
    expect(rangeFillPrice('market', 'buy', NaN, NaN, bar, 0)).toBeNaN();
  });
  it('commission and ticks', () => {
    expect(commissionFor(10, 0, 0)).toBe(0);
    expect(commissionFor(10, 0.005, 1)).toBe(1);
    expect(commissionFor(1000, 0.005, 1)).toBe(5);
    expect(commissionFor(10, 0, 1)).toBe(1);
    expect(isValidTick(10.12)).toBe(true);
    expect(isValidTick(10.123)).toBe(false);
    expect(isValidTick(0.1234)).toBe(true);
    expect(isValidTick(0.12345)).toBe(false);
    expect(isValidTick(1.0001)).toBe(false);
  });
});
