import type { Override } from '../../domain/decision.js';
import type { Journal } from '../../ports/journal.js';
import { addDays, nyDate, nyIso, nyTime } from '../time/ny.js';
import { RULES, type RiskPolicy } from './policy.js';

/**
 * Risk state that outlives one cycle, kept in the journal's risk_state table (key -> JSON):
 *   halt             the persisted HALT: which breaker, why, until when (market time)
 *   session          today's equity peak and the giveback flag for new buys
 *   circuit_breaker  the strictest breaker thresholds seen: config may tighten them, never loosen
 *   health_last_run  when the position-health job last synced orders
 * Transitions are pure functions; the two helpers at the end read and write through the
 * Journal port and are shared by the cycle and the position-health job.
 */

export const RISK_KEYS = {
  halt: 'halt',
  session: 'session',
  breaker: 'circuit_breaker',
  healthLastRun: 'health_last_run',
} as const;

export interface HaltState {
  readonly rule: string;
  readonly detail: string;
  /** Market time (epoch ms) the halt began. */
  readonly since: number;
  /** Market time (epoch ms) the halt lifts. */
  readonly until: number;
  readonly since_ny: string;
  readonly until_ny: string;
  /** Set by the position-health job once it has flattened the book for this halt. */
  readonly flattened: boolean;
}

export interface SessionState {
  /** New York date of the session. */
  readonly date: string;
  readonly lastEquity: number;
  readonly peakEquity: number;
  readonly peakAt: number;
  /** Sticky for the session: new BUYs are blocked once set. */
  readonly givebackHalt: boolean;
  readonly givebackAt: number | null;
  readonly givebackDetail: string | null;
}

export interface BreakerState {
  readonly maxDailyLossPct: number;
  readonly maxSessionDrawdownPct: number;
  readonly updatedAt: number;
}

type RiskStore = Pick<Journal, 'getRiskState' | 'setRiskState'>;

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** A HALT lifts at New York midnight `days` days after the day it began. */
export function haltUntil(asOf: number, days: number): number {
  return nyTime(addDays(nyDate(asOf), Math.max(1, Math.round(days))), '00:00');
}

export function activeHalt(h: HaltState | null, asOf: number): HaltState | null {
  return h !== null && Number.isFinite(h.until) && h.until > asOf ? h : null;
}

export function newHalt(o: Override, asOf: number, days: number): HaltState {
  const until = haltUntil(asOf, days);
  return { rule: o.rule, detail: o.detail, since: asOf, until, since_ny: nyIso(asOf), until_ny: nyIso(until), flattened: false };
}

/**
 * The circuit breakers, in order: daily loss (vs the previous close), then drawdown from the
 * session's peak equity. Returns the tripped breaker as a halt override, or null.
 */
export function checkBreakers(x: { equity: number; lastEquity: number; sessionPeak: number | null }, p: Pick<RiskPolicy, 'maxDailyLossPct' | 'maxSessionDrawdownPct'>): Override | null {
  const { equity, lastEquity, sessionPeak } = x;
  if (lastEquity > 0 && (equity - lastEquity) / lastEquity <= -p.maxDailyLossPct) {
    return { rule: RULES.dailyLoss, effect: 'halt', detail: `day loss ${pct((lastEquity - equity) / lastEquity)} reached the ${pct(p.maxDailyLossPct)} limit` };
  }
  if (sessionPeak !== null && sessionPeak > 0 && (sessionPeak - equity) / sessionPeak >= p.maxSessionDrawdownPct) {
    return {
      rule: RULES.sessionDrawdown,
      effect: 'halt',
      detail: `drawdown ${pct((sessionPeak - equity) / sessionPeak)} from the session peak ${sessionPeak.toFixed(2)} reached the ${pct(p.maxSessionDrawdownPct)} limit`,
    };
  }
  return null;
}

/**
 * Today's session state after observing `equity` at `asOf`: the peak (a new day starts from
 * max(previous close, equity)), and the giveback flag: once the day's peak gain reached the
 * activation threshold, losing SESSION_GIVEBACK_PCT of it blocks new BUYs for the session.
 */
export function advanceSession(prev: SessionState | null, x: { asOf: number; equity: number; lastEquity: number }, p: Pick<RiskPolicy, 'sessionGivebackPct' | 'sessionGivebackActivationPct'>): SessionState {
  const date = nyDate(x.asOf);
  const base: SessionState =
    prev !== null && prev.date === date
      ? prev
      : { date, lastEquity: x.lastEquity, peakEquity: Math.max(x.lastEquity, x.equity), peakAt: x.asOf, givebackHalt: false, givebackAt: null, givebackDetail: null };
  const last = base.lastEquity > 0 ? base.lastEquity : x.lastEquity;
  let s: SessionState = x.equity > base.peakEquity ? { ...base, lastEquity: last, peakEquity: x.equity, peakAt: x.asOf } : { ...base, lastEquity: last };
  if (!s.givebackHalt && last > 0) {
    const peakGain = s.peakEquity - last;
    if (peakGain / last >= p.sessionGivebackActivationPct && peakGain > 0) {
      const gaveBack = (s.peakEquity - x.equity) / peakGain;
      if (gaveBack >= p.sessionGivebackPct) {
        s = {
          ...s,
          givebackHalt: true,
          givebackAt: x.asOf,
          givebackDetail: `gave back ${pct(gaveBack)} of the day's peak gain ${peakGain.toFixed(2)} (peak ${s.peakEquity.toFixed(2)}, now ${x.equity.toFixed(2)}) >= ${pct(p.sessionGivebackPct)}`,
        };
      }
    }
  }
  return s;
}

/**
 * Stricter wins: the effective thresholds are the minimum of config and what was stored; the
 * result is what gets stored. A looser config value is ignored (and reported) until an
 * operator clears the stored row deliberately.
 */
export function effectiveBreakers(p: RiskPolicy, stored: BreakerState | null, asOf: number): { policy: RiskPolicy; next: BreakerState; ignored: string[] } {
  const ignored: string[] = [];
  const pick = (name: string, cfg: number, st: number | undefined) => {
    if (st === undefined || !Number.isFinite(st) || st <= 0) return cfg;
    if (st < cfg) ignored.push(`${name} ${cfg} from config is looser than the stored ${st}; keeping ${st}`);
    return Math.min(cfg, st);
  };
  const maxDailyLossPct = pick('MAX_DAILY_LOSS_PCT', p.maxDailyLossPct, stored?.maxDailyLossPct);
  const maxSessionDrawdownPct = pick('MAX_SESSION_DRAWDOWN_PCT', p.maxSessionDrawdownPct, stored?.maxSessionDrawdownPct);
  const same = stored !== null && stored.maxDailyLossPct === maxDailyLossPct && stored.maxSessionDrawdownPct === maxSessionDrawdownPct;
  return {
    policy: { ...p, maxDailyLossPct, maxSessionDrawdownPct },
    next: same ? stored : { maxDailyLossPct, maxSessionDrawdownPct, updatedAt: asOf },
    ignored,
  };
}

/**
 * Runtime tightening (operator command). Refuses any value that would loosen a threshold.
 * Returns the new stored state, or the reasons it refused.
 */
export function tightenBreakers(
  current: Pick<BreakerState, 'maxDailyLossPct' | 'maxSessionDrawdownPct'>,
  req: { readonly maxDailyLossPct?: number; readonly maxSessionDrawdownPct?: number },
  asOf: number,
): { ok: true; next: BreakerState } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const check = (name: string, cur: number, v: number | undefined) => {
    if (v === undefined) return cur;
    if (!Number.isFinite(v) || v <= 0 || v >= 1) problems.push(`${name} ${v} is not a fraction in (0, 1)`);
    else if (v > cur) problems.push(`${name} ${v} would loosen the current ${cur}; thresholds can only be tightened at runtime`);
    return v;
  };
  const maxDailyLossPct = check('daily loss', current.maxDailyLossPct, req.maxDailyLossPct);
  const maxSessionDrawdownPct = check('session drawdown', current.maxSessionDrawdownPct, req.maxSessionDrawdownPct);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, next: { maxDailyLossPct, maxSessionDrawdownPct, updatedAt: asOf } };
}

export interface SessionRisk {
  /** The policy with the effective (strictest) breaker thresholds. */
  readonly policy: RiskPolicy;
  /** null when equity was not a positive number (nothing is tracked then). */
  readonly session: SessionState | null;
  /** The halt in force at asOf (possibly just tripped), or null. */
  readonly halt: HaltState | null;
  /** Set when a breaker tripped in this evaluation and a new halt was persisted. */
  readonly tripped: Override | null;
  /** Config values ignored because a stricter threshold was stored. */
  readonly ignored: readonly string[];
}

/**
 * One observation of account equity: applies stored breaker thresholds, advances the
 * session peak/giveback, checks the breakers and persists a new HALT (with its halt-until
 * time) when one trips. Writes through the journal; a failed write throws, and callers then
 * send no order (fail closed).
 */
export function observeSessionRisk(store: RiskStore, x: { asOf: number; equity: number; lastEquity: number }, cfg: RiskPolicy): SessionRisk {
  const stored = store.getRiskState<BreakerState>(RISK_KEYS.breaker);
  const eff = effectiveBreakers(cfg, stored, x.asOf);
  if (eff.next !== stored) store.setRiskState(RISK_KEYS.breaker, eff.next);
  const policy = eff.policy;
  let halt = activeHalt(store.getRiskState<HaltState>(RISK_KEYS.halt), x.asOf);
  if (!Number.isFinite(x.equity) || x.equity <= 0) return { policy, session: null, halt, tripped: null, ignored: eff.ignored };
  const session = advanceSession(store.getRiskState<SessionState>(RISK_KEYS.session), x, policy);
  store.setRiskState(RISK_KEYS.session, session);
  let tripped: Override | null = null;
  if (halt === null) {
    tripped = checkBreakers({ equity: x.equity, lastEquity: x.lastEquity, sessionPeak: session.peakEquity }, policy);
    if (tripped !== null) {
      halt = newHalt(tripped, x.asOf, policy.haltDays);
      store.setRiskState(RISK_KEYS.halt, halt);
    }
  }
  return { policy, session, halt, tripped, ignored: eff.ignored };
}

/** Operator command: lift the persisted HALT now. */
export function clearHalt(store: RiskStore): HaltState | null {
  const h = store.getRiskState<HaltState>(RISK_KEYS.halt);
  if (h !== null) store.setRiskState(RISK_KEYS.halt, null);
  return h;
}
