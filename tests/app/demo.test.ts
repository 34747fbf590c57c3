import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/app/demo.js';
import { loadConfig } from '../../src/config.js';
import { readJournal } from '../../src/journal/jsonl.js';
import { silentLogger } from '../../src/log.js';

function demoConfig(dir: string) {
  return loadConfig({ TRADER_DB_PATH: join(dir, 'trades.db'), TRADER_JOURNAL_PATH: join(dir, 'journal.jsonl'), REPORTS_DIR: join(dir, 'reports'), SIM_SEED: '7' });
}

/** Everything but wall-clock fields, in a stable order. */
function dump(dir: string) {
  const db = new Database(join(dir, 'trades.db'), { readonly: true });
  const strip = (rows: Record<string, unknown>[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !k.endsWith('recorded_at') && k !== 'timing_json')));
  const out = {
    cycles: strip(db.prepare('SELECT * FROM cycles ORDER BY id').all() as Record<string, unknown>[]),
    trades: strip(db.prepare('SELECT * FROM trades ORDER BY id').all() as Record<string, unknown>[]),
    orders: strip(db.prepare('SELECT * FROM orders ORDER BY id').all() as Record<string, unknown>[]),
    events: strip(db.prepare('SELECT * FROM order_events ORDER BY seq').all() as Record<string, unknown>[]),
    sim: strip(db.prepare('SELECT * FROM sim_state').all() as Record<string, unknown>[]),
    mode: db.pragma('journal_mode', { simple: true }),
  };
  db.close();
  const jsonl = readJournal(join(dir, 'journal.jsonl')).map((l) => {
    const { recorded_at: _r, ...rest } = l as Record<string, unknown>;
    return rest;
  });
  return { ...out, jsonl };
}

describe('demo', () => {
  it('runs the simulator through the pipeline, journals in WAL mode, and is deterministic apart from recorded_at', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'demo-a-')), mkdtempSync(join(tmpdir(), 'demo-b-'))];
    const results = [];
    for (const [k, dir] of dirs.entries()) {
      let wall = Date.UTC(2030, 0, 1) + k * 3_600_000; // the two runs see different wall clocks
      results.push(await runDemo({ config: demoConfig(dir), days: 4, end: '2026-11-20', wallClock: { now: () => (wall += 7) }, log: silentLogger, print: () => {} }));
    }
    expect(results[0]).toEqual(results[1]);
    expect(results[0]!.cycles).toBe(16);
    expect(results[0]!.failedCycles).toBe(0);
    const [a, b] = dirs.map(dump);
    expect(a!.mode).toBe('wal');
    // One row per symbol each decision cycle processed (the watchlist is screened, so its size is read from the
    // cycle summaries), plus the rows of position-health exits (cycle ids h...).
    const decisionCycles = a!.cycles.filter((c) => String(c.id).startsWith('c'));
    expect(decisionCycles).toHaveLength(16);
    const perCycle = decisionCycles.map((c) => (JSON.parse(String(c.summary_json)) as { symbols: number }).symbols);
    expect(perCycle.every((n) => n >= 10)).toBe(true);
    expect(a!.trades.filter((t) => String(t.cycle_id).startsWith('c')).length).toBe(perCycle.reduce((x, y) => x + y, 0));
    expect(a).toEqual(b);
    // Exactly one JSONL line per trades row, same ids.
    expect(a!.jsonl.map((l) => l.id).sort()).toEqual(a!.trades.map((t) => t.id).sort());
    expect(a!.trades.some((t) => t.action === 'HOLD')).toBe(true);
  }, 120_000);

  it('refuses to wipe a journal that holds paper or live cycles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-guard-'));
    const cfg = demoConfig(dir);
    const { createJournal } = await import('../../src/journal/journal.js');
    const j = createJournal({ dbPath: cfg.paths.db, jsonlPath: cfg.paths.journal, maxBytes: 1e6, keepRotated: 1, wallClock: { now: () => 0 }, mode: 'paper' });
    j.beginCycle({ id: 'c1', mode: 'paper', brain: 'rules', asOf: 0 });
    j.close();
    await expect(runDemo({ config: cfg, days: 1, end: '2026-11-20', wallClock: { now: () => 0 }, log: silentLogger, print: () => {} })).rejects.toThrow(/paper cycles/);
  });
});
