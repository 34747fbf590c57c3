import type { Order, Position } from '../domain/broker.js';
import type { Decision } from '../domain/decision.js';
import { BrokerError } from '../domain/errors.js';
import type { Logger } from '../log.js';
import type { Broker } from '../ports/broker.js';
import type { Calendar } from '../ports/clock.js';
import type { ExecuteBlock, Journal, TrailState } from '../ports/journal.js';
import { clientOrderId } from '../core/orders.js';
import { EXIT_KINDS, RULES, type ExitKind, type RiskPolicy, type TrailSettings } from '../core/risk/policy.js';
import { observeSessionRisk, RISK_KEYS, type HaltState } from '../core/risk/state.js';
import { advanceTrail } from '../core/risk/trail.js';
import { nyDate, nyIso } from '../core/time/ny.js';
import { sessionAt } from '../core/time/sessions.js';
import { syncOrders } from './order-sync.js';

/**
 * The position-health job: protects open profits and the day's P&L between decision cycles,
 * with no model call. One run (at market time `asOf`, RTH only unless forced):
 *   1. picks up bracket leg fills since the last run (orders table, exit kinds)
 *   2. session risk: equity peak and giveback flag (blocks new BUYs), breaker check; a
 *      daily-loss breach persists a HALT with its halt-until time and flattens the book once
 *   3. trail giveback: per-symbol peak unrealized P&L in position_trail_state; an armed trail
 *      that gives back TRAIL_GIVEBACK_PCT of its peak exits the position, once
 *   4. logs one structured line with every open position
 * Each automated exit journals its intent first (a trades row with the automation rationale
 * and exit kind; fail closed), cancels the symbol's bracket legs, sells at market with the
 * deterministic client order id lt-h<asOf minute>-SYMBOL-<trail|flatten>, and journals the
 * result. Re-running the same minute adopts the existing order, never sends a second one.
 * Uses ports only; the scheduler (or `npm run health`) calls it.
 */

export interface PositionHealthSettings {
  readonly risk: RiskPolicy;
  readonly trail: TrailSettings;
}

export interface PositionHealthDeps {
  /** A label journaled with the run's cycle row (sim/paper/live); never branched on. */
  readonly mode: string;
  readonly broker: Broker;
  readonly journal: Journal;
  readonly calendar: Calendar;
  readonly log: Logger;
  readonly settings: PositionHealthSettings;
  /** The operator's kill switch (data/HALT): while true, state is tracked but no order is sent. */
  readonly haltSwitch?: () => boolean;
}

export interface HealthOptions {
  /** Run even when the market is closed. */
  readonly force?: boolean;
}

export interface HealthPositionLine {
  readonly symbol: string;
  readonly qty: number;
  readonly avg_entry: number;
  readonly price: number;
  readonly market_value: number;
  readonly unrealized_pl: number;
  readonly unrealized_pct: number | null;
  readonly peak_pl: number;
  readonly peak_at: string;
  readonly armed: boolean;
  readonly giveback_pct: number | null;
  readonly opened_at: string;
}

export interface HealthExit {
  readonly symbol: string;
  readonly exitKind: ExitKind;
  readonly tradeId: string;
  readonly clientOrderId: string;
  readonly qty: number;
  readonly status: ExecuteBlock['status'];
  readonly detail?: string;
}

export interface PositionHealthResult {
  readonly runId: string;
  readonly asOf: string;
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly equity: number | null;
  readonly sessionPeak: number | null;
  readonly givebackHalt: boolean;
  readonly halt: HaltState | null;
  /** The breaker that tripped in this run, if one did. */
  readonly tripped: string | null;
  readonly positions: readonly HealthPositionLine[];
  /** Bracket leg fills picked up since the last run. */
  readonly legFills: number;
  readonly exits: readonly HealthExit[];
  readonly errors: readonly string[];
}

const DAY = 86_400_000;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 300);
const r2 = (x: number) => Math.round(x * 100) / 100;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** h20261120T1505Z: the run's id from its market time, to the minute (same minute -> same id -> same orders). */
export function healthRunId(asOf: number): string {
  const iso = new Date(asOf).toISOString();
  return `h${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
}

export async function runPositionHealth(deps: PositionHealthDeps, asOf: number, opts: HealthOptions = {}): Promise<PositionHealthResult> {
  const runId = healthRunId(asOf);
  const base = { runId, asOf: new Date(asOf).toISOString() };
  const date = nyDate(asOf);
  const session = sessionAt(await deps.calendar.sessions(date, date), asOf);
  if (!session && !opts.force) {
    deps.log.debug('position health skipped', { run_id: runId, reason: 'market closed' });
    return { ...base, status: 'skipped', reason: 'market closed', equity: null, sessionPeak: null, givebackHalt: false, halt: null, tripped: null, positions: [], legFills: 0, exits: [], errors: [] };
  }
  const { broker, journal, log } = deps;
  const errors: string[] = [];

  // 1. Bracket leg fills (and every other order change) since the last run.
  const lastRun = journal.getRiskState<number>(RISK_KEYS.healthLastRun);
  const since = typeof lastRun === 'number' && lastRun <= asOf ? lastRun : asOf - 7 * DAY;
  const fills = await syncOrders({ broker, journal }, since);
  const legFills = fills.filter((o) => o.legKind !== null && o.filledAt !== null && o.filledAt >= since);
  for (const f of legFills) log.info('bracket leg filled', { run_id: runId, symbol: f.symbol, leg: f.legKind, qty: f.filledQty, price: f.filledAvgPrice, at: f.filledAt === null ? null : nyIso(f.filledAt) });

  // 2. Account and session risk.
  const [account, positions, openOrders] = await Promise.all([broker.getAccount(), broker.getPositions(), broker.getOpenOrders()]);
  const risk = observeSessionRisk(journal, { asOf, equity: account.equity, lastEquity: account.lastEquity }, deps.settings.risk);
  for (const note of risk.ignored) log.warn('circuit breaker: stricter stored threshold kept', { run_id: runId, note });
  if (risk.tripped) log.error('circuit breaker tripped: HALT', { run_id: runId, rule: risk.tripped.rule, detail: risk.tripped.detail, until: risk.halt?.until_ny });
  const killed = deps.haltSwitch?.() ?? false;

  // 3. Trail state, one row per held symbol; rows of closed positions go.
  const held = new Map(positions.filter((p) => p.qty > 0).map((p) => [p.symbol, p]));
  const trails = new Map(journal.listTrailStates().map((t) => [t.symbol, t]));
  for (const sym of trails.keys()) if (!held.has(sym)) journal.deleteTrailState(sym);
  const lines: HealthPositionLine[] = [];
  const trailExits: { position: Position; reason: string; state: TrailState }[] = [];
  for (const p of held.values()) {
    let prev = trails.get(p.symbol) ?? null;
    if (prev?.exitClientOrderId) prev = await settlePriorExit(deps, prev, runId);
    const step = advanceTrail(prev, { symbol: p.symbol, qty: p.qty, avgEntryPrice: p.avgEntryPrice, unrealizedPl: p.unrealizedPl }, asOf, deps.settings.trail);
    journal.upsertTrailState(step.next);
    const cost = p.qty * p.avgEntryPrice;
    lines.push({
      symbol: p.symbol,
      qty: p.qty,
      avg_entry: p.avgEntryPrice,
      price: p.currentPrice,
      market_value: p.marketValue,
      unrealized_pl: p.unrealizedPl,
      unrealized_pct: cost > 0 ? r4(p.unrealizedPl / cost) : null,
      peak_pl: r2(step.next.peakUnrealizedPl),
      peak_at: nyIso(step.next.peakAt),
      armed: step.next.activated,
      giveback_pct: step.giveback === null ? null : r4(step.giveback),
      opened_at: nyIso(step.next.openedAt),
    });
    if (step.exit) trailExits.push({ position: p, reason: step.exit, state: step.next });
  }

  // 4. Exits: the emergency flatten (once per daily-loss HALT) supersedes trail exits.
  const exits: HealthExit[] = [];
  let halt = risk.halt;
  const flatten = halt !== null && halt.rule === RULES.dailyLoss && !halt.flattened;
  const wanted: { position: Position; kind: ExitKind; reason: string; state?: TrailState }[] = flatten
    ? [...held.values()].map((position) => ({ position, kind: EXIT_KINDS.emergencyFlatten, reason: `automation: emergency flatten. ${halt!.detail}; HALT until ${halt!.until_ny}.` }))
    : trailExits.map((t) => ({ position: t.position, kind: EXIT_KINDS.trailGiveback, reason: t.reason, state: t.state }));
  if (killed && wanted.length > 0) {
    log.warn('kill switch engaged: automated exits not sent', { run_id: runId, symbols: wanted.map((w) => w.position.symbol), kinds: [...new Set(wanted.map((w) => w.kind))] });
  } else if (wanted.length > 0) {
    let cycleOpen = false;
    const openCycle = () => {
      if (cycleOpen) return;
      journal.beginCycle({ id: runId, mode: deps.mode, brain: 'position-health', asOf });
      cycleOpen = true;
    };
    for (const w of wanted) {
      const pendingSell = openOrders.some((o) => o.symbol === w.position.symbol && o.side === 'sell' && o.legKind === null);
      if (w.kind === EXIT_KINDS.emergencyFlatten && pendingSell) continue; // an earlier flatten/sell is still working
      try {
        openCycle();
        const x = await automatedExit(deps, { runId, asOf, position: w.position, kind: w.kind, reason: w.reason, equity: account.equity, openOrders });
        exits.push(x);
        if (w.state) journal.upsertTrailState({ ...w.state, exitClientOrderId: x.clientOrderId });
        if (x.status === 'rejected' || x.status === 'error') errors.push(`${w.position.symbol}: ${x.detail ?? x.status}`);
      } catch (e) {
        errors.push(`${w.position.symbol}: ${errText(e)}`);
        log.error('automated exit failed', { run_id: runId, symbol: w.position.symbol, exit_kind: w.kind, error: errText(e) });
      }
    }
    if (flatten && halt && errors.length === 0) {
      halt = { ...halt, flattened: true };
      journal.setRiskState(RISK_KEYS.halt, halt);
    }
    if (cycleOpen) {
      const sent = exits.filter((x) => x.status === 'submitted' || x.status === 'recovered').length;
      journal.finishCycle(runId, {
        status: errors.length > 0 ? 'failed' : 'ok',
        equity: account.equity,
        regime: null,
        watchlist: exits.map((x) => ({ symbol: x.symbol, why: x.exitKind })),
        summary: {
          kind: 'position-health',
          status: errors.length > 0 ? 'failed' : 'ok',
          symbols: exits.length,
          actions: { BUY: 0, SELL: exits.length, HOLD: 0 },
          orders_submitted: sent,
          orders_rejected: exits.length - sent,
          exits: exits.map((x) => ({ symbol: x.symbol, exit_kind: x.exitKind, status: x.status })),
        },
        timing: {},
      });
    }
  }

  journal.setRiskState(RISK_KEYS.healthLastRun, asOf);
  const result: PositionHealthResult = {
    ...base,
    status: errors.length > 0 ? 'failed' : 'ok',
    equity: account.equity,
    sessionPeak: risk.session?.peakEquity ?? null,
    givebackHalt: risk.session?.givebackHalt ?? false,
    halt,
    tripped: risk.tripped?.rule ?? null,
    positions: lines,
    legFills: legFills.length,
    exits,
    errors,
  };
  log.info('position health', {
    run_id: runId,
    as_of: base.asOf,
    equity: account.equity,
    last_equity: account.lastEquity,
    day_pl_pct: account.lastEquity > 0 ? r4((account.equity - account.lastEquity) / account.lastEquity) : null,
    session_peak: result.sessionPeak,
    giveback_halt: result.givebackHalt,
    halt: halt ? { rule: halt.rule, until: halt.until_ny, flattened: halt.flattened } : null,
    kill_switch: killed,
    leg_fills: legFills.length,
    exits: exits.map((x) => ({ symbol: x.symbol, exit_kind: x.exitKind, status: x.status, client_order_id: x.clientOrderId })),
    positions: lines,
    ...(errors.length > 0 ? { errors } : {}),
  });
  return result;
}

/**
 * A trail whose exit was sent: keep it marked while the order is live or filled; clear the
 * mark when the broker canceled, rejected or expired it, or never got it (the position is
 * still held), so a later run may exit again.
 */
async function settlePriorExit(deps: PositionHealthDeps, t: TrailState, runId: string): Promise<TrailState> {
  const coid = t.exitClientOrderId!;
  const o = await deps.broker.getOrderByClientId(coid);
  if (o === null || o.status === 'canceled' || o.status === 'rejected' || o.status === 'expired') {
    deps.log.warn('trail exit order did not fill; the trail may exit again', { run_id: runId, symbol: t.symbol, client_order_id: coid, status: o?.status ?? 'not at the broker' });
    return { ...t, exitClientOrderId: null };
  }
  return t;
}

/** Journal intent -> cancel the symbol's open sells (bracket legs) -> market sell -> journal result. */
async function automatedExit(
  deps: PositionHealthDeps,
  x: { runId: string; asOf: number; position: Position; kind: ExitKind; reason: string; equity: number; openOrders: readonly Order[] },
): Promise<HealthExit> {
  const { broker, journal } = deps;
  const symbol = x.position.symbol;
  const tradeId = `${x.runId}:${symbol}`;
  const coid = clientOrderId(x.runId, symbol, x.kind === EXIT_KINDS.trailGiveback ? 'trail' : 'flatten');
  const out = (exec: ExecuteBlock): HealthExit => ({
    symbol,
    exitKind: x.kind,
    tradeId,
    clientOrderId: coid,
    qty: exec.qty ?? x.position.qty,
    status: exec.status,
    ...(exec.detail ? { detail: exec.detail } : {}),
  });

  const prior = journal.getTrade(tradeId);
  if (prior?.execute) return out(prior.execute);
  if (!prior) {
    const decision: Decision = {
      action: 'SELL',
      symbol,
      strategy: x.kind,
      confidence: 1,
      size_pct: 0,
      stop_loss: null,
      take_profit: null,
      rationale: x.reason.slice(0, 2000),
      evidence: [`exit_kind=${x.kind}`, `qty=${x.position.qty}`, `unrealized_pl=${x.position.unrealizedPl}`],
    };
    // Fail closed: if this write throws, nothing below runs and no order leaves.
    journal.recordIntent({
      id: tradeId,
      cycleId: x.runId,
      symbol,
      asOf: x.asOf,
      brain: 'position-health',
      modelAction: 'SELL',
      final: decision,
      price: x.position.currentPrice,
      equity: x.equity,
      logic: {
        snapshot: { position: x.position, as_of: new Date(x.asOf).toISOString() },
        raw: { automation: 'position-health', exit_kind: x.kind },
        model_decision: decision,
        final: decision,
        overrides: [],
        prompt_version: 'n/a',
        usage: [],
        cost_usd: 0,
        automation: { job: 'position-health', exit_kind: x.kind, run_id: x.runId },
      },
    });
  }

  let exec: ExecuteBlock;
  try {
    exec = await sendExit(deps, { coid, tradeId, runId: x.runId, symbol, qty: x.position.qty, kind: x.kind, ref: x.position.currentPrice, openOrders: x.openOrders });
  } catch (e) {
    exec = { status: 'error', detail: errText(e), clientOrderId: coid, side: 'sell' };
  }
  journal.recordResult(tradeId, exec);
  return out(exec);
}

async function sendExit(
  deps: PositionHealthDeps,
  x: { coid: string; tradeId: string; runId: string; symbol: string; qty: number; kind: ExitKind; ref: number; openOrders: readonly Order[] },
): Promise<ExecuteBlock> {
  const { broker, journal } = deps;
  const meta = { tradeId: x.tradeId, cycleId: x.runId, exitKind: x.kind };
  const existing = await broker.getOrderByClientId(x.coid);
  if (existing) {
    journal.recordOrder(existing, meta);
    return { status: 'recovered', detail: 'order with this client id already existed; adopted, not re-sent', clientOrderId: x.coid, orderId: existing.id, side: 'sell', qty: existing.qty, orderStatus: existing.status };
  }
  // Free the shares held by the bracket legs (and any other working sell) of this symbol.
  const canceledLegs: string[] = [];
  for (const o of x.openOrders) {
    if (o.symbol !== x.symbol || o.side !== 'sell') continue;
    try {
      await broker.cancelOrder(o.id);
      canceledLegs.push(o.id);
    } catch (e) {
      // An OCO sibling may already be gone with its partner: not fatal, the submit below says if shares are still held.
      deps.log.warn('cancel before automated exit failed', { symbol: x.symbol, order_id: o.id, error: errText(e) });
    }
  }
  const base = { clientOrderId: x.coid, side: 'sell' as const, qty: x.qty, refPrice: x.ref, ...(canceledLegs.length > 0 ? { canceledLegs } : {}) };
  let order: Order;
  try {
    order = await broker.submitOrder({ clientOrderId: x.coid, symbol: x.symbol, side: 'sell', qty: x.qty, type: 'market', timeInForce: 'day' });
  } catch (e) {
    if (e instanceof BrokerError && !e.retryable) return { ...base, status: 'rejected', detail: `${e.code}: ${errText(e)}` };
    let found: Order | null = null;
    try {
      found = await broker.getOrderByClientId(x.coid);
    } catch (lookupErr) {
      return { ...base, status: 'error', detail: `unresolved: submit failed (${errText(e)}) and lookup failed (${errText(lookupErr)})` };
    }
    if (!found) return { ...base, status: 'error', detail: `submit failed and no order exists: ${errText(e)}` };
    order = found;
  }
  journal.recordOrder(order, meta);
  return { ...base, status: 'submitted', orderId: order.id, orderStatus: order.status };
}

/**
 * Tallies position-health runs (for the demo's closing line): trail exits, or why none
 * triggered (no position held at a run, no trail armed, or no armed trail gave back enough).
 */
export function createHealthTally(trail: TrailSettings) {
  let runs = 0;
  let observed = 0;
  let armed = 0;
  let bestPeakPct: number | null = null;
  let maxArmedGiveback: number | null = null;
  const trailExits: string[] = [];
  let flattens = 0;
  const armedSyms = new Set<string>();
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return {
    add(r: PositionHealthResult | undefined): void {
      if (!r || r.status === 'skipped') return;
      runs++;
      for (const p of r.positions) {
        observed++;
        const cost = p.qty * p.avg_entry;
        if (cost > 0) bestPeakPct = Math.max(bestPeakPct ?? -Infinity, p.peak_pl / cost);
        if (p.armed) {
          armed++;
          armedSyms.add(p.symbol);
          if (p.giveback_pct !== null) maxArmedGiveback = Math.max(maxArmedGiveback ?? -Infinity, p.giveback_pct);
        }
      }
      for (const x of r.exits) {
        if (x.exitKind === EXIT_KINDS.trailGiveback) trailExits.push(`${x.symbol} ${r.asOf.slice(0, 10)}`);
        else flattens++;
      }
    },
    get trailExits(): number {
      return trailExits.length;
    },
    line(): string {
      const head = `position health: ${runs} runs, trail exits ${trailExits.length}`;
      if (trailExits.length > 0) return `${head} (${trailExits.join(', ')})${flattens > 0 ? `, emergency flatten exits ${flattens}` : ''}`;
      let why: string;
      if (runs === 0) why = 'no position-health run happened (POSITION_HEALTH_INTERVAL_MIN=0?)';
      else if (observed === 0) why = 'no position was open at any run';
      else if (armed === 0)
        why = `no trail armed: the best peak unrealized gain was ${bestPeakPct === null ? 'n/a' : pct(bestPeakPct)} of cost, below TRAIL_ACTIVATION_PCT ${pct(trail.activationPct)}`;
      else
        why = `${armedSyms.size} trail(s) armed (${[...armedSyms].join(', ')}) but none gave back TRAIL_GIVEBACK_PCT ${pct(trail.givebackPct)} of its peak before closing (largest giveback seen ${maxArmedGiveback === null ? 'n/a' : pct(maxArmedGiveback)})`;
      return `${head}: none triggered because ${why}${flattens > 0 ? `; emergency flatten exits ${flattens}` : ''}`;
    },
  };
}
