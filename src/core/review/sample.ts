import type { ReviewSampleDecision } from '../../ports/reviewer.js';
import { nyClock, nyDate } from '../time/ny.js';
import { decisionOutcomes, r6, weekOutcomeContext, type MetricsInput } from './metrics.js';
import type { ReviewDecision } from './types.js';

/**
 * The decisions the review model sees: every BUY and SELL (up to a cap), then the decisions the
 * risk engine or a fallback turned into HOLD, then parse fallbacks, then the most confident
 * HOLDs, each with its forward returns. Deterministic (ties by time then id); rationales are
 * shortened. At most `max` decisions.
 */
export function decisionSample(x: MetricsInput, max = 40): ReviewSampleDecision[] {
  const ds = x.decisions.filter((d) => d.automation === null && d.asOf >= x.week.from && d.asOf < x.week.to);
  const outcomes = decisionOutcomes(weekOutcomeContext(x), ds);
  const byTime = (a: ReviewDecision, b: ReviewDecision) => a.asOf - b.asOf || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  const picked = new Map<string, ReviewDecision>();
  const take = (xs: readonly ReviewDecision[], n: number) => {
    for (const d of xs) {
      if (picked.size >= max || n <= 0) return;
      if (picked.has(d.id)) continue;
      picked.set(d.id, d);
      n--;
    }
  };
  take(ds.filter((d) => d.action === 'BUY' || d.action === 'SELL').sort(byTime), Math.ceil(max / 2));
  take(ds.filter((d) => d.action === 'HOLD' && d.modelAction !== 'HOLD').sort(byTime), Math.ceil(max / 4));
  take(ds.filter((d) => d.parseFallback !== null).sort(byTime), 5);
  take(
    ds.filter((d) => d.action === 'HOLD').sort((a, b) => b.confidence - a.confidence || byTime(a, b)),
    max,
  );
  return [...picked.values()].sort(byTime).map((d) => {
    const o = outcomes.get(d.id);
    const r = (v: number | null | undefined) => (v === null || v === undefined ? null : r6(v));
    return {
      at: `${nyDate(d.asOf)} ${nyClock(d.asOf)}`,
      symbol: d.symbol,
      model_action: d.modelAction,
      action: d.action,
      strategy: d.strategy.slice(0, 40),
      confidence: d.confidence,
      size_pct: d.sizePct,
      price: d.price,
      overrides: d.overrides.map((v) => `${v.rule}:${v.effect}`),
      parse_fallback: d.parseFallback !== null,
      rationale: d.rationale.replace(/\s+/g, ' ').trim().slice(0, 240),
      r1: r(o?.r[0]),
      r5: r(o?.r[1]),
    };
  });
}
