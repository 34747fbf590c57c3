import type { JournalSources, ReviewOutput } from '../../ports/reviewer.js';
import { barChartSvg, lineChartSvg } from '../svg-charts.js';
import { dayOfWeek, nyIso } from '../time/ny.js';
import { int, money, num, pct, plural, share, signedMoney, usd } from './format.js';
import type { WeeklyMetrics } from './metrics.js';
import { cleanLine, cleanMarkdown, feedbackFile, mdCell } from './text.js';
import type { ChangelogEntry, JsonValue } from './types.js';

/**
 * The weekly review's files, pure: markdown report, blog post, JSON, two SVG charts and the
 * trader feedback text, from the metrics and the reviewer's output. Nothing here reads a
 * clock: the same inputs give the same bytes (only the model's text varies between runs).
 * Every string that did not come from this code (model critique and bullets, symbols,
 * strategies, rule names, change log, paths) goes through text.ts before it is written.
 */

export interface ReviewSources {
  readonly journal: JournalSources;
  /** What the broker contributed, e.g. "3 closed orders (1 not in the journal)" or "not reachable: ...". */
  readonly broker: string;
  /** Where daily closes came from, e.g. "market data daily bars (sim)". */
  readonly prices: string;
  /** The change log file and what was found there. */
  readonly changelog: string;
}

export interface RenderInput {
  readonly metrics: WeeklyMetrics;
  readonly mode: string;
  readonly review: ReviewOutput;
  readonly changelog: readonly ChangelogEntry[];
  readonly operating: { readonly [k: string]: JsonValue };
  readonly sources: ReviewSources;
}

export interface WeeklyFiles {
  /** Relative names under the weekly folder. */
  readonly names: { readonly report: string; readonly json: string; readonly post: string; readonly equitySvg: string; readonly pnlSvg: string };
  readonly markdown: string;
  readonly post: string;
  readonly json: string;
  readonly equitySvg: string;
  readonly pnlSvg: string;
  /** TRADER_FEEDBACK.md content; null when no feedback is to be written (stats-only, or no usable bullets). */
  readonly feedback: string | null;
  readonly feedbackDropped: number;
  /** The critique and bullets as written (cleaned). */
  readonly critique: string;
  readonly bullets: readonly string[];
}

export const CRITIQUE_MAX_CHARS = 8_000;
const PRICE_SOURCE = { market_data: 'daily closes from market data', journal: 'approximate closes: the last journaled price of each day', none: 'no prices known' } as const;
const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function table(head: readonly string[], rows: readonly (readonly string[])[], align: readonly ('l' | 'r')[]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (align[i] === 'r' ? '---:' : '---')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

const code = (s: string) => `\`${s.replace(/[^A-Za-z0-9_.:-]/g, '').slice(0, 48)}\``;

function longDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${d} ${MONTHS[(m ?? 1) - 1]} ${y}`;
}

function weekSpan(m: WeeklyMetrics): string {
  const first = m.sessions[0];
  const last = m.sessions[m.sessions.length - 1];
  if (!first || !last) return `${m.from.slice(0, 10)} to ${m.to.slice(0, 10)} (no sessions)`;
  return `${WEEKDAY[dayOfWeek(first)]} ${first} to ${WEEKDAY[dayOfWeek(last)]} ${last}`;
}

function jsonLines(v: JsonValue, indent = ''): string[] {
  if (v === null || typeof v !== 'object') return [`${indent}${mdCell(String(v), 200)}`];
  const out: string[] = [];
  for (const [k, x] of Array.isArray(v) ? v.map((e, i) => [String(i), e] as const) : Object.entries(v)) {
    if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
      out.push(`${indent}- ${mdCell(k, 60)}:`);
      out.push(...jsonLines(x, `${indent}  `));
    } else {
      const val = Array.isArray(x) ? (x.length === 0 ? '(none)' : x.map((e) => (typeof e === 'object' ? JSON.stringify(e) : String(e))).join(', ')) : String(x);
      out.push(`${indent}- ${mdCell(k, 60)}: ${mdCell(val, 300)}`);
    }
  }
  return out;
}

function sourcesLine(s: ReviewSources, m: WeeklyMetrics): string[] {
  const j = s.journal;
  const files = j.jsonl.files.map((f) => f.split(/[\\/]/).pop() ?? f);
  return [
    `- Journal (SQLite): ${j.sqlite.found ? `${mdCell(j.sqlite.path, 200)}, ${plural(m.decisions.by_source.sqlite, 'row')} this week` : `not found at ${mdCell(j.sqlite.path, 200)}${j.sqlite.error ? ` (${mdCell(j.sqlite.error, 160)})` : ''}`}.`,
    `- Journal (JSONL): ${files.length ? `${plural(files.length, 'file')} (${mdCell(files.join(', '), 300)}), ${int(j.jsonl.lines)} lines${j.jsonl.badLines ? `, ${j.jsonl.badLines} unreadable` : ''}; ${plural(m.decisions.by_source.jsonl_only, 'row')} this week found only there` : 'no files'}.`,
    `- Broker: ${mdCell(s.broker, 300)}.`,
    `- Daily closes: ${mdCell(s.prices, 200)}.`,
    `- Change log: ${mdCell(s.changelog, 200)}.`,
  ];
}

function outcomeRows(groups: WeeklyMetrics['outcomes']['groups']): string[][] {
  return groups.map((g) => [
    mdCell(g.label),
    String(g.decisions),
    String(g.priced),
    String(g.h1.n),
    pct(g.h1.mean_return),
    share(g.h1.hit_rate),
    g.h1.n_excess ? `${pct(g.h1.mean_excess)} (n=${g.h1.n_excess})` : 'n/a',
    String(g.h5.n),
    pct(g.h5.mean_return),
    share(g.h5.hit_rate),
    g.h5.n_excess ? `${pct(g.h5.mean_excess)} (n=${g.h5.n_excess})` : 'n/a',
  ]);
}

export function equityChart(m: WeeklyMetrics): string {
  const p = m.performance;
  const labels = ['start', ...p.daily.map((d) => d.date.slice(5))];
  const strat = [p.start_equity === null ? null : 0, ...p.daily.map((d) => (p.start_equity !== null && d.equity !== null && p.start_equity > 0 ? (d.equity / p.start_equity - 1) * 100 : null))];
  const b0 = p.benchmark.start;
  const bench = [b0 === null ? null : 0, ...p.daily.map((d) => (b0 !== null && d.benchmark_close !== null && b0 > 0 ? (d.benchmark_close / b0 - 1) * 100 : null))];
  return lineChartSvg({
    title: `${m.week}: equity vs ${p.benchmark.symbol} (cumulative return at each close)`,
    xLabels: labels,
    series: [
      { name: 'llm-trader', color: '#1d4ed8', values: strat },
      { name: p.benchmark.symbol, color: '#9ca3af', values: bench },
    ],
    format: (v) => `${v > 0 ? '+' : ''}${v.toFixed(2)}%`,
    baseline: 0,
  });
}

export function pnlChart(m: WeeklyMetrics): string {
  const items = m.by_symbol
    .map((s) => ({ label: s.symbol, value: Math.round((s.realized_pl + (s.unrealized_pl ?? 0)) * 100) / 100 }))
    .filter((i) => i.value !== 0);
  return barChartSvg({ title: `${m.week}: P&L by symbol (realized + unrealized at the week's end)`, items, format: (v) => signedMoney(v) });
}

export function renderWeeklyReview(x: RenderInput): WeeklyFiles {
  const m = x.metrics;
  const p = m.performance;
  const t = m.trading;
  const d = m.decisions;
  const names = { report: `${m.week}.md`, json: `${m.week}.json`, post: `${m.week}-post.md`, equitySvg: `${m.week}-equity.svg`, pnlSvg: `${m.week}-pnl.svg` };
  const isModel = x.review.kind === 'model';
  const critique = cleanMarkdown(x.review.critique, CRITIQUE_MAX_CHARS);
  const bullets = isModel ? x.review.feedbackBullets.map((b) => cleanLine(b, 400)).filter((b) => b !== '') : [];
  const fb = isModel ? feedbackFile(x.review.feedbackBullets) : { text: '', kept: 0, dropped: 0 };
  const reviewCost = x.review.usage.reduce((a, u) => a + u.cost_usd, 0);

  const L: string[] = [];
  L.push(`# Weekly review ${m.week}`, '');
  L.push(`${weekSpan(m)} · mode **${mdCell(x.mode, 20)}** · ${plural(m.sessions.length, 'session')} · data as of ${nyIso(Date.parse(m.data_as_of))} New York.`, '');
  if (isModel) {
    L.push(`> Critique by ${mdCell(x.review.reviewer, 60)} (prompt ${mdCell(x.review.promptVersion ?? 'n/a', 40)}, cost ${usd(reviewCost)}). Model-written text: read it as an opinion on the numbers below, not as a source of them.`, '');
  } else {
    L.push(`> **Stats-only review: no model critique.** ${mdCell(x.review.note ?? 'No review model was called.', 300)} The observations below are computed from the metrics; no feedback file was written.`, '');
  }
  L.push(`![Equity vs ${mdCell(p.benchmark.symbol, 12)}](${names.equitySvg})`, '', `![P&L by symbol](${names.pnlSvg})`, '');
  if (d.total === 0) L.push(`**No decisions were journaled in ${m.week}.** Nothing below is a measurement of the trader; check that the service ran and that TRADER_DB_PATH / TRADER_JOURNAL_PATH point at its journal.`, '');

  L.push('## Summary', '');
  L.push(
    ...table(
      ['Figure', 'Value'],
      [
        ['Return', `${pct(p.return)} (${signedMoney(p.pl)}; ${money(p.start_equity)} to ${money(p.end_equity)})`],
        [`${mdCell(p.benchmark.symbol, 12)} (close to close)`, pct(p.benchmark.return)],
        ['Excess return', pct(p.excess_return)],
        ['Max drawdown', share(p.max_drawdown, 2)],
        ['Daily Sharpe', p.sharpe_daily.daily === null ? `n/a (n=${p.sharpe_daily.n})` : `${num(p.sharpe_daily.daily, 3)} (x sqrt(252) = ${num(p.sharpe_daily.annualized, 2)}; n=${p.sharpe_daily.n} days)`],
        ['Exposure', p.exposure.n ? `${num(p.exposure.avg_invested_pct, 1)}% of equity invested on average; positions held in ${share(p.exposure.cycles_invested_share)} of ${plural(p.exposure.n, 'cycle')}` : 'n/a'],
        ['Realized P&L', `${signedMoney(t.realized_pl)} over ${plural(t.round_trips, 'round trip')}`],
        ['Unrealized P&L (week end)', `${signedMoney(t.unrealized_pl)} on ${plural(t.open_positions.length, 'open position')}`],
        ['Win rate', t.round_trips ? `${share(t.win_rate)} (${t.wins} won, ${t.losses} lost)` : 'n/a (no closed round trip)'],
        ['Average win / loss', `${signedMoney(t.avg_win)} / ${signedMoney(t.avg_loss)}`],
        ['Profit factor', t.profit_factor === null ? 'n/a' : num(t.profit_factor, 2)],
        ['Decisions', `${int(d.total)}: BUY ${d.by_action.BUY ?? 0}, SELL ${d.by_action.SELL ?? 0}, HOLD ${d.by_action.HOLD ?? 0}`],
        ['Fills', `${t.entries} entries, ${t.exits} exits; fees ${money(t.fees)}`],
        ['Model cost', `${usd(m.model_usage.cost_usd)}${m.model_usage.calls !== null ? ` (${int(m.model_usage.calls)} calls, ${int(m.model_usage.input_tokens)} in / ${int(m.model_usage.output_tokens)} out tokens)` : m.model_usage.source === 'trades.cost_usd' ? ' (decisions only; no token counts journaled)' : ''}`],
      ],
      ['l', 'r'],
    ),
    '',
  );

  L.push(isModel ? '## Critique' : '## Automatic observations (stats-only)', '');
  L.push(critique === '' ? '_The reviewer returned no text._' : critique, '');
  if (isModel) {
    L.push('### Feedback for next week', '');
    if (bullets.length === 0) L.push('_No usable feedback bullets: TRADER_FEEDBACK.md was not written._', '');
    else L.push(...bullets.map((b) => `- ${b}`), '', `_Written to TRADER_FEEDBACK.md: ${plural(fb.kept, 'bullet')}, ${fb.text.length} characters${fb.dropped ? `; ${fb.dropped} left out to stay within 2,500` : ''}._`, '');
  }

  L.push('## Equity by session', '');
  L.push(
    ...table(
      ['Session', 'Equity at close', 'Day', `${mdCell(p.benchmark.symbol, 12)} close`],
      p.daily.map((r) => [`${r.date}${r.exact ? '' : ' (last cycle)'}`, money(r.equity), pct(r.return), r.benchmark_close === null ? 'n/a' : num(r.benchmark_close, 2)]),
      ['l', 'r', 'r', 'r'],
    ),
    '',
    `Start: ${money(p.start_equity)} (${mdCell(p.start_source, 120)}).`,
    '',
  );

  L.push('## Decisions', '');
  L.push(
    `- ${plural(d.cycles.total, 'decision cycle')}${d.cycles.failed ? `, ${d.cycles.failed} failed` : ''}${d.cycles.skipped ? `, ${d.cycles.skipped} skipped` : ''}${d.cycles.unfinished ? `, ${d.cycles.unfinished} unfinished` : ''}; ${plural(d.orders_submitted, 'order')} submitted; watchlist ${d.watchlist_size.mean === null ? 'size unknown' : d.watchlist_size.min === d.watchlist_size.max ? `${d.watchlist_size.min} symbols` : `${d.watchlist_size.min}-${d.watchlist_size.max} symbols (mean ${num(d.watchlist_size.mean, 1)})`}.`,
    `- Brain asked: BUY ${d.model_by_action.BUY ?? 0}, SELL ${d.model_by_action.SELL ?? 0}, HOLD ${d.model_by_action.HOLD ?? 0}. Final: BUY ${d.by_action.BUY ?? 0}, SELL ${d.by_action.SELL ?? 0}, HOLD ${d.by_action.HOLD ?? 0}.`,
    `- Changed by risk or fallback: ${Object.keys(d.changed).length ? Object.entries(d.changed).map(([k, v]) => `${mdCell(k, 30)} ${v}`).join(', ') : 'none'}.`,
    `- Average confidence: BUY ${num(d.avg_confidence.BUY ?? null)}, SELL ${num(d.avg_confidence.SELL ?? null)}, HOLD ${num(d.avg_confidence.HOLD ?? null)}.`,
    `- Prompt versions seen: ${d.prompt_versions.length ? d.prompt_versions.map((v) => mdCell(v, 40)).join(', ') : 'n/a'}.`,
    '',
  );

  L.push('## Decision outcomes', '');
  L.push(
    `Forward return from the decision's price to the close 1 and 5 sessions later (${PRICE_SOURCE[m.outcomes.prices_source]}), and the excess over ${mdCell(m.outcomes.benchmark, 12)} over the same span. ` +
      `"Right" means up after a BUY, down after a SELL. Still waiting for their close: ${m.outcomes.pending.h1} at 1 session, ${m.outcomes.pending.h5} at 5 sessions. Small n means little evidence.`,
    '',
  );
  const OUTCOME_HEAD = ['Group', 'Decisions', 'Priced', '1d n', '1d mean', '1d right', '1d excess', '5d n', '5d mean', '5d right', '5d excess'];
  const OUTCOME_ALIGN = ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'] as const;
  L.push(...table(OUTCOME_HEAD, outcomeRows(m.outcomes.groups), OUTCOME_ALIGN), '');
  const pw = m.outcomes.previous_week;
  if (pw) {
    L.push(`### Last week's decisions, scored again (${mdCell(pw.week, 10)})`, '', `Their 5-session horizons end in this week or later; still waiting: ${pw.pending.h1} at 1 session, ${pw.pending.h5} at 5 sessions.`, '');
    L.push(...table(OUTCOME_HEAD, outcomeRows(pw.groups), OUTCOME_ALIGN), '');
  }

  L.push('## Round trips', '');
  if (t.list.length === 0) L.push(`None closed this week.${t.unmatched_sell_qty ? ` ${num(t.unmatched_sell_qty, 0)} shares were sold with no journaled buy to match.` : ''}`, '');
  else
    L.push(
      ...table(
        ['Symbol', 'Qty', 'Entry', 'Exit', 'Exit kind', 'Strategy', 'P&L', 'Return'],
        t.list.slice(0, 60).map((r) => [mdCell(r.symbol, 12), num(r.qty, 0), `${r.entry_at.slice(0, 10)} @ ${num(r.entry_price, 4)}`, `${r.exit_at.slice(0, 10)} @ ${num(r.exit_price, 4)}`, mdCell(r.exit_kind, 30), mdCell(r.strategy, 40), signedMoney(r.pnl), pct(r.ret)]),
        ['l', 'r', 'l', 'l', 'l', 'l', 'r', 'r'],
      ),
      ...(t.list.length > 60 ? ['', `_${t.list.length - 60} more in the JSON._`] : []),
      '',
    );

  L.push('## Open positions at the week\'s end', '');
  if (t.open_positions.length === 0) L.push('None.', '');
  else
    L.push(
      ...table(
        ['Symbol', 'Qty', 'Avg entry', 'Mark', 'Unrealized P&L'],
        t.open_positions.map((o) => [mdCell(o.symbol, 12), num(o.qty, 0), num(o.avg_entry, 4), num(o.mark, 4), signedMoney(o.unrealized_pl)]),
        ['l', 'r', 'r', 'r', 'r'],
      ),
      '',
    );

  L.push('## By strategy', '');
  L.push(
    ...table(
      ['Strategy', 'Decisions', 'BUY', 'SELL', 'Round trips', 'Won', 'Realized P&L'],
      m.by_strategy.slice(0, 40).map((s) => [mdCell(s.strategy, 40), String(s.decisions), String(s.buys), String(s.sells), String(s.round_trips), String(s.wins), signedMoney(s.realized_pl)]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );

  const active = m.by_symbol.filter((s) => s.buys || s.sells || s.round_trips || s.unrealized_pl !== 0);
  L.push('## By symbol', '');
  if (active.length === 0) L.push(`No symbol traded; ${plural(m.by_symbol.length, 'symbol')} had only HOLD decisions.`, '');
  else
    L.push(
      ...table(
        ['Symbol', 'Decisions', 'BUY', 'SELL', 'Round trips', 'Realized', 'Unrealized'],
        active.map((s) => [mdCell(s.symbol, 12), String(s.decisions), String(s.buys), String(s.sells), String(s.round_trips), signedMoney(s.realized_pl), signedMoney(s.unrealized_pl)]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
      '',
      `${plural(m.by_symbol.length - active.length, 'other symbol')} had only HOLD decisions.`,
      '',
    );

  L.push('## Risk overrides by rule', '');
  if (m.risk_overrides.by_rule.length === 0) L.push('None.', '');
  else
    L.push(
      ...table(
        ['Rule', 'Effect', 'Count', 'Symbols'],
        m.risk_overrides.by_rule.map((r) => [code(r.rule), mdCell(r.effect, 20), String(r.count), mdCell(`${r.symbols.slice(0, 10).join(', ')}${r.symbols.length > 10 ? ` +${r.symbols.length - 10}` : ''}`, 200)]),
        ['l', 'l', 'r', 'l'],
      ),
      '',
    );

  L.push('## Parse fallbacks', '');
  L.push(
    m.parse_fallbacks.count === 0
      ? 'None: every decision came from usable brain output.'
      : `${plural(m.parse_fallbacks.count, 'decision')} (${share(m.parse_fallbacks.rate)}) became a safe HOLD: ${m.parse_fallbacks.by_reason.map((r) => `${mdCell(r.reason, 40)} ${r.count}`).join(', ')}.`,
    '',
  );

  L.push('## Exits by kind', '');
  if (m.automated_exits.fills.length === 0) L.push('No exit filled this week.', '');
  else
    L.push(
      ...table(
        ['Kind', 'Fills', 'Shares', 'Realized P&L'],
        m.automated_exits.fills.map((f) => [mdCell(f.kind, 30), String(f.count), num(f.qty, 0), signedMoney(f.realized_pl)]),
        ['l', 'r', 'r', 'r'],
      ),
      '',
    );
  const autoRows = Object.entries(m.automated_exits.journal_rows);
  if (autoRows.length) L.push(`Automation rows journaled (position health): ${autoRows.map(([k, v]) => `${mdCell(k, 30)} ${v}`).join(', ')}.`, '');

  L.push('## Model usage and cost', '');
  if (m.model_usage.by_model.length === 0) L.push(m.model_usage.source === 'trades.cost_usd' ? `Decision cost ${usd(m.model_usage.cost_usd)} (from the decision rows; no per-call usage journaled).` : 'No model calls were journaled this week.', '');
  else
    L.push(
      ...table(
        ['Model', 'Purpose', 'Calls', 'Input tokens', 'Output tokens', 'Cost'],
        m.model_usage.by_model.map((u) => [mdCell(u.model, 40), mdCell(u.purpose, 20), int(u.calls), int(u.input_tokens), int(u.output_tokens), usd(u.cost_usd)]),
        ['l', 'l', 'r', 'r', 'r', 'r'],
      ),
      '',
    );
  if (reviewCost > 0 || x.review.usage.length) L.push(`This review's own call: ${usd(reviewCost)} (${int(x.review.usage.reduce((a, u) => a + u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens, 0))} in / ${int(x.review.usage.reduce((a, u) => a + u.output_tokens, 0))} out tokens).`, '');

  L.push('## Operating snapshot', '');
  L.push(...jsonLines(x.operating), '');

  L.push('## Human change log (recent)', '');
  if (x.changelog.length === 0) L.push('No recent entries.', '');
  else for (const e of x.changelog) L.push(`### ${e.title}`, '', e.body === '' ? '_(no text)_' : e.body, '');

  L.push('## Sources', '');
  L.push(...sourcesLine(x.sources, m), '');

  L.push('## How these numbers are computed', '');
  L.push(
    '- Round trips: sells matched first-in first-out against earlier buys of the same symbol; P&L net of both sides\' commissions; a round trip counts in the week its sell filled.',
    '- Equity at a close: the previous-close equity the broker reported to the next session\'s first decision; "(last cycle)" marks days where only the last cycle\'s equity (shortly before the close) was journaled.',
    '- Daily Sharpe: mean / sample standard deviation of the daily returns, risk-free rate 0; with five days it is a rough gauge at best.',
    '- Exposure: long market value / equity at each decision cycle\'s first snapshot.',
    '- Unrealized P&L: lots still open at the week\'s end, marked at the last session\'s close.',
    '',
  );

  const markdown = `${L.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
  const post = renderPost(x, names, critique, bullets);
  const json = `${JSON.stringify(
    {
      schema: 'llm-trader/weekly-review@1',
      week: m.week,
      mode: x.mode,
      files: names,
      review: {
        kind: x.review.kind,
        reviewer: x.review.reviewer,
        prompt_version: x.review.promptVersion,
        note: x.review.note ?? null,
        critique,
        feedback_bullets: bullets,
        feedback_written: fb.text !== '',
        usage: x.review.usage,
      },
      metrics: m,
      operating: x.operating,
      changelog: x.changelog,
      sources: x.sources,
    },
    null,
    2,
  )}\n`;
  return {
    names,
    markdown,
    post,
    json,
    equitySvg: equityChart(m),
    pnlSvg: pnlChart(m),
    feedback: fb.text === '' ? null : fb.text,
    feedbackDropped: fb.dropped,
    critique,
    bullets,
  };
}

function headline(m: WeeklyMetrics): string {
  const p = m.performance;
  if (m.decisions.total === 0) return `${m.week}: a quiet week with nothing journaled`;
  if (p.return === null) return `${m.week}: ${plural(m.decisions.total, 'decision')}, return unknown`;
  const dir = p.return > 0 ? 'up' : p.return < 0 ? 'down' : 'flat';
  const b = p.benchmark.return;
  const vs = b === null ? '' : b > 0 ? ` while ${p.benchmark.symbol} rose ${pct(b).replace('+', '')}` : b < 0 ? ` while ${p.benchmark.symbol} fell ${pct(b).replace('-', '')}` : ` with ${p.benchmark.symbol} flat`;
  return `${m.week}: ${dir} ${pct(Math.abs(p.return)).replace('+', '')}${vs}`;
}

function renderPost(x: RenderInput, names: WeeklyFiles['names'], critique: string, bullets: readonly string[]): string {
  const m = x.metrics;
  const p = m.performance;
  const t = m.trading;
  const d = m.decisions;
  const first = m.sessions[0];
  const last = m.sessions[m.sessions.length - 1];
  const L: string[] = [];
  L.push(`# ${mdCell(headline(m), 120)}`, '');
  L.push(`_llm-trader weekly post · ${mdCell(x.mode, 20)} mode · ${first && last ? `${longDate(first)} to ${longDate(last)}` : 'no sessions'} · [full review](${names.report})_`, '');
  L.push(`![Equity vs ${mdCell(p.benchmark.symbol, 12)}](${names.equitySvg})`, '');
  if (d.total === 0) {
    L.push(`Nothing was journaled this week, so there is nothing to tell. If the trader was meant to run, its logs are the place to look.`, '');
    return `${L.join('\n').trimEnd()}\n`;
  }
  const acted = (d.by_action.BUY ?? 0) + (d.by_action.SELL ?? 0);
  L.push(
    `Over ${plural(m.sessions.length, 'trading session')} the trader ran ${plural(d.cycles.total, 'decision cycle')}` +
      `${d.watchlist_size.mean !== null ? ` over about ${Math.round(d.watchlist_size.mean)} symbols each` : ''} and made ${int(d.total)} decisions. ` +
      `It acted on ${acted}: ${plural(d.by_action.BUY ?? 0, 'buy')} and ${plural(d.by_action.SELL ?? 0, 'sell')}; everything else was a HOLD.` +
      (Object.keys(d.changed).length ? ` The risk engine or a fallback changed ${plural(Object.values(d.changed).reduce((a, b) => a + b, 0), 'decision')} before any order left.` : ''),
    '',
  );
  L.push(
    `Equity went from ${money(p.start_equity)} to ${money(p.end_equity)}, ${pct(p.return)} for the week` +
      (p.benchmark.return !== null ? `, against ${pct(p.benchmark.return)} for ${mdCell(p.benchmark.symbol, 12)}` : '') +
      `. The worst dip from a high was ${share(p.max_drawdown, 2)}.`,
    '',
  );
  if (t.round_trips > 0) {
    L.push(`${plural(t.round_trips, 'trade')} closed, ${t.wins} of them winners, for ${signedMoney(t.realized_pl)} realized${t.round_trips < 10 ? ' (a handful of trades says little about skill)' : ''}.`, '');
  } else {
    L.push(`No trade closed this week.`, '');
  }
  if (t.open_positions.length > 0) L.push(`Still open at the end of the week: ${t.open_positions.map((o) => `${mdCell(o.symbol, 12)} (${signedMoney(o.unrealized_pl)})`).join(', ')}.`, '');
  const top = m.risk_overrides.by_rule[0];
  if (top) L.push(`The risk rule that fired most was ${code(top.rule)} (${top.count}x).`, '');
  const buy = m.outcomes.groups.find((g) => g.group === 'buy');
  if (buy && buy.h1.n > 0) L.push(`One session after each buy, the symbol's close was ${pct(buy.h1.mean_return)} from the buy price on average (n=${buy.h1.n}).`, '');

  L.push(x.review.kind === 'model' ? `## What the reviewer said` : '## Notes (stats only, no model critique)', '');
  L.push(critique === '' ? '_Nothing._' : critique, '');
  if (bullets.length > 0) L.push('## What changes next week', '', ...bullets.map((b) => `- ${b}`), '');
  if (x.changelog.length > 0) L.push('## Changes made by hand', '', ...x.changelog.map((e) => `- ${e.title}`), '');
  return `${L.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
