import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNyseRulesCalendar, nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createSimBroker } from '../../src/adapters/sim/broker.js';
import { createSimClock, type SimClock } from '../../src/adapters/sim/clock.js';
import { createArrayFeed } from '../../src/adapters/sim/feed.js';
import { createSimMarketData } from '../../src/adapters/sim/market-data.js';
import { DEFAULT_TRAIL_SETTINGS, riskPolicy, type RiskPolicy, type TrailSettings } from '../../src/core/risk/policy.js';
import { addDays, nyTime } from '../../src/core/time/ny.js';
import type { Bar, Session } from '../../src/domain/market.js';
import { runPositionHealth, type PositionHealthDeps, type PositionHealthResult } from '../../src/jobs/position-health.js';
import { createJournal, type SqliteJournal } from '../../src/journal/journal.js';
import type { Logger } from '../../src/log.js';
import type { Broker } from '../../src/ports/broker.js';
import type { Journal } from '../../src/ports/journal.js';
import type { MarketData } from '../../src/ports/market-data.js';

/**
 * A simulator world over a scripted minute price path: 80 flat daily sessions of history,
 * then `days` scripted sessions whose minute m (0 = 09:30) trades at path(day, m).
 * Re-creating a world over the same `dir` re-opens the same journal and broker state (a restart).
 */

export const END = '2026-11-20';
export type PricePath = (day: number, minute: number) => number;

export interface HealthWorld {
  readonly dir: string;
  readonly clock: SimClock;
  readonly broker: Broker;
  readonly market: MarketData;
  readonly journal: SqliteJournal;
  readonly deps: PositionHealthDeps;
  readonly sessions: readonly Session[];
  readonly logs: { msg: string; fields: Record<string, unknown> }[];
  /** Market time of HH:MM on scripted day `day`. */
  at(day: number, hhmm: string): number;
  /** Moves the clock there and runs the job once. */
  run(day: number, hhmm: string): Promise<PositionHealthResult>;
  /** Bracket BUY at market now, legs far away unless given. */
  buy(symbol: string, qty: number, legs?: { stop?: number; tp?: number }): Promise<void>;
  close(): void;
}

export function scriptedSessions(days: number, end = END): Session[] {
  return nyseSessions(addDays(end, -200), end).slice(-(80 + days));
}

export function healthWorld(o: {
  path: PricePath;
  days: number;
  symbol?: string;
  dir?: string;
  start?: number;
  trail?: Partial<TrailSettings>;
  risk?: Partial<RiskPolicy>;
  wrapJournal?: (j: SqliteJournal) => Journal;
  wrapBroker?: (b: Broker) => Broker;
  haltSwitch?: () => boolean;
}): HealthWorld {
  const symbol = o.symbol ?? 'AAPL';
  const sessions = scriptedSessions(o.days);
  const history = sessions.slice(0, 80);
  const scripted = sessions.slice(80);
  const p0 = o.path(0, 0);
  const daily: Bar[] = history.map((s) => ({ t: s.open, end: s.close, o: p0, h: p0, l: p0, c: p0, v: 1_000_000 }));
  const minute: Bar[] = [];
  scripted.forEach((s, d) => {
    const bars: Bar[] = [];
    for (let t = s.open, m = 0; t < s.close; t += 60_000, m++) {
      const px = Math.round(o.path(d, m) * 100) / 100;
      bars.push({ t, end: t + 60_000, o: px, h: px, l: px, c: px, v: 1000 });
    }
    minute.push(...bars);
    daily.push({ t: s.open, end: s.close, o: bars[0]!.o, h: Math.max(...bars.map((b) => b.h)), l: Math.min(...bars.map((b) => b.l)), c: bars[bars.length - 1]!.c, v: 390_000 });
  });
  const feed = createArrayFeed({ daily: new Map([[symbol, daily]]), minute: new Map([[symbol, minute]]), sessions });
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'health-'));
  const at = (day: number, hhmm: string) => nyTime(scripted[day]!.date, hhmm);
  const clock = createSimClock(o.start ?? at(0, '09:30'));
  const journal = createJournal({ dbPath: join(dir, 'trades.db'), jsonlPath: join(dir, 'journal.jsonl'), maxBytes: 1e8, keepRotated: 2, wallClock: { now: () => Date.UTC(2030, 0, 1) }, mode: 'sim' });
  const sim = createSimBroker({ feed, clock, store: { load: () => journal.loadSimState(), save: (s) => journal.saveSimState(s) }, startingCash: 100_000, slippageBps: 0, commissionPerShare: 0, commissionMin: 0 });
  const broker = o.wrapBroker ? o.wrapBroker(sim) : sim;
  const logs: HealthWorld['logs'] = [];
  const keep = (msg: string, fields?: Record<string, unknown>) => void logs.push({ msg, fields: fields ?? {} });
  const log: Logger = { debug: keep, info: keep, warn: keep, error: keep };
  const deps: PositionHealthDeps = {
    mode: 'sim',
    broker,
    journal: o.wrapJournal ? o.wrapJournal(journal) : journal,
    calendar: createNyseRulesCalendar(),
    log,
    settings: { risk: riskPolicy(o.risk), trail: { ...DEFAULT_TRAIL_SETTINGS, ...o.trail } },
    ...(o.haltSwitch ? { haltSwitch: o.haltSwitch } : {}),
  };
  return {
    dir,
    clock,
    broker,
    market: createSimMarketData({ feed, clock }),
    journal,
    deps,
    sessions,
    logs,
    at,
    async run(day, hhmm) {
      const t = at(day, hhmm);
      clock.set(t);
      return runPositionHealth(deps, t);
    },
    async buy(sym, qty, legs = {}) {
      const px = o.path(0, 0);
      await broker.submitOrder({
        clientOrderId: `test-buy-${sym}-${clock.now()}`,
        symbol: sym,
        side: 'buy',
        qty,
        type: 'market',
        timeInForce: 'gtc',
        orderClass: 'bracket',
        stopLoss: { stopPrice: legs.stop ?? Math.round(px * 0.5 * 100) / 100 },
        takeProfit: { limitPrice: legs.tp ?? Math.round(px * 2 * 100) / 100 },
      });
    },
    close: () => journal.close(),
  };
}

/** Every 30 minutes of a session, 09:30 .. 15:30. */
export const HALF_HOURS = ['09:30', '10:00', '10:30', '11:00', '11:30', '12:00', '12:30', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30'] as const;

/** Linear from a at minute m0 to b at minute m1, flat outside. */
export function ramp(m: number, m0: number, a: number, m1: number, b: number): number {
  if (m <= m0) return a;
  if (m >= m1) return b;
  return a + ((b - a) * (m - m0)) / (m1 - m0);
}
