import type { Snapshot } from '../../domain/snapshot.js';
import { sanitizeText } from './sanitize.js';
import { DEFAULT_SNAPSHOT_SETTINGS } from './settings.js';

/**
 * The snapshot as JSON: a stable key order (the order of the domain type, whatever order the
 * object was built or read back in; unknown keys follow, alphabetically) and a bounded size.
 * When a snapshot would exceed the bound, the least important detail goes first (headline
 * length, then headlines, listed positions, regime rationale) and `truncated` names each cut.
 */

type Shape = { readonly [key: string]: Shape | null };

const MACD: Shape = { macd: null, signal: null, histogram: null };
const SNAPSHOT_SHAPE: Shape = {
  symbol: null,
  as_of: null,
  price: null,
  prev_close: null,
  change_pct: null,
  bid: null,
  ask: null,
  bars: { daily_count: null, last_close_at: null },
  indicators: {
    rsi14: null,
    macd: MACD,
    ema9: null,
    ema21: null,
    ema50: null,
    ema200: null,
    sma50: null,
    sma200: null,
    atr14: null,
    adx14: { adx: null, plus_di: null, minus_di: null },
    stoch_rsi: { k: null, d: null },
    obv: null,
    bollinger: { middle: null, upper: null, lower: null, percent_b: null, bandwidth_pct: null },
    volume_ratio_20d: null,
    avg_volume_20d: null,
    high_52w: null,
    low_52w: null,
  },
  live: {
    session: null,
    vwap: null,
    pct_from_vwap: null,
    volume: null,
    volume_ratio: null,
    session_elapsed: null,
    spread: null,
    spread_bps: null,
    pct_from_52w_high: null,
    pct_from_52w_low: null,
  },
  account: { equity: null, cash: null, buying_power: null, day_pl: null },
  position: { qty: null, avg_entry_price: null, market_value: null, unrealized_pl: null, covered_by_bracket: null },
  open_positions: null,
  portfolio: {
    day_pl_pct: null,
    day_trade_count: null,
    invested_pct: null,
    positions: { symbol: null, qty: null, market_value: null, unrealized_pl_pct: null, sector: null },
    positions_total: null,
    sector_notional_pct: null,
  },
  enrichment: {
    sector: null,
    news: { headline: null, source: null, age_hours: null },
    earnings: { date: null, days_until: null },
  },
  data_quality: { missing_critical: null, missing_optional: null, staleness_sec: null },
  market_regime: { direction: null, conviction: null, bearish_tickers: null, rationale: null, source: null, cached: null, as_of: null },
  truncated: null,
};

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A deep copy with keys in the shape's order, then any other keys alphabetically (undefined values dropped). */
export function canonicalize(value: unknown, shape: Shape | null = SNAPSHOT_SHAPE): unknown {
  if (Array.isArray(value)) return value.map((v) => canonicalize(v, shape));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  if (shape) {
    for (const k in shape) {
      const v = value[k];
      if (v !== undefined) out[k] = canonicalize(v, shape[k] ?? null);
    }
  }
  let rest: string[] | null = null;
  for (const k of Object.keys(value)) if (!(shape && k in shape)) (rest ??= []).push(k);
  if (rest) for (const k of rest.sort()) if (value[k] !== undefined) out[k] = canonicalize(value[k], null);
  return out;
}

/** `<` and `>` as JSON unicode escapes: the same values, but no market text can spell a prompt delimiter. */
const escapeAngles = (json: string) => (json.includes('<') || json.includes('>') ? json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e') : json);

const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 length of a string (a lone surrogate counts as U+FFFD, 3 bytes, as TextEncoder writes it). */
export const utf8Bytes = (s: string): number => {
  let n = s.length;
  // Snapshot JSON is usually all ASCII: one regex scan (several times faster than the loop below) settles it.
  if (!NON_ASCII.test(s)) return n;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
};

/** Cuts applied in order until the JSON fits: each takes a snapshot and returns a smaller one. */
const CUTS: readonly { readonly name: string; readonly apply: (s: Snapshot) => Snapshot }[] = [
  {
    name: 'news_headlines_shortened',
    apply: (s) => ({ ...s, enrichment: { ...s.enrichment, news: s.enrichment.news.map((n) => ({ ...n, headline: sanitizeText(n.headline, 80) })) } }),
  },
  { name: 'positions_listed_3', apply: (s) => ({ ...s, portfolio: { ...s.portfolio, positions: s.portfolio.positions.slice(0, 3) } }) },
  { name: 'news_1', apply: (s) => ({ ...s, enrichment: { ...s.enrichment, news: s.enrichment.news.slice(0, 1) } }) },
  { name: 'regime_rationale_shortened', apply: (s) => ({ ...s, market_regime: { ...s.market_regime, rationale: sanitizeText(s.market_regime.rationale, 160) } }) },
  { name: 'news_dropped', apply: (s) => ({ ...s, enrichment: { ...s.enrichment, news: [] } }) },
  { name: 'positions_dropped', apply: (s) => ({ ...s, portfolio: { ...s.portfolio, positions: [] } }) },
  {
    name: 'sectors_top_3',
    apply: (s) => {
      const entries = Object.entries(s.portfolio.sector_notional_pct).sort((a, b) => b[1] - a[1]);
      const top = Object.fromEntries(entries.slice(0, 3));
      const other = entries.slice(3).reduce((a, [, v]) => a + v, 0);
      return { ...s, portfolio: { ...s.portfolio, sector_notional_pct: other > 0 ? { ...top, other: Math.round(other * 100) / 100 } : top } };
    },
  },
  { name: 'regime_rationale_dropped', apply: (s) => ({ ...s, market_regime: { ...s.market_regime, rationale: '' } }) },
  {
    name: 'data_quality_codes_capped',
    apply: (s) => ({ ...s, data_quality: { ...s.data_quality, missing_critical: s.data_quality.missing_critical.slice(0, 10), missing_optional: s.data_quality.missing_optional.slice(0, 10) } }),
  },
];

/**
 * JSON text of canonical snapshots this module rendered, by object identity, so a caller that
 * serializes one again (the journal writing logic_json) can reuse the text instead of walking
 * the object twice. Only frozen-in-practice objects are registered: the canonical copies made
 * here, which nothing else holds a reference to until they are returned.
 */
const renderedJson = new WeakMap<object, string>();

/** The plain JSON.stringify text of a canonical snapshot made here, if it is one; undefined otherwise. */
export function renderedSnapshotJson(x: unknown): string | undefined {
  return typeof x === 'object' && x !== null ? renderedJson.get(x) : undefined;
}

export interface BoundedJson {
  readonly snapshot: Snapshot;
  /** `snapshot` in canonical key order (what `json` is the JSON of, before the angle escapes). */
  readonly canonical: Snapshot;
  readonly json: string;
  readonly bytes: number;
  readonly truncated: readonly string[];
}

/** The snapshot in canonical key order, cut down until its JSON is at most `maxBytes` (UTF-8). */
export function boundSnapshot(s: Snapshot, maxBytes: number, pretty = false): BoundedJson {
  let canonical = canonicalize(s) as Snapshot;
  const render = () => {
    const plain = JSON.stringify(canonical, null, pretty ? 2 : undefined);
    if (!pretty) renderedJson.set(canonical, plain);
    return escapeAngles(plain);
  };
  let cur: Snapshot = s;
  const cuts: string[] = [...(s.truncated ?? [])];
  let json = render();
  let bytes = utf8Bytes(json);
  for (const cut of CUTS) {
    if (bytes <= maxBytes) break;
    cur = { ...cut.apply(cur), truncated: [...cuts, cut.name] };
    cuts.push(cut.name);
    canonical = canonicalize(cur) as Snapshot;
    json = render();
    bytes = utf8Bytes(json);
  }
  return { snapshot: cur, canonical, json, bytes, truncated: cuts };
}

/**
 * Exactly the JSON the brain is sent for this snapshot: canonical key order, at most
 * maxBrainBytes, and `<` / `>` written as \u003c / \u003e so market text (headlines) can never
 * spell a prompt delimiter. Still valid JSON that parses back to the same values.
 */
export function snapshotForBrain(s: Snapshot, maxBytes = DEFAULT_SNAPSHOT_SETTINGS.maxBrainBytes): string {
  return boundSnapshot(s, maxBytes).json;
}

/**
 * The excerpt journaled in logic_json (at most 8 KB). Redacted: the list of the account's
 * other positions is dropped (their count and the sector split stay) and headlines are cut
 * to 80 characters; then the same cuts as the brain JSON until it fits. Same shape as a
 * Snapshot, so a resumed cycle can still execute from it.
 */
export function snapshotExcerpt(s: Snapshot, maxBytes = DEFAULT_SNAPSHOT_SETTINGS.maxExcerptBytes): Snapshot {
  const redacted: Snapshot = {
    ...s,
    portfolio: { ...s.portfolio, positions: [] },
    enrichment: { ...s.enrichment, news: s.enrichment.news.map((n) => ({ ...n, headline: sanitizeText(n.headline, 80) })) },
  };
  return boundSnapshot(redacted, maxBytes).canonical;
}
