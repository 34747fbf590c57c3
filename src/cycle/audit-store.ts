import type { Bar, Session } from '../domain/market.js';
import { auditDailyBars, cleanDailyAudit, continueDailyAudit, type CleanDailyAudit, type DailyAudit } from '../core/data-quality.js';

/**
 * Per-symbol daily-bar audits kept between cycles (in CycleCaches), so a cycle checks only the
 * bars and sessions new since the last one instead of the whole fetched window (LOOKBACK_DAYS,
 * ~380 bars per symbol, every cycle). Mode-blind: live, paper, sim and backtests all use it.
 *
 * Same results as auditDailyBars, always: the kept audit is used only when it found nothing
 * wrong and the new bars are the same bar objects (a data source that returns fresh objects,
 * or anything unusual, gets the full audit; see continueDailyAudit for what is shown). Bars are
 * read-only values (domain Bar): a source that revises a bar hands out a new object, which
 * takes the full audit; one that changed a bar object in place would go unnoticed here (the
 * indicator store, which keeps a copy of the last bar, would refold).
 */
export interface AuditStore {
  /** auditDailyBars(bars, asOf, sessions), continued from `symbol`'s last clean audit when it can be. */
  audit(symbol: string, bars: readonly Bar[], asOf: number, sessions: readonly Session[] | null): DailyAudit;
  /** What the calls did so far: continued from the kept audit, or audited in full. */
  stats(): { readonly continued: number; readonly full: number };
}

/**
 * `maxSymbols` bounds memory (a screener watchlist changes over days; each kept audit holds its
 * window of bars, ~380): the least recently used goes first.
 */
export function createAuditStore(opts: { readonly maxSymbols?: number } = {}): AuditStore {
  const max = Math.max(1, opts.maxSymbols ?? 500);
  const kept = new Map<string, CleanDailyAudit>();
  let continued = 0;
  let full = 0;
  return {
    audit(symbol, bars, asOf, sessions) {
      const base = kept.get(symbol);
      if (base !== undefined) kept.delete(symbol); // re-inserted below: Map order is recency
      let audit = base === undefined ? null : continueDailyAudit(base, bars, asOf, sessions);
      let next: CleanDailyAudit | null;
      if (audit !== null) {
        continued++;
        next = { bars, asOf, sessions: sessions! };
      } else {
        full++;
        audit = auditDailyBars(bars, asOf, sessions);
        next = cleanDailyAudit(bars, asOf, sessions, audit);
      }
      if (next !== null) {
        kept.set(symbol, next);
        if (kept.size > max) kept.delete(kept.keys().next().value!);
      }
      return audit;
    },
    stats: () => ({ continued, full }),
  };
}
