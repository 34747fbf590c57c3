import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCycle } from '../../src/cycle/run-cycle.js';
import { JournalError } from '../../src/domain/errors.js';
import { readJournal } from '../../src/journal/jsonl.js';
import type { Journal } from '../../src/ports/journal.js';
import { nyTime } from '../../src/core/time/ny.js';
import { createScriptedBrain } from '../helpers/scripted-brain.js';
import { countingBroker, makeWorld, TEST_DATE } from '../helpers/world.js';

const PRICES = { AAPL: 100, MSFT: 200, SPY: 400 };

function tradeRows(w: { journal: { db: import('better-sqlite3').Database } }) {
  return w.journal.db.prepare('SELECT * FROM trades ORDER BY symbol').all() as Record<string, unknown>[];
}

describe('runCycle on the simulator', () => {
  it('decides, places a bracket order with valid ticks, and journals every symbol (HOLDs too)', async () => {
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: { size_pct: 0.05 } }) });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.status).toBe('ok');
    expect(s.actions).toEqual({ BUY: 1, SELL: 0, HOLD: 2 });
    expect(s.orders_submitted).toBe(1);
    const open = await w.broker.getOpenOrders();
    const entry = await w.broker.getOrderByClientId(`lt-${s.cycle_id}-AAPL-buy`);
    expect(entry).not.toBeNull();
    expect(entry!.orderClass).toBe('bracket');
    expect(entry!.qty).toBe(50); // floor(0.05 * 100000 / 100)
    const legs = entry!.legs;
    const stop = legs.find((l) => l.legKind === 'stop_loss')!.stopPrice!;
    const tp = legs.find((l) => l.legKind === 'take_profit')!.limitPrice!;
    expect(stop).toBeLessThan(100);
    expect(tp).toBeGreaterThan(100);
    for (const p of [stop, tp]) expect(Math.round(p * 100) / 100).toBe(p);
    expect(open.length).toBeGreaterThan(0);
    const rows = tradeRows(w);
    expect(rows.map((r) => [r.symbol, r.action, r.execute_status])).toEqual([
      ['AAPL', 'BUY', 'submitted'],
      ['MSFT', 'HOLD', 'none'],
      ['SPY', 'HOLD', 'none'],
    ]);
    const orders = w.journal.db.prepare('SELECT id, trade_id, parent_id FROM orders ORDER BY id').all() as { trade_id: string }[];
    expect(orders).toHaveLength(3); // parent + two legs
    expect(orders.every((o) => o.trade_id === `${s.cycle_id}:AAPL`)).toBe(true);
    const cycle = w.journal.db.prepare('SELECT status, equity FROM cycles').get() as { status: string; equity: number };
    expect(cycle).toEqual({ status: 'ok', equity: 100_000 });
  });

  it('every trades row has exactly one JSONL line with the same id', async () => {
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {} }) });
    await runCycle(w.deps, w.asOf);
    w.clock.set(nyTime(TEST_DATE, '12:00'));
    await runCycle(w.deps, nyTime(TEST_DATE, '12:00'));
    const ids = tradeRows(w).map((r) => r.id).sort();
    const lines = readJournal(join(w.dir, 'journal.jsonl')) as { id: string; action: string }[];
    expect(lines.map((l) => l.id).sort()).toEqual(ids);
    expect(ids).toHaveLength(6);
  });

  it('fails closed: when the intent cannot be journaled, no order is sent', async () => {
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({
      prices: PRICES,
      brain: createScriptedBrain({ AAPL: {}, MSFT: {} }),
      wrapBroker: (b) => (broker = countingBroker(b)),
      wrapJournal: (j): Journal => ({
        ...j,
        recordIntent: () => {
          throw new JournalError('disk full');
        },
      }),
    });
    const s = await runCycle(w.deps, w.asOf);
    expect(broker!.submits).toBe(0);
    expect(await w.broker.getOpenOrders()).toEqual([]);
    expect(s.status).toBe('failed');
    expect(s.failed_symbols).toEqual(['AAPL', 'MSFT', 'SPY']);
  });

  it('re-running the same cycle id places no duplicate order', async () => {
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {} }), wrapBroker: (b) => (broker = countingBroker(b)) });
    const first = await runCycle(w.deps, w.asOf);
    const again = await runCycle(w.deps, w.asOf);
    expect(again.cycle_id).toBe(first.cycle_id);
    expect(broker!.submits).toBe(1);
    expect(first.resumed).toBeUndefined();
    // The re-run's summary says the cycle holds one order and that this run sent none.
    expect(again.orders_submitted).toBe(1);
    expect(again.resumed).toEqual({ already_done: 3, executed_now: 0, orders_sent_now: 0 });
    expect(tradeRows(w)).toHaveLength(3);
    const runs = w.journal.db.prepare('SELECT runs FROM cycles').get() as { runs: number };
    expect(runs.runs).toBe(2);
  });

  it('a crash after the order left but before the result was journaled is settled by client id, once', async () => {
    let failResult = true;
    let broker: ReturnType<typeof countingBroker> | undefined;
    const w = makeWorld({
      prices: PRICES,
      brain: createScriptedBrain({ AAPL: {} }),
      wrapBroker: (b) => (broker = countingBroker(b)),
      wrapJournal: (j): Journal => ({
        ...j,
        recordResult: (id, exec) => {
          if (failResult && id.endsWith(':AAPL')) throw new JournalError('killed');
          j.recordResult(id, exec);
        },
      }),
    });
    const first = await runCycle(w.deps, w.asOf);
    expect(first.failed_symbols).toEqual(['AAPL']);
    expect(broker!.submits).toBe(1);
    failResult = false;
    const second = await runCycle(w.deps, w.asOf);
    expect(second.status).toBe('ok');
    expect(broker!.submits).toBe(1);
    // AAPL's journaled intent was carried out now (adopted by client id, not re-sent).
    expect(second.resumed).toEqual({ already_done: 2, executed_now: 1, orders_sent_now: 0 });
    const row = w.journal.db.prepare("SELECT execute_status, order_id FROM trades WHERE symbol = 'AAPL'").get() as { execute_status: string; order_id: string };
    expect(row.execute_status).toBe('recovered');
    expect(row.order_id).toMatch(/^sim-/);
    const lines = readFileSync(join(w.dir, 'journal.jsonl'), 'utf8').trim().split('\n').filter((l) => l.includes(':AAPL'));
    expect(lines).toHaveLength(1);
  });

  it('an unknown symbol yields missing_critical and a journaled HOLD, not a crash', async () => {
    const w = makeWorld({ prices: PRICES, watchlist: ['AAPL', 'NOPE'], brain: createScriptedBrain({ NOPE: {} }) });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.status).toBe('ok');
    const row = w.journal.db.prepare("SELECT action, model_action, overrides, logic_json FROM trades WHERE symbol = 'NOPE'").get() as Record<string, string>;
    expect(row.model_action).toBe('BUY');
    expect(row.action).toBe('HOLD');
    expect(JSON.parse(row.overrides!)[0].rule).toBe('missing_critical_data');
    expect(JSON.parse(row.logic_json!).snapshot.data_quality.missing_critical).toContain('price');
  });

  it('a brain failure becomes a journaled safe HOLD and the cycle goes on', async () => {
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: new Error('model exploded'), MSFT: {} }) });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.actions).toEqual({ BUY: 1, SELL: 0, HOLD: 2 });
    const row = w.journal.db.prepare("SELECT action, parse_fallback, logic_json FROM trades WHERE symbol = 'AAPL'").get() as Record<string, unknown>;
    expect(row.action).toBe('HOLD');
    expect(row.parse_fallback).toBe(1);
    expect(JSON.parse(row.logic_json as string).parse_fallback.reason).toContain('model exploded');
  });

  it('is a no-op when the market is closed, unless forced', async () => {
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain({ AAPL: {} }), at: '08:00' });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.status).toBe('skipped');
    expect(tradeRows(w)).toHaveLength(0);
    const forced = await runCycle(w.deps, w.asOf, { force: true });
    expect(forced.status).toBe('ok');
    expect(tradeRows(w)).toHaveLength(3);
  });

  it('a SELL cancels the bracket legs and sells the whole position at market', async () => {
    const script: Record<string, object> = { AAPL: {} };
    const w = makeWorld({ prices: PRICES, brain: createScriptedBrain(script) });
    await runCycle(w.deps, w.asOf);
    const t2 = nyTime(TEST_DATE, '12:00');
    w.clock.set(t2);
    expect((await w.broker.getPositions()).map((p) => [p.symbol, p.qty])).toEqual([['AAPL', 50]]);
    script.AAPL = { action: 'SELL', size_pct: 0 };
    const s = await runCycle(w.deps, t2);
    expect(s.actions.SELL).toBe(1);
    const row = w.journal.db.prepare("SELECT logic_json FROM trades WHERE id LIKE '%T17%:AAPL'").get() as { logic_json: string };
    const exec = JSON.parse(row.logic_json).execute;
    expect(exec.status).toBe('submitted');
    expect(exec.canceledLegs).toHaveLength(2);
    w.clock.set(nyTime(TEST_DATE, '12:05'));
    expect(await w.broker.getPositions()).toEqual([]);
  });

  it('one symbol failing marks the cycle failed while the others complete', async () => {
    const w = makeWorld({
      prices: PRICES,
      brain: createScriptedBrain({ AAPL: {}, MSFT: {} }),
      wrapBroker: (b) => ({
        ...b,
        getOrderByClientId: async (id: string) => {
          if (id.includes('-AAPL-')) throw new Error('broker hiccup');
          return b.getOrderByClientId(id);
        },
      }),
    });
    const s = await runCycle(w.deps, w.asOf);
    expect(s.status).toBe('failed');
    expect(s.failed_symbols).toEqual(['AAPL']);
    const rows = tradeRows(w);
    expect(rows.find((r) => r.symbol === 'MSFT')!.execute_status).toBe('submitted');
    expect(rows.find((r) => r.symbol === 'AAPL')!.execute_status).toBe('error');
  });
});
