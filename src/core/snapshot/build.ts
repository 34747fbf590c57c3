import type { Account, Order, Position } from '../../domain/broker.js';
import type { RegimeVerdict } from '../../domain/decision.js';
import type { Bar, LatestQuote, NewsItem, Session } from '../../domain/market.js';
import type { Enrichment, IndicatorSet, LiveFields, NewsLine, PortfolioContext, PortfolioLine, Snapshot } from '../../domain/snapshot.js';
import { auditDailyBars, auditQuote, DQ, type DailyAudit } from '../data-quality.js';
import { computeIndicators } from '../indicators/index.js';
import { summarizeSessionMinutes, type SessionMinutes } from '../indicators/incremental/session-minutes.js';
import { nyDate } from '../time/ny.js';
import { sanitizeLabel, sanitizeText } from './sanitize.js';
import { snapshotSettings, type SnapshotSettings } from './settings.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Daily bars audited and their indicators: computed once per symbol per cycle, shared by regime breadth, watchlist filters and the snapshot. */
export interface PreparedSymbol {
  readonly audit: DailyAudit;
  readonly indicators: IndicatorSet;
}

/**
 * `indicatorsOf` computes the indicators of the clean run; default: a fold over all of it. The
 * cycle passes its indicator store (src/cycle/indicator-store.ts), which advances a kept state.
 * `auditOf` audits the bars, as auditDailyBars does (the cycle's audit store continues the last
 * cycle's audit: src/cycle/audit-store.ts).
 */
export function prepareSymbol(
  dailyBars: readonly Bar[],
  asOf: number,
  sessions: readonly Session[] | null,
  indicatorsOf: (clean: readonly Bar[]) => IndicatorSet = computeIndicators,
  auditOf: (bars: readonly Bar[], asOf: number, sessions: readonly Session[] | null) => DailyAudit = auditDailyBars,
): PreparedSymbol {
  const audit = auditOf(dailyBars, asOf, sessions);
  return { audit, indicators: indicatorsOf(audit.clean) };
}

/**
 * Enrichment as fetched (best effort, per symbol). For each map: null means the source is
 * disabled or absent; a symbol missing from a map means its lookup was unavailable (failed).
 * Either way the field is listed in missing_optional. An empty news list is a known "no news".
 */
export interface EnrichmentInputs {
  /** Sector label per symbol (null value: the data source knows the symbol but has no sector). */
  readonly sectors: ReadonlyMap<string, string | null> | null;
  /** Recent news per symbol. */
  readonly news: ReadonlyMap<string, readonly NewsItem[]> | null;
  /**
   * Next earnings date (YYYY-MM-DD, New York) per symbol from the optional earnings hook (null
   * value: none known in the window). The MarketData port has no earnings source, so without
   * a hook this is null and every snapshot lists `earnings` in missing_optional.
   */
  readonly earnings: ReadonlyMap<string, string | null> | null;
}

export const NO_ENRICHMENT: EnrichmentInputs = { sectors: null, news: null, earnings: null };

export interface SnapshotInputs {
  readonly symbol: string;
  readonly asOf: number;
  readonly dailyBars: readonly Bar[];
  /** Precomputed audit + indicators for dailyBars (else computed here). */
  readonly prepared?: PreparedSymbol;
  /** Minute bars from the current session's open; null when not fetched (market closed). */
  readonly minuteBars: readonly Bar[] | null;
  /**
   * The session's minute summary (VWAP, volume, bad bars) for minuteBars, when the caller keeps
   * it advancing between cycles (src/cycle/session-minutes-store.ts); else computed here.
   */
  readonly minute?: SessionMinutes;
  /** The exchange session open at as_of, or null. */
  readonly session: Session | null;
  /** Exchange sessions over the daily bars' span, for gap detection; null: unknown. */
  readonly sessions: readonly Session[] | null;
  readonly latest: LatestQuote | null;
  readonly account: Account;
  /** Every open position (this symbol's included). */
  readonly positions: readonly Position[];
  readonly openOrders: readonly Order[];
  readonly regime: RegimeVerdict;
  readonly enrichment: EnrichmentInputs;
  readonly settings?: Partial<SnapshotSettings>;
  /** cycleSnapshotParts of these same inputs, when the caller computed them once for the cycle (else computed here). */
  readonly cycleParts?: CycleSnapshotParts;
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
const pct = (a: number, b: number) => r4(((a - b) / b) * 100);
const iso = (ms: number) => new Date(ms).toISOString();

/** The regime as the snapshot carries it: bounded text and ticker list. */
function boundedRegime(v: RegimeVerdict): RegimeVerdict {
  return {
    direction: v.direction,
    conviction: v.conviction,
    bearish_tickers: v.bearish_tickers.slice(0, 10).map((t) => sanitizeText(t, 10)),
    rationale: sanitizeText(v.rationale, 500),
    source: sanitizeText(v.source, 40),
    cached: v.cached,
    as_of: v.as_of,
  };
}

function portfolioContext(i: Pick<SnapshotInputs, 'account' | 'positions' | 'enrichment'>, st: SnapshotSettings): PortfolioContext {
  const equity = i.account.equity;
  const sectorOf = (s: string) => sanitizeLabel(i.enrichment.sectors?.get(s) ?? null);
  const lines: PortfolioLine[] = i.positions
    .map((p) => ({
      symbol: p.symbol,
      qty: p.qty,
      market_value: r2(p.marketValue),
      unrealized_pl_pct: p.avgEntryPrice > 0 && p.qty > 0 ? pct(p.marketValue, p.avgEntryPrice * p.qty) : null,
      sector: sectorOf(p.symbol),
    }))
    .sort((a, b) => b.market_value - a.market_value || (a.symbol < b.symbol ? -1 : 1));
  const bySector = new Map<string, number>();
  let invested = 0;
  for (const l of lines) {
    invested += l.market_value;
    const k = l.sector ?? 'unknown';
    bySector.set(k, (bySector.get(k) ?? 0) + l.market_value);
  }
  const sectors = [...bySector.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const listed = sectors.slice(0, st.maxSectorsListed);
  const rest = sectors.slice(st.maxSectorsListed).reduce((a, [, v]) => a + v, 0);
  const sectorPct: Record<string, number> = {};
  if (equity > 0) {
    for (const [k, v] of listed) sectorPct[k] = r2((v / equity) * 100);
    if (rest > 0) sectorPct.other = r2((rest / equity) * 100);
  }
  return {
    day_pl_pct: i.account.lastEquity > 0 ? pct(equity, i.account.lastEquity) : null,
    day_trade_count: i.account.daytradeCount,
    invested_pct: equity > 0 ? r2((invested / equity) * 100) : null,
    positions: lines.slice(0, st.maxPositionsListed),
    positions_total: lines.length,
    sector_notional_pct: sectorPct,
  };
}

/**
 * The parts of a snapshot that are the same for every symbol of a cycle: the account-wide
 * portfolio context and the bounded regime. A caller building every symbol's snapshot over the
 * same cycle inputs computes them once (snapshotFor in src/cycle/market-context.ts) and passes
 * them as SnapshotInputs.cycleParts; else buildSnapshot computes them.
 */
export interface CycleSnapshotParts {
  readonly portfolio: PortfolioContext;
  readonly regime: RegimeVerdict;
}

export function cycleSnapshotParts(i: Pick<SnapshotInputs, 'account' | 'positions' | 'enrichment' | 'regime' | 'settings'>): CycleSnapshotParts {
  return { portfolio: portfolioContext(i, snapshotSettings(i.settings)), regime: boundedRegime(i.regime) };
}

function enrichmentFor(i: SnapshotInputs, st: SnapshotSettings, optional: string[]): Enrichment {
  const e = i.enrichment;
  const sector = sanitizeLabel(e.sectors?.get(i.symbol) ?? null);
  if (sector === null) optional.push(DQ.sector);
  let news: NewsLine[] = [];
  const items = e.news?.get(i.symbol);
  if (items === undefined) optional.push(DQ.news);
  else {
    const since = i.asOf - st.newsLookbackHours * HOUR;
    news = items
      .filter((n) => n.symbols.includes(i.symbol) && Number.isFinite(n.t) && n.t <= i.asOf && n.t >= since)
      .sort((a, b) => b.t - a.t || (a.id < b.id ? -1 : 1))
      .map((n) => ({
        headline: sanitizeText(n.headline, st.headlineMaxChars),
        source: sanitizeText(n.source, 40),
        age_hours: Math.round(((i.asOf - n.t) / HOUR) * 10) / 10,
      }))
      .filter((n) => n.headline !== '')
      .slice(0, st.newsPerSymbol);
  }
  let earnings: Enrichment['earnings'] = null;
  const known = e.earnings?.has(i.symbol) ?? false;
  if (!known) optional.push(DQ.earnings);
  else {
    const d = e.earnings!.get(i.symbol);
    if (typeof d === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(d)) {
      const days = Math.round((Date.parse(`${d}T12:00:00Z`) - Date.parse(`${nyDate(i.asOf)}T12:00:00Z`)) / DAY);
      if (days >= 0 && days <= st.earningsWithinDays) earnings = { date: d, days_until: days };
    }
  }
  return { sector, news, earnings };
}

/**
 * Assembles what the brain sees for one symbol. Pure. Only bars that closed at or before
 * as_of are used (no lookahead, whatever the data source returned); bad bars, gaps, missing
 * or stale prices become data_quality entries, and indicators are computed only on the clean
 * run of bars after the last defect, so bad input never becomes an indicator value.
 */
export function buildSnapshot(i: SnapshotInputs): Snapshot {
  const st = snapshotSettings(i.settings);
  const critical: string[] = [];
  const optional: string[] = [];

  const prepared = i.prepared ?? prepareSymbol(i.dailyBars, i.asOf, i.sessions);
  const { audit } = prepared;
  const ind = prepared.indicators;
  if (audit.invalid > 0) critical.push(DQ.invalidBars(audit.invalid));
  if (audit.gaps > 0) critical.push(DQ.barGaps(audit.gaps));
  const bars = audit.clean;
  if (bars.length < st.minDailyBars) critical.push(DQ.dailyBars(bars.length, st.minDailyBars));
  else {
    const cold = (
      [
        ['ema200', ind.ema200],
        ['sma200', ind.sma200],
        ['52w', ind.high_52w],
      ] as const
    )
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    if (cold.length > 0) optional.push(DQ.warmup(cold));
  }

  const q = auditQuote(i.latest, i.asOf);
  if (q.price === null) critical.push(DQ.price);
  const open = i.session !== null && i.asOf >= i.session.open && i.asOf < i.session.close;
  if (open && q.stalenessSec !== null && q.stalenessSec > st.staleQuoteSec) critical.push(DQ.staleQuote(q.stalenessSec, st.staleQuoteSec));
  if (q.price !== null && (q.bid === null || q.ask === null)) optional.push(DQ.spread);

  const price = q.price;
  const lastBar = bars.length > 0 ? bars[bars.length - 1]! : null;
  // prev_close: the last completed session's close, unless the latest price is that close itself.
  const prevBar = lastBar && q.priceAt !== null && q.priceAt <= lastBar.end ? (bars.length > 1 ? bars[bars.length - 2]! : null) : lastBar;
  const prevClose = prevBar ? prevBar.c : null;

  // Live fields from the current session's minute bars.
  let vwap: number | null = null;
  let sessionVolume: number | null = null;
  if (open && i.session) {
    const m = i.minute ?? summarizeSessionMinutes(i.minuteBars ?? [], i.asOf, i.session.open);
    if (m.invalid > 0) critical.push(DQ.invalidMinuteBars(m.invalid));
    vwap = m.vwap;
    sessionVolume = m.volume;
    if (vwap === null) optional.push(DQ.sessionVwap);
  }
  const volume = open ? sessionVolume : (lastBar?.v ?? null);
  const volumeRatio = open
    ? volume !== null && ind.avg_volume_20d !== null && ind.avg_volume_20d > 0
      ? r4(volume / ind.avg_volume_20d)
      : null
    : ind.volume_ratio_20d;
  const spread = q.bid !== null && q.ask !== null ? r4(q.ask - q.bid) : null;
  const mid = q.bid !== null && q.ask !== null ? (q.bid + q.ask) / 2 : null;
  const live: LiveFields = {
    session: open ? 'open' : 'closed',
    vwap,
    pct_from_vwap: price !== null && vwap !== null ? pct(price, vwap) : null,
    volume,
    volume_ratio: volumeRatio,
    session_elapsed: open && i.session ? r4((i.asOf - i.session.open) / (i.session.close - i.session.open)) : null,
    spread,
    spread_bps: spread !== null && mid !== null && mid > 0 ? Math.round((spread / mid) * 10_000 * 100) / 100 : null,
    pct_from_52w_high: price !== null && ind.high_52w !== null ? pct(price, ind.high_52w) : null,
    pct_from_52w_low: price !== null && ind.low_52w !== null ? pct(price, ind.low_52w) : null,
  };

  const pos = i.positions.find((p) => p.symbol === i.symbol) ?? null;
  const covered = i.openOrders.some((o) => o.symbol === i.symbol && o.side === 'sell' && o.legKind !== null);
  const enrichment = enrichmentFor(i, st, optional);
  const parts = i.cycleParts ?? cycleSnapshotParts(i);

  return {
    symbol: i.symbol,
    as_of: iso(i.asOf),
    price,
    prev_close: prevClose,
    change_pct: price !== null && prevClose ? pct(price, prevClose) : null,
    bid: q.bid,
    ask: q.ask,
    bars: { daily_count: bars.length, last_close_at: lastBar ? iso(lastBar.end) : null },
    indicators: ind,
    live,
    account: {
      equity: i.account.equity,
      cash: i.account.cash,
      buying_power: i.account.buyingPower,
      day_pl: r2(i.account.equity - i.account.lastEquity),
    },
    position: pos
      ? {
          qty: pos.qty,
          avg_entry_price: pos.avgEntryPrice,
          market_value: pos.marketValue,
          unrealized_pl: pos.unrealizedPl,
          covered_by_bracket: covered,
        }
      : null,
    open_positions: i.positions.length,
    portfolio: parts.portfolio,
    enrichment,
    data_quality: { missing_critical: critical, missing_optional: optional, staleness_sec: q.stalenessSec },
    market_regime: parts.regime,
  };
}
