import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createJsonlWriter, journalFiles, readJournal } from '../../src/journal/jsonl.js';

describe('JSONL journal', () => {
  it('rotates by size, keeps N siblings, and readers walk them oldest first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    const path = join(dir, 'journal.jsonl');
    const w = createJsonlWriter(path, { maxBytes: 200, keep: 2 });
    for (let i = 0; i < 30; i++) w.append({ id: i, pad: 'x'.repeat(20) });
    w.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['journal.jsonl', 'journal.jsonl.1', 'journal.jsonl.2']);
    for (const f of files) expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(200);
    const ids = readJournal(path).map((l) => (l as { id: number }).id);
    // The oldest lines were dropped with the third rotated file; what is left is contiguous and ordered.
    expect(ids.length).toBeGreaterThan(5);
    expect(ids.length).toBeLessThan(30);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, k) => 30 - ids.length + k));
    expect(journalFiles(path).map((f) => f.slice(dir.length + 1))).toEqual(['journal.jsonl.2', 'journal.jsonl.1', 'journal.jsonl']);
  });

  it('appends across reopen without losing lines', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    const path = join(dir, 'j.jsonl');
    for (let round = 0; round < 3; round++) {
      const w = createJsonlWriter(path, { maxBytes: 1_000_000, keep: 1 });
      w.append({ round });
      w.close();
    }
    expect(readJournal(path)).toEqual([{ round: 0 }, { round: 1 }, { round: 2 }]);
  });

  it('keep = 0 discards on rotation', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jsonl-'));
    const path = join(dir, 'j.jsonl');
    const w = createJsonlWriter(path, { maxBytes: 50, keep: 0 });
    for (let i = 0; i < 10; i++) w.append({ i, p: 'yyyyyyyyyyyy' });
    w.close();
    expect(readdirSync(dir)).toEqual(['j.jsonl']);
    expect(readJournal(path).length).toBeLessThan(10);
  });
});
