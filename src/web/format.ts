import { nyOffsetHours } from '../core/time/ny.js';

/**
 * Display helpers for the viewer. Everything a template prints goes through `escapeHtml`
 * (Eta's escape function): model-written and market-supplied strings are untrusted.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/**
 * Bidirectional overrides/isolates and other invisible format characters can make hostile
 * text read differently from what it is (e.g. a reversed "gpj.exe"). They are shown as
 * visible code points instead of being applied. NUL and other C0 controls (except tab and
 * newline) are dropped.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

function showInvisible(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return '';
  return `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/** Shows bidi controls and invisible format characters as visible [U+....] markers; drops C0 controls. */
export function showInvisibles(s: string): string {
  return s.replace(INVISIBLE, showInvisible);
}

/** Makes any value safe to place in HTML text or in a double- or single-quoted attribute (templates always quote). */
export function escapeHtml(value: unknown): string {
  const s = value === null || value === undefined ? '' : typeof value === 'string' ? value : String(value);
  return s.replace(INVISIBLE, showInvisible).replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? c);
}

const HOUR = 3_600_000;

/** "2026-11-20 10:00:00 EST": New York wall time with the zone shown. */
export function nyDisplay(ms: number, withSeconds = true): string {
  const off = nyOffsetHours(ms);
  const iso = new Date(ms + off * HOUR).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, withSeconds ? 19 : 16)} ${off === -4 ? 'EDT' : 'EST'}`;
}

/** Parses an ISO string from the database; null when absent or unparseable. */
export function parseIso(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

/** NY display of an ISO string, or an em dash. */
export function nyFromIso(iso: string | null | undefined, withSeconds = true): string {
  const t = parseIso(iso);
  return t === null ? '—' : nyDisplay(t, withSeconds);
}

export function money(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const sign = x < 0 ? '-' : '';
  return `${sign}$${Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}

export function signedMoney(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${x > 0 ? '+' : ''}${money(x)}`;
}

export function pct(x: number | null | undefined, digits = 2, signed = false): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${signed && x > 0 ? '+' : ''}${(x * 100).toFixed(digits)}%`;
}

/** Small costs (model usage) need more digits than money. */
export function usd(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '$0';
  return x < 0.01 ? `$${x.toFixed(4)}` : `$${x.toFixed(2)}`;
}

export function ms(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`;
}

export function num(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return x.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : s;
}

/** Pretty-printed JSON of an already-parsed value, or the raw text when it does not parse. */
export function prettyJson(text: string | null | undefined): string {
  if (text === null || text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** The CSS class for an action badge; anything unexpected gets the neutral one. */
export function actionClass(action: unknown): string {
  return action === 'BUY' ? 'buy' : action === 'SELL' ? 'sell' : action === 'HOLD' ? 'hold' : 'unknown';
}

export function statusClass(status: unknown): string {
  switch (status) {
    case 'ok':
    case 'filled':
    case 'submitted':
    case 'recovered':
      return 'ok';
    case 'failed':
    case 'error':
    case 'rejected':
      return 'bad';
    case 'running':
    case 'warn':
    case 'partially_filled':
    case 'skipped':
      return 'warn';
    default:
      return 'muted';
  }
}

/** Builds a query string from defined values (values are URL-encoded; the result still needs HTML escaping). */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export const helpers = { escapeHtml, nyDisplay, nyFromIso, money, signedMoney, pct, usd, ms, num, truncate, actionClass, statusClass, qs, enc: encodeURIComponent };
export type Helpers = typeof helpers;
