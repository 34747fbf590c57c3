/**
 * Small standalone SVG charts for reports (pure, deterministic: the same data gives the same
 * bytes). Static markup only: no script, no external references, no event attributes; every
 * label passes through escapeXml and every number through a fixed formatter, so a hostile
 * symbol name or title can neither break out of the markup nor run anything.
 */

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  /** One value per x label; null leaves a gap. */
  readonly values: readonly (number | null)[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabels: readonly string[];
  readonly series: readonly LineSeries[];
  readonly format?: (v: number) => string;
  readonly width?: number;
  readonly height?: number;
  /** Draw a dashed reference line at this value (e.g. 0 for returns). */
  readonly baseline?: number;
}

export interface BarItem {
  readonly label: string;
  readonly value: number;
}

export interface BarChartOptions {
  readonly title: string;
  readonly items: readonly BarItem[];
  readonly format?: (v: number) => string;
  readonly width?: number;
  /** At most this many bars (largest |value| first); the rest are summarised in a note. Default 25. */
  readonly maxBars?: number;
}

const COLOR = /^#[0-9a-fA-F]{3,8}$/;
export const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
// eslint-disable-next-line no-control-regex
const clean = (s: string, max: number) => {
  const t = s.replace(/[\u0000-\u001F\u007F-\u009F\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g, ' ').trim();
  return escapeXml(t.length > max ? `${t.slice(0, max - 1)}…` : t);
};
const f1 = (x: number) => (Math.round(x * 10) / 10 + 0).toFixed(1);
const safeColor = (c: string) => (COLOR.test(c) ? c : '#374151');
const FONT = 'font-family="sans-serif"';

/** Round-number ticks covering [lo, hi] (about n of them). */
export function niceTicks(lo: number, hi: number, n: number): number[] {
  const span = hi - lo;
  if (!(span > 0) || !Number.isFinite(span)) return [lo];
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= n) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  if (out[out.length - 1]! < hi - step * 1e-9) out.push(Number((out[out.length - 1]! + step).toPrecision(12)));
  return out;
}

function header(width: number, height: number, title: string): string[] {
  const t = clean(title, 120);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${t}">`,
    `<title>${t}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="20" ${FONT} font-size="14" font-weight="bold" fill="#111827">${t}</text>`,
  ];
}

/** A line chart over shared x labels (e.g. session dates) with a legend. */
export function lineChartSvg(o: LineChartOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 320;
  const fmt = o.format ?? ((v: number) => v.toFixed(2));
  const padL = 64;
  const padR = 16;
  const top = 48;
  const bottom = 40;
  const plotW = width - padL - padR;
  const plotH = height - top - bottom;
  const all = o.series.flatMap((s) => s.values).filter((v): v is number => v !== null && Number.isFinite(v));
  if (o.baseline !== undefined) all.push(o.baseline);
  const parts = header(width, height, o.title);
  const n = o.xLabels.length;
  if (all.length === 0 || n === 0) {
    parts.push(`<text x="${padL}" y="${top + plotH / 2}" ${FONT} font-size="12" fill="#6b7280">no data</text>`, '</svg>');
    return `${parts.join('\n')}\n`;
  }
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.01 : 1;
    lo -= pad;
    hi += pad;
  }
  const ticks = niceTicks(lo, hi, 5);
  lo = Math.min(lo, ticks[0]!);
  hi = Math.max(hi, ticks[ticks.length - 1]!);
  const x = (i: number) => padL + (n <= 1 ? plotW / 2 : (i / (n - 1)) * plotW);
  const y = (v: number) => top + ((hi - v) / (hi - lo)) * plotH;
  for (const t of ticks) {
    parts.push(`<line x1="${padL}" y1="${f1(y(t))}" x2="${padL + plotW}" y2="${f1(y(t))}" stroke="#e5e7eb" stroke-width="1"/>`);
    parts.push(`<text x="${padL - 6}" y="${f1(y(t) + 4)}" ${FONT} font-size="10" text-anchor="end" fill="#374151">${clean(fmt(t), 16)}</text>`);
  }
  if (o.baseline !== undefined) parts.push(`<line x1="${padL}" y1="${f1(y(o.baseline))}" x2="${padL + plotW}" y2="${f1(y(o.baseline))}" stroke="#9ca3af" stroke-width="1" stroke-dasharray="4 3"/>`);
  const every = Math.max(1, Math.ceil(n / 10));
  o.xLabels.forEach((l, i) => {
    if (i % every !== 0 && i !== n - 1) return;
    parts.push(`<text x="${f1(x(i))}" y="${top + plotH + 16}" ${FONT} font-size="10" text-anchor="middle" fill="#374151">${clean(l, 12)}</text>`);
  });
  o.series.forEach((s, k) => {
    const color = safeColor(s.color);
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" points="${run.join(' ')}"/>`);
      run = [];
    };
    s.values.forEach((v, i) => {
      if (v === null || !Number.isFinite(v) || i >= n) return flush();
      run.push(`${f1(x(i))},${f1(y(v))}`);
      parts.push(`<circle cx="${f1(x(i))}" cy="${f1(y(v))}" r="2.5" fill="${color}"/>`);
    });
    flush();
    const lx = padL + k * 180;
    parts.push(`<rect x="${lx}" y="30" width="12" height="4" fill="${color}"/>`);
    parts.push(`<text x="${lx + 16}" y="35" ${FONT} font-size="11" fill="#111827">${clean(s.name, 24)}</text>`);
  });
  parts.push(`<rect x="${padL}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#9ca3af" stroke-width="1"/>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

/** Horizontal bars around a zero line: gains green to the right, losses red to the left. */
export function barChartSvg(o: BarChartOptions): string {
  const width = o.width ?? 720;
  const fmt = o.format ?? ((v: number) => v.toFixed(2));
  const maxBars = o.maxBars ?? 25;
  const items = [...o.items]
    .filter((i) => Number.isFinite(i.value))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
  const shown = items.slice(0, maxBars).sort((a, b) => b.value - a.value || (a.label < b.label ? -1 : 1));
  const rowH = 22;
  const top = 40;
  const padL = 96;
  const padR = 96;
  const height = top + Math.max(1, shown.length) * rowH + (items.length > shown.length ? 30 : 14);
  const parts = header(width, height, o.title);
  if (shown.length === 0) {
    parts.push(`<text x="${padL}" y="${top + 14}" ${FONT} font-size="12" fill="#6b7280">no data</text>`, '</svg>');
    return `${parts.join('\n')}\n`;
  }
  const maxAbs = Math.max(...shown.map((i) => Math.abs(i.value))) || 1;
  const plotW = width - padL - padR;
  const zero = padL + (shown.some((i) => i.value < 0) ? (shown.some((i) => i.value > 0) ? plotW / 2 : plotW) : 0);
  const scale = (shown.some((i) => i.value < 0) && shown.some((i) => i.value > 0) ? plotW / 2 : plotW) / maxAbs;
  shown.forEach((it, k) => {
    const yy = top + k * rowH;
    const w = Math.abs(it.value) * scale;
    const xx = it.value >= 0 ? zero : zero - w;
    const color = it.value > 0 ? '#15803d' : it.value < 0 ? '#b91c1c' : '#6b7280';
    parts.push(`<text x="${padL - 6}" y="${yy + 15}" ${FONT} font-size="11" text-anchor="end" fill="#111827">${clean(it.label, 14)}</text>`);
    parts.push(`<rect x="${f1(xx)}" y="${yy + 4}" width="${f1(Math.max(w, 1))}" height="${rowH - 8}" fill="${color}"/>`);
    const tx = it.value >= 0 ? xx + w + 4 : xx - 4;
    parts.push(`<text x="${f1(tx)}" y="${yy + 15}" ${FONT} font-size="10" text-anchor="${it.value >= 0 ? 'start' : 'end'}" fill="#374151">${clean(fmt(it.value), 16)}</text>`);
  });
  parts.push(`<line x1="${f1(zero)}" y1="${top}" x2="${f1(zero)}" y2="${top + shown.length * rowH}" stroke="#6b7280" stroke-width="1"/>`);
  if (items.length > shown.length) {
    parts.push(`<text x="${padL}" y="${top + shown.length * rowH + 18}" ${FONT} font-size="10" fill="#6b7280">${items.length - shown.length} more not shown (smallest first left out)</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
