import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlpacaCalendar } from '../../src/adapters/alpaca/calendar.js';
import { createAlpacaMarketData } from '../../src/adapters/alpaca/market-data.js';
import { cycleDeps } from '../../src/app/compose.js';
import { prewarmDailyBars, storeDailyBars } from '../../src/app/daily-bars-store.js';
import { loadConfig } from '../../src/config.js';
import { REGIME_BENCHMARKS } from '../../src/core/regime.js';
import { nyTime } from '../../src/core/time/ny.js';
import { runCycle } from '../../src/cycle/run-cycle.js';
import type { CycleDeps } from '../../src/cycle/types.js';
import { silentLogger } from '../../src/log.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { alpacaHarness, closeSession, TEST_DATE, type Harness } from './harness.js';

/**
 * Market-data requests per cycle, counted by the fake Alpaca server, with the paper/live
 * composition's daily-bar store (the journal's database): the history is backfilled once
 * before the first slot, and every cycle after that, in a restarted process or a running
 * one, costs the same handful of requests for a 10- or a 100-symbol watchlist (issue 4).
 */

const NEXT = '2026-11-23'; // the session after TEST_DATE (a Friday)
const UNIVERSE = [...new Set([...Array.from({ length: 150 }, (_, i) => `W${String(i).padStart(3, '0')}`), ...REGIME_BENCHMARKS, 'SH', 'PSQ'])];

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

/** Data-host requests by endpoint (bars split by timeframe). */
function byEndpoint(x: Harness): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of x.fake.requests.filter((q) => q.host === 'data')) {
    const k = `${r.path.replace(/^\/v\d(beta\d)?\//, '')}${r.query.get('timeframe') ? ` ${r.query.get('timeframe')}` : ''}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}
const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

describe('market-data requests per cycle with the daily-bar store', () => {
  it('a cycle after a restart, a warm cycle and the next session cost the same at 10 and 100 symbols, at most 6', async () => {
    const figures: Record<number, Record<string, Record<string, number>>> = {};
    for (const n of [10, 100]) {
      const x = (h = await alpacaHarness({ at: nyTime(TEST_DATE, '09:35'), symbols: UNIVERSE }));
      // Enough news that fetching 3 per symbol would take several pages: one page is the cap.
      for (const s of UNIVERSE) for (let i = 0; i < 3; i++) x.fake.addNews({ headline: `${s} story ${i}`, symbols: [s], at: x.clock.now() - (i + 1) * 3_600_000 });
      const config = loadConfig({
        TRADER_MODE: 'paper',
        APCA_API_KEY_ID: 'k',
        APCA_API_SECRET_KEY: 's',
        TRADER_DB_PATH: join(x.dir, 'trades.db'),
        WATCHLIST_SCREENER_SIZE: String(n),
        WATCHLIST_MIN_PRICE: '0',
        WATCHLIST_MIN_DOLLAR_VOLUME: '0',
        TRADER_HALT_FILE: join(x.dir, 'HALT'),
      });
      /** A fresh process: new adapters and caches over the same journal database. */
      const processDeps = (): CycleDeps => {
        const calendar = createAlpacaCalendar({ client: x.client, db: x.journal.db, clock: x.clock });
        const inner = createAlpacaMarketData({ client: x.client, calendar, clock: x.clock, feed: 'iex' });
        const market = storeDailyBars(config, inner, { journal: x.journal, calendar, clock: x.clock, log: silentLogger });
        return cycleDeps({ config, mode: 'paper', wallClock: x.clock, calendar, broker: x.broker, market, brain: createScriptedBrain({}), journal: x.journal, log: silentLogger, reporters: [] });
      };
      const phase = async (at: number, run: () => Promise<unknown>) => {
        x.clock.set(at);
        x.fake.resetRequests();
        await run();
        return byEndpoint(x);
      };
      const cycle = (d: CycleDeps) => async () => expect((await runCycle(d, x.clock.now())).status).toBe('ok');

      // The service starts after the open, before the 10:00 slot (before the open this fake's
      // most-actives ranks by yesterday's volume, in session by today's: other symbols).
      const backfill = await phase(nyTime(TEST_DATE, '09:35'), () => prewarmDailyBars(processDeps(), x.clock.now(), []));
      const restarted = processDeps();
      const restart = await phase(nyTime(TEST_DATE, '10:00'), cycle(restarted));
      const warm = await phase(nyTime(TEST_DATE, '10:30'), cycle(restarted));
      closeSession(x.fake, TEST_DATE, UNIVERSE);
      const nextSession = await phase(nyTime(NEXT, '10:00'), cycle(processDeps()));
      figures[n] = { backfill, restart, warm, nextSession };

      expect(backfill['stocks/bars 1Day']).toBeGreaterThan(0);
      for (const c of [restart, warm, nextSession]) {
        expect(total(c)).toBeLessThanOrEqual(6);
        expect(c['news'] ?? 0).toBeLessThanOrEqual(1);
      }
      // Closed sessions come from the store: none the same day, one batched tail request the next.
      expect(restart['stocks/bars 1Day'] ?? 0).toBe(0);
      expect(warm['stocks/bars 1Day'] ?? 0).toBe(0);
      expect(nextSession['stocks/bars 1Day']).toBe(1);
      await x.close();
      h = null;
    }
    for (const k of ['restart', 'warm', 'nextSession']) expect(figures[100]![k]).toEqual(figures[10]![k]);
    console.info(
      `requests per cycle (data host):\n${Object.entries(figures)
        .map(([n, f]) => `  ${n} symbols: ${Object.entries(f).map(([k, v]) => `${k} ${total(v)} ${JSON.stringify(v)}`).join('; ')}`)
        .join('\n')}`,
    );
  });
});
