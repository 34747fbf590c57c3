import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataError } from '../../src/domain/errors.js';
import { nyTime } from '../../src/core/time/ny.js';
import { loadCsvFeed } from '../../src/adapters/sim/csv.js';

const HEADER = 'timestamp,open,high,low,close,volume';
const dirs: string[] = [];

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-trader-csv-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Loads and returns the DataError message (fails the test if it does not throw one). */
function loadError(dir: string): string {
  try {
    loadCsvFeed(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error('expected loadCsvFeed to throw');
}

describe('loadCsvFeed: daily files', () => {
  it('loads daily bars: session open/close from NYSE rules, early closes, non-session dates at 16:00', () => {
    const dir = dirWith({
      'aapl.csv': [
        'Timestamp,Open,High,Low,Close,Volume',
        '2024-07-02,100,101,99,100.5,1000',
        '2024-07-03,100.5,102,100,101.5,800',
        '2024-07-05,101.5,103,101,102,1200',
        '2024-07-06,102,102.5,101.5,102.25,10',
        '',
      ].join('\r\n'),
      'SPY.csv': `${HEADER}\n2024-07-03,540,545,539,544,5000000\n`,
      'notes.txt': 'ignored',
    });
    const feed = loadCsvFeed(dir);
    expect(feed.granularity).toBe('day');
    expect(feed.symbols()).toEqual(['AAPL', 'SPY']);
    expect(feed.has('AAPL')).toBe(true);
    expect(feed.has('aapl')).toBe(false);
    const bars = feed.dailyBars('AAPL', 0, Number.POSITIVE_INFINITY);
    expect(bars).toEqual([
      { t: nyTime('2024-07-02', '09:30'), end: nyTime('2024-07-02', '16:00'), o: 100, h: 101, l: 99, c: 100.5, v: 1000 },
      { t: nyTime('2024-07-03', '09:30'), end: nyTime('2024-07-03', '13:00'), o: 100.5, h: 102, l: 100, c: 101.5, v: 800 },
      { t: nyTime('2024-07-05', '09:30'), end: nyTime('2024-07-05', '16:00'), o: 101.5, h: 103, l: 101, c: 102, v: 1200 },
      { t: nyTime('2024-07-06', '09:30'), end: nyTime('2024-07-06', '16:00'), o: 102, h: 102.5, l: 101.5, c: 102.25, v: 10 },
    ]);
    const sessions = feed.sessions('2024-01-01', '2024-12-31');
    expect(sessions.map((s) => s.date)).toEqual(['2024-07-02', '2024-07-03', '2024-07-05', '2024-07-06']);
    expect(sessions[1]).toEqual({ date: '2024-07-03', open: nyTime('2024-07-03', '09:30'), close: nyTime('2024-07-03', '13:00'), early: true });
    expect(feed.minuteBars('AAPL', 0, Number.POSITIVE_INFINITY)).toEqual([]);
    // Daily granularity: fills and the last bar walk daily bars.
    expect(feed.lastBarAt('AAPL', nyTime('2024-07-05', '12:00'))).toEqual(bars[1]);
    expect(feed.fillBars('AAPL', nyTime('2024-07-03', '00:00'), nyTime('2024-07-06', '00:00'))).toEqual(bars.slice(1, 3));
  });
});

describe('loadCsvFeed: minute files', () => {
  it('loads minute bars (Z and offsets), drops bars outside regular hours, aggregates daily bars', () => {
    const dir = dirWith({
      'MSFT.csv': [
        HEADER,
        '2024-03-05T14:00:00Z,9,9.5,8.9,9.2,50', // 09:00 NY: pre-market, dropped
        '2024-03-05T14:30:00Z,10,10.5,9.8,10.2,100', // 09:30 NY
        '2024-03-05T09:31:00-05:00,10.2,10.4,10.1,10.3,200', // 09:31 NY
        '2024-03-05T14:32:00.000+00:00,10.3,11,10.3,10.9,300',
        '2024-03-05 20:59:00Z,10.9,10.95,10.5,10.6,400', // 15:59 NY, space separator
        '2024-03-05T21:00:00Z,10.6,10.7,10.6,10.65,999', // 16:00 NY: after-hours, dropped
        '2024-07-03T16:59:00Z,20,20.1,19.9,20,10', // 12:59 NY on an early close: kept
        '2024-07-03T17:00:00Z,20,20.1,19.9,20,10', // 13:00 NY on an early close: dropped
        '2024-07-05T13:30:00Z,21,21,21,21,5', // 09:30 EDT
      ].join('\n'),
    });
    const feed = loadCsvFeed(dir);
    expect(feed.granularity).toBe('minute');
    const mins = feed.minuteBars('MSFT', 0, Number.POSITIVE_INFINITY);
    expect(mins.map((m) => m.v)).toEqual([100, 200, 300, 400, 10, 5]);
    expect(mins[1]).toEqual({ t: Date.parse('2024-03-05T14:31:00Z'), end: Date.parse('2024-03-05T14:32:00Z'), o: 10.2, h: 10.4, l: 10.1, c: 10.3, v: 200 });
    const daily = feed.dailyBars('MSFT', 0, Number.POSITIVE_INFINITY);
    expect(daily).toEqual([
      { t: nyTime('2024-03-05', '09:30'), end: nyTime('2024-03-05', '16:00'), o: 10, h: 11, l: 9.8, c: 10.6, v: 1000 },
      { t: nyTime('2024-07-03', '09:30'), end: nyTime('2024-07-03', '13:00'), o: 20, h: 20.1, l: 19.9, c: 20, v: 10 },
      { t: nyTime('2024-07-05', '09:30'), end: nyTime('2024-07-05', '16:00'), o: 21, h: 21, l: 21, c: 21, v: 5 },
    ]);
    expect(feed.sessions('2024-01-01', '2024-12-31').map((s) => s.date)).toEqual(['2024-03-05', '2024-07-03', '2024-07-05']);
    // Minute granularity: the last bar and fills are minutes.
    expect(feed.lastBarAt('MSFT', Date.parse('2024-03-05T14:32:30Z'))).toEqual(mins[1]);
    expect(feed.fillBars('MSFT', Date.parse('2024-03-05T14:31:00Z'), Date.parse('2024-03-05T21:00:00Z'))).toEqual(mins.slice(1, 4));
  });

  it('a minute file with only extended-hours bars is an error', () => {
    const dir = dirWith({ 'X.csv': `${HEADER}\n2024-03-05T13:00:00Z,1,1,1,1,1\n2024-03-05T22:00:00Z,1,1,1,1,1\n` });
    expect(loadError(dir)).toMatch(/X\.csv: no minute bars inside regular trading hours/);
  });
});

describe('loadCsvFeed: validation', () => {
  const cases: [string, string, RegExp][] = [
    ['wrong column count', '2024-01-03,10,11,9,10', /:3: expected 6 columns, got 5$/],
    ['non-numeric', '2024-01-03,10,abc,9,10,100', /:3: high "abc" is not a number$/],
    ['NaN', '2024-01-03,NaN,11,9,10,100', /:3: open "NaN" is not a number$/],
    ['empty cell', '2024-01-03,10,11,9,,100', /:3: close "" is not a number$/],
    ['zero price', '2024-01-03,0,11,0,10,100', /:3: open 0 is not positive$/],
    ['negative price', '2024-01-03,10,11,-9,10,100', /:3: low -9 is not positive$/],
    ['high below open', '2024-01-03,10,9.5,9,9.2,100', /:3: high 9.5 is below open 10$/],
    ['high below close', '2024-01-03,10,10.5,9,11,100', /:3: high 10.5 is below close 11$/],
    ['low above close', '2024-01-03,10,11,9.9,9.8,100', /:3: low 9.9 is above close 9.8$/],
    ['low above open', '2024-01-03,10,11,10.5,10.6,100', /:3: low 10.5 is above open 10$/],
    ['negative volume', '2024-01-03,10,11,9,10,-5', /:3: volume -5 is negative$/],
    ['repeated timestamp', '2024-01-02,10,11,9,10,100', /:3: timestamp 2024-01-02 is not after the previous row's 2024-01-02$/],
    ['descending timestamp', '2023-12-29,10,11,9,10,100', /:3: timestamp 2023-12-29 is not after/],
    ['impossible date', '2024-02-30,10,11,9,10,100', /:3: unparseable date "2024-02-30"$/],
    ['slashed date', '2024/01/03,10,11,9,10,100', /:3: unparseable timestamp "2024\/01\/03"/],
    ['datetime without zone', '2024-01-03T14:30:00,10,11,9,10,100', /:3: unparseable timestamp/],
    ['minute row in a daily file', '2024-01-03T14:30:00Z,10,11,9,10,100', /:3: minute timestamp "2024-01-03T14:30:00Z" in a file of daily bars$/],
  ];

  it.each(cases)('%s: DataError naming the file and line', (_name, badLine, pattern) => {
    const dir = dirWith({ 'AAPL.csv': `${HEADER}\n2024-01-02,10,11,9,10,100\n${badLine}\n2024-01-04,10,11,9,10,100\n` });
    const msg = loadError(dir);
    expect(msg.startsWith(`${join(dir, 'AAPL.csv')}:3: `)).toBe(true);
    expect(msg).toMatch(pattern);
  });

  it('counts physical lines (blank lines are skipped but still numbered)', () => {
    const dir = dirWith({ 'KO.csv': `${HEADER}\n\n2024-01-02,10,11,9,10,100\n\n\n2024-01-03,10,9.5,9,9,100\n` });
    expect(loadError(dir)).toBe(`${join(dir, 'KO.csv')}:6: high 9.5 is below open 10`);
  });

  it('requires the header on line 1', () => {
    const dir = dirWith({ 'KO.csv': 'date,open,high,low,close,volume\n2024-01-02,10,11,9,10,100\n' });
    expect(loadError(dir)).toMatch(new RegExp(`^${escape(join(dir, 'KO.csv'))}:1: expected the header`));
    const noHeader = dirWith({ 'KO.csv': '2024-01-02,10,11,9,10,100\n' });
    expect(loadError(noHeader)).toMatch(/KO\.csv:1: expected the header/);
  });

  it('rejects empty files and header-only files', () => {
    expect(loadError(dirWith({ 'KO.csv': '' }))).toMatch(/KO\.csv: empty file/);
    expect(loadError(dirWith({ 'KO.csv': `${HEADER}\n` }))).toMatch(/KO\.csv: no data rows/);
  });

  it('rejects a directory that mixes daily and minute files', () => {
    const dir = dirWith({
      'AAPL.csv': `${HEADER}\n2024-01-02,10,11,9,10,100\n`,
      'MSFT.csv': `${HEADER}\n2024-01-02T14:30:00Z,10,11,9,10,100\n`,
    });
    const msg = loadError(dir);
    expect(msg.startsWith(`${dir}: mixes daily files`)).toBe(true);
    expect(msg).toContain('AAPL.csv');
    expect(msg).toContain('MSFT.csv');
  });

  it('rejects a missing directory, an empty one, one without csv files, and duplicate symbols', () => {
    const missing = join(tmpdir(), 'llm-trader-csv-does-not-exist-7f3a');
    expect(loadError(missing)).toContain(missing);
    const empty = dirWith({});
    expect(loadError(empty)).toBe(`${empty}: no <SYMBOL>.csv files in the CSV data directory`);
    const other = dirWith({ 'README.md': 'hi' });
    mkdirSync(join(other, 'sub.csv'));
    expect(loadError(other)).toContain(`${other}: no <SYMBOL>.csv files`);
    const dup = dirWith({ 'aapl.csv': `${HEADER}\n2024-01-02,10,11,9,10,100\n`, 'AAPL.csv': `${HEADER}\n2024-01-02,10,11,9,10,100\n` });
    expect(loadError(dup)).toMatch(/are both symbol AAPL/);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
