import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { formatConfigError, loadConfig, readEnv, SECRET_VARS, type Config } from '../config.js';
import { ConfigError } from '../domain/errors.js';
import { createAlpacaClient, describeFailure } from '../adapters/alpaca/client.js';
import { createAlpacaBroker } from '../adapters/alpaca/broker.js';
import { createAlpacaCalendar } from '../adapters/alpaca/calendar.js';
import { createAlpacaMarketData } from '../adapters/alpaca/market-data.js';
import { createSystemClock } from '../adapters/sim/clock.js';
import { addDays, nyDate, nyIso } from '../core/time/ny.js';
import { openDatabase, type Db } from '../journal/sqlite.js';
import { parseCli } from './args.js';

const USAGE = `
npm run doctor

Checks that this box can trade: configuration, Alpaca keys, account status and buying power,
the market clock, the calendar, market-data access (one bar and one quote on the configured
feed), the Anthropic key when one is set, and that the journal database is writable. Prints a
pass/fail table with a fix for each failure and exits 1 when anything failed (0 otherwise).
Never prints a key.

  -h, --help     this text
`;

type Result = 'PASS' | 'FAIL' | 'SKIP';
interface Row {
  readonly check: string;
  readonly result: Result;
  readonly detail: string;
  readonly fix?: string;
}

parseCli(USAGE, {});
const wall = createSystemClock();
const rows: Row[] = [];
const env = readEnv();
const secrets = SECRET_VARS.map((k) => env[k]).filter((v): v is string => typeof v === 'string' && v.trim().length >= 4).map((v) => v.trim());
/** Belt and braces: whatever a server or library said, no secret value is ever printed. */
const scrub = (s: string) => secrets.reduce((acc, v) => acc.split(v).join('[redacted]'), s);
const money = (x: number) => `$${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
/** A URL for display: no user:password part. */
const shown = (url: string) => {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
};
const why = (e: unknown) => {
  const f = describeFailure(e);
  return scrub(`${f.status !== undefined ? `HTTP ${f.status}: ` : ''}${f.message}`).slice(0, 200);
};

async function check(name: string, fn: () => Promise<Omit<Row, 'check'>>): Promise<void> {
  try {
    rows.push({ check: name, ...(await fn()) });
  } catch (e) {
    rows.push({ check: name, result: 'FAIL', detail: why(e), fix: 'unexpected error; rerun with LOG_LEVEL=debug' });
  }
}

function authFix(status: number | undefined, config: Config): string {
  if (status === 401 || status === 403) {
    return `the key pair was refused by ${shown(config.alpacaApi.baseUrl)}: paper keys only work with the paper host and live keys with the live host; regenerate them in the Alpaca dashboard`;
  }
  return `could not reach ${shown(config.alpacaApi.baseUrl)}: check network/proxy and APCA_API_BASE_URL`;
}

async function main(): Promise<number> {
  let config: Config;
  try {
    config = loadConfig(env);
    rows.push({ check: 'config', result: 'PASS', detail: `mode ${config.mode}, trading ${shown(config.alpacaApi.baseUrl)}, data ${shown(config.alpacaApi.dataUrl)}, feed ${config.alpacaApi.feed}` });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    rows.push({ check: 'config', result: 'FAIL', detail: scrub(formatConfigError(e).replace(/\n\s*/g, ' ')), fix: 'fix the variables listed (see .env.example)' });
    return print();
  }

  if (!config.alpaca) {
    const needed = config.mode !== 'sim';
    rows.push({
      check: 'keys',
      result: needed ? 'FAIL' : 'SKIP',
      detail: 'APCA_API_KEY_ID / APCA_API_SECRET_KEY not set',
      ...(needed ? { fix: 'set both keys (Alpaca dashboard > API keys), or TRADER_MODE=sim' } : {}),
    });
    for (const c of ['account', 'clock', 'calendar', 'market data']) rows.push({ check: c, result: 'SKIP', detail: 'no Alpaca keys (simulator mode)' });
  } else {
    rows.push({ check: 'keys', result: 'PASS', detail: 'APCA_API_KEY_ID and APCA_API_SECRET_KEY set (values not shown)' });
    const client = createAlpacaClient({
      keyId: config.alpaca.keyId,
      secretKey: config.alpaca.secretKey,
      tradingUrl: config.alpacaApi.baseUrl,
      dataUrl: config.alpacaApi.dataUrl,
      clock: wall,
      timeoutMs: Math.min(config.alpacaApi.timeoutMs, 10_000),
      retry: { maxAttempts: 2, baseDelayMs: 300 },
    });
    const broker = createAlpacaBroker({ client });
    let accountOk = false;
    await check('account', async () => {
      try {
        const a = await broker.getAccount();
        accountOk = true;
        if (a.status !== 'ACTIVE') return { result: 'FAIL', detail: `account status ${a.status}`, fix: 'the account must be ACTIVE to trade; see the Alpaca dashboard' };
        if (!(a.buyingPower > 0)) return { result: 'FAIL', detail: `buying power ${money(a.buyingPower)} (equity ${money(a.equity)})`, fix: 'no buying power: fund the account or reset the paper account' };
        return { result: 'PASS', detail: `ACTIVE, equity ${money(a.equity)}, buying power ${money(a.buyingPower)}` };
      } catch (e) {
        return { result: 'FAIL', detail: why(e), fix: authFix(describeFailure(e).status, config) };
      }
    });
    await check('clock', async () => {
      try {
        const c = await broker.getClock();
        const skew = Math.abs(c.timestamp - wall.now()) / 1000;
        const state = c.isOpen ? `market open, closes ${nyIso(c.nextClose)}` : `market closed, opens ${nyIso(c.nextOpen)}`;
        if (skew > 60) return { result: 'FAIL', detail: `${state}; local clock is ${skew.toFixed(0)} s off Alpaca's`, fix: 'sync the system clock (e.g. timedatectl set-ntp true)' };
        return { result: 'PASS', detail: `${state}; clock skew ${skew.toFixed(1)} s` };
      } catch (e) {
        return { result: 'FAIL', detail: why(e), fix: accountOk ? 'the clock endpoint failed; retry, then check status.alpaca.markets' : authFix(describeFailure(e).status, config) };
      }
    });
    let db: Db | null = null;
    try {
      db = openDatabase(config.paths.db);
    } catch {
      db = null; // reported by the database check below
    }
    const calendarDb = db ?? openDatabase(':memory:');
    const calendar = createAlpacaCalendar({ client, db: calendarDb, clock: wall });
    await check('calendar', async () => {
      try {
        const today = nyDate(wall.now());
        const ss = await calendar.sessions(today, addDays(today, 14));
        const next = ss.find((s) => s.close > wall.now());
        if (!next) return { result: 'FAIL', detail: 'no sessions in the next 14 days', fix: 'the calendar came back empty; check APCA_API_BASE_URL' };
        return { result: 'PASS', detail: `${ss.length} sessions in the next 14 days; next ${nyIso(next.open)} to ${nyIso(next.close).slice(11, 16)}${next.early ? ' (early close)' : ''}` };
      } catch (e) {
        return { result: 'FAIL', detail: why(e), fix: authFix(describeFailure(e).status, config) };
      }
    });
    await check('market data', async () => {
      const market = createAlpacaMarketData({ client, calendar, clock: wall, feed: config.alpacaApi.feed });
      const probe = 'SPY';
      try {
        const now = wall.now();
        const [bars, latest] = await Promise.all([market.getBars({ symbols: [probe], timeframe: '1Day', start: now - 14 * 86_400_000, end: now }), market.getLatest([probe])]);
        const last = bars.get(probe)?.at(-1);
        const q = latest.get(probe);
        if (!last || !q) return { result: 'FAIL', detail: `${probe}: ${last ? 'a bar' : 'no daily bar'}, ${q ? 'a quote' : 'no quote'} on feed ${config.alpacaApi.feed}`, fix: 'the data API answered without data; check APCA_API_DATA_URL and ALPACA_DATA_FEED' };
        return { result: 'PASS', detail: `${probe} daily bar ${nyDate(last.t)} close ${last.c}, last trade ${q.price} (feed ${config.alpacaApi.feed})` };
      } catch (e) {
        const f = describeFailure(e);
        const fix =
          f.status === 403 && config.alpacaApi.feed === 'sip'
            ? 'ALPACA_DATA_FEED=sip needs a paid market-data plan; set ALPACA_DATA_FEED=iex'
            : f.status === 401 || f.status === 403
              ? `the data API refused the keys at ${shown(config.alpacaApi.dataUrl)}; check the key pair and APCA_API_DATA_URL`
              : `could not reach ${shown(config.alpacaApi.dataUrl)}: check network/proxy and APCA_API_DATA_URL`;
        return { result: 'FAIL', detail: why(e), fix };
      }
    });
    if (db) db.close();
    if (calendarDb !== db) calendarDb.close();
  }

  await check('anthropic', async () => {
    if (config.anthropicKey === null) return { result: 'SKIP', detail: 'ANTHROPIC_API_KEY not set: the rules brain decides' };
    try {
      const client = new Anthropic({ apiKey: config.anthropicKey, ...(config.brain.baseUrl ? { baseURL: config.brain.baseUrl } : {}), timeout: 10_000, maxRetries: 1 });
      const page = await client.models.list({ limit: 1 });
      return { result: 'PASS', detail: `key accepted (${page.data.length > 0 ? `e.g. ${page.data[0]!.id}` : 'no models listed'}); brain ${config.brain.kind}` };
    } catch (e) {
      const status = (e as { status?: unknown }).status;
      return {
        result: 'FAIL',
        detail: scrub(`${typeof status === 'number' ? `HTTP ${status}: ` : ''}${e instanceof Error ? e.message : String(e)}`).slice(0, 200),
        fix: status === 401 ? 'the Anthropic key was refused; create a new one at console.anthropic.com' : 'could not reach the Anthropic API; check network/proxy and ANTHROPIC_BASE_URL',
      };
    }
  });

  await check('database', async () => {
    try {
      const db = openDatabase(config.paths.db);
      try {
        db.exec('BEGIN IMMEDIATE');
        db.exec('ROLLBACK');
        const version = (db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v;
        const mode = String(db.pragma('journal_mode', { simple: true }));
        mkdirSync(dirname(config.paths.journal), { recursive: true });
        accessSync(dirname(config.paths.journal), constants.W_OK);
        return { result: 'PASS', detail: `${config.paths.db} writable (schema v${version}, ${mode}); ${dirname(config.paths.journal)} writable` };
      } finally {
        db.close();
      }
    } catch (e) {
      return { result: 'FAIL', detail: scrub(e instanceof Error ? e.message : String(e)).slice(0, 200), fix: `make ${dirname(config.paths.db)} writable by this user, or point TRADER_DB_PATH / TRADER_JOURNAL_PATH elsewhere` };
    }
  });

  return print();
}

function print(): number {
  const w1 = Math.max(5, ...rows.map((r) => r.check.length));
  const lines = ['llm-trader doctor', '', `  ${'check'.padEnd(w1)}  result  detail`];
  for (const r of rows) lines.push(`  ${r.check.padEnd(w1)}  ${r.result.padEnd(6)}  ${r.detail}`);
  const failed = rows.filter((r) => r.result === 'FAIL');
  if (failed.length > 0) {
    lines.push('', 'How to fix:');
    for (const r of failed) lines.push(`  ${r.check}: ${r.fix ?? 'see the detail above'}`);
  }
  const passed = rows.filter((r) => r.result === 'PASS').length;
  const skipped = rows.filter((r) => r.result === 'SKIP').length;
  lines.push('', `${rows.length} checks: ${passed} passed, ${failed.length} failed, ${skipped} skipped`);
  process.stdout.write(`${scrub(lines.join('\n'))}\n`);
  return failed.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`doctor: ${scrub(e instanceof Error ? e.message : String(e))}\n`);
    process.exit(1);
  },
);
