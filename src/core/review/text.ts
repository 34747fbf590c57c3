import type { ChangelogEntry } from './types.js';

/**
 * Untrusted text (the review model's critique and bullets, the human change log) made safe to
 * place inside markdown we generate and inside the trader's prompt. Model text may use plain
 * markdown (paragraphs, bullets, emphasis) but can never: inject raw HTML (every <, > and &
 * becomes an entity), embed images or links (defanged), open a code fence that swallows the
 * rest of the report (fence lines are dropped), outrank our own headings (its headings are
 * demoted to level 4), forge a prompt data marker (<<< >>> are entities too), or hide
 * content (control, zero-width and bidi characters removed). Lengths are bounded.
 */

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u00AD\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;
const FENCE = /^\s*(`{3,}|~{3,})/;

function entities(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function defang(s: string): string {
  return s
    .replace(/!\[/g, '!\\[')
    .replace(/\]\(/g, ']\\(')
    .replace(/\]\[/g, ']\\[')
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, Math.max(0, max - 1)).trimEnd()}…` : s;
}

/** Multi-line model (or human) markdown, cleaned and bounded to `maxChars` (and `maxLineChars` per line). */
export function cleanMarkdown(text: string, maxChars = 8_000, maxLineChars = 1_200): string {
  const lines = text
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '  ')
    .replace(CONTROL, '')
    .split('\n')
    .filter((l) => !FENCE.test(l))
    .map((l) => {
      let t = l.trimEnd();
      // A line of only -, = or * would turn the paragraph above into a heading or draw a rule: keep it as text.
      if (/^\s*([-=*_])(\s*\1){2,}\s*$/.test(t)) t = t.replace(/[-=*_]/g, (c) => `\\${c}`);
      t = t.replace(/^\s{0,3}#{1,6}(\s+|$)/, '#### ');
      return clip(defang(entities(t)), maxLineChars);
    });
  const joined = lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return clip(joined, maxChars);
}

/** One line of untrusted text for a bullet: no markup that could break out, no leading list marker, bounded. */
export function cleanLine(text: string, maxChars = 300): string {
  const t = text
    .replace(CONTROL, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^([-*+•]|\d{1,3}[.)])\s+/, '')
    .replace(/^#+\s*/, '');
  return clip(defang(entities(t)).replace(/`/g, "'"), maxChars);
}

export const FEEDBACK_FILE_MAX_CHARS = 2_500;

/**
 * reports/TRADER_FEEDBACK.md: the bullets as "- " lines, whole bullets only, at most
 * `maxChars` characters in all (the Claude brain reads it into its prompt while it is younger
 * than 8 days). Empty bullets are dropped; an empty result means "do not write the file".
 */
export function feedbackFile(bullets: readonly string[], maxChars = FEEDBACK_FILE_MAX_CHARS): { readonly text: string; readonly kept: number; readonly dropped: number } {
  const lines: string[] = [];
  let size = 0;
  let dropped = 0;
  for (const b of bullets) {
    const line = `- ${cleanLine(b, 400)}`;
    if (line.length <= 2) continue;
    const add = line.length + 1;
    if (size + add > maxChars) {
      dropped++;
      continue;
    }
    lines.push(line);
    size += add;
  }
  return { text: lines.length ? `${lines.join('\n')}\n` : '', kept: lines.length, dropped };
}

const DATE = /\b(\d{4}-\d{2}-\d{2})\b/;

/**
 * The recent entries of a human change log (newest first, as entries are prepended). Entries
 * start at "## " headings (a leading "# " title is skipped); a heading's YYYY-MM-DD dates the
 * entry. Kept: entries dated in [since, until] plus undated ones, newest first, at most
 * `maxEntries` and `maxChars` in all. A file without headings counts as one undated entry.
 */
export function recentChangelog(text: string, o: { readonly since: string; readonly until: string; readonly maxEntries?: number; readonly maxChars?: number }): ChangelogEntry[] {
  const maxEntries = o.maxEntries ?? 10;
  const maxChars = o.maxChars ?? 3_000;
  const lines = text.replace(/\r\n?/g, '\n').replace(CONTROL, '').split('\n');
  const raw: { title: string; body: string[] }[] = [];
  let cur: { title: string; body: string[] } | null = null;
  for (const l of lines) {
    const h = /^##\s+(.*)$/.exec(l);
    if (h) {
      cur = { title: h[1]!.trim(), body: [] };
      raw.push(cur);
    } else if (/^#\s/.test(l) && cur === null) {
      continue;
    } else if (cur) {
      cur.body.push(l);
    } else if (l.trim() !== '') {
      cur = { title: 'Change log', body: [l] };
      raw.push(cur);
    }
  }
  const out: ChangelogEntry[] = [];
  let size = 0;
  for (const r of raw) {
    if (out.length >= maxEntries) break;
    const date = DATE.exec(r.title)?.[1] ?? null;
    if (date !== null && (date < o.since || date > o.until)) continue;
    const title = cleanLine(r.title, 120);
    const body = cleanMarkdown(r.body.join('\n'), 1_200, 400);
    const add = title.length + body.length;
    if (size + add > maxChars) break;
    out.push({ title, date, body });
    size += add;
  }
  return out;
}

const INLINE = /[\\`*_[\]|~!$@]/g;

/** Untrusted text for a table cell or the middle of a line we write: one line, inert, bounded. */
export function mdCell(text: string, maxChars = 200): string {
  const t = text.replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
  return entities(clip(t, maxChars))
    .replace(INLINE, (c) => `\\${c}`)
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}
