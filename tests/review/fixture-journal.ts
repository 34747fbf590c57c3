import { join } from 'node:path';
import type { Order, OrderStatus } from '../../src/domain/broker.js';
import type { Action, Decision, LlmUsage, Override } from '../../src/domain/decision.js';
import type { Bar } from '../../src/domain/market.js';
import { nyTime } from '../../src/core/time/ny.js';
import { createJournal } from '../../src/journal/journal.js';
import type { Broker } from '../../src/ports/broker.js';
import type { LogicJson } from '../../src/ports/journal.js';
import type { MarketData } from '../../src/ports/market-data.js';

/**
 * A fixed journal for the weekly review of 2026-W45 (Mon 2 to Fri 6 November 2026), written
 * through the real journal writer (SQLite + JSONL, rotated by size so the week's first days
 * end up in journal.jsonl.1). Hand-checkable events:
 *   Fri 30 Oct 10:00  a cycle whose decisions carry no price (a data outage: they cannot be scored)
 *   Fri 30 Oct 15:30  BUY AAA 100 @ 50.00 (before the week; commission 1)
 *   Mon 2 Nov 10:00   BUY BBB 50 @ 101.00 (bracket; commission 0.50), BUY EEE 100 @ 40.00 (bracket SL 37; commission 1)
 *   Tue 3 Nov 10:00   BUY CCC 200 @ 20.02 (size clamped by volatility_scaling; commission 1);
 *                     DDD: the brain said BUY, rsi_extreme_no_trend made it HOLD
 *   Tue 3 Nov 15:30   position health: trail_giveback exit AAA 100 @ 52.00 (commission 1)      -> +198.00
 *   Wed 4 Nov 15:30   SELL BBB 50 @ 106.00 (model_sell; commission 0.50)                        -> +249.00
 *   Thu 5 Nov 10:00   DDD: unusable brain output -> safe HOLD (parse fallback "no_json")
 *   Thu 5 Nov 14:00   EEE's bracket stop fills 100 @ 37.00 (commission 1): the journal still has
 *                     the leg as "new"; only the broker knows it filled                         -> -302.00
 *   Fri 6 Nov close   CCC still open: 200 sh, cost 20.025/sh, close 21.20                       -> +235.00 unrealized
 *   Mon 9 Nov 10:00   one more cycle (week 46): its snapshots carry Friday's closing equity.
 * Cycles at 10:00 and 15:30 each session over SPY AAA BBB CCC DDD EEE; closing equity
 * 100,000 (Fri 30 Oct), 100,150, 100,420, 100,300, 99,950, 100,380.
 */

export const WEEK = '2026-W45';
export const SYMBOLS = ['SPY', 'AAA', 'BBB', 'CCC', 'DDD', 'EEE'] as const;
export const DATES = ['2026-10-30', '2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12', '2026-11-13'] as const;

/** Daily closes by symbol, one per DATES entry. */
export const CLOSES: Readonly<Record<string, readonly number[]>> = {
  SPY: [500, 505, 502, 510, 508, 515, 512, 518, 520, 519, 521],
  AAA: [50, 51, 52, 53, 52, 54, 54, 55, 56, 55, 57],
  BBB: [100, 101, 103, 106, 104, 105, 107, 108, 106, 109, 110],
  CCC: [20, 20, 20.5, 21, 20.8, 21.2, 21, 21.5, 22, 21.8, 22.1],
  DDD: [80, 79, 78, 80, 82, 81, 80, 79, 83, 84, 82],
  EEE: [40, 40, 39, 38, 36, 37, 36, 35, 37, 38, 36],
};
const CLOSE_EQUITY = [100_000, 100_150, 100_420, 100_300, 99_950, 100_380];

/** Market data serving CLOSES as daily bars (only bars closed by `end`). */
export function fixtureMarket(): MarketData & { calls: number } {
  const m = {
    calls: 0,
    async getBars(req: { symbols: readonly string[]; start: number; end: number }) {
      m.calls++;
      const out = new Map<string, Bar[]>();
      for (const s of req.symbols) {
        const closes = CLOSES[s];
        if (!closes) continue;
        const bars = DATES.map((d, i) => ({ t: nyTime(d, '09:30'), end: nyTime(d, '16:00'), o: closes[i]!, h: closes[i]!, l: closes[i]!, c: closes[i]!, v: 1_000_000 })).filter((b) => b.t >= req.start && b.end <= req.end);
        out.set(s, bars);
      }
      return out;
    },
    getLatest: async () => new Map(),
    getAssets: async () => new Map(),
    getNews: async () => [],
    screener: async () => [],
  };
  return m;
}

const close = (s: string, date: string) => CLOSES[s]![DATES.indexOf(date as (typeof DATES)[number])]!;
const prevDate = (date: string) => DATES[DATES.indexOf(date as (typeof DATES)[number]) - 1]!;

function order(x: {
  id: string;
  coid: string;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  status: OrderStatus;
  price: number | null;
  at: number;
  filledAt?: number | null;
  parentId?: string | null;
  legKind?: 'take_profit' | 'stop_loss' | null;
  legs?: Order[];
  commission?: number;
  stopPrice?: number | null;
  limitPrice?: number | null;
}): Order {
  const filled = x.status === 'filled';
  return {
    id: x.id,
    clientOrderId: x.coid,
    symbol: x.symbol,
    side: x.side,
    type: x.legKind === 'stop_loss' ? 'stop' : x.legKind === 'take_profit' ? 'limit' : 'market',
    qty: x.qty,
    filledQty: filled ? x.qty : 0,
    filledAvgPrice: filled ? x.price : null,
    status: x.status,
    timeInForce: x.legKind ? 'gtc' : 'day',
    orderClass: x.legs?.length || x.legKind ? 'bracket' : 'simple',
    limitPrice: x.limitPrice ?? null,
    stopPrice: x.stopPrice ?? null,
    submittedAt: x.at,
    filledAt: filled ? (x.filledAt ?? x.at + 60_000) : null,
    updatedAt: filled ? (x.filledAt ?? x.at + 60_000) : x.at,
    parentId: x.parentId ?? null,
    legKind: x.legKind ?? null,
    legs: x.legs ?? [],
    commission: x.commission ?? 0,
  };
}

export interface Fixture {
  readonly dir: string;
  readonly dbPath: string;
  readonly jsonlPath: string;
  /** The EEE stop leg as the broker knows it (filled); the journal has it as "new". */
  readonly brokerOrders: readonly Order[];
}

/** A broker that only answers listClosedOrders (the review asks nothing else). */
export function fixtureBroker(orders: readonly Order[]): Broker {
  const no = async () => {
    throw new Error('not used by the review');
  };
  return {
    getAccount: no,
    getPositions: no,
    getOpenOrders: no,
    submitOrder: no,
    getOrderByClientId: no,
    cancelOrder: no,
    listClosedOrders: async (since) => orders.filter((o) => o.updatedAt >= since),
  };
}

export function writeFixtureJournal(dir: string, opts: { readonly maxBytes?: number } = {}): Fixture {
  const dbPath = join(dir, 'trades.db');
  const jsonlPath = join(dir, 'journal.jsonl');
  let wall = Date.UTC(2026, 10, 14);
  const j = createJournal({ dbPath, jsonlPath, maxBytes: opts.maxBytes ?? 24_000, keepRotated: 5, wallClock: { now: () => (wall += 1000) }, mode: 'paper' });
  const usage = (purpose: LlmUsage['purpose']): LlmUsage => ({
    model: 'claude-haiku-5-5',
    purpose,
    attempt: 1,
    input_tokens: purpose === 'decide' ? 1200 : 400,
    output_tokens: purpose === 'decide' ? 150 : 60,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: purpose === 'decide' ? 3000 : 0,
    latency_ms: 900,
    cost_usd: purpose === 'decide' ? 0.002 : 0.001,
  });

  interface Special {
    model?: Action;
    action?: Action;
    strategy?: string;
    confidence?: number;
    sizePct?: number;
    overrides?: Override[];
    fallback?: string;
    rationale?: string;
  }
  let orderSeq = 0;
  const oid = () => `ord-${String(++orderSeq).padStart(3, '0')}`;
  const brokerOrders: Order[] = [];

  /** One decision cycle at a New York date and time; `specials` override the default HOLD per symbol. */
  const cycle = (date: string, hhmm: string, dayIndex: number, intradayEquity: number, investedPct: number, specials: Record<string, Special> = {}, after?: (tradeIds: Record<string, string>) => void) => {
    const asOf = nyTime(date, hhmm);
    const id = `c${date.replace(/-/g, '')}T${hhmm.replace(':', '')}`;
    j.beginCycle({ id, mode: 'paper', brain: 'claude', asOf });
    const prevClose = CLOSE_EQUITY[dayIndex - 1] ?? CLOSE_EQUITY[0]!;
    const tradeIds: Record<string, string> = {};
    for (const symbol of SYMBOLS) {
      const sp = specials[symbol] ?? {};
      // The first cycle (30 Oct, 10:00) journaled no prices, as after a data outage: those decisions cannot be scored.
      const price = date === DATES[0] && hhmm === '10:00' ? null : hhmm === '10:00' ? close(symbol, prevDate(date)) : close(symbol, date);
      const model = sp.model ?? sp.action ?? 'HOLD';
      const action = sp.action ?? model;
      const dec = (a: Action, size: number): Decision => ({
        action: a,
        symbol,
        strategy: sp.strategy ?? (a === 'HOLD' ? 'no_setup' : 'trend_momentum'),
        confidence: sp.confidence ?? (a === 'HOLD' ? 0.4 : 0.7),
        size_pct: size,
        stop_loss: null,
        take_profit: null,
        rationale: sp.rationale ?? `${a} ${symbol}: fixture rationale`,
        evidence: [],
      });
      const modelDecision = dec(model, model === 'BUY' ? 0.1 : 0);
      const final = dec(action, action === 'BUY' ? (sp.sizePct ?? 0.05) : 0);
      const tradeId = `${id}:${symbol}`;
      tradeIds[symbol] = tradeId;
      j.recordIntent({
        id: tradeId,
        cycleId: id,
        symbol,
        asOf,
        brain: 'claude',
        modelAction: model,
        final,
        price,
        equity: intradayEquity,
        logic: {
          snapshot: { symbol, price, account: { equity: intradayEquity, day_pl: intradayEquity - prevClose }, portfolio: { invested_pct: investedPct }, data_quality: { missing_critical: [] } },
          raw: sp.fallback ? { text: 'I think the market is interesting' } : { text: JSON.stringify(modelDecision) },
          model_decision: modelDecision,
          final,
          overrides: sp.overrides ?? [],
          prompt_version: 'claude-v1',
          ...(sp.fallback ? { parse_fallback: { reason: sp.fallback } } : {}),
          usage: [usage('decide')],
          cost_usd: 0.002,
        },
      });
      j.recordUsage(id, tradeId, asOf, [usage('decide')]);
    }
    j.recordUsage(id, null, asOf, [usage('regime')]);
    after?.(tradeIds);
    for (const symbol of SYMBOLS) {
      const a = (specials[symbol]?.action ?? specials[symbol]?.model ?? 'HOLD') as Action;
      j.recordResult(tradeIds[symbol]!, a === 'HOLD' ? { status: 'none' } : { status: 'submitted', side: a === 'BUY' ? 'buy' : 'sell' });
    }
    const buys = Object.values(specials).filter((s) => (s.action ?? s.model) === 'BUY').length;
    const sells = Object.values(specials).filter((s) => (s.action ?? s.model) === 'SELL').length;
    j.finishCycle(id, {
      status: 'ok',
      equity: intradayEquity,
      regime: { direction: 'neutral' },
      watchlist: SYMBOLS.map((s) => ({ symbol: s, reason: 'static' })),
      summary: { orders_submitted: buys + sells },
      timing: {},
    });
    return { id, asOf, tradeIds };
  };

  const bracketBuy = (tradeId: string, cycleId: string, symbol: string, qty: number, price: number, at: number, commission: number, sl: number, tp: number, slStatus: OrderStatus = 'new') => {
    const parent = oid();
    const tpLeg = order({ id: oid(), coid: `${parent}-tp`, symbol, side: 'sell', qty, status: 'new', price: null, at, parentId: parent, legKind: 'take_profit', limitPrice: tp });
    const slLeg = order({ id: oid(), coid: `${parent}-sl`, symbol, side: 'sell', qty, status: slStatus, price: null, at, parentId: parent, legKind: 'stop_loss', stopPrice: sl });
    const o = order({ id: parent, coid: `lt-${tradeId}-buy`, symbol, side: 'buy', qty, status: 'filled', price, at, legs: [tpLeg, slLeg], commission });
    j.recordOrder(o, { tradeId, cycleId });
    return { parent: o, tp: tpLeg, sl: slLeg };
  };

  // Week 44's last session: AAA bought (the lot a week-45 exit closes).
  cycle('2026-10-30', '10:00', 0, 99_980, 0);
  cycle('2026-10-30', '15:30', 0, 100_000, 0, { AAA: { action: 'BUY', strategy: 'pullback' } }, (t) => {
    j.recordOrder(order({ id: oid(), coid: 'lt-aaa-buy', symbol: 'AAA', side: 'buy', qty: 100, status: 'filled', price: 50, at: nyTime('2026-10-30', '15:30'), commission: 1 }), { tradeId: t.AAA!, cycleId: 'c20261030T1530' });
  });

  // Monday.
  let eee: ReturnType<typeof bracketBuy> | null = null;
  cycle('2026-11-02', '10:00', 1, 100_020, 5.1, { BBB: { action: 'BUY', strategy: 'trend_momentum', confidence: 0.72 }, EEE: { action: 'BUY', strategy: 'mean_reversion', confidence: 0.6 } }, (t) => {
    const at = nyTime('2026-11-02', '10:00');
    bracketBuy(t.BBB!, 'c20261102T1000', 'BBB', 50, 101, at, 0.5, 95, 110);
    eee = bracketBuy(t.EEE!, 'c20261102T1000', 'EEE', 100, 40, at, 1, 37, 45);
  });
  cycle('2026-11-02', '15:30', 1, 100_140, 14.2);

  // Tuesday.
  cycle(
    '2026-11-03',
    '10:00',
    2,
    100_200,
    14.3,
    {
      CCC: { action: 'BUY', strategy: 'breakout', confidence: 0.65, sizePct: 0.04, overrides: [{ rule: 'volatility_scaling', effect: 'clamp', detail: 'ATR 5.1% of price: size x 0.5' }] },
      DDD: { model: 'BUY', action: 'HOLD', strategy: 'trend_momentum', confidence: 0.6, overrides: [{ rule: 'rsi_extreme_no_trend', effect: 'hold', detail: 'RSI 74 with ADX 15' }] },
    },
    (t) => bracketBuy(t.CCC!, 'c20261103T1000', 'CCC', 200, 20.02, nyTime('2026-11-03', '10:00'), 1, 19, 23),
  );
  cycle('2026-11-03', '15:30', 2, 100_410, 18.4);
  // Position health: trail giveback exit of AAA (an automation row in its own run).
  {
    const asOf = nyTime('2026-11-03', '15:35');
    const runId = 'h20261103T1535';
    const tradeId = `${runId}:AAA`;
    j.beginCycle({ id: runId, mode: 'paper', brain: 'position-health', asOf });
    const d: Decision = { action: 'SELL', symbol: 'AAA', strategy: 'trail_giveback', confidence: 1, size_pct: 0, stop_loss: null, take_profit: null, rationale: 'automation: trail giveback', evidence: [] };
    j.recordIntent({
      id: tradeId,
      cycleId: runId,
      symbol: 'AAA',
      asOf,
      brain: 'position-health',
      modelAction: 'SELL',
      final: d,
      price: 52,
      equity: 100_410,
      // As position health writes it (the automation block marks the row as not a brain decision).
      logic: { snapshot: { as_of: new Date(asOf).toISOString() }, raw: {}, model_decision: d, final: d, overrides: [], prompt_version: 'n/a', usage: [], cost_usd: 0, automation: { job: 'position-health', exit_kind: 'trail_giveback', run_id: runId } } as LogicJson,
    });
    j.recordOrder(order({ id: oid(), coid: `lt-${runId}-AAA-sell`, symbol: 'AAA', side: 'sell', qty: 100, status: 'filled', price: 52, at: asOf, commission: 1 }), { tradeId, cycleId: runId, exitKind: 'trail_giveback' });
    j.recordResult(tradeId, { status: 'submitted', side: 'sell', qty: 100 });
    j.finishCycle(runId, { status: 'ok', equity: 100_410, regime: null, watchlist: [], summary: { orders_submitted: 1 }, timing: {} });
  }

  // Wednesday: the model sells BBB.
  cycle('2026-11-04', '10:00', 3, 100_500, 13.0);
  cycle('2026-11-04', '15:30', 3, 100_290, 13.1, { BBB: { action: 'SELL', strategy: 'trend_exit', confidence: 0.7 } }, (t) => {
    j.recordOrder(order({ id: oid(), coid: 'lt-bbb-sell', symbol: 'BBB', side: 'sell', qty: 50, status: 'filled', price: 106, at: nyTime('2026-11-04', '15:30'), commission: 0.5 }), { tradeId: t.BBB!, cycleId: 'c20261104T1530', exitKind: 'model_sell' });
  });

  // Thursday: a parse fallback; EEE's stop fills at the broker at 14:00 (the journal never hears of it).
  cycle('2026-11-05', '10:00', 4, 100_100, 8.0, { DDD: { model: 'HOLD', action: 'HOLD', strategy: 'parse_fallback', confidence: 0, fallback: 'no_json: no JSON object in the reply' } });
  cycle('2026-11-05', '15:30', 4, 99_960, 4.2);
  const stopFill = nyTime('2026-11-05', '14:00');
  const sl = eee!.sl;
  brokerOrders.push({ ...sl, status: 'filled', filledQty: 100, filledAvgPrice: 37, filledAt: stopFill, updatedAt: stopFill, commission: 1 });

  // Friday.
  cycle('2026-11-06', '10:00', 5, 100_200, 4.3);
  cycle('2026-11-06', '15:30', 5, 100_370, 4.2);

  // Week 46's first cycle: reports Friday's closing equity as its previous close.
  cycle('2026-11-09', '10:00', 6, 100_330, 4.2);
  j.close();
  return { dir, dbPath, jsonlPath, brokerOrders };
}
