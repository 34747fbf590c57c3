import { describe, expect, it } from 'vitest';
import { nyClock, nyDate, nyTime, nyOffsetHours } from '../../src/core/time/ny.js';
import { isEarlyClose, isTradingDay, nyseSession } from '../../src/adapters/calendar/nyse-rules.js';

describe('New York time', () => {
  it.each([
    ['2026-03-06', '10:00', '2026-03-06T15:00:00.000Z'], // EST
    ['2026-03-09', '10:00', '2026-03-09T14:00:00.000Z'], // EDT (DST began 2026-03-08)
    ['2026-10-30', '15:30', '2026-10-30T19:30:00.000Z'],
    ['2026-11-02', '15:30', '2026-11-02T20:30:00.000Z'], // EST again (DST ended 2026-11-01)
    ['2005-04-01', '09:30', '2005-04-01T14:30:00.000Z'], // pre-2007 rules: still EST on Apr 1
    ['2005-04-04', '09:30', '2005-04-04T13:30:00.000Z'],
  ])('%s %s NY is %s', (d, t, iso) => {
    const ms = nyTime(d, t);
    expect(new Date(ms).toISOString()).toBe(iso);
    expect(nyDate(ms)).toBe(d);
    expect(nyClock(ms)).toBe(t);
  });

  it('agrees with Intl for every hour of 2024', () => {
    const fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'shortOffset' });
    for (let t = Date.UTC(2024, 0, 1); t < Date.UTC(2025, 0, 1); t += 3_600_000) {
      const name = fmt.formatToParts(t).find((p) => p.type === 'timeZoneName')!.value;
      expect(`GMT${nyOffsetHours(t)}`).toBe(name);
    }
  });

  it('NYSE rules: holidays, observance and early closes', () => {
    expect(isTradingDay('2026-11-26')).toBe(false); // Thanksgiving
    expect(isEarlyClose('2026-11-27')).toBe(true);
    expect(isTradingDay('2026-07-03')).toBe(false); // Independence Day observed (Jul 4 is a Saturday)
    expect(isTradingDay('2022-12-30')).toBe(true); // Jan 1 2022 was a Saturday: not observed on Friday
    expect(isTradingDay('2023-01-02')).toBe(false); // Jan 1 2023 Sunday -> Monday
    expect(isTradingDay('2026-04-03')).toBe(false); // Good Friday 2026
    expect(isTradingDay('2021-06-18')).toBe(true); // Juneteenth only from 2022
    expect(isTradingDay('2022-06-20')).toBe(false);
    expect(nyseSession('2026-12-24')!.early).toBe(true);
    expect(new Date(nyseSession('2026-12-24')!.close).toISOString()).toBe('2026-12-24T18:00:00.000Z');
    expect(nyseSession('2026-11-21')).toBeNull(); // Saturday
  });
});
