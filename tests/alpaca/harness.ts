import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAlpacaBroker, type AlpacaBroker } from '../../src/adapters/alpaca/broker.js';
import { createAlpacaCalendar } from '../../src/adapters/alpaca/calendar.js';
import { createAlpacaClient, type AlpacaClient } from '../../src/adapters/alpaca/client.js';
import type { HttpEvent, RetryPolicy } from '../../src/adapters/alpaca/http.js';
import { createAlpacaMarketData } from '../../src/adapters/alpaca/market-data.js';
import { nyTime } from '../../src/core/time/ny.js';
import { createJournal, type SqliteJournal } from '../../src/journal/journal.js';
import type { Calendar, Clock } from '../../src/ports/clock.js';
import type { MarketData } from '../../src/ports/market-data.js';
import { startFakeAlpaca, type FakeAlpaca, type FakeAlpacaOptions } from '../fakes/alpaca-server.js';

export const KEY_ID = 'PKTESTKEYID0000000001';
export const SECRET = 'test-secret-0123456789abcdefghij';
/** A Friday in regular trading hours. */
export const TEST_DATE = '2026-11-20';

export interface ManualClock extends Clock {
  advance(ms: number): void;
  set(t: number): void;
}

export function manualClock(start: number): ManualClock {
  let t = start;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (v) => {
      t = v;
    },
  };
}

export interface Harness {
  readonly fake: FakeAlpaca;
  readonly clock: ManualClock;
  readonly client: AlpacaClient;
  readonly broker: AlpacaBroker;
  readonly market: MarketData;
  readonly calendar: Calendar & { fetches(): number };
  readonly journal: SqliteJournal;
  readonly dir: string;
  /** Every sleep the transport asked for (ms); sleeping advances the clock instead of waiting. */
  readonly sleeps: number[];
  readonly events: HttpEvent[];
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly at?: number;
  readonly fake?: FakeAlpacaOptions;
  readonly symbols?: readonly string[];
  readonly timeoutMs?: number;
  readonly rateLimit?: { perMinute: number; burst: number } | false;
  readonly retry?: Partial<RetryPolicy>;
  readonly pageLimit?: number;
  readonly dir?: string;
  readonly mode?: string;
}

/** The real adapters over the fake server (both base URLs), a real journal, and a manual clock. */
export async function alpacaHarness(o: HarnessOptions = {}): Promise<Harness> {
  const clock = manualClock(o.at ?? nyTime(TEST_DATE, '10:00'));
  const fake = await startFakeAlpaca({ now: clock.now, keys: { keyId: KEY_ID, secret: SECRET }, ...o.fake });
  if (o.symbols) fake.seedUniverse(o.symbols);
  const sleeps: number[] = [];
  const events: HttpEvent[] = [];
  const client = createAlpacaClient({
    keyId: KEY_ID,
    secretKey: SECRET,
    tradingUrl: fake.url,
    dataUrl: fake.url,
    clock,
    timeoutMs: o.timeoutMs ?? 5_000,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    random: () => 0.5,
    rateLimit: o.rateLimit ?? false,
    ...(o.retry ? { retry: o.retry } : {}),
    onEvent: (e) => events.push(e),
  });
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'alpaca-'));
  const journal = createJournal({ dbPath: join(dir, 'trades.db'), jsonlPath: join(dir, 'journal.jsonl'), maxBytes: 1e8, keepRotated: 2, wallClock: clock, mode: o.mode ?? 'paper' });
  const calendar = createAlpacaCalendar({ client, db: journal.db, clock });
  const broker = createAlpacaBroker({ client, cancelPollMs: 10 });
  const market = createAlpacaMarketData({ client, calendar, clock, feed: 'iex', ...(o.pageLimit ? { pageLimit: o.pageLimit } : {}) });
  return {
    fake,
    clock,
    client,
    broker,
    market,
    calendar,
    journal,
    dir,
    sleeps,
    events,
    close: async () => {
      journal.close();
      await fake.close();
    },
  };
}

/** The fake closes `date` for `symbols`: a bar (1% up from the last close) joins each seeded history, as the next session sees it. */
export function closeSession(fake: FakeAlpaca, date: string, symbols: readonly string[]): void {
  const round2 = (n: number) => Math.round(n * 100) / 100;
  for (const s of symbols) {
    const d = fake.daily(s);
    const prev = d.at(-1);
    if (!prev) continue;
    const c = round2(prev.c * 1.01);
    fake.setSymbol(s, { daily: [...d, { date, o: prev.c, h: round2(c * 1.005), l: round2(prev.c * 0.995), c, v: 900_000 }], price: c });
  }
}
