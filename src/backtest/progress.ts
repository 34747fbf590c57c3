import type { Clock } from '../ports/clock.js';

/**
 * A one-line progress bar with ETA, redrawn in place on a TTY (at most ~10 times a second),
 * silent otherwise (pipes, CI, tests). The ETA is wall-clock and never reaches any report.
 */

export interface ProgressSink {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): unknown;
}

export interface Progress {
  update(done: number, label: string): void;
  finish(): void;
}

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The line drawn for `done` of `total` after `elapsedMs` (exported for tests). */
export function progressLine(done: number, total: number, elapsedMs: number, label: string, width = 28): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  const eta = done > 0 && done < total ? duration((elapsedMs / done) * (total - done)) : done >= total ? 'done' : '?';
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ETA ${eta} ${label}`;
}

export function createProgress(total: number, sink: ProgressSink, wall: Clock): Progress {
  if (!sink.isTTY) return { update() {}, finish() {} };
  const started = wall.now();
  let lastDraw = -Infinity;
  let shown = false;
  let lastLabel = '';
  let lastDone = 0;
  const draw = (line: string) => {
    const cols = sink.columns ?? 100;
    const text = line.length >= cols ? line.slice(0, cols - 1) : line;
    sink.write(`\r${text}\x1b[K`);
    shown = true;
  };
  return {
    update(done, label) {
      const now = wall.now();
      if (now - lastDraw < 100 && done < total) return;
      lastDraw = now;
      lastLabel = label;
      lastDone = done;
      draw(progressLine(done, total, now - started, label));
    },
    finish() {
      if (!shown) return;
      draw(progressLine(lastDone, total, wall.now() - started, lastLabel).replace(/ETA \S+/, `in ${duration(wall.now() - started)}`));
      sink.write('\n');
    },
  };
}
