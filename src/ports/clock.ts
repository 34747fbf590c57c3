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

/**
 * One-shot timers on a clock's time line. Adapters: system (setTimeout against the system
 * clock), virtual (a simulated clock moved forward in accelerated time by the driver).
 */
export interface Timers {
  /** Calls `fn` once when the clock reaches `at` (epoch ms; a past `at` fires as soon as possible). Returns a cancel function. */
  at(at: number, fn: () => void): () => void;
}
