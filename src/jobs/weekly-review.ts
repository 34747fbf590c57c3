import type { Order } from '../domain/broker.js';
import type { Session } from '../domain/market.js';
import type { Logger } from '../log.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar } from '../ports/clock.js';
import type { MarketData } from '../ports/market-data.js';
import type { ReportStore } from '../ports/reports.js';
import type { ReviewInput, ReviewOutput, Reviewer, WeekJournal } from '../ports/reviewer.js';
import { closesFromPricePoints, computeWeeklyMetrics, type MetricsInput, type WeeklyMetrics } from '../core/review/metrics.js';
import { statsOnlyReview } from '../core/review/observations.js';
import { renderWeeklyReview, type WeeklyFiles } from '../core/review/render.js';
import { decisionSample } from '../core/review/sample.js';
import { recentChangelog } from '../core/review/text.js';
import type { ChangelogEntry, Closes, JsonValue, ReviewFill } from '../core/review/types.js';
import { previousWeek, type IsoWeek } from '../core/review/week.js';
import { addDays, nyDate } from '../core/time/ny.js';
import type { LlmUsage } from '../domain/decision.js';

/**
 * The weekly review (npm run weekly-review): reads a week of journal (SQLite + JSONL with its
 * rotated siblings), the broker's closed orders and daily closes when they can be had, computes
 * the metrics (core/review/metrics.ts), asks the reviewer for a critique (one model call, or
 * stats only), and writes under the reports folder:
 *   weekly/YYYY-Www.md, .json, -post.md, -equity.svg, -pnl.svg; weekly/latest.md;
 *   TRADER_FEEDBACK.md (model critique only, and only for the latest week).
 * Never writes to the journal or the broker. A broker or market-data failure degrades to the
 * journal's own data and is said in the report; a week with no decisions still gets a report
 * that says so (and no model call). Re-running a week rewrites the same files with the same
 * bytes, apart from the model's text.
 */

export const BENCHMARK = 'SPY';
const DAY = 86_400_000;
/** How far back the broker is asked for closed orders (fills before the week open lots the week closes). */
const BROKER_LOOKBACK_DAYS = 35;
/** Sessions after the week needed for 5-session forward returns. */
const FORWARD_SESSIONS = 5;

export interface WeeklyReviewDeps {
  readonly journal: WeekJournal;
  /** Null when there is none to ask (no state, not configured). Its failures are tolerated. */
  readonly broker: Broker | null;
  readonly market: MarketData | null;
  readonly calendar: Calendar;
  readonly reviewer: Reviewer;
  readonly reports: ReportStore;
  readonly log: Logger;
  readonly mode: string;
  /** Market time the data is as of: the simulator's clock in sim, now otherwise. */
  readonly dataAsOf: number;
  /** Settings in force (from the configuration). */
  readonly operating: { readonly [k: string]: JsonValue };
  /** The human change log: where it lives and its text (null when missing or not configured). */
  readonly changelog: { readonly source: string; readonly text: string | null };
  /** Where the market data comes from, for the report ("market data daily bars (sim)"). */
  readonly marketLabel?: string;
  /** Scoreboard headline lines (issue 11), quoted in the report; failures are tolerated. */
  readonly scoreboard?: () => readonly string[];
  /**
   * Journals the review call's usage (llm_usage, cycle id `review-YYYY-Www`, as of dataAsOf), so
   * the model cost the scoreboard and the next review report includes what reviews cost. Every
   * call is journaled, re-runs included: each one was paid for. Failures are logged, not fatal.
   */
  readonly recordUsage?: (cycleId: string, asOf: number, usage: readonly LlmUsage[]) => void;
}

export interface WeeklyReviewOptions {
  /** Replace weekly/latest.md and TRADER_FEEDBACK.md (false when re-running an older week). */
  readonly updateLatest: boolean;
  /** Compute everything, call no model, write nothing. */
  readonly dryRun: boolean;
}

export interface WeeklyReviewResult {
  readonly week: string;
  readonly metrics: WeeklyMetrics;
  readonly review: ReviewOutput;
  readonly rendered: WeeklyFiles;
  /** Paths written (empty on a dry run). */
  readonly files: readonly string[];
  readonly feedbackWritten: boolean;
  readonly promptChars: number;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 240);

function exitKindOfLeg(o: Order): string | null {
  if (o.side !== 'sell') return null;
  return o.legKind === 'stop_loss' ? 'bracket_stop' : o.legKind === 'take_profit' ? 'bracket_take_profit' : null;
}

/** Journal fills completed by the broker's view: orders the journal missed, or saw less filled, are taken from the broker. */
export function mergeBrokerFills(journal: readonly ReviewFill[], orders: readonly Order[], to: number): { fills: ReviewFill[]; added: number; updated: number } {
  const byId = new Map(journal.map((f) => [f.orderId, f]));
  let added = 0;
  let updated = 0;
  const flat: Order[] = [];
  const walk = (o: Order) => {
    flat.push(o);
    for (const l of o.legs) walk(l);
  };
  for (const o of orders) walk(o);
  const seen = new Set<string>();
  for (const o of flat) {
    if (seen.has(o.id)) continue;
    seen.add(o.id);
    if (!(o.filledQty > 0) || o.filledAvgPrice === null || o.filledAt === null || o.filledAt >= to) continue;
    const j = byId.get(o.id);
    if (j && j.qty >= o.filledQty - 1e-9) continue;
    if (j) updated++;
    else added++;
    byId.set(o.id, {
      orderId: o.id,
      symbol: o.symbol,
      side: o.side,
      qty: o.filledQty,
      price: o.filledAvgPrice,
      filledAt: o.filledAt,
      exitKind: j?.exitKind ?? exitKindOfLeg(o),
      tradeId: j?.tradeId ?? null,
      strategy: j?.strategy ?? null,
      commission: o.commission,
      source: j ? j.source : 'broker',
    });
  }
  const fills = [...byId.values()].sort((a, b) => a.filledAt - b.filledAt || (a.orderId < b.orderId ? -1 : 1));
  return { fills, added, updated };
}

async function sessionsAround(calendar: Calendar, week: IsoWeek, dataAsOf: number): Promise<{ sessions: Session[]; previous: Session | null; next: Session | null; later: Session[] }> {
  const sessions = [...(await calendar.sessions(week.monday, week.sunday))];
  const before = await calendar.sessions(addDays(week.monday, -14), addDays(week.monday, -1));
  const after = await calendar.sessions(addDays(week.sunday, 1), addDays(week.sunday, 21));
  return { sessions, previous: before[before.length - 1] ?? null, next: after[0] ?? null, later: after.filter((s) => s.close <= dataAsOf).slice(0, FORWARD_SESSIONS) };
}

async function dailyCloses(d: WeeklyReviewDeps, symbols: readonly string[], from: number, to: number): Promise<{ closes: Closes; source: MetricsInput['closesSource']; label: string }> {
  const journalCloses = closesFromPricePoints(d.journal.prices(from, to));
  let market = new Map<string, Map<string, number>>();
  let failure: string | null = null;
  if (d.market && symbols.length > 0) {
    try {
      const bars = await d.market.getBars({ symbols, timeframe: '1Day', start: from, end: Math.min(to, d.dataAsOf) });
      market = new Map([...bars].filter(([, bs]) => bs.length > 0).map(([s, bs]) => [s, new Map(bs.map((b) => [nyDate(b.t), b.c]))]));
    } catch (e) {
      failure = errText(e);
      d.log.warn('weekly review: daily bars unavailable; using journaled prices', { error: failure });
    }
  }
  if (market.size > 0) {
    const filled = symbols.filter((s) => !market.has(s) && journalCloses.has(s));
    const closes = new Map<string, ReadonlyMap<string, number>>(market);
    for (const s of filled) closes.set(s, journalCloses.get(s)!);
    const label = `${d.marketLabel ?? 'market data daily bars'} for ${market.size} of ${symbols.length} symbols` + (filled.length ? `; the last journaled price of each day for ${filled.length} more` : '');
    return { closes, source: 'market_data', label };
  }
  if (journalCloses.size > 0) {
    const why = failure ? `market data failed (${failure})` : d.market ? 'market data returned no bars' : 'no market data';
    return { closes: journalCloses, source: 'journal', label: `the last journaled price of each day (${why}); an approximation of the close` };
  }
  return { closes: new Map(), source: 'none', label: failure ? `none (market data failed: ${failure}; nothing journaled)` : 'none' };
}

export async function runWeeklyReview(d: WeeklyReviewDeps, week: IsoWeek, opts: WeeklyReviewOptions): Promise<WeeklyReviewResult> {
  const { sessions, previous, next, later } = await sessionsAround(d.calendar, week, d.dataAsOf);
  const horizonEnd = Math.max(week.to, (later[later.length - 1]?.close ?? week.to) + 1, (next?.close ?? week.to) + 1);
  const decisions = d.journal.decisions(week.from, week.to);
  const cycles = d.journal.cycles(week.from, week.to);
  let fills = [...d.journal.fills(week.to)];

  let brokerLabel = 'not asked (none configured)';
  if (d.broker) {
    const since = week.from - BROKER_LOOKBACK_DAYS * DAY;
    try {
      const orders = await d.broker.listClosedOrders(since);
      const merged = mergeBrokerFills(fills, orders, week.to);
      fills = merged.fills;
      brokerLabel = `${orders.length} closed orders since ${nyDate(since)}; ${merged.added} fills not in the journal and ${merged.updated} more complete than the journal were taken from it`;
    } catch (e) {
      brokerLabel = `not reachable (${errText(e)}); fills from the journal only`;
      d.log.warn('weekly review: broker unavailable; using journaled fills', { error: errText(e) });
    }
  }

  // Last week's decisions are scored again: their 5-session horizons end in this week.
  const lastWeek = previousWeek(week);
  const lastWeekDecisions = d.journal.decisions(lastWeek.from, lastWeek.to);
  const lastWeekSessions = await d.calendar.sessions(lastWeek.monday, lastWeek.sunday);

  const symbols = [...new Set([BENCHMARK, ...decisions.map((x) => x.symbol), ...lastWeekDecisions.map((x) => x.symbol), ...fills.map((f) => f.symbol)])].sort();
  const priceFrom = Math.min(previous?.open ?? week.from, lastWeek.from) - 3 * DAY;
  const prices = await dailyCloses(d, symbols, priceFrom, horizonEnd);

  const input: MetricsInput = {
    week,
    sessions,
    previousSession: previous,
    laterSessions: later,
    nextSession: next,
    decisions,
    fills,
    cycles,
    openingEquity: d.journal.openingEquity(week.from, horizonEnd),
    equityBefore: d.journal.equityBefore(week.from),
    usage: d.journal.usage(week.from, week.to),
    closes: prices.closes,
    closesSource: prices.source,
    benchmark: BENCHMARK,
    dataAsOf: d.dataAsOf,
    previousWeek: { name: lastWeek.name, sessions: lastWeekSessions, decisions: lastWeekDecisions },
  };
  const metrics = computeWeeklyMetrics(input);

  const changelog: ChangelogEntry[] = d.changelog.text === null ? [] : recentChangelog(d.changelog.text, { since: addDays(week.monday, -28), until: week.sunday });
  const reviewInput: ReviewInput = { week: week.name, mode: d.mode, metrics, sample: decisionSample(input), changelog, operating: d.operating };
  const promptChars = JSON.stringify(reviewInput).length;

  let review: ReviewOutput;
  const statsOnly = (note: string) => statsOnlyReview(metrics, note);
  if (opts.dryRun) review = statsOnly('Dry run: no model was called and nothing was written.');
  else if (metrics.decisions.total === 0) review = statsOnly('There were no decisions to review, so no model was called.');
  else {
    try {
      review = await d.reviewer.review(reviewInput);
    } catch (e) {
      d.log.warn('weekly review: reviewer failed; stats-only review', { reviewer: d.reviewer.name, error: errText(e) });
      review = statsOnly(`The reviewer failed (${errText(e)}), so this review is stats-only.`);
    }
    if (review.usage.length > 0 && d.recordUsage) {
      try {
        d.recordUsage(`review-${week.name}`, d.dataAsOf, review.usage);
      } catch (e) {
        d.log.warn('weekly review: could not journal the review call usage', { error: errText(e) });
      }
    }
  }

  const rendered = renderWeeklyReview({
    metrics,
    mode: d.mode,
    review,
    changelog,
    operating: d.operating,
    sources: {
      journal: d.journal.sources(),
      broker: brokerLabel,
      prices: prices.label,
      changelog: d.changelog.text === null ? `${d.changelog.source} (not found)` : `${d.changelog.source}: ${changelog.length} recent ${changelog.length === 1 ? 'entry' : 'entries'}`,
    },
  });

  let scoreboard: readonly string[] = [];
  try {
    scoreboard = d.scoreboard?.() ?? [];
  } catch (e) {
    d.log.warn('weekly review: scoreboard unavailable', { error: e instanceof Error ? e.message : String(e) });
  }
  const markdown = scoreboard.length > 0 ? `${rendered.markdown.trimEnd()}\n\n## Scoreboard\n\n${scoreboard.map((l) => `- ${l}`).join('\n')}\n` : rendered.markdown;
  const files: string[] = [];
  let feedbackWritten = false;
  if (!opts.dryRun) {
    const n = rendered.names;
    files.push(d.reports.write(`weekly/${n.equitySvg}`, rendered.equitySvg));
    files.push(d.reports.write(`weekly/${n.pnlSvg}`, rendered.pnlSvg));
    files.push(d.reports.write(`weekly/${n.json}`, rendered.json));
    files.push(d.reports.write(`weekly/${n.post}`, rendered.post));
    files.push(d.reports.write(`weekly/${n.report}`, markdown));
    if (opts.updateLatest) files.push(d.reports.write('weekly/latest.md', markdown));
    if (opts.updateLatest && review.kind === 'model' && rendered.feedback !== null) {
      files.push(d.reports.write('TRADER_FEEDBACK.md', rendered.feedback));
      feedbackWritten = true;
    }
  }
  d.log.info('weekly review', {
    week: week.name,
    decisions: metrics.decisions.total,
    review: review.kind,
    reviewer: review.reviewer,
    feedback_written: feedbackWritten,
    dry_run: opts.dryRun,
    files: files.length,
  });
  return { week: week.name, metrics, review, rendered, files, feedbackWritten, promptChars };
}
