import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bracketPrices, buyQuantity, clientOrderId, roundToTick, tickSize } from '../../src/core/orders.js';

const S = { atrStopMult: 2, atrTpMult: 3 };
const none = { stop_loss: null, take_profit: null };

describe('order math', () => {
  it.each([
    [10.126, 'nearest', 10.13],
    [10.124, 'nearest', 10.12],
    [10.129, 'down', 10.12],
    [10.121, 'up', 10.13],
    [10.1, 'nearest', 10.1],
    [0.51237, 'nearest', 0.5124],
    [0.51237, 'down', 0.5123],
    [0.99999, 'nearest', 1],
  ] as const)('roundToTick(%s, %s) = %s', (p, dir, want) => {
    expect(roundToTick(p, dir)).toBe(want);
  });

  it('tick is a cent at or above $1 and 1/100 cent below', () => {
    expect(tickSize(1)).toBe(0.01);
    expect(tickSize(0.9999)).toBe(0.0001);
  });

  it('quantity is floor(size x equity / price), 0 when it buys nothing', () => {
    expect(buyQuantity(0.1, 100_000, 333)).toBe(30);
    expect(buyQuantity(0.01, 1000, 50)).toBe(0);
    expect(buyQuantity(0.1, 100_000, 0)).toBe(0);
    expect(buyQuantity(-0.1, 100_000, 10)).toBe(0);
    expect(buyQuantity(0.3, 1000, 100)).toBe(3); // 3.0000000000000004 float noise does not lose a share
  });

  it('ATR brackets are rounded to ticks on the right side', () => {
    const b = bracketPrices(100.003, 1.2345, none, S);
    expect(b).toMatchObject({ ok: true, stopLoss: 97.53, takeProfit: 103.71, source: { stop: 'atr', tp: 'atr' } });
  });

  it('uses the decision levels when they are on the right side, ATR otherwise', () => {
    expect(bracketPrices(100, 1, { stop_loss: 95.555, take_profit: 110 }, S)).toMatchObject({ ok: true, stopLoss: 95.55, takeProfit: 110, source: { stop: 'decision', tp: 'decision' } });
    expect(bracketPrices(100, 1, { stop_loss: 101, take_profit: 99 }, S)).toMatchObject({ ok: true, stopLoss: 98, takeProfit: 103, source: { stop: 'atr', tp: 'atr' } });
  });

  it('clamps: stop at least a tick below, positive; take-profit at least a tick above', () => {
    expect(bracketPrices(100, 0.0001, none, S)).toMatchObject({ ok: true, stopLoss: 99.99, takeProfit: 100.01 });
    expect(bracketPrices(2, 5, none, S)).toMatchObject({ ok: true, stopLoss: 0.01 });
    expect(bracketPrices(0.5, 0.00001, none, S)).toMatchObject({ ok: true, stopLoss: 0.4999, takeProfit: 0.5001 });
  });

  it('refuses without ATR or levels, and for a bad reference price', () => {
    expect(bracketPrices(100, null, none, S).ok).toBe(false);
    expect(bracketPrices(0, 1, none, S).ok).toBe(false);
    expect(bracketPrices(Number.NaN, 1, none, S).ok).toBe(false);
  });

  it('property: stops positive, below entry, on ticks; take-profit above entry, on ticks', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 5000, noNaN: true }), fc.double({ min: 0.0001, max: 500, noNaN: true }), (ref, atr) => {
        const b = bracketPrices(ref, atr, none, S);
        if (!b.ok) return true;
        const tick = (p: number) => Math.abs(p / tickSize(p) - Math.round(p / tickSize(p))) < 1e-6;
        return b.stopLoss > 0 && b.stopLoss < ref && b.takeProfit > ref && tick(b.stopLoss) && tick(b.takeProfit);
      }),
    );
  });

  it('property: quantity is a non-negative integer within the notional', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 1, max: 1e7, noNaN: true }), fc.double({ min: 0.01, max: 1e4, noNaN: true }), (s, eq, px) => {
        const q = buyQuantity(s, eq, px);
        return Number.isInteger(q) && q >= 0 && q * px <= s * eq * (1 + 1e-9);
      }),
    );
  });

  it('client order ids are deterministic per (cycle, symbol, intent)', () => {
    expect(clientOrderId('c20261120T1500Z', 'AAPL', 'buy')).toBe('lt-c20261120T1500Z-AAPL-buy');
    expect(clientOrderId('c1', 'AAPL', 'buy')).not.toBe(clientOrderId('c1', 'AAPL', 'sell'));
  });
});
