/**
 * New York (America/New_York) wall time <-> UTC, computed arithmetically from the US DST
 * rules so core code needs no ICU and stays fast inside backtests.
 * Rules: 2007+ second Sunday of March 02:00 to first Sunday of November 02:00;
 * 1987-2006 first Sunday of April to last Sunday of October.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Day of month of the n-th (1-based) Sunday of a month (month 1..12). */
function nthSunday(year: number, month: number, n: number): number {
  const firstDow = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((7 - firstDow) % 7) + (n - 1) * 7;
}

function lastSunday(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month, 0));
  return last.getUTCDate() - last.getUTCDay();
}

const dstCache = new Map<number, readonly [number, number]>();

/** [start, end) of daylight time in UTC epoch ms for a year. */
function dstBounds(year: number): readonly [number, number] {
  let b = dstCache.get(year);
  if (b) return b;
  let start: number;
  let end: number;
  if (year >= 2007) {
    start = Date.UTC(year, 2, nthSunday(year, 3, 2), 2 + 5); // 02:00 EST = 07:00Z
    end = Date.UTC(year, 10, nthSunday(year, 11, 1), 2 + 4); // 02:00 EDT = 06:00Z
  } else {
    start = Date.UTC(year, 3, nthSunday(year, 4, 1), 2 + 5);
    end = Date.UTC(year, 9, lastSunday(year, 10), 2 + 4);
  }
  b = [start, end] as const;
  dstCache.set(year, b);
  return b;
}

/** Offset of New York from UTC at an instant, in hours (-4 or -5). */
export function nyOffsetHours(ms: number): number {
  const year = new Date(ms).getUTCFullYear();
  const [s, e] = dstBounds(year);
  return ms >= s && ms < e ? -4 : -5;
}

/** The New York calendar date (YYYY-MM-DD) of an instant. */
export function nyDate(ms: number): string {
  return new Date(ms + nyOffsetHours(ms) * HOUR).toISOString().slice(0, 10);
}

/** New York wall time "HH:MM" of an instant. */
export function nyClock(ms: number): string {
  return new Date(ms + nyOffsetHours(ms) * HOUR).toISOString().slice(11, 16);
}

/** Minutes since New York midnight of an instant. */
export function nyMinuteOfDay(ms: number): number {
  const local = ms + nyOffsetHours(ms) * HOUR;
  return Math.floor((((local % DAY) + DAY) % DAY) / 60_000);
}

/** UTC instant of a New York wall time on a New York date. `hhmm` is "HH:MM". */
export function nyTime(date: string, hhmm: string): number {
  const [y, m, d] = parseDate(date);
  const [hh, mm] = parseHhmm(hhmm);
  const asUtc = Date.UTC(y, m - 1, d, hh, mm);
  // Try standard time first; if the instant is inside DST, shift by an hour.
  const guess = asUtc + 5 * HOUR;
  return nyOffsetHours(guess) === -5 ? guess : asUtc + 4 * HOUR;
}

export function parseDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const back = new Date(Date.UTC(y, mo - 1, d));
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) throw new RangeError(`no such date: ${date}`);
  return [y, mo, d];
}

function parseHhmm(hhmm: string): [number, number] {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw new RangeError(`not an HH:MM time: ${JSON.stringify(hhmm)}`);
  return [Number(m[1]), Number(m[2])];
}

/** Adds whole days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d) + days * DAY).toISOString().slice(0, 10);
}

/** Day of week of a YYYY-MM-DD date (0 = Sunday). */
export function dayOfWeek(date: string): number {
  const [y, m, d] = parseDate(date);
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** ISO string with the New York offset, for people: 2026-11-20T10:00:00-05:00. */
export function nyIso(ms: number): string {
  const off = nyOffsetHours(ms);
  const local = new Date(ms + off * HOUR).toISOString().slice(0, 19);
  return `${local}-0${-off}:00`;
}
