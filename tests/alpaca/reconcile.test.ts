import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clientOrderId } from '../../src/core/orders.js';
import type { Decision } from '../../src/domain/decision.js';
import { readJournal } from '../../src/journal/jsonl.js';
import { createJournal } from '../../src/journal/journal.js';
import { reconcile, ReconcileError } from '../../src/jobs/reconcile.js';
import type { Logger } from '../../src/log.js';
import type { Journal } from '../../src/ports/journal.js';
import { alpacaHarness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h.close());

const CYCLE = 'c20261120T1430Z';
const TRADE = `${CYCLE}:AAPL`;

function memoryLog(): Logger & { lines: { level: string; msg: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => void lines.push({ level, msg, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const buy: Decision = { action: 'BUY', symbol: 'AAPL', strategy: 'test', confidence: 0.8, size_pct: 0.05, stop_loss: 95, take_profit: 110, rationale: 'test', evidence: [] };

function journalIntent(j: Journal, asOf: number, d: Decision = buy) {
  j.beginCycle({ id: CYCLE, mode: 'paper', brain: 'test', asOf });
  j.recordIntent({
    id: TRADE,
    cycleId: CYCLE,
    symbol: d.symbol,
    asOf,
    brain: 'test',
    modelAction: d.action,
    final: d,
    price: 100,
    equity: 100_000,
    logic: { snapshot: null, raw: null, model_decision: d, final: d, overrides: [], prompt_version: 'test', usage: [], cost_usd: 0 },
  });
}

/** A bracket BUY journaled the normal way: intent, order, result. The entry then fills. */
async function journaledBracket() {
  const asOf = h.clock.now();
  journalIntent(h.journal, asOf);
  const coid = clientOrderId(CYCLE, 'AAPL', 'buy');
  const order = await h.broker.submitOrder({ clientOrderId: coid, symbol: 'AAPL', side: 'buy', qty: 10, type: 'market', timeInForce: 'gtc', orderClass: 'bracket', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 95 } });
  h.journal.recordOrder(order, { tradeId: TRADE, cycleId: CYCLE });
  h.journal.recordResult(TRADE, { status: 'submitted', clientOrderId: coid, orderId: order.id, side: 'buy', qty: 10 });
  h.clock.advance(60_000);
  h.fake.fill(coid);
  return order;
}

const lines = (dir: string) => readJournal(join(dir, 'journal.jsonl')) as Record<string, unknown>[];
const rows = <T>(sql: string, ...args: unknown[]) => h.journal.db.prepare(sql).all(...args) as T[];

async function setup() {
  h = await alpacaHarness();
  h.fake.setSymbol('AAPL', { daily: [{ date: '2026-11-19', o: 99, h: 101, l: 98, c: 100, v: 1_000_000 }], price: 100 });
  return h;
}

describe('startup reconciliation', () => {
  for (const [name, price, kind] of [
    ['stop-loss', 94, 'bracket_stop'],
    ['take-profit', 111, 'bracket_take_profit'],
  ] as const) {
    it(`a ${name} fill while the bot was not looking is journaled as one ${kind} exit, once`, async () => {
      await setup();
      const parent = await journaledBracket();
      h.clock.advance(3_600_000);
      h.fake.setPrice('AAPL', price);
      h.fake.advance();
      const log = memoryLog();
      const r1 = await reconcile({ broker: h.broker, journal: h.journal, log }, { now: h.clock.now() });
      expect(r1.exits.map((x) => [x.exitKind, x.symbol, x.qty, x.tradeId, x.parentId])).toEqual([[kind, 'AAPL', 10, TRADE, parent.id]]);
      const leg = rows<{ status: string; exit_kind: string; trade_id: string }>("SELECT status, exit_kind, trade_id FROM orders WHERE parent_id = ? AND status = 'filled'", parent.id);
      expect(leg).toEqual([{ status: 'filled', exit_kind: kind, trade_id: TRADE }]);
      const r2 = await reconcile({ broker: h.broker, journal: h.journal, log }, { now: h.clock.now() + 60_000 });
      expect(r2.exits).toEqual([]);
      const exits = lines(h.dir).filter((l) => l.type === 'exit');
      expect(exits.map((l) => [l.exit_kind, l.symbol, l.qty])).toEqual([[kind, 'AAPL', 10]]);
      expect(rows<{ n: number }>("SELECT COUNT(*) AS n FROM order_events WHERE status = 'filled' AND order_id IN (SELECT id FROM orders WHERE parent_id = ?)", parent.id)[0]!.n).toBe(1);
      expect(await h.broker.getPositions()).toEqual([]);
      expect(r2.position_mismatches).toEqual([]);
    });
  }

  it('orders the journal does not know are reported, never touched', async () => {
    await setup();
    const manual = await h.broker.submitOrder({ clientOrderId: 'placed-by-hand', symbol: 'AAPL', side: 'buy', qty: 1, type: 'limit', limitPrice: 50, timeInForce: 'gtc' });
    const log = memoryLog();
    const r = await reconcile({ broker: h.broker, journal: h.journal, log }, { now: h.clock.now() });
    expect(r.unknown_orders).toEqual([{ order_id: manual.id, client_order_id: 'placed-by-hand', symbol: 'AAPL', side: 'buy', status: 'new' }]);
    expect(h.fake.order('placed-by-hand')!.status).toBe('new');
    expect(h.fake.count({ method: 'DELETE' })).toBe(0);
    expect(rows('SELECT id FROM orders')).toEqual([]);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg.includes('unknown to the journal'))).toBe(true);
    const run = lines(h.dir).find((l) => l.type === 'reconcile')!;
    expect(run.unknown_orders).toEqual(r.unknown_orders);
  });

  it('killed between submit and journal write: the next start journals the order and the result exactly once', async () => {
    await setup();
    const asOf = h.clock.now();
    journalIntent(h.journal, asOf);
    const coid = clientOrderId(CYCLE, 'AAPL', 'buy');
    await h.broker.submitOrder({ clientOrderId: coid, symbol: 'AAPL', side: 'buy', qty: 10, type: 'market', timeInForce: 'gtc', orderClass: 'bracket', takeProfit: { limitPrice: 110 }, stopLoss: { stopPrice: 95 } });
    // ...the process dies here: no recordOrder, no recordResult.
    h.journal.close();
    const j2 = createJournal({ dbPath: join(h.dir, 'trades.db'), jsonlPath: join(h.dir, 'journal.jsonl'), maxBytes: 1e8, keepRotated: 2, wallClock: h.clock, mode: 'paper' });
    try {
      h.clock.advance(120_000);
      const log = memoryLog();
      const r1 = await reconcile({ broker: h.broker, journal: j2, log }, { now: h.clock.now() });
      expect(r1.adopted.map((a) => [a.trade_id, a.client_order_id])).toEqual([[TRADE, coid]]);
      const r2 = await reconcile({ broker: h.broker, journal: j2, log }, { now: h.clock.now() + 60_000 });
      expect(r2.adopted).toEqual([]);
      expect(r2.unknown_orders).toEqual([]);
      const trade = j2.db.prepare('SELECT execute_status, client_order_id, order_id FROM trades WHERE id = ?').get(TRADE) as Record<string, unknown>;
      expect(trade.execute_status).toBe('recovered');
      expect(trade.client_order_id).toBe(coid);
      expect(j2.db.prepare('SELECT COUNT(*) AS n FROM orders WHERE client_order_id = ?').get(coid)).toEqual({ n: 1 });
      expect(j2.db.prepare('SELECT COUNT(*) AS n FROM orders WHERE parent_id = ?').get(trade.order_id)).toEqual({ n: 2 });
      expect(lines(h.dir).filter((l) => l.id === TRADE)).toHaveLength(1);
      expect(h.fake.orders()).toHaveLength(1);
    } finally {
      j2.close();
    }
  });

  it('an unfinished decision with no order at the broker: stale ones are closed as not sent, recent ones left for a re-run', async () => {
    await setup();
    journalIntent(h.journal, h.clock.now() - 5 * 60_000);
    const r1 = await reconcile({ broker: h.broker, journal: h.journal, log: memoryLog() }, { now: h.clock.now() });
    expect(r1.pending_intents).toEqual([TRADE]);
    expect(h.journal.getTrade(TRADE)!.execute).toBeNull();
    const r2 = await reconcile({ broker: h.broker, journal: h.journal, log: memoryLog() }, { now: h.clock.now() + 3_600_000 });
    expect(r2.closed_intents).toEqual([{ trade_id: TRADE, status: 'error' }]);
    expect(h.journal.getTrade(TRADE)!.execute!.detail).toContain('nothing was sent');
    expect(h.fake.count({ method: 'POST' })).toBe(0);
  });

  it('a position the journal cannot explain is reported', async () => {
    await setup();
    await h.broker.submitOrder({ clientOrderId: 'hand-buy', symbol: 'AAPL', side: 'buy', qty: 7, type: 'market', timeInForce: 'day' });
    h.fake.advance();
    const r = await reconcile({ broker: h.broker, journal: h.journal, log: memoryLog() }, { now: h.clock.now() });
    expect(r.position_mismatches).toEqual([{ symbol: 'AAPL', broker_qty: 7, journal_qty: 0 }]);
    expect(r.positions).toEqual([{ symbol: 'AAPL', qty: 7 }]);
  });

  it('when the broker cannot be read it fails loudly, journals the failed run, and the next run starts from the last good one', async () => {
    await setup();
    const t0 = h.clock.now();
    const ok = await reconcile({ broker: h.broker, journal: h.journal, log: memoryLog() }, { now: t0 });
    expect(ok.exits).toEqual([]);
    h.fake.faults.push({ path: '/v2/positions', status: 500, times: 20 });
    const e = await reconcile({ broker: h.broker, journal: h.journal, log: memoryLog() }, { now: t0 + 60_000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ReconcileError);
    expect((e as Error).message).toContain('HTTP 500');
    const runs = rows<{ status: string; error: string | null }>('SELECT status, error FROM reconcile_runs ORDER BY seq');
    expect(runs.map((r) => r.status)).toEqual(['ok', 'failed']);
    expect(h.journal.lastReconcileAt()).toBe(t0);
    expect(readFileSync(join(h.dir, 'journal.jsonl'), 'utf8')).toContain('"status":"failed"');
  });
});
