import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CycleSummary } from '../../cycle/types.js';

/** Appends each cycle summary as one JSON line to TRADER_METRICS_JSONL. */
export function createMetricsJsonlReporter(path: string) {
  mkdirSync(dirname(path), { recursive: true });
  return (s: CycleSummary): void => appendFileSync(path, `${JSON.stringify(s)}\n`);
}
