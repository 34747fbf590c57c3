import type { Account, Order, Position } from '../domain/broker.js';
import type { RegimeVerdict } from '../domain/decision.js';
import type { Bar, LatestQuote, Session } from '../domain/market.js';
import type { Snapshot } from '../domain/snapshot.js';
import type { RegimeInputs } from '../core/regime-inputs.js';
import { buildRegimeInputs, REGIME_BENCHMARKS } from '../core/regime.js';
import { buildSnapshot, cycleSnapshotParts, prepareSymbol, type CycleSnapshotParts, type EnrichmentInputs, type PreparedSymbol } from '../core/snapshot/build.js';
import type { SnapshotSettings } from '../core/snapshot/settings.js';
import { addDays, nyDate } from '../core/time/ny.js';
import { resolveWatchlist, SYMBOL_RE, type SymbolQuality, type WatchlistResult } from '../core/watchlist.js';
import { createEnrichmentCache, type EnrichmentCache, type EnrichmentSettings } from './enrichment.js';
import { createAuditStore, type AuditStore } from './audit-store.js';
import { createIndicatorStore, type IndicatorStore } from './indicator-store.js';
import { createSessionMinutesStore, type SessionMinutesStore } from './session-minutes-store.js';
import type { SessionMinutes } from '../core/indicators/incremental/session-minutes.js';
import { createRegimeCache, type RegimeCache } from './regime-cache.js';
import type { CycleDeps, CycleSettings } from './types.js';

/**
 * The market side of a cycle: which symbols, their data, the regime inputs, and the per-symbol
 * snapshot inputs. Market-data requests per cycle are a constant, whatever the watchlist size:
 *
 *   1 screener (only without WATCHLIST_STATIC)      4 minute bars of the current session (only while it is open)
 *   2 daily bars  } candidates + benchmarks          5 news      } only for symbols whose TTL
 *   3 latest      } + hedge tickers, one batch each  6 assets    } cache entry is missing or expired
 *
 * Daily bars are audited and their indicators computed once per symbol (prepareSymbol); the
 * regime's breadth, the watchlist's quality filters and the snapshot all read that result.
 * With the caches' indicator store, "computed" means advanced by the bars new since the last
 * cycle (see indicator-store.ts for what that means over a sliding window); with their audit
 * store, "audited" means the last cycle's clean audit continued over the new bars (the same
 * result as a full audit, see audit-store.ts).
 */

const DAY = 86_400_000;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 300);

export interface MarketSettings {
  /** WATCHLIST_ANCHORS */
  readonly anchors: readonly string[];
  /** WATCHLIST_SCREENER_SIZE */
  readonly screenerSize: number;
  /** WATCHLIST_SCREENER_KIND */
  readonly screenerKind: 'most_actives' | 'movers';
  /** WATCHLIST_INCLUDE_OPEN_POSITIONS */
  readonly includeOpenPositions: boolean;
  /** WATCHLIST_MIN_PRICE */
  readonly minPrice: number;
  /** WATCHLIST_MIN_DOLLAR_VOLUME */
  readonly minAvgDollarVolume: number;
  /** REGIME_BEARISH_INJECT_THRESHOLD */
  readonly bearishInjectThreshold: number;
  /** REGIME_HEDGE_TICKERS: fetched with every cycle's batch so a bearish verdict can add them. */
  readonly hedgeTickers: readonly string[];
  /** REGIME_TTL_SEC */
  readonly regimeTtlSec: number;
  readonly enrichment: EnrichmentSettings;
  readonly snapshot: Partial<SnapshotSettings>;
}

export const DEFAULT_MARKET_SETTINGS: MarketSettings = {
  anchors: [],
  screenerSize: 30,
  screenerKind: 'most_actives',
  includeOpenPositions: true,
  minPrice: 5,
  minAvgDollarVolume: 5_000_000,
  bearishInjectThreshold: 0.6,
  hedgeTickers: ['SH', 'PSQ'],
  regimeTtlSec: 900,
  enrichment: {
    newsEnabled: true,
    newsTtlSec: 900,
    newsLookbackHours: 24,
    newsPerSymbol: 3,
    sectorEnabled: true,
    sectorTtlSec: 86_400,
    earningsTtlSec: 21_600,
    earningsWithinDays: 5,
  },
  snapshot: {},
};

export function marketSettings(over: Partial<MarketSettings> | undefined): MarketSettings {
  const o = over ?? {};
  return {
    ...DEFAULT_MARKET_SETTINGS,
    ...o,
    enrichment: { ...DEFAULT_MARKET_SETTINGS.enrichment, ...(o.enrichment ?? {}) },
    snapshot: { ...(o.snapshot ?? {}) },
  };
}

/** Caches that outlive one cycle (the composition root keeps them in CycleDeps). */
export interface CycleCaches {
  readonly regime: RegimeCache;
  readonly enrichment: EnrichmentCache;
  /** Per-symbol indicator state, advanced by each cycle's new daily bars. */
  readonly indicators: IndicatorStore;
  /** Per-symbol daily-bar audit, continued over each cycle's new bars and sessions. */
  readonly audits: AuditStore;
  /** Per-symbol session VWAP and volume, advanced by each cycle's new minute bars. */
  readonly minutes: SessionMinutesStore;
}

export function createCycleCaches(s: Pick<MarketSettings, 'regimeTtlSec' | 'enrichment'>): CycleCaches {
  return {
    regime: createRegimeCache({ ttlSec: s.regimeTtlSec }),
    enrichment: createEnrichmentCache(s.enrichment),
    indicators: createIndicatorStore(),
    audits: createAuditStore(),
    minutes: createSessionMinutesStore(),
  };
}

/** The part of the cycle's dependencies the market side uses (the snapshot CLI supplies just these). */
export interface MarketDeps {
  readonly settings: Pick<CycleSettings, 'watchlist' | 'lookbackDays' | 'market'>;
  readonly market: CycleDeps['market'];
  readonly calendar: CycleDeps['calendar'];
  readonly earnings?: CycleDeps['earnings'];
  /** The cycle caches (absent: nothing is kept between calls; indicators are folded over the window). */
  readonly caches?: CycleCaches;
}

export interface MarketStage {
  readonly asOf: number;
  readonly sessions: readonly Session[];
  readonly latest: ReadonlyMap<string, LatestQuote>;
  readonly bars: ReadonlyMap<string, readonly Bar[]>;
  readonly prepared: ReadonlyMap<string, PreparedSymbol>;
  readonly screener: readonly string[];
  readonly regimeInputs: RegimeInputs;
  /** Things worth a log line (screener failure, skipped benchmarks). */
  readonly notes: readonly string[];
}

/**
 * Requests 1-3: screener, then one batch of daily bars and one of latest quotes for every
 * candidate and benchmark. With the deps' cycle caches each symbol's indicators advance from
 * the last cycle (caches.indicators); without, they are folded over the fetched window.
 */
export async function loadMarket(deps: MarketDeps, asOf: number, held: readonly string[], extra: readonly string[] = []): Promise<MarketStage> {
  const ms = marketSettings(deps.settings.market);
  const notes: string[] = [];
  const staticList = deps.settings.watchlist;
  let screener: readonly string[] = [];
  if (staticList.length === 0 && ms.screenerSize > 0) {
    try {
      // Ask for more than the cap: the quality filters drop some.
      screener = await deps.market.screener({ kind: ms.screenerKind, top: Math.min(100, ms.screenerSize * 2) });
    } catch (e) {
      notes.push(`screener failed: ${errText(e)}`);
    }
  }
  const valid = (s: string) => SYMBOL_RE.test(s);
  const candidates =
    staticList.length > 0
      ? [...staticList, ...held]
      : [...ms.anchors, ...screener.filter(valid).slice(0, Math.min(100, ms.screenerSize * 2)), ...ms.hedgeTickers, ...held];
  const symbols = [...new Set([...candidates, ...extra, ...REGIME_BENCHMARKS])];
  const [sessions, bars, latest] = await Promise.all([
    deps.calendar.sessions(nyDate(asOf - deps.settings.lookbackDays * DAY), nyDate(asOf)),
    deps.market.getBars({ symbols, timeframe: '1Day', start: asOf - deps.settings.lookbackDays * DAY, end: asOf }),
    deps.market.getLatest(symbols),
  ]);
  const prepared = new Map<string, PreparedSymbol>();
  const store = deps.caches?.indicators;
  const audits = deps.caches?.audits;
  for (const s of symbols) {
    prepared.set(
      s,
      prepareSymbol(
        bars.get(s) ?? [],
        asOf,
        sessions,
        store ? (clean) => store.indicators(s, clean) : undefined,
        audits ? (b, t, ss) => audits.audit(s, b, t, ss) : undefined,
      ),
    );
  }
  const breadth = [...new Set(candidates)].filter((s) => !(REGIME_BENCHMARKS as readonly string[]).includes(s));
  const regimeInputs = buildRegimeInputs(asOf, prepared, latest, breadth);
  if ((regimeInputs.skipped_benchmarks ?? []).length > 0) notes.push(`regime benchmarks without data (skipped): ${regimeInputs.skipped_benchmarks!.join(', ')}`);
  return { asOf, sessions, latest, bars, prepared, screener, regimeInputs, notes };
}

/** Quality figures per symbol: latest price (else last clean close) and 20-session mean dollar volume. */
export function qualityOf(stage: MarketStage): ReadonlyMap<string, SymbolQuality> {
  const out = new Map<string, SymbolQuality>();
  for (const [s, p] of stage.prepared) {
    const clean = p.audit.clean;
    const q = stage.latest.get(s);
    const price = q && Number.isFinite(q.price) && q.price > 0 ? q.price : clean.length > 0 ? clean[clean.length - 1]!.c : null;
    let adv: number | null = null;
    if (clean.length >= 20) {
      let sum = 0;
      for (let i = clean.length - 20; i < clean.length; i++) sum += clean[i]!.c * clean[i]!.v;
      adv = sum / 20;
    }
    out.set(s, { price, avgDollarVolume: adv });
  }
  return out;
}

/** The watchlist for this cycle, from the market stage and the regime verdict. Pure over its inputs. */
export function chooseWatchlist(deps: MarketDeps, stage: MarketStage, regime: RegimeVerdict | null, held: readonly string[]): WatchlistResult {
  const ms = marketSettings(deps.settings.market);
  return resolveWatchlist(
    {
      staticList: deps.settings.watchlist,
      anchors: ms.anchors,
      screenerSize: ms.screenerSize,
      includeOpenPositions: ms.includeOpenPositions,
      bearishInjectThreshold: ms.bearishInjectThreshold,
      minPrice: ms.minPrice,
      minAvgDollarVolume: ms.minAvgDollarVolume,
    },
    { screener: stage.screener, screenerKind: ms.screenerKind, held, regime, quality: qualityOf(stage) },
  );
}

export interface SymbolExtras {
  /** Minute bars since the session open per symbol; null when the session is not open. */
  readonly minute: ReadonlyMap<string, readonly Bar[]> | null;
  /** Session VWAP/volume of those bars, advanced from the last cycle (caches.minutes); absent: computed per snapshot. */
  readonly minuteSummaries?: ReadonlyMap<string, SessionMinutes>;
  readonly enrichment: EnrichmentInputs;
  readonly notes: readonly string[];
}

/** Requests 4-6: the open session's minute bars for the watchlist (one batch), then news and sectors through the TTL caches. */
export async function loadSymbolExtras(
  deps: MarketDeps,
  caches: CycleCaches,
  asOf: number,
  session: Session | null,
  watchlist: readonly string[],
  held: readonly string[],
): Promise<SymbolExtras> {
  const ms = marketSettings(deps.settings.market);
  const open = session !== null && asOf >= session.open && asOf < session.close;
  const today = nyDate(asOf);
  const [minute, enr] = await Promise.all([
    open && watchlist.length > 0
      ? deps.market.getBars({ symbols: watchlist, timeframe: '1Min', start: session.open, end: asOf })
      : Promise.resolve(null),
    caches.enrichment.load({
      market: deps.market,
      earnings: deps.earnings,
      symbols: watchlist,
      sectorSymbols: [...watchlist, ...held],
      now: asOf,
      today,
      horizon: addDays(today, ms.enrichment.earningsWithinDays),
    }),
  ]);
  const minuteSummaries = new Map<string, SessionMinutes>();
  if (minute && session) for (const [sym, bars] of minute) minuteSummaries.set(sym, caches.minutes.summary(sym, session.open, bars, asOf));
  return { minute, minuteSummaries, enrichment: { sectors: enr.sectors, news: enr.news, earnings: enr.earnings }, notes: enr.problems };
}

/** Everything a symbol's snapshot is built from in this cycle (built once per cycle and not changed after: snapshotFor keeps per-context parts). */
export interface SnapshotContext {
  readonly asOf: number;
  readonly session: Session | null;
  readonly stage: MarketStage;
  readonly extras: SymbolExtras;
  readonly account: Account;
  readonly positions: readonly Position[];
  readonly openOrders: readonly Order[];
  readonly regime: RegimeVerdict;
  readonly settings: Partial<SnapshotSettings>;
}

/** The snapshot parts every symbol of a cycle shares (portfolio context, bounded regime), computed at the cycle's first snapshot. */
const cyclePartsOf = new WeakMap<SnapshotContext, CycleSnapshotParts>();

/** The snapshot for one symbol of the cycle (pure assembly over the cycle's data). */
export function snapshotFor(c: SnapshotContext, symbol: string): Snapshot {
  const open = c.session !== null && c.asOf >= c.session.open && c.asOf < c.session.close;
  let cycleParts = cyclePartsOf.get(c);
  if (cycleParts === undefined) {
    cycleParts = cycleSnapshotParts({ account: c.account, positions: c.positions, enrichment: c.extras.enrichment, regime: c.regime, settings: c.settings });
    cyclePartsOf.set(c, cycleParts);
  }
  return buildSnapshot({
    cycleParts,
    symbol,
    asOf: c.asOf,
    dailyBars: c.stage.bars.get(symbol) ?? [],
    ...(c.stage.prepared.has(symbol) ? { prepared: c.stage.prepared.get(symbol)! } : {}),
    minuteBars: c.extras.minute ? (c.extras.minute.get(symbol) ?? []) : open ? [] : null,
    ...(open && c.extras.minuteSummaries?.has(symbol) ? { minute: c.extras.minuteSummaries.get(symbol)! } : {}),
    session: open ? c.session : null,
    sessions: c.stage.sessions,
    latest: c.stage.latest.get(symbol) ?? null,
    account: c.account,
    positions: c.positions,
    openOrders: c.openOrders,
    regime: c.regime,
    enrichment: c.extras.enrichment,
    settings: c.settings,
  });
}
