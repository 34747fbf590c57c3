import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import type { CycleDeps, CycleSummary } from '../cycle/types.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import type { Brain } from '../ports/brain.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar, Clock } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import { createJournal, type SqliteJournal } from '../journal/journal.js';
import { createNyseRulesCalendar } from '../adapters/calendar/nyse-rules.js';
import { createRulesBrain } from '../adapters/rules/brain.js';
import { createClaudeBrain } from '../adapters/claude/brain.js';
import { createSdkMessagesClient } from '../adapters/claude/client.js';
import { createHealthcheckReporter } from '../adapters/reporters/healthcheck.js';
import { createMetricsJsonlReporter } from '../adapters/reporters/metrics-jsonl.js';
import { createSimBroker, type SimBroker } from '../adapters/sim/broker.js';
import { loadCsvFeed } from '../adapters/sim/csv.js';
import type { PriceFeed } from '../adapters/sim/feed.js';
import { createSimMarketData } from '../adapters/sim/market-data.js';
import { createSyntheticFeed } from '../adapters/sim/synthetic.js';
import { nyDate } from '../core/time/ny.js';
import { createCycleCaches, type MarketSettings } from '../cycle/market-context.js';
import { join } from 'node:path';

/**
 * The composition root's building blocks: the only place adapters are chosen.
 * core/, cycle/ and jobs/ never import from here.
 */

/** Days of daily history each cycle fetches: 200-session indicators need ~290 calendar days; a year and a half leaves room. */
export const LOOKBACK_DAYS = 550;

export interface SimWorld {
  readonly feed: PriceFeed;
  readonly market: MarketData;
  readonly broker: SimBroker;
}

/** The embedded simulated market: synthetic (seeded) or CSV replay, with the in-process exchange. */
export function createSimWorld(config: Config, clock: Clock, journal: SqliteJournal, throughDate?: string): SimWorld {
  const feed = config.sim.dataDir
    ? loadCsvFeed(config.sim.dataDir)
    : createSyntheticFeed({ seed: config.sim.seed, through: throughDate ?? nyDate(clock.now()) });
  const market = createSimMarketData({ feed, clock });
  const broker = createSimBroker({
    feed,
    clock,
    store: { load: () => journal.loadSimState(), save: (s) => journal.saveSimState(s) },
    startingCash: config.sim.startingCash,
    slippageBps: config.sim.slippageBps,
    commissionPerShare: config.sim.commissionPerShare,
    commissionMin: config.sim.commissionMin,
  });
  return { feed, market, broker };
}

export function openJournal(config: Config, wallClock: Clock, mode: string): SqliteJournal {
  return createJournal({
    dbPath: config.paths.db,
    jsonlPath: config.paths.journal,
    maxBytes: config.journal.maxBytes,
    keepRotated: config.journal.keepRotated,
    wallClock,
    mode,
  });
}

/**
 * BRAIN=claude (the default when ANTHROPIC_API_KEY is set): the Claude brain over the
 * Anthropic SDK; otherwise the deterministic rules brain. `wallClock` times calls and ages
 * the weekly feedback file; `log` receives fallback warnings.
 */
export function chooseBrain(config: Config, x: { wallClock?: Clock; log?: Logger } = {}): Brain {
  const b = config.brain;
  if (b.kind !== 'claude' || config.anthropicKey === null) return createRulesBrain();
  const clock = x.wallClock ?? { now: () => Date.now() };
  const log = x.log ?? createLogger({ level: config.logLevel, clock });
  const client = createSdkMessagesClient({
    apiKey: config.anthropicKey,
    ...(b.baseUrl !== null ? { baseURL: b.baseUrl } : {}),
    timeoutMs: b.timeoutMs,
    maxRetries: b.sdkMaxRetries,
    log,
  });
  return createClaudeBrain({
    client,
    models: { trader: b.models.trader, regime: b.models.regime },
    prices: b.prices,
    maxConcurrency: b.maxConcurrency,
    maxConsecutiveFailures: b.maxConsecutiveFailures,
    maxOutputTokens: b.maxOutputTokens,
    regimeTtlSec: config.regimeTtlSec,
    maxSizePct: config.risk.maxSizePct,
    feedbackPath: join(config.paths.reports, 'TRADER_FEEDBACK.md'),
    clock,
    cacheWarmup: b.cacheWarmup,
    log,
  });
}

export function reportersFor(config: Config): ((s: CycleSummary) => void | Promise<void>)[] {
  const out: ((s: CycleSummary) => void | Promise<void>)[] = [];
  if (config.metricsJsonl) out.push(createMetricsJsonlReporter(config.metricsJsonl));
  if (config.healthcheck) out.push(createHealthcheckReporter(config.healthcheck));
  return out;
}

/** Watchlist, regime-cache, enrichment and snapshot settings from the configuration. */
export function marketSettingsFor(config: Config): MarketSettings {
  const w = config.watchlistRules;
  const s = config.snapshot;
  return {
    anchors: w.anchors,
    screenerSize: w.screenerSize,
    screenerKind: w.screenerKind,
    includeOpenPositions: w.includeOpenPositions,
    minPrice: w.minPrice,
    minAvgDollarVolume: w.minAvgDollarVolume,
    bearishInjectThreshold: w.bearishInjectThreshold,
    hedgeTickers: w.hedgeTickers,
    regimeTtlSec: config.regimeTtlSec,
    enrichment: {
      newsEnabled: s.newsEnabled && s.newsPerSymbol > 0,
      newsTtlSec: s.newsTtlSec,
      newsLookbackHours: s.newsLookbackHours,
      newsPerSymbol: s.newsPerSymbol,
      sectorEnabled: s.sectorEnabled,
      sectorTtlSec: s.sectorTtlSec,
      earningsTtlSec: 21_600,
      earningsWithinDays: s.earningsWithinDays,
    },
    snapshot: { staleQuoteSec: s.staleQuoteSec, newsPerSymbol: s.newsPerSymbol, newsLookbackHours: s.newsLookbackHours, earningsWithinDays: s.earningsWithinDays },
  };
}

export function cycleDeps(x: {
  config: Config;
  mode: string;
  wallClock: Clock;
  calendar?: Calendar;
  broker: Broker;
  market: MarketData;
  brain: Brain;
  journal: SqliteJournal;
  log: Logger;
  reporters?: readonly ((s: CycleSummary) => void | Promise<void>)[];
  /** Default: the TRADER_HALT_FILE kill switch. */
  haltSwitch?: () => boolean;
}): CycleDeps {
  const market = marketSettingsFor(x.config);
  return {
    mode: x.mode,
    wallClock: x.wallClock,
    calendar: x.calendar ?? createNyseRulesCalendar(),
    broker: x.broker,
    market: x.market,
    brain: x.brain,
    journal: x.journal,
    log: x.log,
    settings: {
      watchlist: x.config.watchlist,
      concurrency: x.config.concurrency,
      risk: x.config.risk,
      exec: x.config.exec,
      lookbackDays: LOOKBACK_DAYS,
      market,
    },
    caches: createCycleCaches(market),
    reporters: x.reporters ?? reportersFor(x.config),
    haltSwitch: x.haltSwitch ?? haltSwitchFor(x.config),
  };
}

/** The kill switch: engaged while TRADER_HALT_FILE (default data/HALT) exists. Checked per decision, so it bites within one cycle. */
export function haltSwitchFor(config: Config): () => boolean {
  return () => existsSync(config.haltFile);
}
