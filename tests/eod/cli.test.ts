import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/app/demo.js';
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/log.js';

describe('npm run eod after a demo run', () => {
  it('the demo writes a digest per simulated day; `npm run eod -- --date` rewrites one from the journal and the sim account', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'eod-cli-'));
    const vars = { TRADER_DB_PATH: join(dir, 'trades.db'), TRADER_JOURNAL_PATH: join(dir, 'journal.jsonl'), REPORTS_DIR: join(dir, 'reports'), SIM_SEED: '7' };
    const printed: string[] = [];
    await runDemo({ config: loadConfig(vars), days: 2, end: '2026-11-20', wallClock: { now: () => Date.UTC(2030, 0, 1) }, log: silentLogger, print: (l) => printed.push(l) });
    const demoDigest = readFileSync(join(dir, 'reports', 'eod', '2026-11-20.md'), 'utf8');
    expect(readFileSync(join(dir, 'reports', 'eod', 'latest.md'), 'utf8')).toBe(demoDigest);
    expect(readFileSync(join(dir, 'reports', 'eod', '2026-11-19.md'), 'utf8')).toContain('# End of day 2026-11-19 (Thursday)');
    // The demo's per-day line and the digest agree on the equity.
    const equity = /equity\s+([\d,.]+)/.exec(printed.find((l) => l.startsWith('2026-11-20'))!)![1]!;
    expect(demoDigest).toContain(`| Equity | $${equity} |`);

    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/eod.ts', '--date', '2026-11-20'], {
      cwd: process.cwd(),
      env: { ...process.env, ...vars, TRADER_MODE: 'sim', BRAIN: 'rules', ANTHROPIC_API_KEY: '', APCA_API_KEY_ID: '', APCA_API_SECRET_KEY: '', LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^EOD 2026-11-20: equity ${equity.replace(/[.,]/g, '\\$&')}, day P&L [+-][\\d,.]+, 4 cycles, BUY \\d+ SELL \\d+ HOLD \\d+, \\d+ fills, \\d+ open positions$`, 'm'));
    expect(r.stdout).toContain(`wrote ${join(dir, 'reports', 'eod', '2026-11-20.md')}`);
    const md = readFileSync(join(dir, 'reports', 'eod', '2026-11-20.md'), 'utf8');
    // Same day, same journal, same account: the same digest apart from the generation stamp.
    const strip = (s: string) => s.replace(/_Generated .*_/, '');
    expect(strip(md)).toBe(strip(demoDigest));
    expect(readFileSync(join(dir, 'reports', 'eod', '2026-11-20.svg'), 'utf8')).toContain('<polyline');

    const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/eod.ts', '--date', '2026-13-01'], { cwd: process.cwd(), env: { ...process.env, ...vars }, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--date: expected a YYYY-MM-DD date');
  }, 180_000);
});
