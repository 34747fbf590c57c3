import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFixtureJournal } from './fixture-journal.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(ROOT, 'src', 'cli', 'weekly-review.ts');

/** Runs `npm run weekly-review` the way cron would, from an empty folder (no .env) and with no keys in the environment. */
function run(dir: string, args: string[] = []) {
  const r = spawnSync(TSX, [CLI, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      TRADER_DB_PATH: join(dir, 'trades.db'),
      TRADER_JOURNAL_PATH: join(dir, 'journal.jsonl'),
      REPORTS_DIR: join(dir, 'reports'),
      HUMAN_CHANGELOG_PATH: join(dir, 'CHANGELOG.md'),
      LOG_LEVEL: 'warn',
    },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run weekly-review (no keys: stats-only)', () => {
  it('writes a stats-only review of the last completed week, clearly marked, and no feedback file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weekly-cli-'));
    writeFixtureJournal(dir);
    const r = run(dir);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // The simulator's clock is the journal's last activity (Monday 9 November): the last completed week is 2026-W45.
    expect(r.out).toContain('Weekly review 2026-W45');
    expect(r.out).toContain('stats-only review: ANTHROPIC_API_KEY is not set');
    const files = readdirSync(join(dir, 'reports', 'weekly')).sort();
    expect(files).toEqual(['2026-W45-equity.svg', '2026-W45-pnl.svg', '2026-W45-post.md', '2026-W45.json', '2026-W45.md', 'latest.md']);
    expect(readFileSync(join(dir, 'reports', 'weekly', 'latest.md'), 'utf8')).toContain('**Stats-only review: no model critique.**');
    expect(existsSync(join(dir, 'reports', 'TRADER_FEEDBACK.md'))).toBe(false);
    expect(readFileSync(join(dir, 'reports', 'weekly', '2026-W45.md'), 'utf8')).toContain('CHANGELOG.md (not found)');
  }, 90_000);

  it('--dry-run writes nothing; a bad --week exits 2; no journal at all is a clear message and exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weekly-cli-'));
    const none = run(dir);
    expect(none.code).toBe(1);
    expect(none.err).toContain('No journal to review');
    expect(none.err).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace

    writeFixtureJournal(dir);
    const dry = run(dir, ['--week', '2026-W45', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('dry run: would write weekly/2026-W45.md');
    expect(existsSync(join(dir, 'reports'))).toBe(false);

    const bad = run(dir, ['--week', '2026-W54']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--week');
  }, 90_000);
});
