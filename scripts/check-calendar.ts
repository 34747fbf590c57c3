/**
 * npm run check:calendar [-- --file PATH] [--from YEAR] [--to YEAR]
 * Compares the built-in NYSE rules calendar with the reference calendar
 * (../shared/data/lean/us-equity-calendar.json by default) day by day, 2000..2028.
 * Known, documented differences (docs/calendar-differences.md) are listed but do not fail;
 * any other difference exits 1. Without the reference file it says so and exits 0.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { isEarlyClose, isTradingDay, nyseHolidays } from '../src/adapters/calendar/nyse-rules.js';
import { addDays, dayOfWeek } from '../src/core/time/ny.js';

/** Differences we keep on purpose, with the reason (mirrored in docs/calendar-differences.md). */
const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map([]);

const { values } = parseArgs({ options: { file: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
const file = resolve(values.file ?? '../shared/data/lean/us-equity-calendar.json');
const from = Number(values.from ?? 2000);
const to = Number(values.to ?? 2028);
if (!existsSync(file)) {
  console.log(`reference calendar not found at ${file}; nothing to check`);
  process.exit(0);
}
const ref = z.object({ holidays: z.array(z.string()), earlyCloses: z.record(z.string(), z.string()) }).parse(JSON.parse(readFileSync(file, 'utf8')));
const toIso = (mdy: string) => {
  const [m, d, y] = mdy.split('/').map(Number);
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};
const refHolidays = new Set(ref.holidays.map(toIso));
const refEarly = new Map(Object.entries(ref.earlyCloses).map(([k, v]) => [toIso(k), v]));

let days = 0;
const unexpected: string[] = [];
const known: string[] = [];
for (let d = `${from}-01-01`; d <= `${to}-12-31`; d = addDays(d, 1)) {
  const dow = dayOfWeek(d);
  if (dow === 0 || dow === 6) continue;
  days++;
  const problems: string[] = [];
  const oursOpen = isTradingDay(d);
  const refOpen = !refHolidays.has(d);
  if (oursOpen !== refOpen) problems.push(`ours ${oursOpen ? 'open' : `closed (${nyseHolidays(Number(d.slice(0, 4))).get(d)})`}, reference ${refOpen ? 'open' : 'closed'}`);
  if (oursOpen && refOpen) {
    const oursEarly = isEarlyClose(d);
    const refE = refEarly.get(d);
    if (oursEarly !== (refE !== undefined)) problems.push(`ours ${oursEarly ? 'early close 13:00' : 'full day'}, reference ${refE ? `early close ${refE}` : 'full day'}`);
    else if (refE !== undefined && refE !== '13:00:00') problems.push(`early close at ${refE} in the reference, 13:00 ours`);
  }
  if (problems.length === 0) continue;
  const line = `${d}: ${problems.join('; ')}`;
  const why = KNOWN_DIFFERENCES.get(d);
  if (why) known.push(`${line}  [documented: ${why}]`);
  else unexpected.push(line);
}
console.log(`checked ${days} weekdays ${from}-${to} against ${file}`);
for (const k of known) console.log(`  known     ${k}`);
for (const u of unexpected) console.log(`  MISMATCH  ${u}`);
console.log(`${known.length} documented difference(s), ${unexpected.length} unexpected`);
process.exit(unexpected.length > 0 ? 1 : 0);
