/**
 * Viewer latency under load: seeds a journal with 50,000 cycles and 1,000,000 trade rows
 * (realistic ~1.5 KB logic_json each, plus orders for the trades that sent one), serves the
 * viewer over HTTP on 127.0.0.1, and measures p50/p95 of `/`, `/cycle/:id` and
 * `/api/trades?symbol=` while a second connection (a worker thread) keeps inserting cycles
 * and trades in WAL mode. Target: p95 below 50 ms.
 *
 *   npx tsx bench/viewer.ts [--cycles 50000] [--per-cycle 20] [--requests 300] [--keep]
 *
 * The database lives in a temp dir and is deleted afterwards unless --keep is given.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import { openDatabase } from '../src/journal/sqlite.js';
import { createViewerApp } from '../src/web/app.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '50000' },
    'per-cycle': { type: 'string', default: '20' },
    requests: { type: 'string', default: '300' },
    keep: { type: 'boolean', default: false },
  },
});
const CYCLES = Number(values.cycles);
const PER_CYCLE = Number(values['per-cycle']);
const REQUESTS = Number(values.requests);

const UNIVERSE = [
  'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'JPM', 'V', 'UNH', 'XOM', 'JNJ', 'WMT', 'PG', 'MA', 'HD', 'COST', 'AVGO', 'KO', 'PEP',
  'SPY', 'QQQ', 'IWM', 'TLT', 'GLD', 'SH', 'PSQ', 'AMD', 'NFLX', 'CRM', 'ORCL', 'ADBE', 'INTC', 'CSCO', 'BAC', 'WFC', 'GS', 'MS', 'C', 'CVX',
];
const START = Date.UTC(2019, 0, 2, 15, 0);
/** Four cycles a trading day, weekdays only (close enough for load). */
function asOfFor(i: number): number {
  const day = Math.floor(i / 4);
  const week = Math.floor(day / 5);
  const dow = day % 5;
  return START + (week * 7 + dow) * 86_400_000 + (i % 4) * 7_200_000;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function logicJson(symbol: string, asOf: string, price: number, action: string, r: () => number, override: boolean): string {
  const final = { action, symbol, strategy: action === 'HOLD' ? 'no_edge' : 'trend_momentum', confidence: Number((0.4 + r() * 0.5).toFixed(2)), size_pct: action === 'BUY' ? 0.05 : 0, stop_loss: action === 'BUY' ? Number((price * 0.96).toFixed(2)) : null, take_profit: action === 'BUY' ? Number((price * 1.06).toFixed(2)) : null, rationale: `${symbol} trades ${price.toFixed(2)}; EMA9 ${r() > 0.5 ? 'above' : 'below'} EMA21, RSI ${(30 + r() * 40).toFixed(1)}, MACD histogram ${(r() - 0.5).toFixed(3)}; regime bullish 0.62.`, evidence: ['ema9 > ema21', `rsi14 ${(30 + r() * 40).toFixed(1)}`, 'volume above 20d average'] };
  return JSON.stringify({
    snapshot: {
      symbol, as_of: asOf, price, prev_close: Number((price * (1 + (r() - 0.5) / 50)).toFixed(2)), change_pct: Number(((r() - 0.5) * 3).toFixed(4)), bid: price - 0.01, ask: price + 0.01,
      bars: { daily_count: 300, last_close_at: asOf },
      indicators: { rsi14: 55.2, macd: { macd: 1.2, signal: 0.9, histogram: 0.3 }, ema9: price * 0.99, ema21: price * 0.97, ema50: price * 0.95, ema200: price * 0.9, sma50: price * 0.95, sma200: price * 0.9, atr14: price * 0.02 },
      account: { equity: 100_000, cash: 60_000, buying_power: 60_000, day_pl: 120.5 },
      position: null, open_positions: 4,
      data_quality: { missing_critical: [], missing_optional: ['news'], staleness_sec: 12 },
      market_regime: { direction: 'bullish', conviction: 0.62, bearish_tickers: [], rationale: 'SPY above 50/200', source: 'rules', cached: true, as_of: asOf },
    },
    raw: { rules: ['trend_momentum'], scores: { trend: Number(r().toFixed(3)), momentum: Number(r().toFixed(3)) } },
    model_decision: override ? { ...final, action: 'BUY', size_pct: 0.12 } : final,
    final,
    overrides: override ? [{ rule: 'confidence_floor', effect: 'hold', detail: 'confidence 0.50 below 0.55' }] : [],
    prompt_version: 'rules-v1',
    usage: [{ model: 'rules', purpose: 'decide', attempt: 1, input_tokens: 1450, output_tokens: 190, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, latency_ms: 3, cost_usd: 0 }],
    cost_usd: 0,
    execute: action === 'HOLD' ? { status: 'none' } : { status: 'submitted', side: action === 'BUY' ? 'buy' : 'sell', qty: 25, refPrice: price, orderStatus: 'accepted' },
  });
}

function seed(dbPath: string): { cycleIds: string[]; seconds: number } {
  const t0 = performance.now();
  const db = openDatabase(dbPath); // writable: runs every migration (indexes included), WAL
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF'); // each cycle row is written after its trades, in the same transaction
  db.pragma('cache_size = -200000');
  const insCycle = db.prepare(
    `INSERT INTO cycles (id, mode, brain, as_of, status, runs, equity, regime_json, watchlist_json, summary_json, timing_json, recorded_at, finished_recorded_at)
     VALUES (?, 'sim', 'rules', ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insTrade = db.prepare(
    `INSERT INTO trades (id, cycle_id, symbol, as_of, brain, model_action, action, strategy, confidence, size_pct, rationale, price, equity, overrides,
      parse_fallback, cost_usd, execute_status, client_order_id, order_id, qty, logic_json, jsonl_written, recorded_at, result_recorded_at)
     VALUES (?, ?, ?, ?, 'rules', ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?, ?, 1, ?, ?)`,
  );
  const insOrder = db.prepare(
    `INSERT INTO orders (id, client_order_id, parent_id, leg_kind, trade_id, cycle_id, exit_kind, symbol, side, type, order_class, time_in_force, qty,
      limit_price, stop_price, status, filled_qty, filled_avg_price, commission, submitted_at, filled_at, updated_at, recorded_at)
     VALUES (?, ?, NULL, NULL, ?, ?, NULL, ?, ?, 'market', ?, ?, 25, NULL, NULL, 'filled', 25, ?, 0, ?, ?, ?, ?)`,
  );
  const r = rng(42);
  const regime = JSON.stringify({ direction: 'bullish', conviction: 0.62, bearish_tickers: [], rationale: 'SPY above its 50 and 200 day averages', source: 'rules', cached: true, as_of: '' });
  const cycleIds: string[] = [];
  let orderSeq = 0;
  let equity = 100_000;
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const t = asOfFor(i);
      const asOf = new Date(t).toISOString();
      const id = `c${asOf.slice(0, 4)}${asOf.slice(5, 7)}${asOf.slice(8, 10)}T${asOf.slice(11, 13)}${asOf.slice(14, 16)}Z`;
      cycleIds.push(id);
      const syms = Array.from({ length: PER_CYCLE }, (_, k) => UNIVERSE[(i * 7 + k) % UNIVERSE.length]!);
      const actions = { BUY: 0, SELL: 0, HOLD: 0 };
      const stages: { stage: string; symbol?: string; ms: number }[] = [{ stage: 'broker_state', ms: 12 }, { stage: 'market_data', ms: 180 }, { stage: 'regime', ms: 4 }];
      let orders = 0;
      for (const s of syms) {
        const x = r();
        const action = x < 0.12 ? 'BUY' : x < 0.2 ? 'SELL' : 'HOLD';
        const override = action === 'HOLD' && r() < 0.1;
        actions[action]++;
        const price = Number((50 + r() * 400).toFixed(2));
        const tid = `${id}:${s}`;
        let oid: string | null = null;
        let coid: string | null = null;
        if (action !== 'HOLD') {
          oid = `sim-${String(++orderSeq).padStart(8, '0')}`;
          coid = `lt-${id}-${s}-${action === 'BUY' ? 'buy' : 'sell'}`;
          insOrder.run(oid, coid, tid, id, s, action === 'BUY' ? 'buy' : 'sell', action === 'BUY' ? 'bracket' : 'simple', action === 'BUY' ? 'gtc' : 'day', price, asOf, asOf, asOf, asOf);
          orders++;
        }
        const logic = logicJson(s, asOf, price, action, r, override);
        insTrade.run(tid, id, s, asOf, override ? 'BUY' : action, action, action === 'HOLD' ? 'no_edge' : 'trend_momentum', 0.4 + r() * 0.5, action === 'BUY' ? 0.05 : 0,
          `${s} trades ${price}; trend ${r() > 0.5 ? 'up' : 'flat'}.`, price, equity,
          override ? '[{"rule":"confidence_floor","effect":"hold","detail":"confidence 0.50 below 0.55"}]' : '[]',
          action === 'HOLD' ? 'none' : 'submitted', coid, oid, action === 'HOLD' ? null : 25, logic, asOf, asOf);
        stages.push({ stage: 'snapshot', symbol: s, ms: 1 }, { stage: 'decide', symbol: s, ms: 2 }, { stage: 'risk', symbol: s, ms: 0 }, { stage: 'journal_intent', symbol: s, ms: 1 }, { stage: 'execute', symbol: s, ms: action === 'HOLD' ? 0 : 35 }, { stage: 'journal_result', symbol: s, ms: 1 });
      }
      equity = Number((equity * (1 + (r() - 0.49) / 200)).toFixed(2));
      const summary = { cycle_id: id, as_of: asOf, mode: 'sim', brain: 'rules', status: 'ok', symbols: PER_CYCLE, actions, orders_submitted: orders, orders_rejected: 0, error: false, failed_symbols: [], regime: { direction: 'bullish', conviction: 0.62, source: 'rules' }, cost_usd: 0 };
      const timing = { duration_ms: stages.reduce((a, s) => a + s.ms, 0), slowest_stages: stages.slice(1, 4), stages };
      insCycle.run(id, asOf, 'ok', equity, regime, JSON.stringify(syms.map((symbol) => ({ symbol, reason: 'static' }))), JSON.stringify(summary), JSON.stringify(timing), asOf, asOf);
    }
  });
  const STEP = 2500;
  for (let i = 0; i < CYCLES; i += STEP) {
    batch(i, Math.min(CYCLES, i + STEP));
    if ((i / STEP) % 4 === 0) process.stdout.write(`  seeded ${Math.min(CYCLES, i + STEP).toLocaleString('en-US')} cycles\r`);
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('ANALYZE');
  db.close();
  process.stdout.write('\n');
  return { cycleIds, seconds: (performance.now() - t0) / 1000 };
}

const WRITER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.modPath);
const db = new Database(workerData.dbPath);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = NORMAL');
const insCycle = db.prepare("INSERT INTO cycles (id, mode, brain, as_of, status, runs, recorded_at) VALUES (?, 'sim', 'rules', ?, 'running', 1, ?)");
const insTrade = db.prepare("INSERT INTO trades (id, cycle_id, symbol, as_of, brain, model_action, action, strategy, confidence, size_pct, rationale, price, equity, overrides, parse_fallback, cost_usd, execute_status, logic_json, recorded_at) VALUES (?, ?, ?, ?, 'rules', 'HOLD', 'HOLD', 'no_edge', 0.4, 0, 'writer', 100, 100000, '[]', 0, 0, 'none', ?, ?)");
const finish = db.prepare("UPDATE cycles SET status = 'ok', equity = ?, summary_json = ?, timing_json = ?, finished_recorded_at = ? WHERE id = ?");
const logic = JSON.stringify({ snapshot: { pad: 'x'.repeat(1300) }, raw: null, model_decision: { action: 'HOLD' }, final: { action: 'HOLD' }, overrides: [], prompt_version: 'w', usage: [], cost_usd: 0, execute: { status: 'none' } });
const syms = workerData.symbols;
let stop = false;
parentPort.on('message', () => { stop = true; });
const sleep = new Int32Array(new SharedArrayBuffer(4));
let i = 0, rows = 0;
const t0 = Date.now();
function step() {
  const asOf = new Date(workerData.start + i * 60000).toISOString();
  const id = 'w' + i;
  const now = new Date().toISOString();
  db.transaction(() => {
    insCycle.run(id, asOf, now);
    for (const s of syms) { insTrade.run(id + ':' + s, id, s, asOf, logic, now); rows++; }
  })();
  finish.run(100000 + i, JSON.stringify({ symbols: syms.length, actions: { BUY: 0, SELL: 0, HOLD: syms.length } }), JSON.stringify({ duration_ms: 5, stages: [] }), now, id);
  i++;
}
(function loop() {
  if (stop) { db.close(); parentPort.postMessage({ cycles: i, rows, seconds: (Date.now() - t0) / 1000 }); return; }
  step();
  Atomics.wait(sleep, 0, 0, workerData.pauseMs);
  setImmediate(loop);
})();
`;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'viewer-bench-'));
  const dbPath = join(dir, 'trades.db');
  console.log(`seeding ${CYCLES.toLocaleString('en-US')} cycles x ${PER_CYCLE} symbols = ${(CYCLES * PER_CYCLE).toLocaleString('en-US')} trade rows into ${dbPath}`);
  const { cycleIds, seconds } = seed(dbPath);
  const mb = statSync(dbPath).size / 1e6;
  console.log(`seeded in ${seconds.toFixed(1)} s; database ${mb.toFixed(0)} MB`);

  const db = openDatabase(dbPath, { readonly: true });
  const app = createViewerApp({ db, broker: null, reportsDir: join(dir, 'reports'), archDocPath: join(dir, 'none.md'), clock: { now: () => Date.now() } });
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const writer = new Worker(WRITER, {
    eval: true,
    workerData: { modPath: createRequire(import.meta.url).resolve('better-sqlite3'), dbPath, start: asOfFor(CYCLES) + 86_400_000, symbols: UNIVERSE.slice(0, PER_CYCLE), pauseMs: 20 },
  });
  const writerDone = new Promise<{ cycles: number; rows: number; seconds: number }>((resolve, reject) => {
    writer.once('message', resolve);
    writer.once('error', reject);
  });

  const r = rng(7);
  const routes: { name: string; path: () => string; target: boolean }[] = [
    { name: '/', path: () => '/', target: true },
    { name: '/cycle/:id', path: () => `/cycle/${cycleIds[Math.floor(r() * cycleIds.length)]!}`, target: true },
    { name: '/api/trades?symbol=', path: () => `/api/trades?symbol=${UNIVERSE[Math.floor(r() * UNIVERSE.length)]!}`, target: true },
    { name: '/?symbol=&action=BUY', path: () => `/?symbol=${UNIVERSE[Math.floor(r() * UNIVERSE.length)]!}&action=BUY`, target: false },
    { name: '/?before= (deep page)', path: () => `/?before=${1 + Math.floor(r() * (CYCLES - 100))}`, target: false },
    { name: '/api/trades?symbol=&action=SELL', path: () => `/api/trades?symbol=${UNIVERSE[Math.floor(r() * UNIVERSE.length)]!}&action=SELL`, target: false },
  ];
  const results: { name: string; p50: number; p95: number; p99: number; max: number; bytes: number; target: boolean }[] = [];
  for (const route of routes) {
    for (let i = 0; i < 15; i++) await (await fetch(base + route.path())).arrayBuffer();
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      const res = await fetch(base + route.path());
      const buf = await res.arrayBuffer();
      times.push(performance.now() - t);
      if (res.status !== 200) throw new Error(`${route.name}: HTTP ${res.status}`);
      bytes += buf.byteLength;
    }
    results.push({ name: route.name, p50: pct(times, 50), p95: pct(times, 95), p99: pct(times, 99), max: Math.max(...times), bytes: bytes / REQUESTS, target: route.target });
  }
  writer.postMessage('stop');
  const w = await writerDone;
  // The writer thread keeps listening on its port after it reports: end it, or the bench never exits.
  await writer.terminate();
  server.close();
  db.close();

  console.log(`\nwriter during the run: ${w.cycles.toLocaleString('en-US')} cycles, ${w.rows.toLocaleString('en-US')} trade rows in ${w.seconds.toFixed(1)} s (${(w.rows / w.seconds).toFixed(0)} rows/s), WAL, second connection`);
  console.log(`${REQUESTS} sequential HTTP requests per route over 127.0.0.1 (after 15 warm-up)\n`);
  console.log(`${'route'.padEnd(34)}${'p50 ms'.padStart(9)}${'p95 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'KB'.padStart(8)}  target p95 < 50 ms`);
  for (const x of results) {
    const verdict = x.target ? (x.p95 < 50 ? 'met' : 'MISSED') : '(extra)';
    console.log(`${x.name.padEnd(34)}${x.p50.toFixed(1).padStart(9)}${x.p95.toFixed(1).padStart(9)}${x.p99.toFixed(1).padStart(9)}${x.max.toFixed(1).padStart(9)}${(x.bytes / 1024).toFixed(1).padStart(8)}  ${verdict}`);
  }
  if (values.keep) console.log(`\nkept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
