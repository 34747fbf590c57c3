/**
 * The risk policy: every limit, its rule id and its tier. Limits come from config (variables
 * and defaults in .env.example, each line naming its rule id in brackets).
 *
 * Tier 1 is structural and never relaxed: equity sanity, circuit breakers (daily loss,
 * drawdown from the session peak, a persisted HALT), the kill switch, malformed decisions,
 * missing critical data, allow/deny lists, selling what is not held, and the fat-finger cap.
 * Tier 2 is policy: with RISK_SOFT_POLICY on, its blocking rules become `warn` overrides
 * (the decision goes through, the warning is journaled). Sizing caps are clamps, not blocks:
 * they apply in soft mode too, so a paper experiment still trades sane sizes.
 */
export interface RiskPolicy {
  // ---- tier 1 ----
  /** MAX_DAILY_LOSS_PCT: HALT when equity is down this fraction from the previous close. */
  readonly maxDailyLossPct: number;
  /** MAX_SESSION_DRAWDOWN_PCT: HALT when equity is down this fraction from the session's peak. */
  readonly maxSessionDrawdownPct: number;
  /** RISK_HALT_DAYS: a breaker HALT lasts until New York midnight this many days later. */
  readonly haltDays: number;
  /** MAX_ORDER_PCT_OF_CASH: one BUY's notional is capped at this fraction of available cash. */
  readonly maxOrderPctOfCash: number;
  readonly allowlist: readonly string[];
  readonly denylist: readonly string[];

  // ---- tier 2: vetoes (soft mode turns them into warnings) ----
  readonly minConfidence: number;
  readonly maxBuysPerCycle: number;
  /** RISK_SELL_COOLDOWN_MIN: no BUY of a symbol within this many minutes of its last sell fill. */
  readonly sellCooldownMin: number;
  /** PDT_EQUITY_FLOOR: below this equity the pattern-day-trader ceiling applies. */
  readonly pdtEquityFloor: number;
  /** PDT_MAX_DAY_TRADES: day trades allowed in 5 business days (the next one is blocked). */
  readonly pdtMaxDayTrades: number;
  /** RISK_EARNINGS_BLACKOUT_DAYS: no BUY when earnings are this many calendar days away or fewer. */
  readonly earningsBlackoutDays: number;
  readonly rsiOverbought: number;
  readonly rsiOversold: number;
  /** RISK_ADX_TREND_MIN: below this ADX an RSI extreme is "without trend". */
  readonly adxTrendMin: number;
  /** RISK_OVERNIGHT_HOLD_GUARD: a discretionary SELL of a position opened today is blocked. */
  readonly overnightHoldGuard: boolean;
  /** ALLOW_ADD_TO_POSITION: BUY of a held symbol; then capped by maxPositionPct. */
  readonly allowAddToPosition: boolean;
  /** DAILY_TARGET_PCT: no new BUYs once the day is up this fraction (0 = off). */
  readonly dailyTargetPct: number;
  /** SESSION_GIVEBACK_PCT: the session giveback flag is set when this fraction of the day's peak gain is lost. */
  readonly sessionGivebackPct: number;
  /** SESSION_GIVEBACK_ACTIVATION_PCT: ... once the day's peak gain reached this fraction of the previous close. */
  readonly sessionGivebackActivationPct: number;

  // ---- tier 2: sizing caps (clamps) ----
  readonly maxSizePct: number;
  /** RISK_MAX_NOTIONAL: dollars per BUY. */
  readonly maxNotional: number;
  /** RISK_MIN_CASH_RESERVE_PCT: cash (fraction of equity) a BUY must leave untouched. */
  readonly minCashReservePct: number;
  /** RISK_VOL_ATR_PCT_HIGH: ATR(14)/price at or above which size is scaled down. */
  readonly volAtrPctHigh: number;
  /** RISK_VOL_SIZE_FACTOR: the size multiplier when volatility is high or the regime bearish. */
  readonly volSizeFactor: number;
  /** RISK_MAX_POSITION_PCT: one position's value after an add, as a fraction of equity. */
  readonly maxPositionPct: number;
  /** RISK_MAX_SECTOR_PCT: long notional per known sector, fraction of equity. */
  readonly maxSectorPct: number;
  /** RISK_MAX_UNKNOWN_SECTOR_PCT: a symbol whose sector is unknown is its own sector with this cap. */
  readonly maxUnknownSectorPct: number;

  /** RISK_SOFT_POLICY: tier-2 vetoes become warnings (refused in live mode unless confirmed). */
  readonly softPolicy: boolean;
}

/** Defaults: the same values as .env.example and the config schema. */
export const DEFAULT_RISK_POLICY: RiskPolicy = {
  maxDailyLossPct: 0.03,
  maxSessionDrawdownPct: 0.04,
  haltDays: 1,
  maxOrderPctOfCash: 0.25,
  allowlist: [],
  denylist: [],
  minConfidence: 0.55,
  maxBuysPerCycle: 3,
  sellCooldownMin: 120,
  pdtEquityFloor: 25_000,
  pdtMaxDayTrades: 3,
  earningsBlackoutDays: 2,
  rsiOverbought: 70,
  rsiOversold: 30,
  adxTrendMin: 20,
  overnightHoldGuard: true,
  allowAddToPosition: false,
  dailyTargetPct: 0.02,
  sessionGivebackPct: 0.5,
  sessionGivebackActivationPct: 0.01,
  maxSizePct: 0.1,
  maxNotional: 50_000,
  minCashReservePct: 0.05,
  volAtrPctHigh: 0.04,
  volSizeFactor: 0.5,
  maxPositionPct: 0.15,
  maxSectorPct: 0.3,
  maxUnknownSectorPct: 0.1,
  softPolicy: false,
};

export function riskPolicy(over: Partial<RiskPolicy> = {}): RiskPolicy {
  return { ...DEFAULT_RISK_POLICY, ...over };
}

/** Trail giveback exits (position-health job). */
export interface TrailSettings {
  /** TRAIL_GIVEBACK_PCT: exit when this fraction of the peak unrealized P&L has been given back. */
  readonly givebackPct: number;
  /** TRAIL_ACTIVATION_PCT: ... once the peak unrealized P&L reached this fraction of the cost basis. */
  readonly activationPct: number;
  /** TRAIL_RESET_DAILY: start each session's peak afresh instead of carrying it across days. */
  readonly resetDaily: boolean;
}

export const DEFAULT_TRAIL_SETTINGS: TrailSettings = { givebackPct: 0.4, activationPct: 0.02, resetDaily: false };

/** Rule ids as they appear in overrides and the journal. Never rename one: the journal is queried by them. */
export const RULES = {
  // tier 1
  equityInvalid: 'equity_invalid',
  haltActive: 'halt_active',
  dailyLoss: 'daily_loss_halt',
  sessionDrawdown: 'session_drawdown_halt',
  killSwitch: 'kill_switch',
  malformed: 'malformed_decision',
  missingCritical: 'missing_critical_data',
  denylist: 'symbol_denylisted',
  allowlist: 'symbol_not_allowlisted',
  sellUnheld: 'sell_unheld',
  fatFinger: 'fat_finger_cap',
  // tier 2
  confidence: 'confidence_floor',
  maxBuys: 'max_buys_per_cycle',
  dailyTarget: 'daily_target_reached',
  sessionGiveback: 'session_giveback_halt',
  sellCooldown: 'sell_cooldown',
  earningsBlackout: 'earnings_blackout',
  pdt: 'pdt_guard',
  rsiNoTrend: 'rsi_extreme_no_trend',
  overnightHold: 'overnight_hold_guard',
  addToPosition: 'add_to_position',
  volatility: 'volatility_scaling',
  sectorCap: 'sector_cap',
  sizeClamp: 'size_clamp',
} as const;

export type RuleId = (typeof RULES)[keyof typeof RULES];

export const TIER1_RULES: ReadonlySet<string> = new Set<string>([
  RULES.equityInvalid,
  RULES.haltActive,
  RULES.dailyLoss,
  RULES.sessionDrawdown,
  RULES.killSwitch,
  RULES.malformed,
  RULES.missingCritical,
  RULES.denylist,
  RULES.allowlist,
  RULES.sellUnheld,
  RULES.fatFinger,
]);

/** Each rule's tier and the variables that configure it (the README table and tests are built from this). */
export const RULE_CATALOG: readonly { readonly rule: RuleId; readonly tier: 1 | 2; readonly vars: readonly string[] }[] = [
  { rule: RULES.equityInvalid, tier: 1, vars: [] },
  { rule: RULES.haltActive, tier: 1, vars: ['RISK_HALT_DAYS'] },
  { rule: RULES.dailyLoss, tier: 1, vars: ['MAX_DAILY_LOSS_PCT'] },
  { rule: RULES.sessionDrawdown, tier: 1, vars: ['MAX_SESSION_DRAWDOWN_PCT'] },
  { rule: RULES.killSwitch, tier: 1, vars: [] },
  { rule: RULES.malformed, tier: 1, vars: [] },
  { rule: RULES.missingCritical, tier: 1, vars: [] },
  { rule: RULES.denylist, tier: 1, vars: ['RISK_DENYLIST'] },
  { rule: RULES.allowlist, tier: 1, vars: ['RISK_ALLOWLIST'] },
  { rule: RULES.sellUnheld, tier: 1, vars: [] },
  { rule: RULES.fatFinger, tier: 1, vars: ['MAX_ORDER_PCT_OF_CASH'] },
  { rule: RULES.confidence, tier: 2, vars: ['RISK_MIN_CONFIDENCE'] },
  { rule: RULES.maxBuys, tier: 2, vars: ['RISK_MAX_BUYS_PER_CYCLE'] },
  { rule: RULES.dailyTarget, tier: 2, vars: ['DAILY_TARGET_PCT'] },
  { rule: RULES.sessionGiveback, tier: 2, vars: ['SESSION_GIVEBACK_PCT', 'SESSION_GIVEBACK_ACTIVATION_PCT'] },
  { rule: RULES.sellCooldown, tier: 2, vars: ['RISK_SELL_COOLDOWN_MIN'] },
  { rule: RULES.earningsBlackout, tier: 2, vars: ['RISK_EARNINGS_BLACKOUT_DAYS'] },
  { rule: RULES.pdt, tier: 2, vars: ['PDT_EQUITY_FLOOR', 'PDT_MAX_DAY_TRADES'] },
  { rule: RULES.rsiNoTrend, tier: 2, vars: ['RISK_RSI_OVERBOUGHT', 'RISK_RSI_OVERSOLD', 'RISK_ADX_TREND_MIN'] },
  { rule: RULES.overnightHold, tier: 2, vars: ['RISK_OVERNIGHT_HOLD_GUARD'] },
  { rule: RULES.addToPosition, tier: 2, vars: ['ALLOW_ADD_TO_POSITION', 'RISK_MAX_POSITION_PCT'] },
  { rule: RULES.volatility, tier: 2, vars: ['RISK_VOL_ATR_PCT_HIGH', 'RISK_VOL_SIZE_FACTOR'] },
  { rule: RULES.sectorCap, tier: 2, vars: ['RISK_MAX_SECTOR_PCT', 'RISK_MAX_UNKNOWN_SECTOR_PCT'] },
  { rule: RULES.sizeClamp, tier: 2, vars: ['RISK_MAX_SIZE_PCT', 'RISK_MAX_NOTIONAL', 'RISK_MIN_CASH_RESERVE_PCT'] },
];

/**
 * How an exit came to be. Discretionary exits (the model's SELL) are subject to the
 * overnight-hold guard; automated ones (brackets, trail, emergency flatten) bypass it.
 */
export const EXIT_KINDS = {
  modelSell: 'model_sell',
  bracketStop: 'bracket_stop',
  bracketTakeProfit: 'bracket_take_profit',
  trailGiveback: 'trail_giveback',
  emergencyFlatten: 'emergency_flatten',
} as const;

export type ExitKind = (typeof EXIT_KINDS)[keyof typeof EXIT_KINDS];

export function isDiscretionaryExit(kind: ExitKind): boolean {
  return kind === EXIT_KINDS.modelSell;
}
