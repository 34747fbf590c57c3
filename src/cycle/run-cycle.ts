import type { Account, Order, Position } from '../domain/broker.js';
import type { BrainResult, LlmUsage, RegimeVerdict, RiskOutcome } from '../domain/decision.js';
import { holdDecision } from '../domain/decision.js';
import type { Snapshot } from '../domain/snapshot.js';
import type { ExecuteBlock } from '../ports/journal.js';
import { loadRiskInputs, riskContextFor, type RiskCycleInputs } from '../core/risk/context.js';
import { recordApprovedBuy, validateDecision } from '../core/risk/validate.js';
import { snapshotExcerpt } from '../core/snapshot.js';
import { nyDate } from '../core/time/ny.js';
import { sessionAt } from '../core/time/sessions.js';
import type { WatchlistEntry } from '../core/watchlist.js';
import { executeDecision } from './execute.js';
import { createCycleCaches, loadMarket, marketSettings, snapshotFor, type SnapshotContext } from './market-context.js';
import { regimeStage } from './regime-stage.js';
import { cycleIdFor, tradeIdFor } from './ids.js';
import { summarize, type SymbolOutcome } from './summary.js';
import type { CycleDeps, CycleSummary, StageTiming } from './types.js';

const DAY = 86_400_000;
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

export interface CycleOptions {
  /** Run even when the market is closed (operator's --force). */
  readonly force?: boolean;
  /**
   * Also run when asOf is exactly a session's close (a daily backtest decides on the completed
   * bar, after the close). Still skips days without a session; the market data adapter's clock
   * keeps the next session out of sight.
   */
  readonly atSessionClose?: boolean;
  readonly cycleId?: string;
  /**
   * Graceful shutdown: once aborted, no further symbol is started; symbols already in flight
   * finish and are journaled, symbols not started are not journaled at all.
   */
  readonly signal?: AbortSignal;
}

/** Rule id of the operator's kill switch (deps.haltSwitch): every BUY/SELL becomes a journaled HOLD. */
export const KILL_SWITCH_RULE = 'kill_switch';

interface CycleContext {
  readonly cycleId: string;
  readonly asOf: number;
  readonly account: Account;
  readonly positions: ReadonlyMap<string, Position>;
  readonly openOrders: readonly Order[];
  /** Everything the symbols' snapshots are built from (market stage, minute bars, enrichment). */
  readonly market: SnapshotContext;
  readonly regime: RegimeVerdict;
  /** Mutable on purpose: BUYs approved so far, reserved synchronously at validation. */
  buysApproved: number;
  /** Risk inputs gathered once (halt, session peak/giveback, fills, effective breaker thresholds). */
  readonly risk: RiskCycleInputs;
  /** Mutable on purpose: BUY notional approved so far (that cash is spoken for). */
  notionalApproved: number;
  /** Mutable on purpose: BUY notional approved so far per sector (the sector cap counts it). */
  readonly sectorNotionalApproved: Map<string, number>;
}

/**
 * One decision cycle over the watchlist: regime, then per symbol snapshot -> decide ->
 * validate -> journal(intent) -> execute -> journal(result), with bounded concurrency.
 * A failure in one symbol marks the cycle failed and the others go on. The cycle never
 * knows whether it runs live, on paper, in the simulator or in a backtest.
 */
export async function runCycle(deps: CycleDeps, asOf: number, opts: CycleOptions = {}): Promise<CycleSummary> {
  const wall = deps.wallClock;
  const t0 = wall.now();
  const cycleId = opts.cycleId ?? cycleIdFor(asOf);
  const timings: StageTiming[] = [];
  // A stage's duration is recorded when it settles; a synchronous stage (most of a symbol's) is
  // not sent through an extra async function and await (they cost more than the stage itself).
  const timed = <T>(stage: string, fn: () => Promise<T> | T, symbol?: string): Promise<T> => {
    const s = wall.now();
    const done = () => void timings.push({ stage, ms: wall.now() - s, ...(symbol ? { symbol } : {}) });
    let r: Promise<T> | T;
    try {
      r = fn();
    } catch (e) {
      done();
      return Promise.reject(e);
    }
    if (typeof (r as { then?: unknown } | null)?.then !== 'function') {
      done();
      return Promise.resolve(r);
    }
    return Promise.resolve(r).finally(done);
  };

  const date = nyDate(asOf);
  const todays = await deps.calendar.sessions(date, date);
  const session = sessionAt(todays, asOf) ?? (opts.atSessionClose ? (todays.find((x) => x.close === asOf) ?? null) : null);
  if (!session && !opts.force) {
    const s = summarize({ cycleId, asOf, deps, status: 'skipped', reason: 'market closed', outcomes: [], timings, regime: null, durationMs: wall.now() - t0 });
    deps.log.info('cycle skipped', { cycle_id: cycleId, as_of: s.as_of, reason: 'market closed' });
    return s;
  }

  deps.journal.beginCycle({ id: cycleId, mode: deps.mode, brain: deps.brain.name, asOf });
  let ctx: CycleContext;
  let watchlist: WatchlistEntry[];
  let regimeUsage: readonly LlmUsage[] = [];
  try {
    const [account, positions, openOrders] = await timed('broker_state', () =>
      Promise.all([deps.broker.getAccount(), deps.broker.getPositions(), deps.broker.getOpenOrders()]),
    );
    const held = positions.map((p) => p.symbol);
    const caches = deps.caches ?? createCycleCaches(marketSettings(deps.settings.market));
    // Once per cycle: session peak, breakers (a trip persists a HALT), today's fills. A journal failure fails the cycle here.
    // It needs nothing from the market batch below, so both are in flight together (awaited after it; the catch only keeps
    // an early rejection from being reported as unhandled meanwhile).
    const riskP = timed('risk_state', () =>
      loadRiskInputs({ broker: deps.broker, journal: deps.journal }, { asOf, account, positions, killSwitch: deps.haltSwitch?.() ?? false }, deps.settings.risk),
    );
    riskP.catch(() => undefined);
    // Market data in a constant number of batched requests (see market-context.ts).
    const stage = await timed('market_data', () => loadMarket(deps, asOf, held));
    for (const note of stage.notes) deps.log.info('market data note', { cycle_id: cycleId, note });
    const risk = await riskP;
    if (risk.tripped) deps.log.error('circuit breaker tripped: HALT', { cycle_id: cycleId, rule: risk.tripped.rule, detail: risk.tripped.detail, until: risk.halt?.until_ny });
    for (const note of risk.ignored) deps.log.warn('circuit breaker: stricter stored threshold kept', { cycle_id: cycleId, note });
    // The regime (cached, else computed while the watchlist's extras load), the watchlist, its extras: see regime-stage.ts.
    const rs = await regimeStage(deps, { cycleId, asOf, session, stage, held, caches, timed });
    const regime = rs.regime;
    regimeUsage = rs.regimeUsage;
    watchlist = [...rs.watchlist.entries];
    if (rs.watchlist.excluded.length > 0) deps.log.info('watchlist exclusions', { cycle_id: cycleId, excluded: rs.watchlist.excluded });
    const extras = rs.extras;
    for (const note of extras.notes) deps.log.warn('enrichment unavailable', { cycle_id: cycleId, note });
    const market: SnapshotContext = { asOf, session, stage, extras, account, positions, openOrders, regime, settings: marketSettings(deps.settings.market).snapshot };
    ctx = { cycleId, asOf, account, positions: new Map(positions.map((p) => [p.symbol, p])), openOrders, market, regime, buysApproved: 0, risk, notionalApproved: 0, sectorNotionalApproved: new Map() };
  } catch (e) {
    const s = summarize({ cycleId, asOf, deps, status: 'failed', reason: `setup failed: ${errText(e)}`, outcomes: [], timings, regime: null, durationMs: wall.now() - t0 });
    deps.log.error('cycle setup failed', { cycle_id: cycleId, error: errText(e) });
    finish(deps, cycleId, s, null, [], timings);
    return s;
  }

  const outcomes: SymbolOutcome[] = [];
  const queue = watchlist.map((w) => w.symbol);
  let next = 0;
  const worker = async () => {
    while (next < queue.length && !opts.signal?.aborted) {
      const symbol = queue[next++]!;
      outcomes.push(await processSymbol(deps, ctx, symbol, timed));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(deps.settings.concurrency, queue.length)) }, worker));
  outcomes.sort((a, b) => queue.indexOf(a.symbol) - queue.indexOf(b.symbol));

  const failed = outcomes.some((o) => o.error !== undefined);
  const notStarted = queue.length - outcomes.length;
  const reason = notStarted > 0 ? `stopped early by shutdown: ${notStarted} of ${queue.length} symbols not started` : undefined;
  if (reason) deps.log.warn('cycle stopped early', { cycle_id: cycleId, not_started: notStarted, reason });
  const s = summarize({ cycleId, asOf, deps, status: failed ? 'failed' : 'ok', ...(reason ? { reason } : {}), outcomes, timings, regime: ctx.regime, durationMs: wall.now() - t0, regimeUsage });
  finish(deps, cycleId, s, ctx.account.equity, watchlist, timings, ctx.regime);
  return s;
}

function finish(deps: CycleDeps, cycleId: string, s: CycleSummary, equity: number | null, watchlist: readonly WatchlistEntry[], timings: readonly StageTiming[], regime?: RegimeVerdict) {
  const { duration_ms, slowest_stages, ...stable } = s;
  try {
    deps.journal.finishCycle(cycleId, { status: s.status, equity, regime: regime ?? null, watchlist, summary: stable, timing: { duration_ms, slowest_stages, stages: timings } });
  } catch (e) {
    deps.log.error('journal finishCycle failed', { cycle_id: cycleId, error: errText(e) });
  }
  deps.log.info('cycle summary', { ...s });
  for (const r of deps.reporters ?? []) {
    try {
      void Promise.resolve(r(s)).catch((e: unknown) => deps.log.warn('cycle reporter failed', { error: errText(e) }));
    } catch (e) {
      deps.log.warn('cycle reporter failed', { error: errText(e) });
    }
  }
}

type Timed = <T>(stage: string, fn: () => Promise<T> | T, symbol?: string) => Promise<T>;

async function processSymbol(deps: CycleDeps, ctx: CycleContext, symbol: string, timed: Timed): Promise<SymbolOutcome> {
  const tradeId = tradeIdFor(ctx.cycleId, symbol);
  let action: SymbolOutcome['action'] = 'HOLD';
  let cost = 0;
  let usage: readonly LlmUsage[] = [];
  try {
    const prior = deps.journal.getTrade(tradeId);
    if (prior?.execute) return { symbol, action: prior.action, execute: prior.execute.status, cost: prior.logic.cost_usd, usage: prior.logic.usage ?? [], resumed: 'done' };

    let finalDecision;
    let snapshot: Snapshot;
    if (prior) {
      // Intent journaled by an earlier run whose order step never finished: carry it out (idempotently).
      finalDecision = prior.final;
      snapshot = prior.logic.snapshot as Snapshot;
      action = prior.action;
      cost = prior.logic.cost_usd;
      usage = prior.logic.usage ?? [];
    } else {
      snapshot = await timed('snapshot', () => snapshotFor(ctx.market, symbol), symbol);
      const result: BrainResult = await timed('decide', async () => {
        try {
          return await deps.brain.decide(snapshot);
        } catch (e) {
          const reason = `brain error: ${errText(e)}`;
          return { decision: holdDecision(symbol, 'brain_failure', `safe HOLD: ${reason}`), raw: null, brain: deps.brain.name, promptVersion: 'n/a', usage: [], parseFallback: { reason } };
        }
      }, symbol);
      const outcome = await timed('risk', () => {
        const rc = { ...riskContextFor(ctx.risk, snapshot, ctx), killSwitch: ctx.risk.killSwitch || (deps.haltSwitch?.() ?? false) };
        const o = validateDecision(result.decision, rc, ctx.risk.policy);
        if (o.kind === 'approved') recordApprovedBuy(ctx, o.final, snapshot);
        return killSwitch(deps, o);
      }, symbol);
      finalDecision = outcome.final;
      action = finalDecision.action;
      cost = result.usage.reduce((a, u) => a + u.cost_usd, 0);
      usage = result.usage;
      const snap = snapshot;
      await timed('journal_intent', () => {
        deps.journal.recordIntent({
          id: tradeId,
          cycleId: ctx.cycleId,
          symbol,
          asOf: ctx.asOf,
          brain: result.brain,
          modelAction: result.decision.action,
          final: outcome.final,
          price: snap.price,
          equity: snap.account.equity,
          logic: {
            // A redacted, size-bounded excerpt (<= 8 KB) with the same shape; the brain saw the full snapshot.
            snapshot: snapshotExcerpt(snap),
            raw: result.raw,
            model_decision: result.decision,
            final: outcome.final,
            overrides: outcome.overrides,
            prompt_version: result.promptVersion,
            ...(result.parseFallback ? { parse_fallback: result.parseFallback } : {}),
            usage: result.usage,
            cost_usd: cost,
          },
        });
        deps.journal.recordUsage(ctx.cycleId, tradeId, ctx.asOf, result.usage);
      }, symbol);
    }

    let exec: ExecuteBlock;
    let execError: string | undefined;
    if (prior && finalDecision.action !== 'HOLD' && deps.haltSwitch?.()) {
      // An intent journaled before the kill switch was engaged is not carried out.
      exec = { status: 'skipped', detail: `${KILL_SWITCH_RULE}: kill switch engaged; journaled intent not sent` };
      await timed('journal_result', () => deps.journal.recordResult(tradeId, exec), symbol);
      return { symbol, action, execute: exec.status, cost, usage, resumed: 'executed' as const };
    }
    try {
      const fd = finalDecision;
      const snap = snapshot;
      exec = await timed('execute', () => executeDecision({ broker: deps.broker, journal: deps.journal, exec: deps.settings.exec }, { cycleId: ctx.cycleId, tradeId, final: fd, snapshot: snap }), symbol);
    } catch (e) {
      execError = errText(e);
      exec = { status: 'error', detail: execError };
    }
    await timed('journal_result', () => deps.journal.recordResult(tradeId, exec), symbol);
    return { symbol, action, execute: exec.status, cost, usage, ...(prior ? { resumed: 'executed' as const } : {}), ...(execError ? { error: execError } : {}) };
  } catch (e) {
    deps.log.error('symbol failed', { cycle_id: ctx.cycleId, symbol, error: errText(e) });
    return { symbol, action, execute: 'error', cost, usage, error: errText(e) };
  }
}

/** The operator's kill switch: when engaged, a BUY or SELL the risk engine let through becomes a HOLD naming the rule. */
function killSwitch(deps: CycleDeps, o: RiskOutcome): RiskOutcome {
  if (o.final.action === 'HOLD' || !deps.haltSwitch?.()) return o;
  const detail = 'kill switch engaged (HALT file present): no new orders';
  const final = { ...holdDecision(o.final.symbol, o.final.strategy, `HOLD: ${detail}`), evidence: o.final.evidence };
  return { kind: 'halt', final, overrides: [...o.overrides, { rule: KILL_SWITCH_RULE, effect: 'halt', detail }] };
}
