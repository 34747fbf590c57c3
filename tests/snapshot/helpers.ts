import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import type { Account, Position } from '../../src/domain/broker.js';
import type { Bar, LatestQuote, Session } from '../../src/domain/market.js';
import { NO_ENRICHMENT, type SnapshotInputs } from '../../src/core/snapshot.js';
import { addDays, nyTime } from '../../src/core/time/ny.js';
import { regime } from '../helpers/builders.js';

/** Builders for snapshot inputs over real NYSE sessions (plain values, no mocks). */

export const DATE = '2026-11-20';

/** `n` sessions ending the session before `date` (or on it when `includeDate`). */
export function sessionsBefore(date: string, n: number, includeDate = false): Session[] {
  const all = nyseSessions(addDays(date, -Math.ceil(n * 1.6) - 10), date);
  const upto = includeDate ? all : all.filter((s) => s.date < date);
  return upto.slice(-n);
}

/** Daily bars on the given sessions with a gentle deterministic wiggle around `px`. */
export function dailyOn(sessions: readonly Session[], px = 100, volume = 1_000_000): Bar[] {
  return sessions.map((s, i) => {
    const c = px * (1 + 0.02 * Math.sin(i / 5) + i * 0.0005);
    return { t: s.open, end: s.close, o: c * 0.998, h: c * 1.01, l: c * 0.99, c, v: volume + (i % 7) * 1000 };
  });
}

/** Minute bars of a session from its open to `until` (exclusive end), flat at `px`. */
export function minutesOf(session: Session, until: number, px = 100, v = 1000): Bar[] {
  const out: Bar[] = [];
  for (let t = session.open; t + 60_000 <= until && t < session.close; t += 60_000) out.push({ t, end: t + 60_000, o: px, h: px + 0.05, l: px - 0.05, c: px, v });
  return out;
}

export const account = (over: Partial<Account> = {}): Account => ({
  cash: 50_000,
  equity: 100_000,
  buyingPower: 100_000,
  lastEquity: 99_000,
  daytradeCount: 1,
  status: 'ACTIVE',
  ...over,
});

export const position = (symbol: string, qty: number, px: number, entry = px * 0.95): Position => ({
  symbol,
  qty,
  avgEntryPrice: entry,
  currentPrice: px,
  marketValue: qty * px,
  unrealizedPl: qty * (px - entry),
});

/** A complete, healthy input set at 10:30 on DATE: 260 clean daily bars, today's minutes, a fresh quote. */
export function inputs(over: Partial<SnapshotInputs> = {}): SnapshotInputs {
  const today = nyseSessions(DATE, DATE)[0]!;
  const asOf = nyTime(DATE, '10:30');
  const history = sessionsBefore(DATE, 260);
  const latest: LatestQuote = { symbol: 'AAPL', price: 101, t: asOf - 20_000, bid: 100.99, ask: 101.01 };
  return {
    symbol: 'AAPL',
    asOf,
    dailyBars: dailyOn(history),
    minuteBars: minutesOf(today, asOf, 101),
    session: today,
    sessions: history.concat([today]),
    latest,
    account: account(),
    positions: [],
    openOrders: [],
    regime: regime(),
    enrichment: { sectors: new Map([['AAPL', 'Information Technology']]), news: new Map([['AAPL', []]]), earnings: new Map([['AAPL', null]]) },
    ...over,
  };
}

export { NO_ENRICHMENT };
