import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { z } from 'zod';

/**
 * Reports on disk: EOD digests (reports/eod), weekly reviews (reports/weekly), backtest
 * reports (reports/backtest) and posts (markdown files at the top of reports/). Names come
 * from URLs, so every lookup is validated: a fixed set of folders, a strict file-name
 * pattern, an allow-list of extensions, and a real-path check that the file is inside the
 * reports folder (a symlink pointing out is refused).
 */

export const REPORT_KINDS = ['weekly', 'eod', 'backtest', 'posts'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

const KIND_DIR: Record<ReportKind, string> = { weekly: 'weekly', eod: 'eod', backtest: 'backtest', posts: '' };
export const KIND_LABEL: Record<ReportKind, string> = { weekly: 'Weekly reviews', eod: 'End-of-day digests', backtest: 'Backtests', posts: 'Posts' };

const EXTENSIONS = new Set(['.md', '.json', '.txt', '.jsonl', '.csv']);
const MAX_BYTES = 5_000_000;

export const reportNameSchema = z
  .string()
  .min(1)
  .max(160)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit')
  .refine((n) => !n.includes('..'), 'must not contain ".."')
  .refine((n) => EXTENSIONS.has(extname(n).toLowerCase()), `extension must be one of ${[...EXTENSIONS].join(', ')}`);

export const reportKindSchema = z.enum(REPORT_KINDS);

export interface ReportFile {
  readonly kind: ReportKind;
  readonly name: string;
  readonly bytes: number;
  readonly modified: number;
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** Every report the viewer will show, newest name first within each kind. Missing folders are empty lists. */
export function listReports(reportsDir: string): Record<ReportKind, ReportFile[]> {
  const out = { weekly: [], eod: [], backtest: [], posts: [] } as Record<ReportKind, ReportFile[]>;
  let root: string;
  try {
    root = realpathSync(reportsDir);
  } catch {
    return out;
  }
  for (const kind of REPORT_KINDS) {
    const dir = join(root, KIND_DIR[kind]);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!reportNameSchema.safeParse(name).success) continue;
      if (kind === 'posts' && extname(name).toLowerCase() !== '.md') continue;
      const f = resolveReport(reportsDir, kind, name);
      if (f) out[kind].push(f.info);
    }
    // "latest.*" first, then dated names newest first.
    out[kind].sort((a, b) => (a.name.startsWith('latest') ? -1 : b.name.startsWith('latest') ? 1 : b.name.localeCompare(a.name)));
  }
  return out;
}

/** A validated, contained, regular file, or null. Never throws for a bad or missing name. */
export function resolveReport(reportsDir: string, kind: ReportKind, name: string): { path: string; info: ReportFile } | null {
  if (!reportNameSchema.safeParse(name).success) return null;
  try {
    const root = realpathSync(reportsDir);
    const candidate = join(root, KIND_DIR[kind], name);
    if (!inside(root, candidate)) return null;
    const real = realpathSync(candidate);
    if (!inside(root, real)) return null;
    const l = lstatSync(candidate);
    const s = l.isSymbolicLink() ? statSync(real) : l;
    if (!s.isFile() || s.size > MAX_BYTES) return null;
    return { path: real, info: { kind, name, bytes: s.size, modified: s.mtimeMs } };
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
    default:
      return 'text/plain; charset=utf-8';
  }
}
