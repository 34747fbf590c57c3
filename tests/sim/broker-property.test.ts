import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimBroker } from '../../src/adapters/sim/broker.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed } from '../../src/adapters/sim/feed.js';
import { roundToTick } from '../../src/core/orders.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { Order, OrderRequest } from '../../src/domain/broker.js';
import { BrokerError } from '../../src/domain/errors.js';
import type { Bar } from '../../src/domain/market.js';

/**
 * No money is created: over random bar paths (gaps included) and random order sequences,
 * cash and quantities never go negative, and equity == starting cash + realized P&L +
 * unrealized P&L - commissions, where realized is replayed from the fills (average cost).
 */

const DATES = ['2026-06-01', '2026-06-02', '2026-06-03'];
const BARS_PER_SESSION = 40; // 09:30 .. 10:10 each day: short sessions keep runs fast

const stepArb = fc.record({ ret: fc.double({ min: -0.04, max: 0.04, noNaN: true }), gap: fc.boolean(), wick: fc.double({ min: 0, max: 0.02, noNaN: true }) });

const opArb = fc.record({
  dtMin: fc.integer({ min: 0, max: 200 }),
  kind: fc.constantFrom('market_buy', 'limit_buy', 'bracket', 'market_sell', 'limit_sell', 'cancel'),
  qty: fc.integer({ min: 1, max: 60 }),
  tif: fc.constantFrom('day', 'gtc'),
  a: fc.double({ min: 0.002, max: 0.08, noNaN: true }),
  b: fc.double({ min: 0.002, max: 0.08, noNaN: true }),
  pick: fc.nat(),
});

function buildBars(steps: readonly { ret: number; gap: boolean; wick: number }[]): Bar[] {
  const out: Bar[] = [];
  let price = 50;
  let k = 0;
  for (const date of DATES) {
    const open = nyTime(date, '09:30');
    for (let i = 0; i < BARS_PER_SESSION; i++) {
      const s = steps[k++ % steps.length]!;
      const o = Math.max(1, roundToTick(s.gap ? price * (1 + 3 * s.ret) : price));
      const c = Math.max(1, roundToTick(o * (1 + s.ret)));
      const h = roundToTick(Math.max(o, c) * (1 + s.wick));
      const l = Math.max(0.5, roundToTick(Math.min(o, c) * (1 - s.wick)));
      const t = open + i * 60_000;
      out.push({ t, end: t + 60_000, o, h, l, c, v: 1000 });
      price = c;
    }
  }
  return out;
}

/** Realized P&L and commissions replayed from fills in fill order (average cost). */
function replay(orders: readonly Order[]) {
  const fills = orders.filter((o) => o.status === 'filled').sort((x, y) => x.filledAt! - y.filledAt! || (x.id < y.id ? -1 : 1));
  let qty = 0;
  let avg = 0;
  let realized = 0;
  let commissions = 0;
  let bought = 0;
  let sold = 0;
  for (const f of fills) {
    const p = f.filledAvgPrice!;
    commissions += f.commission;
    if (f.side === 'buy') {
      avg = (qty * avg + f.filledQty * p) / (qty + f.filledQty);
      qty += f.filledQty;
      bought += f.filledQty * p;
    } else {
      realized += f.filledQty * (p - avg);
      qty -= f.filledQty;
      sold += f.filledQty * p;
    }
  }
  const distinctTimes = new Set(fills.map((f) => f.filledAt)).size === fills.length;
  return { realized, commissions, qty, bought, sold, distinctTimes };
}

describe('sim broker: no money is created', () => {
  it('cash and qty never negative; equity == start + realized + unrealized - commissions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 5, maxLength: 60 }),
        fc.array(opArb, { minLength: 1, maxLength: 25 }),
        fc.constantFrom(0, 5, 25),
        fc.constantFrom([0, 0] as const, [0.005, 1] as const),
        async (steps, ops, slippageBps, [commissionPerShare, commissionMin]) => {
          const bars = buildBars(steps);
          const feed = createArrayFeed({ minute: new Map([['AAA', bars]]), sessions: nyseSessions(DATES[0]!, '2026-06-05') });
          const clock = createSimClock(nyTime(DATES[0]!, '09:35'));
          const START = 20_000;
          const broker = createSimBroker({ feed, clock, startingCash: START, slippageBps, commissionPerShare, commissionMin });
          let n = 0;
          for (const op of ops) {
            clock.set(clock.now() + op.dtMin * 60_000);
            const last = feed.lastBarAt('AAA', clock.now())?.c ?? 50;
            const id = `p-${n++}`;
            let req: OrderRequest | null = null;
            const pos = (await broker.getPositions()).find((p) => p.symbol === 'AAA');
            switch (op.kind) {
              case 'market_buy':
                req = { clientOrderId: id, symbol: 'AAA', side: 'buy', qty: op.qty, type: 'market', timeInForce: op.tif };
                break;
              case 'limit_buy':
                req = { clientOrderId: id, symbol: 'AAA', side: 'buy', qty: op.qty, type: 'limit', limitPrice: roundToTick(last * (1 - op.a)), timeInForce: op.tif };
                break;
              case 'bracket':
                req = {
                  clientOrderId: id,
                  symbol: 'AAA',
                  side: 'buy',
                  qty: op.qty,
                  type: 'market',
                  timeInForce: 'gtc',
                  orderClass: 'bracket',
                  takeProfit: { limitPrice: roundToTick(last * (1 + op.a), 'up') + 0.01 },
                  stopLoss: { stopPrice: roundToTick(last * (1 - op.b), 'down') - 0.01 },
                };
                break;
              case 'market_sell':
                req = { clientOrderId: id, symbol: 'AAA', side: 'sell', qty: Math.min(op.qty, pos?.qty ?? op.qty), type: 'market', timeInForce: op.tif };
                break;
              case 'limit_sell':
                req = { clientOrderId: id, symbol: 'AAA', side: 'sell', qty: Math.min(op.qty, pos?.qty ?? op.qty), type: 'limit', limitPrice: roundToTick(last * (1 + op.a)), timeInForce: op.tif };
                break;
              case 'cancel': {
                const open = await broker.getOpenOrders();
                const o = open[op.pick % Math.max(1, open.length)];
                if (o) await broker.cancelOrder(o.id);
                break;
              }
            }
            if (req) {
              try {
                await broker.submitOrder(req);
              } catch (e) {
                if (!(e instanceof BrokerError) || e.retryable) throw e;
              }
            }
            await checkInvariants();
          }
          clock.set(nyTime('2026-06-05', '17:00'));
          await checkInvariants();

          async function checkInvariants() {
            const a = await broker.getAccount();
            const positions = await broker.getPositions();
            const orders = [...(await broker.listClosedOrders(0)), ...(await broker.getOpenOrders())];
            expect(a.cash).toBeGreaterThanOrEqual(0);
            expect(a.buyingPower).toBeGreaterThanOrEqual(0);
            for (const p of positions) {
              expect(p.qty).toBeGreaterThan(0);
              expect(Number.isInteger(p.qty)).toBe(true);
            }
            const r = replay(orders);
            const held = positions.find((p) => p.symbol === 'AAA')?.qty ?? 0;
            expect(held).toBe(r.qty);
            // Cash is the fills' arithmetic, whatever order same-bar fills took: start - buys + sells - commissions.
            expect(Math.abs(a.cash - (START - r.bought + r.sold - r.commissions))).toBeLessThan(0.01);
            // Equity is cash plus what is held at the mark.
            const marketValue = positions.reduce((s, p) => s + p.marketValue, 0);
            expect(Math.abs(a.equity - (a.cash + marketValue))).toBeLessThan(0.01 * (positions.length + 1));
            const unrealized = positions.reduce((s, p) => s + p.unrealizedPl, 0);
            // Average-cost P&L depends on the order of fills; when two fills share a bar the broker's
            // sequence is not visible in the orders (a take-profit leg and a new limit buy filling in
            // the same minute), so the realized/unrealized split is checked only when fill times are distinct.
            // Tolerance: Account/Position money is rounded to cents at the edge.
            if (r.distinctTimes) expect(Math.abs(a.equity - (START + r.realized + unrealized - r.commissions))).toBeLessThan(0.05);
            for (const o of orders) {
              if (o.status === 'filled') expect(o.filledQty).toBe(o.qty);
              else expect(o.filledQty).toBe(0);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
