import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The optional viewer token. A request may carry it as `Authorization: Bearer <token>`, as
 * `?token=<token>`, or as the cookie set after a successful `?token=` visit (so links inside
 * the viewer keep working without repeating the token in every URL). The cookie holds a
 * digest of the token, never the token itself. Every comparison is between SHA-256 digests
 * of equal length with crypto.timingSafeEqual, so timing reveals neither content nor length.
 */

export const AUTH_COOKIE = 'llm_trader_viewer';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** What the cookie stores for a token: a domain-separated digest, hex-encoded. */
export function cookieValueFor(token: string): string {
  return createHash('sha256').update(`llm-trader-viewer-cookie:${token}`, 'utf8').digest('hex');
}

export interface TokenCheck {
  /** True when no token is configured, or the request proves it knows the token. */
  check(req: { authorization?: string | undefined; queryToken?: string | undefined; cookie?: string | undefined }): { ok: boolean; via: 'none' | 'bearer' | 'query' | 'cookie' | null };
  readonly enabled: boolean;
  readonly cookieValue: string | null;
}

export function createTokenCheck(token: string | undefined): TokenCheck {
  const enabled = token !== undefined && token !== '';
  const want = enabled ? digest(token) : null;
  const cookieValue = enabled ? cookieValueFor(token) : null;
  const wantCookie = cookieValue !== null ? digest(cookieValue) : null;
  const same = (given: string, expected: Buffer) => timingSafeEqual(digest(given), expected);

  return {
    enabled,
    cookieValue,
    check(req) {
      if (!want || !wantCookie) return { ok: true, via: 'none' };
      const auth = req.authorization;
      if (auth !== undefined) {
        const m = /^Bearer[ ]+(.+)$/i.exec(auth.trim());
        if (m && same(m[1]!, want)) return { ok: true, via: 'bearer' };
      }
      if (req.queryToken !== undefined && same(req.queryToken, want)) return { ok: true, via: 'query' };
      if (req.cookie !== undefined && same(req.cookie, wantCookie)) return { ok: true, via: 'cookie' };
      return { ok: false, via: null };
    },
  };
}
