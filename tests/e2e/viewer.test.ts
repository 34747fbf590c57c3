import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, richCycles, type Fixture } from '../web/fixture.js';
import { HOSTILE } from '../web/hostile.js';

/**
 * The viewer in a real browser: Debian chromium driven by playwright-core, against the app
 * served by @hono/node-server on a random loopback port, with a token (so the cookie flow
 * is exercised too). Screenshots go to test-output/e2e/.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TOKEN = 'e2e-viewer-token-0123456789';
const OUT = join(import.meta.dirname, '..', '..', 'test-output', 'e2e');

let fx: Fixture;
let server: ServerType;
let base: string;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  const hostile = HOSTILE.slice(0, 12).map((h, i) => ({
    asOf: Date.UTC(2026, 10, 10, 15, 0) + i * 3_600_000,
    equity: 99_000 + i * 10,
    regime: { rationale: h },
    symbols: [{ symbol: h, action: 'HOLD' as const, rationale: h, strategy: h, overrides: [{ rule: h, effect: 'hold' as const, detail: h }] }],
  }));
  fx = makeFixture([...hostile, ...richCycles()]);
  const app = fx.app({ token: TOKEN });
  server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  fx?.db.close();
});

describe('viewer in Chromium', () => {
  it('loads /, opens a cycle, expands its logic_json, renders the /flow diagram, with no console errors', async () => {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });

    // The token once in the URL; after that the HttpOnly cookie carries every link.
    const res = await page.goto(`${base}/?token=${TOKEN}`);
    expect(res?.status()).toBe(200);
    await expect(page.locator('svg.chart path.equity-line').count()).resolves.toBe(1);
    await page.screenshot({ path: join(OUT, 'index.png'), fullPage: true });

    // Open the cycle with the rejected order (richCycles) from the table.
    const id = (fx.db.prepare("SELECT cycle_id FROM trades WHERE symbol = 'NVDA' AND execute_status = 'rejected'").get() as { cycle_id: string }).cycle_id;
    await page.locator(`table.cycles a[href="/cycle/${id}"]`).click();
    await page.waitForURL(`${base}/cycle/${id}`);
    expect(await page.locator('ol.pipeline li.stage').count()).toBe(7);
    expect(await page.locator('tbody.symbol').count()).toBe(5);

    const details = page.locator('details.logic').nth(1);
    const pre = details.locator('pre.json');
    expect(await pre.isVisible()).toBe(false);
    await details.locator('summary').click();
    expect(await details.getAttribute('open')).not.toBeNull();
    expect(await pre.isVisible()).toBe(true);
    const logic = JSON.parse((await pre.textContent()) ?? '') as { final: { symbol: string; action: string }; overrides: { rule: string }[] };
    expect(logic.final).toMatchObject({ symbol: 'MSFT', action: 'HOLD' });
    expect(logic.overrides[0]!.rule).toBe('confidence_floor');
    await page.screenshot({ path: join(OUT, 'cycle.png'), fullPage: true });

    // The flow diagram: Mermaid from this server renders an SVG in place of the source.
    await page.locator('nav[aria-label="Main"] a[href="/flow"]').click();
    await page.waitForSelector('body[data-diagram="rendered"]', { timeout: 20_000 });
    const svg = page.locator('pre.mermaid svg');
    expect(await svg.count()).toBe(1);
    expect(await svg.locator('.node').count()).toBeGreaterThan(10);
    const box = await svg.boundingBox();
    expect(box && box.width > 200 && box.height > 200).toBe(true);
    await page.screenshot({ path: join(OUT, 'flow.png'), fullPage: true });

    for (const path of ['/positions', '/reports', '/architecture', '/reports/weekly/latest.md']) {
      const r = await page.goto(`${base}${path}`);
      expect(r?.status(), path).toBe(200);
    }
    await page.goto(`${base}/positions`);
    await page.screenshot({ path: join(OUT, 'positions.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('runs nothing from hostile cycles (no dialog, no injected element, no console error)', async () => {
    const ctx = await browser.newContext({ extraHTTPHeaders: { Authorization: `Bearer ${TOKEN}` } });
    const page = await ctx.newPage();
    const events: string[] = [];
    page.on('dialog', (d) => {
      events.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('pageerror', (e) => events.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') events.push(m.text());
    });
    // Any request that leaves the viewer (a hostile src/href being fetched) is recorded and blocked.
    await page.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : (events.push(`request: ${route.request().url()}`), route.abort())));
    const ids = fx.seeded.cycleIds.slice(0, 12);
    await page.goto(`${base}/?limit=200`);
    for (const id of ids) {
      const r = await page.goto(`${base}/cycle/${encodeURIComponent(id)}`);
      expect(r?.status()).toBe(200);
      await page.locator('details.logic summary').first().click();
      const injected = await page.locator('img, iframe, object, embed, svg[onload], [onerror], [onclick], [onmouseover], [onfocus], [ontoggle], marquee, video').count();
      expect(injected).toBe(0);
      expect(await page.locator('script').count()).toBe(0);
    }
    await page.screenshot({ path: join(OUT, 'hostile-cycle.png'), fullPage: true });
    expect(events).toEqual([]);
    await ctx.close();
  });
});
