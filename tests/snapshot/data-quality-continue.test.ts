import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { auditDailyBars } from '../../src/core/data-quality.js';
import { nyDate } from '../../src/core/time/ny.js';
import type { Bar, Session } from '../../src/domain/market.js';
import { createAuditStore } from '../../src/cycle/audit-store.js';

/**
 * The cycle's audit store (continueDailyAudit over the last clean audit) against the full
 * auditDailyBars, cycle after cycle, over sliding windows of shared bar and session objects as a
 * replayed feed and the memoized calendar hand them out, with defects planted (missing
 * sessions, invalid or repeated bars, a bar not closed yet, revised or copied objects, sessions
 * out of order or copied, the clock going back).
 */

const DAY = 86_400_000;
const SESSIONS = nyseSessions('2021-01-01', '2022-12-31');
const LOOKBACK = 120; // calendar days in a window, so windows slide across defects quickly

type Defect = 'gap' | 'invalid' | 'repeat' | 'none';

function feedBars(defects: ReadonlyMap<number, Defect>): Bar[] {
  const out: Bar[] = [];
  SESSIONS.forEach((s, i) => {
    const d = defects.get(i) ?? 'none';
    if (d === 'gap') return;
    const c = 100 + 10 * Math.sin(i / 7);
    const b: Bar = { t: s.open, end: s.close, o: c, h: c * 1.01, l: c * 0.99, c, v: 1_000_000 + i };
    out.push(d === 'invalid' ? { ...b, h: c * 0.9 } : b);
    if (d === 'repeat') out.push({ ...b });
  });
  return out;
}

const step = fc.record({
  advance: fc.integer({ min: -2, max: 6 }),
  intraday: fc.integer({ min: 0, max: 7 }), // 0: as_of before the session's close, the day's bar not closed yet
  futureBar: fc.boolean(), // that unclosed bar handed in anyway (auditDailyBars drops it)
  freshBars: fc.integer({ min: 0, max: 19 }), // 0: copies of every bar object; 1: the last bar revised
  freshSessions: fc.integer({ min: 0, max: 19 }), // 0: copies of the sessions; 1: two swapped; 2: one dropped
});

describe('audit store (continued daily audits)', () => {
  it('gives exactly what auditDailyBars gives, cycle after cycle', () => {
    let continued = 0;
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: SESSIONS.length - 1 }), fc.constantFrom<Defect>('gap', 'invalid', 'repeat')), { maxLength: 3 }),
        fc.integer({ min: 90, max: SESSIONS.length - 1 }),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        (defectList, start, steps) => {
          const bars = feedBars(new Map(defectList));
          const store = createAuditStore();
          let idx = start;
          for (const st of steps) {
            idx = Math.min(SESSIONS.length - 1, Math.max(60, idx + st.advance));
            const s = SESSIONS[idx]!;
            const asOf = st.intraday === 0 ? s.open + 3_600_000 : s.close;
            const from = asOf - LOOKBACK * DAY;
            let window = bars.filter((b) => b.t >= from && (b.end <= asOf || (st.futureBar && b.t <= asOf)));
            if (st.freshBars === 0) window = window.map((b) => ({ ...b }));
            if (st.freshBars === 1 && window.length > 0) window = [...window.slice(0, -1), { ...window[window.length - 1]!, c: window[window.length - 1]!.c * 1.001 }];
            let sessions: Session[] = SESSIONS.filter((x) => x.date >= nyDate(from) && x.date <= nyDate(asOf));
            if (st.freshSessions === 0) sessions = sessions.map((x) => ({ ...x }));
            if (st.freshSessions === 1 && sessions.length > 3) sessions = [...sessions.slice(0, -3), sessions[sessions.length - 2]!, sessions[sessions.length - 3]!, sessions[sessions.length - 1]!];
            if (st.freshSessions === 2 && sessions.length > 3) sessions = [...sessions.slice(0, -3), ...sessions.slice(-2)];
            const before = store.stats().continued;
            const got = store.audit('X', window, asOf, sessions);
            const want = auditDailyBars(window, asOf, sessions);
            expect(got).toEqual(want);
            expect(got.clean === window).toBe(want.clean === window);
            continued += store.stats().continued - before;
          }
        },
      ),
      { numRuns: 300 },
    );
    // The property is only worth something if the continued path ran.
    expect(continued).toBeGreaterThan(250);
  });
});
