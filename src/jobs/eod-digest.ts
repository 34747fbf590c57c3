import type { Account, Position } from '../domain/broker.js';
import type { Session } from '../domain/market.js';
import type { Logger } from '../log.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar, Clock } from '../ports/clock.js';
import type { DayCycle, DayFill, DayJournal, DayTrade, DayUsage } from '../ports/day-journal.js';
import type { Journal } from '../ports/journal.js';
import type { ReportStore } from '../ports/reports.js';
import { mdText } from '../core/md.js';
import { buildScoreboard, scoreboardHeadline } from '../core/scoreboard.js';
import { sparklineSvg } from '../core/sparkline.js';
import { addDays, dayOfWeek, nyClock, nyDate, nyIso, nyTime } from '../core/time/ny.js';
import { syncOrders } from './order-sync.js';
import { runOutcomes, type OutcomesDeps } from './outcomes.js';

/**
 * The end-of-day digest: no model call, readable in a minute. `buildEodDigest` is pure (the
 * day's journal rows and the account in, markdown and an SVG out); `runEodDigest` does the IO:
 * brings the orders table up to date, reads the account and the journal, writes
 * reports/eod/YYYY-MM-DD.md, YYYY-MM-DD.svg beside it, and latest.md (a copy of the dated one).
 * Model-written text (rationales, override details) is neutralised before it enters markdown.
 */

export interface EodInput {
  readonly date: string;
  readonly session: Session | null;
  readonly mode: string;
  /** Market time the account and positions were read. */
  readonly asOf: number;
  readonly generatedAt: number;
  readonly account: Account | null;
  /** Why the account could not be read, when it could not. */
  readonly accountError?: string;
  readonly positions: readonly Position[];
  readonly cycles: readonly DayCycle[];
  readonly trades: readonly DayTrade[];
  readonly fills: readonly DayFill[];
  readonly usage: DayUsage;
  /** File name of the sparkline, linked from the markdown (same folder). */
  readonly svgName: string;
  /** Scoreboard headline lines (equity vs SPY, hit rate at 5 sessions), when the scoreboard is wired. */
  readonly scoreboard?: readonly string[];
}

export interface EodSummary {
  readonly date: string;
  readonly equity: number | null;
  readonly startEquity: number | null;
  readonly dayPl: number | null;
  readonly dayPlPct: number | null;
  readonly cycles: number;
  readonly decisions: { readonly BUY: number; readonly SELL: number; readonly HOLD: number };
  readonly overridesByRule: Readonly<Record<string, number>>;
  readonly fills: number;
  readonly automatedExits: number;
  readonly positions: number;
  readonly unrealizedPl: number;
  readonly modelCostUsd: number;
}

export interface EodDigest {
  readonly markdown: string;
  readonly svg: string;
  readonly summary: EodSummary;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const RATIONALE_MAX = 160;
const money = (x: number) => `${x < 0 ? '-' : ''}$${Math.abs(x).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signedMoney = (x: number) => `${x > 0 ? '+' : ''}${money(x)}`;
const pct = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(2)}%`;
const usd = (x: number) => `$${x.toFixed(4)}`;
const px = (x: number | null) => (x === null ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 4 }));

/** Automated exits: sells the model did not ask for (bracket legs, trailing giveback, emergency flatten, ...). */
export function isAutomatedExit(f: DayFill): boolean {
  return f.side === 'sell' && f.exitKind !== null && f.exitKind !== 'model_sell';
}

/** The previous close: from the day's first snapshot (equity - day P&L), else the broker's last equity. */
function startEquityOf(x: EodInput): { value: number | null; source: string } {
  const t = x.trades.find((r) => r.startEquity !== null && Number.isFinite(r.startEquity));
  if (t && t.startEquity !== null) return { value: t.startEquity, source: "the day's first snapshot" };
  if (x.account && x.account.lastEquity > 0) return { value: x.account.lastEquity, source: "the broker's last equity" };
  return { value: null, source: 'unknown' };
}

function table(head: readonly string[], rows: readonly (readonly string[])[], align?: readonly ('l' | 'r')[]): string[] {
  const sep = head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${sep.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

export function buildEodDigest(x: EodInput): EodDigest {
  const start = startEquityOf(x);
  const lastCycleEquity = [...x.cycles].reverse().find((c) => c.equity !== null)?.equity ?? null;
  const equity = x.account?.equity ?? lastCycleEquity;
  const dayPl = equity !== null && start.value !== null ? equity - start.value : null;
  const dayPlPct = dayPl !== null && start.value !== null && start.value > 0 ? dayPl / start.value : null;

  // Automation runs (position health) journal cycle rows and trades rows too: they are exits, not decisions.
  const automationRuns = new Set(x.cycles.filter((c) => c.kind !== 'decision').map((c) => c.id));
  const decisionTrades = x.trades.filter((t) => !automationRuns.has(t.cycleId));
  // An automated exit's own trades row (action SELL) says why; a bracket leg points at its entry's BUY, which does not.
  const rationaleOf = new Map(x.trades.filter((t) => t.action === 'SELL').map((t) => [t.id, t.rationale]));
  const decisions = { BUY: 0, SELL: 0, HOLD: 0 };
  for (const t of decisionTrades) if (t.action === 'BUY' || t.action === 'SELL' || t.action === 'HOLD') decisions[t.action]++;
  const acted = decisionTrades.filter((t) => t.action === 'BUY' || t.action === 'SELL');
  const modelHolds = decisionTrades.filter((t) => t.action === 'HOLD' && t.modelAction === 'HOLD').length;
  const byRule = new Map<string, { count: number; effects: Set<string>; symbols: Set<string> }>();
  for (const t of x.trades) {
    for (const o of t.overrides) {
      const e = byRule.get(o.rule) ?? { count: 0, effects: new Set<string>(), symbols: new Set<string>() };
      e.count++;
      e.effects.add(o.effect);
      e.symbols.add(t.symbol);
      byRule.set(o.rule, e);
    }
  }
  const rules = [...byRule.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]));
  const exits = x.fills.filter(isAutomatedExit);
  const unrealized = x.positions.reduce((a, p) => a + p.unrealizedPl, 0);
  const decisionCost = x.trades.reduce((a, t) => a + t.costUsd, 0);
  // llm_usage holds every call (decisions, regime, ...); trades.cost_usd the decisions only.
  const modelCost = x.usage.calls > 0 ? x.usage.costUsd : decisionCost;
  const decisionCycles = x.cycles.filter((c) => c.kind === 'decision');
  const cyclesRun = decisionCycles.filter((c) => c.status !== 'skipped');
  const failed = decisionCycles.filter((c) => c.status === 'failed').length;
  const unfinished = decisionCycles.filter((c) => c.status === 'running').length;
  const ordersSubmitted = decisionCycles.reduce((a, c) => a + c.ordersSubmitted, 0);

  const curve: number[] = [];
  if (start.value !== null) curve.push(start.value);
  for (const c of x.cycles) if (c.equity !== null) curve.push(c.equity);
  if (equity !== null && x.account) curve.push(equity);
  const svg = sparklineSvg(curve, { title: `Equity ${x.date}: previous close, each cycle, and the close` });

  const L: string[] = [];
  const dow = WEEKDAYS[dayOfWeek(x.date)] ?? '';
  L.push(`# End of day ${x.date} (${dow})`, '');
  const sessionText = x.session
    ? `session ${nyClock(x.session.open)}-${nyClock(x.session.close)} New York${x.session.early ? ' (early close)' : ''}`
    : 'no trading session on this date';
  const readAt = nyDate(x.asOf) === x.date ? nyClock(x.asOf) : nyIso(x.asOf);
  L.push(`Mode **${mdText(x.mode)}** · ${sessionText} · account read at ${readAt} New York.`, '');
  L.push(`![equity today](${x.svgName})`, '');

  L.push('## Equity', '');
  if (x.accountError) L.push(`The account could not be read: ${mdText(x.accountError, 200)}. Figures below come from the journal.`, '');
  L.push(
    ...table(
      ['Figure', 'Value'],
      [
        ['Equity', equity === null ? 'n/a' : money(equity)],
        ['Day P&L', dayPl === null ? 'n/a' : `${signedMoney(dayPl)}${dayPlPct === null ? '' : ` (${pct(dayPlPct)})`}`],
        ['Previous close', start.value === null ? 'n/a' : `${money(start.value)} (from ${start.source})`],
        ...(x.account ? [['Cash', money(x.account.cash)], ['Buying power', money(x.account.buyingPower)]] : []),
        ['Unrealized P&L (open positions)', signedMoney(unrealized)],
      ],
      ['l', 'r'],
    ),
    '',
  );

  if (x.scoreboard && x.scoreboard.length > 0) L.push('## Scoreboard', '', ...x.scoreboard.map((l) => `- ${l}`), '');

  L.push('## Activity', '');
  L.push(`- Cycles: ${cyclesRun.length}${failed ? `, ${failed} failed` : ''}${unfinished ? `, ${unfinished} unfinished` : ''}; orders submitted: ${ordersSubmitted}.`);
  L.push(`- Decisions: ${decisionTrades.length}: BUY ${decisions.BUY}, SELL ${decisions.SELL}, HOLD ${decisions.HOLD} (${modelHolds} by the model, ${decisions.HOLD - modelHolds} by risk or fallback).`);
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  L.push(`- Fills: ${x.fills.length} (${n(x.fills.filter((f) => f.side === 'buy').length, 'buy', 'buys')}, ${n(x.fills.filter((f) => f.side === 'sell').length, 'sell', 'sells')}), of which ${n(exits.length, 'automated exit', 'automated exits')}.`);
  L.push(`- Model cost of the day: ${usd(modelCost)} (decisions ${usd(decisionCost)}${x.usage.calls ? `, regime and other ${usd(Math.max(0, modelCost - decisionCost))}; ${x.usage.calls} model calls` : ''}).`);
  L.push('');

  L.push('## Trades', '');
  if (acted.length === 0) L.push('No BUY or SELL today.', '');
  else
    L.push(
      ...table(
        ['Time', 'Symbol', 'Action', 'Conf.', 'Qty', 'Order', 'Rationale'],
        acted.map((t) => [
          nyClock(t.asOf),
          mdText(t.symbol, 12),
          t.action,
          t.confidence.toFixed(2),
          t.qty === null ? '' : String(t.qty),
          mdText(`${t.executeStatus ?? 'pending'}${t.executeDetail && t.executeStatus !== 'submitted' ? `: ${t.executeDetail}` : ''}`, 80),
          mdText(t.rationale, RATIONALE_MAX),
        ]),
        ['l', 'l', 'l', 'r', 'r', 'l', 'l'],
      ),
      '',
    );

  L.push('## Risk overrides by rule', '');
  if (rules.length === 0) L.push('None.', '');
  else
    L.push(
      ...table(
        ['Rule', 'Count', 'Effect', 'Symbols'],
        rules.map(([rule, e]) => {
          const syms = [...e.symbols].sort();
          return [`\`${rule.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40)}\``, String(e.count), mdText([...e.effects].sort().join(', ')), mdText(`${syms.slice(0, 8).join(', ')}${syms.length > 8 ? ` +${syms.length - 8}` : ''}`)];
        }),
        ['l', 'r', 'l', 'l'],
      ),
      '',
    );

  L.push('## Automated exits', '');
  if (exits.length === 0) L.push('None.', '');
  else
    L.push(
      ...table(
        ['Time', 'Symbol', 'Kind', 'Qty', 'Price', 'Why'],
        exits.map((f) => [nyClock(f.filledAt), mdText(f.symbol, 12), mdText(f.exitKind ?? ''), String(f.qty), px(f.price), mdText((f.tradeId !== null ? rationaleOf.get(f.tradeId) : undefined) ?? '', RATIONALE_MAX)]),
        ['l', 'l', 'l', 'r', 'r', 'l'],
      ),
      '',
    );

  L.push('## Open positions', '');
  if (x.positions.length === 0) L.push('None.', '');
  else
    L.push(
      ...table(
        ['Symbol', 'Qty', 'Avg entry', 'Price', 'Value', 'Unrealized P&L'],
        [...x.positions]
          .sort((a, b) => a.symbol.localeCompare(b.symbol))
          .map((p) => {
            const basis = p.avgEntryPrice * p.qty;
            return [mdText(p.symbol, 12), String(p.qty), px(p.avgEntryPrice), px(p.currentPrice), money(p.marketValue), `${signedMoney(p.unrealizedPl)}${basis > 0 ? ` (${pct(p.unrealizedPl / basis)})` : ''}`];
          }),
        ['l', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
    );

  L.push(`_Generated ${new Date(x.generatedAt).toISOString()} by llm-trader (no model call). Rationales are model-written and shortened._`, '');

  return {
    markdown: L.join('\n'),
    svg,
    summary: {
      date: x.date,
      equity,
      startEquity: start.value,
      dayPl,
      dayPlPct,
      cycles: cyclesRun.length,
      decisions,
      overridesByRule: Object.fromEntries(rules.map(([r, e]) => [r, e.count])),
      fills: x.fills.length,
      automatedExits: exits.length,
      positions: x.positions.length,
      unrealizedPl: unrealized,
      modelCostUsd: modelCost,
    },
  };
}

export interface EodDeps {
  readonly broker: Broker;
  /** Written to by the order sync (orders table), read through `days`. */
  readonly journal: Journal;
  readonly days: DayJournal;
  readonly calendar: Calendar;
  /** Market time (the account's "as of"). */
  readonly clock: Clock;
  /** Wall time, for "generated at". */
  readonly wallClock: Clock;
  readonly reports: ReportStore;
  readonly log: Logger;
  readonly mode: string;
  /** Scoreboard (issue 11): when set, decision outcomes and the session's SPY close and equity are recorded first. */
  readonly outcomes?: Pick<OutcomesDeps, 'market' | 'store'>;
}

export interface EodResult extends EodSummary {
  readonly session: Session | null;
  readonly files: readonly string[];
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 300);

/**
 * Builds and writes the digest of a New York date (YYYY-MM-DD). latest.md is replaced too
 * unless `updateLatest` is false (re-running an older day must not make it the "latest").
 */
export async function runEodDigest(d: EodDeps, date: string, opts: { readonly updateLatest?: boolean } = {}): Promise<EodResult> {
  const session = (await d.calendar.sessions(date, date))[0] ?? null;
  const from = nyTime(date, '00:00');
  const to = nyTime(addDays(date, 1), '00:00');
  try {
    await syncOrders({ broker: d.broker, journal: d.journal }, session?.open ?? from);
  } catch (e) {
    d.log.warn('eod: order sync failed; the digest uses the orders journaled so far', { date, error: errText(e) });
  }
  let account: Account | null = null;
  let positions: readonly Position[] = [];
  let accountError: string | undefined;
  try {
    [account, positions] = await Promise.all([d.broker.getAccount(), d.broker.getPositions()]);
  } catch (e) {
    accountError = errText(e);
    d.log.warn('eod: account unavailable', { date, error: accountError });
  }
  let scoreboard: readonly string[] | undefined;
  if (d.outcomes) {
    try {
      await runOutcomes({ ...d.outcomes, broker: d.broker, calendar: d.calendar, log: d.log }, d.clock.now());
      scoreboard = scoreboardHeadline(buildScoreboard(d.outcomes.store.scoreboardInput()));
    } catch (e) {
      d.log.warn('eod: decision outcomes not recorded', { date, error: errText(e) });
    }
  }
  const digest = buildEodDigest({
    date,
    session,
    mode: d.mode,
    asOf: d.clock.now(),
    generatedAt: d.wallClock.now(),
    account,
    ...(accountError ? { accountError } : {}),
    positions,
    cycles: d.days.cycles(from, to),
    trades: d.days.trades(from, to),
    fills: d.days.fills(from, to),
    usage: d.days.usage(from, to),
    svgName: `${date}.svg`,
    ...(scoreboard ? { scoreboard } : {}),
  });
  const files = [d.reports.write(`eod/${date}.svg`, digest.svg), d.reports.write(`eod/${date}.md`, digest.markdown)];
  if (opts.updateLatest ?? true) files.push(d.reports.write('eod/latest.md', digest.markdown));
  const cents = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
  d.log.info('eod digest written', { date, file: files[1], equity: cents(digest.summary.equity), day_pl: cents(digest.summary.dayPl), fills: digest.summary.fills, positions: digest.summary.positions });
  return { ...digest.summary, session, files };
}
