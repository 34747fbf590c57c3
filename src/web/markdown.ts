import { Marked, type Tokens } from 'marked';
import { escapeHtml, showInvisibles } from './format.js';

/**
 * Markdown to HTML for the architecture page and for reports, which carry model-written
 * text (weekly reviews). Raw HTML in the source is shown as text, never passed through;
 * links keep only http(s), mailto, in-page and relative targets; images become their alt
 * text (the CSP would block remote ones anyway). Code blocks tagged `mermaid` are emitted
 * as <pre class="mermaid"> so a page that loads Mermaid can render them.
 */

const SAFE_URL = /^(https?:|mailto:|#|\/(?!\/)|\.{0,2}\/?[A-Za-z0-9_-])/i;

export function safeHref(href: string): string | null {
  const h = href.trim();
  // Reject control characters and whitespace tricks outright (e.g. "java\tscript:").
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001F\u007F\s]/.test(h)) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(h) && !/^(https?|mailto):/i.test(h)) return null;
  return SAFE_URL.test(h) ? h : null;
}

export interface MarkdownOptions {
  /**
   * Resolves an image's href to a URL on this viewer (e.g. a report's own SVG chart), or null.
   * Unresolved images are shown as their alt text.
   */
  readonly image?: (href: string) => string | null;
}

function createMarked(opts: MarkdownOptions): Marked {
  return new Marked({
    gfm: true,
    breaks: false,
    async: false,
    renderer: {
      html({ text }: Tokens.HTML | Tokens.Tag): string {
        return escapeHtml(text);
      },
      link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, { href, title, tokens }: Tokens.Link): string {
        const inner = this.parser.parseInline(tokens);
        const safe = safeHref(href);
        if (safe === null) return inner;
        const t = title ? ` title="${escapeHtml(title)}"` : '';
        const external = /^https?:/i.test(safe) ? ' rel="noopener noreferrer nofollow"' : '';
        return `<a href="${escapeHtml(safe)}"${t}${external}>${inner}</a>`;
      },
      image({ href, text }: Tokens.Image): string {
        const src = opts.image?.(href) ?? null;
        if (src !== null) return `<img src="${escapeHtml(src)}" alt="${escapeHtml(text)}" loading="lazy">`;
        return `<span class="img-alt">[image: ${escapeHtml(text)}]</span>`;
      },
      code({ text, lang }: Tokens.Code): string {
        const language = (lang ?? '').trim().split(/\s+/)[0] ?? '';
        if (language === 'mermaid') return `<pre class="mermaid">${escapeHtml(text)}</pre>\n`;
        return `<pre class="code"><code>${escapeHtml(text)}</code></pre>\n`;
      },
    },
  });
}

const plain = createMarked({});

export function renderMarkdown(source: string, opts: MarkdownOptions = {}): string {
  const m = opts.image ? createMarked(opts) : plain;
  return m.parse(showInvisibles(source), { async: false });
}
