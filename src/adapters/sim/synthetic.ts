import type { Bar, Session } from '../../domain/market.js';
import { DataError } from '../../domain/errors.js';
import { DEFAULT_UNIVERSE } from '../../config.js';
import { nyseSessions } from '../calendar/nyse-rules.js';
import { lastClosed, sliceBars, startingIn, type PriceFeed } from './feed.js';
import { createRng, gaussian, hashSeed, type Rng } from './rng.js';

/**
 * SYNTHETIC MARKET. Every price here is made up by a seeded random model: none of it is a real
 * historical price, and nothing learnt from it says anything about real markets. It exists so the
 * whole system (cycle, risk, sim broker, backtests, demo) runs with no keys and no data files.
 *
 * Daily model, over the NYSE sessions (built-in rules) from `epoch` through `through`:
 * - A market factor: log return = drift + 1% x vol multiplier x N(0,1). The drift is a slow
 *   mean-reverting process around +0.03%/day (bullish and bearish stretches of weeks to months);
 *   the vol multiplier is a slow log-normal process, a little higher when the drift is below its
 *   mean (bear markets are choppier). A gentle pull of the market level back towards its
 *   +0.03%/day trend, and of each name's idiosyncratic path back towards zero, keeps multi-year
 *   outcomes plausible (no name runs off to $1 or $10,000 in a typical 9-year run).
 * - A growth/tech factor (0.7%/day) that tech names and QQQ load on.
 * - Per symbol: alpha + beta x market + tech loading x tech + idiosyncratic vol x N(0,1), plus an
 *   overnight move (N(0, 0.3%), or on ~2.5% of days a 2-6% gap; ETFs: rarer and half the size).
 *   Large caps come out at ~1.3-2.5% daily vol (TSLA and NVDA higher), index ETFs ~1%, TLT beta
 *   ~-0.3, GLD ~0.1.
 * - SH and PSQ are -1x the daily simple return of SPY and QQQ (less a tiny daily fee), minute by
 *   minute: their minute paths are the mirror image of the underlying's.
 * - High/low extend beyond open/close by random excursions; volume = base x log-normal noise,
 *   larger on big moves. Prices are rounded to cents, volumes are integers.
 *
 * Determinism: the market factor is one sequential stream seeded by hashSeed(seed, 'market'),
 * each symbol one sequential stream seeded by hashSeed(seed, 'daily', symbol); so a day's bar is a
 * function of (seed, symbol, session index since epoch) and the history before it. Two feeds with
 * the same seed are identical, and a later `through` leaves earlier bars unchanged. Which symbols
 * are listed does not change any symbol's path. (A different `epoch` is a different market.)
 *
 * Minute bars (390 per regular session, 210 on 13:00 early closes) are made lazily per
 * (symbol, session) and kept in a small LRU cache. From an rng seeded by hashSeed(seed, symbol,
 * date): a Brownian bridge from the day's open to its close, then a monotone piecewise-linear map
 * of values that makes the path's max exactly the day's high and its min exactly the low. Minute i
 * opens at point i and closes at point i+1 (high/low = their max/min plus a wiggle of a cent or
 * two, clipped to the day's range); the day's volume is split with a U-shaped intraday profile
 * into integers that sum to it. So a session's minutes aggregate exactly to its daily bar
 * (first open, max high, min low, last close, summed volume).
 *
 * Bar times: a daily bar starts at its session's open and ends at its close; minute i of a session
 * starts at open + i minutes and ends a minute later.
 */

export interface SyntheticFeedOptions {
  readonly seed: number;
  /** Default: DEFAULT_UNIVERSE. Unknown symbols get a profile derived from their name. */
  readonly symbols?: readonly string[];
  /** First session date (YYYY-MM-DD, New York). Default 2018-01-02. */
  readonly epoch?: string;
  /** Last session date (YYYY-MM-DD, New York), inclusive. */
  readonly through: string;
  /** How many (symbol, session) minute paths to keep in memory (~70 KB each). Default 1024. */
  readonly minuteCacheSessions?: number;
}

interface StockProfile {
  readonly kind: 'stock';
  /** Price before the first session (the first bar opens near it). */
  readonly price: number;
  readonly beta: number;
  /** Loading on the tech/growth factor. */
  readonly tech: number;
  /** Idiosyncratic daily log-return vol. */
  readonly idio: number;
  /** Extra daily log drift. */
  readonly alpha: number;
  /** Typical daily volume (shares). */
  readonly volume: number;
  readonly etf: boolean;
}

interface InverseProfile {
  readonly kind: 'inverse';
  readonly of: string;
  readonly price: number;
  readonly volume: number;
}

type Profile = StockProfile | InverseProfile;

function stock(price: number, beta: number, tech: number, idio: number, alpha: number, volumeM: number, etf = false): StockProfile {
  return { kind: 'stock', price, beta, tech, idio, alpha, volume: volumeM * 1_000_000, etf };
}

/** Plausible-looking, not accurate. */
const PROFILES: ReadonlyMap<string, Profile> = new Map<string, Profile>([
  ['AAPL', stock(150, 1.15, 0.8, 0.011, 0.0002, 60)],
  ['MSFT', stock(90, 1.1, 0.8, 0.01, 0.0002, 25)],
  ['NVDA', stock(50, 1.5, 1.6, 0.02, 0.0003, 45)],
  ['AMZN', stock(60, 1.2, 1.0, 0.014, 0.0002, 50)],
  ['GOOGL', stock(55, 1.1, 0.9, 0.012, 0.0001, 30)],
  ['META', stock(180, 1.25, 1.1, 0.017, 0.0001, 18)],
  ['TSLA', stock(60, 1.6, 1.4, 0.026, 0, 90)],
  ['JPM', stock(105, 1.1, -0.2, 0.011, 0.0001, 10)],
  ['V', stock(115, 1.0, 0.2, 0.009, 0.0001, 7)],
  ['UNH', stock(220, 0.8, -0.1, 0.013, 0.0001, 3.5)],
  ['XOM', stock(85, 0.9, -0.5, 0.015, 0, 18)],
  ['JNJ', stock(140, 0.6, -0.3, 0.009, 0, 7)],
  ['WMT', stock(100, 0.6, -0.2, 0.01, 0.0001, 8)],
  ['PG', stock(90, 0.55, -0.3, 0.009, 0, 7)],
  ['MA', stock(150, 1.1, 0.3, 0.01, 0.0001, 3.5)],
  ['HD', stock(190, 1.0, 0.0, 0.011, 0.0001, 4)],
  ['COST', stock(185, 0.75, 0.0, 0.01, 0.0002, 2.5)],
  ['AVGO', stock(250, 1.3, 1.2, 0.016, 0.0002, 20)],
  ['KO', stock(46, 0.55, -0.3, 0.008, 0, 13)],
  ['PEP', stock(115, 0.55, -0.3, 0.008, 0, 5)],
  ['SPY', stock(270, 1.0, 0.15, 0.0008, 0, 80, true)],
  ['QQQ', stock(158, 1.1, 0.6, 0.0015, 0.0001, 45, true)],
  ['IWM', stock(155, 1.15, -0.1, 0.006, -0.0001, 25, true)],
  ['TLT', stock(125, -0.3, 0.0, 0.008, -0.0001, 20, true)],
  ['GLD', stock(125, 0.1, -0.1, 0.0085, 0.0002, 8, true)],
  ['SH', { kind: 'inverse', of: 'SPY', price: 30, volume: 6_000_000 }],
  ['PSQ', { kind: 'inverse', of: 'QQQ', price: 40, volume: 4_000_000 }],
]);

/** A stable made-up profile for a symbol outside the built-in table. */
function derivedProfile(symbol: string): StockProfile {
  const r = createRng(hashSeed('profile', symbol));
  return stock(
    Math.round(20 + r() * 280),
    0.7 + r() * 0.7,
    r() * 1.2 - 0.4,
    0.009 + r() * 0.013,
    r() * 0.0004 - 0.0001,
    Math.round(2 + r() * 30),
  );
}

function profileOf(symbol: string): Profile {
  return PROFILES.get(symbol) ?? derivedProfile(symbol);
}

/** Daily inverse fee (~0.89% a year). */
const INVERSE_FEE = 0.0089 / 252;
const MINUTE = 60_000;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

const round2 = (x: number): number => Math.round(x * 100) / 100;

interface MarketPath {
  readonly r: Float64Array;
  readonly tech: Float64Array;
  readonly mult: Float64Array;
}

function marketPath(seed: number, n: number): MarketPath {
  const rng = createRng(hashSeed(seed, 'market'));
  const r = new Float64Array(n);
  const tech = new Float64Array(n);
  const mult = new Float64Array(n);
  const mu0 = 0.0003;
  let mu = mu0;
  let x = 0; // log vol multiplier
  let dev = 0; // log level of the market minus its mu0 trend
  for (let i = 0; i < n; i++) {
    // Drift: OU with a ~50-session memory, stationary sd ~0.06%/day: bull and bear stretches.
    mu += (mu0 - mu) / 50 + 0.00012 * gaussian(rng);
    // Vol: OU on the log multiplier, stationary sd ~0.3, normalised so E[m^2] ~ 1.
    x += -x / 30 + 0.077 * gaussian(rng);
    const bear = Math.max(0, mu0 - mu);
    const m = Math.exp(x - 0.09) * (1 + 200 * bear);
    mult[i] = m;
    // A gentle pull back towards the long-run trend keeps 9-year outcomes within reason.
    const ri = mu - dev / 1500 + 0.01 * m * gaussian(rng);
    dev += ri - mu0;
    r[i] = ri;
    tech[i] = 0.007 * Math.sqrt(m) * gaussian(rng);
  }
  return { r, tech, mult };
}

/** Bars before the first session close at the profile price. */
function stockDaily(seed: number, symbol: string, p: StockProfile, sessions: readonly Session[], mkt: MarketPath): Bar[] {
  const rng = createRng(hashSeed(seed, 'daily', symbol));
  const out: Bar[] = new Array<Bar>(sessions.length);
  const sigma = Math.sqrt((p.beta * 0.01) ** 2 + (p.tech * 0.007) ** 2 + p.idio ** 2);
  const gapProb = p.etf ? 0.01 : 0.025;
  const gapScale = p.etf ? 0.5 : 1;
  let prev = p.price;
  let dev = 0; // cumulative idiosyncratic log move, pulled back slowly so no name runs away
  for (let i = 0; i < sessions.length; i++) {
    const s = sessions[i]!;
    const m = mkt.mult[i]!;
    // Fixed number of draws per day (7 gaussians, 3 uniforms).
    const zIdio = gaussian(rng);
    const zOvernight = gaussian(rng);
    const uGap = rng();
    const uGapSize = rng();
    const uGapSign = rng();
    const eHigh = gaussian(rng);
    const eLow = gaussian(rng);
    const zVol = gaussian(rng);
    gaussian(rng); // reserved
    gaussian(rng); // reserved

    const jump = uGap < gapProb ? (uGapSign < 0.5 ? -1 : 1) * gapScale * (0.02 + 0.04 * uGapSize) : 0;
    const idio = -dev / 1500 + p.idio * Math.sqrt(m) * zIdio;
    dev += idio + jump;
    const model = p.alpha + p.beta * mkt.r[i]! + p.tech * mkt.tech[i]! + idio;
    const overnight = 0.003 * zOvernight + jump;
    const intraday = model - 0.003 * zOvernight;
    const total = model + jump;

    const o = Math.max(0.01, round2(prev * Math.exp(overnight)));
    const c = Math.max(0.01, round2(o * Math.exp(intraday)));
    const sd = sigma * m * 0.8;
    const h = round2(Math.max(o, c) * Math.exp(sd * 0.45 * Math.abs(eHigh)));
    const l = Math.max(0.01, round2(Math.min(o, c) * Math.exp(-sd * 0.45 * Math.abs(eLow))));
    const big = Math.min(4, Math.abs(total) / (sigma * m));
    const v = Math.max(1, Math.round(p.volume * Math.exp(0.25 * zVol - 0.03) * (0.6 + 0.5 * big)));
    out[i] = { t: s.open, end: s.close, o, h, l, c, v };
    prev = c;
  }
  return out;
}

/** Price of an inverse ETF for an underlying price x, given both previous closes. Monotone decreasing in x. */
function inverseMap(prevInv: number, prevUnder: number, x: number): number {
  return Math.max(0.01, round2(prevInv * (1 - INVERSE_FEE) * Math.max(0.001, 2 - x / prevUnder)));
}

function inverseDaily(seed: number, symbol: string, p: InverseProfile, under: readonly Bar[], underStart: number): Bar[] {
  const rng = createRng(hashSeed(seed, 'daily', symbol));
  const out: Bar[] = new Array<Bar>(under.length);
  let prev = p.price;
  let prevU = underStart;
  for (let i = 0; i < under.length; i++) {
    const u = under[i]!;
    const zVol = gaussian(rng);
    const move = Math.min(4, Math.abs(u.c / prevU - 1) / 0.01);
    const v = Math.max(1, Math.round(p.volume * Math.exp(0.3 * zVol - 0.045) * (0.6 + 0.5 * move)));
    out[i] = {
      t: u.t,
      end: u.end,
      o: inverseMap(prev, prevU, u.o),
      h: inverseMap(prev, prevU, u.l),
      l: inverseMap(prev, prevU, u.h),
      c: inverseMap(prev, prevU, u.c),
      v,
    };
    prev = out[i]!.c;
    prevU = u.c;
  }
  return out;
}

/** Splits an integer volume over n minutes with a U-shaped profile; the parts sum exactly to v. */
function splitVolume(rng: Rng, v: number, n: number): Int32Array | number[] {
  const w = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = (i + 0.5) / n;
    const shape = 1 + 0.6 * (2 * x - 1) ** 2 + 2.5 * Math.exp(-i / 15) + 2 * Math.exp(-(n - 1 - i) / 10);
    total += shape * Math.exp(0.35 * gaussian(rng));
    w[i] = total; // cumulative
  }
  const out: number[] = new Array<number>(n);
  let prevCum = 0;
  for (let i = 0; i < n; i++) {
    const cum = i === n - 1 ? v : Math.round(v * (w[i]! / total));
    out[i] = cum - prevCum;
    prevCum = cum;
  }
  return out;
}

/** Minute bars of one session of a regular symbol, aggregating exactly to `day`. */
function stockMinutes(rng: Rng, day: Bar, n: number): Bar[] {
  const { o: O, h: H, l: L, c: C } = day;
  const lo = Math.min(O, C);
  const hi = Math.max(O, C);
  // Brownian bridge O -> C.
  const raw = new Float64Array(n + 1);
  for (let k = 1; k <= n; k++) raw[k] = raw[k - 1]! + gaussian(rng);
  const scale = (Math.max(H - L, 0.01) * 0.6) / Math.sqrt(n);
  const p = new Float64Array(n + 1);
  let pmin = Infinity;
  let pmax = -Infinity;
  for (let k = 0; k <= n; k++) {
    const frac = k / n;
    const val = k === 0 ? O : k === n ? C : O + (C - O) * frac + scale * (raw[k]! - frac * raw[n]!);
    p[k] = val;
    if (val < pmin) pmin = val;
    if (val > pmax) pmax = val;
  }
  // Make sure the path leaves [lo, hi] on each side the day's range does.
  const kLow = 1 + Math.floor(rng() * (n - 1));
  let kHigh = 1 + Math.floor(rng() * (n - 1));
  if (kHigh === kLow) kHigh = kLow === n - 1 ? 1 : kLow + 1;
  if (L < lo && pmin >= lo) {
    p[kLow] = lo - scale;
    pmin = lo - scale;
  }
  if (H > hi && pmax <= hi) {
    p[kHigh] = hi + scale;
    pmax = hi + scale;
  }
  // Monotone piecewise-linear value map: pmin -> L, [lo, hi] fixed, pmax -> H; then cents.
  const q = new Float64Array(n + 1);
  for (let k = 0; k <= n; k++) {
    const x = p[k]!;
    let y: number;
    if (x < lo) y = L + ((x - pmin) * (lo - L)) / (lo - pmin);
    else if (x > hi) y = hi + ((x - hi) * (H - hi)) / (pmax - hi);
    else y = x;
    q[k] = Math.min(H, Math.max(L, round2(y)));
  }
  q[0] = O;
  q[n] = C;
  const vols = splitVolume(rng, day.v, n);
  const wiggle = Math.max(0.0001 * O, 0.005);
  const out: Bar[] = new Array<Bar>(n);
  for (let i = 0; i < n; i++) {
    const o = q[i]!;
    const c = q[i + 1]!;
    const h = Math.min(H, round2(Math.max(o, c) + wiggle * Math.abs(gaussian(rng))));
    const l = Math.max(L, round2(Math.min(o, c) - wiggle * Math.abs(gaussian(rng))));
    const t = day.t + i * MINUTE;
    out[i] = { t, end: t + MINUTE, o, h, l, c, v: vols[i]! };
  }
  return out;
}

/** Minute bars of an inverse ETF: the mirror image of its underlying's minutes. */
function inverseMinutes(rng: Rng, day: Bar, under: readonly Bar[], prevInv: number, prevUnder: number): Bar[] {
  const n = under.length;
  const vols = splitVolume(rng, day.v, n);
  const out: Bar[] = new Array<Bar>(n);
  for (let i = 0; i < n; i++) {
    const u = under[i]!;
    out[i] = {
      t: u.t,
      end: u.end,
      o: inverseMap(prevInv, prevUnder, u.o),
      h: inverseMap(prevInv, prevUnder, u.l),
      l: inverseMap(prevInv, prevUnder, u.h),
      c: inverseMap(prevInv, prevUnder, u.c),
      v: vols[i]!,
    };
  }
  return out;
}

/** Index of the first session whose key is >= x. */
function lowerSession(sessions: readonly Session[], x: number, key: (s: Session) => number): number {
  let lo = 0;
  let hi = sessions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(sessions[mid]!) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The seeded synthetic market (minute granularity). SYNTHETIC prices, see the header comment. */
export function createSyntheticFeed(opts: SyntheticFeedOptions): PriceFeed {
  const epoch = opts.epoch ?? '2018-01-02';
  const through = opts.through;
  if (!DATE_RE.test(epoch) || !DATE_RE.test(through)) throw new DataError(`synthetic feed: epoch and through must be YYYY-MM-DD, got ${epoch} and ${through}`);
  if (through < epoch) throw new DataError(`synthetic feed: through ${through} is before epoch ${epoch}`);
  if (!Number.isFinite(opts.seed)) throw new DataError(`synthetic feed: seed must be a finite number, got ${opts.seed}`);
  const seed = opts.seed;
  const symbols = [...new Set(opts.symbols ?? DEFAULT_UNIVERSE)].sort();
  const known = new Set(symbols);
  const sessions: readonly Session[] = nyseSessions(epoch, through);
  const mkt = marketPath(seed, sessions.length);

  // Daily bars of every listed symbol, plus any underlying an inverse ETF needs.
  const daily = new Map<string, Bar[]>();
  const dailyOf = (sym: string): Bar[] => {
    let bars = daily.get(sym);
    if (bars) return bars;
    const p = profileOf(sym);
    if (p.kind === 'stock') bars = stockDaily(seed, sym, p, sessions, mkt);
    else {
      const up = profileOf(p.of);
      bars = inverseDaily(seed, sym, p, dailyOf(p.of), up.price);
    }
    daily.set(sym, bars);
    return bars;
  };
  for (const s of symbols) dailyOf(s);

  const cacheSize = Math.max(1, opts.minuteCacheSessions ?? 1024);
  const cache = new Map<string, readonly Bar[]>();
  const minutesOf = (sym: string, i: number): readonly Bar[] => {
    const s = sessions[i]!;
    const key = `${sym}|${s.date}`;
    const hit = cache.get(key);
    if (hit) {
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const p = profileOf(sym);
    const day = dailyOf(sym)[i]!;
    const rng = createRng(hashSeed(seed, sym, s.date));
    let bars: Bar[];
    if (p.kind === 'stock') bars = stockMinutes(rng, day, Math.round((s.close - s.open) / MINUTE));
    else {
      const inv = dailyOf(sym);
      const und = dailyOf(p.of);
      const prevInv = i > 0 ? inv[i - 1]!.c : p.price;
      const prevUnder = i > 0 ? und[i - 1]!.c : profileOf(p.of).price;
      bars = inverseMinutes(rng, day, minutesOf(p.of, i), prevInv, prevUnder);
    }
    cache.set(key, bars);
    while (cache.size > cacheSize) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
    return bars;
  };

  /** Minute bars of sessions that could hold bars starting in [from, to]. */
  const collect = (sym: string, from: number, to: number, pick: (bars: readonly Bar[]) => readonly Bar[]): readonly Bar[] => {
    if (!known.has(sym)) return [];
    const out: Bar[] = [];
    for (let i = lowerSession(sessions, from + 1, (s) => s.close); i < sessions.length && sessions[i]!.open <= to; i++) {
      const part = pick(minutesOf(sym, i));
      for (const b of part) out.push(b);
    }
    return out;
  };

  return {
    granularity: 'minute',
    symbols: () => symbols,
    has: (s) => known.has(s),
    sessions: (from, to) => sessions.filter((s) => s.date >= from && s.date <= to),
    dailyBars: (s, start, end) => (known.has(s) ? sliceBars(dailyOf(s), start, end) : []),
    minuteBars: (s, start, end) => collect(s, start, end, (bars) => sliceBars(bars, start, end)),
    fillBars: (s, from, to) => collect(s, from, to, (bars) => startingIn(bars, from, to)),
    lastBarAt: (s, t) => {
      if (!known.has(s)) return null;
      // Last session whose first minute has closed by t.
      const j = lowerSession(sessions, t - MINUTE + 1, (x) => x.open) - 1;
      if (j < 0) return null;
      return lastClosed(minutesOf(s, j), t);
    },
  };
}
