import { existsSync } from 'node:fs';
import { configOrExit, failAndExit } from '../app/bootstrap.js';
import { chooseBrain, LOOKBACK_DAYS, marketSettingsFor } from '../app/compose.js';
import { createNyseRulesCalendar } from '../adapters/calendar/nyse-rules.js';
import { createRulesBrain } from '../adapters/rules/brain.js';
import { createSimBroker } from '../adapters/sim/broker.js';
import { createSimClock, createSystemClock } from '../adapters/sim/clock.js';
import { createSimMarketData } from '../adapters/sim/market-data.js';
import type { RegimeVerdict } from '../domain/decision.js';
import type { Snapshot } from '../domain/snapshot.js';
import { boundSnapshot, snapshotSettings } from '../core/snapshot.js';
import { nyDate } from '../core/time/ny.js';
import { sessionAt } from '../core/time/sessions.js';
import { SYMBOL_RE } from '../core/watchlist.js';
import { createCycleCaches, loadMarket, loadSymbolExtras, snapshotFor, type MarketDeps } from '../cycle/market-context.js';
import { openDatabase } from '../journal/sqlite.js';
import { createLogger } from '../log.js';
import { isoArg, parseCli } from './args.js';
import { simAccountFromConfig, simFeedFromConfig } from '../app/sim-config.js';

const USAGE = `
npm run snapshot -- SYMBOL [--as-of ISO] [--json] [--rules-regime]

Prints exactly what the brain would see for SYMBOL now (or, in the simulator, at --as-of):
the same batched market-data requests, indicators, live fields, portfolio context,
enrichment, data_quality and regime verdict a cycle would use, in the same canonical,
size-bounded JSON. Read-only: no cycle runs, nothing is journaled, and the simulator's
saved state is read but never written. TRADER_MODE=sim only (no keys needed).

  --as-of ISO       the market time, e.g. 2026-11-20T15:00:00Z (default: now)
  --json            print only the JSON the brain is sent (one line)
  --rules-regime    compute the regime with the deterministic rules brain (no model call)
  -h, --help        this text
`;

const { values, positionals } = parseCli(USAGE, { 'as-of': { type: 'string' }, json: { type: 'boolean' }, 'rules-regime': { type: 'boolean' } });
const config = configOrExit();
const wallClock = createSystemClock();
const log = createLogger({ level: 'error', clock: wallClock, write: (l) => process.stderr.write(`${l}\n`) });

/** The simulator's persisted state, read without opening the journal for writing; null when there is none. */
function readSimState(dbPath: string): unknown {
  if (!existsSync(dbPath)) return null;
  const db = openDatabase(dbPath, { readonly: true });
  try {
    const row = db.prepare('SELECT state_json FROM sim_state WHERE id = 1').get() as { state_json: string } | undefined;
    return row ? (JSON.parse(row.state_json) as unknown) : null;
  } catch {
    return null;
  } finally {
    db.close();
  }
}

function fmt(x: number | null | undefined, d = 2): string {
  return x === null || x === undefined ? '-' : Number.isInteger(x) && d <= 2 ? String(x) : x.toFixed(d);
}

function human(s: Snapshot, bytes: number, notes: readonly string[]): string {
  const i = s.indicators;
  const l = s.live;
  const lines = [
    `${s.symbol} at ${s.as_of} (session ${l.session})`,
    `  price ${fmt(s.price)}  prev close ${fmt(s.prev_close)}  change ${fmt(s.change_pct, 2)}%  bid/ask ${fmt(s.bid)}/${fmt(s.ask)}  spread ${fmt(l.spread_bps, 1)} bps`,
    `  session VWAP ${fmt(l.vwap)} (${fmt(l.pct_from_vwap, 2)}%)  volume ${fmt(l.volume, 0)}  ratio vs 20d ${fmt(l.volume_ratio, 2)}  52w high/low ${fmt(l.pct_from_52w_high, 1)}% / +${fmt(l.pct_from_52w_low, 1)}%`,
    `  daily bars ${s.bars.daily_count}, last closed ${s.bars.last_close_at ?? '-'}`,
    `  RSI14 ${fmt(i.rsi14)}  MACD ${i.macd ? `${fmt(i.macd.macd, 3)}/${fmt(i.macd.signal, 3)}/${fmt(i.macd.histogram, 3)}` : '-'}  ATR14 ${fmt(i.atr14)}  ADX14 ${i.adx14 ? `${fmt(i.adx14.adx, 1)} (+DI ${fmt(i.adx14.plus_di, 1)} -DI ${fmt(i.adx14.minus_di, 1)})` : '-'}`,
    `  EMA 9/21/50/200 ${fmt(i.ema9)}/${fmt(i.ema21)}/${fmt(i.ema50)}/${fmt(i.ema200)}  SMA 50/200 ${fmt(i.sma50)}/${fmt(i.sma200)}`,
    `  StochRSI ${i.stoch_rsi ? `${fmt(i.stoch_rsi.k, 1)}/${fmt(i.stoch_rsi.d, 1)}` : '-'}  Bollinger ${i.bollinger ? `${fmt(i.bollinger.lower)}..${fmt(i.bollinger.upper)} %B ${fmt(i.bollinger.percent_b, 2)}` : '-'}  OBV ${fmt(i.obv, 0)}`,
    `  account equity ${fmt(s.account.equity)} cash ${fmt(s.account.cash)} day P&L ${fmt(s.account.day_pl)} (${fmt(s.portfolio.day_pl_pct, 2)}%)  day trades ${s.portfolio.day_trade_count}`,
    `  position ${s.position ? `${s.position.qty} @ ${fmt(s.position.avg_entry_price)}` : 'none'}  open positions ${s.open_positions}  sectors ${JSON.stringify(s.portfolio.sector_notional_pct)}`,
    `  sector ${s.enrichment.sector ?? '-'}  earnings ${s.enrichment.earnings ? `${s.enrichment.earnings.date} (${s.enrichment.earnings.days_until}d)` : '-'}  news ${s.enrichment.news.length}`,
    ...s.enrichment.news.map((n) => `    - ${JSON.stringify(n.headline)} (${n.source}, ${n.age_hours}h)`),
    `  regime ${s.market_regime.direction} ${fmt(s.market_regime.conviction)} (${s.market_regime.source}${s.market_regime.cached ? ', cached' : ''}): ${s.market_regime.rationale}`,
    `  data_quality critical [${s.data_quality.missing_critical.join(', ')}] optional [${s.data_quality.missing_optional.join(', ')}] staleness ${fmt(s.data_quality.staleness_sec, 0)}s`,
    ...notes.map((n) => `  note: ${n}`),
    `  brain JSON: ${bytes} bytes${s.truncated ? `, cut: ${s.truncated.join(', ')}` : ''}`,
  ];
  return lines.join('\n');
}

async function main(): Promise<number> {
  const symbol = (positionals[0] ?? '').trim().toUpperCase();
  if (!SYMBOL_RE.test(symbol) || positionals.length !== 1) {
    process.stderr.write(`expected one SYMBOL\n\n${USAGE.trim()}\n`);
    return 2;
  }
  if (config.mode !== 'sim') {
    process.stderr.write(`npm run snapshot runs on the simulator only for now (TRADER_MODE=${config.mode})\n`);
    return 2;
  }
  const asOf = isoArg('--as-of', values['as-of']) ?? wallClock.now();
  const clock = createSimClock(asOf);
  const feed = simFeedFromConfig(config, nyDate(asOf));
  const market = createSimMarketData({ feed, clock });
  const notes: string[] = [];
  const brokerOpts = {
    feed,
    clock,
    ...simAccountFromConfig(config),
  };
  // Read-only: the saved simulator state is loaded, and `save` does nothing.
  const saved = readSimState(config.paths.db);
  let broker;
  try {
    broker = createSimBroker({ ...brokerOpts, store: { load: () => saved, save: () => undefined } });
  } catch (e) {
    notes.push(`saved simulator state not usable at this time (${e instanceof Error ? e.message : String(e)}); showing a fresh account`);
    broker = createSimBroker({ ...brokerOpts, store: { load: () => null, save: () => undefined } });
  }
  const calendar = createNyseRulesCalendar();
  const ms = marketSettingsFor(config);
  const deps: MarketDeps = {
    settings: { watchlist: config.watchlist, lookbackDays: LOOKBACK_DAYS, market: ms },
    market,
    calendar,
  };
  const date = nyDate(asOf);
  const session = sessionAt(await calendar.sessions(date, date), asOf);
  const [account, positions, openOrders] = await Promise.all([broker.getAccount(), broker.getPositions(), broker.getOpenOrders()]);
  const held = positions.map((p) => p.symbol);
  const stage = await loadMarket(deps, asOf, held, [symbol]);
  notes.push(...stage.notes);
  const brain = values['rules-regime'] ? createRulesBrain() : chooseBrain(config, { wallClock, log });
  let regime: RegimeVerdict;
  try {
    regime = (await brain.regime(stage.regimeInputs)).verdict;
  } catch (e) {
    notes.push(`regime failed: ${e instanceof Error ? e.message : String(e)}`);
    regime = { direction: 'neutral', conviction: 0, bearish_tickers: [], rationale: 'regime unavailable', source: 'fallback', cached: false, as_of: new Date(asOf).toISOString() };
  }
  const caches = createCycleCaches(ms);
  const extras = await loadSymbolExtras(deps, caches, asOf, session, [symbol], held);
  notes.push(...extras.notes);
  const snap = snapshotFor({ asOf, session, stage, extras, account, positions, openOrders, regime, settings: ms.snapshot }, symbol);
  const bounded = boundSnapshot(snap, snapshotSettings(ms.snapshot).maxBrainBytes);
  if (values.json) {
    process.stdout.write(`${bounded.json}\n`);
  } else {
    process.stdout.write(`${human(bounded.snapshot, bounded.bytes, notes)}\n\n${JSON.stringify(JSON.parse(bounded.json), null, 2)}\n`);
  }
  return 0;
}

main().then((code) => process.exit(code), failAndExit);
