/**
 * A small standalone SVG sparkline (pure): one polyline over the values, a dashed baseline at
 * the first value, a dot on the last one, and the first and last values as labels. Colour
 * follows the sign of last - first. Non-finite values are dropped; fewer than two points draw
 * a flat line. The only text inside is numbers we format and an escaped title.
 */

export interface SparklineOptions {
  readonly width?: number;
  readonly height?: number;
  readonly title?: string;
  /** Formats the end labels; default: two decimals with thousands separators. */
  readonly format?: (v: number) => string;
}

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
const r1 = (x: number) => Math.round(x * 10) / 10;
const money = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export function sparklineSvg(values: readonly number[], o: SparklineOptions = {}): string {
  const width = o.width ?? 320;
  const height = o.height ?? 64;
  const fmt = o.format ?? money;
  const vs = values.filter((v) => Number.isFinite(v));
  const padX = 4;
  const padTop = 6;
  const padBottom = 16; // room for the labels
  const plotW = width - 2 * padX;
  const plotH = height - padTop - padBottom;
  const lo = vs.length ? Math.min(...vs) : 0;
  const hi = vs.length ? Math.max(...vs) : 0;
  const y = (v: number) => (hi === lo ? padTop + plotH / 2 : padTop + ((hi - v) / (hi - lo)) * plotH);
  const x = (i: number, n: number) => (n <= 1 ? padX : padX + (i / (n - 1)) * plotW);
  const pts = vs.length >= 2 ? vs.map((v, i) => [x(i, vs.length), y(v)] as const) : [[padX, y(vs[0] ?? 0)] as const, [padX + plotW, y(vs[0] ?? 0)] as const];
  const first = vs[0];
  const last = vs[vs.length - 1];
  const colour = first === undefined || last === undefined || last === first ? '#6b7280' : last > first ? '#15803d' : '#b91c1c';
  const end = pts[pts.length - 1]!;
  const title = escapeXml(o.title ?? 'equity');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">`,
    `<title>${title}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  ];
  if (first !== undefined) parts.push(`<line x1="${padX}" y1="${r1(y(first))}" x2="${padX + plotW}" y2="${r1(y(first))}" stroke="#9ca3af" stroke-width="1" stroke-dasharray="3 3"/>`);
  parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" stroke-linejoin="round" points="${pts.map(([px, py]) => `${r1(px)},${r1(py)}`).join(' ')}"/>`);
  if (last !== undefined) parts.push(`<circle cx="${r1(end[0])}" cy="${r1(end[1])}" r="2.5" fill="${colour}"/>`);
  const labelY = height - 4;
  if (first !== undefined) parts.push(`<text x="${padX}" y="${labelY}" font-family="sans-serif" font-size="10" fill="#374151">${escapeXml(fmt(first))}</text>`);
  if (last !== undefined) parts.push(`<text x="${width - padX}" y="${labelY}" font-family="sans-serif" font-size="10" text-anchor="end" fill="${colour}">${escapeXml(fmt(last))}</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
