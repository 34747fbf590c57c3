import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_UNIVERSE } from '../../src/config.js';
import { REGIME_BENCHMARKS } from '../../src/core/regime.js';
import { readJournal } from '../../src/journal/jsonl.js';
import { startFakeAlpaca, type FakeAlpaca } from '../fakes/alpaca-server.js';
import { KEY_ID, SECRET } from './harness.js';

/** The real entry points, run as processes against the fake server standing in for both Alpaca URLs. */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

function run(script: string, args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let fake: FakeAlpaca | null = null;
let hc: Server | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
  await new Promise<void>((r) => (hc ? hc.close(() => r()) : r()));
  hc = null;
});

async function setup(opts: { autoFill?: boolean } = {}) {
  fake = await startFakeAlpaca({ keys: { keyId: KEY_ID, secret: SECRET }, autoFill: opts.autoFill ?? true });
  fake.seedUniverse([...new Set([...DEFAULT_UNIVERSE, ...REGIME_BENCHMARKS])]);
  const dir = mkdtempSync(join(tmpdir(), 'alpaca-cli-'));
  const env = {
    TRADER_MODE: 'paper',
    APCA_API_KEY_ID: KEY_ID,
    APCA_API_SECRET_KEY: SECRET,
    APCA_API_BASE_URL: fake.url,
    APCA_API_DATA_URL: fake.url,
    TRADER_DB_PATH: join(dir, 'trades.db'),
    TRADER_JOURNAL_PATH: join(dir, 'journal.jsonl'),
    TRADER_HALT_FILE: join(dir, 'HALT'),
    REPORTS_DIR: join(dir, 'reports'),
  };
  return { dir, env, fake };
}

/** A healthcheck endpoint that records the paths it was pinged on. */
async function healthcheck(): Promise<{ url: string; pings: string[] }> {
  const pings: string[] = [];
  hc = createServer((req, res) => {
    pings.push(req.url ?? '');
    req.resume();
    res.writeHead(200).end('OK');
  });
  await new Promise<void>((r) => hc!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(hc.address() as AddressInfo).port}/ping`, pings };
}

describe('npm run cycle (paper) against the fake Alpaca', () => {
  it('reconciles, completes a forced cycle, places bracket orders with valid ticks and journals everything', async () => {
    const { dir, env, fake } = await setup();
    const ping = await healthcheck();
    const r = await run('src/cli/cycle.ts', ['--force'], { ...env, HEALTHCHECK_URL: ping.url });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const logs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs[0]!.msg).toBe('reconciled');
    const summary = logs.find((l) => l.msg === 'cycle summary')!;
    expect(summary.status).toBe('ok');
    expect(summary.orders_submitted).toBeGreaterThan(0);
    expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);

    const orders = fake.orders();
    expect(orders).toHaveLength(summary.orders_submitted as number);
    for (const o of orders) {
      expect(o.order_class).toBe('bracket');
      for (const leg of o.legs as Record<string, string | null>[]) {
        const p = Number(leg.limit_price ?? leg.stop_price);
        expect(p).toBeGreaterThan(0);
        expect(Math.round(p * 100) / 100).toBe(p);
      }
    }
    const db = new Database(env.TRADER_DB_PATH, { readonly: true });
    try {
      const trades = db.prepare('SELECT id, execute_status FROM trades').all() as { id: string; execute_status: string | null }[];
      expect(trades.length).toBe(summary.symbols);
      expect(trades.every((t) => t.execute_status !== null)).toBe(true);
      const journaled = db.prepare('SELECT COUNT(*) AS n FROM orders WHERE parent_id IS NULL AND trade_id IS NOT NULL').get() as { n: number };
      expect(journaled.n).toBe(orders.length);
      expect(db.prepare("SELECT status FROM reconcile_runs").all()).toEqual([{ status: 'ok' }]);
      const lines = readJournal(join(dir, 'journal.jsonl')) as { id: string; type: string }[];
      expect(lines.filter((l) => l.type === 'decision').map((l) => l.id).sort()).toEqual(trades.map((t) => t.id).sort());
    } finally {
      db.close();
    }
    expect(ping.pings).toEqual(['/ping']);
  }, 60_000);

  it('when reconciliation fails it does not trade: the cycle is journaled failed and the healthcheck gets /fail', async () => {
    const { env, fake } = await setup();
    fake.faults.push({ path: '/v2/positions', status: 500, times: 100 });
    const ping = await healthcheck();
    const r = await run('src/cli/cycle.ts', ['--force'], { ...env, HEALTHCHECK_URL: ping.url });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('reconciliation failed: not trading');
    expect(fake.count({ method: 'POST' })).toBe(0);
    expect(fake.count({ path: '/v2/stocks/bars' })).toBe(0);
    expect(ping.pings).toEqual(['/ping/fail']);
    const db = new Database(env.TRADER_DB_PATH, { readonly: true });
    try {
      const cycles = db.prepare('SELECT status, summary_json FROM cycles').all() as { status: string; summary_json: string }[];
      expect(cycles.map((c) => c.status)).toEqual(['failed']);
      expect(JSON.parse(cycles[0]!.summary_json).reason).toContain('reconciliation failed');
      expect(db.prepare('SELECT status FROM reconcile_runs').all()).toEqual([{ status: 'failed' }]);
      expect(db.prepare('SELECT COUNT(*) AS n FROM trades').get()).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  }, 60_000);
});

describe('npm run doctor', () => {
  it('prints a pass table and exits 0 when everything works', async () => {
    const { env } = await setup();
    const r = await run('src/cli/doctor.ts', [], env);
    expect(r.code).toBe(0);
    for (const c of ['config', 'keys', 'account', 'clock', 'calendar', 'market data', 'anthropic', 'database']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c}\\s+(PASS|SKIP)`));
    expect(r.stdout).toContain('0 failed');
    expect(r.stdout).not.toContain(SECRET);
    expect(r.stdout).not.toContain(KEY_ID);
  }, 60_000);

  it('fails with a fix hint per failure and a non-zero exit, never printing the keys', async () => {
    const { dir, env } = await setup();
    const wrong = 'wrong-secret-9876543210-zyxwv';
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const r = await run('src/cli/doctor.ts', [], { ...env, APCA_API_SECRET_KEY: wrong, ALPACA_DATA_FEED: 'sip', TRADER_DB_PATH: join(dir, 'a-file', 'trades.db') });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/\n {2}account\s+FAIL\s+HTTP 401/);
    expect(r.stdout).toMatch(/\n {2}market data\s+FAIL/);
    expect(r.stdout).toMatch(/\n {2}database\s+FAIL/);
    expect(r.stdout).toContain('How to fix:');
    expect(r.stdout).toMatch(/account: the key pair was refused/);
    expect(r.stdout).toMatch(/database: make .* writable/);
    for (const s of [wrong, KEY_ID, SECRET]) expect(`${r.stdout}${r.stderr}`).not.toContain(s);
  }, 60_000);
});
