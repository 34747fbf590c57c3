import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Append-only JSONL file rotated by size: when the next line would push the file past
 * maxBytes, journal.jsonl becomes journal.jsonl.1 (older ones shift to .2, ...), keeping
 * `keep` rotated siblings. Readers walk the siblings oldest first.
 */
export interface JsonlWriter {
  append(obj: unknown): void;
  /**
   * Appends already-serialized lines (each without its newline) with one write; rotation is
   * checked once, before the write, so a batch is never split across files.
   */
  appendLines(lines: readonly string[]): void;
  close(): void;
}

export function createJsonlWriter(path: string, opts: { readonly maxBytes: number; readonly keep: number }): JsonlWriter {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | null = null;
  let size = 0;
  const open = () => {
    fd = openSync(path, 'a');
    size = fstatSync(fd).size;
    return fd;
  };
  const rotate = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
    if (opts.keep === 0) {
      rmSync(path, { force: true });
    } else {
      rmSync(`${path}.${opts.keep}`, { force: true });
      for (let i = opts.keep - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      renameSync(path, `${path}.1`);
    }
  };
  const write = (text: string) => {
    const buf = Buffer.from(text);
    const bytes = buf.length;
    let f = fd ?? open();
    if (size > 0 && size + bytes > opts.maxBytes) {
      rotate();
      f = open();
    }
    // writeSync may write less than asked; a batch of lines can be large.
    for (let off = 0; off < buf.length; ) off += writeSync(f, buf, off);
    size += bytes;
  };
  return {
    append(obj) {
      write(`${JSON.stringify(obj)}\n`);
    },
    appendLines(lines) {
      if (lines.length > 0) write(`${lines.join('\n')}\n`);
    },
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}

/** Paths of the journal and its rotated siblings, oldest first. */
export function journalFiles(path: string, maxSiblings = 1000): string[] {
  const out: string[] = [];
  for (let i = maxSiblings; i >= 1; i--) if (existsSync(`${path}.${i}`)) out.push(`${path}.${i}`);
  if (existsSync(path)) out.push(path);
  return out;
}

/** Every parsed line of the journal and its rotated siblings, oldest first. Blank lines are skipped. */
export function readJournal(path: string): unknown[] {
  const out: unknown[] = [];
  for (const f of journalFiles(path)) {
    const text = readFileSync(f, 'utf8');
    let n = 0;
    for (const line of text.split('\n')) {
      n++;
      if (line.trim() === '') continue;
      try {
        out.push(JSON.parse(line));
      } catch (e) {
        throw new Error(`${f}:${n}: not valid JSON`, { cause: e });
      }
    }
  }
  return out;
}
