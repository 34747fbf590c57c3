import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from './fixture.js';

/**
 * The trader writes while the viewer reads. A second better-sqlite3 connection in a worker
 * thread inserts cycles and trades in a loop (WAL mode, as the journal runs) for a bounded
 * time; meanwhile the viewer answers page and API requests. Every answer must succeed, and
 * the viewer must see the writer's rows as they commit.
 */

const WRITER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.modPath);
const db = new Database(workerData.dbPath);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
const insCycle = db.prepare("INSERT INTO cycles (id, mode, brain, as_of, status, runs, recorded_at) VALUES (?, 'sim', 'rules', ?, 'running', 1, ?)");
const insTrade = db.prepare("INSERT INTO trades (id, cycle_id, symbol, as_of, brain, model_action, action, strategy, confidence, size_pct, rationale, price, equity, overrides, parse_fallback, cost_usd, execute_status, logic_json, recorded_at) VALUES (?, ?, ?, ?, 'rules', ?, ?, 'trend_momentum', 0.7, 0.05, 'writer row', 100, 100000, '[]', 0, 0, 'none', ?, ?)");
const finish = db.prepare("UPDATE cycles SET status = 'ok', equity = ?, summary_json = ?, timing_json = ?, finished_recorded_at = ? WHERE id = ?");
const logic = JSON.stringify({ snapshot: { pad: 'x'.repeat(900) }, raw: null, model_decision: { action: 'HOLD' }, final: { action: 'HOLD' }, overrides: [], prompt_version: 'w', usage: [], cost_usd: 0, execute: { status: 'none' } });
const syms = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'TLT'];
const tx = db.transaction((i) => {
  const asOf = new Date(workerData.start + i * 60000).toISOString();
  const id = 'w' + i;
  const now = new Date().toISOString();
  insCycle.run(id, asOf, now);
  for (const s of syms) {
    const a = (i + s.length) % 3 === 0 ? 'BUY' : 'HOLD';
    insTrade.run(id + ':' + s, id, s, asOf, a, a, logic, now);
  }
  finish.run(100000 + i, JSON.stringify({ symbols: 5, actions: { BUY: 1, SELL: 0, HOLD: 4 }, orders_submitted: 0 }), JSON.stringify({ duration_ms: 5, stages: [] }), now, id);
});
const end = Date.now() + workerData.ms;
let i = 0;
while (Date.now() < end) tx(i++);
db.close();
parentPort.postMessage(i);
`;

let fx: Fixture;
beforeAll(() => {
  fx = makeFixture();
});
afterAll(() => fx.db.close());

describe('viewer reads while the trader writes (WAL)', () => {
  it('answers every request without error and sees new rows', async () => {
    const app = fx.app();
    const cyclesBefore = (fx.db.prepare('SELECT COUNT(*) AS n FROM cycles').get() as { n: number }).n;
    const worker = new Worker(WRITER, {
      eval: true,
      workerData: { modPath: createRequire(import.meta.url).resolve('better-sqlite3'), dbPath: fx.seeded.dbPath, ms: 1500, start: Date.UTC(2026, 11, 1, 15, 0) },
    });
    let writerDone = false;
    const written = new Promise<number>((resolve, reject) => {
      worker.once('message', (n: number) => resolve(n));
      worker.once('error', reject);
    }).finally(() => {
      writerDone = true;
    });

    const failures: string[] = [];
    let requests = 0;
    let sawWriterRows = false;
    const paths = ['/', '/?action=BUY', '/api/trades?symbol=AAPL&limit=20', '/api/cycles?limit=5', '/healthz', '/?symbol=MSFT'];
    const deadline = Date.now() + 20_000;
    while (!writerDone && Date.now() < deadline) {
      // app.request() never leaves the microtask queue; yield so the worker's message can arrive.
      await new Promise((r) => setImmediate(r));
      for (const path of paths) {
        const r = await app.request(path);
        requests++;
        if (r.status !== 200) failures.push(`${path}: ${r.status} ${(await r.text()).slice(0, 200)}`);
        else if (path === '/api/cycles?limit=5') {
          const body = (await r.json()) as { cycles: { id: string }[] };
          const newest = body.cycles[0];
          if (newest && newest.id.startsWith('w')) {
            sawWriterRows = true;
            const page = await app.request(`/cycle/${newest.id}`);
            requests++;
            if (page.status !== 200) failures.push(`/cycle/${newest.id}: ${page.status}`);
          }
        } else await r.arrayBuffer();
      }
    }
    const n = await written;
    expect(failures).toEqual([]);
    expect(n).toBeGreaterThan(10);
    expect(requests).toBeGreaterThan(20);
    expect(sawWriterRows).toBe(true);
    const cyclesAfter = (fx.db.prepare('SELECT COUNT(*) AS n FROM cycles').get() as { n: number }).n;
    expect(cyclesAfter).toBe(cyclesBefore + n);
    const health = (await (await app.request('/healthz')).json()) as { last_cycle_at: string; db: string };
    expect(health.db).toBe('ok');
    expect(health.last_cycle_at).toBe(new Date(Date.UTC(2026, 11, 1, 15, 0) + (n - 1) * 60_000).toISOString());
  });
});
