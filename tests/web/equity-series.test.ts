import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase } from '../../src/journal/sqlite.js';
import { createQueries } from '../../src/web/queries.js';
import { ordinaryCycles, seedJournal } from './seed.js';

/** The front-page equity series follows the journal as it changes under the viewer. */
describe('equity series tracking', () => {
  it('picks up appended cycles, cycles that finish later, re-runs with a new equity and deletions', () => {
    const s = seedJournal(ordinaryCycles(6));
    const viewer = openDatabase(s.dbPath, { readonly: true });
    const writer = new Database(s.dbPath);
    writer.pragma('journal_mode = WAL');
    const q = createQueries(viewer);
    const truth = () => (viewer.prepare('SELECT equity FROM cycles WHERE equity IS NOT NULL ORDER BY as_of').all() as { equity: number }[]).map((r) => r.equity);
    const seen = () => q.equitySeries().points.map((p) => p.equity);

    const g0 = q.equitySeries().gen;
    expect(seen()).toEqual(truth());
    expect(q.equitySeries().gen).toBe(g0); // unchanged database: same series

    // A cycle starts (no equity yet), then finishes.
    writer.prepare("INSERT INTO cycles (id, mode, brain, as_of, status, runs, recorded_at) VALUES ('late', 'sim', 'rules', '2027-01-04T15:00:00.000Z', 'running', 1, 'x')").run();
    expect(seen()).toEqual(truth());
    writer.prepare("UPDATE cycles SET status = 'ok', equity = 123456 WHERE id = 'late'").run();
    expect(seen()).toEqual(truth());
    expect(seen().at(-1)).toBe(123456);

    // A re-run of an old cycle journals a different equity.
    writer.prepare('UPDATE cycles SET equity = 1 WHERE id = ?').run(s.cycleIds[2]);
    expect(seen()).toEqual(truth());
    expect(seen()).toContain(1);

    // An out-of-order insert (older market time) and a deletion.
    writer.prepare("INSERT INTO cycles (id, mode, brain, as_of, status, runs, equity, recorded_at) VALUES ('old', 'sim', 'rules', '2020-01-02T15:00:00.000Z', 'ok', 1, 7, 'x')").run();
    expect(seen()).toEqual(truth());
    expect(seen()[0]).toBe(7);
    writer.prepare("DELETE FROM cycles WHERE id = 'old'").run();
    expect(seen()).toEqual(truth());
    writer.close();
    viewer.close();
  });
});
