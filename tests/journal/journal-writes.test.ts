import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { snapshotExcerpt } from '../../src/core/snapshot.js';
import type { Order } from '../../src/domain/broker.js';
import { createJournal, type SqliteJournal } from '../../src/journal/journal.js';
import { readJournal } from '../../src/journal/jsonl.js';
import { openDatabase } from '../../src/journal/sqlite.js';
import type { DecisionEntry, ExecuteBlock } from '../../src/ports/journal.js';
import { decision, snapshot } from '../helpers/builders.js';

/**
 * The journal's write path: a result row is the intent's logic_json plus the execute block
 * (whether the intent was written by this process or read back), the JSONL mirror of a batch is
 * written with the batch and dropped with its rollback, and an order reported again unchanged
 * (order sync re-reports every open order) writes nothing.
 */

const T0 = Date.UTC(2026, 10, 20, 15, 0);

function open(dir = mkdtempSync(join(tmpdir(), 'jw-'))): { j: SqliteJournal; dir: string } {
  let t = T0;
  return { j: createJournal({ dbPath: join(dir, 't.db'), jsonlPath: join(dir, 'j.jsonl'), maxBytes: 1e12, keepRotated: 0, wallClock: { now: () => (t += 1000) }, mode: 'test' }), dir };
}

function entry(id: string, symbol: string): DecisionEntry {
  const snap = snapshotExcerpt(snapshot({ symbol }));
  const d = decision({ symbol, rationale: 'why <b>"x"</b>' });
  return {
    id,
    cycleId: 'c1',
    symbol,
    asOf: T0,
    brain: 'rules',
    modelAction: 'BUY',
    final: d,
    price: 100,
    equity: 100_000,
    logic: { snapshot: snap, raw: { a: 1 }, model_decision: d, final: d, overrides: [{ rule: 'size_clamp', effect: 'clamp', detail: 'x' }], prompt_version: 'v1', usage: [], cost_usd: 0 },
  };
}
const exec: ExecuteBlock = { status: 'submitted', clientOrderId: 'lt-c1-AAPL-buy', orderId: 'o1', qty: 3, side: 'buy', refPrice: 100 } as ExecuteBlock;

const row = (j: SqliteJournal, id: string) => j.db.prepare('SELECT * FROM trades WHERE id = ?').get(id) as Record<string, unknown>;

describe('journal writes', () => {
  it('a result row is the intent logic_json plus the execute block, written by this process or read back after a restart', () => {
    const a = open();
    a.j.beginCycle({ id: 'c1', mode: 'test', brain: 'rules', asOf: T0 });
    a.j.recordIntent(entry('c1:AAPL', 'AAPL'));
    a.j.recordIntent(entry('c1:MSFT', 'MSFT'));
    a.j.recordResult('c1:AAPL', exec);
    a.j.close();
    // A new process finishes the other one: no intent in memory, the row is read back.
    const b = open(a.dir);
    b.j.recordResult('c1:MSFT', exec);
    for (const [id, sym] of [['c1:AAPL', 'AAPL'], ['c1:MSFT', 'MSFT']] as const) {
      const r = row(b.j, id);
      expect(r.logic_json).toBe(JSON.stringify({ ...entry(id, sym).logic, execute: exec }));
      expect(r.jsonl_written).toBe(1);
    }
    const lines = readJournal(join(a.dir, 'j.jsonl')) as { id: string; execute: unknown; overrides: string[] }[];
    expect(lines.map((l) => l.id)).toEqual(['c1:AAPL', 'c1:MSFT']);
    expect(lines[0]).toMatchObject({ execute: exec, overrides: ['size_clamp:clamp'] });
    expect(() => b.j.recordResult('c1:AAPL', exec)).toThrow(/already has a result/);
    expect(() => b.j.recordResult('c1:NOPE', exec)).toThrow(/no trade row/);
    b.j.close();
  });

  it('in a batch the JSONL lines are written with the commit, and dropped with a rollback', async () => {
    const { j, dir } = open();
    const path = join(dir, 'j.jsonl');
    j.beginCycle({ id: 'c1', mode: 'test', brain: 'rules', asOf: T0 });
    await j.batch(async () => {
      j.recordIntent(entry('c1:AAPL', 'AAPL'));
      j.recordResult('c1:AAPL', exec);
      expect(existsSync(path) ? readFileSync(path, 'utf8') : '').toBe('');
    });
    expect(readJournal(path).map((l) => (l as { id: string }).id)).toEqual(['c1:AAPL']);
    await expect(
      j.batch(async () => {
        j.recordIntent(entry('c1:MSFT', 'MSFT'));
        j.recordResult('c1:MSFT', exec);
        throw new Error('crash mid-batch');
      }),
    ).rejects.toThrow('crash mid-batch');
    expect(readJournal(path).map((l) => (l as { id: string }).id)).toEqual(['c1:AAPL']);
    expect(j.getTrade('c1:MSFT')).toBeNull();
    // The rolled-back intent is gone for good: its result cannot be written from memory.
    expect(() => j.recordResult('c1:MSFT', exec)).toThrow(/no trade row/);
    j.close();
  });

  it('in a batch a HOLD is written with its result in one row write: the same row, and no intent is ever missing from what the table shows', async () => {
    const hold = (id: string, sym: string): DecisionEntry => {
      const e = entry(id, sym);
      const d = decision({ symbol: sym, action: 'HOLD', size_pct: 0, stop_loss: null, take_profit: null, rationale: 'HOLD: no setup' });
      return { ...e, modelAction: 'HOLD', final: d, logic: { ...e.logic, model_decision: d, final: d } };
    };
    const none: ExecuteBlock = { status: 'none' };
    const rows = (j: SqliteJournal) => j.db.prepare('SELECT * FROM trades ORDER BY rowid').all();
    // Reference: the same writes outside a batch (intent INSERT, result UPDATE).
    const a = open();
    a.j.beginCycle({ id: 'c1', mode: 'test', brain: 'rules', asOf: T0 });
    a.j.recordIntent(hold('c1:AAPL', 'AAPL'));
    a.j.recordResult('c1:AAPL', none);
    a.j.recordIntent(entry('c1:MSFT', 'MSFT'));
    a.j.recordResult('c1:MSFT', exec);
    const b = open();
    b.j.beginCycle({ id: 'c1', mode: 'test', brain: 'rules', asOf: T0 });
    await b.j.batch(async () => {
      b.j.recordIntent(hold('c1:AAPL', 'AAPL'));
      b.j.recordResult('c1:AAPL', none);
      b.j.recordIntent(entry('c1:MSFT', 'MSFT'));
      // A BUY's intent is in the table before its order can leave.
      expect(b.j.db.prepare('SELECT id FROM trades WHERE id = ?').get('c1:MSFT')).toBeDefined();
      b.j.recordResult('c1:MSFT', exec);
    });
    expect(rows(b.j)).toEqual(rows(a.j));
    expect(readJournal(join(b.dir, 'j.jsonl'))).toEqual(readJournal(join(a.dir, 'j.jsonl')));
    // A HOLD whose result never came: read through the journal, or committed, its intent row is there.
    await b.j.batch(async () => {
      b.j.recordIntent(hold('c1:KO', 'KO'));
      expect(b.j.getTrade('c1:KO')?.action).toBe('HOLD');
      b.j.recordResult('c1:KO', none);
      b.j.recordIntent(hold('c1:XOM', 'XOM'));
    });
    expect(b.j.pendingIntents().map((p) => p.tradeId)).toEqual(['c1:XOM']);
    expect((b.j.db.prepare("SELECT execute_status FROM trades WHERE id = 'c1:KO'").get() as { execute_status: string }).execute_status).toBe('none');
    a.j.close();
    b.j.close();
  });

  it("a backtest's journal (rollback journal in memory, no WAL) rolls a batch back and reads back read-only", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jw-'));
    const dbPath = join(dir, 't.db');
    const j = createJournal({ dbPath, jsonlPath: join(dir, 'j.jsonl'), maxBytes: 1e12, keepRotated: 0, wallClock: { now: () => T0 }, mode: 'test', fsync: false, journalInMemory: true });
    expect(j.db.pragma('journal_mode', { simple: true })).toBe('memory');
    j.beginCycle({ id: 'c1', mode: 'test', brain: 'rules', asOf: T0 });
    await j.batch(async () => {
      j.recordIntent(entry('c1:AAPL', 'AAPL'));
      j.recordResult('c1:AAPL', exec);
    });
    await expect(
      j.batch(async () => {
        j.recordIntent(entry('c1:MSFT', 'MSFT'));
        throw new Error('crash mid-batch');
      }),
    ).rejects.toThrow('crash mid-batch');
    j.close();
    expect(existsSync(`${dbPath}-wal`)).toBe(false);
    const r = openDatabase(dbPath, { readonly: true });
    expect((r.prepare('SELECT id FROM trades').all() as { id: string }[]).map((x) => x.id)).toEqual(['c1:AAPL']);
    r.close();
  });

  it('in a batch (orders read from its cache) an order sync writes the same rows and events as outside one', async () => {
    const o: Order = {
      id: 'o1', clientOrderId: 'c-1', symbol: 'AAPL', side: 'sell', type: 'stop', qty: 3, filledQty: 0, filledAvgPrice: null, status: 'new', timeInForce: 'gtc',
      orderClass: 'simple', limitPrice: null, stopPrice: 95, submittedAt: T0, filledAt: null, updatedAt: T0, parentId: null, legKind: null, legs: [], commission: 0,
    } as Order;
    const filled = { ...o, status: 'filled', filledQty: 3, filledAvgPrice: 94.9, filledAt: T0 + 60_000, updatedAt: T0 + 60_000 } as Order;
    const parent = { ...o, id: 'p1', clientOrderId: 'c-p', side: 'buy', type: 'market', stopPrice: null, legs: [{ ...o, id: 'l1', clientOrderId: 'c-l', parentId: 'p1', legKind: 'stop_loss' }] } as Order;
    const steps = (j: SqliteJournal) => {
      j.recordOrder(o, { exitKind: 'bracket_stop' });
      j.recordOrder(o, {});
      j.recordOrder(o, { tradeId: 'c1:AAPL' });
      j.recordOrder(o, { tradeId: 'c1:AAPL' });
      j.recordOrder(filled, {});
      j.recordOrder(filled, {});
      j.recordOrder(parent, { tradeId: 'c1:AAPL', cycleId: 'c1' });
      j.recordOrder({ ...parent.legs[0]!, status: 'canceled', updatedAt: T0 + 120_000 } as Order, {});
      j.recordOrder(parent, { tradeId: 'c1:AAPL', cycleId: 'c1' });
    };
    const dump = (j: SqliteJournal) => ({ orders: j.db.prepare('SELECT * FROM orders ORDER BY id').all(), events: j.db.prepare('SELECT * FROM order_events ORDER BY seq').all() });
    const a = open();
    steps(a.j);
    const b = open();
    await b.j.batch(async () => steps(b.j));
    expect(dump(b.j)).toEqual(dump(a.j));
    a.j.close();
    b.j.close();
  });

  it('an order reported again unchanged writes nothing; a change is written with one event', () => {
    const { j } = open();
    const o: Order = {
      id: 'o1', clientOrderId: 'c-1', symbol: 'AAPL', side: 'sell', type: 'stop', qty: 3, filledQty: 0, filledAvgPrice: null, status: 'new', timeInForce: 'gtc',
      orderClass: 'simple', limitPrice: null, stopPrice: 95, submittedAt: T0, filledAt: null, updatedAt: T0, parentId: null, legKind: null, legs: [], commission: 0,
    } as Order;
    const snap = () => ({ order: j.db.prepare('SELECT * FROM orders').all(), events: j.db.prepare('SELECT * FROM order_events').all() });
    j.recordOrder(o, { exitKind: 'bracket_stop' });
    const first = snap();
    j.recordOrder(o, {});
    j.recordOrder(o, { exitKind: 'bracket_stop' });
    expect(snap()).toEqual(first);
    j.recordOrder(o, { tradeId: 'c1:AAPL' }); // a trade id the row lacks: written
    expect((snap().order[0] as { trade_id: string }).trade_id).toBe('c1:AAPL');
    expect(snap().events).toHaveLength(1);
    j.recordOrder({ ...o, status: 'filled', filledQty: 3, filledAvgPrice: 94.9, filledAt: T0 + 60_000, updatedAt: T0 + 60_000 }, {});
    expect(snap().events).toHaveLength(2);
    expect(snap().order[0]).toMatchObject({ status: 'filled', filled_qty: 3, exit_kind: 'bracket_stop' });
    j.close();
  });
});
