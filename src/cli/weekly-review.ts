import { existsSync, readFileSync } from 'node:fs';
import { openJournal } from '../app/compose.js';
import { configOrExit, failAndExit } from '../app/bootstrap.js';
import type { Config } from '../config.js';
import { createNyseRulesCalendar } from '../adapters/calendar/nyse-rules.js';
import { createAlpacaBroker } from '../adapters/alpaca/broker.js';
import { alpacaClientFromConfig } from '../app/alpaca-client.js';
import { createAlpacaMarketData } from '../adapters/alpaca/market-data.js';
import { createClaudeReviewer } from '../adapters/claude/reviewer.js';
import { createSdkMessagesClient } from '../adapters/claude/client.js';
import { createFileReportStore } from '../adapters/reports/files.js';
import { createStatsOnlyReviewer } from '../adapters/reviewer/stats-only.js';
import { createWeekJournal } from '../adapters/reviewer/week-journal.js';
import { RULES_PROMPT_VERSION } from '../adapters/rules/decide.js';
import { parseSimState } from '../adapters/sim/broker-state.js';
import { createSimBroker } from '../adapters/sim/broker.js';
import { createSimClock, createSystemClock } from '../adapters/sim/clock.js';
import { createSimMarketData } from '../adapters/sim/market-data.js';
import { isoWeekAt, isWeekCompleted, parseIsoWeek, previousWeek, type IsoWeek } from '../core/review/week.js';
import type { JsonValue } from '../core/review/types.js';
import { money, pct, share } from '../core/review/format.js';
import { nyDate, nyIso } from '../core/time/ny.js';
import { runWeeklyReview, type WeeklyReviewDeps } from '../jobs/weekly-review.js';
import { createLogger } from '../log.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import { PROMPTS } from '../prompts/index.js';
import { parseCli } from './args.js';
import { buildScoreboard, scoreboardHeadline } from '../core/scoreboard.js';
import { readScoreboardInput } from '../journal/scoreboard-queries.js';
import { openDatabase } from '../journal/sqlite.js';
import { simAccountFromConfig, simFeedFromConfig } from '../app/sim-config.js';

const USAGE = `
npm run weekly-review [-- --week YYYY-Www] [--dry-run]

Reviews one ISO week (Monday to Sunday, New York time) of the journal: SQLite plus the JSONL
mirror and its rotated siblings, the broker's closed orders and daily closes when reachable.
Writes REPORTS_DIR/weekly/YYYY-Www.md and .json, YYYY-Www-post.md (a readable post),
YYYY-Www-equity.svg and YYYY-Www-pnl.svg, and weekly/latest.md. With ANTHROPIC_API_KEY one
call to BRAIN_REVIEW_MODEL writes the critique and REPORTS_DIR/TRADER_FEEDBACK.md (at most
2,500 characters of bullets, read by the Claude brain for 8 days); without a key the review
is stats-only, marked as such, and no feedback file is written. HUMAN_CHANGELOG_PATH entries
are included. Re-running a week rewrites the same files.

  --week YYYY-Www   the week (default: the last completed one: the current week once its last
                    session has closed, else the week before; in sim, by the simulator's clock).
                    An older week does not replace latest.md or TRADER_FEEDBACK.md.
  --dry-run         compute and print the summary; no model call, nothing written
  -h, --help        this text

Exit codes: 0 written (also for a week with no decisions: the report says so), 1 no journal
found or an unexpected error, 2 bad arguments or configuration.
`;

const { values } = parseCli(USAGE, { week: { type: 'string' }, 'dry-run': { type: 'boolean' } });
let weekArg: IsoWeek | undefined;
if (values.week !== undefined) {
  try {
    weekArg = parseIsoWeek(values.week);
  } catch (e) {
    process.stderr.write(`--week: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
}
const dryRun = values['dry-run'] ?? false;
const config = configOrExit();
const wallClock = createSystemClock();
const log = createLogger({ level: config.logLevel, clock: wallClock, write: (l) => process.stderr.write(`${l}\n`) });

/** The listed fields of `obj` that exist and are plain values, renamed; fields a Config does not have (yet) are simply left out. */
function pick(obj: unknown, fields: Readonly<Record<string, string>>): { [k: string]: JsonValue } {
  const out: { [k: string]: JsonValue } = {};
  if (typeof obj !== 'object' || obj === null) return out;
  for (const [from, to] of Object.entries(fields)) {
    const v = (obj as Record<string, unknown>)[from];
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[to] = v;
  }
  return out;
}

/** Settings in force, for the reviewer and the report. */
function operatingSnapshot(c: Config): { [k: string]: JsonValue } {
  const trail = pick((c as unknown as { trail?: unknown }).trail, { givebackPct: 'giveback_pct', activationPct: 'activation_pct', resetDaily: 'reset_daily' });
  return {
    mode: c.mode,
    brain: {
      kind: c.brain.kind,
      models: c.brain.kind === 'claude' ? { trader: c.brain.models.trader, regime: c.brain.models.regime, review: c.brain.models.review } : { review: c.brain.models.review },
      prompt_version: c.brain.kind === 'claude' ? `${PROMPTS.version} (${PROMPTS.sha})` : RULES_PROMPT_VERSION,
    },
    watchlist: {
      static_symbols: c.watchlist.length,
      anchors: c.watchlistRules.anchors.length,
      screener: `${c.watchlistRules.screenerKind} top ${c.watchlistRules.screenerSize}`,
      include_open_positions: c.watchlistRules.includeOpenPositions,
      min_price: c.watchlistRules.minPrice,
      min_dollar_volume: c.watchlistRules.minAvgDollarVolume,
    },
    risk: pick(c.risk, {
      minConfidence: 'min_confidence',
      maxSizePct: 'max_size_pct',
      maxPositionPct: 'max_position_pct',
      maxBuysPerCycle: 'max_buys_per_cycle',
      maxNotional: 'max_notional',
      maxOrderPctOfCash: 'max_order_pct_of_cash',
      minCashReservePct: 'min_cash_reserve_pct',
      maxSectorPct: 'max_sector_pct',
      maxDailyLossPct: 'max_daily_loss_pct',
      maxSessionDrawdownPct: 'max_session_drawdown_pct',
      dailyTargetPct: 'daily_target_pct',
      sellCooldownMin: 'sell_cooldown_min',
      allowAddToPosition: 'allow_add_to_position',
      softPolicy: 'soft_policy',
    }),
    ...(Object.keys(trail).length ? { trail } : {}),
    exits: { atr_stop_mult: c.exec.atrStopMult, atr_take_profit_mult: c.exec.atrTpMult },
    schedule: {
      slots: c.schedule.slots.map((s) => s.label),
      jitter_sec: c.schedule.jitterSec,
      position_health_every_min: c.schedule.positionHealthIntervalMin,
      eod_delay_min: c.schedule.eodDelayMin,
    },
  };
}

function readChangelog(path: string | null): { source: string; text: string | null } {
  if (path === null) return { source: 'HUMAN_CHANGELOG_PATH is empty', text: null };
  try {
    return existsSync(path) ? { source: path, text: readFileSync(path, 'utf8').slice(0, 200_000) } : { source: path, text: null };
  } catch (e) {
    log.warn('weekly review: change log unreadable', { path, error: e instanceof Error ? e.message : String(e) });
    return { source: path, text: null };
  }
}

async function main(): Promise<number> {
  const journal = createWeekJournal({ dbPath: config.paths.db, jsonlPath: config.paths.journal });
  try {
    const src = journal.sources();
    if (!src.sqlite.found && src.jsonl.files.length === 0) {
      process.stderr.write(
        `No journal to review: neither ${config.paths.db}${src.sqlite.error ? ` (${src.sqlite.error})` : ''} nor ${config.paths.journal} exists.\n` +
          'Run the service (npm start) or the simulator (npm run demo) first, or point TRADER_DB_PATH / TRADER_JOURNAL_PATH at a journal.\n',
      );
      return 1;
    }
    const calendar: Calendar = createNyseRulesCalendar();
    let broker: Broker | null = null;
    let market: MarketData | null = null;
    let dataAsOf: number;
    let marketLabel: string;
    if (config.mode === 'sim') {
      // The simulator's "now" is its persisted state's; the review builds a read-only copy of its
      // world there (the broker's store never saves) and never moves it forward.
      const state = parseSimState(journal.simState());
      dataAsOf = state?.lastSync ?? journal.lastActivity() ?? wallClock.now();
      const clock = createSimClock(dataAsOf);
      const feed = simFeedFromConfig(config, nyDate(dataAsOf));
      market = createSimMarketData({ feed, clock });
      marketLabel = config.sim.dataDir ? `simulator daily bars (CSV replay ${config.sim.dataDir})` : `simulator daily bars (synthetic, seed ${config.sim.seed})`;
      if (state) {
        broker = createSimBroker({
          feed,
          clock,
          store: { load: () => state, save: () => {} },
          ...simAccountFromConfig(config),
        });
      }
    } else {
      if (!config.alpaca) throw new Error(`TRADER_MODE=${config.mode} needs APCA_API_KEY_ID and APCA_API_SECRET_KEY`);
      dataAsOf = wallClock.now();
      const client = alpacaClientFromConfig(config, { clock: wallClock, log });
      broker = createAlpacaBroker({ client });
      market = createAlpacaMarketData({ client, calendar, clock: wallClock, feed: config.alpacaApi.feed });
      marketLabel = `Alpaca daily bars (${config.alpacaApi.feed})`;
    }

    let week: IsoWeek;
    let updateLatest: boolean;
    const current = isoWeekAt(dataAsOf);
    const latest = isWeekCompleted(current, await calendar.sessions(current.monday, current.sunday), dataAsOf) ? current : previousWeek(current);
    if (weekArg) {
      week = weekArg;
      if (week.from > dataAsOf) {
        process.stderr.write(`--week ${week.name} has not started yet (data as of ${nyIso(dataAsOf)} New York).\n`);
        return 2;
      }
      updateLatest = week.name >= latest.name;
    } else {
      week = latest;
      updateLatest = true;
    }

    const reviewer = config.anthropicKey
      ? createClaudeReviewer({
          client: createSdkMessagesClient({
            apiKey: config.anthropicKey,
            ...(config.brain.baseUrl !== null ? { baseURL: config.brain.baseUrl } : {}),
            timeoutMs: config.review.timeoutMs,
            maxRetries: config.brain.sdkMaxRetries,
            log,
          }),
          model: config.brain.models.review,
          prices: config.brain.prices,
          clock: wallClock,
          maxOutputTokens: config.review.maxOutputTokens,
          log,
        })
      : createStatsOnlyReviewer();

    const deps: WeeklyReviewDeps = {
      journal,
      broker,
      market,
      calendar,
      reviewer,
      reports: createFileReportStore(config.paths.reports),
      log,
      mode: config.mode,
      dataAsOf,
      operating: operatingSnapshot(config),
      changelog: readChangelog(config.review.changelogPath),
      marketLabel,
      // Only into a journal database that exists (a JSONL-only journal has no llm_usage table).
      recordUsage: (cycleId, asOf, usage) => {
        if (!existsSync(config.paths.db)) return;
        const j = openJournal(config, wallClock, config.mode);
        try {
          j.recordUsage(cycleId, null, asOf, usage);
        } finally {
          j.close();
        }
      },
      scoreboard: () => {
        if (!existsSync(config.paths.db)) return [];
        const db = openDatabase(config.paths.db, { readonly: true });
        try {
          return scoreboardHeadline(buildScoreboard(readScoreboardInput(db)));
        } finally {
          db.close();
        }
      },
    };
    const r = await runWeeklyReview(deps, week, { updateLatest, dryRun });
    const m = r.metrics;
    const p = m.performance;
    const out = process.stdout;
    out.write(`Weekly review ${r.week} (${m.sessions[0] ?? '?'}..${m.sessions[m.sessions.length - 1] ?? '?'}, ${m.sessions.length} sessions, data as of ${nyIso(dataAsOf)} New York)\n`);
    if (m.decisions.total === 0) out.write(`No decisions were journaled in ${r.week}: the report says so.\n`);
    out.write(
      `return ${pct(p.return)} (${money(p.start_equity)} -> ${money(p.end_equity)}) vs ${p.benchmark.symbol} ${pct(p.benchmark.return)}; max drawdown ${share(p.max_drawdown, 2)}\n` +
        `decisions ${m.decisions.total}: BUY ${m.decisions.by_action.BUY ?? 0} SELL ${m.decisions.by_action.SELL ?? 0} HOLD ${m.decisions.by_action.HOLD ?? 0}; ` +
        `round trips ${m.trading.round_trips} (win rate ${share(m.trading.win_rate)}); realized ${money(m.trading.realized_pl)}, unrealized ${money(m.trading.unrealized_pl)}\n`,
    );
    out.write(
      r.review.kind === 'model'
        ? `critique by ${r.review.reviewer}; feedback ${r.feedbackWritten ? `written (${r.rendered.bullets.length} bullets)` : updateLatest ? 'not written (no usable bullets)' : 'not written (older week)'}\n`
        : `stats-only review: ${r.review.note ?? ''}\n`,
    );
    if (dryRun) out.write(`dry run: would write weekly/${r.rendered.names.report} (${r.rendered.markdown.length} chars) and its siblings; review input ${r.promptChars} chars\n`);
    for (const f of r.files) out.write(`wrote ${f}\n`);
    return 0;
  } finally {
    journal.close();
  }
}

main().then((code) => process.exit(code), failAndExit);
