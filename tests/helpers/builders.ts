import type { Decision, RegimeVerdict } from '../../src/domain/decision.js';
import type { Bar } from '../../src/domain/market.js';
import type { Snapshot } from '../../src/domain/snapshot.js';

/** Builders for test data: plain values with overridable fields (no mocks). */

export function regime(over: Partial<RegimeVerdict> = {}): RegimeVerdict {
  return { direction: 'neutral', conviction: 0.3, bearish_tickers: [], rationale: 'test', source: 'test', cached: false, as_of: '2026-11-20T15:00:00.000Z', ...over };
}

export function snapshot(over: Partial<Snapshot> = {}): Snapshot {
  return {
    symbol: 'AAPL',
    as_of: '2026-11-20T15:00:00.000Z',
    price: 100,
    prev_close: 99,
    change_pct: 1.0101,
    bid: 99.99,
    ask: 100.01,
    bars: { daily_count: 300, last_close_at: '2026-11-19T21:00:00.000Z' },
    indicators: {
      rsi14: 60,
      macd: { macd: 1, signal: 0.5, histogram: 0.5 },
      ema9: 99,
      ema21: 97,
      ema50: 95,
      ema200: 90,
      sma50: 94,
      sma200: 89,
      atr14: 2,
      adx14: { adx: 25, plus_di: 28, minus_di: 15 },
      stoch_rsi: { k: 60, d: 55 },
      obv: 5_000_000,
      bollinger: { middle: 98, upper: 102, lower: 94, percent_b: 0.75, bandwidth_pct: 8.1633 },
      volume_ratio_20d: 1.1,
      avg_volume_20d: 1_000_000,
      high_52w: 110,
      low_52w: 80,
    },
    live: {
      session: 'open',
      vwap: 99.5,
      pct_from_vwap: 0.5025,
      volume: 400_000,
      volume_ratio: 0.4,
      session_elapsed: 0.3,
      spread: 0.02,
      spread_bps: 2,
      pct_from_52w_high: -9.0909,
      pct_from_52w_low: 25,
    },
    account: { equity: 100_000, cash: 100_000, buying_power: 100_000, day_pl: 0 },
    position: null,
    open_positions: 0,
    portfolio: { day_pl_pct: 0, day_trade_count: 0, invested_pct: 0, positions: [], positions_total: 0, sector_notional_pct: {} },
    enrichment: { sector: null, news: [], earnings: null },
    data_quality: { missing_critical: [], missing_optional: [], staleness_sec: 30 },
    market_regime: regime(),
    ...over,
  };
}

export function decision(over: Partial<Decision> = {}): Decision {
  return {
    action: 'BUY',
    symbol: 'AAPL',
    strategy: 'trend_momentum',
    confidence: 0.8,
    size_pct: 0.05,
    stop_loss: 96,
    take_profit: 106,
    rationale: 'test',
    evidence: [],
    ...over,
  };
}

/** Daily bars on consecutive days from a list of closes (o=h=l=c unless spread given). */
export function dailyBars(closes: readonly number[], start = Date.UTC(2026, 0, 5, 14, 30), spread = 0): Bar[] {
  return closes.map((c, i) => {
    const t = start + i * 86_400_000;
    return { t, end: t + 6.5 * 3_600_000, o: c, h: c + spread, l: c - spread, c, v: 1_000_000 };
  });
}
