import { readFileSync, existsSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { ConfigError } from './domain/errors.js';

/**
 * The whole configuration: one zod schema over the environment (plus `.env` when present;
 * real environment variables win). Every problem is reported at once, naming the variable,
 * what was wrong and what is expected, and never echoing a secret's value.
 */

export const SECRET_VARS = ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY', 'ANTHROPIC_API_KEY', 'HEALTHCHECK_URL'] as const;

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
const optionalString = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()));

/** The embedded simulator's default universe: liquid US large caps, index ETFs, bonds, gold and inverse ETFs. */
export const DEFAULT_UNIVERSE = [
  'AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'JPM', 'V', 'UNH',
  'XOM', 'JNJ', 'WMT', 'PG', 'MA', 'HD', 'COST', 'AVGO', 'KO', 'PEP',
  'SPY', 'QQQ', 'IWM', 'TLT', 'GLD', 'SH', 'PSQ',
] as const;

const schema = z
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
    CYCLE_CONCURRENCY: int(4, 1, 64),
    RISK_MIN_CONFIDENCE: num(0.55, 0, 1),
    RISK_MAX_SIZE_PCT: num(0.1, 0, 1),
    RISK_MAX_BUYS_PER_CYCLE: int(3, 0, 100),
    MAX_DAILY_LOSS_PCT: num(0.03, 0, 1),
    RISK_ALLOWLIST: symbolList,
    RISK_DENYLIST: symbolList,
    EXEC_ATR_STOP_MULT: num(2, 0.1, 20),
    EXEC_ATR_TP_MULT: num(3, 0.1, 50),
    TRADER_METRICS_JSONL: optionalString,
    HEALTHCHECK_URL: optionalString.pipe(z.url({ message: 'must be an http(s) URL' }).optional()),
    HEALTHCHECK_TIMEOUT_MS: int(3000, 100, 60_000),
  })
  .superRefine((v, ctx) => {
    const hasKeys = v.APCA_API_KEY_ID !== undefined && v.APCA_API_SECRET_KEY !== undefined;
    if ((v.APCA_API_KEY_ID === undefined) !== (v.APCA_API_SECRET_KEY === undefined)) {
      const missing = v.APCA_API_KEY_ID === undefined ? 'APCA_API_KEY_ID' : 'APCA_API_SECRET_KEY';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is missing while its pair is set; expected both Alpaca keys or neither' });
    }
    if ((v.TRADER_MODE === 'paper' || v.TRADER_MODE === 'live') && !hasKeys) {
      ctx.addIssue({ code: 'custom', path: ['TRADER_MODE'], message: `is ${v.TRADER_MODE} but no Alpaca keys are set; expected APCA_API_KEY_ID and APCA_API_SECRET_KEY, or TRADER_MODE=sim` });
    }
    if (v.TRADER_MODE === 'live' && v.TRADER_LIVE_CONFIRM !== 'yes') {
      ctx.addIssue({ code: 'custom', path: ['TRADER_LIVE_CONFIRM'], message: 'must be "yes" when TRADER_MODE=live; expected TRADER_LIVE_CONFIRM=yes to trade real money' });
    }
  });

type Raw = z.infer<typeof schema>;

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
  readonly risk: {
    readonly minConfidence: number;
    readonly maxSizePct: number;
    readonly maxBuysPerCycle: number;
    readonly maxDailyLossPct: number;
    readonly allowlist: readonly string[];
    readonly denylist: readonly string[];
  };
  readonly exec: { readonly atrStopMult: number; readonly atrTpMult: number };
  readonly metricsJsonl: string | null;
  readonly healthcheck: { readonly url: string; readonly timeoutMs: number } | null;
}

/** Reads `.env` (if present) under the real environment; the real environment wins. */
export function readEnv(env: NodeJS.ProcessEnv = process.env, envFile = '.env'): Record<string, string | undefined> {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return { ...fromFile, ...env };
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
  const r = schema.safeParse(env);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.map((i) => {
        const variable = String(i.path[0] ?? '(config)');
        // zod messages never include the input; custom ones name the variable's requirement.
        return { variable, problem: i.message, expected: expectedFor(i) };
      }),
    );
  }
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
    watchlist: v.WATCHLIST_STATIC.length > 0 ? v.WATCHLIST_STATIC : [...DEFAULT_UNIVERSE],
    concurrency: v.CYCLE_CONCURRENCY,
    risk: {
      minConfidence: v.RISK_MIN_CONFIDENCE,
      maxSizePct: v.RISK_MAX_SIZE_PCT,
      maxBuysPerCycle: v.RISK_MAX_BUYS_PER_CYCLE,
      maxDailyLossPct: v.MAX_DAILY_LOSS_PCT,
      allowlist: v.RISK_ALLOWLIST,
      denylist: v.RISK_DENYLIST,
    },
    exec: { atrStopMult: v.EXEC_ATR_STOP_MULT, atrTpMult: v.EXEC_ATR_TP_MULT },
    metricsJsonl: v.TRADER_METRICS_JSONL ?? null,
    healthcheck: v.HEALTHCHECK_URL ? { url: v.HEALTHCHECK_URL, timeoutMs: v.HEALTHCHECK_TIMEOUT_MS } : null,
  };
}

/** Formats a ConfigError for people: one line per problem. Never includes values. */
export function formatConfigError(e: ConfigError): string {
  return ['Configuration is invalid:', ...e.problems.map((p) => `  - ${p.variable}: ${p.problem} (expected ${p.expected})`)].join('\n');
}
