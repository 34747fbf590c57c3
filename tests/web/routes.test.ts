import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/journal/sqlite.js';
import { createViewerApp } from '../../src/web/app.js';
import { clock, fakeBroker, makeFixture, type Fixture } from './fixture.js';

let fx: Fixture;
let app: ReturnType<Fixture['app']>;
beforeAll(() => {
  fx = makeFixture();
  app = fx.app();
});
afterAll(() => {
  if (fx.db.open) fx.db.close();
});

const get = async (path: string, init?: RequestInit) => {
  const res = await app.request(path, init);
  return { res, body: await res.text() };
};
const json = async (path: string, init?: RequestInit) => {
  const res = await app.request(path, init);
  return { res, body: (await res.json()) as Record<string, unknown> };
};
/** Cycle links in page order. */
const cycleLinks = (html: string) => [...html.matchAll(/<td class="nowrap"><a href="\/cycle\/([^"]+)"/g)].map((m) => decodeURIComponent(m[1]!));

describe('GET /', () => {
  it('lists cycles newest first with the equity chart, NY times with the zone, and coloured actions', async () => {
    const { res, body } = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const ids = cycleLinks(body);
    const all = (fx.db.prepare('SELECT id FROM cycles ORDER BY as_of DESC').all() as { id: string }[]).map((r) => r.id);
    expect(ids).toEqual(all.slice(0, ids.length));
    expect(ids.length).toBe(Math.min(50, all.length));
    expect(body).toContain('<svg class="chart"');
    expect(body).toMatch(/<path class="equity-line" d="M[\d.]+,[\d.]+L/);
    expect(body).toMatch(/<path class="dd-area"/);
    // 2026-11-20T15:00Z is 10:00 in New York (EST).
    expect(body).toContain('2026-11-20 10:00 EST');
    expect(body).toMatch(/class="pill buy"[^>]*>1 BUY/);
    expect(body).toMatch(/class="badge status-bad">failed/);
    expect(body).toMatch(/class="badge status-warn">running/);
  });

  it('filters by symbol and action (cycles with a matching final decision)', async () => {
    const { body } = await get('/?symbol=nvda&action=sell');
    const ids = cycleLinks(body);
    const expected = (
      fx.db.prepare("SELECT DISTINCT c.id FROM cycles c JOIN trades t ON t.cycle_id = c.id WHERE t.symbol = 'NVDA' AND t.action = 'SELL' ORDER BY c.as_of DESC").all() as { id: string }[]
    ).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(ids).toEqual(expected);
    expect(body).toContain('value="NVDA"');
    expect(body).toMatch(/<option value="SELL" selected>/);
  });

  it('pages with keyset cursors: older, then newer, without overlap', async () => {
    const first = await get('/?limit=4');
    const p1 = cycleLinks(first.body);
    expect(p1).toHaveLength(4);
    const older = /href="\/\?limit=4&amp;before=(\d+)"/.exec(first.body);
    expect(older).not.toBeNull();
    const second = await get(`/?limit=4&before=${older![1]}`);
    const p2 = cycleLinks(second.body);
    expect(p2).toHaveLength(4);
    expect(p2.some((id) => p1.includes(id))).toBe(false);
    const all = (fx.db.prepare('SELECT id FROM cycles ORDER BY as_of DESC').all() as { id: string }[]).map((r) => r.id);
    expect([...p1, ...p2]).toEqual(all.slice(0, 8));
    const newer = /href="\/\?limit=4&amp;after=(\d+)"/.exec(second.body);
    expect(newer).not.toBeNull();
    const back = await get(`/?limit=4&after=${newer![1]}`);
    expect(cycleLinks(back.body)).toEqual(p1);
  });

  it.each([
    ['/?action=BUYX', 'action'],
    ['/?limit=0', 'limit'],
    ['/?limit=10000', 'limit'],
    ['/?before=-3', 'before'],
    ['/?before=abc', 'before'],
    ['/?symbol=%3Cscript%3E', 'symbol'],
    ['/?bogus=1', 'unknown parameter'],
    ['/?before=5&after=6', 'before'],
  ])('%s is a clean 400 page naming the problem', async (path, needle) => {
    const { res, body } = await get(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(body).toContain('That request did not make sense');
    expect(body).toContain(needle);
    expect(body).not.toMatch(/<script>/i);
  });
});

describe('GET /cycle/:id', () => {
  /** The cycle from richCycles() with an override, a rejected order, a parse fallback and missing data. */
  const eventful = () => (fx.db.prepare("SELECT cycle_id FROM trades WHERE symbol = 'NVDA' AND execute_status = 'rejected'").get() as { cycle_id: string }).cycle_id;

  it('shows the pipeline strip in order with status and timing, and one row per symbol', async () => {
    const id = eventful();
    const { res, body } = await get(`/cycle/${id}`);
    expect(res.status).toBe(200);
    const stages = [...body.matchAll(/<li class="stage stage-(\w+)">[\s\S]*?<span class="stage-name">([^<]+)<\/span>[\s\S]*?<div class="stage-ms">([^<]+)<\/div>/g)].map((m) => ({ status: m[1], name: m[2], ms: m[3] }));
    expect(stages.map((s) => s.name)).toEqual(['Regime', 'Watchlist', 'Snapshot', 'Decision', 'Risk', 'Execute', 'Journal']);
    expect(stages.every((s) => /\d+ ms/.test(s.ms!))).toBe(true);
    // This cycle had an override (risk warn), a rejected order (execute warn), a parse fallback (decision warn) and missing data (snapshot warn).
    expect(stages.find((s) => s.name === 'Risk')!.status).toBe('warn');
    expect(stages.find((s) => s.name === 'Execute')!.status).toBe('warn');
    expect(stages.find((s) => s.name === 'Decision')!.status).toBe('warn');
    expect(stages.find((s) => s.name === 'Snapshot')!.status).toBe('warn');
    expect(stages.find((s) => s.name === 'Regime')!.status).toBe('ok');
    const rows = [...body.matchAll(/<tbody class="symbol( changed)?">[\s\S]*?<th scope="row" class="sym"><a [^>]*>([^<]+)<\/a>/g)].map((m) => ({ symbol: m[2], changed: m[1] !== undefined }));
    expect(rows).toEqual([
      { symbol: 'AAPL', changed: false },
      { symbol: 'MSFT', changed: true },
      { symbol: 'NVDA', changed: false },
      { symbol: 'SPY', changed: false },
      { symbol: 'TLT', changed: false },
    ]);
    expect(body).toMatch(/<span class="badge buy struck"[^>]*>BUY<\/span>/);
    expect(body).toContain('confidence_floor <span class="effect">hold</span>');
    expect(body).toMatch(/class="badge status-bad">rejected/);
    expect(body).toContain('safe HOLD fallback');
    expect(body).toContain('missing: price');
    expect(body).toContain('$0.0042');
    expect(body).toMatch(/class="badge status-ok">submitted<\/span>\s*<span class="badge status-ok">filled/);
  });

  it('expands to the pretty-printed, escaped logic_json of every symbol', async () => {
    const id = eventful();
    const { body } = await get(`/cycle/${id}`);
    const blocks = [...body.matchAll(/<details class="logic">[\s\S]*?<pre class="json"><code>([\s\S]*?)<\/code><\/pre>/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(5);
    const stored = fx.db.prepare('SELECT logic_json FROM trades WHERE cycle_id = ? ORDER BY rowid').all(id) as { logic_json: string }[];
    const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#96;/g, '`').replace(/&amp;/g, '&');
    blocks.forEach((b, i) => {
      expect(b).toContain('\n  &quot;snapshot&quot;: {');
      expect(JSON.parse(unescape(b))).toEqual(JSON.parse(stored[i]!.logic_json));
    });
  });

  it('shows a running cycle as in progress and a failed setup as a red regime stage', async () => {
    const running = fx.db.prepare("SELECT id FROM cycles WHERE status = 'running'").get() as { id: string };
    const r = await get(`/cycle/${running.id}`);
    expect(r.body).toMatch(/<li class="stage stage-running">[\s\S]*?Execute/);
    expect(r.body).toContain('badge status-warn">pending');
    const failed = fx.db.prepare("SELECT id FROM cycles WHERE status = 'failed'").get() as { id: string };
    const f = await get(`/cycle/${failed.id}`);
    expect(f.body).toMatch(/<li class="stage stage-bad">[\s\S]*?Regime/);
    expect(f.body).toContain('setup failed: broker unavailable');
    expect(f.body).toContain('No symbol decisions were journaled in this cycle.');
  });

  it('links to the previous and next cycle in market time', async () => {
    const ids = (fx.db.prepare('SELECT id FROM cycles ORDER BY as_of').all() as { id: string }[]).map((r) => r.id);
    const { body } = await get(`/cycle/${ids[3]}`);
    expect(body).toContain(`href="/cycle/${ids[2]}" rel="prev"`);
    expect(body).toContain(`href="/cycle/${ids[4]}" rel="next"`);
  });

  it('404s an unknown cycle and 400s a malformed id', async () => {
    const a = await get('/cycle/c19990101T0000Z');
    expect(a.res.status).toBe(404);
    expect(a.body).toContain('No cycle with id c19990101T0000Z.');
    const b = await get('/cycle/%3Cscript%3E');
    expect(b.res.status).toBe(400);
    expect(b.body).toContain('cycle id');
  });
});

describe('GET /positions', () => {
  it('shows the account strip and positions from the broker port', async () => {
    const { res, body } = await get('/positions');
    expect(res.status).toBe(200);
    expect(body).toContain('$104,380.25');
    expect(body).toContain('+$480.25'); // day P/L: equity - lastEquity
    expect(body).toMatch(/<th scope="row" class="sym">NVDA<\/th>[\s\S]*<th scope="row" class="sym">AAPL<\/th>/); // largest first
    expect(body).toContain('-$370.00');
    expect(body).toContain('+$90.00'); // total unrealized
  });

  it('says the broker is not configured when there is none', async () => {
    const res = await fx.app({ broker: null, brokerNote: 'paper mode: not wired' }).request('/positions');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('Broker not configured');
    expect(text).toContain('paper mode: not wired');
  });

  it('degrades to a clear message when the broker throws or hangs', async () => {
    const throwing = fx.app({ broker: fakeBroker({ getAccount: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:1')) }) });
    const a = await (await throwing.request('/positions')).text();
    expect(a).toContain('Broker unreachable');
    expect(a).toContain('ECONNREFUSED 127.0.0.1:1');
    const hanging = fx.app({ broker: fakeBroker({ getPositions: () => new Promise(() => {}) }), brokerTimeoutMs: 30 });
    const r = await hanging.request('/positions');
    expect(r.status).toBe(200);
    expect(await r.text()).toContain('did not answer within 30 ms');
  });
});

describe('GET /flow and /architecture', () => {
  it('serves the Mermaid diagram with solid and dashed arrows, Mermaid from this server and a nonce for the inline script', async () => {
    const { res, body } = await get('/flow');
    expect(res.status).toBe(200);
    const diagram = /<pre class="mermaid" id="flow-diagram">([\s\S]*?)<\/pre>/.exec(body)![1]!;
    expect(diagram).toContain('flowchart');
    expect(diagram).toContain('decide --&gt; risk');
    expect(diagram).toContain('journal -.-&gt; weekly');
    expect(diagram).toContain('feedback -.-&gt; decide');
    expect(body).toContain('<script src="/static/mermaid.min.js"></script>');
    expect(body).not.toMatch(/<script[^>]+src="https?:/);
    const nonce = /<script nonce="([^"]+)">/.exec(body)![1]!;
    expect(res.headers.get('content-security-policy')).toContain(`'nonce-${nonce}'`);
    // Each request gets a fresh nonce.
    const again = await get('/flow');
    expect(/<script nonce="([^"]+)">/.exec(again.body)![1]).not.toBe(nonce);
    const js = await app.request('/static/mermaid.min.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await js.text()).length).toBeGreaterThan(1_000_000);
  });

  it('renders the architecture document as HTML, and 404s when it is missing', async () => {
    const { res, body } = await get('/architecture');
    expect(res.status).toBe(200);
    expect(body).toContain('<h1>Architecture</h1>');
    expect(body).toMatch(/<table>[\s\S]*<td>Broker<\/td>/);
    expect(body).toContain('<code>regime -&gt; watchlist -&gt; snapshot</code>');
    const missing = await fx.app({ archDocPath: join(fx.seeded.dir, 'nope.md') }).request('/architecture');
    expect(missing.status).toBe(404);
  });

  it('ships a real docs/ARCHITECTURE.md', async () => {
    const real = fx.app({ archDocPath: join(import.meta.dirname, '..', '..', 'docs', 'ARCHITECTURE.md') });
    const body = await (await real.request('/architecture')).text();
    expect(body).toContain('One cycle, in words');
  });
});

describe('reports', () => {
  it('lists EOD, weekly and post files, skipping other extensions and links that leave the folder', async () => {
    const { body } = await get('/reports');
    for (const href of [
      '/reports/weekly/latest.md',
      '/reports/weekly/2026-W47.md',
      '/reports/weekly/2026-W47.json',
      '/reports/eod/2026-11-20.md',
      '/reports/eod/2026-11-20.svg',
      '/reports/posts/launch-post.md',
      '/reports/backtests/2024-01-01_2024-12-31_rules/summary.md',
      '/reports/backtests/2024-01-01_2024-12-31_rules/trades.csv',
    ])
      expect(body).toContain(`href="${href}"`);
    expect(body).not.toContain('notes.exe');
    expect(body).not.toContain('escape.md');
    expect(body.indexOf('latest.md')).toBeLessThan(body.indexOf('2026-W47.md'));
    expect(body).toContain('href="/report/latest.md"');
  });

  it('renders a report, and serves it raw on request', async () => {
    const { res, body } = await get('/reports/eod/2026-11-20.md');
    expect(res.status).toBe(200);
    expect(body).toContain('<h1>EOD 2026-11-20</h1>');
    const raw = await app.request('/reports/eod/2026-11-20.md?raw=1');
    expect(raw.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(raw.headers.get('content-security-policy')).toContain('sandbox');
    expect(await raw.text()).toBe(readFileSync(join(fx.reportsDir, 'eod', '2026-11-20.md'), 'utf8'));
    const js = await get('/reports/weekly/2026-W47.json');
    expect(js.body).toContain('&quot;win_rate&quot;: 0.58');
    const bt = await get('/reports/backtests/2024-01-01_2024-12-31_rules/summary.md');
    expect(bt.res.status).toBe(200);
    expect(bt.body).toContain('<h1>Backtest 2024</h1>');
    expect(bt.body).toContain('<img src="/reports/backtests/2024-01-01_2024-12-31_rules/equity.svg?raw=1" alt="equity" loading="lazy">');
  });

  it("shows a report's own SVG charts as images, served sandboxed; images pointing elsewhere stay text", async () => {
    const { body } = await get('/reports/eod/2026-11-20.md');
    expect(body).toContain('<img src="/reports/eod/2026-11-20.svg?raw=1" alt="equity today" loading="lazy">');
    expect(body).toContain('[image: elsewhere]');
    const svg = await app.request('/reports/eod/2026-11-20.svg?raw=1');
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    const csp = svg.headers.get('content-security-policy')!;
    expect(csp).toContain('sandbox');
    expect(csp).not.toContain('script-src');
    expect(csp).toContain("default-src 'none'");
    const page = await get('/reports/eod/2026-11-20.svg');
    expect(page.body).toContain('<img class="report-chart" src="/reports/eod/2026-11-20.svg?raw=1"');
    expect(page.body).not.toContain('<script>alert');
  });

  it.each([
    '/reports/eod/..%2F..%2Fsecret.md',
    '/reports/eod/%2e%2e%2fsecret.md',
    '/reports/eod/..%5Csecret.md',
    '/reports/eod/escape.md',
    '/reports/eod/notes.exe',
    '/reports/eod/.hidden.md',
    '/reports/etc/passwd.md',
    '/reports/posts/..',
    '/reports/eod/missing.md',
    '/reports/..%2F..%2F/secret.md',
    '/reports/backtests/summary.md',
    '/reports/backtests/..%2F..%2F/secret.md',
    '/reports/backtests/..%2Feod/2026-11-20.md',
    '/reports/eod/2024-01-01_2024-12-31_rules/summary.md',
    '/reports/backtests/.hidden/summary.md',
  ])('%s is a 404 and never leaks a file', async (path) => {
    const { res, body } = await get(path);
    expect(res.status).toBe(404);
    expect(body).not.toContain('OUTSIDE THE REPORTS FOLDER');
  });

  it('serves /report/latest.md raw as text/markdown, and a 404 page when there is none', async () => {
    const r = await app.request('/report/latest.md');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await r.text()).toBe(readFileSync(join(fx.reportsDir, 'weekly', 'latest.md'), 'utf8'));
    const none = await fx.app({ reportsDir: join(fx.seeded.dir, 'no-reports') }).request('/report/latest.md', { headers: { Accept: 'text/html' } });
    expect(none.status).toBe(404);
    expect(await none.text()).toContain('No weekly review has been written yet');
    const empty = await fx.app({ reportsDir: join(fx.seeded.dir, 'no-reports') }).request('/reports');
    expect(await empty.text()).toContain('No reports yet.');
  });
});

describe('GET /healthz', () => {
  it('reports the database and the last cycle, without a token', async () => {
    const guarded = fx.app({ token: 'a-very-long-viewer-token-123' });
    const res = await guarded.request('/healthz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    const last = fx.db.prepare('SELECT as_of, status FROM cycles ORDER BY as_of DESC LIMIT 1').get() as { as_of: string; status: string };
    expect(body).toMatchObject({ db: 'ok', last_cycle_at: last.as_of, last_cycle_status: last.status });
  });

  it('is 503 when the database is unreachable, and pages turn into a clean 500', async () => {
    const seeded = makeFixture();
    const db = openDatabase(seeded.seeded.dbPath, { readonly: true });
    const broken = createViewerApp({ db, broker: null, reportsDir: seeded.reportsDir, archDocPath: seeded.archDocPath, clock });
    db.close();
    const res = await broken.request('/healthz');
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ db: 'unreachable', last_cycle_at: null });
    const page = await broken.request('/');
    expect(page.status).toBe(500);
    expect(await page.text()).toContain('Something went wrong');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const api = await broken.request('/api/cycles');
    expect(api.status).toBe(500);
    expect(await api.json()).toMatchObject({ error: 'internal_error' });
    seeded.db.close();
  });
});

describe('JSON API', () => {
  it('/api/cycles pages newest first with next_before', async () => {
    const a = await json('/api/cycles?limit=3');
    const cycles = a.body['cycles'] as { id: string; summary: unknown; status: string }[];
    expect(cycles).toHaveLength(3);
    const all = (fx.db.prepare('SELECT id FROM cycles ORDER BY as_of DESC').all() as { id: string }[]).map((r) => r.id);
    expect(cycles.map((c) => c.id)).toEqual(all.slice(0, 3));
    const b = await json(`/api/cycles?limit=3&before=${String(a.body['next_before'])}`);
    expect((b.body['cycles'] as { id: string }[]).map((c) => c.id)).toEqual(all.slice(3, 6));
    const filtered = await json('/api/cycles?symbol=MSFT&action=HOLD&limit=500');
    const expected = (
      fx.db.prepare("SELECT DISTINCT c.id FROM cycles c JOIN trades t ON t.cycle_id = c.id WHERE t.symbol = 'MSFT' AND t.action = 'HOLD' ORDER BY c.as_of DESC").all() as { id: string }[]
    ).map((r) => r.id);
    expect((filtered.body['cycles'] as { id: string }[]).map((c) => c.id)).toEqual(expected);
  });

  it('/api/cycles/:id returns the cycle with its timing and every trade with its logic', async () => {
    const id = (fx.db.prepare("SELECT cycle_id FROM trades WHERE symbol = 'NVDA' AND execute_status = 'rejected'").get() as { cycle_id: string }).cycle_id;
    const { res, body } = await json(`/api/cycles/${id}`);
    expect(res.status).toBe(200);
    expect((body['cycle'] as { id: string; timing: { stages: unknown[] } }).timing.stages.length).toBeGreaterThan(5);
    const trades = body['trades'] as { symbol: string; execute_status: string; logic: { final: { action: string } }; overrides: unknown[] }[];
    expect(trades.map((t) => t.symbol)).toEqual(['AAPL', 'MSFT', 'NVDA', 'SPY', 'TLT']);
    expect(trades[2]!.execute_status).toBe('rejected');
    expect(trades[1]!.overrides).toEqual([{ rule: 'confidence_floor', effect: 'hold', detail: 'confidence 0.51 below 0.55' }]);
    expect(trades[1]!.logic.final.action).toBe('HOLD');
    const missing = await json('/api/cycles/c19990101T0000Z');
    expect(missing.res.status).toBe(404);
    expect(missing.body).toMatchObject({ error: 'not_found' });
  });

  it('/api/trades filters by symbol and action, pages with next_before, and accepts an ISO before', async () => {
    const a = await json('/api/trades?symbol=aapl&action=BUY&limit=2');
    const t1 = a.body['trades'] as { id: string; symbol: string; action: string; as_of: string; logic?: unknown }[];
    expect(t1).toHaveLength(2);
    expect(t1.every((t) => t.symbol === 'AAPL' && t.action === 'BUY')).toBe(true);
    expect(t1[0]!.logic).toBeUndefined();
    const all = (fx.db.prepare("SELECT id FROM trades WHERE symbol = 'AAPL' AND action = 'BUY' ORDER BY as_of DESC, rowid DESC").all() as { id: string }[]).map((r) => r.id);
    const b = await json(`/api/trades?symbol=AAPL&action=BUY&limit=2&before=${String(a.body['next_before'])}`);
    expect([...t1, ...(b.body['trades'] as { id: string }[])].map((t) => t.id)).toEqual(all.slice(0, 4));
    const iso = await json(`/api/trades?symbol=AAPL&before=${encodeURIComponent(t1[0]!.as_of)}&limit=500`);
    expect((iso.body['trades'] as { as_of: string }[]).every((t) => t.as_of < t1[0]!.as_of)).toBe(true);
    const withLogic = await json('/api/trades?limit=1&logic=1');
    expect((withLogic.body['trades'] as { logic: { final: unknown } }[])[0]!.logic.final).toBeDefined();
  });

  it.each(['/api/trades?limit=0', '/api/trades?action=SHORT', '/api/trades?before=yesterday', '/api/trades?symbol=A%20B', '/api/cycles?x=1'])('%s is a JSON 400', async (path) => {
    const { res, body } = await json(path);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body['error']).toBe('bad_request');
    expect((body['problems'] as unknown[]).length).toBeGreaterThan(0);
  });
});

describe('token guard', () => {
  const TOKEN = 'viewer-token-0123456789abcdef';
  let guarded: ReturnType<Fixture['app']>;
  beforeAll(() => {
    guarded = fx.app({ token: TOKEN });
  });
  const ROUTES = ['/', '/cycle/c20261120T1500Z', '/positions', '/flow', '/architecture', '/reports', '/reports/eod/2026-11-20.md', '/report/latest.md', '/api/cycles', '/api/cycles/c20261120T1500Z', '/api/trades', '/scoreboard', '/api/scoreboard', '/static/style.css', '/static/mermaid.min.js'];

  it.each(ROUTES)('%s: missing or wrong token is 401; right token (query, bearer, cookie) is served', async (path) => {
    const sep = path.includes('?') ? '&' : '?';
    const missing = await guarded.request(path);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const wrong = await guarded.request(`${path}${sep}token=${TOKEN.slice(0, -1)}x`);
    expect(wrong.status).toBe(401);
    const short = await guarded.request(path, { headers: { Authorization: 'Bearer x' } });
    expect(short.status).toBe(401);
    const longer = await guarded.request(path, { headers: { Authorization: `Bearer ${TOKEN}${TOKEN}` } });
    expect(longer.status).toBe(401);
    const viaQuery = await guarded.request(`${path}${sep}token=${TOKEN}`);
    expect(viaQuery.status).toBe(200);
    const bearer = await guarded.request(path, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    const cookie = viaQuery.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toContain(TOKEN);
    const viaCookie = await guarded.request(path, { headers: { Cookie: cookie.split(';')[0]! } });
    expect(viaCookie.status).toBe(200);
    const badCookie = await guarded.request(path, { headers: { Cookie: `llm_trader_viewer=${'0'.repeat(64)}` } });
    expect(badCookie.status).toBe(401);
  });

  it('answers a browser with an HTML 401 page and never echoes the token', async () => {
    const r = await guarded.request('/', { headers: { Accept: 'text/html' } });
    expect(r.status).toBe(401);
    const body = await r.text();
    expect(body).toContain('Token required');
    for (const path of ROUTES.slice(0, 8)) {
      const ok = await guarded.request(`${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}`);
      expect(await ok.text()).not.toContain(TOKEN);
    }
  });
});

describe('safety', () => {
  it('sets strict security headers on every response, errors included', async () => {
    for (const path of ['/', '/flow', '/nope', '/?limit=0', '/api/cycles', '/healthz', '/static/style.css']) {
      const r = await app.request(path);
      const csp = r.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'none'");
      expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]{20,}'/);
      expect(csp).not.toMatch(/script-src[^;]*unsafe-(inline|eval)/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('x-frame-options')).toBe('DENY');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
    }
    // Only the Mermaid pages allow inline styles (Mermaid writes <style> into its SVG).
    expect((await app.request('/')).headers.get('content-security-policy')).toContain("style-src 'self';");
  });

  it('refuses anything but GET/HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const r = await app.request('/api/cycles', { method });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('GET, HEAD');
    }
  });

  it('holds a read-only database handle: every write throws and nothing changes', async () => {
    const before = fx.db.prepare('SELECT COUNT(*) AS n, MAX(recorded_at) AS r FROM trades').get();
    expect(() => fx.db.prepare("INSERT INTO risk_state (key, value_json, recorded_at) VALUES ('x', '1', 'now')").run()).toThrow(/readonly|read-only|query_only|attempt to write/i);
    expect(() => fx.db.exec('CREATE TABLE viewer_was_here (a)')).toThrow();
    expect(() => fx.db.prepare('DELETE FROM cycles').run()).toThrow();
    expect(fx.db.readonly).toBe(true);
    for (const path of ['/', '/positions', '/api/cycles', '/healthz']) await app.request(path);
    expect(fx.db.prepare('SELECT COUNT(*) AS n, MAX(recorded_at) AS r FROM trades').get()).toEqual(before);
  });

  it('redacts configured secrets that somehow reached the journal', async () => {
    const secret = 'sk-ant-api03-SECRETSECRETSECRET';
    const f = makeFixture([{ asOf: Date.UTC(2026, 10, 20, 15, 0), equity: 100_000, symbols: [{ symbol: 'AAPL', rationale: `key is ${secret}` }] }]);
    const a = f.app({ secrets: [secret] });
    for (const path of ['/', `/cycle/${f.seeded.cycleIds[0]}`, '/api/trades', `/api/cycles/${f.seeded.cycleIds[0]}`]) {
      const body = await (await a.request(path)).text();
      expect(body).not.toContain(secret);
    }
    expect(await (await a.request(`/cycle/${f.seeded.cycleIds[0]}`)).text()).toContain('key is [redacted]');
    f.db.close();
  });
});
