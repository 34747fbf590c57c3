import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { auditDailyBars, validBar, type DailyAudit } from '../../src/core/data-quality.js';
import { nyDate } from '../../src/core/time/ny.js';
import type { Bar, Session } from '../../src/domain/market.js';

/**
 * auditDailyBars (one merge walk, no copies on clean input) against the straightforward version
 * it replaced: the same clean run, counts of future, invalid and missing sessions, on inputs
 * with gaps, bad bars, out-of-order and duplicate bars, bars stamped at New York midnight
 * instead of the open, bars on non-session days and bars not yet closed.
 */
function reference(bars: readonly Bar[], asOf: number, sessions: readonly Session[] | null): DailyAudit {
  const closed = bars.filter((b) => b.end <= asOf);
  const future = bars.length - closed.length;
  let invalid = 0;
  let cleanStart = 0;
  const kept: Bar[] = [];
  let prevT = -Infinity;
  for (const b of closed) {
    if (!validBar(b) || b.t <= prevT) {
      invalid++;
      cleanStart = kept.length;
      continue;
    }
    kept.push(b);
    prevT = b.t;
  }
  let gaps = 0;
  if (sessions !== null && kept.length > 0) {
    const dates = kept.map((b) => nyDate(b.t));
    const have = new Set(dates);
    const firstDate = dates[0]!;
    let before = 0;
    for (const s of sessions) {
      if (s.date < firstDate || s.close > asOf) continue;
      while (before < dates.length && dates[before]! < s.date) before++;
      if (have.has(s.date)) continue;
      gaps++;
      cleanStart = Math.max(cleanStart, before);
    }
  }
  return { clean: kept.slice(cleanStart), future, invalid, gaps };
}

const SESSIONS = nyseSessions('2025-01-02', '2025-12-31');
const HOUR = 3_600_000;

type Kind = 'ok' | 'missing' | 'midnight' | 'invalid' | 'duplicate' | 'weekend' | 'open_ended';
const kindArb: fc.Arbitrary<Kind> = fc.oneof(
  { weight: 30, arbitrary: fc.constant<Kind>('ok') },
  { weight: 2, arbitrary: fc.constantFrom<Kind>('missing', 'midnight', 'invalid', 'duplicate', 'weekend', 'open_ended') },
);

function barsFor(kinds: readonly Kind[], offset: number): Bar[] {
  const out: Bar[] = [];
  kinds.forEach((k, i) => {
    const s = SESSIONS[(offset + i) % SESSIONS.length]!;
    const c = 50 + (i % 9);
    const b: Bar = { t: s.open, end: s.close, o: c, h: c + 1, l: c - 1, c, v: 1000 };
    if (k === 'missing') return;
    if (k === 'midnight') out.push({ ...b, t: Date.parse(`${s.date}T05:00:00Z`) });
    else if (k === 'invalid') out.push({ ...b, h: c - 2 });
    else if (k === 'duplicate') out.push(b, { ...b });
    else if (k === 'weekend') out.push(b, { ...b, t: s.close + 40 * HOUR, end: s.close + 46 * HOUR });
    else if (k === 'open_ended') out.push({ ...b, end: s.close + 400 * 24 * HOUR });
    else out.push(b);
  });
  return out;
}

describe('auditDailyBars', () => {
  it('equals the straightforward audit on messy input', () => {
    fc.assert(
      fc.property(
        fc.array(kindArb, { minLength: 0, maxLength: 120 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 130 }),
        fc.boolean(),
        (kinds, offset, asOfIndex, withSessions) => {
          const bars = barsFor(kinds, offset);
          const asOf = SESSIONS[Math.min(SESSIONS.length - 1, offset + asOfIndex)]!.close;
          const sessions = withSessions ? SESSIONS : null;
          expect(auditDailyBars(bars, asOf, sessions)).toEqual(reference(bars, asOf, sessions));
        },
      ),
      { numRuns: 400 },
    );
  });
});
