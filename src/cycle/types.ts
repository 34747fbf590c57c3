import type { Logger } from '../log.js';
import type { Brain } from '../ports/brain.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar, Clock } from '../ports/clock.js';
import type { Journal } from '../ports/journal.js';
import type { MarketData } from '../ports/market-data.js';
import type { BracketSettings } from '../core/orders.js';
import type { RiskPolicy } from '../core/risk/policy.js';
import type { EarningsCalendarHook } from './enrichment.js';
import type { CycleCaches, MarketSettings } from './market-context.js';

export interface CycleSettings {
  /** WATCHLIST_STATIC: when non-empty it is the watchlist (plus held symbols); empty: the screener picks. */
  readonly watchlist: readonly string[];
  readonly concurrency: number;
  readonly risk: RiskPolicy;
  readonly exec: BracketSettings;
  /** Calendar days of daily bars to fetch (enough for the slowest indicator's warm-up). */
  readonly lookbackDays: number;
  /** Watchlist rules, regime cache TTL, enrichment and snapshot settings; defaults for anything absent. */
  readonly market?: Partial<MarketSettings>;
}

/** Everything a cycle touches, as ports. The composition root picks the adapters. */
export interface CycleDeps {
  /** A label journaled with the cycle (sim/paper/live/backtest); the pipeline never branches on it. */
  readonly mode: string;
  /** Wall clock, for durations only. Market time is the `asOf` argument. */
  readonly wallClock: Clock;
  readonly calendar: Calendar;
  readonly broker: Broker;
  readonly market: MarketData;
  readonly brain: Brain;
  readonly journal: Journal;
  readonly log: Logger;
  readonly settings: CycleSettings;
  /** Regime and enrichment TTL caches that outlive one cycle; absent: fresh ones each cycle (no reuse). */
  readonly caches?: CycleCaches;
  /** Optional earnings-calendar source (the MarketData port has none); absent: `earnings` is missing_optional. */
  readonly earnings?: EarningsCalendarHook;
  /**
   * The operator's kill switch (e.g. `touch data/HALT`), read once per symbol decision: while it
   * returns true every BUY/SELL is journaled as a HOLD with rule `kill_switch` and no order is sent.
   */
  readonly haltSwitch?: () => boolean;
  /** Called with the summary after the cycle is journaled (metrics JSONL, healthcheck ping). Never awaited by the cycle. */
  readonly reporters?: readonly ((s: CycleSummary) => void | Promise<void>)[];
}

export interface StageTiming {
  readonly stage: string;
  readonly symbol?: string;
  readonly ms: number;
}

export interface CycleSummary {
  readonly cycle_id: string;
  readonly as_of: string;
  readonly mode: string;
  readonly brain: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly reason?: string;
  readonly duration_ms: number;
  readonly symbols: number;
  readonly actions: { readonly BUY: number; readonly SELL: number; readonly HOLD: number };
  /** Orders this cycle id holds (for a re-run, including those an earlier run placed; see resumed). */
  readonly orders_submitted: number;
  readonly orders_rejected: number;
  /**
   * Present only when this run re-ran a cycle id an earlier run had started: symbols whose
   * decision and result were already journaled (nothing re-sent), symbols whose journaled intent
   * this run carried out, and the orders this run actually sent to the broker.
   */
  readonly resumed?: { readonly already_done: number; readonly executed_now: number; readonly orders_sent_now: number };
  readonly error: boolean;
  readonly failed_symbols: readonly string[];
  readonly slowest_stages: readonly StageTiming[];
  readonly regime: { readonly direction: string; readonly conviction: number; readonly source: string } | null;
  readonly cost_usd: number;
  /** Token totals over every model call of the cycle (regime and decisions); absent only in hand-built summaries. */
  readonly tokens?: {
    readonly input: number;
    readonly output: number;
    readonly cache_creation_input: number;
    readonly cache_read_input: number;
    readonly calls: number;
  };
}
