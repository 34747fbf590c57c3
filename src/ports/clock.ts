import type { Session } from '../domain/market.js';

/** The only source of "now" for core code. Adapters: system clock, sim clock. */
export interface Clock {
  now(): number;
}

/** Exchange sessions. Adapters: built-in NYSE rules, alpaca (/v2/calendar, cached). */
export interface Calendar {
  /** Sessions whose New York date falls in [fromDate, toDate], inclusive, in order. Dates are YYYY-MM-DD. */
  sessions(fromDate: string, toDate: string): Promise<readonly Session[]>;
}
