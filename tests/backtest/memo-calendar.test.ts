import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { memoCalendar } from '../../src/backtest/replay.js';
import { addDays } from '../../src/core/time/ny.js';

describe('memoCalendar (the backtest calendar, each year computed once)', () => {
  it('answers any range exactly as the NYSE rules do', async () => {
    const cal = memoCalendar();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4000 }), fc.integer({ min: -5, max: 800 }), async (start, span) => {
        const from = addDays('2012-01-01', start);
        const to = addDays(from, span);
        expect(await cal.sessions(from, to)).toEqual(nyseSessions(from, to));
      }),
      { numRuns: 150 },
    );
  });
});
