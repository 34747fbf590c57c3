import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { z } from 'zod';
import type { Account, Position } from '../domain/broker.js';
import type { Db } from '../journal/sqlite.js';
import type { Logger } from '../log.js';
import type { BrokerReader } from '../ports/broker.js';
import type { Clock } from '../ports/clock.js';
import { AUTH_COOKIE, createTokenCheck } from './auth.js';
import { equityChart } from './charts.js';
import { FLOW_DIAGRAM, FLOW_STAGES } from './flow.js';
import { escapeHtml, helpers, nyDisplay, prettyJson } from './format.js';
import { renderMarkdown } from './markdown.js';
import {
  apiCyclesQuery,
  apiTradesQuery,
  cycleIdParam,
  indexQuery,
  problemsOf,
  queryObject,
  rawQuery,
  tokenOnlyQuery,
  type Problem,
} from './params.js';
import { readOnlyBroker } from './broker-reader.js';
import { createQueries } from './queries.js';
import { contentTypeFor, KIND_LABEL, listReports, readReport, REPORT_KINDS, reportKindSchema, reportUrl, resolveReport } from './reports.js';
import { cycleJson, cycleListView, cycleView, tradeJson } from './view-model.js';
import { loadScoreboard, scoreboardJson, scoreboardPage } from './scoreboard.js';

/**
 * The read-only web viewer: a Hono app over a read-only SQLite handle, the broker's read side
 * (BrokerReader: account and positions, for /positions) and the reports folder. Nothing here
 * can write: the database handle is read-only (and query_only), the broker is narrowed to its
 * two reads on the way in (no order method is reachable), and every non-GET request is refused.
 */
export interface ViewerOptions {
  /** Opened with openDatabase(path, { readonly: true }). */
  readonly db: Db;
  /** null when no broker adapter is configured for the mode (the page says so). Only its two reads are kept. */
  readonly broker: BrokerReader | null;
  /** A short line on /positions about where positions come from, or why there is no broker. */
  readonly brokerNote?: string | (() => string);
  readonly reportsDir: string;
  /** When set, every route except /healthz needs it (Bearer, ?token= or the cookie set after ?token=). */
  readonly token?: string | undefined;
  /** Markdown document rendered at /architecture. */
  readonly archDocPath: string;
  readonly clock: Clock;
  /** Values that must never appear in a response (API keys etc.); replaced by [redacted] as a last line of defence. */
  readonly secrets?: readonly string[];
  readonly log?: Logger;
  readonly brokerTimeoutMs?: number;
  /** Defaults to the repository's views/ folder. */
  readonly viewsDir?: string;
}

type Env = { Variables: { nonce: string } };

const here = fileURLToPath(new URL('.', import.meta.url));
const DEFAULT_VIEWS = join(here, '..', '..', 'views');
const require = createRequire(import.meta.url);

const ACTION_LABELS = ['BUY', 'SELL', 'HOLD'] as const;

function cspFor(nonce: string, allowInlineStyles: boolean): string {
  return [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Mermaid writes <style> into the SVG it generates, so only /flow and /architecture relax style-src.
    allowInlineStyles ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export function createViewerApp(opts: ViewerOptions): Hono<Env> {
  const { db, clock } = opts;
  // Belt and braces: the handle is opened read-only; query_only also refuses writes on it.
  try {
    db.pragma('query_only = ON');
  } catch {
    /* a closed handle surfaces on the first request instead */
  }
  const q = createQueries(db);
  const guard = createTokenCheck(opts.token);
  const viewsDir = opts.viewsDir ?? DEFAULT_VIEWS;
  const eta = new Eta({ views: viewsDir, cache: true, autoEscape: true, escapeFunction: escapeHtml, autoTrim: [false, 'nl'] });
  const css = readFileSync(join(viewsDir, 'static', 'style.css'), 'utf8');
  const favicon = readFileSync(join(viewsDir, 'static', 'favicon.svg'), 'utf8');
  let mermaidJs: string | null = null;
  const secrets = (opts.secrets ?? []).filter((s) => s.length >= 6);
  const brokerTimeoutMs = opts.brokerTimeoutMs ?? 5000;
  const broker = opts.broker ? readOnlyBroker(opts.broker) : null;
  let chartCache: { gen: number; chart: ReturnType<typeof equityChart> } | null = null;

  const app = new Hono<Env>();

  // --- security headers on every response ---
  app.use('*', async (c, next) => {
    const nonce = randomBytes(18).toString('base64url');
    c.set('nonce', nonce);
    await next();
    const path = c.req.path;
    const inlineStyles = path === '/flow' || path === '/architecture';
    if (!c.res.headers.has('Content-Security-Policy')) c.header('Content-Security-Policy', cspFor(nonce, inlineStyles));
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    c.header('Cross-Origin-Resource-Policy', 'same-origin');
    c.header('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()');
    c.header('X-Robots-Tag', 'noindex, nofollow');
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
    if (secrets.length > 0) {
      const type = c.res.headers.get('Content-Type') ?? '';
      if (/^(text\/|application\/json)/.test(type)) {
        let body = await c.res.text();
        let hit = false;
        for (const s of secrets) {
          if (body.includes(s)) {
            hit = true;
            body = body.split(s).join('[redacted]');
          }
        }
        c.res = new Response(body, { status: c.res.status, headers: c.res.headers });
        if (hit) opts.log?.warn('viewer redacted a secret from a response', { path });
      }
    }
  });

  // --- errors ---
  const isApi = (c: Context) => c.req.path.startsWith('/api/') || c.req.path === '/healthz';

  const page = (c: Context<Env>, template: string, data: Record<string, unknown>, status = 200) => {
    const last = safeLastCycle();
    const html = eta.render(template, {
      ...data,
      h: helpers,
      nonce: c.get('nonce'),
      path: c.req.path,
      now: nyDisplay(clock.now()),
      lastCycle: last,
    });
    return c.html(html, status as 200);
  };

  const safeLastCycle = () => {
    try {
      return q.lastCycle();
    } catch {
      return null;
    }
  };

  const badRequest = (c: Context<Env>, problems: readonly Problem[]) => {
    if (isApi(c)) return c.json({ error: 'bad_request', problems }, 400);
    return page(c, 'error', { title: 'Bad request', status: 400, heading: 'That request did not make sense', message: 'Some parameters were not valid:', problems }, 400);
  };
  const notFound = (c: Context<Env>, what = 'There is nothing at this address.') => {
    if (isApi(c)) return c.json({ error: 'not_found', message: what }, 404);
    return page(c, 'error', { title: 'Not found', status: 404, heading: 'Not found', message: what, problems: [] }, 404);
  };

  const parse = <S extends z.ZodType>(c: Context<Env>, schema: S): { ok: true; value: z.infer<S> } | { ok: false; res: Response } => {
    const r = schema.safeParse(queryObject(c.req.url));
    if (r.success) return { ok: true, value: r.data as z.infer<S> };
    return { ok: false, res: badRequest(c, problemsOf(r.error)) };
  };

  app.onError((err, c) => {
    opts.log?.error('viewer request failed', { path: c.req.path, error: err.message });
    if (isApi(c)) return c.json({ error: 'internal_error', message: 'the viewer could not answer this request; see its log' }, 500);
    try {
      return page(c as Context<Env>, 'error', { title: 'Error', status: 500, heading: 'Something went wrong', message: 'The viewer could not build this page. The details are in its log.', problems: [] }, 500);
    } catch {
      return c.text('Internal error', 500);
    }
  });
  app.notFound((c) => notFound(c as Context<Env>));

  // --- read-only: refuse every method that could mean "change something" ---
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      c.header('Allow', 'GET, HEAD');
      return isApi(c) ? c.json({ error: 'method_not_allowed', message: 'the viewer is read-only' }, 405) : c.text('The viewer is read-only.', 405);
    }
    return next();
  });

  // --- health: unguarded, JSON ---
  app.get('/healthz', (c) => {
    try {
      const last = q.lastCycle();
      return c.json({ db: 'ok', last_cycle_at: last?.as_of ?? null, last_cycle_status: last?.status ?? null, last_cycle_id: last?.id ?? null, checked_at: new Date(clock.now()).toISOString() });
    } catch (e) {
      opts.log?.warn('healthz: database unreachable', { error: e instanceof Error ? e.message : String(e) });
      return c.json({ db: 'unreachable', last_cycle_at: null, last_cycle_status: null, checked_at: new Date(clock.now()).toISOString() }, 503);
    }
  });

  // --- token guard for everything else ---
  app.use('*', async (c, next) => {
    if (!guard.enabled) return next();
    const url = new URL(c.req.url);
    const r = guard.check({ authorization: c.req.header('Authorization'), queryToken: url.searchParams.get('token') ?? undefined, cookie: getCookie(c, AUTH_COOKIE) });
    if (!r.ok) {
      c.header('WWW-Authenticate', 'Bearer realm="llm-trader viewer"');
      if (isApi(c) || !(c.req.header('Accept') ?? '').includes('text/html')) return c.json({ error: 'unauthorized', message: 'a valid token is required (Authorization: Bearer or ?token=)' }, 401);
      return page(c, 'error', { title: 'Token required', status: 401, heading: 'Token required', message: 'This viewer is protected. Open it with ?token=… (or send Authorization: Bearer …).', problems: [], hideNav: true }, 401);
    }
    if (r.via === 'query' && guard.cookieValue) setCookie(c, AUTH_COOKIE, guard.cookieValue, { path: '/', httpOnly: true, sameSite: 'Strict' });
    return next();
  });

  // --- static assets ---
  app.get('/static/style.css', (c) => {
    c.header('Cache-Control', 'private, max-age=300');
    return c.body(css, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  app.get('/static/mermaid.min.js', (c) => {
    mermaidJs ??= readFileSync(require.resolve('mermaid/dist/mermaid.min.js'), 'utf8');
    c.header('Cache-Control', 'private, max-age=86400');
    return c.body(mermaidJs, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });
  app.get('/favicon.svg', (c) => {
    c.header('Cache-Control', 'private, max-age=86400');
    return c.body(favicon, 200, { 'Content-Type': 'image/svg+xml' });
  });
  app.get('/favicon.ico', (c) => c.redirect('/favicon.svg', 301));

  // --- pages ---
  app.get('/', (c) => {
    const p = parse(c, indexQuery);
    if (!p.ok) return p.res;
    const { symbol, action, before, after, limit } = p.value;
    const filter = { symbol, action };
    const res = q.cycles(filter, limit, { before, after });
    const series = q.equitySeries();
    if (!chartCache || chartCache.gen !== series.gen) chartCache = { gen: series.gen, chart: equityChart(series.points) };
    const chart = chartCache.chart;
    return page(c, 'index', {
      title: 'Cycles',
      filter,
      limit,
      rows: res.rows.map(cycleListView),
      older: res.older,
      newer: res.newer,
      chart,
      symbols: q.symbols(),
      actions: ACTION_LABELS,
    });
  });

  app.get('/cycle/:id', (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    const id = cycleIdParam.safeParse(c.req.param('id'));
    if (!id.success) return badRequest(c, problemsOf(id.error).map((x) => ({ ...x, field: 'cycle id' })));
    const row = q.cycle(id.data);
    if (!row) return notFound(c, `No cycle with id ${id.data}.`);
    const view = cycleView(row, q.tradesOfCycle(id.data));
    return page(c, 'cycle', { title: `Cycle ${view.id}`, cycle: view, nav: q.neighbours(id.data), regimePretty: prettyJson(row.regime_json) });
  });

  app.get('/positions', async (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    let account: Account | null = null;
    let positions: readonly Position[] = [];
    let error: string | null = null;
    if (broker) {
      try {
        [account, positions] = await withTimeout(Promise.all([broker.getAccount(), broker.getPositions()]), brokerTimeoutMs);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        opts.log?.warn('positions: broker unreachable', { error });
      }
    }
    const sorted = [...positions].sort((a, b) => b.marketValue - a.marketValue);
    const totals = {
      marketValue: sorted.reduce((s, x) => s + x.marketValue, 0),
      unrealizedPl: sorted.reduce((s, x) => s + x.unrealizedPl, 0),
      cost: sorted.reduce((s, x) => s + x.qty * x.avgEntryPrice, 0),
    };
    return page(c, 'positions', {
      title: 'Positions',
      configured: broker !== null,
      note: typeof opts.brokerNote === 'function' ? opts.brokerNote() : (opts.brokerNote ?? null),
      account,
      positions: sorted,
      totals,
      error,
      checkedAt: nyDisplay(clock.now()),
    });
  });

  app.get('/flow', (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    return page(c, 'flow', { title: 'Flow', diagram: FLOW_DIAGRAM, stages: FLOW_STAGES });
  });

  app.get('/architecture', (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    if (!existsSync(opts.archDocPath)) return notFound(c, 'The architecture document is missing.');
    const html = renderMarkdown(readFileSync(opts.archDocPath, 'utf8'));
    return page(c, 'doc', { title: 'Architecture', docHtml: html, mermaid: html.includes('<pre class="mermaid">'), source: null });
  });

  app.get('/reports', (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    const found = listReports(opts.reportsDir);
    const lists = Object.fromEntries(REPORT_KINDS.map((k) => [k, found[k].map((f) => ({ ...f, url: reportUrl(f) }))]));
    return page(c, 'reports', { title: 'Reports', kinds: REPORT_KINDS, labels: KIND_LABEL, lists, hasLatest: resolveReport(opts.reportsDir, 'weekly', null, 'latest.md') !== null });
  });

  const showReport = (c: Context<Env>, kindParam: string, dir: string | null, name: string) => {
    const p = parse(c, rawQuery);
    if (!p.ok) return p.res;
    const kind = reportKindSchema.safeParse(kindParam);
    if (!kind.success) return notFound(c, 'There is no such report folder.');
    const f = resolveReport(opts.reportsDir, kind.data, dir, name);
    if (!f) return notFound(c, 'There is no such report.');
    const ext = extname(f.info.name).toLowerCase();
    if (p.value.raw === '1') {
      // Served as data, never as a page of this site: sandboxed, no scripts (SVG charts keep their inline styles).
      c.header('Content-Security-Policy', `default-src 'none'; ${ext === '.svg' ? "style-src 'unsafe-inline'; " : ''}sandbox`);
      return c.body(readReport(f.path), 200, { 'Content-Type': contentTypeFor(f.info.name) });
    }
    // Images in a report may show that report's own charts (files beside it), loaded with <img> (no script runs).
    const image = (href: string) => {
      const sibling = resolveReport(opts.reportsDir, kind.data, dir, href.replace(/^\.\//, ''));
      return sibling && extname(sibling.info.name).toLowerCase() === '.svg' ? `${reportUrl(sibling.info)}?raw=1` : null;
    };
    let docHtml: string;
    if (ext === '.md') docHtml = renderMarkdown(readReport(f.path), { image });
    else if (ext === '.svg') docHtml = `<p><img class="report-chart" src="${escapeHtml(`${reportUrl(f.info)}?raw=1`)}" alt="${escapeHtml(f.info.name)}"></p>`;
    else {
      const text = readReport(f.path);
      docHtml = `<pre class="code"><code>${escapeHtml(ext === '.json' ? prettyJson(text) : text)}</code></pre>`;
    }
    return page(c, 'doc', {
      title: `${KIND_LABEL[kind.data]}: ${f.info.dir !== null ? `${f.info.dir}/` : ''}${f.info.name}`,
      docHtml,
      mermaid: false,
      source: { label: KIND_LABEL[kind.data], dir: f.info.dir, name: f.info.name, url: reportUrl(f.info), modified: nyDisplay(f.info.modified), bytes: f.info.bytes },
    });
  };
  app.get('/reports/:kind/:name', (c) => showReport(c, c.req.param('kind'), null, c.req.param('name')));
  app.get('/reports/:kind/:dir/:name', (c) => showReport(c, c.req.param('kind'), c.req.param('dir'), c.req.param('name')));

  app.get('/report/latest.md', (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    const f = resolveReport(opts.reportsDir, 'weekly', null, 'latest.md');
    if (!f) return notFound(c, 'No weekly review has been written yet (reports/weekly/latest.md is missing).');
    c.header('Content-Security-Policy', "default-src 'none'; sandbox");
    return c.body(readReport(f.path), 200, { 'Content-Type': 'text/markdown; charset=utf-8' });
  });

  // Scoreboard (issue 11): equity vs SPY and decision outcomes, from the journal.
  app.get('/scoreboard', (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    return page(c, 'scoreboard', { title: 'Scoreboard', sb: scoreboardPage(loadScoreboard(opts.db)) });
  });

  // --- JSON API ---
  app.get('/api/cycles', (c) => {
    const p = parse(c, apiCyclesQuery);
    if (!p.ok) return p.res;
    const { symbol, action, before, after, limit } = p.value;
    const res = q.cycles({ symbol, action }, limit, { before, after });
    return c.json({ cycles: res.rows.map(cycleJson), next_before: res.older, prev_after: res.newer });
  });

  app.get('/api/cycles/:id', (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    const id = cycleIdParam.safeParse(c.req.param('id'));
    if (!id.success) return badRequest(c, problemsOf(id.error).map((x) => ({ ...x, field: 'cycle id' })));
    const row = q.cycle(id.data);
    if (!row) return notFound(c, `no cycle with id ${id.data}`);
    return c.json({ cycle: cycleJson(row), trades: q.tradesOfCycle(id.data).map(tradeJson) });
  });

  app.get('/api/trades', (c) => {
    const p = parse(c, apiTradesQuery);
    if (!p.ok) return p.res;
    const { symbol, action, limit, before, logic } = p.value;
    const res = q.trades({ symbol, action }, limit, before?.cursor, before?.asOf, logic);
    return c.json({ trades: res.rows.map(tradeJson), next_before: res.older });
  });

  app.get('/api/scoreboard', (c) => {
    const p = parse(c, tokenOnlyQuery);
    if (!p.ok) return p.res;
    return c.json(scoreboardJson(loadScoreboard(opts.db)));
  });

  return app;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the broker did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
