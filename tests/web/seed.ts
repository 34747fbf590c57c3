import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Order } from '../../src/domain/broker.js';
import type { Action, Decision, LlmUsage, Override, RegimeVerdict } from '../../src/domain/decision.js';
import { createJournal } from '../../src/journal/journal.js';
import type { ExecuteBlock, LogicJson } from '../../src/ports/journal.js';
import { cycleIdFor, tradeIdFor } from '../../src/cycle/ids.js';
import { clientOrderId } from '../../src/core/orders.js';
import { decision, regime, snapshot } from '../helpers/builders.js';

/**
 * Seeds a journal the way the cycle writes one: beginCycle, recordIntent, recordOrder,
 * recordResult, finishCycle through the real SQLite journal, so the viewer reads exactly
 * the rows and JSON shapes production writes.
 */

export interface SeedSymbol {
  readonly symbol: string;
  readonly modelAction?: Action;
  readonly action?: Action;
  readonly strategy?: string;
  readonly rationale?: string;
  readonly confidence?: number;
  readonly overrides?: readonly Override[];
  /** undefined: derived from the action; null: intent only (no result yet). */
  readonly execute?: ExecuteBlock | null;
  readonly orderStatus?: Order['status'];
  readonly parseFallback?: string;
  readonly missingCritical?: readonly string[];
  readonly price?: number;
  readonly costUsd?: number;
}

export interface SeedCycle {
  readonly asOf: number;
  readonly id?: string;
  /** 'running' leaves the cycle unfinished. */
  readonly status?: 'ok' | 'failed' | 'skipped' | 'running';
  readonly equity?: number;
  readonly reason?: string;
  readonly regime?: Partial<RegimeVerdict> | null;
  readonly symbols: readonly SeedSymbol[];
}

export interface Seeded {
  readonly dir: string;
  readonly dbPath: string;
  readonly journalPath: string;
  readonly cycleIds: readonly string[];
}

const WALL = Date.UTC(2026, 10, 20, 15, 0, 5);

function order(id: string, coid: string, symbol: string, side: 'buy' | 'sell', qty: number, price: number, status: Order['status'], at: number): Order {
  const filled = status === 'filled';
  return {
    id,
    clientOrderId: coid,
    symbol,
    side,
    type: 'market',
    qty,
    filledQty: filled ? qty : 0,
    filledAvgPrice: filled ? price : null,
    status,
    timeInForce: side === 'buy' ? 'gtc' : 'day',
    orderClass: side === 'buy' ? 'bracket' : 'simple',
    limitPrice: null,
    stopPrice: null,
    submittedAt: at,
    filledAt: filled ? at + 60_000 : null,
    updatedAt: at + 60_000,
    parentId: null,
    legKind: null,
    legs: [],
    commission: 0,
  };
}

export function seedJournal(cycles: readonly SeedCycle[], dir = mkdtempSync(join(tmpdir(), 'viewer-'))): Seeded {
  const dbPath = join(dir, 'trades.db');
  const journalPath = join(dir, 'journal.jsonl');
  let wall = WALL;
  const journal = createJournal({ dbPath, jsonlPath: journalPath, maxBytes: 50_000_000, keepRotated: 1, wallClock: { now: () => (wall += 1000) }, mode: 'sim' });
  const ids: string[] = [];
  let orderSeq = 1;
  try {
    for (const c of cycles) {
      const id = c.id ?? cycleIdFor(c.asOf);
      ids.push(id);
      journal.beginCycle({ id, mode: 'sim', brain: 'rules', asOf: c.asOf });
      const equity = c.equity ?? 100_000;
      const reg: RegimeVerdict | null = c.regime === null ? null : regime({ direction: 'bullish', conviction: 0.62, rationale: 'SPY above its 50 and 200 day averages', source: 'rules', as_of: new Date(c.asOf).toISOString(), ...(c.regime ?? {}) });
      const stages: { stage: string; symbol?: string; ms: number }[] = [
        { stage: 'broker_state', ms: 4 },
        { stage: 'market_data', ms: 38 },
        { stage: 'regime', ms: 2 },
      ];
      const actions = { BUY: 0, SELL: 0, HOLD: 0 };
      let submitted = 0;
      let rejected = 0;
      let cost = 0;
      for (const [k, s] of c.symbols.entries()) {
        const action = s.action ?? 'HOLD';
        const modelAction = s.modelAction ?? action;
        actions[action]++;
        const price = s.price ?? 100 + k * 7.5;
        const usage: LlmUsage[] = [{ model: 'rules', purpose: 'decide', attempt: 1, input_tokens: 1200 + k, output_tokens: 180, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, latency_ms: 3, cost_usd: s.costUsd ?? 0 }];
        const base: Partial<Decision> = {
          symbol: s.symbol,
          strategy: s.strategy ?? (action === 'HOLD' ? 'no_edge' : 'trend_momentum'),
          rationale: s.rationale ?? `${s.symbol}: price ${price.toFixed(2)} above EMA21 with RSI 58; trend intact.`,
          confidence: s.confidence ?? (action === 'HOLD' ? 0.4 : 0.72),
          evidence: ['ema9 > ema21', 'rsi14 58'],
        };
        const model = decision({ ...base, action: modelAction, size_pct: modelAction === 'BUY' ? 0.06 : 0 });
        const final = decision({ ...base, action, size_pct: action === 'BUY' ? 0.05 : 0, ...(action === 'HOLD' ? { stop_loss: null, take_profit: null } : {}) });
        const snap = snapshot({ symbol: s.symbol, price, as_of: new Date(c.asOf).toISOString(), account: { equity, cash: equity * 0.6, buying_power: equity * 0.6, day_pl: 120 }, data_quality: { missing_critical: [...(s.missingCritical ?? [])], missing_optional: ['news'], staleness_sec: 12 }, ...(reg ? { market_regime: reg } : {}) });
        const logic: LogicJson = {
          snapshot: snap,
          raw: { rules: ['trend_momentum'], scores: { trend: 0.7, momentum: 0.55 }, note: s.rationale ?? 'rules trace' },
          model_decision: model,
          final,
          overrides: s.overrides ?? [],
          prompt_version: 'rules-v1',
          ...(s.parseFallback ? { parse_fallback: { reason: s.parseFallback } } : {}),
          usage,
          cost_usd: s.costUsd ?? 0,
        };
        cost += s.costUsd ?? 0;
        const tradeId = tradeIdFor(id, s.symbol);
        journal.recordIntent({ id: tradeId, cycleId: id, symbol: s.symbol, asOf: c.asOf, brain: 'rules', modelAction, final, price, equity, logic });
        stages.push({ stage: 'snapshot', symbol: s.symbol, ms: 1 }, { stage: 'decide', symbol: s.symbol, ms: 2 + k }, { stage: 'risk', symbol: s.symbol, ms: 0 }, { stage: 'journal_intent', symbol: s.symbol, ms: 1 });
        if (s.execute === null) continue;
        let exec: ExecuteBlock;
        if (s.execute !== undefined) exec = s.execute;
        else if (action === 'HOLD') exec = { status: 'none' };
        else {
          const side = action === 'BUY' ? 'buy' : 'sell';
          const coid = clientOrderId(id, s.symbol, side);
          const oid = `sim-${String(orderSeq++).padStart(6, '0')}`;
          const qty = action === 'BUY' ? Math.max(1, Math.floor((equity * 0.05) / price)) : 10;
          journal.recordOrder(order(oid, coid, s.symbol, side, qty, price, s.orderStatus ?? 'filled', c.asOf), { tradeId, cycleId: id });
          exec = { status: 'submitted', clientOrderId: coid, orderId: oid, side, qty, refPrice: price, orderStatus: 'accepted', ...(side === 'buy' ? { stopLoss: price * 0.96, takeProfit: price * 1.06 } : {}) };
        }
        if (exec.status === 'submitted') submitted++;
        if (exec.status === 'rejected') rejected++;
        journal.recordResult(tradeId, exec);
        stages.push({ stage: 'execute', symbol: s.symbol, ms: action === 'HOLD' ? 0 : 6 }, { stage: 'journal_result', symbol: s.symbol, ms: 1 });
      }
      if (c.status === 'running') continue;
      const status = c.status ?? 'ok';
      const summary = {
        cycle_id: id,
        as_of: new Date(c.asOf).toISOString(),
        mode: 'sim',
        brain: 'rules',
        status,
        ...(c.reason ? { reason: c.reason } : {}),
        symbols: c.symbols.length,
        actions,
        orders_submitted: submitted,
        orders_rejected: rejected,
        error: status === 'failed',
        failed_symbols: [],
        regime: reg ? { direction: reg.direction, conviction: reg.conviction, source: reg.source } : null,
        cost_usd: cost,
      };
      const duration = stages.reduce((a, s) => a + s.ms, 0);
      journal.finishCycle(id, {
        status,
        equity: c.equity ?? null,
        regime: reg,
        watchlist: c.symbols.map((s) => ({ symbol: s.symbol, reason: 'static' })),
        summary,
        timing: { duration_ms: duration, slowest_stages: [...stages].sort((a, b) => b.ms - a.ms).slice(0, 3), stages },
      });
    }
  } finally {
    journal.close();
  }
  return { dir, dbPath, journalPath, cycleIds: ids };
}

const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'SPY', 'TLT'];

/** A few sessions of ordinary cycles: mixed actions, one override, equity drifting with a dip. */
export function ordinaryCycles(n: number, start = Date.UTC(2026, 10, 16, 15, 0)): SeedCycle[] {
  const out: SeedCycle[] = [];
  for (let i = 0; i < n; i++) {
    const asOf = start + Math.floor(i / 4) * 86_400_000 + (i % 4) * 2 * 3_600_000;
    const equity = 100_000 + i * 150 - (i % 7 === 3 ? 1800 : 0);
    out.push({
      asOf,
      equity,
      symbols: SYMBOLS.map((symbol, k) => {
        if ((i + k) % 5 === 0) return { symbol, action: 'BUY' as const };
        if ((i + k) % 7 === 0) return { symbol, action: 'SELL' as const };
        if ((i + k) % 6 === 0)
          return { symbol, modelAction: 'BUY' as const, action: 'HOLD' as const, overrides: [{ rule: 'confidence_floor', effect: 'hold' as const, detail: 'confidence 0.50 below 0.55' }], confidence: 0.5 };
        return { symbol };
      }),
    });
  }
  return out;
}
