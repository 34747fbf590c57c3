import type { Order } from '../domain/broker.js';
import type { LlmUsage } from '../domain/decision.js';
import { JournalError } from '../domain/errors.js';
import type { Clock } from '../ports/clock.js';
import type { CycleFinish, CycleStart, DecisionEntry, ExecuteBlock, Journal, JournaledOrder, LogicJson, OrderMeta, PendingIntent, ReconcileRecord, RuleCount, TradeRecord, TrailState } from '../ports/journal.js';
import { createJsonlWriter, readJournal, type JsonlWriter } from './jsonl.js';
import { openDatabase, type Db } from './sqlite.js';
import { jsonlLine, lineLogicOf, logicJsonText, type LineLogic, type TradeRow } from './rows.js';

export interface JournalOptions {
  readonly dbPath: string;
  readonly jsonlPath: string;
  readonly maxBytes: number;
  readonly keepRotated: number;
  /** Wall clock for recorded_at. Market time (as_of) always comes from the caller. */
  readonly wallClock: Clock;
  readonly mode: string;
  /**
   * false: the database does not wait for the disk (synchronous = OFF, see openDatabase). For a
   * backtest's journal, which a crashed run rewrites from scratch; the trading journal keeps it.
   */
  readonly fsync?: boolean;
  /** true: the rollback journal is kept in memory, not WAL (see openDatabase). For a backtest's journal, with fsync: false. */
  readonly journalInMemory?: boolean;
}

export interface SqliteJournal extends Journal {
  readonly db: Db;
  /**
   * Runs `fn` (sync or async) inside one SQLite transaction: every write it makes commits
   * together (rolled back if it throws), so a backtest pays one commit per batch instead of one
   * per row. For a single in-process writer only (backtests): other code that writes while
   * `fn` awaits joins the transaction. Writes inside still throw on failure, so fail-closed
   * holds within the batch (a row that cannot be written still stops its order), but the
   * durability unit is the batch: nothing is on disk until the commit, and a crash loses the
   * whole batch (a crashed backtest is re-run from scratch). The JSONL lines of the batch are
   * kept in memory and appended with one write just before the commit (dropped on rollback).
   * A HOLD's intent (no order follows it) is written in the same row write as its result, the
   * row being what INSERT then UPDATE would leave; getTrade, pendingIntents, ruleCounts and the
   * commit insert any such intent still waiting for its result first (raw reads of `db` inside a
   * batch may not see it yet). Every other intent is inserted at once, before its order.
   * Nested calls join the outer batch. Live and paper never batch: each write commits alone.
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
  const db = openDatabase(opts.dbPath, { ...(opts.fsync === false ? { fsync: false } : {}), ...(opts.journalInMemory === true ? { journalInMemory: true } : {}) });
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
    // The two writes of every decision bind by position (cheaper than by name: no object to build and read back per row).
    insertTrade: db.prepare(
      `INSERT INTO trades (id, cycle_id, symbol, as_of, brain, model_action, action, strategy, confidence, size_pct, rationale,
        price, equity, overrides, parse_fallback, cost_usd, logic_json, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // A HOLD's intent and result in one row write (in a batch only: see recordIntent).
    insertTradeWithResult: db.prepare(
      `INSERT INTO trades (id, cycle_id, symbol, as_of, brain, model_action, action, strategy, confidence, size_pct, rationale,
        price, equity, overrides, parse_fallback, cost_usd, logic_json, recorded_at,
        execute_status, client_order_id, order_id, qty, result_recorded_at, jsonl_written)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    setResult: db.prepare(
      `UPDATE trades SET execute_status = ?, client_order_id = ?, order_id = ?, qty = ?, logic_json = ?,
       result_recorded_at = ?, jsonl_written = ? WHERE id = ? AND execute_status IS NULL`,
    ),
    markJsonl: db.prepare('UPDATE trades SET jsonl_written = 1 WHERE id = ?'),
    insertUsage: db.prepare(
      `INSERT INTO llm_usage (cycle_id, trade_id, as_of, model, purpose, attempt, input_tokens, output_tokens,
        cache_creation_input_tokens, cache_read_input_tokens, latency_ms, cost_usd, recorded_at)
       VALUES (@cycle_id, @trade_id, @as_of, @model, @purpose, @attempt, @input_tokens, @output_tokens,
        @cache_creation_input_tokens, @cache_read_input_tokens, @latency_ms, @cost_usd, @recorded_at)`,
    ),
    unwritten: db.prepare('SELECT * FROM trades WHERE execute_status IS NOT NULL AND jsonl_written = 0 ORDER BY rowid'),
    getOrder: db.prepare(
      'SELECT status, filled_qty, filled_avg_price, commission, filled_at, updated_at, trade_id, cycle_id, exit_kind FROM orders WHERE id = ?',
    ),
    // An order is inserted once and updated after (its stored row read first: recordOrderTx).
    insertOrder: db.prepare(
      `INSERT INTO orders (id, client_order_id, parent_id, leg_kind, trade_id, cycle_id, exit_kind, symbol, side, type, order_class,
        time_in_force, qty, limit_price, stop_price, status, filled_qty, filled_avg_price, commission, submitted_at, filled_at, updated_at, recorded_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateOrder: db.prepare(
      `UPDATE orders SET status = ?, filled_qty = ?, filled_avg_price = ?, commission = ?, filled_at = ?, updated_at = ?,
        trade_id = COALESCE(trade_id, ?), cycle_id = COALESCE(cycle_id, ?), exit_kind = COALESCE(?, exit_kind)
       WHERE id = ?`,
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

  /** JSONL lines of the open batch (null outside a batch): written with one write before its commit. */
  let batchLines: string[] | null = null;
  /** One JSONL line: appended now, or at the batch's commit. */
  const emit = (obj: unknown) => {
    if (batchLines !== null) batchLines.push(JSON.stringify(obj));
    else jsonl.append(obj);
  };
  /** A row's JSONL line; outside a batch the row is marked written once the line is out (in a batch, setResult marked it). */
  const writeLine = (row: TradeRow, parts?: LineLogic) => {
    emit(jsonlLine(row, opts.mode, parts));
    if (batchLines === null) stmt.markJsonl.run(row.id);
  };
  /** jsonl_written as setResult stores it: in a batch the line is written with the batch, before its commit. */
  const writtenWithResult = () => (batchLines !== null ? 1 : 0);

  /**
   * Intents recorded by this process whose result is not in yet: the row as inserted, its
   * logic_json text and the parts of it the JSONL line needs, so recordResult neither reads the
   * row back nor parses and re-serializes its logic_json. Bounded; a miss takes the read path.
   */
  interface Pending {
    readonly row: TradeRow;
    readonly logicJson: string;
    readonly parts: LineLogic;
    /** A HOLD in a batch whose row is not inserted yet (written with its result, or by flushDeferred). */
    deferred: boolean;
  }
  const pending = new Map<string, Pending>();
  const PENDING_MAX = 256;

  /** A trades row's intent columns in insertTrade's order (insertTradeWithResult continues with the result's). */
  const intentArgs = (r: TradeRow, logicJson: string) =>
    [r.id, r.cycle_id, r.symbol, r.as_of, r.brain, r.model_action, r.action, r.strategy, r.confidence, r.size_pct, r.rationale, r.price, r.equity, r.overrides, r.parse_fallback, r.cost_usd, logicJson, r.recorded_at] as const;
  const insertIntent = (row: TradeRow) => stmt.insertTrade.run(...intentArgs(row, row.logic_json));
  /** Inserts the intent rows of deferred HOLDs, so that anything reading the table (or a commit) sees every intent recorded. */
  const flushDeferred = () => {
    for (const p of pending.values()) {
      if (!p.deferred) continue;
      p.deferred = false;
      insertIntent(p.row);
    }
  };

  // Repair: rows whose result was committed but whose JSONL line may not have been written (crash in between).
  const unwritten = stmt.unwritten.all() as TradeRow[];
  if (unwritten.length > 0) {
    jsonl.close();
    const seen = new Set(readJournal(opts.jsonlPath).map((l) => (l as { id?: unknown }).id));
    for (const row of unwritten) {
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

  interface StoredOrder {
    status: string;
    filled_qty: number;
    filled_avg_price: number | null;
    commission: number;
    filled_at: string | null;
    updated_at: string;
    trade_id: string | null;
    cycle_id: string | null;
    exit_kind: string | null;
  }
  /**
   * In a batch, the orders rows as last read (order sync re-reports every open order each session,
   * so most reads are of rows that did not change). Only this journal writes during its batch;
   * every write drops its row from the cache (the next read goes to the database), and the cache
   * goes with the batch (null outside one).
   */
  let orderCache: Map<string, StoredOrder> | null = null;
  const readOrder = (id: string): StoredOrder | undefined => {
    const cached = orderCache?.get(id);
    if (cached !== undefined) return cached;
    const r = stmt.getOrder.get(id) as StoredOrder | undefined;
    if (r !== undefined) orderCache?.set(id, r);
    return r;
  };

  /** Whether the upsert below would change nothing in the stored row (order sync re-reports every open order). */
  const unchanged = (b: StoredOrder, o: Order, meta: OrderMeta, filledAt: string | null, updatedAt: string) =>
    b.status === o.status &&
    b.filled_qty === o.filledQty &&
    b.filled_avg_price === o.filledAvgPrice &&
    b.commission === o.commission &&
    b.filled_at === filledAt &&
    b.updated_at === updatedAt &&
    (b.trade_id !== null || meta.tradeId === undefined) &&
    (b.cycle_id !== null || meta.cycleId === undefined) &&
    (meta.exitKind === undefined || meta.exitKind === b.exit_kind);

  /** `before`: the stored row when the caller read it already (undefined: read here; null: none). */
  const recordOrderTx = db.transaction((o: Order, meta: OrderMeta, known?: StoredOrder | null) => {
    const before = known === undefined ? readOrder(o.id) : (known ?? undefined);
    const filledAt = isoOrNull(o.filledAt);
    const updatedAt = iso(o.updatedAt);
    const tradeId = meta.tradeId ?? null;
    const cycleId = meta.cycleId ?? null;
    const exitKind = meta.exitKind ?? null;
    const same = before !== undefined && unchanged(before, o, meta, filledAt, updatedAt);
    if (!same) orderCache?.delete(o.id);
    if (!before) {
      stmt.insertOrder.run(
        o.id,
        o.clientOrderId,
        o.parentId,
        o.legKind,
        tradeId,
        cycleId,
        exitKind,
        o.symbol,
        o.side,
        o.type,
        o.orderClass,
        o.timeInForce,
        o.qty,
        o.limitPrice,
        o.stopPrice,
        o.status,
        o.filledQty,
        o.filledAvgPrice,
        o.commission,
        iso(o.submittedAt),
        filledAt,
        updatedAt,
        now(),
      );
    } else if (!same) {
      // What was the upsert's ON CONFLICT branch: ids and exit kind kept once known, recorded_at kept.
      stmt.updateOrder.run(o.status, o.filledQty, o.filledAvgPrice, o.commission, filledAt, updatedAt, tradeId, cycleId, exitKind, o.id);
    }
    if (!before || before.status !== o.status || before.filled_qty !== o.filledQty) {
      stmt.insertEvent.run(o.id, o.status, o.filledQty, o.filledAvgPrice, updatedAt, now());
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
        if (pending.get(id)?.deferred) flushDeferred();
        const row = stmt.getTrade.get(id) as TradeRow | undefined;
        if (!row) return null;
        const logic = JSON.parse(row.logic_json) as LogicJson;
        return { id: row.id, cycleId: row.cycle_id, symbol: row.symbol, action: row.action, final: logic.final, logic, execute: logic.execute ?? null };
      }),
    recordIntent: (e: DecisionEntry) =>
      wrap('recordIntent', () => {
        const logicJson = logicJsonText(e.logic);
        const row: TradeRow = {
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
          execute_status: null,
          client_order_id: null,
          order_id: null,
          qty: null,
          logic_json: logicJson,
          recorded_at: now(),
        };
        // In a batch nothing is on disk before the commit, so a HOLD (which sends no order) is
        // written in one row write with its result, as the same row INSERT then UPDATE would
        // leave it; anything that reads the table, and the commit, inserts it first. Every
        // other intent is inserted now, before its order can leave (fail closed).
        const defer = batchLines !== null && e.final.action === 'HOLD' && e.logic.execute === undefined;
        if (!defer) insertIntent(row);
        if (e.logic.execute === undefined) {
          pending.set(e.id, { row, logicJson, parts: lineLogicOf(e.logic), deferred: defer });
          if (pending.size > PENDING_MAX) {
            const oldest = pending.keys().next().value!;
            const o = pending.get(oldest)!;
            if (o.deferred) insertIntent(o.row);
            pending.delete(oldest);
          }
        }
      }),
    recordResult: (tradeId: string, exec: ExecuteBlock) =>
      wrap('recordResult', () => {
        const p = pending.get(tradeId);
        pending.delete(tradeId);
        const result = { status: exec.status, coid: exec.clientOrderId ?? null, oid: exec.orderId ?? null, qty: exec.qty ?? null };
        if (p !== undefined) {
          // The logic_json written at the intent plus the execute block: the same text as
          // JSON.stringify({ ...logic, execute }) when logic has no execute key yet.
          const execJson = JSON.stringify(exec);
          const logicJson = p.logicJson === '{}' ? `{"execute":${execJson}}` : `${p.logicJson.slice(0, -1)},"execute":${execJson}}`;
          const at = now();
          // A deferred HOLD is inserted whole; any other row still without a result is updated
          // (anything else falls through to the checks below).
          const written = writtenWithResult();
          let stored: boolean;
          if (p.deferred) {
            stmt.insertTradeWithResult.run(...intentArgs(p.row, logicJson), result.status, result.coid, result.oid, result.qty, at, written);
            stored = true;
          } else {
            stored = stmt.setResult.run(result.status, result.coid, result.oid, result.qty, logicJson, at, written, tradeId).changes === 1;
          }
          if (stored) {
            writeLine({ ...p.row, execute_status: exec.status, client_order_id: result.coid, order_id: result.oid, qty: result.qty, logic_json: logicJson, recorded_at: at }, { ...p.parts, execute: exec });
            return;
          }
        }
        const row = stmt.getTrade.get(tradeId) as TradeRow | undefined;
        if (!row) throw new JournalError(`recordResult: no trade row ${tradeId}`);
        if (row.execute_status !== null) throw new JournalError(`recordResult: trade ${tradeId} already has a result`);
        const logic = { ...(JSON.parse(row.logic_json) as LogicJson), execute: exec };
        const logicJson = JSON.stringify(logic);
        stmt.setResult.run(result.status, result.coid, result.oid, result.qty, logicJson, now(), writtenWithResult(), tradeId);
        writeLine({ ...row, execute_status: exec.status, client_order_id: result.coid, order_id: result.oid, qty: result.qty, logic_json: logicJson, recorded_at: now() }, lineLogicOf(logic));
      }),
    recordUsage: (cycleId: string, tradeId: string | null, asOf: number, usage: readonly LlmUsage[]) =>
      wrap('recordUsage', () => {
        if (usage.length > 0) recordUsageTx(cycleId, tradeId, asOf, usage);
      }),
    recordOrder: (order: Order, meta: OrderMeta) =>
      wrap('recordOrder', () => {
        try {
          // Order sync reports every open order each time: an unchanged one without legs needs no write (nor a savepoint).
          if (order.legs.length === 0) {
            const before = readOrder(order.id);
            if (before && unchanged(before, order, meta, isoOrNull(order.filledAt), iso(order.updatedAt))) return;
            recordOrderTx(order, meta, before ?? null);
            return;
          }
          recordOrderTx(order, meta);
        } catch (e) {
          orderCache?.clear(); // a write rolled back: read every row afresh
          throw e;
        }
      }),
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
      wrap('pendingIntents', () => {
        flushDeferred();
        return (stmt.pendingIntents.all() as { id: string; cycle_id: string; symbol: string; action: PendingIntent['action']; as_of: string }[]).map((r) => ({
          tradeId: r.id,
          cycleId: r.cycle_id,
          symbol: r.symbol,
          action: r.action,
          asOf: Date.parse(r.as_of),
        }));
      }),
    recordReconcile: (r: ReconcileRecord) =>
      wrap('recordReconcile', () => {
        const at = iso(r.at);
        const recordedAt = now();
        const info = stmt.insertReconcile.run(at, opts.mode, r.status, JSON.stringify({ ...r.report, exits: r.exits }), r.error ?? null, recordedAt);
        emit({ id: `reconcile:${String(info.lastInsertRowid)}`, type: 'reconcile', mode: opts.mode, as_of: at, status: r.status, ...r.report, exits: r.exits.length, ...(r.error ? { error: r.error } : {}), recorded_at: recordedAt });
        for (const x of r.exits) {
          emit({
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
      wrap('ruleCounts', () => {
        flushDeferred();
        return stmt.ruleCounts.all(iso(from), iso(to)) as RuleCount[];
      }),
    loadSimState: () =>
      wrap('loadSimState', () => {
        const r = stmt.getSim.get() as { state_json: string } | undefined;
        return r ? (JSON.parse(r.state_json) as unknown) : null;
      }),
    saveSimState: (state: unknown) => wrap('saveSimState', () => void stmt.setSim.run(JSON.stringify(state), now())),
    batch: async <T>(fn: () => T | Promise<T>): Promise<T> => {
      if (db.inTransaction) return await fn();
      wrap('batch begin', () => db.exec('BEGIN'));
      batchLines = [];
      orderCache = new Map();
      try {
        const r = await fn();
        // The batch's JSONL lines go out before the commit: a crash in between leaves lines
        // whose rows are not committed (the batch is lost; a re-run rewrites both), never
        // committed rows marked written whose lines are missing.
        wrap('batch flush', flushDeferred);
        const lines = batchLines;
        batchLines = null;
        orderCache = null;
        wrap('batch jsonl', () => jsonl.appendLines(lines));
        wrap('batch commit', () => db.exec('COMMIT'));
        return r;
      } catch (e) {
        batchLines = null;
        orderCache = null;
        pending.clear();
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
