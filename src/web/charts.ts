import type { EquityPoint } from './queries.js';
import { escapeHtml, money, nyDisplay, pct } from './format.js';

/**
 * The equity curve and drawdown chart on `/`: inline SVG built on the server (no script),
 * styled by classes from style.css. The x axis is cycle order (cycles only run in market
 * hours, so a time axis would be mostly nights and weekends); dates label the ticks.
 */

export interface EquityStats {
  readonly first: number;
  readonly last: number;
  readonly peak: number;
  readonly totalReturn: number;
  /** Most negative drawdown (e.g. -0.08 for 8% below the running peak). */
  readonly maxDrawdown: number;
  readonly currentDrawdown: number;
  readonly cycles: number;
  readonly from: number;
  readonly to: number;
}

export interface EquityChart {
  readonly svg: string;
  readonly stats: EquityStats | null;
}

const W = 960;
const H_EQ = 230;
const H_DD = 110;
const PAD_L = 86;
const PAD_R = 16;
const PAD_T = 20;
const PAD_B = 26;
const GAP = 18;

/**
 * Indices to draw for a long series: the min and the max of each bucket, in index order, so
 * peaks and troughs survive downsampling. Short series are returned whole.
 */
export function downsample(values: ArrayLike<number>, buckets: number): number[] {
  const n = values.length;
  if (n <= buckets * 2) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const size = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(n, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let k = start + 1; k < end; k++) {
      const v = values[k]!;
      if (v < values[lo]!) lo = k;
      if (v > values[hi]!) hi = k;
    }
    if (lo === hi) out.push(lo);
    else if (lo < hi) out.push(lo, hi);
    else out.push(hi, lo);
  }
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
}

function niceTicks(min: number, max: number, count: number): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

const f1 = (x: number) => x.toFixed(1);

function compactMoney(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `$${(x / 1e9).toFixed(2)}B`;
  if (a >= 1e6) return `$${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `$${(x / 1e3).toFixed(1)}k`;
  return money(x, 0);
}

export function equityChart(points: readonly EquityPoint[]): EquityChart {
  if (points.length < 2) {
    return {
      svg: `<p class="empty">Not enough finished cycles with an equity snapshot to draw a curve yet (${points.length} so far).</p>`,
      stats: null,
    };
  }
  const n = points.length;
  const eqV = new Float64Array(n);
  const ddV = new Float64Array(n);
  let peak = -Infinity;
  let maxDd = 0;
  for (let i = 0; i < n; i++) {
    const e = points[i]!.equity;
    eqV[i] = e;
    if (e > peak) peak = e;
    const d = peak > 0 ? e / peak - 1 : 0;
    ddV[i] = d;
    if (d < maxDd) maxDd = d;
  }
  const first = points[0]!;
  const last = points[n - 1]!;
  const stats: EquityStats = {
    first: first.equity,
    last: last.equity,
    peak,
    totalReturn: first.equity > 0 ? last.equity / first.equity - 1 : 0,
    maxDrawdown: maxDd,
    currentDrawdown: ddV[n - 1]!,
    cycles: n,
    from: first.t,
    to: last.t,
  };

  const plotW = W - PAD_L - PAD_R;
  const x = (i: number) => PAD_L + (n === 1 ? 0 : (i / (n - 1)) * plotW);

  const eqS = downsample(eqV, 360);
  let lo = Infinity;
  let hi = -Infinity;
  for (const i of eqS) {
    lo = Math.min(lo, eqV[i]!);
    hi = Math.max(hi, eqV[i]!);
  }
  if (hi - lo < 1e-9) {
    lo -= 1;
    hi += 1;
  }
  const padV = (hi - lo) * 0.06;
  lo -= padV;
  hi += padV;
  const eqTop = PAD_T;
  const eqBottom = PAD_T + H_EQ;
  const y = (v: number) => eqBottom - ((v - lo) / (hi - lo)) * H_EQ;

  const ddS = downsample(ddV, 360);
  const ddLo = Math.min(maxDd * 1.1, -0.001);
  const ddTop = eqBottom + GAP + PAD_B;
  const ddBottom = ddTop + H_DD;
  const yd = (v: number) => ddTop + (v / ddLo) * H_DD;
  const total = ddBottom + PAD_B;

  const parts: string[] = [];
  parts.push(
    `<svg class="chart" viewBox="0 0 ${W} ${total}" role="img" aria-labelledby="eq-title eq-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="eq-title">Equity curve and drawdown</title>`,
    `<desc id="eq-desc">${escapeHtml(`Equity over ${n} cycles from ${money(stats.first)} to ${money(stats.last)} (${pct(stats.totalReturn, 2, true)}); maximum drawdown ${pct(stats.maxDrawdown)}.`)}</desc>`,
  );

  // Equity grid and labels.
  for (const v of niceTicks(lo, hi, 5)) {
    if (v < lo || v > hi) continue;
    const yy = f1(y(v));
    parts.push(`<line class="grid" x1="${PAD_L}" x2="${W - PAD_R}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="axis" x="${PAD_L - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeHtml(compactMoney(v))}</text>`);
  }
  // Starting equity reference line.
  if (stats.first >= lo && stats.first <= hi) {
    const yy = f1(y(stats.first));
    parts.push(`<line class="baseline" x1="${PAD_L}" x2="${W - PAD_R}" y1="${yy}" y2="${yy}"/>`);
  }
  const eqPath = eqS.map((i, k) => `${k === 0 ? 'M' : 'L'}${f1(x(i))},${f1(y(eqV[i]!))}`).join('');
  const eqArea = `${eqPath}L${f1(x(eqS[eqS.length - 1]!))},${eqBottom}L${f1(x(eqS[0]!))},${eqBottom}Z`;
  parts.push(`<path class="equity-area" d="${eqArea}"/>`, `<path class="equity-line" d="${eqPath}"/>`);
  parts.push(`<text class="label" x="${PAD_L}" y="${eqTop - 7}">Equity</text>`);

  // Drawdown grid, area and labels.
  for (const v of niceTicks(ddLo, 0, 3)) {
    if (v < ddLo) continue;
    const yy = f1(yd(v));
    parts.push(`<line class="grid" x1="${PAD_L}" x2="${W - PAD_R}" y1="${yy}" y2="${yy}"/>`);
    parts.push(`<text class="axis" x="${PAD_L - 8}" y="${yy}" text-anchor="end" dominant-baseline="middle">${escapeHtml(pct(v, Math.abs(ddLo) < 0.02 ? 1 : 0))}</text>`);
  }
  const ddLine = ddS.map((i, k) => `${k === 0 ? 'M' : 'L'}${f1(x(i))},${f1(yd(ddV[i]!))}`).join('');
  const ddArea = `M${f1(x(ddS[0]!))},${ddTop}${ddLine.replace(/^M/, 'L')}L${f1(x(ddS[ddS.length - 1]!))},${ddTop}Z`;
  parts.push(`<path class="dd-area" d="${ddArea}"/>`, `<path class="dd-line" d="${ddLine}"/>`);
  parts.push(`<text class="label" x="${PAD_L}" y="${ddTop - 7}">Drawdown from the running peak</text>`);

  // Date ticks along the bottom of both panels.
  const ticks = Math.min(6, n);
  for (let k = 0; k < ticks; k++) {
    const i = Math.round((k / Math.max(1, ticks - 1)) * (n - 1));
    const p = points[i]!;
    const xx = f1(x(i));
    const anchor = k === 0 ? 'start' : k === ticks - 1 ? 'end' : 'middle';
    parts.push(`<line class="tick" x1="${xx}" x2="${xx}" y1="${eqBottom}" y2="${eqBottom + 4}"/>`);
    parts.push(`<text class="axis" x="${xx}" y="${eqBottom + 16}" text-anchor="${anchor}">${escapeHtml(nyDisplay(p.t, false).slice(0, 10))}</text>`);
    parts.push(`<line class="tick" x1="${xx}" x2="${xx}" y1="${ddBottom}" y2="${ddBottom + 4}"/>`);
    parts.push(`<text class="axis" x="${xx}" y="${ddBottom + 16}" text-anchor="${anchor}">${escapeHtml(nyDisplay(p.t, false).slice(0, 10))}</text>`);
  }
  parts.push(`<rect class="frame" x="${PAD_L}" y="${eqTop}" width="${plotW}" height="${H_EQ}"/>`);
  parts.push(`<rect class="frame" x="${PAD_L}" y="${ddTop}" width="${plotW}" height="${H_DD}"/>`);
  parts.push('</svg>');
  return { svg: parts.join(''), stats };
}
