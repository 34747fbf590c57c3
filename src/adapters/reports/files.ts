import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import type { ReportStore } from '../../ports/reports.js';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Reports as files under `root`: write to a temporary sibling, then rename (atomic on one filesystem). */
export function createFileReportStore(root: string): ReportStore {
  const base = resolve(root);
  let n = 0;
  return {
    write(path: string, content: string): string {
      const segments = path.split('/');
      if (segments.length === 0 || segments.some((s) => !SEGMENT.test(s) || s.includes('..'))) throw new RangeError(`report path not allowed: ${JSON.stringify(path)}`);
      const target = join(base, ...segments);
      if (!target.startsWith(base + sep)) throw new RangeError(`report path escapes the reports folder: ${JSON.stringify(path)}`);
      mkdirSync(dirname(target), { recursive: true });
      const tmp = `${target}.tmp-${process.pid}-${n++}`;
      writeFileSync(tmp, content, 'utf8');
      renameSync(tmp, target);
      return target;
    },
  };
}
