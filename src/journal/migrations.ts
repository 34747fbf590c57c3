/**
 * Numbered schema migrations, applied in order at start. Never edit a shipped migration:
 * add a new one. Rows that record what happened are append-only (order_events);
 * trades get their execute columns filled exactly once. Wall-clock columns are the ones
 * named *recorded_at (and timing_json); everything else is a function of market time and
 * inputs, so a replay with the same inputs writes the same values.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
CREATE TABLE cycles (
  id TEXT PRIMARY KEY,
  mode TEXT NOT NULL,
  brain TEXT NOT NULL,
  as_of TEXT NOT NULL,
  status TEXT NOT NULL,
  runs INTEGER NOT NULL DEFAULT 1,
  equity REAL,
  regime_json TEXT,
  watchlist_json TEXT,
  summary_json TEXT,
  timing_json TEXT,
  recorded_at TEXT NOT NULL,
  finished_recorded_at TEXT
);
CREATE INDEX cycles_as_of ON cycles (as_of);

CREATE TABLE trades (
  id TEXT PRIMARY KEY,
  cycle_id TEXT NOT NULL REFERENCES cycles (id),
  symbol TEXT NOT NULL,
  as_of TEXT NOT NULL,
  brain TEXT NOT NULL,
  model_action TEXT NOT NULL,
  action TEXT NOT NULL,
  strategy TEXT NOT NULL,
  confidence REAL NOT NULL,
  size_pct REAL NOT NULL,
  rationale TEXT NOT NULL,
  price REAL,
  equity REAL,
  overrides TEXT NOT NULL,
  parse_fallback INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  execute_status TEXT,
  client_order_id TEXT,
  order_id TEXT,
  qty INTEGER,
  logic_json TEXT NOT NULL,
  jsonl_written INTEGER NOT NULL DEFAULT 0,
  recorded_at TEXT NOT NULL,
  result_recorded_at TEXT
);
CREATE INDEX trades_cycle ON trades (cycle_id);
CREATE INDEX trades_symbol_as_of ON trades (symbol, as_of);
CREATE INDEX trades_action_as_of ON trades (action, as_of);

CREATE TABLE orders (
  id TEXT PRIMARY KEY,
  client_order_id TEXT NOT NULL,
  parent_id TEXT,
  leg_kind TEXT,
  trade_id TEXT,
  cycle_id TEXT,
  exit_kind TEXT,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  type TEXT NOT NULL,
  order_class TEXT NOT NULL,
  time_in_force TEXT NOT NULL,
  qty REAL NOT NULL,
  limit_price REAL,
  stop_price REAL,
  status TEXT NOT NULL,
  filled_qty REAL NOT NULL,
  filled_avg_price REAL,
  commission REAL NOT NULL DEFAULT 0,
  submitted_at TEXT NOT NULL,
  filled_at TEXT,
  updated_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE UNIQUE INDEX orders_client_order_id ON orders (client_order_id);
CREATE INDEX orders_symbol ON orders (symbol, submitted_at);

CREATE TABLE order_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL,
  status TEXT NOT NULL,
  filled_qty REAL NOT NULL,
  filled_avg_price REAL,
  at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX order_events_order ON order_events (order_id);

CREATE TABLE risk_state (
  key TEXT PRIMARY KEY,
  value_json TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);

CREATE TABLE sim_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  state_json TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'llm usage',
    sql: `
CREATE TABLE llm_usage (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  cycle_id TEXT NOT NULL,
  trade_id TEXT,
  as_of TEXT NOT NULL,
  model TEXT NOT NULL,
  purpose TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cache_creation_input_tokens INTEGER NOT NULL,
  cache_read_input_tokens INTEGER NOT NULL,
  latency_ms INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX llm_usage_cycle ON llm_usage (cycle_id);
CREATE INDEX llm_usage_as_of ON llm_usage (as_of);
`,
  },
  {
    version: 5,
    name: 'eod digest read indexes',
    sql: `
-- The EOD digest reads one New York day of decisions and of filled orders.
CREATE INDEX IF NOT EXISTS trades_as_of ON trades (as_of);
CREATE INDEX IF NOT EXISTS orders_filled_at ON orders (filled_at) WHERE status = 'filled';
`,
  },
  {
    version: 3,
    name: 'alpaca calendar cache and reconciliation runs',
    sql: `
CREATE TABLE calendar_days (
  date TEXT PRIMARY KEY,
  open_at TEXT NOT NULL,
  close_at TEXT NOT NULL,
  early INTEGER NOT NULL,
  recorded_at TEXT NOT NULL
);

CREATE TABLE calendar_fetches (
  year INTEGER PRIMARY KEY,
  fetched_on TEXT NOT NULL,
  days INTEGER NOT NULL,
  recorded_at TEXT NOT NULL
);

CREATE TABLE reconcile_runs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  mode TEXT NOT NULL,
  status TEXT NOT NULL,
  report_json TEXT NOT NULL,
  error TEXT,
  recorded_at TEXT NOT NULL
);
CREATE INDEX reconcile_runs_at ON reconcile_runs (at);
`,
  },
  {
    version: 4,
    name: 'position trail state',
    sql: `
-- Per-symbol trail giveback state while a position is held (position-health job).
-- Mutable state, not history: the exits themselves are trades and orders rows.
CREATE TABLE position_trail_state (
  symbol TEXT PRIMARY KEY,
  qty REAL NOT NULL,
  avg_entry_price REAL NOT NULL,
  peak_unrealized_pl REAL NOT NULL,
  peak_at TEXT NOT NULL,
  activated INTEGER NOT NULL DEFAULT 0,
  opened_at TEXT NOT NULL,
  session_date TEXT NOT NULL,
  exit_client_order_id TEXT,
  updated_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
`,
  },
  {
    version: 6,
    name: 'bars cache for backtests',
    sql: `
-- Historical bars fetched once (npm run fetch-bars) and replayed offline by npm run backtest.
-- Times are epoch ms (UTC): t = bar start, end_t = bar end (a daily bar ends at its session close).
CREATE TABLE bars_cache (
  symbol TEXT NOT NULL,
  timeframe TEXT NOT NULL,
  t INTEGER NOT NULL,
  end_t INTEGER NOT NULL,
  o REAL NOT NULL,
  h REAL NOT NULL,
  l REAL NOT NULL,
  c REAL NOT NULL,
  v REAL NOT NULL,
  PRIMARY KEY (symbol, timeframe, t)
) WITHOUT ROWID;

-- What was fetched: a range with no bars in it is known to be empty, not missing.
CREATE TABLE bars_cache_ranges (
  symbol TEXT NOT NULL,
  timeframe TEXT NOT NULL,
  from_date TEXT NOT NULL,
  to_date TEXT NOT NULL,
  bars INTEGER NOT NULL,
  source TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (symbol, timeframe, from_date, to_date)
);
`,
  },
  {
    version: 8,
    name: 'scoreboard: decision outcomes and benchmark closes',
    sql: `
-- Forward returns of every decision at 1/5/20 sessions vs SPY (the outcomes job, after each close).
-- Written once per (trade, horizon): recomputing a day changes nothing.
CREATE TABLE decision_outcomes (
  trade_id TEXT NOT NULL,
  horizon_days INTEGER NOT NULL,
  symbol TEXT NOT NULL,
  action TEXT NOT NULL,
  strategy TEXT NOT NULL,
  confidence REAL NOT NULL,
  brain TEXT NOT NULL,
  as_of TEXT NOT NULL,
  decision_price REAL NOT NULL,
  exit_price REAL NOT NULL,
  ret REAL NOT NULL,
  spy_ret REAL NOT NULL,
  excess REAL NOT NULL,
  computed_for_date TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (trade_id, horizon_days)
);
CREATE INDEX decision_outcomes_as_of ON decision_outcomes (as_of);

-- SPY's close and the account's equity at each session close (equity vs SPY on the scoreboard).
CREATE TABLE benchmark_closes (
  date TEXT PRIMARY KEY,
  spy_close REAL,
  equity_close REAL,
  recorded_at TEXT NOT NULL
);
`,
  },
  {
    version: 7,
    name: 'viewer read indexes',
    sql: `
-- Equity curve on the viewer's front page: a covering scan instead of reading every cycle row.
CREATE INDEX IF NOT EXISTS cycles_as_of_equity ON cycles (as_of, equity);
-- Cycle list filtered by action and/or symbol: EXISTS probes answered from the index alone.
CREATE INDEX IF NOT EXISTS trades_cycle_action_symbol ON trades (cycle_id, action, symbol);
-- /api/trades?symbol=&action=: newest first without scanning the symbol's other actions.
CREATE INDEX IF NOT EXISTS trades_symbol_action_as_of ON trades (symbol, action, as_of);
`,
  },
];
