import type { Account, Order, Position } from '../../domain/broker.js';
import type { Override } from '../../domain/decision.js';
import type { Snapshot } from '../../domain/snapshot.js';
import type { Broker } from '../../ports/broker.js';
import type { Journal } from '../../ports/journal.js';
import { nyDate, nyTime } from '../time/ny.js';
import { EXIT_KINDS, type ExitKind, type RiskPolicy } from './policy.js';
import { observeSessionRisk, type HaltState, type SessionState } from './state.js';

/**
 * What the rules need beyond the snapshot, gathered ONCE per cycle (one broker call for the
 * day's fills, a few risk_state rows), then turned into a per-symbol RiskContext for the
 * pure validateDecision.
 */

/**
 * Per-symbol inputs of validateDecision. Everything is a plain value. The cycle fills every
 * field (riskContextFor); a field left out means "unknown / not in force": no halt, no kill
 * switch, no giveback flag, nothing approved yet, no recent sell, not opened today, no day
 * trades, a discretionary SELL, and asOf = the snapshot's as_of.
 */
export interface RiskContext {
  readonly snapshot: Snapshot;
  /** Equity at the previous session close, for the daily-loss breaker. */
  readonly lastEquity: number;
  /** BUYs already approved in this cycle. */
  readonly buysApproved: number;
  /** Market time of the decision (epoch ms). */
  readonly asOf?: number;
  /** Highest equity seen this session (cycle and position-health observations), null when unknown. */
  readonly sessionPeakEquity?: number | null;
  /** The persisted HALT in force, if any. */
  readonly halt?: HaltState | null;
  /** The operator's kill switch (data/HALT): no new orders. */
  readonly killSwitch?: boolean;
  /** The session giveback flag: no new BUYs. */
  readonly givebackHalt?: boolean;
  /** BUY notional ($) already approved in this cycle. */
  readonly notionalApproved?: number;
  /** BUY notional ($) already approved in this cycle per known sector: the sector cap counts it with the holdings. */
  readonly sectorNotionalApproved?: ReadonlyMap<string, number>;
  /** Last sell fill of this symbol (epoch ms), null when none in the lookback. */
  readonly lastSellAt?: number | null;
  /** The position held in this symbol was opened today (all its shares bought today). */
  readonly openedToday?: boolean;
  /** Day trades in the last 5 business days (the broker's count). */
  readonly dayTradeCount?: number;
  /** What a SELL is: the model's discretionary sell unless an automation says otherwise. */
  readonly exitKind?: ExitKind;
}

export type ResolvedRiskContext = Required<RiskContext>;

/** Fills the documented neutral defaults. */
export function resolveRiskContext(c: RiskContext): ResolvedRiskContext {
  const asOf = c.asOf ?? Date.parse(c.snapshot.as_of);
  return {
    snapshot: c.snapshot,
    lastEquity: c.lastEquity,
    buysApproved: c.buysApproved,
    asOf: Number.isFinite(asOf) ? asOf : 0,
    sessionPeakEquity: c.sessionPeakEquity ?? null,
    halt: c.halt ?? null,
    killSwitch: c.killSwitch ?? false,
    givebackHalt: c.givebackHalt ?? false,
    notionalApproved: c.notionalApproved ?? 0,
    sectorNotionalApproved: c.sectorNotionalApproved ?? new Map(),
    lastSellAt: c.lastSellAt ?? null,
    openedToday: c.openedToday ?? false,
    dayTradeCount: c.dayTradeCount ?? 0,
    exitKind: c.exitKind ?? EXIT_KINDS.modelSell,
  };
}

export interface RiskCycleInputs {
  readonly asOf: number;
  /** The policy with the effective (strictest stored) breaker thresholds. */
  readonly policy: RiskPolicy;
  readonly lastEquity: number;
  readonly session: SessionState | null;
  readonly halt: HaltState | null;
  /** A breaker that tripped at this cycle's observation (a new HALT was persisted). */
  readonly tripped: Override | null;
  readonly killSwitch: boolean;
  readonly dayTradeCount: number;
  readonly lastSellAt: ReadonlyMap<string, number>;
  /** Shares bought (filled) today per symbol. */
  readonly boughtToday: ReadonlyMap<string, number>;
  readonly positions: ReadonlyMap<string, Position>;
  /** Config thresholds ignored because stricter ones were stored. */
  readonly ignored: readonly string[];
}

/** Pure: the fills-derived maps from closed orders. */
export function fillFacts(closed: readonly Order[], asOf: number): { lastSellAt: Map<string, number>; boughtToday: Map<string, number> } {
  const today = nyDate(asOf);
  const lastSellAt = new Map<string, number>();
  const boughtToday = new Map<string, number>();
  for (const o of closed) {
    if (o.filledAt === null || o.filledQty <= 0 || o.filledAt > asOf) continue;
    if (o.side === 'sell') lastSellAt.set(o.symbol, Math.max(lastSellAt.get(o.symbol) ?? 0, o.filledAt));
    else if (nyDate(o.filledAt) === today) boughtToday.set(o.symbol, (boughtToday.get(o.symbol) ?? 0) + o.filledQty);
  }
  return { lastSellAt, boughtToday };
}

/**
 * Gathers the cycle's risk inputs: observes equity (session peak, giveback flag, breaker
 * check; a tripped breaker persists a HALT), and reads today's fills from the broker.
 * Throws if the journal cannot be read or written: the cycle then fails before any order.
 */
export async function loadRiskInputs(
  ports: { readonly broker: Pick<Broker, 'listClosedOrders'>; readonly journal: Pick<Journal, 'getRiskState' | 'setRiskState'> },
  x: { readonly asOf: number; readonly account: Account; readonly positions: readonly Position[]; readonly killSwitch: boolean },
  cfg: RiskPolicy,
): Promise<RiskCycleInputs> {
  const r = observeSessionRisk(ports.journal, { asOf: x.asOf, equity: x.account.equity, lastEquity: x.account.lastEquity }, cfg);
  const since = Math.min(x.asOf - r.policy.sellCooldownMin * 60_000, nyTime(nyDate(x.asOf), '00:00'));
  const closed = await ports.broker.listClosedOrders(since);
  const facts = fillFacts(closed, x.asOf);
  return {
    asOf: x.asOf,
    policy: r.policy,
    lastEquity: x.account.lastEquity,
    session: r.session,
    halt: r.halt,
    tripped: r.tripped,
    killSwitch: x.killSwitch,
    dayTradeCount: x.account.daytradeCount,
    lastSellAt: facts.lastSellAt,
    boughtToday: facts.boughtToday,
    positions: new Map(x.positions.map((p) => [p.symbol, p])),
    ignored: r.ignored,
  };
}

/**
 * What the BUYs approved so far in a cycle have committed; later BUYs are checked against it
 * (max buys, cash, sector cap). Mutated by recordApprovedBuy as each BUY is approved.
 */
export interface CycleApprovals {
  buysApproved: number;
  notionalApproved: number;
  readonly sectorNotionalApproved: Map<string, number>;
}

/** Pure: one symbol's RiskContext from the cycle's inputs and the cycle's running totals. */
export function riskContextFor(
  inp: RiskCycleInputs,
  snapshot: Snapshot,
  cycle: { readonly buysApproved: number; readonly notionalApproved: number; readonly sectorNotionalApproved?: ReadonlyMap<string, number> },
  exitKind: ExitKind = EXIT_KINDS.modelSell,
): ResolvedRiskContext {
  const sym = snapshot.symbol;
  const pos = inp.positions.get(sym);
  return {
    snapshot,
    asOf: inp.asOf,
    lastEquity: inp.lastEquity,
    sessionPeakEquity: inp.session?.peakEquity ?? null,
    halt: inp.halt,
    killSwitch: inp.killSwitch,
    givebackHalt: inp.session?.givebackHalt ?? false,
    buysApproved: cycle.buysApproved,
    notionalApproved: cycle.notionalApproved,
    sectorNotionalApproved: cycle.sectorNotionalApproved ?? new Map(),
    lastSellAt: inp.lastSellAt.get(sym) ?? null,
    openedToday: pos !== undefined && pos.qty > 0 && (inp.boughtToday.get(sym) ?? 0) >= pos.qty,
    dayTradeCount: inp.dayTradeCount,
    exitKind,
  };
}
