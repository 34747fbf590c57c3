import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bracketPrices, buyQuantity, roundToTick } from '../../src/core/orders.js';
import { DEFAULT_RISK_POLICY, type RiskPolicy } from '../../src/core/risk/policy.js';
import { approvedNotional, validateDecision } from '../../src/core/risk/validate.js';
import { sizeBuy, type SizingInput, type SizingLimits } from '../../src/core/sizing.js';
import { decision, regime, snapshot } from '../helpers/builders.js';

const money = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const frac = fc.double({ min: 0, max: 1, noNaN: true });
const REL = 1e-9;

const limitsArb: fc.Arbitrary<SizingLimits> = fc.record({
  maxSizePct: frac,
  maxNotional: money(0, 1e6),
  minCashReservePct: fc.double({ min: 0, max: 0.5, noNaN: true }),
  maxOrderPctOfCash: frac,
  volAtrPctHigh: fc.double({ min: 0.001, max: 0.2, noNaN: true }),
  volSizeFactor: frac,
  maxPositionPct: frac,
  maxSectorPct: frac,
  maxUnknownSectorPct: frac,
});

const inputArb: fc.Arbitrary<SizingInput> = fc.record({
  equity: money(1, 1e7),
  cash: money(0, 1e7),
  price: fc.oneof(money(0.0001, 1), money(1, 5000)),
  requestedPct: fc.oneof(frac, money(-1, 5)),
  positionValue: fc.oneof(fc.constant(0), money(0, 1e6)),
  atrPct: fc.option(fc.double({ min: 0, max: 0.5, noNaN: true }), { nil: null }),
  bearish: fc.boolean(),
  sector: fc.option(fc.constantFrom('Energy', 'Information Technology'), { nil: null }),
  sectorNotional: money(0, 1e6),
  notionalApproved: money(0, 1e6),
});

/** Every dollar cap the sizing applies, given its inputs (the BUY may use at most the smallest). */
function caps(i: SizingInput, l: SizingLimits): Record<string, number> {
  const available = Math.max(0, i.cash - i.notionalApproved);
  const out: Record<string, number> = {
    requested: Math.max(0, i.requestedPct) * i.equity,
    maxSizePct: l.maxSizePct * i.equity,
    maxNotional: l.maxNotional,
    cashReserve: available - l.minCashReservePct * i.equity,
    fatFinger: l.maxOrderPctOfCash * available,
    sector: (i.sector === null ? l.maxUnknownSectorPct : l.maxSectorPct) * i.equity - i.sectorNotional,
  };
  if (i.positionValue > 0) out.position = l.maxPositionPct * i.equity - i.positionValue;
  return out;
}

describe('sizing properties', () => {
  it('quantity is a non-negative integer and the order notional never exceeds any cap', () => {
    fc.assert(
      fc.property(inputArb, limitsArb, (i, l) => {
        const r = sizeBuy(i, l);
        expect(Number.isInteger(r.qty)).toBe(true);
        expect(r.qty).toBeGreaterThanOrEqual(0);
        expect(r.sizePct).toBeGreaterThanOrEqual(0);
        // The execute step derives the quantity from size_pct: it must be the same.
        expect(buyQuantity(r.sizePct, i.equity, i.price)).toBe(r.qty);
        const notional = r.qty * i.price;
        for (const [name, cap] of Object.entries(caps(i, l))) {
          expect(notional, name).toBeLessThanOrEqual(Math.max(0, cap) * (1 + REL) + 1e-9);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('the same holds end to end through validateDecision and the execute arithmetic', () => {
    const ctxArb = fc.record({
      equity: money(1_000, 1e7),
      cashFrac: frac,
      price: money(1, 2000),
      size: frac,
      atr: money(0.01, 200),
      bearish: fc.boolean(),
      approved: money(0, 1e5),
      policy: limitsArb,
    });
    fc.assert(
      fc.property(ctxArb, (x) => {
        const cash = x.equity * x.cashFrac;
        const p: RiskPolicy = { ...DEFAULT_RISK_POLICY, ...x.policy, dailyTargetPct: 0 };
        const s = snapshot({
          price: x.price,
          account: { equity: x.equity, cash, buying_power: cash, day_pl: 0 },
          indicators: { ...snapshot().indicators, atr14: x.atr },
          market_regime: regime({ direction: x.bearish ? 'bearish' : 'neutral' }),
        });
        const out = validateDecision(decision({ size_pct: x.size, confidence: 0.9 }), { snapshot: s, lastEquity: x.equity, buysApproved: 0, notionalApproved: x.approved }, p);
        if (out.kind !== 'approved') {
          expect(out.final.action).toBe('HOLD');
          return;
        }
        const qty = buyQuantity(out.final.size_pct, x.equity, x.price);
        expect(Number.isInteger(qty) && qty >= 0).toBe(true);
        const n = qty * x.price;
        expect(n).toBeCloseTo(approvedNotional(out.final, s), 6);
        const available = Math.max(0, cash - x.approved);
        expect(n).toBeLessThanOrEqual(p.maxSizePct * x.equity * (1 + REL) + 1e-9);
        expect(n).toBeLessThanOrEqual(p.maxNotional * (1 + REL) + 1e-9);
        expect(n).toBeLessThanOrEqual(Math.max(0, p.maxOrderPctOfCash * available) * (1 + REL) + 1e-9);
        expect(n).toBeLessThanOrEqual(Math.max(0, available - p.minCashReservePct * x.equity) * (1 + REL) + 1e-9);
      }),
      { numRuns: 2000 },
    );
  });

  it('stops are positive, below the entry, and on valid ticks; take-profits above', () => {
    fc.assert(
      fc.property(
        fc.oneof(money(0.01, 1), money(1, 5000)),
        fc.option(money(0.0001, 500), { nil: null }),
        fc.option(money(-100, 6000), { nil: null }),
        fc.option(money(-100, 6000), { nil: null }),
        fc.double({ min: 0.1, max: 20, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (ref, atr, stop, tp, sm, tm) => {
          const r = bracketPrices(ref, atr, { stop_loss: stop, take_profit: tp }, { atrStopMult: sm, atrTpMult: tm });
          if (!r.ok) return;
          expect(r.stopLoss).toBeGreaterThan(0);
          expect(r.stopLoss).toBeLessThan(ref);
          expect(r.takeProfit).toBeGreaterThan(ref);
          expect(roundToTick(r.stopLoss)).toBe(r.stopLoss);
          expect(roundToTick(r.takeProfit)).toBe(r.takeProfit);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
