import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Bar, Session } from '../../domain/market.js';
import { DataError } from '../../domain/errors.js';
import { nyDate, nyTime, parseDate } from '../../core/time/ny.js';
import { nyseSession } from '../calendar/nyse-rules.js';
import { createArrayFeed, type PriceFeed } from './feed.js';

/**
 * CSV replay: a directory of `<SYMBOL>.csv` files (symbol = file name without `.csv`, upper-cased;
 * other files and subdirectories are ignored).
 *
 * Format (one file per symbol):
 * - First line, required: `timestamp,open,high,low,close,volume` (case-insensitive, that order).
 * - Then one bar per line, ascending strictly by timestamp. Cells are split on commas and trimmed;
 *   no quoting. Blank lines are skipped. A UTF-8 byte-order mark is ignored. CRLF is fine.
 * - timestamp is either
 *     `YYYY-MM-DD`: a daily bar; it starts at that date's 09:30 New York and ends at the session's
 *       close from the built-in NYSE rules (13:00 on early closes), or 16:00 New York when the
 *       rules say the date is not a session (such rows are still accepted), or
 *     an ISO 8601 date-time with `Z` or a UTC offset (`2024-03-05T14:31:00Z`,
 *       `2024-03-05T09:31:00-05:00`, seconds and fractions optional, `T` or one space): a minute
 *       bar starting then and ending 60 s later. Minute bars that do not start inside the regular
 *       session [09:30, close) New York are DROPPED (pre-market, after-hours). Daily bars are then
 *       aggregated per session from the kept minutes (first open, max high, min low, last close,
 *       summed volume).
 * - open/high/low/close: decimal numbers > 0, with high >= max(open, close) and
 *   low <= min(open, close). volume: a decimal number >= 0.
 * - A file is all daily or all minute; a directory may not mix daily and minute files.
 *
 * Any malformed line throws DataError `<file>:<line>: <problem>` (1-based line numbers, the
 * header is line 1), e.g. `data/x/AAPL.csv:17: high 9.5 is below open 10`. An unreadable or empty
 * directory, a file without data rows, or a minute file with no regular-hours bars is a DataError
 * too. The feed's sessions are the dates that appear in the data.
 */

const HEADER = ['timestamp', 'open', 'high', 'low', 'close', 'volume'] as const;
const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
const MINUTE = 60_000;

type Kind = 'daily' | 'minute';

interface ParsedFile {
  readonly symbol: string;
  readonly path: string;
  readonly kind: Kind;
  /** Daily bars (daily files) or kept regular-hours minute bars (minute files). */
  readonly bars: Bar[];
  /** Sessions of the dates present (daily) or with kept minutes (minute). */
  readonly sessions: Map<string, Session>;
}

/** The session of a New York date: NYSE rules when it is one, else 09:30-16:00. */
function sessionOf(date: string): Session {
  return nyseSession(date) ?? { date, open: nyTime(date, '09:30'), close: nyTime(date, '16:00'), early: false };
}

function parseTimestamp(raw: string): { kind: Kind; t: number; date?: string } | string {
  if (DATE_RE.test(raw)) {
    try {
      parseDate(raw);
    } catch {
      return `unparseable date ${JSON.stringify(raw)}`;
    }
    return { kind: 'daily', t: nyTime(raw, '09:30'), date: raw };
  }
  const m = DATETIME_RE.exec(raw);
  if (!m) return `unparseable timestamp ${JSON.stringify(raw)} (expected YYYY-MM-DD or an ISO 8601 date-time with Z or an offset)`;
  const [, datePart, hh, mi, ss, frac, zone] = m;
  let y: number, mo: number, d: number;
  try {
    [y, mo, d] = parseDate(datePart!);
  } catch {
    return `unparseable timestamp ${JSON.stringify(raw)}`;
  }
  const H = Number(hh);
  const M = Number(mi);
  const S = ss === undefined ? 0 : Number(ss);
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000);
  if (H > 23 || M > 59 || S > 59) return `unparseable timestamp ${JSON.stringify(raw)}`;
  let offsetMin = 0;
  if (zone!.toUpperCase() !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone!);
    if (!zm) return `unparseable timestamp ${JSON.stringify(raw)}`;
    const oh = Number(zm[2]);
    const om = zm[3] === undefined ? 0 : Number(zm[3]);
    if (oh > 14 || om > 59) return `unparseable timestamp ${JSON.stringify(raw)}`;
    offsetMin = (zm[1] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return { kind: 'minute', t: Date.UTC(y, mo - 1, d, H, M, S, ms) - offsetMin * MINUTE };
}

function parseNumber(cell: string, name: string): number | string {
  if (!NUMBER_RE.test(cell)) return `${name} ${JSON.stringify(cell)} is not a number`;
  const x = Number(cell);
  if (!Number.isFinite(x)) return `${name} ${JSON.stringify(cell)} is not a finite number`;
  return x;
}

function parseFile(path: string, symbol: string): ParsedFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split(/\r?\n/);
  const fail = (lineNo: number, msg: string): never => {
    throw new DataError(`${path}:${lineNo}: ${msg}`);
  };
  const header = lines[0]?.trim() ?? '';
  if (header === '' && lines.every((l) => l.trim() === '')) throw new DataError(`${path}: empty file (expected the header ${HEADER.join(',')})`);
  const cols = header.split(',').map((c) => c.trim().toLowerCase());
  if (cols.length !== HEADER.length || cols.some((c, i) => c !== HEADER[i])) {
    fail(1, `expected the header ${JSON.stringify(HEADER.join(','))}, got ${JSON.stringify(header)}`);
  }

  let kind: Kind | null = null;
  let prevT = -Infinity;
  let prevRaw = '';
  let rows = 0;
  const bars: Bar[] = [];
  const sessions = new Map<string, Session>();
  for (let idx = 1; idx < lines.length; idx++) {
    const line = lines[idx]!;
    if (line.trim() === '') continue;
    const lineNo = idx + 1;
    rows++;
    const cells = line.split(',').map((c) => c.trim());
    if (cells.length !== HEADER.length) fail(lineNo, `expected ${HEADER.length} columns, got ${cells.length}`);
    const ts = parseTimestamp(cells[0]!);
    if (typeof ts === 'string') return fail(lineNo, ts);
    if (kind === null) kind = ts.kind;
    else if (ts.kind !== kind) fail(lineNo, `${ts.kind} timestamp ${JSON.stringify(cells[0])} in a file of ${kind} bars`);
    if (ts.t <= prevT) fail(lineNo, `timestamp ${cells[0]} is not after the previous row's ${prevRaw}`);
    prevT = ts.t;
    prevRaw = cells[0]!;

    const nums: number[] = [];
    for (let c = 1; c < HEADER.length; c++) {
      const x = parseNumber(cells[c]!, HEADER[c]!);
      if (typeof x === 'string') return fail(lineNo, x);
      nums.push(x);
    }
    const [o, h, l, c, v] = nums as [number, number, number, number, number];
    for (const [name, x] of [['open', o], ['high', h], ['low', l], ['close', c]] as const) {
      if (x <= 0) fail(lineNo, `${name} ${x} is not positive`);
    }
    if (h < o || h < c) fail(lineNo, o >= c ? `high ${h} is below open ${o}` : `high ${h} is below close ${c}`);
    if (l > o || l > c) fail(lineNo, o <= c ? `low ${l} is above open ${o}` : `low ${l} is above close ${c}`);
    if (v < 0) fail(lineNo, `volume ${v} is negative`);

    if (ts.kind === 'daily') {
      const s = sessionOf(ts.date!);
      sessions.set(s.date, s);
      bars.push({ t: s.open, end: s.close, o, h, l, c, v });
    } else {
      const date = nyDate(ts.t);
      const s = sessions.get(date) ?? sessionOf(date);
      if (ts.t < s.open || ts.t >= s.close) continue; // outside regular hours: dropped
      sessions.set(date, s);
      bars.push({ t: ts.t, end: ts.t + MINUTE, o, h, l, c, v });
    }
  }
  if (rows === 0 || kind === null) throw new DataError(`${path}: no data rows after the header`);
  if (bars.length === 0) throw new DataError(`${path}: no minute bars inside regular trading hours`);
  return { symbol, path, kind, bars, sessions };
}

/** Daily bars aggregated per session from ascending minute bars. */
function aggregateDaily(minutes: readonly Bar[], sessions: ReadonlyMap<string, Session>): Bar[] {
  const out: Bar[] = [];
  let i = 0;
  while (i < minutes.length) {
    const first = minutes[i]!;
    const date = nyDate(first.t);
    const session: Session = sessions.get(date) ?? sessionOf(date);
    let h = first.h;
    let l = first.l;
    let c = first.c;
    let v = first.v;
    for (i++; i < minutes.length && nyDate(minutes[i]!.t) === date; i++) {
      const b = minutes[i]!;
      if (b.h > h) h = b.h;
      if (b.l < l) l = b.l;
      c = b.c;
      v += b.v;
    }
    out.push({ t: session.open, end: session.close, o: first.o, h, l, c, v });
  }
  return out;
}

/** Loads a directory of per-symbol CSV files (format above) into a replay feed. */
export function loadCsvFeed(dir: string): PriceFeed {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new DataError(`${dir}: cannot read the CSV data directory: ${(e as Error).message}`, { cause: e });
  }
  const files = names
    .filter((n) => /\.csv$/i.test(n))
    .filter((n) => {
      try {
        return statSync(join(dir, n)).isFile();
      } catch {
        return false;
      }
    })
    .sort();
  if (files.length === 0) throw new DataError(`${dir}: no <SYMBOL>.csv files in the CSV data directory`);

  const parsed: ParsedFile[] = [];
  const seen = new Map<string, string>();
  for (const name of files) {
    const symbol = name.slice(0, -4).toUpperCase();
    const path = join(dir, name);
    if (symbol === '') throw new DataError(`${path}: file name gives no symbol`);
    const other = seen.get(symbol);
    if (other) throw new DataError(`${dir}: ${other} and ${name} are both symbol ${symbol}`);
    seen.set(symbol, name);
    parsed.push(parseFile(path, symbol));
  }

  const dailyFile = parsed.find((p) => p.kind === 'daily');
  const minuteFile = parsed.find((p) => p.kind === 'minute');
  if (dailyFile && minuteFile) {
    throw new DataError(`${dir}: mixes daily files (${dailyFile.path}) and minute files (${minuteFile.path}); use one or the other`);
  }

  const sessionMap = new Map<string, Session>();
  for (const p of parsed) for (const [d, s] of p.sessions) if (!sessionMap.has(d)) sessionMap.set(d, s);
  const sessions = [...sessionMap.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));

  if (minuteFile) {
    const minute = new Map<string, readonly Bar[]>();
    const daily = new Map<string, readonly Bar[]>();
    for (const p of parsed) {
      minute.set(p.symbol, p.bars);
      daily.set(p.symbol, aggregateDaily(p.bars, sessionMap));
    }
    return createArrayFeed({ daily, minute, sessions });
  }
  const daily = new Map<string, readonly Bar[]>();
  for (const p of parsed) daily.set(p.symbol, p.bars);
  return createArrayFeed({ daily, sessions });
}
