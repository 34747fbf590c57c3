/**
 * The architecture as a Mermaid flowchart for /flow. Solid arrows are data/control flow
 * within one cycle or one job run; dashed arrows are reads of history (the journal read by
 * the weekly review, feedback read by the brain, ...). The source is static text written
 * here, rendered by Mermaid in the browser with securityLevel "strict".
 */
export const FLOW_DIAGRAM = `flowchart TB
  sched(["Scheduler: cron in market hours"]) --> regime
  subgraph cycle ["One decision cycle"]
    direction TB
    regime["Regime verdict<br/>(once per cycle, TTL cache)"] --> watchlist["Watchlist<br/>(static + held + screener)"]
    watchlist --> snapshot["Snapshot per symbol<br/>bars, indicators, quote, account, data quality"]
    snapshot --> decide["Brain decides<br/>(one JSON decision, safe HOLD on failure)"]
    decide --> risk["Risk policy<br/>(tier 1, tier 2; every override names its rule)"]
    risk --> intent["Journal intent<br/>(committed before any order)"]
    intent --> execute["Execute<br/>(bracket BUY / market SELL, idempotent id)"]
    execute --> result["Journal result<br/>(row + JSONL line)"]
  end
  market[("Market data")] --> snapshot
  market --> regime
  broker[("Broker")] --> snapshot
  execute --> broker
  result --> journal[("Journal: SQLite WAL + JSONL")]
  intent --> journal
  subgraph jobs ["Background jobs"]
    direction TB
    health["Position health<br/>(every few minutes in RTH)"]
    eod["EOD digest<br/>(after the close)"]
    weekly["Weekly review<br/>(Sunday)"]
  end
  broker --> health
  health --> broker
  health --> journal
  journal -.-> eod
  eod --> reports[("reports/")]
  journal -.-> weekly
  weekly --> reports
  weekly --> feedback["Feedback bullets"]
  feedback -.-> decide
  journal -.-> viewer["Read-only viewer"]
  reports -.-> viewer
`;

export interface FlowStage {
  readonly name: string;
  readonly text: string;
}

export const FLOW_STAGES: readonly FlowStage[] = [
  { name: 'Scheduler', text: 'Runs a cycle on a schedule during regular trading hours; outside them a cycle is a no-op. The same cycle runs live, on Alpaca paper, on the embedded simulator and in backtests: only the composition root picks the adapters.' },
  { name: 'Regime', text: 'Once per cycle the brain gives a market verdict (bullish, bearish or neutral, with a conviction) from benchmark bars. It is cached with a TTL; if it fails the cycle continues with a neutral fallback.' },
  { name: 'Watchlist', text: 'The symbols to look at: the configured static list, every symbol currently held, and later screener and hedge candidates chosen by the regime.' },
  { name: 'Snapshot', text: 'For each symbol, with bounded concurrency: daily bars and indicators, the live quote, account and position, and a data-quality block. Missing critical data forces a HOLD in the risk code, not only in the prompt.' },
  { name: 'Decision', text: 'The brain (Claude, or the deterministic rules brain without a key) returns exactly one JSON decision: action, strategy, confidence, size, stop, target, rationale. API errors or unusable output become a journaled safe HOLD.' },
  { name: 'Risk', text: 'Tier 1 and tier 2 rules check and adjust the decision: confidence floor, size clamp, buys per cycle, daily-loss halt, allow/deny lists. Every change is recorded as an override naming its rule.' },
  { name: 'Journal intent', text: 'The decision row is committed to SQLite before any order leaves. If the journal cannot be written, no order is sent (fail closed).' },
  { name: 'Execute', text: 'A bracket BUY or a market SELL with a deterministic client order id from (cycle, symbol, intent), so a retry or restart can never duplicate an order. Prices are rounded to valid ticks.' },
  { name: 'Journal result', text: 'The order outcome is written on the same row, and one JSONL line per decision (HOLDs included) is appended for grep and tail -f.' },
  { name: 'Position health', text: 'Every few minutes in market hours: checks open positions against their brackets and trailing rules, and journals what it did.' },
  { name: 'EOD digest', text: 'After the close: the day in one page (equity, fills, decisions, overrides, cost) under reports/eod, and each decision scored against SPY for the scoreboard.' },
  { name: 'Weekly review', text: 'On Sunday: reads the week from the journal (dashed arrow), writes a markdown review and feedback bullets; the feedback is read by the brain in later cycles (dashed arrow).' },
  { name: 'Viewer', text: 'This site. It opens the journal read-only, reads reports from disk and asks the broker for live positions; it cannot change anything.' },
];
