import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { computeOutcomes, type DailyBook } from '../../src/core/outcomes.js';
import { decisionOutcomes } from '../../src/core/review/metrics.js';
import type { Closes, ReviewDecision } from '../../src/core/review/types.js';
import { nyTime } from '../../src/core/time/ny.js';

// Thanksgiving week 2026: Thursday 26 Nov is a holiday, Friday 27 an early close.
const sessions = nyseSessions('2026-11-20', '2026-12-11');
const dates = sessions.map((s) => s.date);
const closes: Closes = new Map([
  ['SPY', new Map(dates.map((d, i) => [d, 400 + 3 * i]))],
  ['AAA', new Map(dates.map((d, i) => [d, 100 + i * i * 0.5]))],
]);
const book: DailyBook = new Map([...closes].map(([s, m]) => [s, new Map([...m].map(([d, c]) => [d, { c }]))]));
const dataAsOf = sessions.find((s) => s.date === '2026-12-11')!.close;

const row = (id: string, asOf: number, over: Partial<ReviewDecision> = {}): ReviewDecision => ({
  id, cycleId: `c-${id}`, symbol: 'AAA', asOf, brain: 'rules', modelAction: 'BUY', action: 'BUY', strategy: 's', confidence: 0.7, sizePct: 5,
  price: 99, equity: null, startEquity: null, investedPct: null, overrides: [], parseFallback: null, costUsd: 0, executeStatus: null, qty: null,
  rationale: '', promptVersion: null, automation: null, source: 'sqlite', ...over,
});

describe('weekly review decision outcomes', () => {
  // Intraday with SPY priced in the same cycle; after the close; before the open; on the holiday.
  const ds = [
    row('intraday', nyTime('2026-11-23', '10:00')),
    row('after-close', nyTime('2026-11-24', '16:30')),
    row('pre-open', nyTime('2026-11-25', '08:00')),
    row('holiday', nyTime('2026-11-26', '12:00')),
  ];
  const spyRow = row('spy', nyTime('2026-11-23', '10:00'), { symbol: 'SPY', cycleId: 'c-intraday', price: 401.5 });

  it('are the scoreboard outcomes of the same decisions: one anchoring, one benchmark span', () => {
    const review = decisionOutcomes({ sessions, closes, benchmark: 'SPY', dataAsOf, benchmarkRows: [spyRow] }, ds);
    const board = computeOutcomes({
      decisions: ds.map((d) => ({ tradeId: d.id, symbol: d.symbol, action: d.action, strategy: d.strategy, confidence: d.confidence, brain: d.brain, asOf: d.asOf, price: d.price, benchmarkPrice: d.id === 'intraday' ? 401.5 : null })),
      sessions,
      bars: book,
      asOf: dataAsOf,
      horizons: [1, 5],
    });
    expect(board.unscored).toEqual([]);
    for (const d of ds) {
      const o = review.get(d.id)!;
      for (const [k, h] of [[0, 1], [1, 5]] as const) {
        const s = board.scored.find((x) => x.tradeId === d.id && x.horizonDays === h)!;
        expect(o.r[k], `${d.id} r${h}`).toBeCloseTo(s.ret, 12);
        expect(o.e[k], `${d.id} e${h}`).toBeCloseTo(s.excess, 12);
        expect(o.pending[k]).toBe(false);
      }
    }
    // Spot checks by hand: the holiday decision counts from Wednesday's close, so 1 session on is Friday the 27th.
    const wed = dates.indexOf('2026-11-25');
    expect(review.get('holiday')!.r[0]).toBeCloseTo(closes.get('AAA')!.get('2026-11-27')! / 99 - 1, 12);
    expect(review.get('holiday')!.e[0]).toBeCloseTo(closes.get('AAA')!.get('2026-11-27')! / 99 - (400 + 3 * (wed + 1)) / (400 + 3 * wed), 12);
    // The pre-open decision counts from Tuesday's close too: its first horizon is Wednesday's close.
    expect(review.get('pre-open')!.r[0]).toBeCloseTo(closes.get('AAA')!.get('2026-11-25')! / 99 - 1, 12);
  });

  it('leaves a horizon pending until its session closes, and unpriced decisions out', () => {
    const late = row('late', nyTime('2026-12-09', '11:00'));
    const review = decisionOutcomes({ sessions, closes, benchmark: 'SPY', dataAsOf, benchmarkRows: [] }, [late, row('unpriced', nyTime('2026-12-09', '11:00'), { price: null })]);
    expect(review.get('late')).toEqual({ r: [closes.get('AAA')!.get('2026-12-10')! / 99 - 1, null], e: [null, null], pending: [false, true] });
    expect(review.has('unpriced')).toBe(false);
  });
});
