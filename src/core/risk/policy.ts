/** Risk limits (all from config; see .env.example for variables and defaults). */
export interface RiskPolicy {
  readonly minConfidence: number;
  readonly maxSizePct: number;
  readonly maxBuysPerCycle: number;
  readonly maxDailyLossPct: number;
  readonly allowlist: readonly string[];
  readonly denylist: readonly string[];
}

/** Rule ids as they appear in overrides and the journal. */
export const RULES = {
  equityInvalid: 'equity_invalid',
  dailyLoss: 'daily_loss_halt',
  malformed: 'malformed_decision',
  missingCritical: 'missing_critical_data',
  denylist: 'symbol_denylisted',
  allowlist: 'symbol_not_allowlisted',
  sellUnheld: 'sell_unheld',
  confidence: 'confidence_floor',
  maxBuys: 'max_buys_per_cycle',
  sizeClamp: 'size_clamp',
} as const;
