import type { Bar } from '../domain/market.js';
import type { Logger } from '../log.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import type { OutcomeJournal } from '../ports/outcomes.js';
import { BENCHMARK_SYMBOL, HORIZONS, computeOutcomes, earliestBaseDate, type DailyBook, type DailyPrice, type UnscoredReason } from '../core/outcomes.js';
import { addDays, nyDate, nyTime } from '../core/time/ny.js';

/**
 * The outcomes job (run by the EOD digest after each close): scores every journaled decision
 * whose 1/5/20-session horizon has closed (core/outcomes.ts) and records SPY's close and the
 * account's equity for the session (benchmark_closes). Daily bars for every symbol needed plus
 * SPY come from ONE batched MarketData call. Idempotent: re-running a day writes nothing new.
 * Sessions without a benchmark row since the first journaled cycle are back-filled (SPY from
 * the same bars, equity from the last equity the journal holds for that date).
 */

export interface OutcomesDeps {
  readonly market: MarketData;
  readonly broker: Broker;
  readonly calendar: Calendar;
  readonly store: OutcomeJournal;
  readonly log: Logger;
}

export interface OutcomesOptions {
  readonly horizons?: readonly number[];
  /** Decisions older than this many calendar days are no longer tried (default 400). */
  readonly lookbackDays?: number;
  readonly benchmark?: string;
}

export interface OutcomesJobResult {
  readonly date: string;
  readonly pending: number;
  readonly scored: number;
  readonly inserted: number;
  readonly unscored: Readonly<Record<UnscoredReason, number>>;
  readonly benchmark: { readonly date: string; readonly spyClose: number | null; readonly equityClose: number | null } | null;
  readonly backfilled: number;
  readonly barsCalls: number;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 300);

export async function runOutcomes(d: OutcomesDeps, asOf: number, opts: OutcomesOptions = {}): Promise<OutcomesJobResult> {
  const horizons = opts.horizons ?? HORIZONS;
  const bench = opts.benchmark ?? BENCHMARK_SYMBOL;
  const today = nyDate(asOf);
  const since = nyTime(addDays(today, -(opts.lookbackDays ?? 400)), '00:00');
  const decisions = d.store.pendingDecisions(since, horizons);
  const first = d.store.firstActivity();
  const firstDate = first === null ? today : nyDate(first) < addDays(today, -(opts.lookbackDays ?? 400)) ? addDays(today, -(opts.lookbackDays ?? 400)) : nyDate(first);
  const oldest = decisions.length > 0 ? nyDate(decisions[0]!.asOf) : today;
  const from = addDays(oldest < firstDate ? oldest : firstDate, -7);
  const sessions = (await d.calendar.sessions(from, today)).filter((s) => s.open <= asOf);
  const closedToday = sessions.find((s) => s.date === today && s.close <= asOf) ?? null;

  const recorded = new Map(d.store.benchmarkCloses().map((c) => [c.date, c]));
  const missingCloses = sessions.filter((s) => s.close <= asOf && s.date >= firstDate && !(recorded.get(s.date)?.spyClose != null && recorded.get(s.date)?.equityClose != null));

  const baseFrom = earliestBaseDate(decisions, sessions);
  const startDate = [baseFrom, missingCloses[0]?.date, closedToday?.date].filter((x): x is string => x !== undefined && x !== null).sort()[0];
  const symbols = [...new Set([bench, ...decisions.map((x) => x.symbol)])].sort();
  let bars: ReadonlyMap<string, readonly Bar[]> = new Map();
  let barsCalls = 0;
  if (startDate !== undefined) {
    barsCalls = 1;
    bars = await d.market.getBars({ symbols, timeframe: '1Day', start: nyTime(startDate, '00:00'), end: asOf });
  }
  const book: DailyBook = new Map(
    [...bars.entries()].map(([sym, bs]) => [sym, new Map<string, DailyPrice>(bs.filter((b) => b.end <= asOf).map((b) => [nyDate(b.t), { o: b.o, c: b.c }]))]),
  );

  const result = computeOutcomes({ decisions, sessions, bars: book, asOf, horizons, done: d.store.recordedKeys(since), benchmark: bench });
  const inserted = d.store.recordOutcomes(result.scored);
  const unscored: Record<UnscoredReason, number> = { not_reached: 0, halted: 0, no_price: 0, no_benchmark: 0, no_session: 0 };
  for (const u of result.unscored) unscored[u.reason]++;

  let benchmark: OutcomesJobResult['benchmark'] = null;
  if (closedToday) {
    let equity: number | null = null;
    try {
      equity = (await d.broker.getAccount()).equity;
    } catch (e) {
      d.log.warn('outcomes: account unavailable; equity at the close comes from the journal', { date: today, error: errText(e) });
      equity = d.store.lastEquityBetween(nyTime(today, '00:00'), nyTime(addDays(today, 1), '00:00'));
    }
    const spyClose = book.get(bench)?.get(today)?.c ?? null;
    benchmark = { date: today, spyClose, equityClose: equity };
    d.store.recordBenchmarkClose(benchmark);
  }
  let backfilled = 0;
  for (const s of missingCloses) {
    if (s.date === today) continue;
    const spyClose = book.get(bench)?.get(s.date)?.c ?? null;
    const equityClose = d.store.lastEquityBetween(nyTime(s.date, '00:00'), nyTime(addDays(s.date, 1), '00:00'));
    if (d.store.recordBenchmarkClose({ date: s.date, spyClose, equityClose })) backfilled++;
  }
  const out = { date: today, pending: decisions.length, scored: result.scored.length, inserted, unscored, benchmark, backfilled, barsCalls };
  d.log.info('outcomes recorded', { date: today, pending: out.pending, inserted, halted: unscored.halted, not_reached: unscored.not_reached, backfilled, spy_close: benchmark?.spyClose ?? null });
  return out;
}
