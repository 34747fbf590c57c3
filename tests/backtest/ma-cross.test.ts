import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backtest } from '../../src/backtest/index.js';
import { dailyFeed, maCrossBrain, PERMISSIVE_RISK, sessionsFrom, testConfig, tmp } from './helpers.js';

/**
 * A moving-average-cross rule set (EMA9 vs EMA21 from the snapshot) over a series built so the
 * crosses are obvious: 80 sessions flat at 100, a step up to 110 for 10 sessions, a drop to 80 for
 * 10 sessions. Checked by hand:
 *   - flat: EMA9 = EMA21 = 100, no BUY (strict >).
 *   - first 110 close (session 80): EMA9 = 100 + 0.2 x 10 = 102 > EMA21 = 100 + 10 x 2/22 = 100.91
 *     -> BUY, size 10% of 100 000 at the close 110: qty = floor(10 000 / 110) = 90.
 *     Fills at session 81's open 110, slipped 2 bps: 110 x 1.0002 = 110.022; commission
 *     max($1, 90 x $0.005) = $1.
 *   - after 10 sessions at 110: EMA9 = 110 - 10 x 0.8^10 = 108.93, EMA21 = 110 - 10 x (20/22)^10
 *     = 106.14; first 80 close (session 90): EMA9 = 108.93 - 0.2 x 28.93 = 103.14 < EMA21 =
 *     106.14 - (2/22) x 26.14 = 103.76 -> SELL 90, fills at session 91's open 80 slipped:
 *     80 x 0.9998 = 79.984; commission $1.
 *   - round trip P&L = 90 x (79.984 - 110.022) - 2 = -2705.42; end equity 97 294.58.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('backtest: moving-average cross, trades checked by hand', () => {
  it('buys on the cross up, sells on the cross down, at the next opens, net of slippage and commission', async () => {
    const sessions = sessionsFrom('2023-01-03', 100);
    const closes = [...Array<number>(80).fill(100), ...Array<number>(10).fill(110), ...Array<number>(10).fill(80)];
    const feed = dailyFeed(sessions, { XYZ: closes });
    const out = tmp();
    dirs.push(out);
    const brain = maCrossBrain(0.1);
    const r = await backtest({
      config: testConfig(PERMISSIVE_RISK),
      feed,
      symbols: ['XYZ'],
      from: sessions[40]!.date,
      to: sessions[99]!.date,
      timeframe: 'day',
      brain,
      brainLabel: 'ma_cross',
      outDir: out,
      data: { source: 'test', description: 'step series' },
    });

    expect(r.run.fills.map((f) => ({ side: f.side, qty: f.qty, price: f.price, commission: f.commission, at: f.at, kind: f.kind }))).toEqual([
      { side: 'buy', qty: 90, price: 110.022, commission: 1, at: sessions[81]!.open, kind: 'entry' },
      { side: 'sell', qty: 90, price: 79.984, commission: 1, at: sessions[91]!.open, kind: 'model_sell' },
    ]);
    const s = r.report.summary.strategy;
    expect(s.trades).toBe(1);
    expect(s.win_rate).toBe(0);
    expect(s.fees).toBe(2);
    expect(s.end_equity).toBe(97294.58);
    const trades = readFileSync(join(out, 'trades.csv'), 'utf8').trim().split('\n');
    expect(trades).toHaveLength(2);
    expect(trades[1]).toContain('XYZ,90,');
    expect(trades[1]).toContain(',110.022,');
    expect(trades[1]).toContain(',79.984,model_sell,-2705.42,');
    // The decisions behind them, journaled at the closes of sessions 80 and 90.
    const buys = brain.seen.filter((x) => x.indicators.ema9! > x.indicators.ema21!);
    expect(buys[0]!.as_of).toBe(new Date(sessions[80]!.close).toISOString());
    expect(buys[0]!.indicators.ema9).toBeCloseTo(102, 9);
    expect(buys[0]!.indicators.ema21).toBeCloseTo(100 + 20 / 22, 9);
    const cross = brain.seen.find((x) => x.as_of === new Date(sessions[90]!.close).toISOString())!;
    expect(cross.indicators.ema9!).toBeLessThan(cross.indicators.ema21!);
    expect(cross.position?.qty).toBe(90);
  });
});
