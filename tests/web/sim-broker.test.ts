import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimBroker } from '../../src/adapters/sim/broker.js';
import { createSimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed, type PriceFeed } from '../../src/adapters/sim/feed.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { Bar } from '../../src/domain/market.js';
import { createJournal } from '../../src/journal/journal.js';
import { openDatabase } from '../../src/journal/sqlite.js';
import { createViewerApp } from '../../src/web/app.js';
import { createReadOnlySimBroker } from '../../src/web/sim-broker.js';

/**
 * /positions in sim mode: the trader's sim broker saves its account in sim_state; the viewer
 * rebuilds a sim broker from that row through its read-only handle and shows the same
 * account and positions, without replaying bars, saving, or accepting orders.
 */

const D1 = '2026-06-01';
function bars(date: string, base: number): Bar[] {
  const open = nyTime(date, '09:30');
  return Array.from({ length: 390 }, (_, i) => {
    const t = open + i * 60_000;
    const c = Math.round((base + i / 100) * 100) / 100;
    return { t, end: t + 60_000, o: c, h: c + 0.05, l: c - 0.05, c, v: 1000 };
  });
}
const feed: PriceFeed = createArrayFeed({ minute: new Map([['AAA', [...bars(D1, 100), ...bars('2026-06-02', 104)]]]), sessions: nyseSessions(D1, '2026-06-05') });
const money = { startingCash: 50_000, slippageBps: 0, commissionPerShare: 0, commissionMin: 0 };

describe('read-only sim broker for /positions', () => {
  it('shows the account and positions the trader saved, and never writes or trades', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viewer-sim-'));
    const dbPath = join(dir, 'trades.db');
    const journal = createJournal({ dbPath, jsonlPath: join(dir, 'j.jsonl'), maxBytes: 1e6, keepRotated: 1, wallClock: { now: () => 0 }, mode: 'sim' });
    const clock = createSimClock(nyTime(D1, '10:00'));
    const trader = createSimBroker({ feed, clock, store: { load: () => journal.loadSimState(), save: (s) => journal.saveSimState(s) }, ...money });
    await trader.submitOrder({ clientOrderId: 'c1', symbol: 'AAA', side: 'buy', qty: 10, type: 'market', timeInForce: 'gtc' });
    clock.set(nyTime(D1, '15:00'));
    const wantAccount = await trader.getAccount();
    const wantPositions = await trader.getPositions();
    expect(wantPositions).toHaveLength(1);
    const savedBefore = journal.db.prepare('SELECT state_json, recorded_at FROM sim_state').get();
    journal.close();

    const db = openDatabase(dbPath, { readonly: true });
    const viewerBroker = createReadOnlySimBroker({ db, feed: () => feed, ...money });
    expect(await viewerBroker.getAccount()).toEqual(wantAccount);
    expect(await viewerBroker.getPositions()).toEqual(wantPositions);
    expect(viewerBroker.describe()).toContain('2026-06-01 15:00:00 EDT');
    // Nothing that could trade: the broker's two reads and the note, no order method at all.
    expect(Object.keys(viewerBroker).sort()).toEqual(['describe', 'getAccount', 'getPositions']);

    const app = createViewerApp({ db, broker: viewerBroker, brokerNote: () => viewerBroker.describe(), reportsDir: dir, archDocPath: join(dir, 'none.md'), clock: { now: () => 0 } });
    const html = await (await app.request('/positions')).text();
    expect(html).toContain('<th scope="row" class="sym">AAA</th>');
    expect(html).toContain('simulated account as last saved by the trader');
    db.close();

    const after = openDatabase(dbPath, { readonly: true });
    expect(after.prepare('SELECT state_json, recorded_at FROM sim_state').get()).toEqual(savedBefore);
    after.close();
  });

  it('shows a fresh account before any simulated trading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'viewer-sim-'));
    const dbPath = join(dir, 'trades.db');
    openDatabase(dbPath).close();
    const db = openDatabase(dbPath, { readonly: true });
    const b = createReadOnlySimBroker({ db, feed: () => feed, ...money });
    expect(await b.getAccount()).toMatchObject({ equity: 50_000, cash: 50_000 });
    expect(await b.getPositions()).toEqual([]);
    expect(b.describe()).toContain('nothing saved yet');
    db.close();
  });
});
