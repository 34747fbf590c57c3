import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlpacaCalendar } from '../../src/adapters/alpaca/calendar.js';
import { createAlpacaMarketData } from '../../src/adapters/alpaca/market-data.js';
import { cycleDeps } from '../../src/app/compose.js';
import { loadConfig } from '../../src/config.js';
import { clientOrderId } from '../../src/core/orders.js';
import { REGIME_BENCHMARKS } from '../../src/core/regime.js';
import { nyTime } from '../../src/core/time/ny.js';
import { cycleIdFor } from '../../src/cycle/ids.js';
import { runCycle } from '../../src/cycle/run-cycle.js';
import type { CycleDeps } from '../../src/cycle/types.js';
import type { Decision } from '../../src/domain/decision.js';
import { readJournal } from '../../src/journal/jsonl.js';
import { createJournal } from '../../src/journal/journal.js';
import { reconcile } from '../../src/jobs/reconcile.js';
import { silentLogger } from '../../src/log.js';
import type { Brain } from '../../src/ports/brain.js';
import type { Journal } from '../../src/ports/journal.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { alpacaHarness, TEST_DATE, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h.close());

function deps(x: { h: Harness; watchlist: readonly string[]; brain: Brain; journal?: Journal }): CycleDeps {
  const config = loadConfig({ TRADER_MODE: 'paper', APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's', WATCHLIST_STATIC: x.watchlist.join(','), TRADER_HALT_FILE: join(x.h.dir, 'HALT') });
  const d = cycleDeps({ config, mode: 'paper', wallClock: x.h.clock, calendar: x.h.calendar, broker: x.h.broker, market: x.h.market, brain: x.brain, journal: x.h.journal, log: silentLogger, reporters: [] });
  return x.journal ? { ...d, journal: x.journal } : d;
}

const tradeRow = (j: Journal & { db?: unknown }, id: string) => (h.journal.db.prepare('SELECT execute_status, logic_json FROM trades WHERE id = ?').get(id) as { execute_status: string | null; logic_json: string } | undefined) ?? null;
const BUY_AAPL: Partial<Decision> = { size_pct: 0.05, confidence: 0.9 };

describe('one cycle on the Alpaca adapters over the fake server', () => {
  it('market-data requests per cycle stay constant from 10 to 100 symbols', async () => {
    const figures: string[] = [];
    const warmCounts: number[] = [];
    for (const n of [10, 100]) {
      const watch = Array.from({ length: n }, (_, i) => `W${String(i).padStart(3, '0')}`);
      h = await alpacaHarness({ symbols: [...watch, ...REGIME_BENCHMARKS], rateLimit: { perMinute: 180, burst: 20 } });
      const d = deps({ h, watchlist: watch, brain: createScriptedBrain({}) });
      const cold = await runCycle(d, h.clock.now());
      expect(cold.status).toBe('ok');
      const coldCount = h.fake.count({ host: 'data' });
      const coldBy = new Map<string, number>();
      for (const r of h.fake.requests.filter((x) => x.host === 'data')) {
        const k = `${r.path}${r.query.get('timeframe') ? ` ${r.query.get('timeframe')}` : ''}`;
        coldBy.set(k, (coldBy.get(k) ?? 0) + 1);
      }
      h.clock.set(nyTime(TEST_DATE, '10:30'));
      h.fake.resetRequests();
      const warm = await runCycle(d, h.clock.now());
      expect(warm.status).toBe('ok');
      const warmCount = h.fake.count({ host: 'data' });
      const by = new Map<string, number>();
      for (const r of h.fake.requests.filter((x) => x.host === 'data')) {
        const k = `${r.path}${r.query.get('timeframe') ? ` ${r.query.get('timeframe')}` : ''}`;
        by.set(k, (by.get(k) ?? 0) + 1);
      }
      const paths = [...by].map(([k, v]) => `${k} x${v}`).join(', ');
      figures.push(`${n} symbols: first cycle ${coldCount} (${[...coldBy].map(([k, v]) => `${k} x${v}`).join(', ')}); next cycle ${warmCount} (${paths})`);
      warmCounts.push(warmCount);
      expect(warmCount).toBeLessThanOrEqual(6);
      await h.close();
    }
    h = await alpacaHarness();
    expect(warmCounts[1]).toBe(warmCounts[0]);
    console.info(`requests per cycle:\n  ${figures.join('\n  ')}`);
  });

  it('places a bracket order with valid tick prices and journals the decision, the order and its legs', async () => {
    h = await alpacaHarness({ symbols: ['AAPL', ...REGIME_BENCHMARKS] });
    const s = await runCycle(deps({ h, watchlist: ['AAPL'], brain: createScriptedBrain({ AAPL: BUY_AAPL }) }), h.clock.now());
    expect(s.orders_submitted).toBe(1);
    const [order] = h.fake.orders();
    expect(order!.order_class).toBe('bracket');
    for (const leg of order!.legs as Record<string, string | null>[]) {
      const p = Number(leg.limit_price ?? leg.stop_price);
      expect(Math.round(p * 100) / 100).toBe(p);
    }
    const rows = h.journal.db.prepare('SELECT client_order_id, parent_id, trade_id FROM orders ORDER BY parent_id IS NOT NULL').all() as { trade_id: string }[];
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.trade_id === `${s.cycle_id}:AAPL`)).toBe(true);
  });

  it('order POST times out after the server created the order: one order at the broker, journaled once', async () => {
    h = await alpacaHarness({ symbols: ['AAPL', ...REGIME_BENCHMARKS], timeoutMs: 400 });
    h.fake.faults.push({ method: 'POST', path: '/v2/orders', hangAfterMs: 5_000 });
    const d = deps({ h, watchlist: ['AAPL'], brain: createScriptedBrain({ AAPL: BUY_AAPL }) });
    const s = await runCycle(d, h.clock.now());
    const tradeId = `${s.cycle_id}:AAPL`;
    expect(h.fake.orders()).toHaveLength(1);
    expect(h.fake.count({ method: 'POST', path: '/v2/orders' })).toBe(1);
    expect(tradeRow(h.journal, tradeId)!.execute_status).toBe('submitted');
    const coid = clientOrderId(s.cycle_id, 'AAPL', 'buy');
    expect(h.journal.db.prepare('SELECT COUNT(*) AS n FROM orders WHERE client_order_id = ?').get(coid)).toEqual({ n: 1 });
    // Running the same cycle again sends nothing.
    await runCycle(d, h.clock.now());
    expect(h.fake.count({ method: 'POST', path: '/v2/orders' })).toBe(1);
    expect((readJournal(join(h.dir, 'journal.jsonl')) as { id: string }[]).filter((l) => l.id === tradeId)).toHaveLength(1);
  });

  for (const [status, body, code] of [
    [403, { code: 40310000, message: 'insufficient buying power' }, 'insufficient_buying_power'],
    [422, { code: 42210000, message: 'invalid order: qty must be <= 10000' }, 'rejected'],
  ] as const) {
    it(`${status} from the order POST becomes a journaled rejection, with no retry`, async () => {
      h = await alpacaHarness({ symbols: ['AAPL', ...REGIME_BENCHMARKS] });
      h.fake.faults.push({ method: 'POST', path: '/v2/orders', status, body });
      const s = await runCycle(deps({ h, watchlist: ['AAPL'], brain: createScriptedBrain({ AAPL: BUY_AAPL }) }), h.clock.now());
      expect(s.orders_rejected).toBe(1);
      const row = tradeRow(h.journal, `${s.cycle_id}:AAPL`)!;
      expect(row.execute_status).toBe('rejected');
      expect(JSON.parse(row.logic_json).execute.detail).toContain(code);
      expect(h.fake.count({ method: 'POST', path: '/v2/orders' })).toBe(1);
      expect(h.fake.count({ path: '/v2/orders:by_client_order_id' })).toBe(1); // the pre-submit check only
      expect(h.fake.orders()).toEqual([]);
    });
  }

  it('killed between submit and journal write: the next start reconciles the order into the journal exactly once', async () => {
    h = await alpacaHarness({ symbols: ['AAPL', ...REGIME_BENCHMARKS] });
    const killed = new Error('process killed');
    let sent = false;
    const broker = { ...h.broker, submitOrder: async (r: Parameters<typeof h.broker.submitOrder>[0]) => ((sent = true), h.broker.submitOrder(r)) };
    // After the order leaves, nothing more reaches the journal: the process is gone.
    const dying: Journal = {
      ...h.journal,
      recordOrder: (o, m) => (sent ? (() => { throw killed; })() : h.journal.recordOrder(o, m)),
      recordResult: (id, e) => (sent ? (() => { throw killed; })() : h.journal.recordResult(id, e)),
    };
    const asOf = h.clock.now();
    await runCycle({ ...deps({ h, watchlist: ['AAPL'], brain: createScriptedBrain({ AAPL: BUY_AAPL }), journal: dying }), broker }, asOf);
    const tradeId = `${cycleIdFor(asOf)}:AAPL`;
    expect(h.fake.orders()).toHaveLength(1);
    expect(tradeRow(h.journal, tradeId)!.execute_status).toBeNull();
    expect(h.journal.db.prepare('SELECT COUNT(*) AS n FROM orders').get()).toEqual({ n: 0 });

    // Next start: a fresh journal on the same files, reconciliation first.
    h.journal.close();
    const j2 = createJournal({ dbPath: join(h.dir, 'trades.db'), jsonlPath: join(h.dir, 'journal.jsonl'), maxBytes: 1e8, keepRotated: 2, wallClock: h.clock, mode: 'paper' });
    try {
      h.clock.advance(60_000);
      const r = await reconcile({ broker: h.broker, journal: j2, log: silentLogger }, { now: h.clock.now() });
      expect(r.adopted).toHaveLength(1);
      await reconcile({ broker: h.broker, journal: j2, log: silentLogger }, { now: h.clock.now() + 60_000 });
      // And the interrupted cycle itself, if run again, sends nothing.
      const calendar = createAlpacaCalendar({ client: h.client, db: j2.db, clock: h.clock });
      const market = createAlpacaMarketData({ client: h.client, calendar, clock: h.clock, feed: 'iex' });
      await runCycle({ ...deps({ h, watchlist: ['AAPL'], brain: createScriptedBrain({ AAPL: BUY_AAPL }) }), journal: j2, calendar, market }, asOf);
      expect(h.fake.count({ method: 'POST', path: '/v2/orders' })).toBe(1);
      expect(j2.db.prepare('SELECT execute_status FROM trades WHERE id = ?').get(tradeId)).toEqual({ execute_status: 'recovered' });
      expect(j2.db.prepare('SELECT COUNT(*) AS n FROM orders WHERE parent_id IS NULL').get()).toEqual({ n: 1 });
      expect((readJournal(join(h.dir, 'journal.jsonl')) as { id: string }[]).filter((l) => l.id === tradeId)).toHaveLength(1);
    } finally {
      j2.close();
      h = { ...h, journal: { ...h.journal, close: () => undefined } };
    }
  });
});
