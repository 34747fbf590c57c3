/**
 * Untrusted text (model output, broker strings) made inert inside markdown we generate: one
 * line, no control or invisible/bidi characters, bounded length, and every character that
 * could start inline markup escaped (emphasis, code, links, images, raw HTML, tables,
 * entities, autolinks). Meant for table cells and the middle of a line, never a line start.
 */

// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001F\u007F-\u009F\u00AD\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;
const MARKUP = /[\\`*_[\]<>|~!&@$]/g;

export function mdText(text: string, max = 10_000): string {
  let t = text.replace(INVISIBLE, ' ').replace(/\s+/g, ' ').trim();
  if (t.length > max) t = `${t.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
  return t
    .replace(MARKUP, (c) => `\\${c}`)
    .replace(/:\/\//g, ':\\/\\/')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}\\.`);
}
