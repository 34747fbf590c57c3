/**
 * The journal's read side for one New York day, as the EOD digest needs it. Instants are
 * epoch ms, [from, to) half-open. Adapter: SQLite (src/journal/day-queries.ts).
 */

export interface DayCycle {
  readonly id: string;
  readonly asOf: number;
  readonly status: string;
  readonly equity: number | null;
  readonly ordersSubmitted: number;
  /** 'decision' for decision cycles; automation runs journaled as cycle rows say what they are (e.g. 'position-health'). */
  readonly kind: string;
}

export interface DayTrade {
  readonly id: string;
  readonly cycleId: string;
  readonly symbol: string;
  readonly asOf: number;
  readonly modelAction: string;
  readonly action: string;
  readonly strategy: string;
  readonly confidence: number;
  readonly sizePct: number;
  /** Model-written: untrusted text. */
  readonly rationale: string;
  readonly price: number | null;
  readonly equity: number | null;
  /** Equity minus the day's P&L as the snapshot saw it: the previous close. Null when unknown. */
  readonly startEquity: number | null;
  readonly overrides: readonly { readonly rule: string; readonly effect: string; readonly detail: string }[];
  readonly parseFallback: boolean;
  readonly costUsd: number;
  readonly executeStatus: string | null;
  readonly executeDetail: string | null;
  readonly qty: number | null;
}

export interface DayFill {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number | null;
  readonly filledAt: number;
  /** bracket_stop, bracket_take_profit, model_sell, trail_giveback, emergency_flatten, ... or null for entries. */
  readonly exitKind: string | null;
  readonly tradeId: string | null;
  readonly commission: number;
}

export interface DayUsage {
  readonly calls: number;
  readonly costUsd: number;
  readonly byPurpose: Readonly<Record<string, number>>;
}

export interface DayJournal {
  cycles(from: number, to: number): readonly DayCycle[];
  trades(from: number, to: number): readonly DayTrade[];
  fills(from: number, to: number): readonly DayFill[];
  usage(from: number, to: number): DayUsage;
}
