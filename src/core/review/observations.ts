import type { ReviewOutput } from '../../ports/reviewer.js';
import { pct, plural, share, signedMoney, usd } from './format.js';
import type { WeeklyMetrics } from './metrics.js';

/**
 * Automatic observations for a stats-only review (no model): short, factual sentences derived
 * from the metrics, each with its sample size, so the report still says something useful.
 * Deterministic. Never advice to the trader: no feedback file is written from these.
 */
export function statsObservations(m: WeeklyMetrics): string[] {
  const out: string[] = [];
  const p = m.performance;
  const d = m.decisions;
  if (d.total === 0) return [`No decisions were journaled in ${m.week}; there is nothing to review.`];

  if (p.return !== null) {
    const vs = p.benchmark.return === null ? `(${p.benchmark.symbol} unknown)` : `against ${pct(p.benchmark.return)} for ${p.benchmark.symbol} (excess ${pct(p.excess_return)})`;
    out.push(`Equity moved ${pct(p.return)} (${signedMoney(p.pl)}) over ${plural(m.sessions.length, 'session')} ${vs}; the deepest drawdown was ${share(p.max_drawdown, 2)}.`);
  } else {
    out.push('The week\'s return could not be computed: no equity was journaled at its start or end.');
  }

  const acted = (d.by_action.BUY ?? 0) + (d.by_action.SELL ?? 0);
  out.push(
    `${plural(d.total, 'decision')} over ${plural(d.cycles.total, 'cycle')}: BUY ${d.by_action.BUY ?? 0}, SELL ${d.by_action.SELL ?? 0}, HOLD ${d.by_action.HOLD ?? 0} ` +
      `(${share(acted / d.total)} acted on).`,
  );

  const changed = Object.entries(d.changed).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = m.risk_overrides.by_rule[0];
  if (m.risk_overrides.total > 0 && top) {
    out.push(
      `The risk engine intervened ${plural(m.risk_overrides.total, 'time')} on ${plural(m.risk_overrides.decisions_with_overrides, 'decision')}; most often ${top.rule} (${top.effect}, ${top.count}x).` +
        (changed.length ? ` Actions changed: ${changed.map(([k, v]) => `${k.replace('->', ' to ')} ${v}`).join(', ')}.` : ''),
    );
  } else {
    out.push('The risk engine changed nothing this week.');
  }

  const t = m.trading;
  if (t.round_trips > 0) {
    out.push(
      `${plural(t.round_trips, 'round trip')} closed: win rate ${share(t.win_rate)}, realized ${signedMoney(t.realized_pl)}` +
        (t.profit_factor !== null ? `, profit factor ${t.profit_factor.toFixed(2)}` : '') +
        (t.round_trips < 10 ? ` (too few trades to judge a win rate).` : '.'),
    );
  } else {
    out.push(`No round trip closed this week${t.entries ? ` (${plural(t.entries, 'entry', 'entries')} opened)` : ''}.`);
  }
  if (t.open_positions.length > 0) out.push(`${plural(t.open_positions.length, 'position')} open at the week's end, unrealized ${signedMoney(t.unrealized_pl)}.`);

  for (const g of m.outcomes.groups) {
    if (g.group === 'hold' || g.decisions === 0) continue;
    const h = g.h1;
    if (h.n === 0) {
      out.push(`${g.label}: ${plural(g.decisions, 'decision')}, no 1-session outcome known yet.`);
      continue;
    }
    out.push(
      `${g.label}: 1-session forward return ${pct(h.mean_return)} on average over n=${h.n}` +
        (h.hit_rate !== null ? `, right ${share(h.hit_rate)} of the time` : '') +
        (h.mean_excess !== null ? `, ${pct(h.mean_excess)} vs ${m.outcomes.benchmark}` : '') +
        (g.h5.n > 0 ? `; 5 sessions: ${pct(g.h5.mean_return)} (n=${g.h5.n})` : '; 5-session outcomes pending') +
        '.',
    );
  }
  const lastBuy = m.outcomes.previous_week?.groups.find((g) => g.group === 'buy');
  if (lastBuy && lastBuy.h5.n > 0) {
    out.push(`Last week's BUYs (${m.outcomes.previous_week!.week}) 5 sessions on: ${pct(lastBuy.h5.mean_return)} on average over n=${lastBuy.h5.n}${lastBuy.h5.hit_rate !== null ? `, up ${share(lastBuy.h5.hit_rate)} of the time` : ''}.`);
  }
  const hold = m.outcomes.groups.find((g) => g.group === 'hold');
  if (hold && hold.h1.n > 0) out.push(`HOLDs the brain chose: the symbols then moved ${pct(hold.h1.mean_return)} over 1 session on average (n=${hold.h1.n}).`);

  if (m.parse_fallbacks.count > 0) {
    out.push(`${plural(m.parse_fallbacks.count, 'decision')} fell back to a safe HOLD (${share(m.parse_fallbacks.rate)}): ${m.parse_fallbacks.by_reason.map((r) => `${r.reason} ${r.count}`).join(', ')}.`);
  }
  const auto = m.automated_exits.fills.filter((f) => f.kind !== 'model_sell');
  if (auto.length > 0) out.push(`Automated exits: ${auto.map((f) => `${f.kind} ${f.count} (${signedMoney(f.realized_pl)})`).join(', ')}.`);
  if (m.model_usage.cost_usd > 0 || (m.model_usage.calls ?? 0) > 0) out.push(`Model cost: ${usd(m.model_usage.cost_usd)}${m.model_usage.calls !== null ? ` over ${plural(m.model_usage.calls, 'call')}` : ''}.`);
  else out.push('No model calls were journaled (no model cost).');
  return out;
}

/** A stats-only review result: the observations as the critique, no feedback, `note` saying why there is no model critique. */
export function statsOnlyReview(m: WeeklyMetrics, note: string, usage: ReviewOutput['usage'] = []): ReviewOutput {
  return {
    kind: 'stats_only',
    reviewer: 'stats-only',
    critique: statsObservations(m).map((l) => `- ${l}`).join('\n'),
    feedbackBullets: [],
    usage,
    promptVersion: null,
    note,
  };
}
