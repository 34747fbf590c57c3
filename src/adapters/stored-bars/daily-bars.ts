import type { Bar } from '../../domain/market.js';
import type { Calendar } from '../../ports/clock.js';
import type { BarsRequest, MarketData } from '../../ports/market-data.js';
import { addDays, nyDate, nyTime } from '../../core/time/ny.js';
import { coverage, dropBars, readBars, storeBars } from '../../journal/bars-store.js';
import type { Db } from '../../journal/sqlite.js';

/**
 * A read-through MarketData decorator (mode-blind, any inner adapter) that keeps CLOSED daily
 * bars in SQLite (journal/bars-store: the `bars_cache` tables, timeframe 'day'), so a cycle
 * fetches only the sessions after the last stored close instead of the whole lookback, and a
 * process restart costs no history download. Everything but daily bars passes straight through.
 *
 * Per daily request [start, end], with `today` = New York date of `end`:
 * - A symbol whose stored coverage spans nyDate(start) .. the last session closed by `end` is
 *   served from the store (no request).
 * - A symbol covered from nyDate(start) but ending earlier is a TAIL symbol: all tail symbols are
 *   fetched in ONE batched request from the oldest of their newest stored bars. The fetched bars
 *   that overlap the store must match it (same sessions; o/h/l/c within `tolerance`, relative):
 *   adjusted prices (adjustment=all) change all history before a split or dividend, so a
 *   mismatch drops that symbol's stored history and it is refetched whole.
 * - A symbol with a gap over the requested range (never stored, a hole, a shorter history),
 *   whose newest stored bar is more than TAIL_MAX_DAYS older than the last closed session
 *   (nothing recent to check against) or with a mismatch is refetched over the whole range (one
 *   batched request for all of them), and its stored history is replaced. A complete answer without bars for a symbol is stored as
 *   known-empty, so an unknown symbol costs a place in that batch once a day, not every cycle.
 * - Only sessions dated before `today` are stored: today's bar, still forming or just closed
 *   (late prints can still revise it), is returned when closed but never stored.
 * - A failed fetch stores nothing and fails the call (as the inner adapter would).
 * Calls for daily bars are serialised, so a start-up pre-warm and a cycle never fetch the same
 * history twice. Recently used symbols are mirrored in memory (bounded) to spare SQLite reads.
 * Results match the inner adapter's: bars with start >= req.start and end <= req.end, symbols
 * without bars absent.
 */

export interface StoredDailyBarsOptions {
  readonly db: Db;
  readonly calendar: Calendar;
  /** Relative price tolerance when comparing fetched bars with stored ones (default 1e-4). */
  readonly tolerance?: number;
  /** Recorded as the ranges' `source`. */
  readonly source?: string;
  /** Wall time for `recorded_at` (ISO), default the system clock. */
  readonly recordedAt?: () => string;
  /** Symbols kept in the in-memory mirror (default 1000). */
  readonly memorySymbols?: number;
  /** Told when a symbol's stored history was dropped (split/adjustment or contradiction). */
  readonly onInvalidate?: (e: { readonly symbol: string; readonly reason: string }) => void;
}

/** What the store holds for a symbol from `from`: coverage [from, to] without holes, bars ascending. */
interface Held {
  readonly from: string;
  readonly to: string;
  readonly bars: readonly Bar[];
}

const PRICES = ['o', 'h', 'l', 'c'] as const;
/** Calendar days a symbol's newest stored bar may lag the last closed session for a tail fetch (~21 sessions: one page for 200 symbols). */
const TAIL_MAX_DAYS = 30;

export function agrees(a: Bar, b: Bar, tolerance: number): boolean {
  if (a.t !== b.t || a.end !== b.end) return false;
  return PRICES.every((k) => Math.abs(a[k] - b[k]) <= tolerance * Math.max(Math.abs(a[k]), Math.abs(b[k])) + 1e-9);
}

/** Why the fetched bars over [from, to] contradict the stored ones, or null when they agree. */
function contradiction(stored: readonly Bar[], fetched: readonly Bar[], from: number, to: number, tolerance: number): string | null {
  const a = stored.filter((b) => b.t >= from && b.t < to);
  const f = fetched.filter((b) => b.t >= from && b.t < to);
  if (a.length !== f.length) return `${f.length} fetched bars where ${a.length} are stored`;
  for (let i = 0; i < a.length; i++) {
    if (!agrees(a[i]!, f[i]!, tolerance)) return `bar of ${nyDate(a[i]!.t)} changed (close ${a[i]!.c} stored, ${f[i]!.c} now): history re-adjusted`;
  }
  return null;
}

export function withStoredDailyBars(inner: MarketData, o: StoredDailyBarsOptions): MarketData {
  const tolerance = o.tolerance ?? 1e-4;
  const source = o.source ?? 'market-data';
  const recordedAt = o.recordedAt ?? (() => new Date().toISOString());
  const maxMemory = o.memorySymbols ?? 1000;
  const mem = new Map<string, Held>();
  let queue: Promise<unknown> = Promise.resolve();

  const remember = (symbol: string, h: Held) => {
    mem.delete(symbol);
    mem.set(symbol, h);
    for (const k of mem.keys()) {
      if (mem.size <= maxMemory) break;
      mem.delete(k);
    }
  };

  /** The stored history of `symbol` from `from`, or null when the store does not cover `from`. */
  const held = (symbol: string, from: string): Held | null => {
    const m = mem.get(symbol);
    if (m && m.from <= from) {
      remember(symbol, m);
      return m;
    }
    const c = coverage(o.db, symbol, 'day').find((r) => r.from <= from && r.to >= from);
    if (!c) return null;
    const h: Held = { from, to: c.to, bars: readBars(o.db, symbol, 'day', from, c.to) };
    remember(symbol, h);
    return h;
  };

  const save = (symbol: string, bars: readonly Bar[], from: string, to: string, replace: boolean) => {
    const keep = bars.filter((b) => nyDate(b.t) <= to);
    o.db.transaction(() => {
      if (replace) dropBars(o.db, symbol, 'day');
      storeBars(o.db, { symbol, timeframe: 'day', bars: keep, from, to, source, recordedAt: recordedAt() });
    })();
    return keep;
  };

  const daily = async (req: BarsRequest): Promise<Map<string, readonly Bar[]>> => {
    const symbols = [...new Set(req.symbols)];
    const out = new Map<string, readonly Bar[]>();
    if (symbols.length === 0 || req.end < req.start) return out;
    const from = nyDate(req.start);
    const today = nyDate(req.end);
    const closed = (await o.calendar.sessions(from, today)).filter((s) => s.close <= req.end);
    const lastClosed = closed.at(-1)?.date;
    // Sessions before today are final; today's bar is never stored.
    const storableTo = closed.filter((s) => s.date < today).at(-1)?.date;
    if (lastClosed === undefined) return new Map(await inner.getBars(req));

    const result = new Map<string, Bar[]>();
    const full: string[] = [];
    /** Tail symbols, each with the date its check starts: its newest stored bar's. */
    const tail: { symbol: string; h: Held; check: string }[] = [];
    for (const s of symbols) {
      const h = held(s, from);
      const newest = h?.bars.at(-1);
      if (!h) full.push(s);
      else if (h.to >= lastClosed) result.set(s, [...h.bars]);
      // Without a recent stored bar there is nothing to check a re-adjustment against, and the
      // shared tail request would reach far back: refetch the symbol whole instead.
      else if (!newest || nyDate(newest.t) < addDays(lastClosed, -TAIL_MAX_DAYS)) full.push(s);
      else tail.push({ symbol: s, h, check: nyDate(newest.t) });
    }

    if (tail.length > 0) {
      // One request for every tail symbol, from the oldest bar to check.
      const since = tail.map((x) => x.check).sort()[0]!;
      const got = await inner.getBars({ symbols: tail.map((x) => x.symbol), timeframe: '1Day', start: nyTime(since, '00:00'), end: req.end });
      for (const { symbol, h, check } of tail) {
        const fetched = got.get(symbol) ?? [];
        const after = nyTime(addDays(h.to, 1), '00:00');
        const why = contradiction(h.bars, fetched, nyTime(check, '00:00'), after, tolerance);
        if (why !== null) {
          dropBars(o.db, symbol, 'day');
          mem.delete(symbol);
          o.onInvalidate?.({ symbol, reason: why });
          full.push(symbol);
          continue;
        }
        const fresh = fetched.filter((b) => b.t >= after);
        if (storableTo !== undefined && storableTo > h.to) {
          // Recorded from the checked bar, so the new range joins the stored one.
          const kept = save(symbol, fresh, check, storableTo, false);
          remember(symbol, { from: h.from, to: storableTo, bars: [...h.bars, ...kept] });
        }
        result.set(symbol, [...h.bars, ...fresh]);
      }
    }

    if (full.length > 0) {
      const got = await inner.getBars({ symbols: full, timeframe: '1Day', start: nyTime(from, '00:00'), end: req.end });
      for (const symbol of full) {
        const fetched = got.get(symbol) ?? [];
        if (storableTo !== undefined) {
          const kept = save(symbol, fetched, from, storableTo, true);
          remember(symbol, { from, to: storableTo, bars: kept });
        }
        result.set(symbol, [...fetched]);
      }
    }

    for (const s of symbols) {
      const bars = (result.get(s) ?? []).filter((b) => b.t >= req.start && b.end <= req.end);
      if (bars.length > 0) out.set(s, bars);
    }
    return out;
  };

  return {
    getLatest: (symbols) => inner.getLatest(symbols),
    getAssets: (symbols) => inner.getAssets(symbols),
    getNews: (symbols, since, limit) => inner.getNews(symbols, since, limit),
    screener: (req) => inner.screener(req),
    getBars: (req) => {
      if (req.timeframe !== '1Day') return inner.getBars(req);
      const run = queue.then(() => daily(req));
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
