import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { createViewerBroker } from '../app/viewer-broker.js';
import { createSystemClock } from '../adapters/sim/clock.js';
import { openDatabase } from '../journal/sqlite.js';
import { createLogger } from '../log.js';
import { createViewerApp } from '../web/app.js';
import { parseCli } from './args.js';

const USAGE = `
npm run viewer [-- --db PATH] [--port N]

Serves the read-only web viewer: cycles and their pipeline, decisions with their reasons and
overrides, live positions, the flow diagram, the architecture document and the reports.
It opens the journal database read-only and never changes anything.

  --db PATH    the journal database (default TRADER_DB_PATH, data/logs/trades.db)
  --port N     port to listen on (default VIEWER_PORT, 8080; 0 picks a free one)
  -h, --help   this text

Binds to VIEWER_HOST (default 127.0.0.1). When VIEWER_TOKEN is set, every route except
/healthz needs it: open http://HOST:PORT/?token=... once in the browser (a cookie keeps you
signed in), or send "Authorization: Bearer ..." from scripts.
`;

const { values } = parseCli(USAGE, { db: { type: 'string' }, port: { type: 'string' } });
const config = configOrExit();
const clock = createSystemClock();
const log = createLogger({ level: config.logLevel, clock });

const port = values.port === undefined ? config.viewer.port : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`--port: expected a whole number from 0 to 65535, got ${JSON.stringify(values.port)}\n`);
  process.exit(2);
}
const dbPath = values.db ?? config.paths.db;
if (!existsSync(dbPath)) {
  process.stderr.write(`no journal database at ${dbPath} (run "npm run demo" to create one, or pass --db PATH)\n`);
  process.exit(2);
}

function main(): void {
  const db = openDatabase(dbPath, { readonly: true });

  // The broker behind /positions, chosen here like every adapter, and narrowed to its two reads.
  const { broker, note: brokerNote } = createViewerBroker(config, { db, clock, log });

  const secrets = [config.alpaca?.keyId, config.alpaca?.secretKey, config.anthropicKey, config.healthcheck?.url, config.viewer.token].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  const app = createViewerApp({
    db,
    broker,
    brokerNote,
    reportsDir: config.paths.reports,
    token: config.viewer.token ?? undefined,
    archDocPath: fileURLToPath(new URL('../../docs/ARCHITECTURE.md', import.meta.url)),
    clock,
    secrets,
    log,
  });

  const host = config.viewer.host;
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  if (!loopback && config.viewer.token === null) log.warn('viewer bound to a non-loopback address without VIEWER_TOKEN; anyone who can reach it can read the journal', { host });

  const server = serve({ fetch: app.fetch, hostname: host, port }, (info) => {
    const shownHost = info.family === 'IPv6' ? `[${info.address}]` : info.address;
    log.info('viewer listening', { url: `http://${shownHost}:${info.port}/`, db: dbPath, mode: config.mode, token_required: config.viewer.token !== null });
  });
  server.on('error', (e) => failAndExit(e));
  const stop = () => {
    server.close();
    if (db.open) db.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

try {
  main();
} catch (e) {
  failAndExit(e);
}
