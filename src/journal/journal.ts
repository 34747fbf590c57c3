import type { Order } from '../domain/broker.js';
import type { LlmUsage } from '../domain/decision.js';
import { JournalError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { CycleFinish, CycleStart, DecisionEntry, ExecuteBlock, Journal, JournaledOrder, LogicJson, OrderMeta, PendingIntent, ReconcileRecord, RuleCount, TradeRecord, TrailState } from '../ports/journal.js';
import { createJsonlWriter, readJournal, type JsonlWriter } from './jsonl.js';
import { openDatabase, type Db } from './sqlite.js';
import { jsonlLine, type TradeRow } from './rows.js';

export interface JournalOptions {
  readonly dbPath: string;
  readonly jsonlPath: string;
  readonly maxBytes: number;
  readonly keepRotated: number;
  /** Wall clock for recorded_at. Market time (as_of) always comes from the caller. */
  readonly wallClock: Clock;
  readonly mode: string;
}

export interface SqliteJournal extends Journal {
  readonly db: Db;
  /**
   * Runs `fn` (sync or async) inside one SQLite transaction: every write it makes commits
   * together (rolled back if it throws), so a backtest pays one commit per batch instead of one
   * per row. For a single in-process writer only (backtests, the simulator): other code that
   * writes while `fn` awaits joins the transaction. Writes inside still throw on failure, so
   * fail-closed holds within the batch; the JSONL mirror is written as rows complete. Nested
   * calls join the outer batch.
   */
  batch<T>(fn: () => T | Promise<T>): Promise<T>;
}

const iso = (ms: number) => new Date(ms).toISOString();

interface TrailRow {
  symbol: string;
  qty: number;
  avg_entry_price: number;
  peak_unrealized_pl: number;
  peak_at: string;
  activated: number;
  opened_at: string;
  session_date: string;
  exit_client_order_id: string | null;
  updated_at: string;
}
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function wrap<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof JournalError) throw e;
    throw new JournalError(`journal ${what} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** SQLite (WAL) + JSONL journal. Opening it runs the migrations and repairs missing JSONL lines. */
export function createJournal(opts: JournalOptions): SqliteJournal {
  const db = openDatabase(opts.dbPath);
  const jsonl: JsonlWriter = createJsonlWriter(opts.jsonlPath, { maxBytes: opts.maxBytes, keep: opts.keepRotated });
  const now = () => iso(opts.wallClock.now());

  const stmt = {
    getCycle: db.prepare('SELECT runs FROM cycles WHERE id = ?'),
    insertCycle: db.prepare(
      `INSERT INTO cycles (id, mode, brain, as_of, status, runs, recorded_at) VALUES (@id, @mode, @brain, @as_of, 'running', 1, @recorded_at)`,
    ),
    rerunCycle: db.prepare(`UPDATE cycles SET runs = runs + 1, status = 'running', finished_recorded_at = NULL WHERE id = ?`),
    finishCycle: db.prepare(
      `UPDATE cycles SET status = @status, equity = @equity, regime_json = @regime, watchlist_json = @watchlist,
       summary_json = @summary, timing_json = @timing, finished_recorded_at = @at WHERE id = @id`,
    ),
    getTrade: db.prepare('SELECT * FROM trades WHERE id = ?'),
    insertTrade: db.prepare(
      `INSERT INTO trades (id, cycle_id, symbol, as_of, brain, model_action, action, strategy, confidence, size_pct, rationale,
        price, equity, overrides, parse_fallback, cost_usd, logic_json, recorded_at)
       VALUES (@id, @cycle_id, @symbol, @as_of, @brain, @model_action, @action, @strategy, @confidence, @size_pct, @rationale,
        @price, @equity, @overrides, @parse_fallback, @cost_usd, @logic_json, @recorded_at)`,
    ),
    setResult: db.prepare(
      `UPDATE trades SET execute_status = @status, client_order_id = @coid, order_id = @oid, qty = @qty, logic_json = @logic_json,
       result_recorded_at = @at WHERE id = @id AND execute_status IS NULL`,
    ),
    markJsonl: db.prepare('UPDATE trades SET jsonl_written = 1 WHERE id = ?'),
    insertUsage: db.prepare(
      `INSERT INTO llm_usage (cycle_id, trade_id, as_of, model, purpose, attempt, input_tokens, output_tokens,
        cache_creation_input_tokens, cache_read_input_tokens, latency_ms, cost_usd, recorded_at)
       VALUES (@cycle_id, @trade_id, @as_of, @model, @purpose, @attempt, @input_tokens, @output_tokens,
        @cache_creation_input_tokens, @cache_read_input_tokens, @latency_ms, @cost_usd, @recorded_at)`,
    ),
    unwritten: db.prepare('SELECT * FROM trades WHERE execute_status IS NOT NULL AND jsonl_written = 0 ORDER BY rowid'),
    getOrder: db.prepare('SELECT status, filled_qty FROM orders WHERE id = ?'),
    upsertOrder: db.prepare(
      `INSERT INTO orders (id, client_order_id, parent_id, leg_kind, trade_id, cycle_id, exit_kind, symbol, side, type, order_class,
        time_in_force, qty, limit_price, stop_price, status, filled_qty, filled_avg_price, commission, submitted_at, filled_at, updated_at, recorded_at)
       VALUES (@id, @client_order_id, @parent_id, @leg_kind, @trade_id, @cycle_id, @exit_kind, @symbol, @side, @type, @order_class,
        @time_in_force, @qty, @limit_price, @stop_price, @status, @filled_qty, @filled_avg_price, @commission, @submitted_at, @filled_at, @updated_at, @recorded_at)
       ON CONFLICT (id) DO UPDATE SET status = excluded.status, filled_qty = excluded.filled_qty, filled_avg_price = excluded.filled_avg_price,
        commission = excluded.commission, filled_at = excluded.filled_at, updated_at = excluded.updated_at,
        trade_id = COALESCE(orders.trade_id, excluded.trade_id), cycle_id = COALESCE(orders.cycle_id, excluded.cycle_id),
        exit_kind = COALESCE(excluded.exit_kind, orders.exit_kind)`,
    ),
    insertEvent: db.prepare(
      'INSERT INTO order_events (order_id, status, filled_qty, filled_avg_price, at, recorded_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    findOrder: db.prepare(
      `SELECT id, client_order_id, symbol, side, status, filled_qty, parent_id, trade_id, cycle_id, exit_kind FROM orders
       WHERE id = @id OR (@coid <> '' AND client_order_id = @coid) LIMIT 1`,
    ),
    journaledPositions: db.prepare(
      `SELECT symbol, SUM(CASE WHEN side = 'buy' THEN filled_qty ELSE -filled_qty END) AS qty FROM orders GROUP BY symbol ORDER BY symbol`,
    ),
    pendingIntents: db.prepare('SELECT id, cycle_id, symbol, action, as_of FROM trades WHERE execute_status IS NULL ORDER BY as_of, id'),
    insertReconcile: db.prepare('INSERT INTO reconcile_runs (at, mode, status, report_json, error, recorded_at) VALUES (?, ?, ?, ?, ?, ?)'),
    lastReconcile: db.prepare("SELECT at FROM reconcile_runs WHERE status = 'ok' ORDER BY at DESC LIMIT 1"),
    getRisk: db.prepare('SELECT value_json FROM risk_state WHERE key = ?'),
    setRisk: db.prepare(
      'INSERT INTO risk_state (key, value_json, recorded_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, recorded_at = excluded.recorded_at',
    ),
    listTrail: db.prepare('SELECT * FROM position_trail_state ORDER BY symbol'),
    upsertTrail: db.prepare(
      `INSERT INTO position_trail_state (symbol, qty, avg_entry_price, peak_unrealized_pl, peak_at, activated, opened_at, session_date, exit_client_order_id, updated_at, recorded_at)
       VALUES (@symbol, @qty, @avg_entry_price, @peak_unrealized_pl, @peak_at, @activated, @opened_at, @session_date, @exit_client_order_id, @updated_at, @recorded_at)
       ON CONFLICT (symbol) DO UPDATE SET qty = excluded.qty, avg_entry_price = excluded.avg_entry_price, peak_unrealized_pl = excluded.peak_unrealized_pl,
        peak_at = excluded.peak_at, activated = excluded.activated, opened_at = excluded.opened_at, session_date = excluded.session_date,
        exit_client_order_id = excluded.exit_client_order_id, updated_at = excluded.updated_at, recorded_at = excluded.recorded_at`,
    ),
    deleteTrail: db.prepare('DELETE FROM position_trail_state WHERE symbol = ?'),
    ruleCounts: db.prepare(
      `SELECT json_extract(j.value, '$.rule') AS rule, json_extract(j.value, '$.effect') AS effect, COUNT(*) AS count
       FROM trades t, json_each(t.overrides) j WHERE t.as_of >= ? AND t.as_of < ? GROUP BY 1, 2 ORDER BY count DESC, rule, effect`,
    ),
    getSim: db.prepare('SELECT state_json FROM sim_state WHERE id = 1'),
    setSim: db.prepare(
      'INSERT INTO sim_state (id, state_json, recorded_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state_json = excluded.state_json, recorded_at = excluded.recorded_at',
    ),
  };

  const writeLine = (row: TradeRow) => {
    jsonl.append(jsonlLine(row, opts.mode));
    stmt.markJsonl.run(row.id);
  };

  // Repair: rows whose result was committed but whose JSONL line may not have been written (crash in between).
  const pending = stmt.unwritten.all() as TradeRow[];
  if (pending.length > 0) {
    jsonl.close();
    const seen = new Set(readJournal(opts.jsonlPath).map((l) => (l as { id?: unknown }).id));
    for (const row of pending) {
      if (seen.has(row.id)) stmt.markJsonl.run(row.id);
      else writeLine(row);
    }
  }

  const recordUsageTx = db.transaction((cycleId: string, tradeId: string | null, asOf: number, usage: readonly LlmUsage[]) => {
    const at = now();
    for (const u of usage) {
      stmt.insertUsage.run({
        cycle_id: cycleId,
        trade_id: tradeId,
        as_of: iso(asOf),
        model: u.model,
        purpose: u.purpose,
        attempt: u.attempt,
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_creation_input_tokens: u.cache_creation_input_tokens,
        cache_read_input_tokens: u.cache_read_input_tokens,
        latency_ms: u.latency_ms,
        cost_usd: u.cost_usd,
        recorded_at: at,
      });
    }
  });

  const recordOrderTx = db.transaction((o: Order, meta: OrderMeta) => {
    const before = stmt.getOrder.get(o.id) as { status: string; filled_qty: number } | undefined;
    stmt.upsertOrder.run({
      id: o.id,
      client_order_id: o.clientOrderId,
      parent_id: o.parentId,
      leg_kind: o.legKind,
      trade_id: meta.tradeId ?? null,
      cycle_id: meta.cycleId ?? null,
      exit_kind: meta.exitKind ?? null,
      symbol: o.symbol,
      side: o.side,
      type: o.type,
      order_class: o.orderClass,
      time_in_force: o.timeInForce,
      qty: o.qty,
      limit_price: o.limitPrice,
      stop_price: o.stopPrice,
      status: o.status,
      filled_qty: o.filledQty,
      filled_avg_price: o.filledAvgPrice,
      commission: o.commission,
      submitted_at: iso(o.submittedAt),
      filled_at: isoOrNull(o.filledAt),
      updated_at: iso(o.updatedAt),
      recorded_at: now(),
    });
    if (!before || before.status !== o.status || before.filled_qty !== o.filledQty) {
      stmt.insertEvent.run(o.id, o.status, o.filledQty, o.filledAvgPrice, iso(o.updatedAt), now());
    }
    for (const leg of o.legs) recordOrderTx(leg, { ...(meta.tradeId ? { tradeId: meta.tradeId } : {}), ...(meta.cycleId ? { cycleId: meta.cycleId } : {}) });
  });

  return {
    db,
    beginCycle: (c: CycleStart) =>
      wrap('beginCycle', () => {
        const existing = stmt.getCycle.get(c.id) as { runs: number } | undefined;
        if (existing) {
          stmt.rerunCycle.run(c.id);
          return { runs: existing.runs + 1 };
        }
        stmt.insertCycle.run({ id: c.id, mode: c.mode, brain: c.brain, as_of: iso(c.asOf), recorded_at: now() });
        return { runs: 1 };
      }),
    finishCycle: (id: string, f: CycleFinish) =>
      wrap('finishCycle', () => {
        stmt.finishCycle.run({
          id,
          status: f.status,
          equity: f.equity,
          regime: JSON.stringify(f.regime),
          watchlist: JSON.stringify(f.watchlist),
          summary: JSON.stringify(f.summary),
          timing: JSON.stringify(f.timing),
          at: now(),
        });
      }),
    getTrade: (id: string): TradeRecord | null =>
      wrap('getTrade', () => {
        const row = stmt.getTrade.get(id) as TradeRow | undefined;
        if (!row) return null;
        const logic = JSON.parse(row.logic_json) as LogicJson;
        return { id: row.id, cycleId: row.cycle_id, symbol: row.symbol, action: row.action, final: logic.final, logic, execute: logic.execute ?? null };
      }),
    recordIntent: (e: DecisionEntry) =>
      wrap('recordIntent', () => {
        stmt.insertTrade.run({
          id: e.id,
          cycle_id: e.cycleId,
          symbol: e.symbol,
          as_of: iso(e.asOf),
          brain: e.brain,
          model_action: e.modelAction,
          action: e.final.action,
          strategy: e.final.strategy,
          confidence: e.final.confidence,
          size_pct: e.final.size_pct,
          rationale: e.final.rationale,
          price: e.price,
          equity: e.equity,
          overrides: JSON.stringify(e.logic.overrides),
          parse_fallback: e.logic.parse_fallback ? 1 : 0,
          cost_usd: e.logic.cost_usd,
          logic_json: JSON.stringify(e.logic),
          recorded_at: now(),
        });
      }),
    recordResult: (tradeId: string, exec: ExecuteBlock) =>
      wrap('recordResult', () => {
        const row = stmt.getTrade.get(tradeId) as TradeRow | undefined;
        if (!row) throw new JournalError(`recordResult: no trade row ${tradeId}`);
        if (row.execute_status !== null) throw new JournalError(`recordResult: trade ${tradeId} already has a result`);
        const logic = { ...(JSON.parse(row.logic_json) as LogicJson), execute: exec };
        const logicJson = JSON.stringify(logic);
        stmt.setResult.run({
          id: tradeId,
          status: exec.status,
          coid: exec.clientOrderId ?? null,
          oid: exec.orderId ?? null,
          qty: exec.qty ?? null,
          logic_json: logicJson,
          at: now(),
        });
        writeLine({ ...row, execute_status: exec.status, client_order_id: exec.clientOrderId ?? null, order_id: exec.orderId ?? null, qty: exec.qty ?? null, logic_json: logicJson, recorded_at: now() });
      }),
    recordUsage: (cycleId: string, tradeId: string | null, asOf: number, usage: readonly LlmUsage[]) =>
      wrap('recordUsage', () => {
        if (usage.length > 0) recordUsageTx(cycleId, tradeId, asOf, usage);
      }),
    recordOrder: (order: Order, meta: OrderMeta) => wrap('recordOrder', () => recordOrderTx(order, meta)),
    findOrder: (id: string, clientOrderId: string): JournaledOrder | null =>
      wrap('findOrder', () => {
        const r = stmt.findOrder.get({ id, coid: clientOrderId }) as
          | { id: string; client_order_id: string; symbol: string; side: 'buy' | 'sell'; status: string; filled_qty: number; parent_id: string | null; trade_id: string | null; cycle_id: string | null; exit_kind: string | null }
          | undefined;
        return r
          ? { id: r.id, clientOrderId: r.client_order_id, symbol: r.symbol, side: r.side, status: r.status, filledQty: r.filled_qty, parentId: r.parent_id, tradeId: r.trade_id, cycleId: r.cycle_id, exitKind: r.exit_kind }
          : null;
      }),
    journaledPositions: () =>
      wrap('journaledPositions', () => {
        const rows = stmt.journaledPositions.all() as { symbol: string; qty: number }[];
        return new Map(rows.filter((r) => Math.abs(r.qty) > 1e-9).map((r) => [r.symbol, r.qty]));
      }),
    pendingIntents: (): readonly PendingIntent[] =>
      wrap('pendingIntents', () =>
        (stmt.pendingIntents.all() as { id: string; cycle_id: string; symbol: string; action: PendingIntent['action']; as_of: string }[]).map((r) => ({
          tradeId: r.id,
          cycleId: r.cycle_id,
          symbol: r.symbol,
          action: r.action,
          asOf: Date.parse(r.as_of),
        })),
      ),
    recordReconcile: (r: ReconcileRecord) =>
      wrap('recordReconcile', () => {
        const at = iso(r.at);
        const recordedAt = now();
        const info = stmt.insertReconcile.run(at, opts.mode, r.status, JSON.stringify({ ...r.report, exits: r.exits }), r.error ?? null, recordedAt);
        jsonl.append({ id: `reconcile:${String(info.lastInsertRowid)}`, type: 'reconcile', mode: opts.mode, as_of: at, status: r.status, ...r.report, exits: r.exits.length, ...(r.error ? { error: r.error } : {}), recorded_at: recordedAt });
        for (const x of r.exits) {
          jsonl.append({
            id: `exit:${x.orderId}`,
            type: 'exit',
            mode: opts.mode,
            symbol: x.symbol,
            exit_kind: x.exitKind,
            order_id: x.orderId,
            parent_id: x.parentId,
            trade_id: x.tradeId,
            qty: x.qty,
            price: x.price,
            as_of: x.filledAt === null ? at : iso(x.filledAt),
            source: 'reconcile',
            recorded_at: recordedAt,
          });
        }
      }),
    lastReconcileAt: () =>
      wrap('lastReconcileAt', () => {
        const r = stmt.lastReconcile.get() as { at: string } | undefined;
        return r ? Date.parse(r.at) : null;
      }),
    getRiskState: <T>(key: string) =>
      wrap('getRiskState', () => {
        const r = stmt.getRisk.get(key) as { value_json: string } | undefined;
        return r ? (JSON.parse(r.value_json) as T) : null;
      }),
    setRiskState: (key: string, value: unknown) => wrap('setRiskState', () => void stmt.setRisk.run(key, JSON.stringify(value), now())),
    listTrailStates: (): readonly TrailState[] =>
      wrap('listTrailStates', () =>
        (stmt.listTrail.all() as TrailRow[]).map((r) => ({
          symbol: r.symbol,
          qty: r.qty,
          avgEntryPrice: r.avg_entry_price,
          peakUnrealizedPl: r.peak_unrealized_pl,
          peakAt: Date.parse(r.peak_at),
          activated: r.activated === 1,
          openedAt: Date.parse(r.opened_at),
          sessionDate: r.session_date,
          exitClientOrderId: r.exit_client_order_id,
          updatedAt: Date.parse(r.updated_at),
        })),
      ),
    upsertTrailState: (t: TrailState) =>
      wrap('upsertTrailState', () =>
        void stmt.upsertTrail.run({
          symbol: t.symbol,
          qty: t.qty,
          avg_entry_price: t.avgEntryPrice,
          peak_unrealized_pl: t.peakUnrealizedPl,
          peak_at: iso(t.peakAt),
          activated: t.activated ? 1 : 0,
          opened_at: iso(t.openedAt),
          session_date: t.sessionDate,
          exit_client_order_id: t.exitClientOrderId,
          updated_at: iso(t.updatedAt),
          recorded_at: now(),
        }),
      ),
    deleteTrailState: (symbol: string) => wrap('deleteTrailState', () => void stmt.deleteTrail.run(symbol)),
    ruleCounts: (from: number, to: number): readonly RuleCount[] =>
      wrap('ruleCounts', () => stmt.ruleCounts.all(iso(from), iso(to)) as RuleCount[]),
    loadSimState: () =>
      wrap('loadSimState', () => {
        const r = stmt.getSim.get() as { state_json: string } | undefined;
        return r ? (JSON.parse(r.state_json) as unknown) : null;
      }),
    saveSimState: (state: unknown) => wrap('saveSimState', () => void stmt.setSim.run(JSON.stringify(state), now())),
    batch: async <T>(fn: () => T | Promise<T>): Promise<T> => {
      if (db.inTransaction) return await fn();
      wrap('batch begin', () => db.exec('BEGIN'));
      try {
        const r = await fn();
        wrap('batch commit', () => db.exec('COMMIT'));
        return r;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    },
    close: () => {
      jsonl.close();
      if (db.open) db.close();
    },
  };
}
