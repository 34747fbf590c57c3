import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import type { CycleDeps, CycleSummary } from '../cycle/types.js';
import type { PositionHealthDeps } from '../jobs/position-health.js';
import type { Logger } from '../log.js';
import { createLogger } from '../log.js';
import type { Brain } from '../ports/brain.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar, Clock } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import { createJournal, type SqliteJournal } from '../journal/journal.js';
import { createNyseRulesCalendar } from '../adapters/calendar/nyse-rules.js';
import { createRulesBrain } from '../adapters/rules/brain.js';
import { claudeBrainFromConfig } from './claude-brain.js';
import { createHealthcheckReporter } from '../adapters/reporters/healthcheck.js';
import { createMetricsJsonlReporter } from '../adapters/reporters/metrics-jsonl.js';
import { createSimBroker, type SimBroker } from '../adapters/sim/broker.js';
import type { PriceFeed } from '../adapters/sim/feed.js';
import { createSimMarketData } from '../adapters/sim/market-data.js';
import { nyDate } from '../core/time/ny.js';
import type { AlpacaClient } from '../adapters/alpaca/client.js';
import { alpacaClientFromConfig } from './alpaca-client.js';
import { createAlpacaBroker, type AlpacaBroker } from '../adapters/alpaca/broker.js';
import { createAlpacaCalendar } from '../adapters/alpaca/calendar.js';
import { createAlpacaMarketData } from '../adapters/alpaca/market-data.js';
import { storeDailyBars } from './daily-bars-store.js';
import { cycleIdFor } from '../cycle/ids.js';
import { summarize } from '../cycle/summary.js';
import { createCycleCaches, type MarketSettings } from '../cycle/market-context.js';
import { join } from 'node:path';
import { simAccountFromConfig, simFeedFromConfig } from './sim-config.js';

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
  const feed = simFeedFromConfig(config, throughDate ?? nyDate(clock.now()));
  const market = createSimMarketData({ feed, clock });
  const broker = createSimBroker({
    feed,
    clock,
    store: { load: () => journal.loadSimState(), save: (s) => journal.saveSimState(s) },
    ...simAccountFromConfig(config),
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
  return claudeBrainFromConfig(config, { clock, log, feedbackPath: join(config.paths.reports, 'TRADER_FEEDBACK.md') });
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

/** The position-health job's ports and settings (risk limits, trail) from config; the kill switch as for cycles. */
export function positionHealthDeps(x: {
  config: Config;
  mode: string;
  calendar?: Calendar;
  broker: Broker;
  journal: SqliteJournal;
  log: Logger;
  haltSwitch?: () => boolean;
}): PositionHealthDeps {
  return {
    mode: x.mode,
    broker: x.broker,
    journal: x.journal,
    calendar: x.calendar ?? createNyseRulesCalendar(),
    log: x.log,
    settings: { risk: x.config.risk, trail: x.config.trail },
    haltSwitch: x.haltSwitch ?? haltSwitchFor(x.config),
  };
}

/** The kill switch: engaged while TRADER_HALT_FILE (default data/HALT) exists. Checked per decision, so it bites within one cycle. */
export function haltSwitchFor(config: Config): () => boolean {
  return () => existsSync(config.haltFile);
}

export interface AlpacaWorld {
  readonly client: AlpacaClient;
  readonly broker: AlpacaBroker;
  readonly market: MarketData;
  readonly calendar: Calendar;
}

/**
 * Alpaca (paper or live, per APCA_API_BASE_URL): broker, market data and the /v2/calendar
 * calendar cached in the journal's database; closed daily bars kept in DAILY_BARS_STORE (the
 * journal's database by default) so cycles fetch only the sessions since the last stored close.
 * Transport retries and give-ups are logged as warnings (method and path only; never headers).
 */
export function createAlpacaWorld(config: Config, x: { clock: Clock; journal: SqliteJournal; log: Logger; fetch?: typeof fetch }): AlpacaWorld {
  const client = alpacaClientFromConfig(config, { clock: x.clock, log: x.log, ...(x.fetch ? { fetch: x.fetch } : {}) });
  const calendar = createAlpacaCalendar({ client, db: x.journal.db, clock: x.clock, log: x.log });
  return {
    client,
    broker: createAlpacaBroker({ client }),
    market: storeDailyBars(config, createAlpacaMarketData({ client, calendar, clock: x.clock, feed: config.alpacaApi.feed }), { ...x, calendar }),
    calendar,
  };
}

/**
 * A cycle that could not run (reconciliation failed): journaled as failed with the reason,
 * logged like any cycle summary, and reported (healthcheck /fail, metrics) with the reporters
 * awaited, since the caller is about to exit.
 */
export async function reportFailedCycle(deps: CycleDeps, asOf: number, reason: string): Promise<CycleSummary> {
  const cycleId = cycleIdFor(asOf);
  const s = summarize({ cycleId, asOf, deps, status: 'failed', reason, outcomes: [], timings: [], regime: null, durationMs: 0 });
  try {
    deps.journal.beginCycle({ id: cycleId, mode: deps.mode, brain: deps.brain.name, asOf });
    const { duration_ms, slowest_stages, ...stable } = s;
    deps.journal.finishCycle(cycleId, { status: 'failed', equity: null, regime: null, watchlist: [], summary: stable, timing: { duration_ms, slowest_stages, stages: [] } });
  } catch (e) {
    deps.log.error('journal: could not record the failed cycle', { cycle_id: cycleId, error: e instanceof Error ? e.message : String(e) });
  }
  deps.log.error('cycle summary', { ...s });
  const results = await Promise.allSettled((deps.reporters ?? []).map((r) => Promise.resolve().then(() => r(s))));
  for (const r of results) if (r.status === 'rejected') deps.log.warn('cycle reporter failed', { error: r.reason instanceof Error ? r.reason.message : String(r.reason) });
  return s;
}
