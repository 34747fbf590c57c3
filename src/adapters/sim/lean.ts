import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Bar, Session } from '../../domain/market.js';
import { DataError } from '../../domain/errors.js';
import { nyDate, nyTime } from '../../core/time/ny.js';
import { nyseSession } from '../calendar/nyse-rules.js';
import { createArrayFeed, type PriceFeed } from './feed.js';

/**
 * QuantConnect/Lean equity data, read in place (never copied):
 *
 * - daily: `<dir>/<symbol>.csv`, no header, rows `yyyyMMdd HH:mm,open,high,low,close,volume`
 *   (e.g. `20140609 00:00,926900,938800,917500,937000,72875948`). Prices are integers in units
 *   of 1/10000 dollar. A bar starts at its date's 09:30 New York and ends at the session close
 *   from the built-in NYSE rules (13:00 on early closes); dates that are not sessions are dropped.
 * - minute: `<dir>/<symbol>_<yyyyMMdd>.csv`, no header, rows `ms since midnight (New York),open,
 *   high,low,close,volume`, the bar's start; it ends 60 s later. Bars outside the regular session
 *   [09:30, close) are dropped. The daily bar of a session with minute data is aggregated from
 *   those minutes; other sessions take the daily file's bar (history for indicator warm-up).
 *
 * Lean stores raw (unadjusted) prices and keeps splits in factor files that are not part of this
 * data set, so splits are DETECTED (adjustSplits, default on) and earlier bars are back-adjusted
 * (prices / ratio, volume x ratio): returns are unchanged, price levels before a split shrink.
 * Dividends are not adjusted (price return only). Detection rule, per symbol, on consecutive daily
 * bars: r = previous close / open is within 6% of a common split ratio (2, 3, 4, 5, 7, 8, 10, 3:2
 * and the reverse splits 1/2 .. 1/20), the close-to-close ratio is within 12% of it, and the
 * day's volume / the previous day's is within [r/3, 3r] (a crash moves price, not the share
 * count, and trades many times the usual volume). Other overnight moves beyond +-40% are reported
 * as warnings, not adjusted.
 */

const PRICE_SCALE = 10_000;
const MINUTE = 60_000;
const SPLIT_RATIOS = [2, 3, 4, 5, 7, 8, 10, 1.5, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 8, 1 / 10, 1 / 15, 1 / 20, 2 / 3] as const;
const OPEN_TOL = Math.log(1.06);
const CLOSE_TOL = Math.log(1.12);

export interface SplitEvent {
  readonly symbol: string;
  /** First session (YYYY-MM-DD) trading at the new share count. */
  readonly date: string;
  /** Price level before / after (7 for a 7:1 split, 0.125 for a 1:8 reverse split). */
  readonly ratio: number;
}

export interface LeanLoadOptions {
  /** Directory of daily `<symbol>.csv` files. */
  readonly dailyDir?: string;
  /** Directory of minute `<symbol>_<yyyyMMdd>.csv` files. */
  readonly minuteDir?: string;
  /** Upper-case symbols to load; default every file found. */
  readonly symbols?: readonly string[];
  /** Detect splits and back-adjust (default true). */
  readonly adjustSplits?: boolean;
}

export interface LeanData {
  readonly feed: PriceFeed;
  readonly splits: readonly SplitEvent[];
  readonly warnings: readonly string[];
}

interface RawDaily {
  readonly date: string;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
}

const LEAN_DAILY_RE = /^(\d{4})(\d{2})(\d{2}) \d{2}:\d{2}$/;

function parseCells(path: string, lineNo: number, line: string): number[] {
  const cells = line.split(',');
  if (cells.length !== 6) throw new DataError(`${path}:${lineNo}: expected 6 columns, got ${cells.length}`);
  const out: number[] = [];
  for (let i = 1; i < 6; i++) {
    const x = Number(cells[i]);
    if (cells[i]!.trim() === '' || !Number.isFinite(x)) throw new DataError(`${path}:${lineNo}: column ${i + 1} ${JSON.stringify(cells[i])} is not a number`);
    out.push(x);
  }
  return out;
}

function readLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  return text.split(/\r?\n/);
}

/** Parses one Lean daily file into raw (unadjusted, dollar) rows, ascending, sessions only. */
export function parseLeanDaily(path: string): RawDaily[] {
  const lines = readLines(path);
  const out: RawDaily[] = [];
  let prev = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const first = line.slice(0, line.indexOf(','));
    const m = LEAN_DAILY_RE.exec(first);
    if (!m) throw new DataError(`${path}:${i + 1}: unparseable Lean date ${JSON.stringify(first)} (expected yyyyMMdd HH:mm)`);
    const date = `${m[1]}-${m[2]}-${m[3]}`;
    if (date <= prev) throw new DataError(`${path}:${i + 1}: date ${date} is not after the previous row's ${prev}`);
    prev = date;
    const [o, h, l, c, v] = parseCells(path, i + 1, line) as [number, number, number, number, number];
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) throw new DataError(`${path}:${i + 1}: prices must be positive`);
    if (!sessionOn(date)) continue;
    // Lean rows occasionally carry an open or close a tick outside the high/low: widen the range.
    const hi = Math.max(h, o, c);
    const lo = Math.min(l, o, c);
    out.push({ date, o: o / PRICE_SCALE, h: hi / PRICE_SCALE, l: lo / PRICE_SCALE, c: c / PRICE_SCALE, v });
  }
  return out;
}

const logDist = (a: number, b: number) => Math.abs(Math.log(a / b));

/** NYSE session of a date, memoized (the rules calendar recomputes holidays per call). */
const sessionMemo = new Map<string, Session | null>();
function sessionOn(date: string): Session | null {
  let s = sessionMemo.get(date);
  if (s === undefined) {
    s = nyseSession(date);
    sessionMemo.set(date, s);
  }
  return s;
}

/** Split events found in one symbol's raw daily rows (rule in the header comment), ascending. */
export function detectSplits(symbol: string, rows: readonly RawDaily[]): { splits: SplitEvent[]; warnings: string[] } {
  const splits: SplitEvent[] = [];
  const warnings: string[] = [];
  for (let i = 1; i < rows.length; i++) {
    const p = rows[i - 1]!;
    const b = rows[i]!;
    const r = p.c / b.o;
    const rc = p.c / b.c;
    const vr = p.v > 0 ? b.v / p.v : NaN;
    let found: number | null = null;
    for (const s of SPLIT_RATIOS) {
      if (logDist(r, s) < OPEN_TOL && logDist(rc, s) < CLOSE_TOL && vr >= s / 3 && vr <= s * 3) {
        found = s;
        break;
      }
    }
    const gapDays = (Date.parse(b.date) - Date.parse(p.date)) / 86_400_000;
    if (gapDays > 14) warnings.push(`${symbol}: no bars from ${p.date} to ${b.date} (${Math.round(gapDays)} calendar days missing)`);
    if (found !== null) splits.push({ symbol, date: b.date, ratio: found });
    else if (r > 1.4 || r < 1 / 1.4) warnings.push(`${symbol} ${b.date}: overnight move ${((1 / r - 1) * 100).toFixed(1)}% (close ${p.c} -> open ${b.o}) not treated as a split`);
  }
  return { splits, warnings };
}

/** Cumulative price divisor per date: bars before a split date are divided by its ratio (and by later ones). */
function factorFor(splits: readonly SplitEvent[]): (date: string) => number {
  if (splits.length === 0) return () => 1;
  return (date: string) => {
    let f = 1;
    for (const s of splits) if (date < s.date) f *= s.ratio;
    return f;
  };
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

function adjust(o: number, h: number, l: number, c: number, v: number, f: number) {
  return f === 1 ? { o, h, l, c, v } : { o: r6(o / f), h: r6(h / f), l: r6(l / f), c: r6(c / f), v: Math.round(v * f) };
}

function csvFiles(dir: string, re: RegExp): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new DataError(`${dir}: cannot read the Lean data directory: ${(e as Error).message}`, { cause: e });
  }
  return names.filter((n) => re.test(n) && statSync(join(dir, n)).isFile()).sort();
}

/** Reads Lean daily and/or minute data into a replay feed (minute granularity when minute files are given). */
export function loadLeanData(opts: LeanLoadOptions): LeanData {
  if (!opts.dailyDir && !opts.minuteDir) throw new DataError('Lean data: give a daily and/or a minute directory');
  const want = opts.symbols ? new Set(opts.symbols.map((s) => s.toUpperCase())) : null;
  const adjustSplits = opts.adjustSplits ?? true;
  const splits: SplitEvent[] = [];
  const warnings: string[] = [];
  const factors = new Map<string, (date: string) => number>();
  const sessionMap = new Map<string, Session>();
  const daily = new Map<string, Bar[]>();

  if (opts.dailyDir) {
    for (const name of csvFiles(opts.dailyDir, /^[A-Za-z0-9.]+\.csv$/)) {
      const symbol = basename(name, '.csv').toUpperCase();
      if (want && !want.has(symbol)) continue;
      const rows = parseLeanDaily(join(opts.dailyDir, name));
      if (rows.length === 0) continue;
      const found = detectSplits(symbol, rows);
      warnings.push(...found.warnings);
      const used = adjustSplits ? found.splits : [];
      if (!adjustSplits) for (const s of found.splits) warnings.push(`${symbol} ${s.date}: looks like a ${s.ratio}:1 split, NOT adjusted (--adjust none)`);
      splits.push(...used);
      const f = factorFor(used);
      factors.set(symbol, f);
      const bars: Bar[] = [];
      for (const r of rows) {
        const s = sessionOn(r.date)!;
        sessionMap.set(s.date, s);
        bars.push({ t: s.open, end: s.close, ...adjust(r.o, r.h, r.l, r.c, r.v, f(r.date)) });
      }
      daily.set(symbol, bars);
    }
  }

  const minute = new Map<string, Bar[]>();
  if (opts.minuteDir) {
    const minuteSessions = new Map<string, Set<string>>();
    for (const name of csvFiles(opts.minuteDir, /^[A-Za-z0-9.]+_\d{8}\.csv$/)) {
      const m = /^(.+)_(\d{4})(\d{2})(\d{2})\.csv$/.exec(name)!;
      const symbol = m[1]!.toUpperCase();
      if (want && !want.has(symbol)) continue;
      const date = `${m[2]}-${m[3]}-${m[4]}`;
      const s = sessionOn(date);
      if (!s) continue;
      const path = join(opts.minuteDir, name);
      const midnight = nyTime(date, '00:00');
      const f = (factors.get(symbol) ?? (() => 1))(date);
      const list = minute.get(symbol) ?? [];
      const lines = readLines(path);
      let prevT = -Infinity;
      let kept = 0;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!.trim();
        if (line === '') continue;
        const ms = Number(line.slice(0, line.indexOf(',')));
        if (!Number.isInteger(ms)) throw new DataError(`${path}:${i + 1}: unparseable milliseconds since midnight`);
        const t = midnight + ms;
        if (t <= prevT) throw new DataError(`${path}:${i + 1}: bar time is not after the previous row's`);
        prevT = t;
        if (t < s.open || t >= s.close) continue;
        const [o, h, l, c, v] = parseCells(path, i + 1, line) as [number, number, number, number, number];
        const hi = Math.max(h, o, c);
        const lo = Math.min(l, o, c);
        list.push({ t, end: t + MINUTE, ...adjust(o / PRICE_SCALE, hi / PRICE_SCALE, lo / PRICE_SCALE, c / PRICE_SCALE, v, f) });
        kept++;
      }
      if (kept === 0) continue;
      minute.set(symbol, list);
      sessionMap.set(date, s);
      const set = minuteSessions.get(symbol) ?? new Set<string>();
      set.add(date);
      minuteSessions.set(symbol, set);
    }
    // Daily bars of minute sessions come from the minutes; keep the daily file's bars for the other dates.
    for (const [symbol, list] of minute) {
      list.sort((a, b) => a.t - b.t);
      const dates = minuteSessions.get(symbol)!;
      const keep = (daily.get(symbol) ?? []).filter((b) => !dates.has(nyDate(b.t)));
      const agg: Bar[] = [];
      let i = 0;
      while (i < list.length) {
        const first = list[i]!;
        const date = nyDate(first.t);
        const s = sessionMap.get(date)!;
        let h = first.h;
        let l = first.l;
        let c = first.c;
        let v = first.v;
        for (i++; i < list.length && nyDate(list[i]!.t) === date; i++) {
          const b = list[i]!;
          if (b.h > h) h = b.h;
          if (b.l < l) l = b.l;
          c = b.c;
          v += b.v;
        }
        agg.push({ t: s.open, end: s.close, o: first.o, h, l, c, v });
      }
      daily.set(symbol, [...keep, ...agg].sort((a, b) => a.t - b.t));
    }
  }

  if (daily.size === 0 && minute.size === 0) {
    throw new DataError(`Lean data: no ${want ? `files for ${[...want].join(',')} ` : 'files '}in ${[opts.dailyDir, opts.minuteDir].filter(Boolean).join(' and ')}`);
  }
  const sessions = [...sessionMap.values()].sort((a, b) => a.open - b.open);
  const feed = minute.size > 0 ? createArrayFeed({ daily, minute, sessions }) : createArrayFeed({ daily, sessions });
  return { feed, splits, warnings };
}

/** Resolves `--data DIR` for the Lean format: a daily dir, a minute dir, or a Lean root holding `daily/` and `minute/`. */
export function leanDirs(dir: string, timeframe: 'day' | 'minute'): { dailyDir?: string; minuteDir?: string } {
  const hasSub = (s: string) => existsSync(join(dir, s)) && statSync(join(dir, s)).isDirectory();
  if (timeframe === 'day') return { dailyDir: hasSub('daily') ? join(dir, 'daily') : dir };
  if (hasSub('minute')) return { minuteDir: join(dir, 'minute'), ...(hasSub('daily') ? { dailyDir: join(dir, 'daily') } : {}) };
  const sibling = join(dir, '..', 'daily');
  return { minuteDir: dir, ...(existsSync(sibling) ? { dailyDir: sibling } : {}) };
}
