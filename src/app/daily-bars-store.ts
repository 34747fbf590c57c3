import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import type { Calendar, Clock } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import type { SqliteJournal } from '../journal/journal.js';
import { openDatabase } from '../journal/sqlite.js';
import { withStoredDailyBars } from '../adapters/stored-bars/daily-bars.js';
import { loadMarket, type MarketDeps } from '../cycle/market-context.js';

/**
 * The paper/live daily-bar store (DAILY_BARS_STORE, default the journal's SQLite file) around
 * the Alpaca market data, and the service's start-up pre-warm that fills it off the cycle's
 * critical path.
 */

export function storeDailyBars(config: Config, market: MarketData, x: { journal: SqliteJournal; calendar: Calendar; clock: Clock; log: Logger }): MarketData {
  const path = config.dailyBarsStore;
  if (path === null) return market;
  // A separate file stays open for the life of the process.
  const db = path === config.paths.db ? x.journal.db : openDatabase(path);
  return withStoredDailyBars(market, {
    db,
    calendar: x.calendar,
    source: `alpaca:${config.alpacaApi.feed}`,
    recordedAt: () => new Date(x.clock.now()).toISOString(),
    onInvalidate: (e) => x.log.info('stored daily bars dropped, refetching the symbol', { symbol: e.symbol, reason: e.reason }),
  });
}

/**
 * One market stage (screener, daily bars, latest) for the cycle's candidates and the held
 * symbols, so the store holds their lookback before the first slot and cycles fetch only the
 * tail. The store serialises daily-bar calls, so a cycle that starts meanwhile waits for this
 * backfill instead of repeating it.
 */
export async function prewarmDailyBars(deps: MarketDeps, asOf: number, held: readonly string[]): Promise<{ readonly symbols: number }> {
  const stage = await loadMarket(deps, asOf, held);
  return { symbols: stage.bars.size };
}
