import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { LOOKBACK_DAYS } from '../app/compose.js';
import { createNyseRulesCalendar } from '../adapters/calendar/nyse-rules.js';
import { alpacaClientFromConfig } from '../app/alpaca-client.js';
import { createAlpacaMarketData } from '../adapters/alpaca/market-data.js';
import { createSystemClock } from '../adapters/sim/clock.js';
import { fetchBarsToCache, openBarsCache } from '../backtest/bars-cache.js';
import { addDays } from '../core/time/ny.js';
import { createLogger } from '../log.js';
import { parseCli } from './args.js';

const USAGE = `
npm run fetch-bars -- --symbols A,B --from YYYY-MM-DD --to YYYY-MM-DD [--timeframe day|minute] [--refresh]

Downloads Alpaca historical bars (split and dividend adjusted, ALPACA_DATA_FEED) into the local
SQLite bars cache (BACKTEST_BARS_CACHE, default data/cache/bars.db) so that
npm run backtest -- --data alpaca replays them offline. Ranges already in the cache are not
fetched again (--refresh fetches them anyway). Daily bars are fetched from ${LOOKBACK_DAYS} days before
--from (indicator warm-up); --timeframe minute also fetches those daily bars. Needs
APCA_API_KEY_ID and APCA_API_SECRET_KEY.

  --symbols A,B        symbols (default WATCHLIST_STATIC)
  --from, --to DATE    backtest period, inclusive (required)
  --timeframe          day (default) or minute
  --refresh            fetch even what is cached
  -h, --help           this text
`;

const { values } = parseCli(USAGE, { symbols: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, timeframe: { type: 'string' }, refresh: { type: 'boolean' } });
const bad = (msg: string): never => {
  process.stderr.write(`${msg}\n`);
  process.exit(2);
};
const date = (flag: string, v: string | undefined): string =>
  v !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : bad(`${flag}: expected YYYY-MM-DD, got ${JSON.stringify(v)}`);
const from = date('--from', values.from);
const to = date('--to', values.to);
if (to < from) bad(`--to ${to} is before --from ${from}`);
const timeframe = values.timeframe ?? 'day';
if (timeframe !== 'day' && timeframe !== 'minute') bad(`--timeframe: expected day or minute, got ${JSON.stringify(timeframe)}`);
const config = configOrExit();
const symbols = values.symbols ? values.symbols.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean) : [...config.watchlist];
if (symbols.length === 0) bad('--symbols is required (or set WATCHLIST_STATIC)');

async function main(): Promise<number> {
  if (!config.alpaca) throw new Error('fetch-bars needs APCA_API_KEY_ID and APCA_API_SECRET_KEY (Alpaca market data)');
  const clock = createSystemClock();
  const log = createLogger({ level: 'warn', clock, write: (l) => process.stderr.write(`${l}\n`) });
  const client = alpacaClientFromConfig(config, { clock, log });
  const source = createAlpacaMarketData({ client, calendar: createNyseRulesCalendar(), clock, feed: config.alpacaApi.feed });
  const db = openBarsCache(config.backtest.barsCache);
  try {
    const say = (tf: string) => (a: string, b: string, n: number) => process.stdout.write(`${tf} ${a}..${b}: ${n} bars\n`);
    const plans = [{ timeframe: 'day' as const, from: addDays(from, -LOOKBACK_DAYS), to }, ...(timeframe === 'minute' ? [{ timeframe: 'minute' as const, from, to }] : [])];
    for (const p of plans) {
      const r = await fetchBarsToCache(db, source, { symbols, ...p, ...(values.refresh ? { refresh: true } : {}) }, { sourceName: `alpaca:${config.alpacaApi.feed}`, now: clock.now, onChunk: say(p.timeframe) });
      process.stdout.write(`${p.timeframe}: ${r.requests} requests, ${r.bars} bars stored, ${r.skippedChunks} chunks already cached\n`);
    }
    process.stdout.write(`cache: ${config.backtest.barsCache}\n`);
    return 0;
  } finally {
    db.close();
  }
}

main().then((code) => process.exit(code), failAndExit);
