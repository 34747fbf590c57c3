import type { Session } from '../../domain/market.js';
import type { Calendar } from '../../ports/clock.js';
import { addDays, dayOfWeek, nyTime, parseDate } from '../../core/time/ny.js';

/**
 * Built-in NYSE calendar from rules, used when no broker calendar is connected.
 * Regular session 09:30-16:00 New York; early closes at 13:00.
 * Verified day by day against the reference calendar for 2000-2028 by `npm run check:calendar`
 * (docs/calendar.md).
 */

/** One-off full-day closures (not derivable from rules). */
export const ONE_OFF_CLOSURES: ReadonlyMap<string, string> = new Map([
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National day of mourning, President Reagan'],
  ['2007-01-02', 'National day of mourning, President Ford'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National day of mourning, President G.H.W. Bush'],
  ['2025-01-09', 'National day of mourning, President Carter'],
]);

/**
 * One-off changes to the early-close rule: dates that closed at 13:00 though no rule says so,
 * and rule dates that traded a full day.
 */
export const ONE_OFF_EARLY_CLOSES: ReadonlyMap<string, boolean> = new Map([
  ['2002-07-05', true], // Friday after Independence Day
  ['2002-07-03', false], // traded a full day that year (the early close moved to July 5)
  ['2003-12-26', true], // Friday after Christmas
]);

function ymd(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function nthWeekday(y: number, m: number, dow: number, n: number): string {
  const first = new Date(Date.UTC(y, m - 1, 1)).getUTCDay();
  return ymd(y, m, 1 + ((dow - first + 7) % 7) + (n - 1) * 7);
}

function lastWeekday(y: number, m: number, dow: number): string {
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lastDow = new Date(Date.UTC(y, m - 1, lastDay)).getUTCDay();
  return ymd(y, m, lastDay - ((lastDow - dow + 7) % 7));
}

/** Gregorian Easter Sunday (anonymous algorithm). */
function easter(y: number): string {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(y, month, day);
}

/** Saturday holidays move to Friday, Sunday holidays to Monday. */
function observed(date: string): string {
  const dow = dayOfWeek(date);
  if (dow === 6) return addDays(date, -1);
  if (dow === 0) return addDays(date, 1);
  return date;
}

const holidayCache = new Map<number, ReadonlyMap<string, string>>();

/** Full-day holidays of a year (observed dates), name by date. */
export function nyseHolidays(y: number): ReadonlyMap<string, string> {
  const cached = holidayCache.get(y);
  if (cached) return cached;
  const h = new Map<string, string>();
  // New Year's Day: Sunday -> Monday; Saturday -> not observed (NYSE rule: no Friday Dec 31 closure).
  const ny = ymd(y, 1, 1);
  if (dayOfWeek(ny) === 0) h.set(ymd(y, 1, 2), "New Year's Day");
  else if (dayOfWeek(ny) !== 6) h.set(ny, "New Year's Day");
  if (y >= 1998) h.set(nthWeekday(y, 1, 1, 3), 'Martin Luther King Jr. Day');
  h.set(nthWeekday(y, 2, 1, 3), "Presidents' Day");
  h.set(addDays(easter(y), -2), 'Good Friday');
  h.set(lastWeekday(y, 5, 1), 'Memorial Day');
  if (y >= 2022) h.set(observed(ymd(y, 6, 19)), 'Juneteenth');
  h.set(observed(ymd(y, 7, 4)), 'Independence Day');
  h.set(nthWeekday(y, 9, 1, 1), 'Labor Day');
  h.set(nthWeekday(y, 11, 4, 4), 'Thanksgiving Day');
  h.set(observed(ymd(y, 12, 25)), 'Christmas Day');
  for (const [date, name] of ONE_OFF_CLOSURES) if (date.startsWith(`${y}-`)) h.set(date, name);
  holidayCache.set(y, h);
  return h;
}

export function isTradingDay(date: string): boolean {
  const dow = dayOfWeek(date);
  if (dow === 0 || dow === 6) return false;
  const [y] = parseDate(date);
  return !nyseHolidays(y).has(date);
}

/** 13:00 closes: July 3, the day after Thanksgiving, Christmas Eve, when each is a trading day; plus the one-off table. */
export function isEarlyClose(date: string): boolean {
  if (!isTradingDay(date)) return false;
  const oneOff = ONE_OFF_EARLY_CLOSES.get(date);
  if (oneOff !== undefined) return oneOff;
  const [y, m, d] = parseDate(date);
  if (m === 7 && d === 3) return true;
  if (m === 12 && d === 24) return true;
  if (date === addDays(nthWeekday(y, 11, 4, 4), 1)) return true;
  return false;
}

export function nyseSession(date: string): Session | null {
  if (!isTradingDay(date)) return null;
  const early = isEarlyClose(date);
  return { date, open: nyTime(date, '09:30'), close: nyTime(date, early ? '13:00' : '16:00'), early };
}

export function nyseSessions(fromDate: string, toDate: string): Session[] {
  const out: Session[] = [];
  for (let d = fromDate; d <= toDate; d = addDays(d, 1)) {
    const s = nyseSession(d);
    if (s) out.push(s);
  }
  return out;
}

export function createNyseRulesCalendar(): Calendar {
  return { sessions: async (from, to) => nyseSessions(from, to) };
}
