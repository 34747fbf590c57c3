import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { createNyseRulesCalendar } from '../../src/adapters/calendar/nyse-rules.js';
import { createFileReportStore } from '../../src/adapters/reports/files.js';
import { createStatsOnlyReviewer } from '../../src/adapters/reviewer/stats-only.js';
import { createWeekJournal } from '../../src/adapters/reviewer/week-journal.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { WeeklyReviewDeps } from '../../src/jobs/weekly-review.js';
import { silentLogger } from '../../src/log.js';
import type { Reviewer } from '../../src/ports/reviewer.js';
import { fixtureBroker, fixtureMarket, type Fixture } from './fixture-journal.js';

/** The fixture's market time: Wednesday 11 November 2026, after the close (5-session outcomes of Thursday and Friday still pending). */
export const DATA_AS_OF = nyTime('2026-11-11', '17:00');

export const CHANGELOG = [
  '# Operator change log',
  '',
  '## 2026-11-12 Raised RISK_MAX_SIZE_PCT to 0.12',
  'After the review week: must not be shown for 2026-W45.',
  '',
  '## 2026-11-01 Switched the trader to claude-haiku-5-5 and widened the ATR stop to 2x',
  'Expect fewer stop-outs on volatile names.',
  '',
  '## 2026-09-01 Something long ago',
  'Too old to matter.',
].join('\n');

export const OPERATING = {
  mode: 'paper',
  brain: { kind: 'claude', models: { trader: 'claude-haiku-5-5', review: 'claude-sonnet-5-5' }, prompt_version: 'claude-v1' },
  risk: { max_size_pct: 0.1, max_daily_loss_pct: 0.03 },
  trail: { giveback_pct: 0.4 },
};

export function reviewDeps(fx: Fixture, over: Partial<WeeklyReviewDeps> & { reviewer?: Reviewer } = {}): WeeklyReviewDeps {
  return {
    journal: createWeekJournal({ dbPath: fx.dbPath, jsonlPath: fx.jsonlPath }),
    broker: fixtureBroker(fx.brokerOrders),
    market: fixtureMarket(),
    calendar: createNyseRulesCalendar(),
    reviewer: createStatsOnlyReviewer(),
    reports: createFileReportStore(join(fx.dir, 'reports')),
    log: silentLogger,
    mode: 'paper',
    dataAsOf: DATA_AS_OF,
    operating: OPERATING,
    changelog: { source: 'CHANGELOG.md', text: CHANGELOG },
    marketLabel: 'fixture daily bars',
    ...over,
  };
}

/**
 * Compares `actual` with the golden file (tests/review/fixtures/<name>); UPDATE_GOLDEN=1
 * rewrites it instead. Temporary directories are replaced by <tmp> first.
 */
export function expectGolden(name: string, actual: string, tmp: string): void {
  const path = join(import.meta.dirname, 'fixtures', name);
  const normalized = actual.split(tmp).join('<tmp>');
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, normalized);
    if (process.env.UPDATE_GOLDEN !== '1') throw new Error(`golden file ${name} was missing and has been written; check it and run again`);
    return;
  }
  expect(normalized).toBe(readFileSync(path, 'utf8'));
}
