import type { Session } from '../../domain/market.js';
import { addDays, dayOfWeek, nyDate, nyTime, parseDate } from '../time/ny.js';

/**
 * ISO 8601 weeks (Monday to Sunday) in New York time. A week is named YYYY-Www where YYYY is
 * the ISO week-year (the year of the week's Thursday), so 2026-12-31 can belong to 2027-W53
 * or 2026-W53 depending on the calendar. Pure: no clock, callers pass the moments.
 */

export interface IsoWeek {
  /** "2026-W47". */
  readonly name: string;
  /** Monday, YYYY-MM-DD. */
  readonly monday: string;
  /** Sunday, YYYY-MM-DD. */
  readonly sunday: string;
  /** New York midnight at the start of Monday (epoch ms), inclusive. */
  readonly from: number;
  /** New York midnight at the end of Sunday (epoch ms), exclusive. */
  readonly to: number;
}

const WEEK_RE = /^(\d{4})-W(\d{2})$/;

function dayOfYear(date: string): number {
  const [y, m, d] = parseDate(date);
  return Math.round((Date.UTC(y, m - 1, d) - Date.UTC(y, 0, 1)) / 86_400_000) + 1;
}

function mondayOf(date: string): string {
  return addDays(date, -((dayOfWeek(date) + 6) % 7));
}

function weekFromMonday(monday: string): IsoWeek {
  const thursday = addDays(monday, 3);
  const year = thursday.slice(0, 4);
  const n = Math.floor((dayOfYear(thursday) - 1) / 7) + 1;
  const sunday = addDays(monday, 6);
  return { name: `${year}-W${String(n).padStart(2, '0')}`, monday, sunday, from: nyTime(monday, '00:00'), to: nyTime(addDays(monday, 7), '00:00') };
}

/** The ISO week a New York date (YYYY-MM-DD) belongs to. */
export function isoWeekOfDate(date: string): IsoWeek {
  return weekFromMonday(mondayOf(date));
}

/** The ISO week an instant falls in, by its New York date. */
export function isoWeekAt(ms: number): IsoWeek {
  return isoWeekOfDate(nyDate(ms));
}

/** Parses "YYYY-Www"; throws RangeError naming the problem (bad shape, week 00, week 53 in a 52-week year). */
export function parseIsoWeek(name: string): IsoWeek {
  const m = WEEK_RE.exec(name);
  if (!m) throw new RangeError(`not an ISO week (expected YYYY-Www, e.g. 2026-W47): ${JSON.stringify(name)}`);
  const year = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > 53) throw new RangeError(`no week ${n} in an ISO year (1..53): ${name}`);
  // Week 1 is the week holding January 4th.
  const monday = addDays(mondayOf(`${m[1]}-01-04`), (n - 1) * 7);
  const w = weekFromMonday(monday);
  if (w.name !== name) throw new RangeError(`${year} has no ISO week ${n} (it has 52 weeks)`);
  return w;
}

export function previousWeek(w: IsoWeek): IsoWeek {
  return weekFromMonday(addDays(w.monday, -7));
}

export function nextWeek(w: IsoWeek): IsoWeek {
  return weekFromMonday(addDays(w.monday, 7));
}

/**
 * Whether a week is completed at `now`: its last trading session has closed (so a
 * Friday-evening, Saturday or Sunday run reviews the week just traded). A week without
 * sessions counts as completed only once it is over. `sessions` are the week's sessions.
 */
export function isWeekCompleted(w: IsoWeek, sessions: readonly Session[], now: number): boolean {
  const last = sessions[sessions.length - 1];
  return last ? last.close <= now : w.to <= now;
}
