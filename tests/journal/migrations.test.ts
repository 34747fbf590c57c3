import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/journal/migrations.js';
import { migrate, openDatabase } from '../../src/journal/sqlite.js';

describe('migrations', () => {
  it('are numbered 1..N without gaps or duplicates', () => {
    const versions = MIGRATIONS.map((m) => m.version).sort((a, b) => a - b);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
  });

  it('run once at open and are idempotent afterwards', () => {
    const db = openDatabase(':memory:');
    const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    expect(applied.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect(migrate(db)).toBe(0);
    db.close();
  });
});
