import { drawdowns, type EquityPoint } from './metrics.js';

/**
 * equity.svg: the strategy's equity with the benchmarks on top (log scale when the curves span
 * more than 3x, linear otherwise), the strategy's drawdown below. Static SVG, no script, no
 * external references; every label is escaped. Deterministic: the same curves give the same bytes.
 */

export interface ChartSeries {
  readonly name: string;
  readonly curve: readonly EquityPoint[];
  readonly color: string;
}

const W = 960;
const H = 560;
const PAD_L = 78;
const PAD_R = 20;
const TOP = 40;
const EQ_H = 330;
const GAP = 40;
const DD_H = 120;
const MAX_POINTS = 1500;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f1 = (x: number) => (Math.round(x * 10) / 10).toFixed(1);

function thin<T>(xs: readonly T[]): readonly T[] {
  if (xs.length <= MAX_POINTS) return xs;
  const step = xs.length / MAX_POINTS;
  const out: T[] = [];
  for (let i = 0; i < MAX_POINTS; i++) out.push(xs[Math.floor(i * step)]!);
  out.push(xs[xs.length - 1]!);
  return out;
}

function money(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e6) return `$${(x / 1e6).toFixed(a >= 1e7 ? 0 : 1)}M`;
  if (a >= 1e3) return `$${(x / 1e3).toFixed(a >= 1e4 ? 0 : 1)}k`;
  return `$${x.toFixed(0)}`;
}

/** Round-number ticks between lo and hi (about n of them). */
function niceTicks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Round values for a log axis: 1-2-5 steps per decade, finer when the range spans little. */
function logTicks(lo: number, hi: number): number[] {
  for (const mult of [[1, 2, 5], [1, 1.5, 2, 3, 5, 7], [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9]]) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const m of mult) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= lo && v <= hi) out.push(v);
      }
    }
    if (out.length >= 4) return out;
  }
  return niceTicks(lo, hi, 6);
}

export function equitySvg(title: string, series: readonly ChartSeries[]): string {
  const main = series[0];
  const all = series.flatMap((s) => s.curve);
  if (!main || all.length === 0) return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="20" y="30">no data</text></svg>\n`;
  const t0 = Math.min(...series.map((s) => s.curve[0]?.t ?? Infinity));
  const t1 = Math.max(...series.map((s) => s.curve[s.curve.length - 1]?.t ?? -Infinity));
  let lo = Infinity;
  let hi = -Infinity;
  for (const p of all) {
    if (p.equity < lo) lo = p.equity;
    if (p.equity > hi) hi = p.equity;
  }
  lo = Math.max(lo, 1);
  hi = Math.max(hi, lo * 1.01);
  const log = hi / lo > 3;
  const yv = (v: number) => (log ? Math.log(Math.max(v, 1)) : v);
  const yLo = yv(lo) - (yv(hi) - yv(lo)) * 0.04;
  const yHi = yv(hi) + (yv(hi) - yv(lo)) * 0.04;
  const plotW = W - PAD_L - PAD_R;
  const x = (t: number) => PAD_L + (t1 > t0 ? ((t - t0) / (t1 - t0)) * plotW : 0);
  const y = (v: number) => TOP + EQ_H - ((yv(v) - yLo) / (yHi - yLo)) * EQ_H;
  const dd = drawdowns(main.curve);
  const maxDd = Math.max(0.01, ...dd);
  const ddTop = TOP + EQ_H + GAP;
  const yd = (d: number) => ddTop + (d / maxDd) * DD_H;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`);
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${PAD_L}" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`);
  // Year ticks.
  const y0 = new Date(t0).getUTCFullYear();
  const y1 = new Date(t1).getUTCFullYear();
  const yearStep = Math.max(1, Math.ceil((y1 - y0 + 1) / 12));
  for (let yr = y0; yr <= y1 + 1; yr += yearStep) {
    const t = Date.UTC(yr, 0, 1);
    if (t < t0 || t > t1) continue;
    const xx = f1(x(t));
    out.push(`<line x1="${xx}" y1="${TOP}" x2="${xx}" y2="${ddTop + DD_H}" stroke="#eee"/>`);
    out.push(`<text x="${xx}" y="${ddTop + DD_H + 16}" text-anchor="middle" fill="#555">${yr}</text>`);
  }
  if (y1 === y0 || t1 - t0 < 200 * 86_400_000) {
    for (const p of [main.curve[0]!, main.curve[main.curve.length - 1]!]) {
      out.push(`<text x="${f1(x(p.t))}" y="${ddTop + DD_H + 16}" text-anchor="middle" fill="#555">${esc(p.date)}</text>`);
    }
  }
  // Equity axis.
  const ticks = log ? logTicks(lo, hi) : niceTicks(lo, hi, 6);
  for (const v of ticks) {
    if (v < lo * 0.98 || v > hi * 1.02) continue;
    const yy = f1(y(v));
    out.push(`<line x1="${PAD_L}" y1="${yy}" x2="${W - PAD_R}" y2="${yy}" stroke="#eee"/>`);
    out.push(`<text x="${PAD_L - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#555">${esc(money(v))}</text>`);
  }
  out.push(`<text x="${PAD_L}" y="${TOP - 4}" fill="#555">equity${log ? ' (log scale)' : ''}</text>`);
  // Series, last drawn first so the strategy is on top.
  for (const s of [...series].reverse()) {
    const pts = thin(s.curve).map((p) => `${f1(x(p.t))},${f1(y(p.equity))}`).join(' ');
    out.push(`<polyline fill="none" stroke="${esc(s.color)}" stroke-width="${s === main ? 1.8 : 1.1}" points="${pts}"/>`);
  }
  // Legend.
  series.forEach((s, i) => {
    const lx = PAD_L + 10 + i * 210;
    out.push(`<rect x="${lx}" y="${TOP + 8}" width="14" height="3" fill="${esc(s.color)}"/>`);
    out.push(`<text x="${lx + 20}" y="${TOP + 13}">${esc(s.name)}</text>`);
  });
  // Drawdown panel.
  out.push(`<text x="${PAD_L}" y="${ddTop - 6}" fill="#555">drawdown of ${esc(main.name)} (max ${(maxDd * 100).toFixed(1)}%)</text>`);
  out.push(`<line x1="${PAD_L}" y1="${ddTop}" x2="${W - PAD_R}" y2="${ddTop}" stroke="#999"/>`);
  for (const d of niceTicks(0, maxDd, 3)) {
    const yy = f1(yd(d));
    out.push(`<text x="${PAD_L - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle" fill="#555">${d === 0 ? '0' : `-${(d * 100).toFixed(0)}`}%</text>`);
  }
  const ddPts = thin(main.curve.map((p, i) => ({ t: p.t, d: dd[i]! })));
  const area = [`${f1(x(ddPts[0]!.t))},${f1(yd(0))}`, ...ddPts.map((p) => `${f1(x(p.t))},${f1(yd(p.d))}`), `${f1(x(ddPts[ddPts.length - 1]!.t))},${f1(yd(0))}`];
  out.push(`<polygon fill="#d9534f" fill-opacity="0.35" stroke="#d9534f" stroke-width="0.8" points="${area.join(' ')}"/>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
