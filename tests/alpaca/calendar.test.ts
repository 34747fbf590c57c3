import { afterEach, describe, expect, it } from 'vitest';
import { createAlpacaCalendar } from '../../src/adapters/alpaca/calendar.js';
import { nyTime } from '../../src/core/time/ny.js';
import { DataError } from '../../src/domain/errors.js';
import { alpacaHarness, TEST_DATE, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => h.close());
const DAY = 86_400_000;

describe('Alpaca calendar (/v2/calendar, cached in SQLite)', () => {
  it('maps open/close to instants, flags early closes, skips holidays', async () => {
    h = await alpacaHarness();
    const ss = await h.calendar.sessions('2026-11-25', '2026-11-30');
    expect(ss.map((s) => [s.date, s.open === nyTime(s.date, '09:30'), s.close === nyTime(s.date, s.early ? '13:00' : '16:00'), s.early])).toEqual([
      ['2026-11-25', true, true, false],
      ['2026-11-27', true, true, true],
      ['2026-11-30', true, true, false],
    ]);
  });

  it('fetches each year once; a second adapter on the same database asks nothing', async () => {
    h = await alpacaHarness();
    await h.calendar.sessions('2025-06-01', '2026-12-31');
    await h.calendar.sessions('2026-01-05', '2026-01-09');
    expect(h.fake.count({ path: '/v2/calendar' })).toBe(2); // 2025 and 2026
    const again = createAlpacaCalendar({ client: h.client, db: h.journal.db, clock: h.clock });
    expect(await again.sessions('2026-11-20', '2026-11-20')).toHaveLength(1);
    expect(h.fake.count({ path: '/v2/calendar' })).toBe(2);
  });

  it('refreshes the current year the next day (a new special closure shows up), never a past year', async () => {
    h = await alpacaHarness();
    await h.calendar.sessions('2025-12-01', '2026-12-31');
    h.fake.setCalendarDay('2026-12-01', null); // announced closure
    expect((await h.calendar.sessions('2026-12-01', '2026-12-01')).length).toBe(1); // same day: cached
    h.clock.advance(DAY);
    expect(await h.calendar.sessions('2026-12-01', '2026-12-01')).toEqual([]);
    const years = h.fake.requests.filter((r) => r.path === '/v2/calendar').map((r) => r.query.get('start')!.slice(0, 4));
    expect(years).toEqual(['2025', '2026', '2026']);
  });

  it('uses the cached copy when a refresh fails; with no copy at all it throws DataError', async () => {
    h = await alpacaHarness({ retry: { maxAttempts: 2 } });
    await h.calendar.sessions(TEST_DATE, TEST_DATE);
    h.clock.advance(DAY);
    h.fake.faults.push({ path: '/v2/calendar', status: 503, times: 10 });
    expect(await h.calendar.sessions(TEST_DATE, TEST_DATE)).toHaveLength(1);
    await expect(h.calendar.sessions('2024-03-01', '2024-03-01')).rejects.toBeInstanceOf(DataError);
  });
});
