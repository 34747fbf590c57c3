import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNyseRulesCalendar, nyseSessions } from '../../src/adapters/calendar/nyse-rules.js';
import type { Order } from '../../src/domain/broker.js';
import type { Decision } from '../../src/domain/decision.js';
import type { Bar } from '../../src/domain/market.js';
import { runOutcomes } from '../../src/jobs/outcomes.js';
import { runEodDigest } from '../../src/jobs/eod-digest.js';
import { createDayJournal } from '../../src/journal/day-queries.js';
import { createFileReportStore } from '../../src/adapters/reports/files.js';
import { readFileSync } from 'node:fs';
import { createJournal, type SqliteJournal } from '../../src/journal/journal.js';
import { createOutcomeJournal } from '../../src/journal/outcomes-store.js';
import { silentLogger } from '../../src/log.js';
import type { Broker } from '../../src/ports/broker.js';
import type { BarsRequest, MarketData } from '../../src/ports/market-data.js';
import { nyTime } from '../../src/core/time/ny.js';

const sessions = nyseSessions('2026-11-02', '2026-12-31');
const closeOf = (date: string) => sessions.find((s) => s.date === date)!.close;
const idx = (date: string) => sessions.findIndex((s) => s.date === date);

/** Scripted daily closes: SPY +1 a day from 500, AAA +2 a day from 100 (no bar on 2026-11-30: halted). */
function barsFor(symbol: string, end: number): Bar[] {
  const out: Bar[] = [];
  sessions.forEach((s, i) => {
    if (s.close > end) return;
    if (symbol === 'AAA' && s.date === '2026-11-30') return;
    const c = symbol === 'SPY' ? 500 + i : symbol === 'AAA' ? 100 + 2 * i : NaN;
    if (Number.isNaN(c)) return;
    out.push({ t: s.open, end: s.close, o: c - 0.5, h: c + 1, l: c - 1, c, v: 1000 });
  });
  return out;
}

function fakeMarket() {
  const calls: BarsRequest[] = [];
  const m: MarketData = {
    async getBars(req) {
      calls.push(req);
      return new Map(req.symbols.map((s) => [s, barsFor(s, req.end).filter((b) => b.t >= req.start)] as const).filter(([, b]) => b.length > 0));
    },
    getLatest: async () => new Map(),
    getAssets: async () => new Map(),
    getNews: async () => [],
    screener: async () => [],
  };
  return { m, calls };
}

const no = () => Promise.reject(new Error('not used'));
const broker = (equity: number): Broker => ({
  getAccount: async () => ({ cash: 0, equity, buyingPower: 0, lastEquity: equity, daytradeCount: 0, status: 'ACTIVE' }),
  getPositions: async () => [],
  getOpenOrders: async () => [],
  submitOrder: no,
  getOrderByClientId: async () => null,
  cancelOrder: no,
  listClosedOrders: async () => [],
});

let dir: string;
let journal: SqliteJournal;
let now = 0;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'outcomes-'));
  journal = createJournal({ dbPath: join(dir, 'trades.db'), jsonlPath: join(dir, 'journal.jsonl'), maxBytes: 1e7, keepRotated: 2, wallClock: { now: () => now }, mode: 'sim' });
});
afterEach(() => {
  journal.close();
  rmSync(dir, { recursive: true, force: true });
});

function decide(cycle: string, asOf: number, symbol: string, action: Decision['action'], price: number, strategy = 'momentum') {
  const d: Decision = { action, symbol, strategy, confidence: 0.65, size_pct: 0.05, stop_loss: null, take_profit: null, rationale: 'x', evidence: [] };
  journal.recordIntent({ id: `${cycle}:${symbol}`, cycleId: cycle, symbol, asOf, brain: 'rules', modelAction: action, final: d, price, equity: 100_000, logic: { snapshot: null, raw: null, model_decision: d, final: d, overrides: [], prompt_version: 't', usage: [], cost_usd: 0 } });
}

function seed() {
  const t = nyTime('2026-11-16', '10:00');
  journal.beginCycle({ id: 'c1', mode: 'sim', brain: 'rules', asOf: t });
  decide('c1', t, 'AAA', 'BUY', 120);
  decide('c1', t, 'SPY', 'HOLD', 510);
  journal.finishCycle('c1', { status: 'ok', equity: 100_000, regime: null, watchlist: null, summary: null, timing: null });
  // A bracket stop that filled the next day: an automated exit with no trades row of its own.
  const leg: Order = {
    id: 'leg-1', clientOrderId: 'leg-1', symbol: 'AAA', side: 'sell', type: 'stop', qty: 10, filledQty: 10, filledAvgPrice: 121, status: 'filled',
    timeInForce: 'gtc', orderClass: 'simple', limitPrice: null, stopPrice: 121, submittedAt: t, filledAt: nyTime('2026-11-17', '11:00'), updatedAt: nyTime('2026-11-17', '11:00'),
    parentId: 'p1', legKind: 'stop_loss', legs: [], commission: 0,
  };
  journal.recordOrder(leg, { tradeId: 'c1:AAA', exitKind: 'bracket_stop' });
}

describe('runOutcomes: the EOD outcomes job', () => {
  it('scores reached horizons from one batched bars call, records the close, and is idempotent', async () => {
    seed();
    const store = createOutcomeJournal(journal.db, { now: () => now });
    const { m, calls } = fakeMarket();
    const asOf = closeOf('2026-11-24') + 5 * 60_000;
    now = 1;
    const r = await runOutcomes({ market: m, broker: broker(101_000), calendar: createNyseRulesCalendar(), store, log: silentLogger }, asOf);
    expect(calls).toHaveLength(1);
    expect([...calls[0]!.symbols]).toEqual(['AAA', 'SPY']);
    expect(calls[0]!.timeframe).toBe('1Day');
    // 3 decisions (AAA BUY, SPY HOLD, bracket exit) x horizons 1 and 5 reached; 20 not yet.
    expect(r.inserted).toBe(6);
    expect(r.unscored.not_reached).toBe(3);
    const rows = journal.db.prepare('SELECT * FROM decision_outcomes ORDER BY trade_id, horizon_days').all() as Record<string, unknown>[];
    const buy1 = rows.find((x) => x.trade_id === 'c1:AAA' && x.horizon_days === 1)!;
    const i = idx('2026-11-16');
    // Intraday decision: symbol from the decision price, SPY from the journaled SPY price of the same cycle.
    expect(buy1.exit_price).toBe(100 + 2 * (i + 1));
    expect(buy1.ret as number).toBeCloseTo((100 + 2 * (i + 1)) / 120 - 1, 12);
    expect(buy1.spy_ret as number).toBeCloseTo((500 + i + 1) / 510 - 1, 12);
    expect(buy1.computed_for_date).toBe('2026-11-17');
    const exit5 = rows.find((x) => x.trade_id === 'exit:leg-1' && x.horizon_days === 5)!;
    expect(exit5.action).toBe('EXIT');
    expect(exit5.strategy).toBe('bracket_stop');
    expect(exit5.decision_price).toBe(121);
    const close = journal.db.prepare('SELECT date, spy_close, equity_close FROM benchmark_closes WHERE date = ?').get('2026-11-24');
    expect(close).toEqual({ date: '2026-11-24', spy_close: 500 + idx('2026-11-24'), equity_close: 101_000 });
    // Sessions since the first cycle are back-filled (SPY from the bars, equity from the journal).
    const first = journal.db.prepare('SELECT date, spy_close, equity_close FROM benchmark_closes WHERE date = ?').get('2026-11-16');
    expect(first).toEqual({ date: '2026-11-16', spy_close: 500 + i, equity_close: 100_000 });

    // Recomputing the same day changes nothing: no new rows, recorded_at untouched.
    const before = journal.db.prepare('SELECT * FROM decision_outcomes ORDER BY trade_id, horizon_days').all();
    const beforeCloses = journal.db.prepare('SELECT * FROM benchmark_closes ORDER BY date').all();
    now = 2;
    const again = await runOutcomes({ market: m, broker: broker(55), calendar: createNyseRulesCalendar(), store, log: silentLogger }, asOf);
    expect(again.inserted).toBe(0);
    expect(journal.db.prepare('SELECT * FROM decision_outcomes ORDER BY trade_id, horizon_days').all()).toEqual(before);
    expect(journal.db.prepare('SELECT * FROM benchmark_closes ORDER BY date').all()).toEqual(beforeCloses);
  });

  it('a halted symbol is left unscored and picked up on a later run', async () => {
    // Decided at the close of 2026-11-27: horizon 1 is 2026-11-30, where AAA has no bar.
    const t = closeOf('2026-11-27') + 60_000;
    journal.beginCycle({ id: 'c2', mode: 'sim', brain: 'rules', asOf: t });
    decide('c2', t, 'AAA', 'BUY', 130);
    const store = createOutcomeJournal(journal.db, { now: () => now });
    const { m } = fakeMarket();
    const deps = { market: m, broker: broker(100_000), calendar: createNyseRulesCalendar(), store, log: silentLogger };
    const r = await runOutcomes(deps, closeOf('2026-11-30') + 60_000);
    expect(r.inserted).toBe(0);
    expect(r.unscored.halted).toBe(1);
    const later = await runOutcomes(deps, closeOf('2026-12-04') + 60_000);
    // Horizon 1 stays halted (no bar that day), horizon 5 (2026-12-04) is scored.
    expect(later.unscored.halted).toBe(1);
    expect(later.inserted).toBe(1);
  });

  it('the EOD digest runs the job and quotes the scoreboard headline', async () => {
    seed();
    const { m, calls } = fakeMarket();
    const asOf = closeOf('2026-11-24') + 5 * 60_000;
    const reports = join(dir, 'reports');
    const r = await runEodDigest(
      {
        broker: broker(101_000),
        journal,
        days: createDayJournal(journal.db),
        calendar: createNyseRulesCalendar(),
        clock: { now: () => asOf },
        wallClock: { now: () => asOf },
        reports: createFileReportStore(reports),
        log: silentLogger,
        mode: 'sim',
        outcomes: { market: m, store: createOutcomeJournal(journal.db, { now: () => asOf }) },
      },
      '2026-11-24',
    );
    expect(calls).toHaveLength(1);
    const md = readFileSync(r.files[1]!, 'utf8');
    expect(md).toContain('## Scoreboard');
    expect(md).toMatch(/Equity vs SPY since 2026-11-16: \+1\.00% vs \+\d+\.\d\d%/);
    expect(md).toMatch(/Decisions at 5 sessions: hit rate [\d.]+%, mean excess over SPY [-+\d.]+% \(n=3, fewer than 20: not a finding\)/);
    expect((journal.db.prepare('SELECT COUNT(*) AS n FROM decision_outcomes').get() as { n: number }).n).toBe(6);
  });
});
