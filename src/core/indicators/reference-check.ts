import * as S from './series.js';

/**
 * Compares our indicator series with reference values (QuantConnect/Lean test data: SPY daily
 * bars with indicator columns). Pure: the caller supplies the files' text. Used by
 * `npm run check:indicators` and by a vitest suite that runs when the data folder exists.
 *
 * Tolerance, per reference value, is derived from how the reference prints it:
 * - fixed decimals (e.g. `1.15429`): one unit in the last printed decimal, where the number
 *   of decimals is the most that at least 5% of the column's values print. One unit rather than half: the reference's
 *   own rounding is not always to nearest (its Bollinger upper and lower bands are not
 *   symmetric about its exactly representable middle; some moving-VWAP values sit 0.56 units
 *   from ours), so the printed precision is the last digit, not half of it.
 * - significant digits (e.g. `1.156476E+08`, `-9.94615`: at most 7 significant digits, i.e.
 *   single precision): one unit in the 7th significant digit of the operands' scale. For
 *   price-based indicators the operands are prices (MACD is EMA12 - EMA26, two numbers at the
 *   price level, so its precision is that of a 7-digit price, not of the small difference);
 *   for OBV the scale is the value itself.
 * - full double precision (`45.71432142857143`): 1e-12 of the column's scale (the error two
 *   correct double implementations with different operation order reach over a few hundred
 *   recursive steps); the reference's 16th-17th digits are float noise, not precision.
 * Values derived from other printed columns add the propagated precision of those inputs
 * (OBV sums printed volumes; the MACD histogram is MACD - signal; %B and bandwidth are
 * computed from the printed bands).
 */

export interface ColumnResult {
  readonly indicator: string;
  readonly file: string;
  readonly column: string;
  /** How the reference prints this column, derived from the file. */
  readonly printed: string;
  readonly compared: number;
  /** Reference values (after warm-up) for which we produced no value. */
  readonly missing: number;
  readonly maxAbsError: number;
  /** Largest |ours - ref| / |ref| over values at least 1000 tolerance units from zero. */
  readonly maxRelError: number;
  /** Largest error as a fraction of that value's tolerance (<= 1 passes). */
  readonly worstRatio: number;
  /** Where the worst ratio occurred (row of data, 0-based, and the two values). */
  readonly worst: { readonly row: number; readonly ref: number; readonly ours: number; readonly tolerance: number } | null;
  readonly pass: boolean;
}

export interface InfoFigure {
  readonly indicator: string;
  readonly note: string;
  readonly maxAbsError: number;
}

export interface CheckReport {
  readonly columns: readonly ColumnResult[];
  readonly info: readonly InfoFigure[];
  /** Files that were expected but absent. */
  readonly missingFiles: readonly string[];
  readonly pass: boolean;
}

interface Table {
  readonly header: readonly string[];
  readonly raw: readonly (readonly string[])[];
  col(name: string): (string | null)[];
  num(name: string): (number | null)[];
  nums(name: string): number[];
}

function parseTable(text: string): Table {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const raw = lines.slice(1).map((l) => l.split(',').map((c) => c.trim()));
  const idx = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`column ${JSON.stringify(name)} not found (have ${header.join(' | ')})`);
    return i;
  };
  const col = (name: string) => {
    const i = idx(name);
    return raw.map((r) => {
      const c = r[i];
      return c === undefined || c === '' || c === 'NaN' ? null : c;
    });
  };
  const num = (name: string) => col(name).map((c) => (c === null ? null : Number(c)));
  const nums = (name: string) =>
    num(name).map((x, k) => {
      if (x === null || !Number.isFinite(x)) throw new Error(`column ${name} row ${k}: missing input value`);
      return x;
    });
  return { header, raw, col, num, nums };
}

/** A printed number with float noise removed (more than 15 significant digits are noise). */
function canonical(s: string): string {
  const digits = s.replace(/^[-+]/, '').replace(/[eE].*$/, '').replace('.', '').replace(/^0+/, '');
  if (digits.length <= 15) return s;
  const x = Number(s);
  return String(Number(x.toPrecision(15)));
}

function decimalsOf(s: string): number {
  const c = canonical(s);
  if (/[eE]/.test(c)) {
    const [m, e] = c.split(/[eE]/) as [string, string];
    return Math.max(0, (m.split('.')[1]?.length ?? 0) - Number(e));
  }
  return c.split('.')[1]?.length ?? 0;
}

function significantOf(s: string): number {
  const m = canonical(s).replace(/^[-+]/, '').replace(/[eE].*$/, '');
  const digits = m.replace('.', '').replace(/^0+/, '');
  return m.includes('.') ? digits.length : digits.replace(/0+$/, '').length;
}

type Precision =
  | { readonly kind: 'decimals' }
  | { readonly kind: 'significant'; readonly scale: (row: number, ref: number) => number }
  | { readonly kind: 'double'; readonly scale: number }
  /** Computed by the reference from other printed columns: all of its precision comes from `extra`. */
  | { readonly kind: 'derived' };

interface ColumnSpec {
  readonly indicator: string;
  readonly column: string;
  readonly precision: Precision;
  readonly ours: readonly (number | null | undefined)[];
  /** Propagated precision of printed inputs, added to the value's own unit. */
  readonly extra?: (row: number) => number;
}

const pow10 = (e: number) => 10 ** e;

/** The largest value that at least `share` of xs take. */
function commonMax(xs: readonly number[], share: number): number {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best = 0;
  for (const [x, c] of counts) if (c >= share * xs.length && x > best) best = x;
  return best;
}
const exponentOf = (x: number) => (x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x))));

/** Per-row tolerance units for one column, and a description of the printing. */
function unitsFor(t: Table, spec: ColumnSpec): { units: (number | null)[]; printed: string } {
  const cells = t.col(spec.column);
  const refs = t.num(spec.column);
  const p = spec.precision;
  if (p.kind === 'decimals') {
    // The most decimals at least 5% of the values print (trailing zeros are not printed, so
    // fewer is common; a stray hand-edited cell with more, like one 5-decimal DX in the ADX
    // file's 2-decimal column, is ignored).
    const d = commonMax(cells.filter((c): c is string => c !== null).map(decimalsOf), 0.05);
    return { units: refs.map((r) => (r === null ? null : pow10(-d))), printed: `${d} decimals` };
  }
  if (p.kind === 'significant') {
    const sig = Math.max(0, ...cells.filter((c): c is string => c !== null).map(significantOf));
    return {
      units: refs.map((r, i) => (r === null ? null : pow10(exponentOf(p.scale(i, r)) - sig + 1))),
      printed: `${sig} significant digits`,
    };
  }
  if (p.kind === 'derived') return { units: refs.map((r) => (r === null ? null : 0)), printed: 'derived from other printed columns' };
  return { units: refs.map((r) => (r === null ? null : 1e-12 * p.scale)), printed: 'full double precision' };
}

function compare(file: string, t: Table, spec: ColumnSpec): ColumnResult {
  const refs = t.num(spec.column);
  const { units, printed } = unitsFor(t, spec);
  let compared = 0;
  let missing = 0;
  let maxAbs = 0;
  let maxRel = 0;
  let worstRatio = 0;
  let worst: ColumnResult['worst'] = null;
  refs.forEach((ref, i) => {
    if (ref === null) return;
    const o = spec.ours[i];
    if (o === null || o === undefined || !Number.isFinite(o)) {
      missing++;
      return;
    }
    compared++;
    const unit = units[i]!;
    const tol = unit + (spec.extra ? spec.extra(i) : 0);
    const err = Math.abs(o - ref);
    if (err > maxAbs) maxAbs = err;
    if (Math.abs(ref) >= 1000 * unit) maxRel = Math.max(maxRel, err / Math.abs(ref));
    // A relative 1e-12 slack absorbs binary representation of decimal midpoints.
    const ratio = err / (tol + 1e-12 * Math.abs(ref));
    if (ratio > worstRatio || worst === null) {
      worstRatio = ratio;
      worst = { row: i, ref, ours: o, tolerance: tol };
    }
  });
  return {
    indicator: spec.indicator,
    file,
    column: spec.column,
    printed,
    compared,
    missing,
    maxAbsError: maxAbs,
    maxRelError: maxRel,
    worstRatio,
    worst,
    pass: compared > 0 && missing === 0 && worstRatio <= 1,
  };
}

const hlc = (t: Table) => {
  const h = t.nums('High');
  const l = t.nums('Low');
  const c = t.nums('Close');
  return h.map((_, i) => ({ h: h[i]!, l: l[i]!, c: c[i]! }));
};

/** What each reference file is checked for. */
function specsFor(file: string, t: Table): { columns: ColumnSpec[]; info: InfoFigure[] } {
  const close = () => t.nums('Close');
  const byClose = (i: number) => close()[i]!;
  switch (file) {
    case 'spy_atr_wilder.txt':
      return { columns: [{ indicator: 'ATR 14 (Wilder)', column: 'Average True Range 14', precision: { kind: 'decimals' }, ours: S.atr(hlc(t), 14) }], info: [] };
    case 'spy_atr.txt':
      // Same true range, averaged with a simple 14-bar mean (Lean's MovingAverageType.Simple).
      return {
        columns: [{ indicator: 'ATR 14 (simple mean of true range)', column: 'Average True Range 14', precision: { kind: 'significant', scale: byClose }, ours: S.sma(S.trueRange(hlc(t)), 14) }],
        info: [],
      };
    case 'spy_with_adx.txt': {
      const bars = hlc(t);
      const a = S.adx(bars, 14);
      const dx = a.map((p) => {
        if (!p) return null;
        const s = p.plus_di + p.minus_di;
        return s > 0 ? (100 * Math.abs(p.plus_di - p.minus_di)) / s : 0;
      });
      // The file's intermediate columns (TR, DM, their 14-sums, DX) are printed with 2 decimals.
      // Recomputing ADX from those rounded intermediates misses its ADX column badly, while the
      // full-precision computation matches it to the printed 4 decimals: the rounding is display only.
      const r2 = (x: number) => Math.round(x * 100) / 100;
      const rounded = S.adx(bars, 14, r2);
      const refAdx = t.num('ADX 14');
      let roundedErr = 0;
      refAdx.forEach((r, i) => {
        const v = rounded[i]?.adx;
        if (r !== null && v !== null && v !== undefined) roundedErr = Math.max(roundedErr, Math.abs(v - r));
      });
      return {
        columns: [
          { indicator: 'ADX 14', column: 'ADX 14', precision: { kind: 'decimals' }, ours: a.map((p) => p?.adx ?? null) },
          { indicator: '+DI 14', column: '+DI14', precision: { kind: 'decimals' }, ours: a.map((p) => p?.plus_di ?? null) },
          { indicator: '-DI 14', column: '-DI14', precision: { kind: 'decimals' }, ours: a.map((p) => p?.minus_di ?? null) },
          { indicator: 'DX 14 (ADX input)', column: 'DX', precision: { kind: 'decimals' }, ours: dx },
        ],
        info: [{ indicator: 'ADX 14', note: 'recomputed from 2-decimal intermediates (TR, DM, sums, DX rounded as printed), not used for pass/fail', maxAbsError: roundedErr }],
      };
    }
    case 'spy_with_macd.txt': {
      const m = S.macd(close());
      const macdSpec: Precision = { kind: 'significant', scale: byClose };
      const base: ColumnSpec[] = [
        { indicator: 'MACD 12/26/9', column: 'MACD', precision: macdSpec, ours: m.map((p) => p?.macd ?? null) },
        { indicator: 'MACD signal', column: 'Signal', precision: macdSpec, ours: m.map((p) => p?.signal ?? null) },
      ];
      const unitsMacd = unitsFor(t, base[0]!).units;
      const unitsSig = unitsFor(t, base[1]!).units;
      return {
        columns: [
          ...base,
          // The histogram column is MACD - Signal of the printed columns (its float-noise digits show it).
          { indicator: 'MACD histogram', column: 'Histogram', precision: { kind: 'derived' }, ours: m.map((p) => p?.histogram ?? null), extra: (i) => (unitsMacd[i] ?? 0) + (unitsSig[i] ?? 0) },
        ],
        info: [],
      };
    }
    case 'spy_with_obv.txt': {
      const v = t.nums('Volume');
      const volUnits = t.col('Volume').map((c) => (c === null ? 0 : pow10(exponentOf(Number(c)) - significantOf(c) + 1)));
      const cum: number[] = [];
      volUnits.reduce((a, u, i) => ((cum[i] = a + u), a + u), 0);
      const c = close();
      return {
        columns: [
          {
            indicator: 'OBV',
            column: 'OBV',
            precision: { kind: 'significant', scale: (_i, ref) => ref },
            ours: S.obv(c.map((x, i) => ({ c: x, v: v[i]! }))),
            // OBV sums the printed volumes, each known to one unit of its last printed digit.
            extra: (i) => cum[i] ?? 0,
          },
        ],
        info: [],
      };
    }
    case 'spy_bollinger_bands.txt': {
      const b = S.bollinger(close(), 20, 2);
      const up = t.num('Bollinger Bands® 20 2 Top');
      const lo = t.num('Bollinger Bands® 20 2 Bottom');
      const mid = t.num('Moving Average 20');
      const c = close();
      // Propagate one unit (1e-4) of the printed bands and middle into bandwidth and %B.
      const u = 1e-4;
      const bwExtra = (i: number) => {
        const U = up[i] ?? 0;
        const L = lo[i] ?? 0;
        const M = mid[i] ?? 1;
        return (100 * 2 * u) / M + (100 * (U - L) * u) / (M * M);
      };
      const pbExtra = (i: number) => {
        const U = up[i] ?? 0;
        const L = lo[i] ?? 0;
        const w = U - L;
        return w > 0 ? (Math.abs(c[i]! - L) * u + Math.abs(U - c[i]!) * u) / (w * w) + u / w : 0;
      };
      return {
        columns: [
          { indicator: 'Bollinger 20/2 middle', column: 'Moving Average 20', precision: { kind: 'decimals' }, ours: b.map((p) => p?.middle ?? null) },
          { indicator: 'Bollinger 20/2 upper', column: 'Bollinger Bands® 20 2 Top', precision: { kind: 'decimals' }, ours: b.map((p) => p?.upper ?? null) },
          { indicator: 'Bollinger 20/2 lower', column: 'Bollinger Bands® 20 2 Bottom', precision: { kind: 'decimals' }, ours: b.map((p) => p?.lower ?? null) },
          { indicator: 'Bollinger bandwidth %', column: 'BandWidth', precision: { kind: 'decimals' }, ours: b.map((p) => p?.bandwidth_pct ?? null), extra: bwExtra },
          { indicator: 'Bollinger %B', column: '%B', precision: { kind: 'decimals' }, ours: b.map((p) => p?.percent_b ?? null), extra: pbExtra },
        ],
        info: [],
      };
    }
    case 'spy_ema.csv': {
      const c = t.nums('close');
      const scale = Math.max(...c.map(Math.abs));
      return { columns: [{ indicator: 'EMA 14', column: 'EMA14', precision: { kind: 'double', scale }, ours: S.ema(c, 14) }], info: [] };
    }
    case 'spy_with_StochRSI.csv': {
      const s = S.stochRsi(t.nums('Close'), 14, 14, 3, 3);
      return {
        columns: [
          { indicator: 'StochRSI 14/14/3/3 %K', column: 'k', precision: { kind: 'double', scale: 100 }, ours: s.map((p) => p?.k ?? null) },
          { indicator: 'StochRSI 14/14/3/3 %D', column: 'd', precision: { kind: 'double', scale: 100 }, ours: s.map((p) => p?.d ?? null) },
        ],
        info: [],
      };
    }
    case 'spy_with_vwap.txt': {
      const o = t.nums('Open');
      const bars = hlc(t).map((b, i) => ({ ...b, o: o[i]!, v: t.nums('Volume')[i]! }));
      // Lean's moving VWAP weights (O + H + L + C) / 4 by volume over 50 bars; our session VWAP
      // weights the typical price (H + L + C) / 3 over one session's minute bars. The check uses
      // the reference's own definition; the typical-price figure is reported for information.
      const ohlc4 = S.movingVwap(bars, 50, (b) => (b.o + b.h + b.l + b.c) / 4);
      const typ = S.movingVwap(bars, 50);
      const ref = t.num('Moving VWAP 50');
      let typErr = 0;
      ref.forEach((r, i) => {
        const v = typ[i];
        if (r !== null && v !== null && v !== undefined) typErr = Math.max(typErr, Math.abs(v - r));
      });
      return {
        columns: [{ indicator: 'Moving VWAP 50 (OHLC/4, the reference definition)', column: 'Moving VWAP 50', precision: { kind: 'decimals' }, ours: ohlc4 }],
        info: [{ indicator: 'Moving VWAP 50', note: 'with the typical price (H+L+C)/3 instead of the reference\'s (O+H+L+C)/4, not used for pass/fail', maxAbsError: typErr }],
      };
    }
    default:
      return { columns: [], info: [] };
  }
}

export const REFERENCE_FILES = [
  'spy_atr_wilder.txt',
  'spy_atr.txt',
  'spy_with_adx.txt',
  'spy_with_macd.txt',
  'spy_with_obv.txt',
  'spy_bollinger_bands.txt',
  'spy_ema.csv',
  'spy_with_StochRSI.csv',
  'spy_with_vwap.txt',
] as const;

/** Runs every comparison; `read` returns a file's text or null when it is absent. */
export function runReferenceCheck(read: (file: string) => string | null): CheckReport {
  const columns: ColumnResult[] = [];
  const info: InfoFigure[] = [];
  const missingFiles: string[] = [];
  for (const file of REFERENCE_FILES) {
    const text = read(file);
    if (text === null) {
      missingFiles.push(file);
      continue;
    }
    const t = parseTable(text);
    const specs = specsFor(file, t);
    for (const s of specs.columns) columns.push(compare(file, t, s));
    info.push(...specs.info);
  }
  return { columns, info, missingFiles, pass: columns.length > 0 && columns.every((c) => c.pass) };
}
