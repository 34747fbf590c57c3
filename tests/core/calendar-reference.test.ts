import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isEarlyClose, isTradingDay } from '../../src/adapters/calendar/nyse-rules.js';
import { addDays, dayOfWeek } from '../../src/core/time/ny.js';

const REF = '../shared/data/lean/us-equity-calendar.json';

describe.runIf(existsSync(REF))('NYSE rules vs the reference calendar 2000-2028', () => {
  it('agrees on every weekday: open/closed and early closes', () => {
    const ref = JSON.parse(readFileSync(REF, 'utf8')) as { holidays: string[]; earlyCloses: Record<string, string> };
    const iso = (mdy: string) => {
      const [m, d, y] = mdy.split('/').map(Number);
      return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    };
    const hol = new Set(ref.holidays.map(iso));
    const early = new Set(Object.keys(ref.earlyCloses).map(iso));
    const diffs: string[] = [];
    for (let d = '2000-01-01'; d <= '2028-12-31'; d = addDays(d, 1)) {
      if (dayOfWeek(d) === 0 || dayOfWeek(d) === 6) continue;
      if (isTradingDay(d) !== !hol.has(d)) diffs.push(`${d} open/closed`);
      else if (isTradingDay(d) && isEarlyClose(d) !== early.has(d)) diffs.push(`${d} early close`);
    }
    expect(diffs).toEqual([]);
  });
});
