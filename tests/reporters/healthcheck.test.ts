import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHealthcheckReporter } from '../../src/adapters/reporters/healthcheck.js';
import type { CycleSummary } from '../../src/cycle/types.js';

const summary = (status: CycleSummary['status']): CycleSummary => ({
  cycle_id: 'c1', as_of: '2026-11-20T15:00:00.000Z', mode: 'sim', brain: 'rules', status, duration_ms: 5, symbols: 1,
  actions: { BUY: 0, SELL: 0, HOLD: 1 }, orders_submitted: 0, orders_rejected: 0, error: status === 'failed', failed_symbols: [],
  slowest_stages: [], regime: null, cost_usd: 0,
});

describe('healthcheck ping', () => {
  const hits: string[] = [];
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url?.startsWith('/slow')) return void setTimeout(() => res.end('late'), 2000);
      res.end('OK');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('pings the URL on success and URL/fail on failure, nothing when skipped', async () => {
    const ping = createHealthcheckReporter({ url: `${base}/ping/abc`, timeoutMs: 1000 });
    await ping(summary('ok'));
    await ping(summary('failed'));
    await ping(summary('skipped'));
    expect(hits).toEqual(['/ping/abc', '/ping/abc/fail']);
  });

  it('gives up after its short timeout', async () => {
    const ping = createHealthcheckReporter({ url: `${base}/slow`, timeoutMs: 100 });
    await expect(ping(summary('ok'))).rejects.toThrow();
  });
});
