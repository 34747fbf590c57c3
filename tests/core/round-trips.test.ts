import { describe, expect, it } from 'vitest';
import { matchFifo, winRate, type FifoFill } from '../../src/core/round-trips.js';

const f = (side: 'buy' | 'sell', qty: number, price: number, commission = 0, symbol = 'AAA'): FifoFill & { id: string } => ({
  id: `${symbol}-${side}-${qty}-${price}`,
  symbol,
  side,
  qty,
  price,
  commission,
});

describe('matchFifo', () => {
  it('closes the oldest lots first, nets both sides commissions per share, and keeps the remainder open', () => {
    const b1 = f('buy', 10, 100, 1); // 0.10 a share
    const b2 = f('buy', 10, 110, 2); // 0.20 a share
    const s1 = f('sell', 15, 120, 3); // 0.20 a share
    const r = matchFifo([b1, b2, s1]);
    const cents = (x: number) => Math.round(x * 100) / 100;
    expect(r.trips.map((t) => [t.qty, t.entry.price, t.exit.price, cents(t.fees), cents(t.pnl)])).toEqual([
      [10, 100, 120, 3, 197], // 10 x 20 - 10 x (0.1 + 0.2)
      [5, 110, 120, 2, 48], // 5 x 10 - 5 x (0.2 + 0.2)
    ]);
    expect(r.trips[0]!.entry).toBe(b1);
    expect(r.trips[1]!.exit).toBe(s1);
    expect(r.open.get('AAA')?.map((l) => [l.entry, l.qty, l.feePerShare])).toEqual([[b2, 5, 0.2]]);
    expect(r.unmatched.size).toBe(0);
  });

  it('counts sold shares with no open buy as unmatched, per symbol, and drops symbols with no open lot', () => {
    const r = matchFifo([f('buy', 5, 50), f('sell', 8, 40, 0), f('sell', 2, 10, 0, 'BBB'), f('buy', 3, 20, 0, 'BBB')]);
    expect(r.trips.map((t) => [t.symbol, t.qty, t.pnl])).toEqual([['AAA', 5, -50]]);
    expect([...r.unmatched]).toEqual([
      ['AAA', 3],
      ['BBB', 2],
    ]);
    expect([...r.open.keys()]).toEqual(['BBB']);
  });

  it('matches symbols independently, in the order given', () => {
    const r = matchFifo([f('buy', 1, 10, 0, 'AAA'), f('buy', 1, 20, 0, 'BBB'), f('sell', 1, 25, 0, 'BBB'), f('sell', 1, 5, 0, 'AAA')]);
    expect(r.trips.map((t) => [t.symbol, t.pnl])).toEqual([
      ['BBB', 5],
      ['AAA', -5],
    ]);
    expect(r.open.size).toBe(0);
  });

  it('closes fractional lots whose float remainder is dust', () => {
    // 0.3 - 0.1 leaves 0.19999999999999998 to close a 0.2 lot: without a tolerance a 2.8e-17 lot would stay open.
    const r = matchFifo([f('buy', 0.1, 10), f('buy', 0.2, 10), f('sell', 0.3, 11)]);
    expect(r.trips).toHaveLength(2);
    expect(r.open.size).toBe(0);
    expect(r.unmatched.size).toBe(0);
  });

  it('skips fills without a positive finite quantity or a finite price', () => {
    const r = matchFifo([f('buy', 0, 10, 1), f('buy', Number.NaN, 10), f('buy', 2, Number.NaN), f('buy', 1, 10), f('sell', -1, 12), f('sell', 1, 12)]);
    expect(r.trips.map((t) => [t.qty, t.pnl])).toEqual([[1, 2]]);
    expect(r.open.size).toBe(0);
  });
});

describe('winRate', () => {
  it('is winners over trips, null without trips', () => {
    expect(winRate([])).toBeNull();
    expect(winRate([{ pnl: 1 }, { pnl: 0 }, { pnl: -1 }, { pnl: 3 }])).toBe(0.5);
  });
});
