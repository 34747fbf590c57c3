import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIsoWeek } from '../../src/core/review/week.js';
import { runWeeklyReview } from '../../src/jobs/weekly-review.js';
import { WEEK, writeFixtureJournal } from '../review/fixture-journal.js';
import { reviewDeps } from '../review/helpers.js';

describe('weekly review quotes the scoreboard headline', () => {
  it('appends a Scoreboard section with the lines it is given; a failing scoreboard leaves the report as it was', async () => {
    const fx = writeFixtureJournal(mkdtempSync(join(tmpdir(), 'weekly-sb-')));
    const lines = ['Equity vs SPY since 2026-10-12: -0.83% vs -2.62% (excess +1.80%).', 'Decisions at 5 sessions: none scored yet.'];
    const deps = reviewDeps(fx, { scoreboard: () => lines });
    const r = await runWeeklyReview(deps, parseIsoWeek(WEEK), { updateLatest: true, dryRun: false });
    deps.journal.close();
    const md = readFileSync(r.files.find((f) => f.endsWith('latest.md'))!, 'utf8');
    expect(md).toContain(`## Scoreboard\n\n- ${lines[0]}\n- ${lines[1]}\n`);

    const fx2 = writeFixtureJournal(mkdtempSync(join(tmpdir(), 'weekly-sb-')));
    const deps2 = reviewDeps(fx2, {
      scoreboard: () => {
        throw new Error('no such table');
      },
    });
    const r2 = await runWeeklyReview(deps2, parseIsoWeek(WEEK), { updateLatest: true, dryRun: false });
    deps2.journal.close();
    expect(readFileSync(r2.files.find((f) => f.endsWith('latest.md'))!, 'utf8')).not.toContain('## Scoreboard');
  });
});
