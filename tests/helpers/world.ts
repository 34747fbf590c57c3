import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNyseRulesCalendar, nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimBroker } from '../../src/adapters/sim/broker.js';
import { createSimClock, type SimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed } from '../../src/adapters/sim/feed.js';
import { createSimMarketData } from '../../src/adapters/sim/market-data.js';
import { addDays, nyTime } from '../../src/core/time/ny.js';
import { riskPolicy, type RiskPolicy } from '../../src/core/risk/policy.js';
import type { CycleDeps } from '../../src/cycle/types.js';
import type { Bar } from '../../src/domain/market.js';
import { createJournal, type SqliteJournal } from '../../src/journal/journal.js';
import { silentLogger } from '../../src/log.js';
import type { Brain } from '../../src/ports/brain.js';
import type { Broker } from '../../src/ports/broker.js';
import type { Journal } from '../../src/ports/journal.js';

export const TEST_DATE = '2026-11-20';

/** Daily history (80 sessions, gentle uptrend) before `date` plus a flat minute session on `date`, per symbol. */
export function buildBars(prices: Record<string, number>, date = TEST_DATE) {
  const sessions = nyseSessions(addDays(date, -140), date).slice(-81);
  const today = sessions[sessions.length - 1]!;
  const daily = new Map<string, Bar[]>();
  const minute = new Map<string, Bar[]>();
  for (const [sym, px] of Object.entries(prices)) {
    const d: Bar[] = [];
    sessions.slice(0, -1).forEach((s, i) => {
      const c = px * (0.9 + (0.1 * i) / 79) * (1 + 0.004 * Math.sin(i));
      d.push({ t: s.open, end: s.close, o: c, h: c * 1.01, l: c * 0.99, c, v: 1_000_000 });
    });
    const m: Bar[] = [];
    for (let t = today.open; t < today.close; t += 60_000) m.push({ t, end: t + 60_000, o: px, h: px + 0.05, l: px - 0.05, c: px, v: 1000 });
    daily.set(sym, d);
    minute.set(sym, m);
  }
  return { sessions, today, daily, minute };
}

export interface World {
  readonly clock: SimClock;
  readonly broker: Broker;
  readonly journal: SqliteJournal;
  readonly deps: CycleDeps;
  readonly dir: string;
  readonly asOf: number;
}

export function makeWorld(opts: {
  prices: Record<string, number>;
  brain: Brain;
  watchlist?: readonly string[];
  wrapJournal?: (j: SqliteJournal) => Journal;
  wrapBroker?: (b: Broker) => Broker;
  dir?: string;
  at?: string;
  risk?: Partial<RiskPolicy>;
}): World {
  const { sessions, daily, minute } = buildBars(opts.prices);
  const feed = createArrayFeed({ daily, minute, sessions });
  const asOf = nyTime(TEST_DATE, opts.at ?? '10:00');
  const clock = createSimClock(asOf);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'world-'));
  const wall = { now: () => Date.UTC(2030, 0, 1) };
  const journal = createJournal({ dbPath: join(dir, 'trades.db'), jsonlPath: join(dir, 'journal.jsonl'), maxBytes: 1e8, keepRotated: 2, wallClock: wall, mode: 'sim' });
  const simBroker = createSimBroker({ feed, clock, store: { load: () => journal.loadSimState(), save: (s) => journal.saveSimState(s) }, startingCash: 100_000, slippageBps: 0, commissionPerShare: 0, commissionMin: 0 });
  const broker = opts.wrapBroker ? opts.wrapBroker(simBroker) : simBroker;
  const deps: CycleDeps = {
    mode: 'sim',
    wallClock: wall,
    calendar: createNyseRulesCalendar(),
    broker,
    market: createSimMarketData({ feed, clock }),
    brain: opts.brain,
    journal: opts.wrapJournal ? opts.wrapJournal(journal) : journal,
    log: silentLogger,
    settings: {
      watchlist: opts.watchlist ?? Object.keys(opts.prices),
      concurrency: 3,
      // The overnight-hold guard is off here: these worlds have one session, and scripted same-day round
      // trips are how the cycle's SELL path is tested. tests/risk pins the guard itself.
      risk: riskPolicy({ minConfidence: 0.55, maxSizePct: 0.1, maxBuysPerCycle: 5, maxDailyLossPct: 0.03, allowlist: [], denylist: [], overnightHoldGuard: false, ...opts.risk }),
      exec: { atrStopMult: 2, atrTpMult: 3 },
      lookbackDays: 200,
    },
  };
  return { clock, broker, journal, deps, dir, asOf };
}

/** Counts calls to submitOrder while passing everything through to the real broker. */
export function countingBroker(b: Broker): Broker & { submits: number } {
  const c = {
    ...b,
    submits: 0,
    submitOrder: async (req: Parameters<Broker['submitOrder']>[0]) => {
      c.submits++;
      return b.submitOrder(req);
    },
  };
  return c;
}
