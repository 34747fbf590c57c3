import { describe, expect, it } from 'vitest';
import { nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import { auditDailyBars } from '../../src/core/data-quality.js';
import { buildSnapshot } from '../../src/core/snapshot.js';
import { computeIndicators } from '../../src/core/indicators/index.js';
import { nyTime } from '../../src/core/time/ny.js';
import type { Bar } from '../../src/domain/market.js';
import { DATE, inputs, minutesOf, NO_ENRICHMENT } from './helpers.js';

const dq = (over: Parameters<typeof inputs>[0] = {}) => buildSnapshot(inputs(over)).data_quality;
const today = nyseSessions(DATE, DATE)[0]!;

describe('data_quality: a healthy snapshot', () => {
  it('has no critical entries, a staleness in seconds and every indicator warm', () => {
    const s = buildSnapshot(inputs());
    expect(s.data_quality.missing_critical).toEqual([]);
    expect(s.data_quality.missing_optional).toEqual([]);
    expect(s.data_quality.staleness_sec).toBe(20);
    expect(s.indicators.rsi14).not.toBeNull();
    expect(s.indicators.sma200).not.toBeNull();
    expect(s.indicators.high_52w).not.toBeNull();
    expect(s.live.session).toBe('open');
    expect(s.live.vwap).toBeCloseTo(101, 10);
  });
});

describe('data_quality: each critical cause', () => {
  it('no price: no quote at all', () => {
    const d = dq({ latest: null });
    expect(d.missing_critical).toContain('price');
    expect(d.staleness_sec).toBeNull();
  });

  it.each([
    ['NaN', Number.NaN],
    ['zero', 0],
    ['negative', -5],
    ['infinite', Number.POSITIVE_INFINITY],
  ])('no price: a %s quote price is never used', (_n, price) => {
    const s = buildSnapshot(inputs({ latest: { symbol: 'AAPL', price, t: nyTime(DATE, '10:29') } }));
    expect(s.data_quality.missing_critical).toContain('price');
    expect(s.price).toBeNull();
    expect(s.change_pct).toBeNull();
  });

  it('no price: a quote time-stamped after as_of is not used', () => {
    const d = dq({ latest: { symbol: 'AAPL', price: 101, t: nyTime(DATE, '10:31') } });
    expect(d.missing_critical).toContain('price');
  });

  it('too few bars for warm-up', () => {
    const base = inputs();
    const d = dq({ dailyBars: base.dailyBars.slice(-30), sessions: base.sessions!.slice(-31) });
    expect(d.missing_critical).toContain('daily_bars:30<50');
  });

  it('quote older than STALE_QUOTE_SEC during RTH', () => {
    const asOf = nyTime(DATE, '10:30');
    const d = dq({ latest: { symbol: 'AAPL', price: 101, t: asOf - 301_000 }, settings: { staleQuoteSec: 300 } });
    expect(d.missing_critical).toContain('stale_quote:301s>300s');
    expect(d.staleness_sec).toBe(301);
  });

  it('an old quote outside RTH is not critical (only its age is reported)', () => {
    const asOf = nyTime(DATE, '17:00');
    const base = inputs();
    // After the close, today's daily bar is part of the history.
    const todayBar = { t: today.open, end: today.close, o: 100, h: 102, l: 99, c: 101, v: 1_000_000 };
    const d = dq({ asOf, session: null, minuteBars: null, dailyBars: [...base.dailyBars, todayBar], latest: { symbol: 'AAPL', price: 101, t: today.close } });
    expect(d.missing_critical).toEqual([]);
    expect(d.staleness_sec).toBe(3600);
  });

  it.each([
    ['NaN close', { c: Number.NaN }],
    ['zero open', { o: 0 }],
    ['negative low', { l: -1 }],
    ['high below low', { h: 50, l: 60 }],
    ['NaN volume', { v: Number.NaN }],
  ] as const)('bad bar (%s) becomes invalid_bars, and never reaches an indicator', (_n, patch) => {
    const base = inputs();
    const bars = base.dailyBars.map((b, i) => (i === base.dailyBars.length - 5 ? { ...b, ...patch } : b));
    const s = buildSnapshot({ ...base, dailyBars: bars });
    expect(s.data_quality.missing_critical).toContain('invalid_bars:1');
    // Indicators come only from the clean bars after the defect (4 of them): too few for any warm-up.
    expect(s.bars.daily_count).toBe(4);
    expect(s.indicators.rsi14).toBeNull();
    expect(s.data_quality.missing_critical).toContain('daily_bars:4<50');
    for (const v of Object.values(s.indicators)) if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
  });

  it('a gap (an exchange session with no bar) becomes bar_gaps, indicators only after it', () => {
    const base = inputs();
    const bars = base.dailyBars.filter((_, i) => i !== base.dailyBars.length - 100);
    const s = buildSnapshot({ ...base, dailyBars: bars });
    expect(s.data_quality.missing_critical).toContain('bar_gaps:1');
    expect(s.bars.daily_count).toBe(99);
    expect(s.indicators).toEqual(computeIndicators(base.dailyBars.slice(-99)));
  });

  it("a missing latest session (yesterday's bar absent) is a gap and leaves nothing clean", () => {
    const base = inputs();
    const s = buildSnapshot({ ...base, dailyBars: base.dailyBars.slice(0, -1) });
    expect(s.data_quality.missing_critical).toEqual(expect.arrayContaining(['bar_gaps:1', 'daily_bars:0<50']));
    expect(s.indicators.ema9).toBeNull();
  });

  it('out-of-order or duplicate bars are invalid', () => {
    const base = inputs();
    const bars = [...base.dailyBars];
    bars.splice(bars.length - 3, 0, bars[bars.length - 10]!); // a duplicate of an older bar, out of order
    const d = dq({ dailyBars: bars });
    expect(d.missing_critical).toContain('invalid_bars:1');
  });

  it('bad minute bars are critical and left out of the session VWAP', () => {
    const base = inputs();
    const mins: Bar[] = minutesOf(today, base.asOf, 101).map((b, i) => (i === 3 ? { ...b, c: -1 } : b));
    const s = buildSnapshot({ ...base, minuteBars: mins });
    expect(s.data_quality.missing_critical).toContain('invalid_minute_bars:1');
    expect(s.live.vwap).toBeCloseTo(101, 10);
  });
});

describe('data_quality: optional causes', () => {
  it('news, earnings and sector unavailable', () => {
    const d = dq({ enrichment: NO_ENRICHMENT });
    expect(d.missing_critical).toEqual([]);
    expect(d.missing_optional).toEqual(expect.arrayContaining(['news', 'earnings', 'sector']));
  });

  it('a symbol missing from a fetched map counts as unavailable; a known "no news" does not', () => {
    const d = dq({ enrichment: { sectors: new Map(), news: new Map([['AAPL', []]]), earnings: new Map() } });
    expect(d.missing_optional).toEqual(expect.arrayContaining(['sector', 'earnings']));
    expect(d.missing_optional).not.toContain('news');
  });

  it('no bid/ask -> spread; long-window indicators cold -> warmup', () => {
    const base = inputs();
    const d = dq({ latest: { symbol: 'AAPL', price: 101, t: base.asOf - 1000 }, dailyBars: base.dailyBars.slice(-120), sessions: base.sessions!.slice(-121) });
    expect(d.missing_optional).toEqual(expect.arrayContaining(['spread', 'warmup:ema200,sma200,52w']));
    expect(d.missing_critical).toEqual([]);
  });

  it('session open but no minute bar yet -> session_vwap', () => {
    const d = dq({ asOf: today.open + 20_000, latest: { symbol: 'AAPL', price: 101, t: today.open + 10_000 }, minuteBars: [] });
    expect(d.missing_optional).toContain('session_vwap');
  });
});

describe('auditDailyBars', () => {
  it('drops bars that close after as_of without calling them defects', () => {
    const base = inputs();
    const a = auditDailyBars(base.dailyBars, base.dailyBars[100]!.end, base.sessions);
    expect(a.future).toBe(base.dailyBars.length - 101);
    expect(a.invalid).toBe(0);
    expect(a.gaps).toBe(0);
    expect(a.clean).toHaveLength(101);
  });
});
