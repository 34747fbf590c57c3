import { readFileSync, existsSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { ConfigError } from './domain/errors.js';
import type { RiskPolicy, TrailSettings } from './core/risk/policy.js';
import { parseSlots, type SlotSpec } from './jobs/schedule.js';
import { mergePrices, priceFor, priceTableSchema, type PriceTable } from './adapters/claude/pricing.js';
import { cacheMinTableSchema, mergeCacheMinimums, type CacheMinTable } from './adapters/claude/cache-minimum.js';

/**
 * The whole configuration: one zod schema over the environment (plus `.env` when present;
 * real environment variables win). Every problem is reported at once, naming the variable,
 * what was wrong and what is expected, and never echoing a secret's value.
 */

export const SECRET_VARS = ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY', 'ANTHROPIC_API_KEY', 'HEALTHCHECK_URL', 'VIEWER_TOKEN'] as const;

const num = (def: number, min: number, max: number) => z.coerce.number().finite().min(min).max(max).default(def);
const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
const symbolList = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[A-Z][A-Z0-9.]{0,9}$/, 'each symbol must be 1-10 of A-Z, 0-9 or "."')));
/** Cycle slots: HH:MM New York times (comma-separated) or cron patterns (";"-separated); see jobs/schedule.ts. */
const slotList = (def: string) =>
  z
    .string()
    .default(def)
    .transform((s, ctx): SlotSpec[] => {
      try {
        return parseSlots(s);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `${e instanceof Error ? e.message : String(e)}; expected HH:MM New York times separated by commas, or cron patterns separated by ";"` });
        return z.NEVER;
      }
    });
const optionalString = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()));

/** BRAIN_PRICES_JSON: a JSON object of per-model prices ($/MTok), merged over the defaults in code. */
const pricesJson = optionalString.transform((s, ctx): PriceTable | undefined => {
  if (s === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON; expected {"<model>":{"input":1,"output":5,"cache_write":1.25,"cache_read":0.1}}' });
    return z.NEVER;
  }
  const r = priceTableSchema.safeParse(v);
  if (!r.success) {
    const where = r.error.issues.map((i) => i.path.join('.') || '(root)').slice(0, 3).join(', ');
    ctx.addIssue({ code: 'custom', message: `is not a price table (problem at ${where}); expected {"<model>":{"input":n,"output":n,"cache_write":n,"cache_read":n}} in $ per million tokens` });
    return z.NEVER;
  }
  return r.data;
});

/** BRAIN_CACHE_MIN_TOKENS_JSON: per-model minimum cacheable prompt length (tokens), merged over the defaults in code. */
const cacheMinJson = optionalString.transform((s, ctx): CacheMinTable | undefined => {
  if (s === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid JSON; expected {"<model>":4096}' });
    return z.NEVER;
  }
  const r = cacheMinTableSchema.safeParse(v);
  if (!r.success) {
    ctx.addIssue({ code: 'custom', message: 'is not a table of token counts; expected {"<model>":n} with n a whole number from 0 to 1000000' });
    return z.NEVER;
  }
  return r.data;
});

/** The embedded simulator's default universe: liquid US large caps, index ETFs, bonds, gold and inverse ETFs. */
export const DEFAULT_UNIVERSE = [
  'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'JPM', 'V', 'UNH',
  'XOM', 'JNJ', 'WMT', 'PG', 'MA', 'HD', 'COST', 'AVGO', 'KO', 'PEP',
  'SPY', 'QQQ', 'IWM', 'TLT', 'GLD', 'SH', 'PSQ',
] as const;

const fields = z
  .object({
    TRADER_MODE: z.enum(['sim', 'paper', 'live']).optional(),
    TRADER_LIVE_CONFIRM: optionalString,
    APCA_API_KEY_ID: optionalString,
    APCA_API_SECRET_KEY: optionalString,
    ANTHROPIC_API_KEY: optionalString,
    TRADER_DB_PATH: z.string().min(1).default('data/logs/trades.db'),
    TRADER_JOURNAL_PATH: z.string().min(1).default('data/logs/journal.jsonl'),
    REPORTS_DIR: z.string().min(1).default('reports'),
    JOURNAL_MAX_BYTES: int(10_000_000, 1_000, 10_000_000_000),
    JOURNAL_KEEP_ROTATED: int(5, 0, 1000),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    SIM_SEED: int(42, 0, 2 ** 31 - 1),
    SIM_DATA_DIR: optionalString,
    SIM_STARTING_CASH: num(100_000, 1, 1e12),
    SIM_SLIPPAGE_BPS: num(2, 0, 1000),
    SIM_COMMISSION_PER_SHARE: num(0, 0, 10),
    SIM_COMMISSION_MIN: num(0, 0, 1000),
    WATCHLIST_STATIC: symbolList,
    WATCHLIST_ANCHORS: symbolList,
    WATCHLIST_SCREENER_SIZE: int(30, 0, 100),
    WATCHLIST_SCREENER_KIND: z.enum(['most_actives', 'movers']).default('most_actives'),
    WATCHLIST_INCLUDE_OPEN_POSITIONS: bool(true),
    WATCHLIST_MIN_PRICE: num(5, 0, 100_000),
    WATCHLIST_MIN_DOLLAR_VOLUME: num(5_000_000, 0, 1e12),
    REGIME_BEARISH_INJECT_THRESHOLD: num(0.6, 0, 1),
    REGIME_HEDGE_TICKERS: symbolList,
    STALE_QUOTE_SEC: int(300, 1, 86_400),
    NEWS_ENABLED: bool(true),
    NEWS_TTL_SEC: int(900, 0, 86_400),
    NEWS_LOOKBACK_HOURS: int(24, 1, 720),
    NEWS_PER_SYMBOL: int(3, 0, 20),
    SECTOR_LOOKUP_ENABLED: bool(true),
    SECTOR_TTL_SEC: int(86_400, 0, 7 * 86_400),
    EARNINGS_WITHIN_DAYS: int(5, 0, 90),
    CYCLE_CONCURRENCY: int(4, 1, 64),
    RISK_MIN_CONFIDENCE: num(0.55, 0, 1),
    RISK_MAX_SIZE_PCT: num(0.1, 0, 1),
    RISK_MAX_BUYS_PER_CYCLE: int(3, 0, 100),
    MAX_DAILY_LOSS_PCT: num(0.03, 0, 1),
    RISK_ALLOWLIST: symbolList,
    RISK_DENYLIST: symbolList,
    MAX_SESSION_DRAWDOWN_PCT: num(0.04, 0.001, 1),
    RISK_HALT_DAYS: int(1, 1, 30),
    MAX_ORDER_PCT_OF_CASH: num(0.25, 0, 1),
    RISK_SELL_COOLDOWN_MIN: int(120, 0, 10_080),
    PDT_EQUITY_FLOOR: num(25_000, 0, 1e12),
    PDT_MAX_DAY_TRADES: int(3, 0, 100),
    RISK_EARNINGS_BLACKOUT_DAYS: int(2, 0, 30),
    RISK_RSI_OVERBOUGHT: num(70, 50, 100),
    RISK_RSI_OVERSOLD: num(30, 0, 50),
    RISK_ADX_TREND_MIN: num(20, 0, 100),
    RISK_OVERNIGHT_HOLD_GUARD: bool(true),
    ALLOW_ADD_TO_POSITION: bool(false),
    RISK_MAX_POSITION_PCT: num(0.15, 0, 1),
    DAILY_TARGET_PCT: num(0.02, 0, 1),
    SESSION_GIVEBACK_PCT: num(0.5, 0.01, 1),
    SESSION_GIVEBACK_ACTIVATION_PCT: num(0.01, 0, 1),
    RISK_MAX_NOTIONAL: num(50_000, 0, 1e12),
    RISK_MIN_CASH_RESERVE_PCT: num(0.05, 0, 1),
    RISK_VOL_ATR_PCT_HIGH: num(0.04, 0, 1),
    RISK_VOL_SIZE_FACTOR: num(0.5, 0, 1),
    RISK_MAX_SECTOR_PCT: num(0.3, 0, 1),
    RISK_MAX_UNKNOWN_SECTOR_PCT: num(0.1, 0, 1),
    RISK_SOFT_POLICY: bool(false),
    RISK_SOFT_POLICY_LIVE_CONFIRM: optionalString,
    TRAIL_GIVEBACK_PCT: num(0.4, 0.01, 1),
    TRAIL_ACTIVATION_PCT: num(0.02, 0, 10),
    TRAIL_RESET_DAILY: bool(false),
    EXEC_ATR_STOP_MULT: num(2, 0.1, 20),
    EXEC_ATR_TP_MULT: num(3, 0.1, 50),
    TRADER_METRICS_JSONL: optionalString,
    HEALTHCHECK_URL: optionalString.pipe(z.url({ message: 'must be an http(s) URL' }).optional()),
    HEALTHCHECK_TIMEOUT_MS: int(3000, 100, 60_000),
    SCHEDULE_SLOTS: slotList('10:00,12:00,14:00,15:30'),
    SCHEDULE_EXTRA_SLOTS: slotList(''),
    SCHEDULE_JITTER_SEC: int(60, 0, 1800),
    POSITION_HEALTH_INTERVAL_MIN: int(5, 0, 390),
    EOD_DELAY_MIN: int(15, 0, 480),
    SHUTDOWN_GRACE_SEC: int(60, 1, 3600),
    TRADER_HALT_FILE: z.string().trim().min(1).default('data/HALT'),
    DAILY_BARS_STORE: z.string().trim().default(''),
    BACKTEST_BARS_CACHE: z.string().trim().min(1).default('data/cache/bars.db'),
    BACKTEST_BRAIN_CACHE: z.string().trim().min(1).default('data/cache/brain-cache.jsonl'),
    BACKTEST_MODEL_CUTOFF: optionalString.pipe(z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'must be YYYY-MM or YYYY-MM-DD').optional()),
    APCA_API_BASE_URL: optionalString.pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional()),
    APCA_API_DATA_URL: optionalString.pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).optional()),
    ALPACA_DATA_FEED: z.enum(['iex', 'sip']).default('iex'),
    ALPACA_TIMEOUT_MS: int(10_000, 500, 120_000),
    VIEWER_HOST: z.string().trim().regex(/^[A-Za-z0-9.:-]{1,253}$/, 'must be a host name or IP address').default('127.0.0.1'),
    VIEWER_PORT: int(8080, 0, 65_535),
    VIEWER_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters (or empty for no token)').optional()),
    BRAIN: z.enum(['claude', 'rules']).optional(),
    ANTHROPIC_BASE_URL: optionalString.pipe(z.url({ message: 'must be an http(s) URL' }).optional()),
    BRAIN_TRADER_MODEL: z.string().trim().min(1).default('claude-haiku-5-5'),
    BRAIN_REGIME_MODEL: z.string().trim().min(1).default('claude-haiku-5-5'),
    BRAIN_REVIEW_MODEL: z.string().trim().min(1).default('claude-sonnet-5-5'),
    HUMAN_CHANGELOG_PATH: z.string().trim().default('data/HUMAN_CHANGELOG.md'),
    REVIEW_TIMEOUT_MS: int(120_000, 1_000, 900_000),
    REVIEW_MAX_OUTPUT_TOKENS: int(4096, 512, 32_000),
    BRAIN_TIMEOUT_MS: int(30_000, 1_000, 600_000),
    BRAIN_SDK_MAX_RETRIES: int(2, 0, 10),
    BRAIN_MAX_CONCURRENCY: int(4, 1, 64),
    BRAIN_MAX_CONSECUTIVE_FAILURES: int(3, 1, 1000),
    BRAIN_MAX_OUTPUT_TOKENS: int(1024, 256, 8192),
    BRAIN_CACHE_WARMUP: bool(true),
    BRAIN_PRICES_JSON: pricesJson,
    BRAIN_CACHE_MIN_TOKENS_JSON: cacheMinJson,
    REGIME_TTL_SEC: int(900, 0, 86_400),
    REGIME_PREWARM_SEC: int(120, 0, 3600),
  });

type Fields = z.infer<typeof fields>;

/**
 * Checks across variables, run by loadConfig after the fields parse (not as a zod refinement,
 * which zod skips once any field fails). When a field failed, they run over the variables that
 * did parse and skip any check reading one that did not, so every problem is listed at once.
 */
function crossChecks(v: Partial<Fields>, failed: ReadonlySet<string>, add: (variable: string, message: string) => void): void {
  const uses = (...names: (keyof Fields)[]) => names.every((n) => !failed.has(n));
  const keysOk = uses('APCA_API_KEY_ID', 'APCA_API_SECRET_KEY');
  const hasKeys = v.APCA_API_KEY_ID !== undefined && v.APCA_API_SECRET_KEY !== undefined;
  if (keysOk && (v.APCA_API_KEY_ID === undefined) !== (v.APCA_API_SECRET_KEY === undefined)) {
    const missing = v.APCA_API_KEY_ID === undefined ? 'APCA_API_KEY_ID' : 'APCA_API_SECRET_KEY';
    add(missing, 'is missing while its pair is set; expected both Alpaca keys or neither');
  }
  if (keysOk && uses('TRADER_MODE') && (v.TRADER_MODE === 'paper' || v.TRADER_MODE === 'live') && !hasKeys) {
    add('TRADER_MODE', `is ${v.TRADER_MODE} but no Alpaca keys are set; expected APCA_API_KEY_ID and APCA_API_SECRET_KEY, or TRADER_MODE=sim`);
  }
  if (uses('BRAIN', 'ANTHROPIC_API_KEY') && v.BRAIN === 'claude' && v.ANTHROPIC_API_KEY === undefined) {
    add('BRAIN', 'is claude but ANTHROPIC_API_KEY is not set; expected a key, or BRAIN=rules');
  }
  if (uses('BRAIN', 'ANTHROPIC_API_KEY', 'BRAIN_PRICES_JSON') && (v.BRAIN ?? (v.ANTHROPIC_API_KEY !== undefined ? 'claude' : 'rules')) === 'claude') {
    const prices = mergePrices(v.BRAIN_PRICES_JSON);
    for (const k of ['BRAIN_TRADER_MODEL', 'BRAIN_REGIME_MODEL', 'BRAIN_REVIEW_MODEL'] as const) {
      const model = v[k];
      if (uses(k) && model !== undefined && !priceFor(prices, model)) add(k, `has no price, so its cost could not be accounted; expected a model in the price table or an entry for it in BRAIN_PRICES_JSON`);
    }
  }
  const alpacaLiveHost = uses('APCA_API_BASE_URL') && v.APCA_API_BASE_URL !== undefined && new URL(v.APCA_API_BASE_URL).hostname === 'api.alpaca.markets';
  if (alpacaLiveHost && uses('TRADER_MODE') && v.TRADER_MODE !== 'live') {
    add('APCA_API_BASE_URL', 'points at the live (real money) trading host but TRADER_MODE is not live; expected https://paper-api.alpaca.markets, or TRADER_MODE=live');
  }
  if (uses('RISK_SOFT_POLICY', 'TRADER_MODE', 'RISK_SOFT_POLICY_LIVE_CONFIRM') && v.RISK_SOFT_POLICY && v.TRADER_MODE === 'live' && v.RISK_SOFT_POLICY_LIVE_CONFIRM !== 'yes') {
    add('RISK_SOFT_POLICY', 'is on with TRADER_MODE=live: tier-2 risk rules would only warn with real money; expected RISK_SOFT_POLICY=false, or RISK_SOFT_POLICY_LIVE_CONFIRM=yes');
  }
  if (uses('TRADER_MODE', 'TRADER_LIVE_CONFIRM') && v.TRADER_MODE === 'live' && v.TRADER_LIVE_CONFIRM !== 'yes') {
    add('TRADER_LIVE_CONFIRM', 'must be "yes" when TRADER_MODE=live; expected TRADER_LIVE_CONFIRM=yes to trade real money');
  }
}

type Raw = Fields;

export interface Config {
  readonly mode: 'sim' | 'paper' | 'live';
  readonly alpaca: { readonly keyId: string; readonly secretKey: string } | null;
  readonly anthropicKey: string | null;
  readonly paths: { readonly db: string; readonly journal: string; readonly reports: string };
  readonly journal: { readonly maxBytes: number; readonly keepRotated: number };
  readonly logLevel: Raw['LOG_LEVEL'];
  readonly sim: {
    readonly seed: number;
    readonly dataDir: string | null;
    readonly startingCash: number;
    readonly slippageBps: number;
    readonly commissionPerShare: number;
    readonly commissionMin: number;
  };
  readonly watchlist: readonly string[];
  readonly concurrency: number;
  /** Tier 1 / tier 2 risk limits (see src/core/risk/policy.ts; rule ids in .env.example). */
  readonly risk: RiskPolicy;
  /** Trail giveback exits of the position-health job. */
  readonly trail: TrailSettings;
  readonly exec: { readonly atrStopMult: number; readonly atrTpMult: number };
  readonly metricsJsonl: string | null;
  readonly healthcheck: { readonly url: string; readonly timeoutMs: number } | null;
  /** The service's schedule (npm start, and the demo in accelerated time). */
  readonly schedule: {
    /** SCHEDULE_SLOTS then SCHEDULE_EXTRA_SLOTS, deduplicated. */
    readonly slots: readonly SlotSpec[];
    readonly jitterSec: number;
    /** 0 disables the position-health job. */
    readonly positionHealthIntervalMin: number;
    readonly eodDelayMin: number;
    readonly shutdownGraceSec: number;
  };
  /** TRADER_HALT_FILE: while this file exists every cycle turns BUY/SELL into HOLD (rule kill_switch). */
  readonly haltFile: string;
  /**
   * DAILY_BARS_STORE: SQLite file holding closed daily bars across cycles and restarts (paper/live),
   * so a cycle fetches only the sessions since the last stored close. Empty = the journal's
   * database (TRADER_DB_PATH); null = off ("off": every process fetches the whole lookback).
   */
  readonly dailyBarsStore: string | null;
  /** npm run backtest / fetch-bars: the bars cache, the Claude decision cache, the model's training cutoff (for the contamination warning). */
  readonly backtest: { readonly barsCache: string; readonly brainCache: string; readonly modelCutoff: string | null };
  /** Alpaca endpoints: trading base (paper by default, live only in live mode), market-data base, feed, per-request timeout. */
  readonly alpacaApi: { readonly baseUrl: string; readonly dataUrl: string; readonly feed: 'iex' | 'sip'; readonly timeoutMs: number };
  /** The read-only web viewer (npm run viewer). token null: no token required. */
  readonly viewer: { readonly host: string; readonly port: number; readonly token: string | null };
  readonly brain: {
    /** BRAIN; default claude when ANTHROPIC_API_KEY is set, else rules. */
    readonly kind: 'claude' | 'rules';
    /** ANTHROPIC_BASE_URL, passed to the SDK as baseURL; null = the SDK's default. */
    readonly baseUrl: string | null;
    readonly models: { readonly trader: string; readonly regime: string; readonly review: string };
    readonly timeoutMs: number;
    readonly sdkMaxRetries: number;
    readonly maxConcurrency: number;
    readonly maxConsecutiveFailures: number;
    readonly maxOutputTokens: number;
    readonly cacheWarmup: boolean;
    /** Defaults in code merged with BRAIN_PRICES_JSON. */
    readonly prices: PriceTable;
    /** Minimum cacheable prompt length per model: defaults in code merged with BRAIN_CACHE_MIN_TOKENS_JSON. */
    readonly cacheMinTokens: CacheMinTable;
  };
  /** REGIME_TTL_SEC: how long (market time) a regime verdict is reused. */
  readonly regimeTtlSec: number;
  /** REGIME_PREWARM_SEC: the service refreshes the regime this long before each cycle slot (0 = off). */
  readonly regimePrewarmSec: number;
  /** The weekly review (npm run weekly-review): change log file (null = none), the review call's timeout and max_tokens. */
  readonly review: { readonly changelogPath: string | null; readonly timeoutMs: number; readonly maxOutputTokens: number };
  /** Watchlist composition (used when WATCHLIST_STATIC is empty; held symbols either way). */
  readonly watchlistRules: {
    readonly anchors: readonly string[];
    readonly screenerSize: number;
    readonly screenerKind: 'most_actives' | 'movers';
    readonly includeOpenPositions: boolean;
    readonly minPrice: number;
    readonly minAvgDollarVolume: number;
    readonly bearishInjectThreshold: number;
    readonly hedgeTickers: readonly string[];
  };
  /** Snapshot data quality and best-effort enrichment. */
  readonly snapshot: {
    readonly staleQuoteSec: number;
    readonly newsEnabled: boolean;
    readonly newsTtlSec: number;
    readonly newsLookbackHours: number;
    readonly newsPerSymbol: number;
    readonly sectorEnabled: boolean;
    readonly sectorTtlSec: number;
    readonly earningsWithinDays: number;
  };
}

/** Reads `.env` (if present) under the real environment; the real environment wins. */
export function readEnv(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...env };
}

/** Each variable that parses on its own (the others left out). */
function parsedFields(env: Record<string, string | undefined>): Partial<Fields> {
  const parsed: Record<string, unknown> = {};
  for (const [k, t] of Object.entries(fields.shape)) {
    const one = (t as z.ZodType).safeParse(env[k]);
    if (one.success) parsed[k] = one.data;
  }
  return parsed as Partial<Fields>;
}

/** A custom message (a field's transform or a cross check) is "<problem>; expected <what>". */
function customProblem(variable: string, message: string): ConfigError['problems'][number] {
  const at = message.lastIndexOf('; expected ');
  return at < 0 ? { variable, problem: message, expected: 'see .env.example' } : { variable, problem: message.slice(0, at), expected: message.slice(at + '; expected '.length) };
}

function expectedFor(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((x) => JSON.stringify(x)).join(', ')}`;
    case 'too_small':
      return `a value >= ${String(issue.minimum)}`;
    case 'too_big':
      return `a value <= ${String(issue.maximum)}`;
    case 'invalid_type':
      return issue.expected === 'number' ? 'a number' : `a ${issue.expected}`;
    default:
      return 'see .env.example';
  }
}

/** Parses the configuration or throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const r = fields.safeParse(env);
  const problems = r.success
    ? []
    : r.error.issues.map((i) => {
        const variable = String(i.path[0] ?? '(config)');
        // zod messages never include the input; custom ones name the variable's requirement.
        return i.code === 'custom' ? customProblem(variable, i.message) : { variable, problem: i.message, expected: expectedFor(i) };
      });
  // The cross checks run whether or not a field failed (over the fields that parsed), so every problem is listed at once.
  const failed = new Set(problems.map((p) => p.variable));
  crossChecks(r.success ? r.data : parsedFields(env), failed, (variable, message) => problems.push(customProblem(variable, message)));
  if (!r.success || problems.length > 0) throw new ConfigError(problems);
  const v = r.data;
  const alpaca = v.APCA_API_KEY_ID && v.APCA_API_SECRET_KEY ? { keyId: v.APCA_API_KEY_ID, secretKey: v.APCA_API_SECRET_KEY } : null;
  return {
    mode: v.TRADER_MODE ?? (alpaca ? 'paper' : 'sim'),
    alpaca,
    anthropicKey: v.ANTHROPIC_API_KEY ?? null,
    paths: { db: v.TRADER_DB_PATH, journal: v.TRADER_JOURNAL_PATH, reports: v.REPORTS_DIR },
    journal: { maxBytes: v.JOURNAL_MAX_BYTES, keepRotated: v.JOURNAL_KEEP_ROTATED },
    logLevel: v.LOG_LEVEL,
    sim: {
      seed: v.SIM_SEED,
      dataDir: v.SIM_DATA_DIR ?? null,
      startingCash: v.SIM_STARTING_CASH,
      slippageBps: v.SIM_SLIPPAGE_BPS,
      commissionPerShare: v.SIM_COMMISSION_PER_SHARE,
      commissionMin: v.SIM_COMMISSION_MIN,
    },
    // Empty: the screener (plus anchors, hedges and held symbols) makes the list each cycle.
    watchlist: v.WATCHLIST_STATIC,
    concurrency: v.CYCLE_CONCURRENCY,
    risk: {
      minConfidence: v.RISK_MIN_CONFIDENCE,
      maxSizePct: v.RISK_MAX_SIZE_PCT,
      maxBuysPerCycle: v.RISK_MAX_BUYS_PER_CYCLE,
      maxDailyLossPct: v.MAX_DAILY_LOSS_PCT,
      allowlist: v.RISK_ALLOWLIST,
      denylist: v.RISK_DENYLIST,
      maxSessionDrawdownPct: v.MAX_SESSION_DRAWDOWN_PCT,
      haltDays: v.RISK_HALT_DAYS,
      maxOrderPctOfCash: v.MAX_ORDER_PCT_OF_CASH,
      sellCooldownMin: v.RISK_SELL_COOLDOWN_MIN,
      pdtEquityFloor: v.PDT_EQUITY_FLOOR,
      pdtMaxDayTrades: v.PDT_MAX_DAY_TRADES,
      earningsBlackoutDays: v.RISK_EARNINGS_BLACKOUT_DAYS,
      rsiOverbought: v.RISK_RSI_OVERBOUGHT,
      rsiOversold: v.RISK_RSI_OVERSOLD,
      adxTrendMin: v.RISK_ADX_TREND_MIN,
      overnightHoldGuard: v.RISK_OVERNIGHT_HOLD_GUARD,
      allowAddToPosition: v.ALLOW_ADD_TO_POSITION,
      maxPositionPct: v.RISK_MAX_POSITION_PCT,
      dailyTargetPct: v.DAILY_TARGET_PCT,
      sessionGivebackPct: v.SESSION_GIVEBACK_PCT,
      sessionGivebackActivationPct: v.SESSION_GIVEBACK_ACTIVATION_PCT,
      maxNotional: v.RISK_MAX_NOTIONAL,
      minCashReservePct: v.RISK_MIN_CASH_RESERVE_PCT,
      volAtrPctHigh: v.RISK_VOL_ATR_PCT_HIGH,
      volSizeFactor: v.RISK_VOL_SIZE_FACTOR,
      maxSectorPct: v.RISK_MAX_SECTOR_PCT,
      maxUnknownSectorPct: v.RISK_MAX_UNKNOWN_SECTOR_PCT,
      softPolicy: v.RISK_SOFT_POLICY,
    },
    trail: { givebackPct: v.TRAIL_GIVEBACK_PCT, activationPct: v.TRAIL_ACTIVATION_PCT, resetDaily: v.TRAIL_RESET_DAILY },
    exec: { atrStopMult: v.EXEC_ATR_STOP_MULT, atrTpMult: v.EXEC_ATR_TP_MULT },
    metricsJsonl: v.TRADER_METRICS_JSONL ?? null,
    healthcheck: v.HEALTHCHECK_URL ? { url: v.HEALTHCHECK_URL, timeoutMs: v.HEALTHCHECK_TIMEOUT_MS } : null,
    schedule: {
      slots: [...v.SCHEDULE_SLOTS, ...v.SCHEDULE_EXTRA_SLOTS].filter((s, i, all) => all.findIndex((x) => x.cron === s.cron) === i),
      jitterSec: v.SCHEDULE_JITTER_SEC,
      positionHealthIntervalMin: v.POSITION_HEALTH_INTERVAL_MIN,
      eodDelayMin: v.EOD_DELAY_MIN,
      shutdownGraceSec: v.SHUTDOWN_GRACE_SEC,
    },
    haltFile: v.TRADER_HALT_FILE,
    dailyBarsStore: v.DAILY_BARS_STORE === 'off' ? null : v.DAILY_BARS_STORE === '' ? v.TRADER_DB_PATH : v.DAILY_BARS_STORE,
    backtest: { barsCache: v.BACKTEST_BARS_CACHE, brainCache: v.BACKTEST_BRAIN_CACHE, modelCutoff: v.BACKTEST_MODEL_CUTOFF ?? null },
    alpacaApi: {
      baseUrl: v.APCA_API_BASE_URL ?? (v.TRADER_MODE === 'live' ? 'https://api.alpaca.markets' : 'https://paper-api.alpaca.markets'),
      dataUrl: v.APCA_API_DATA_URL ?? 'https://data.alpaca.markets',
      feed: v.ALPACA_DATA_FEED,
      timeoutMs: v.ALPACA_TIMEOUT_MS,
    },
    viewer: { host: v.VIEWER_HOST, port: v.VIEWER_PORT, token: v.VIEWER_TOKEN ?? null },
    brain: {
      kind: v.BRAIN ?? (v.ANTHROPIC_API_KEY !== undefined ? 'claude' : 'rules'),
      baseUrl: v.ANTHROPIC_BASE_URL ?? null,
      models: { trader: v.BRAIN_TRADER_MODEL, regime: v.BRAIN_REGIME_MODEL, review: v.BRAIN_REVIEW_MODEL },
      timeoutMs: v.BRAIN_TIMEOUT_MS,
      sdkMaxRetries: v.BRAIN_SDK_MAX_RETRIES,
      maxConcurrency: v.BRAIN_MAX_CONCURRENCY,
      maxConsecutiveFailures: v.BRAIN_MAX_CONSECUTIVE_FAILURES,
      maxOutputTokens: v.BRAIN_MAX_OUTPUT_TOKENS,
      cacheWarmup: v.BRAIN_CACHE_WARMUP,
      prices: mergePrices(v.BRAIN_PRICES_JSON),
      cacheMinTokens: mergeCacheMinimums(v.BRAIN_CACHE_MIN_TOKENS_JSON),
    },
    regimeTtlSec: v.REGIME_TTL_SEC,
    regimePrewarmSec: v.REGIME_PREWARM_SEC,
    review: { changelogPath: v.HUMAN_CHANGELOG_PATH === '' ? null : v.HUMAN_CHANGELOG_PATH, timeoutMs: v.REVIEW_TIMEOUT_MS, maxOutputTokens: v.REVIEW_MAX_OUTPUT_TOKENS },
    watchlistRules: {
      anchors: v.WATCHLIST_ANCHORS,
      screenerSize: v.WATCHLIST_SCREENER_SIZE,
      screenerKind: v.WATCHLIST_SCREENER_KIND,
      includeOpenPositions: v.WATCHLIST_INCLUDE_OPEN_POSITIONS,
      minPrice: v.WATCHLIST_MIN_PRICE,
      minAvgDollarVolume: v.WATCHLIST_MIN_DOLLAR_VOLUME,
      bearishInjectThreshold: v.REGIME_BEARISH_INJECT_THRESHOLD,
      // Unset: the inverse ETFs SH and PSQ; set to empty: no hedges.
      hedgeTickers: env.REGIME_HEDGE_TICKERS === undefined ? ['SH', 'PSQ'] : v.REGIME_HEDGE_TICKERS,
    },
    snapshot: {
      staleQuoteSec: v.STALE_QUOTE_SEC,
      newsEnabled: v.NEWS_ENABLED,
      newsTtlSec: v.NEWS_TTL_SEC,
      newsLookbackHours: v.NEWS_LOOKBACK_HOURS,
      newsPerSymbol: v.NEWS_PER_SYMBOL,
      sectorEnabled: v.SECTOR_LOOKUP_ENABLED,
      sectorTtlSec: v.SECTOR_TTL_SEC,
      earningsWithinDays: v.EARNINGS_WITHIN_DAYS,
    },
  };
}

/** Formats a ConfigError for people: one line per problem. Never includes values. */
export function formatConfigError(e: ConfigError): string {
  return ['Configuration is invalid:', ...e.problems.map((p) => `  - ${p.variable}: ${p.problem} (expected ${p.expected})`)].join('\n');
}
