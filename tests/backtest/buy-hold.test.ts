import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { affordableQty } from '../../src/backtest/benchmarks.js';
import { dailyFeed, buyAndHoldBrain, PERMISSIVE_RISK, sessionsFrom, testConfig, tmp, type BarSpec } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const cents = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** A wandering series with overnight gaps (deterministic LCG). */
function series(n: number): BarSpec[] {
  let x = 12345;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: BarSpec[] = [];
  let c = 400;
  for (let i = 0; i < n; i++) {
    const o = Math.round(c * (1 + (rnd() - 0.5) * 0.01) * 100) / 100;
    c = Math.round(o * (1 + (rnd() - 0.48) * 0.03) * 100) / 100;
    out.push({ o, c, h: Math.max(o, c) + 0.5, l: Math.min(o, c) - 0.5 });
  }
  return out;
}

describe('backtest: buy and hold equals close-to-close arithmetic net of the fill model', () => {
  it('one market buy at the next open (slipped, commission), then equity = cash + qty x close at every close', async () => {
    const sessions = sessionsFrom('2022-03-01', 90);
    const bars = series(90);
    const out = tmp();
    dirs.push(out);
    const config = testConfig({ ...PERMISSIVE_RISK, SIM_SLIPPAGE_BPS: '5', SIM_COMMISSION_PER_SHARE: '0.01', SIM_COMMISSION_MIN: '2' });
    const r = await backtest({
      config,
      feed: dailyFeed(sessions, { SPY: bars }),
      symbols: ['SPY'],
      from: sessions[60]!.date,
      to: sessions[89]!.date,
      timeframe: 'day',
      brain: buyAndHoldBrain(0.5),
      brainLabel: 'buy_hold',
      outDir: out,
      data: { source: 'test', description: 'lcg series' },
    });

    // The decision at session 60's close sizes from that close; the fill is session 61's open.
    const qty = Math.floor((0.5 * 100_000) / bars[60]!.c + 1e-9);
    const fill = r4(bars[61]!.o * (1 + 5 / 1e4));
    const comm = cents(Math.max(2, qty * 0.01));
    expect(r.run.fills).toHaveLength(1);
    expect(r.run.fills[0]).toMatchObject({ side: 'buy', qty, price: fill, commission: comm, at: sessions[61]!.open });
    const cash = 100_000 - qty * fill - comm;
    const curve = r.run.curve;
    expect(curve[0]!.equity).toBe(100_000);
    expect(curve[1]).toMatchObject({ date: sessions[60]!.date, equity: 100_000 });
    for (let k = 61; k < 90; k++) {
      const p = curve[k - 59]!;
      expect(p.date).toBe(sessions[k]!.date);
      expect(p.equity).toBeCloseTo(cents(cash + qty * bars[k]!.c), 2);
    }
    const end = cents(cash + qty * bars[89]!.c);
    expect(r.report.summary.strategy.end_equity).toBeCloseTo(end, 2);
    expect(r.report.summary.strategy.total_return).toBeCloseTo(end / 100_000 - 1, 6);
    expect(r.report.summary.strategy.fees).toBe(comm);

    // The SPY benchmark: all-in at the same open under the same fill model, marked the same way.
    const b = r.benchmarks.find((x) => x.name === 'buy_hold_spy')!;
    const bq = affordableQty(100_000, fill, { slippageBps: 5, commissionPerShare: 0.01, commissionMin: 2 });
    // The most whole shares that fit with their commission.
    expect(bq * fill + Math.max(2, bq * 0.01)).toBeLessThanOrEqual(100_000);
    expect((bq + 1) * fill + Math.max(2, (bq + 1) * 0.01)).toBeGreaterThan(100_000);
    const bComm = cents(Math.max(2, bq * 0.01));
    expect(b.fills[0]).toMatchObject({ qty: bq, price: fill, commission: bComm });
    const bCash = 100_000 - bq * fill - bComm;
    expect(b.curve[1]!.equity).toBe(100_000);
    for (let k = 61; k < 90; k++) expect(b.curve[k - 59]!.equity).toBeCloseTo(cents(bCash + bq * bars[k]!.c), 2);
    // Close-to-close: each session's return is qty x (close_k - close_k-1) / equity_k-1.
    for (let k = 62; k < 90; k++) {
      const prev = bCash + bq * bars[k - 1]!.c;
      const now = bCash + bq * bars[k]!.c;
      expect(now / prev - 1).toBeCloseTo((bq * (bars[k]!.c - bars[k - 1]!.c)) / prev, 12);
    }
  });
});
