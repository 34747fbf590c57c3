import type { CycleSummary } from '../../cycle/types.js';

/**
 * Pings a healthcheck URL after each cycle (healthchecks.io style): the URL on success,
 * URL + "/fail" on failure. Short timeout; errors are swallowed by the caller's catch, never
 * delaying or failing the cycle. The URL may embed a token: it is never logged.
 */
export function createHealthcheckReporter(opts: { readonly url: string; readonly timeoutMs: number; readonly fetch?: typeof fetch }) {
  const doFetch = opts.fetch ?? fetch;
  return async (s: CycleSummary): Promise<void> => {
    if (s.status === 'skipped') return;
    const url = s.status === 'failed' ? `${opts.url.replace(/\/+$/, '')}/fail` : opts.url;
    const res = await doFetch(url, { method: 'POST', body: JSON.stringify({ cycle_id: s.cycle_id, status: s.status }), signal: AbortSignal.timeout(opts.timeoutMs) });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`healthcheck answered HTTP ${res.status}`);
  };
}
