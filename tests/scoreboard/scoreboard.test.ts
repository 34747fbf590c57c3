import { describe, expect, it } from 'vitest';
import { buildScoreboard, confidenceBucket, isHit, scoreboardHeadline, type OutcomeInput } from '../../src/core/scoreboard.js';

const o = (over: Partial<OutcomeInput>): OutcomeInput => ({ horizonDays: 5, action: 'BUY', strategy: 'momentum', confidence: 0.7, brain: 'rules', excess: 0.01, ret: 0.02, ...over });

describe('buildScoreboard', () => {
  it('rebases equity and SPY to 100 at the first session and tracks drawdowns', () => {
    const s = buildScoreboard({
      closes: [
        { date: '2026-11-13', spyClose: 500, equityClose: 100_000 },
        { date: '2026-11-16', spyClose: 510, equityClose: 110_000 },
        { date: '2026-11-17', spyClose: 505, equityClose: 99_000 },
        { date: '2026-11-20', spyClose: 520, equityClose: 104_500 },
      ],
      outcomes: [],
      fills: [],
      lastPrices: new Map(),
      modelCostUsd: 1.5,
      modelCalls: 3,
    });
    const round = (xs: readonly (number | null)[]) => xs.map((v) => (v === null ? null : Math.round(v * 1e9) / 1e9));
    expect(round(s.curve.map((p) => p.equityIndex))).toEqual([100, 110, 99, 104.5]);
    expect(round(s.curve.map((p) => p.spyIndex))).toEqual([100, 102, 101, 104]);
    expect(s.headline.maxDrawdown).toBeCloseTo(99 / 110 - 1, 12);
    expect(s.headline.currentDrawdown).toBeCloseTo(104.5 / 110 - 1, 12);
    expect(s.headline.spyMaxDrawdown).toBeCloseTo(505 / 510 - 1, 12);
    expect(s.headline.sinceStart!.equityReturn).toBeCloseTo(0.045, 12);
    expect(s.headline.sinceStart!.spyReturn).toBeCloseTo(0.04, 12);
    // This week (Mon 16 .. Fri 20): from Friday 13th's close.
    expect(s.headline.thisWeek!.from).toBe('2026-11-13');
    expect(s.pnl.modelCostUsd).toBe(1.5);
  });

  it('realized and unrealized P&L from fills (FIFO) marked at the last price', () => {
    const s = buildScoreboard({
      closes: [],
      outcomes: [],
      fills: [
        { symbol: 'AAA', side: 'buy', qty: 10, price: 100, at: '1', commission: 1 },
        { symbol: 'AAA', side: 'buy', qty: 10, price: 110, at: '2', commission: 1 },
        { symbol: 'AAA', side: 'sell', qty: 10, price: 120, at: '3', commission: 1 },
      ],
      lastPrices: new Map([['AAA', 115]]),
      modelCostUsd: 2,
      modelCalls: 1,
    });
    expect(s.pnl.realized).toBeCloseTo(10 * 20 - 1 - 1, 9);
    expect(s.pnl.unrealized).toBeCloseTo(10 * 5, 9);
    expect(s.pnl.netOfModelCost).toBeCloseTo(198 + 50 - 2, 9);
    expect(s.pnl.commissions).toBe(3);
  });

  it('decision tables: hit rate and mean excess by group, small samples flagged', () => {
    const outcomes: OutcomeInput[] = [];
    for (let i = 0; i < 20; i++) outcomes.push(o({ excess: i < 15 ? 0.02 : -0.02, confidence: 0.85 }));
    outcomes.push(o({ action: 'SELL', excess: -0.03, strategy: 'exit', brain: 'claude', confidence: 0.4 }));
    outcomes.push(o({ action: 'HOLD', excess: 0.01, horizonDays: 1, confidence: 0.55 }));
    const s = buildScoreboard({ closes: [], outcomes, fills: [], lastPrices: new Map(), modelCostUsd: 0, modelCalls: 0 });
    const buy = s.quality.byAction.find((r) => r.key === 'BUY')!.horizons['5']!;
    expect(buy.n).toBe(20);
    expect(buy.hitRate).toBeCloseTo(0.75, 12);
    expect(buy.meanExcess).toBeCloseTo((15 * 0.02 - 5 * 0.02) / 20, 12);
    expect(buy.insufficient).toBe(false);
    const sell = s.quality.byAction.find((r) => r.key === 'SELL')!.horizons['5']!;
    expect(sell).toMatchObject({ n: 1, hitRate: 1, insufficient: true });
    const hold1 = s.quality.byAction.find((r) => r.key === 'HOLD')!.horizons['1']!;
    expect(hold1).toMatchObject({ n: 1, hitRate: 0, insufficient: true });
    expect(s.quality.byAction.find((r) => r.key === 'HOLD')!.horizons['20']).toMatchObject({ n: 0, hitRate: null, insufficient: true });
    expect(s.quality.byAction.map((r) => r.key)).toEqual(['BUY', 'SELL', 'HOLD']);
    expect(s.quality.byBrain.map((r) => r.key)).toEqual(['claude', 'rules']);
    expect(s.quality.byConfidence.map((r) => r.key)).toEqual(['<0.50', '0.50-0.59', '0.80+']);
    expect(s.headline.at5.n).toBe(21);
    const lines = scoreboardHeadline(s);
    expect(lines.join('\n')).toContain('n=21');
  });

  it('hit and bucket rules', () => {
    expect(isHit('BUY', 0.01)).toBe(true);
    expect(isHit('SELL', 0.01)).toBe(false);
    expect(isHit('EXIT', -0.01)).toBe(true);
    expect(isHit('HOLD', 0)).toBe(true);
    expect(confidenceBucket(0.5)).toBe('0.50-0.59');
    expect(confidenceBucket(Number.NaN)).toBe('<0.50');
  });

  it('small samples are labelled in the headline', () => {
    const s = buildScoreboard({ closes: [], outcomes: [o({})], fills: [], lastPrices: new Map(), modelCostUsd: 0, modelCalls: 0 });
    expect(scoreboardHeadline(s).join(' ')).toMatch(/n=1, fewer than 20: not a finding/);
  });
});
