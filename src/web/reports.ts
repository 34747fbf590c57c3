import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { z } from 'zod';

/**
 * Reports on disk: weekly reviews (reports/weekly), EOD digests (reports/eod), backtest runs
 * (reports/backtests/<run>/) and posts (markdown files at the top of reports/). Names come
 * from URLs, so every lookup is validated: a fixed set of folders, a strict file-name pattern
 * for the run folder and the file, an allow-list of extensions, and a real-path check that the
 * file is inside the reports folder (a symlink pointing out is refused).
 */

export const REPORT_KINDS = ['weekly', 'eod', 'backtests', 'posts'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

const KIND_DIR: Record<ReportKind, string> = { weekly: 'weekly', eod: 'eod', backtests: 'backtests', posts: '' };
export const KIND_LABEL: Record<ReportKind, string> = { weekly: 'Weekly reviews', eod: 'End-of-day digests', backtests: 'Backtests', posts: 'Posts' };
/** Kinds whose files sit one folder down (one folder per run). */
const NESTED: ReadonlySet<ReportKind> = new Set(['backtests']);

const EXTENSIONS = new Set(['.md', '.json', '.txt', '.jsonl', '.csv', '.svg']);
const MAX_BYTES = 5_000_000;
const MAX_FILES_PER_KIND = 2000;

const safeSegment = z
  .string()
  .min(1)
  .max(160)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit')
  .refine((n) => !n.includes('..'), 'must not contain ".."');

export const reportNameSchema = safeSegment.refine((n) => EXTENSIONS.has(extname(n).toLowerCase()), `extension must be one of ${[...EXTENSIONS].join(', ')}`);
export const reportDirSchema = safeSegment;
export const reportKindSchema = z.enum(REPORT_KINDS);

export interface ReportFile {
  readonly kind: ReportKind;
  /** The run folder for nested kinds (backtests), else null. */
  readonly dir: string | null;
  readonly name: string;
  readonly bytes: number;
  readonly modified: number;
}

/** The viewer URL of a report (segments URL-encoded; still needs HTML escaping in a template). */
export function reportUrl(f: { kind: ReportKind; dir: string | null; name: string }): string {
  return `/reports/${encodeURIComponent(f.kind)}/${f.dir !== null ? `${encodeURIComponent(f.dir)}/` : ''}${encodeURIComponent(f.name)}`;
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

const byNewest = (a: ReportFile, b: ReportFile) => {
  // "latest.*" first, then newest run folder, then dated names newest first.
  if (a.name.startsWith('latest') !== b.name.startsWith('latest')) return a.name.startsWith('latest') ? -1 : 1;
  if (a.dir !== b.dir) return (b.dir ?? '').localeCompare(a.dir ?? '');
  return b.name.localeCompare(a.name);
};

function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every report the viewer will show, newest first within each kind. Missing folders are empty lists. */
export function listReports(reportsDir: string): Record<ReportKind, ReportFile[]> {
  const out = { weekly: [], eod: [], backtests: [], posts: [] } as Record<ReportKind, ReportFile[]>;
  let root: string;
  try {
    root = realpathSync(reportsDir);
  } catch {
    return out;
  }
  for (const kind of REPORT_KINDS) {
    const base = join(root, KIND_DIR[kind]);
    const dirs: (string | null)[] = NESTED.has(kind) ? namesIn(base).filter((d) => reportDirSchema.safeParse(d).success) : [null];
    for (const dir of dirs) {
      for (const name of namesIn(dir === null ? base : join(base, dir))) {
        if (out[kind].length >= MAX_FILES_PER_KIND) break;
        if (!reportNameSchema.safeParse(name).success) continue;
        if (kind === 'posts' && extname(name).toLowerCase() !== '.md') continue;
        const f = resolveReport(reportsDir, kind, dir, name);
        if (f) out[kind].push(f.info);
      }
    }
    out[kind].sort(byNewest);
  }
  return out;
}

/** A validated, contained, regular file, or null. Never throws for a bad or missing name. */
export function resolveReport(reportsDir: string, kind: ReportKind, dir: string | null, name: string): { path: string; info: ReportFile } | null {
  if (!reportNameSchema.safeParse(name).success) return null;
  if (NESTED.has(kind) !== (dir !== null)) return null;
  if (dir !== null && !reportDirSchema.safeParse(dir).success) return null;
  try {
    const root = realpathSync(reportsDir);
    const candidate = join(root, KIND_DIR[kind], dir ?? '', name);
    if (!inside(root, candidate)) return null;
    const real = realpathSync(candidate);
    if (!inside(root, real)) return null;
    const l = lstatSync(candidate);
    const s = l.isSymbolicLink() ? statSync(real) : l;
    if (!s.isFile() || s.size > MAX_BYTES) return null;
    return { path: real, info: { kind, dir, name, bytes: s.size, modified: s.mtimeMs } };
  } catch {
    return null;
  }
}

export function readReport(path: string): string {
  return readFileSync(path, 'utf8');
}

export function contentTypeFor(name: string): string {
  switch (extname(name).toLowerCase()) {
    case '.md':
      return 'text/markdown; charset=utf-8';
    case '.json':
      return 'application/json; charset=utf-8';
    case '.csv':
      return 'text/csv; charset=utf-8';
    case '.svg':
      return 'image/svg+xml';
    default:
      return 'text/plain; charset=utf-8';
  }
}
