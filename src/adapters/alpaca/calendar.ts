import type { Session } from '../../domain/market.js';
import { DataError } from '../../domain/errors.js';
import type { Db } from '../../journal/sqlite.js';
import type { Logger } from '../../log.js';
import type { Calendar, Clock } from '../../ports/clock.js';
import { nyDate, nyTime } from '../../core/time/ny.js';
import { readWire, toDataError, type AlpacaClient } from './client.js';
import { calendarSchema } from './wire.js';

/**
 * Calendar from Alpaca's /v2/calendar, cached in SQLite (calendar_days, calendar_fetches) by
 * calendar year. A year is fetched once; a year that was not yet over when it was fetched is
 * fetched again on the next New York day (special closures get announced), so the cache is
 * refreshed daily and past years never cost a request again. If a refresh fails, the stale copy
 * is used (with a warning); with no copy at all, sessions() throws DataError.
 */

export interface AlpacaCalendarOptions {
  readonly client: AlpacaClient;
  readonly db: Db;
  /** Market clock: decides what "today" is for the daily refresh. */
  readonly clock: Clock;
  /** Wall clock for recorded_at. Defaults to `clock`. */
  readonly wallClock?: Clock;
  readonly log?: Logger;
}

interface DayRow {
  readonly date: string;
  readonly open_at: string;
  readonly close_at: string;
  readonly early: number;
}

const yearOf = (date: string) => Number(date.slice(0, 4));

export function createAlpacaCalendar(o: AlpacaCalendarOptions): Calendar & { readonly fetches: () => number } {
  const db = o.db;
  const wall = o.wallClock ?? o.clock;
  const stmt = {
    fetchRow: db.prepare('SELECT fetched_on FROM calendar_fetches WHERE year = ?'),
    days: db.prepare('SELECT date, open_at, close_at, early FROM calendar_days WHERE date >= ? AND date <= ? ORDER BY date'),
    deleteYear: db.prepare('DELETE FROM calendar_days WHERE date >= ? AND date <= ?'),
    insertDay: db.prepare('INSERT INTO calendar_days (date, open_at, close_at, early, recorded_at) VALUES (?, ?, ?, ?, ?)'),
    upsertFetch: db.prepare(
      'INSERT INTO calendar_fetches (year, fetched_on, days, recorded_at) VALUES (?, ?, ?, ?) ON CONFLICT (year) DO UPDATE SET fetched_on = excluded.fetched_on, days = excluded.days, recorded_at = excluded.recorded_at',
    ),
  };
  const store = db.transaction((year: number, sessions: readonly Session[], today: string) => {
    stmt.deleteYear.run(`${year}-01-01`, `${year}-12-31`);
    const at = new Date(wall.now()).toISOString();
    for (const s of sessions) stmt.insertDay.run(s.date, new Date(s.open).toISOString(), new Date(s.close).toISOString(), s.early ? 1 : 0, at);
    stmt.upsertFetch.run(year, today, sessions.length, at);
  });
  const inflight = new Map<number, Promise<void>>();
  let fetches = 0;

  const fetchYear = async (year: number, today: string): Promise<void> => {
    fetches++;
    const days = await readWire(
      `calendar ${year}`,
      o.client.sdk.trading.calendar.legacyCalendarRaw({ start: new Date(Date.UTC(year, 0, 1)), end: new Date(Date.UTC(year, 11, 31)) }),
      calendarSchema,
    );
    const sessions = days
      .filter((d) => yearOf(d.date) === year)
      .map((d): Session => ({ date: d.date, open: nyTime(d.date, d.open), close: nyTime(d.date, d.close), early: d.close < '16:00' }));
    store(year, sessions, today);
  };

  const ensureYear = async (year: number, today: string): Promise<void> => {
    const row = stmt.fetchRow.get(year) as { fetched_on: string } | undefined;
    const fresh = row !== undefined && (row.fetched_on >= today || `${year}-12-31` < row.fetched_on);
    if (fresh) return;
    let p = inflight.get(year);
    if (!p) {
      p = fetchYear(year, today).finally(() => inflight.delete(year));
      inflight.set(year, p);
    }
    try {
      await p;
    } catch (e) {
      const err = toDataError(`calendar ${year}`, e);
      if (row === undefined) throw err;
      o.log?.warn('calendar refresh failed; using the cached copy', { year, fetched_on: row.fetched_on, error: err.message });
    }
  };

  return {
    fetches: () => fetches,
    async sessions(fromDate: string, toDate: string): Promise<readonly Session[]> {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(fromDate) || !/^\d{4}-\d{2}-\d{2}$/.test(toDate)) throw new DataError(`calendar: bad date range ${fromDate}..${toDate}`);
      if (toDate < fromDate) return [];
      const today = nyDate(o.clock.now());
      for (let y = yearOf(fromDate); y <= yearOf(toDate); y++) await ensureYear(y, today);
      return (stmt.days.all(fromDate, toDate) as DayRow[]).map((r) => ({ date: r.date, open: Date.parse(r.open_at), close: Date.parse(r.close_at), early: r.early === 1 }));
    },
  };
}
