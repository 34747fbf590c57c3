import { buildScoreboard, type Cell, type CurvePoint, type GroupRow, type Scoreboard } from '../core/scoreboard.js';
import { readScoreboardInput } from '../journal/scoreboard-queries.js';
import type { Db } from '../journal/sqlite.js';

/**
 * The viewer's scoreboard (GET /scoreboard, GET /api/scoreboard): is the model adding anything?
 * Reads the read-only journal (benchmark_closes, decision_outcomes, orders, llm_usage) and builds
 * the pure scoreboard (core/scoreboard.ts). The chart is a static inline SVG (no script); every
 * label in it is a date or a number, and still escaped. Model-written text never reaches this page.
 */

export function loadScoreboard(db: Db): Scoreboard {
  return buildScoreboard(readScoreboardInput(db));
}

/** The JSON at /api/scoreboard: the scoreboard as built, with the sample rule spelled out. */
export function scoreboardJson(s: Scoreboard): Record<string, unknown> {
  return {
    min_samples: s.minSamples,
    note: `figures from fewer than ${s.minSamples} outcomes carry insufficient: true; they are not findings`,
    hit_definition: 'BUY: the symbol beat SPY over the horizon; SELL/EXIT: it lagged SPY; HOLD: it did not beat SPY',
    horizons: s.horizons,
    headline: s.headline,
    pnl: s.pnl,
    curve: s.curve,
    quality: s.quality,
  };
}

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
const f1 = (x: number) => (Math.round(x * 10) / 10 + 0).toFixed(1);

/** Equity and SPY rebased to 100 (top), drawdowns (bottom). Static markup, deterministic. */
export function scoreboardSvg(curve: readonly CurvePoint[]): string {
  const W = 880;
  const H = 330;
  const L = 52;
  const R = 16;
  const T = 16;
  const MAIN = 200;
  const GAP = 26;
  const DD = 70;
  const pts = curve.filter((p) => p.equityIndex !== null || p.spyIndex !== null);
  if (pts.length < 2) {
    return `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} 60" role="img" aria-label="Not enough session closes for a chart yet"><text x="${L}" y="34" font-size="13" fill="#6b7280">Not enough session closes recorded yet (the EOD job records one per session).</text></svg>`;
  }
  const n = pts.length;
  const x = (i: number) => L + ((W - L - R) * i) / (n - 1);
  const vals = pts.flatMap((p) => [p.equityIndex, p.spyIndex]).filter((v): v is number => v !== null);
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (hi - lo < 1) {
    lo -= 0.5;
    hi += 0.5;
  }
  const y = (v: number) => T + MAIN - ((v - lo) / (hi - lo)) * MAIN;
  const dds = pts.flatMap((p) => [p.equityDrawdown, p.spyDrawdown]).filter((v): v is number => v !== null);
  const ddLo = Math.min(-0.01, ...dds);
  const ddTop = T + MAIN + GAP;
  const yd = (v: number) => ddTop + (v / ddLo) * DD;
  const line = (get: (p: CurvePoint) => number | null, scale: (v: number) => number) => {
    let d = '';
    let pen = false;
    pts.forEach((p, i) => {
      const v = get(p);
      if (v === null) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${f1(x(i))} ${f1(scale(v))}`;
      pen = true;
    });
    return d;
  };
  const ticks = [lo, (lo + hi) / 2, hi];
  const out: string[] = [];
  out.push(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(`Equity vs SPY rebased to 100, ${pts[0]!.date} to ${pts[n - 1]!.date}`)}">`);
  for (const t of ticks) out.push(`<line x1="${L}" x2="${W - R}" y1="${f1(y(t))}" y2="${f1(y(t))}" stroke="#e5e7eb"/><text x="${L - 6}" y="${f1(y(t) + 4)}" font-size="11" text-anchor="end" fill="#6b7280">${esc(t.toFixed(1))}</text>`);
  if (lo < 100 && hi > 100) out.push(`<line x1="${L}" x2="${W - R}" y1="${f1(y(100))}" y2="${f1(y(100))}" stroke="#9ca3af" stroke-dasharray="4 3"/>`);
  out.push(`<path d="${line((p) => p.spyIndex, y)}" fill="none" stroke="#9ca3af" stroke-width="1.6"/>`);
  out.push(`<path d="${line((p) => p.equityIndex, y)}" fill="none" stroke="#2563eb" stroke-width="2"/>`);
  out.push(`<line x1="${L}" x2="${W - R}" y1="${ddTop}" y2="${ddTop}" stroke="#e5e7eb"/><text x="${L - 6}" y="${ddTop + 4}" font-size="11" text-anchor="end" fill="#6b7280">0%</text>`);
  out.push(`<text x="${L - 6}" y="${f1(yd(ddLo) + 4)}" font-size="11" text-anchor="end" fill="#6b7280">${esc(`${(ddLo * 100).toFixed(1)}%`)}</text>`);
  out.push(`<path d="${line((p) => p.spyDrawdown, yd)}" fill="none" stroke="#9ca3af" stroke-width="1.2"/>`);
  out.push(`<path d="${line((p) => p.equityDrawdown, yd)}" fill="none" stroke="#dc2626" stroke-width="1.5"/>`);
  out.push(`<text x="${L}" y="${H - 4}" font-size="11" fill="#6b7280">${esc(pts[0]!.date)}</text><text x="${W - R}" y="${H - 4}" font-size="11" text-anchor="end" fill="#6b7280">${esc(pts[n - 1]!.date)}</text>`);
  out.push(`<g font-size="12"><rect x="${L + 8}" y="${T + 2}" width="12" height="3" fill="#2563eb"/><text x="${L + 24}" y="${T + 7}" fill="#111827">equity</text><rect x="${L + 80}" y="${T + 2}" width="12" height="3" fill="#9ca3af"/><text x="${L + 96}" y="${T + 7}" fill="#111827">SPY</text><text x="${L + 8}" y="${ddTop + 14}" fill="#6b7280">drawdown (red: equity, grey: SPY)</text></g>`);
  out.push('</svg>');
  return out.join('');
}

export interface CellView {
  readonly n: number;
  readonly hit: string;
  readonly excess: string;
  readonly insufficient: boolean;
  readonly cls: string;
}

const pct = (v: number | null, signed = false) => (v === null || !Number.isFinite(v) ? '—' : `${signed && v > 0 ? '+' : ''}${(v * 100).toFixed(2)}%`);

function cellView(c: Cell): CellView {
  return { n: c.n, hit: pct(c.hitRate), excess: pct(c.meanExcess, true), insufficient: c.insufficient, cls: c.insufficient || c.meanExcess === null ? 'muted' : c.meanExcess >= 0 ? 'pos' : 'neg' };
}

export interface ScoreboardPage {
  readonly s: Scoreboard;
  readonly svg: string;
  readonly tables: readonly { readonly title: string; readonly rows: readonly { readonly key: string; readonly cells: readonly CellView[] }[] }[];
  readonly fmt: { readonly pct: typeof pct };
}

export function scoreboardPage(s: Scoreboard): ScoreboardPage {
  const rows = (gs: readonly GroupRow[]) => gs.map((g) => ({ key: g.key, cells: s.horizons.map((h) => cellView(g.horizons[String(h)] ?? { n: 0, hitRate: null, meanExcess: null, meanReturn: null, insufficient: true })) }));
  return {
    s,
    svg: scoreboardSvg(s.curve),
    tables: [
      { title: 'All decisions', rows: rows([s.quality.overall]) },
      { title: 'By action', rows: rows(s.quality.byAction) },
      { title: 'By strategy', rows: rows(s.quality.byStrategy) },
      { title: 'By confidence', rows: rows(s.quality.byConfidence) },
      { title: 'By brain', rows: rows(s.quality.byBrain) },
    ],
    fmt: { pct },
  };
}
