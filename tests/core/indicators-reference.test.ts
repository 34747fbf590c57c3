import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_FILES, runReferenceCheck } from '../../src/core/indicators/reference-check.js';
import * as S from '../../src/core/indicators/series.js';

/**
 * The same comparison as `npm run check:indicators`, against QuantConnect/Lean's reference
 * values in ../shared/data/lean/indicators (run when that folder exists, so CI checks it).
 */
const DIR = resolve('../shared/data/lean/indicators');
const read = (f: string) => {
  const p = join(DIR, f);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
};

describe.runIf(existsSync(DIR))('indicators against the Lean reference values', () => {
  it('every reference column is matched within the precision it prints', () => {
    const r = runReferenceCheck(read);
    expect(r.missingFiles).toEqual([]);
    const failed = r.columns.filter((c) => !c.pass).map((c) => `${c.indicator}: worst ${JSON.stringify(c.worst)}, missing ${c.missing}`);
    expect(failed).toEqual([]);
    // Every indicator the issue names is covered.
    const names = r.columns.map((c) => c.indicator).join('|');
    for (const n of ['ATR 14 (Wilder)', 'ADX 14', '+DI 14', '-DI 14', 'MACD 12/26/9', 'OBV', 'Bollinger 20/2 upper', 'EMA 14', 'StochRSI 14/14/3/3 %K', 'Moving VWAP 50']) {
      expect(names).toContain(n);
    }
  });

  it('fails when a reference value is moved by more than its printed precision', () => {
    const r = runReferenceCheck((f) => {
      const text = read(f);
      if (text === null || f !== 'spy_atr_wilder.txt') return text;
      // Move one ATR value by 3 units in its 5th decimal.
      return text.replace(',1.11957\n', ',1.11960\n');
    });
    const atr = r.columns.find((c) => c.indicator === 'ATR 14 (Wilder)')!;
    expect(atr.pass).toBe(false);
    expect(r.pass).toBe(false);
  });
});

describe('reference check mechanics (no data folder needed)', () => {
  it('reports missing files and does not pass with nothing compared', () => {
    const r = runReferenceCheck(() => null);
    expect(r.missingFiles).toEqual([...REFERENCE_FILES]);
    expect(r.pass).toBe(false);
  });

  it('derives the tolerance from the printed decimals: within one unit of the last decimal passes, beyond fails', () => {
    const bars = Array.from({ length: 20 }, (_, i) => ({ h: 101 + (i % 4), l: 99 - (i % 3) * 0.5, c: 100 + (i % 5) * 0.3 }));
    const atr = S.atr(bars, 14);
    const file = (shift: number) =>
      ['Date,Open,High,Low,Close,Average True Range 14']
        .concat(bars.map((b, i) => `d${i},100,${b.h},${b.l},${b.c},${atr[i] === null ? '' : (atr[i]! + (i === 17 ? shift : 0)).toFixed(5)}`))
        .join('\n');
    const run = (shift: number) => runReferenceCheck((f) => (f === 'spy_atr_wilder.txt' ? file(shift) : null)).columns[0]!;
    expect(run(0).printed).toBe('5 decimals');
    expect(run(0).compared).toBe(7);
    expect(run(0).pass).toBe(true);
    expect(run(0.000004).pass).toBe(true); // 0.4 units shift + at most 0.5 units rounding
    expect(run(0.00003).pass).toBe(false);
  });
});
