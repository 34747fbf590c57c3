/** Snapshot assembly settings. Every field has a default; config overrides some from the environment. */
export interface SnapshotSettings {
  /** During RTH, a latest price older than this is critical (STALE_QUOTE_SEC). */
  readonly staleQuoteSec: number;
  /** Clean daily bars needed before a snapshot is usable: every indicator but the 200-day and 52-week ones is warm. */
  readonly minDailyBars: number;
  /** Headlines per symbol in the snapshot. */
  readonly newsPerSymbol: number;
  /** Only headlines newer than this (hours) are shown. */
  readonly newsLookbackHours: number;
  readonly headlineMaxChars: number;
  /** Open positions listed individually in the portfolio context (largest first). */
  readonly maxPositionsListed: number;
  /** Sectors listed in sector_notional_pct (largest first; the rest summed under "other"). */
  readonly maxSectorsListed: number;
  /** Earnings within this many calendar days are reported (EARNINGS_WITHIN_DAYS). */
  readonly earningsWithinDays: number;
  /** Upper bound of the brain JSON, in bytes (UTF-8). */
  readonly maxBrainBytes: number;
  /** Upper bound of the logic_json excerpt, in bytes (UTF-8). */
  readonly maxExcerptBytes: number;
}

export const DEFAULT_SNAPSHOT_SETTINGS: SnapshotSettings = {
  staleQuoteSec: 300,
  minDailyBars: 50,
  newsPerSymbol: 3,
  newsLookbackHours: 24,
  headlineMaxChars: 160,
  maxPositionsListed: 10,
  maxSectorsListed: 12,
  earningsWithinDays: 5,
  maxBrainBytes: 12_000,
  maxExcerptBytes: 8_192,
};

export function snapshotSettings(over: Partial<SnapshotSettings> | undefined): SnapshotSettings {
  return { ...DEFAULT_SNAPSHOT_SETTINGS, ...(over ?? {}) };
}
