import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.js';
import type { Decision } from '../../src/domain/decision.js';
import { holdDecision } from '../../src/domain/decision.js';
import type { Bar, Session } from '../../src/domain/market.js';
import type { Snapshot } from '../../src/domain/snapshot.js';
import type { Brain } from '../../src/ports/brain.js';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { createArrayFeed, type PriceFeed } from '../../src/adapters/sim/feed.js';
import { rulesRegime } from '../../src/adapters/rules/regime.js';
import { addDays } from '../../src/core/time/ny.js';

/** A config for tests: defaults plus overrides; no position-health trail exits unless asked. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ SIM_SLIPPAGE_BPS: '2', SIM_COMMISSION_PER_SHARE: '0.005', SIM_COMMISSION_MIN: '1', POSITION_HEALTH_INTERVAL_MIN: '0', ...env });
}

/** Risk limits opened up so a test brain's orders go through as asked (sizing, RSI, daily target...). */
export const PERMISSIVE_RISK: Record<string, string> = {
  RISK_MAX_SIZE_PCT: '1',
  MAX_ORDER_PCT_OF_CASH: '1',
  RISK_MAX_NOTIONAL: '1000000000',
  RISK_MIN_CASH_RESERVE_PCT: '0',
  RISK_MAX_POSITION_PCT: '1',
  RISK_MAX_SECTOR_PCT: '1',
  RISK_MAX_UNKNOWN_SECTOR_PCT: '1',
  RISK_VOL_SIZE_FACTOR: '1',
  RISK_RSI_OVERBOUGHT: '100',
  RISK_RSI_OVERSOLD: '0',
  RISK_ADX_TREND_MIN: '0',
  DAILY_TARGET_PCT: '0',
  MAX_DAILY_LOSS_PCT: '1',
  MAX_SESSION_DRAWDOWN_PCT: '1',
  RISK_MIN_CONFIDENCE: '0',
};

export function tmp(prefix = 'bt-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `n` NYSE sessions starting at (or after) `from`. */
export function sessionsFrom(from: string, n: number): Session[] {
  return nyseSessions(from, addDays(from, n * 2 + 20)).slice(0, n);
}

export interface BarSpec {
  readonly o: number;
  readonly h?: number;
  readonly l?: number;
  readonly c: number;
  readonly v?: number;
}

/** Daily bars over sessions from closes (o = previous close unless given, h/l = max/min of o and c). */
export function dailyBars(sessions: readonly Session[], closes: readonly (number | BarSpec)[]): Bar[] {
  let prev: number | null = null;
  return closes.map((x, i) => {
    const s = sessions[i]!;
    const spec: BarSpec = typeof x === 'number' ? { o: prev ?? x, c: x } : x;
    prev = spec.c;
    return { t: s.open, end: s.close, o: spec.o, h: spec.h ?? Math.max(spec.o, spec.c), l: spec.l ?? Math.min(spec.o, spec.c), c: spec.c, v: spec.v ?? 1_000_000 };
  });
}

export function dailyFeed(sessions: readonly Session[], series: Record<string, readonly (number | BarSpec)[]>): PriceFeed {
  const daily = new Map<string, readonly Bar[]>();
  for (const [sym, closes] of Object.entries(series)) daily.set(sym, dailyBars(sessions, closes));
  return createArrayFeed({ daily, sessions });
}

/**
 * A moving-average-cross rule set as a Brain: BUY (size 10%) when EMA9 is above EMA21 and nothing
 * is held; SELL when EMA9 is below EMA21 and the symbol is held; else HOLD. Stops and targets far
 * away so only the cross trades. Records every snapshot it is shown.
 */
export function maCrossBrain(sizePct = 0.1): Brain & { seen: Snapshot[] } {
  const seen: Snapshot[] = [];
  return {
    name: 'ma_cross',
    seen,
    async decide(s) {
      seen.push(s);
      const i = s.indicators;
      const held = s.position !== null && s.position.qty > 0;
      let d: Decision = holdDecision(s.symbol, 'ma_cross', 'no cross state change');
      if (s.data_quality.missing_critical.length === 0 && s.price !== null && i.ema9 !== null && i.ema21 !== null) {
        if (!held && i.ema9 > i.ema21) {
          d = { action: 'BUY', symbol: s.symbol, strategy: 'ma_cross', confidence: 0.9, size_pct: sizePct, stop_loss: Math.round(s.price * 0.2 * 100) / 100, take_profit: Math.round(s.price * 5 * 100) / 100, rationale: 'EMA9 above EMA21', evidence: [] };
        } else if (held && i.ema9 < i.ema21) {
          d = { action: 'SELL', symbol: s.symbol, strategy: 'ma_cross', confidence: 0.9, size_pct: 0, stop_loss: null, take_profit: null, rationale: 'EMA9 below EMA21', evidence: [] };
        }
      }
      return { decision: d, raw: { ema9: i.ema9, ema21: i.ema21 }, brain: 'ma_cross', promptVersion: 'test-ma-1', usage: [] };
    },
    regime: async (inputs) => ({ verdict: rulesRegime(inputs), usage: [] }),
  };
}

/** Buys each symbol once (size `sizePct`) with far-away stop and target, then holds. */
export function buyAndHoldBrain(sizePct: number): Brain {
  return {
    name: 'buy_hold',
    async decide(s) {
      const held = s.position !== null && s.position.qty > 0;
      const ok = s.data_quality.missing_critical.length === 0 && s.price !== null;
      const d: Decision =
        !held && ok
          ? { action: 'BUY', symbol: s.symbol, strategy: 'buy_hold', confidence: 0.9, size_pct: sizePct, stop_loss: Math.round(s.price! * 0.05 * 100) / 100, take_profit: Math.round(s.price! * 20 * 100) / 100, rationale: 'buy and hold', evidence: [] }
          : holdDecision(s.symbol, 'buy_hold', held ? 'holding' : 'not ready');
      return { decision: d, raw: null, brain: 'buy_hold', promptVersion: 'test-bh-1', usage: [] };
    },
    regime: async (inputs) => ({ verdict: rulesRegime(inputs), usage: [] }),
  };
}
