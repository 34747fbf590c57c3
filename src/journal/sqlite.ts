import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

/**
 * The one place a database is opened. Writers get WAL, a busy timeout and the migrations;
 * readers (the viewer) get a read-only handle that can never write.
 *
 * `fsync: false` (backtests only) sets synchronous = OFF: commits and checkpoints hand their
 * pages to the OS without waiting for the disk. A crash of the process loses nothing
 * committed; a crash of the machine can lose or corrupt the file. Right for a file a re-run
 * rewrites from scratch, never for the trading journal.
 *
 * `journalInMemory: true` (backtests only, with `fsync: false`) keeps the rollback journal in
 * memory instead of WAL (journal_mode = MEMORY): a commit writes each changed page once, into
 * the database file, where WAL writes it to the log and again at the checkpoint (about half of
 * a batched backtest's commit time). Rollback still works; but a process killed in the middle
 * of a commit can leave the file corrupt. The schema and every row are the same; readers (the
 * viewer, read-only) open it as any SQLite file.
 */
export function openDatabase(
  path: string,
  opts: { readonly readonly?: boolean; readonly busyTimeoutMs?: number; readonly fsync?: boolean; readonly journalInMemory?: boolean } = {},
): Db {
  const readOnly = opts.readonly ?? false;
  if (!readOnly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, readOnly ? { readonly: true, fileMustExist: true } : {});
  db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`);
  if (!readOnly) {
    db.pragma(opts.journalInMemory === true ? 'journal_mode = MEMORY' : 'journal_mode = WAL');
    db.pragma(opts.fsync === false ? 'synchronous = OFF' : 'synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  }
  return db;
}

/** Runs every numbered migration not yet applied, each in its own transaction. */
export function migrate(db: Db): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = new Set((db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version));
  let count = 0;
  for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
    })();
    count++;
  }
  return count;
}
