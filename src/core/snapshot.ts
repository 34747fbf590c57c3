import type { Account, Order, Position } from '../domain/broker.js';
import type { RegimeVerdict } from '../domain/decision.js';
import type { Bar, LatestQuote } from '../domain/market.js';
import type { Snapshot } from '../domain/snapshot.js';
import { computeIndicators } from './indicators/index.js';

/** Bars needed before a snapshot is usable (MACD 12/26/9 warm-up). */
export const MIN_DAILY_BARS = 34;
/** Optional enrichment the basic snapshot does not have yet (the snapshot issue adds it). */
const NOT_YET_ENRICHED = ['news', 'earnings', 'sector'] as const;

export interface SnapshotInputs {
  readonly symbol: string;
  readonly asOf: number;
  readonly dailyBars: readonly Bar[];
  readonly latest: LatestQuote | null;
  readonly account: Account;
  readonly position: Position | null;
  readonly openOrders: readonly Order[];
  readonly openPositions: number;
  readonly regime: RegimeVerdict;
}

const validBar = (b: Bar) =>
  [b.o, b.h, b.l, b.c].every((x) => Number.isFinite(x) && x > 0) && Number.isFinite(b.v) && b.v >= 0 && b.h >= b.l;

const round = (x: number, d = 6) => Number(x.toFixed(d));

/**
 * Assembles what the brain sees. Pure. Only bars that closed at or before as_of are used
 * (no lookahead, whatever the data source returned); bad bars and missing prices become
 * data_quality entries, never numbers.
 */
export function buildSnapshot(i: SnapshotInputs): Snapshot {
  const critical: string[] = [];
  const closed = i.dailyBars.filter((b) => b.end <= i.asOf);
  const bars = closed.filter(validBar);
  if (bars.length < closed.length) critical.push(`invalid_bars:${closed.length - bars.length}`);
  if (bars.length < MIN_DAILY_BARS) critical.push(`daily_bars:${bars.length}<${MIN_DAILY_BARS}`);

  const latestOk = i.latest !== null && Number.isFinite(i.latest.price) && i.latest.price > 0 && i.latest.t <= i.asOf;
  if (!latestOk) critical.push('price');
  const price = latestOk ? i.latest!.price : null;
  const lastBar = bars.length > 0 ? bars[bars.length - 1]! : null;
  // prev_close: the last completed session's close, unless the latest price is that close itself.
  const prevBar = lastBar && latestOk && i.latest!.t <= lastBar.end ? (bars.length > 1 ? bars[bars.length - 2]! : null) : lastBar;
  const prevClose = prevBar ? prevBar.c : null;
  const bid = latestOk && i.latest!.bid !== undefined && i.latest!.bid > 0 ? i.latest!.bid : null;
  const ask = latestOk && i.latest!.ask !== undefined && i.latest!.ask > 0 ? i.latest!.ask : null;
  const covered = i.openOrders.some((o) => o.symbol === i.symbol && o.side === 'sell' && o.legKind !== null);
  return {
    symbol: i.symbol,
    as_of: new Date(i.asOf).toISOString(),
    price,
    prev_close: prevClose,
    change_pct: price !== null && prevClose ? round(((price - prevClose) / prevClose) * 100, 4) : null,
    bid,
    ask,
    bars: { daily_count: bars.length, last_close_at: lastBar ? new Date(lastBar.end).toISOString() : null },
    indicators: computeIndicators(bars),
    account: {
      equity: i.account.equity,
      cash: i.account.cash,
      buying_power: i.account.buyingPower,
      day_pl: round(i.account.equity - i.account.lastEquity, 2),
    },
    position: i.position
      ? {
          qty: i.position.qty,
          avg_entry_price: i.position.avgEntryPrice,
          market_value: i.position.marketValue,
          unrealized_pl: i.position.unrealizedPl,
          covered_by_bracket: covered,
        }
      : null,
    open_positions: i.openPositions,
    data_quality: {
      missing_critical: critical,
      missing_optional: [...NOT_YET_ENRICHED],
      staleness_sec: latestOk ? Math.round((i.asOf - i.latest!.t) / 1000) : null,
    },
    market_regime: i.regime,
  };
}

/** A bounded excerpt of the snapshot for logic_json. */
export function snapshotExcerpt(s: Snapshot): Snapshot {
  return s;
}
