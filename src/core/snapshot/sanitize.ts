/**
 * Market-supplied strings (news headlines, sources, sector names) are untrusted data: they go
 * to the brain as quoted JSON values, never as instructions. Before that they lose control
 * and formatting characters (C0/C1 controls, zero-width and bidi overrides, line and
 * paragraph separators), have whitespace collapsed, and are cut to a maximum length.
 */

// C0/C1 controls, zero-width characters, bidi embeddings/overrides/isolates, BOM, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

export function sanitizeText(s: unknown, maxChars: number): string {
  if (typeof s !== 'string') return '';
  const clean = s.normalize('NFC').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  if (clean.length <= maxChars) return clean;
  // Cut on a code-point boundary and mark the cut.
  const cps = Array.from(clean);
  return cps.length <= maxChars ? clean : `${cps.slice(0, Math.max(0, maxChars - 1)).join('')}…`;
}

/** A sector label: sanitized, at most 40 characters; null when empty. */
export function sanitizeLabel(s: unknown, maxChars = 40): string | null {
  const t = sanitizeText(s, maxChars);
  return t === '' ? null : t;
}
