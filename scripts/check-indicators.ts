/**
 * npm run check:indicators [-- --dir PATH] [--json]
 * Compares our indicators with the reference values in ../shared/data/lean/indicators/
 * (QuantConnect/Lean test data: ATR Wilder, ADX with +DI/-DI, MACD, OBV, Bollinger, EMA,
 * StochRSI, moving VWAP) and prints, per indicator column, the largest absolute and relative
 * error after warm-up and the tolerance derived from the digits the reference prints (see
 * src/core/indicators/reference-check.ts). Exits 1 when any value misses its tolerance or a
 * reference value after warm-up has no value of ours; exits 0 (saying so) without the folder.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runReferenceCheck } from '../src/core/indicators/reference-check.js';

const { values } = parseArgs({ options: { dir: { type: 'string' }, json: { type: 'boolean' } } });
const dir = resolve(values.dir ?? '../shared/data/lean/indicators');
if (!existsSync(dir)) {
  console.log(`reference indicators not found at ${dir}; nothing to check`);
  process.exit(0);
}
const report = runReferenceCheck((f) => {
  const p = join(dir, f);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
});

if (values.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const e = (x: number) => (x === 0 ? '0' : x.toExponential(2));
  const rows = report.columns.map((c) => [
    c.pass ? 'ok  ' : 'FAIL',
    c.indicator,
    c.file,
    c.printed,
    String(c.compared),
    e(c.maxAbsError),
    e(c.maxRelError),
    c.worst ? e(c.worst.tolerance) : '-',
    c.worstRatio.toFixed(3),
  ]);
  const head = ['', 'indicator', 'file', 'reference prints', 'values', 'max abs err', 'max rel err', 'tol at worst', 'err/tol'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(`reference: ${dir}`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  for (const i of report.info) console.log(`info: ${i.indicator} ${i.note}: max abs err ${e(i.maxAbsError)}`);
  for (const f of report.missingFiles) console.log(`missing reference file: ${f} (not checked)`);
  for (const c of report.columns.filter((x) => !x.pass)) {
    console.log(`FAIL ${c.indicator}: ${c.missing} values missing; worst ${JSON.stringify(c.worst)}`);
  }
  console.log(report.pass ? 'all indicators within the reference precision' : 'some indicators miss the reference');
}
process.exit(report.pass ? 0 : 1);
