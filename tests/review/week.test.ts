import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { isoWeekOfDate, isWeekCompleted, parseIsoWeek, previousWeek } from '../../src/core/review/week.js';
import { nyTime } from '../../src/core/time/ny.js';

describe('ISO weeks in New York time', () => {
  it.each([
    ['2026-11-16', '2026-W47'],
    ['2026-11-22', '2026-W47'],
    ['2026-11-23', '2026-W48'],
    ['2024-12-30', '2025-W01'], // Monday of the week holding 2 January 2025
    ['2027-01-01', '2026-W53'], // 2026 starts on a Thursday: 53 weeks
    ['2021-01-03', '2020-W53'],
    ['2022-01-02', '2021-W52'],
  ])('%s is in %s', (date, name) => {
    expect(isoWeekOfDate(date).name).toBe(name);
  });

  it('parses names back to Monday..Sunday bounded by New York midnights, across a DST change', () => {
    const w = parseIsoWeek('2026-W45');
    expect([w.monday, w.sunday]).toEqual(['2026-11-02', '2026-11-08']);
    expect(new Date(w.from).toISOString()).toBe('2026-11-02T05:00:00.000Z');
    const dst = parseIsoWeek('2026-W44'); // DST ends Sunday 1 November
    expect(new Date(dst.from).toISOString()).toBe('2026-10-26T04:00:00.000Z');
    expect(dst.to).toBe(w.from);
    expect(previousWeek(w).name).toBe('2026-W44');
  });

  it.each(['2026-47', '2026-W00', '2026-W54', '2027-W53', 'W47', ''])('refuses %j', (bad) => {
    expect(() => parseIsoWeek(bad)).toThrow(RangeError);
  });

  it('a week is completed once its last session has closed: Friday evening, not Friday noon', () => {
    const w = parseIsoWeek('2026-W47');
    const sessions = nyseSessions(w.monday, w.sunday);
    expect(isWeekCompleted(w, sessions, nyTime('2026-11-20', '12:00'))).toBe(false);
    expect(isWeekCompleted(w, sessions, nyTime('2026-11-20', '16:00'))).toBe(true);
    expect(isWeekCompleted(w, [], nyTime('2026-11-22', '23:59'))).toBe(false);
    expect(isWeekCompleted(w, [], w.to)).toBe(true);
  });
});
