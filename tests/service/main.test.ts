import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';

/** `npm start` in sim mode, as a real process: starts, logs the next run of every job, stops cleanly on SIGTERM. */
describe('npm start (src/main.ts) in sim mode', () => {
  it('logs the next runs, then on SIGTERM stops scheduling, closes the journal and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'main-'));
    const env = {
      ...process.env,
      TRADER_MODE: 'sim',
      BRAIN: 'rules',
      ANTHROPIC_API_KEY: '',
      APCA_API_KEY_ID: '',
      APCA_API_SECRET_KEY: '',
      HEALTHCHECK_URL: '',
      TRADER_DB_PATH: join(dir, 'trades.db'),
      TRADER_JOURNAL_PATH: join(dir, 'journal.jsonl'),
      REPORTS_DIR: join(dir, 'reports'),
      TRADER_HALT_FILE: join(dir, 'HALT'),
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_SEC: '30',
    };
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    let buf = '';
    let signalled = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.stdout.on('data', (b: Buffer) => {
      buf += b.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          lines.push(JSON.parse(l) as Record<string, unknown>);
        } catch {
          lines.push({ raw: l });
        }
      }
      const next = lines.filter((l) => l.msg === 'next run').map((l) => l.job);
      if (!signalled && next.includes('cycle') && next.includes('eod_digest')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    const { code, signal } = await exited;
    expect(stderr).toBe('');
    expect(signal).toBeNull();
    expect(code).toBe(0);
    const msgs = lines.map((l) => l.msg);
    expect(msgs).toContain('service starting');
    expect(msgs.indexOf('reconciled with the broker')).toBeLessThan(msgs.indexOf('service starting'));
    const cycleNext = lines.find((l) => l.msg === 'next run' && l.job === 'cycle')!;
    expect(String(cycleNext.slot)).toMatch(/T(10:00|12:00|14:00|15:30):00-0[45]:00$/);
    expect(lines.find((l) => l.msg === 'shutdown requested')).toMatchObject({ signal: 'SIGTERM', running: null });
    expect(lines[lines.length - 1]).toMatchObject({ msg: 'stopped', exit_code: 0 });
    // The database was closed and reads back: the startup reconciliation was journaled before scheduling began.
    const db = new Database(join(dir, 'trades.db'), { readonly: true });
    expect((db.prepare('SELECT COUNT(*) AS n FROM reconcile_runs').get() as { n: number }).n).toBe(1);
    db.close();
  }, 120_000);
});
