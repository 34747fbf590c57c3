/**
 * Backtest performance figures, pure over an equity curve and the fills. Conventions:
 * - Returns are simple, close to close, from the curve's points (the first point is the
 *   starting equity before the first session's close). Annualisation uses 252 sessions a year;
 *   CAGR uses calendar time (365.25 days a year) between the first and the last point.
 * - Sharpe: mean / sample standard deviation of the per-session returns x sqrt(252), risk-free
 *   rate 0. Sortino: mean / downside deviation (root mean square of min(r, 0) over all
 *   sessions) x sqrt(252). Both null when undefined (fewer than two returns, no variation).
 * - Max drawdown: largest peak-to-trough fall of the curve as a fraction of the peak. Calmar:
 *   CAGR / max drawdown (null without a drawdown).
 * - Trades are round trips, matched FIFO per symbol; P&L is net of both sides' commissions.
 *   Win rate = winners / round trips; profit factor = gross wins / gross losses (null without
 *   losses).
 * - Exposure: the share of sessions that closed with any position; average exposure: the mean of
 *   gross position value / equity at the closes. Turnover: traded notional (both sides) / mean
 *   equity, per year.
 * Figures are rounded (ratios to 6 decimals, money to cents) so the JSON is stable and readable.
 */

import { matchFifo } from '../core/round-trips.js';

export interface EquityPoint {
  /** YYYY-MM-DD (New York) of the session whose close this is, or of the start. */
  readonly date: string;
  /** Epoch ms of the mark. */
  readonly t: number;
  readonly equity: number;
  readonly cash: number;
  /** Gross market value of the positions held at the mark. */
  readonly positionsValue: number;
}

export interface BacktestFill {
  readonly orderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly price: number;
  /** Epoch ms. */
  readonly at: number;
  readonly commission: number;
  /** entry, model_sell, bracket_stop, bracket_take_profit, trail_giveback, ... */
  readonly kind: string;
}

export interface RoundTrip {
  readonly symbol: string;
  readonly qty: number;
  readonly entryAt: number;
  readonly entryPrice: number;
  readonly exitAt: number;
  readonly exitPrice: number;
  readonly exitKind: string;
  /** Commissions of both sides attributed to these shares. */
  readonly fees: number;
  readonly pnl: number;
  /** pnl / (qty x entry price). */
  readonly ret: number;
}

export interface PerformanceFigures {
  readonly start_equity: number;
  readonly end_equity: number;
  readonly total_return: number;
  readonly cagr: number | null;
  readonly volatility: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly max_drawdown: number;
  readonly max_drawdown_peak: string | null;
  readonly max_drawdown_trough: string | null;
  readonly calmar: number | null;
  readonly exposure: number;
  readonly avg_exposure: number;
  readonly trades: number;
  readonly win_rate: number | null;
  readonly profit_factor: number | null;
  readonly avg_trade_return: number | null;
  readonly turnover: number;
  readonly fees: number;
}

const YEAR_MS = 365.25 * 86_400_000;
const r6 = (x: number) => Math.round(x * 1e6) / 1e6;
const cents = (x: number) => Math.round(x * 100) / 100;
const r6n = (x: number | null) => (x === null || !Number.isFinite(x) ? null : r6(x));

/** FIFO round trips per symbol (core/round-trips.ts). Fills must be in time order (ties in the order given). */
export function matchRoundTrips(fills: readonly BacktestFill[]): RoundTrip[] {
  return matchFifo(fills).trips.map((t) => ({
    symbol: t.symbol,
    qty: t.qty,
    entryAt: t.entry.at,
    entryPrice: t.entry.price,
    exitAt: t.exit.at,
    exitPrice: t.exit.price,
    exitKind: t.exit.kind,
    fees: cents(t.fees),
    pnl: cents(t.pnl),
    ret: r6(t.pnl / (t.qty * t.entry.price)),
  }));
}

export function periodReturns(curve: readonly EquityPoint[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < curve.length; i++) {
    const a = curve[i - 1]!.equity;
    out.push(a > 0 ? curve[i]!.equity / a - 1 : 0);
  }
  return out;
}

/** Drawdown (fraction below the running peak, >= 0) at every point. */
export function drawdowns(curve: readonly EquityPoint[]): number[] {
  let peak = -Infinity;
  return curve.map((p) => {
    if (p.equity > peak) peak = p.equity;
    return peak > 0 ? 1 - p.equity / peak : 0;
  });
}

function maxDrawdown(curve: readonly EquityPoint[]): { dd: number; peak: string | null; trough: string | null } {
  let peak = -Infinity;
  let peakDate: string | null = null;
  let best = { dd: 0, peak: null as string | null, trough: null as string | null };
  for (const p of curve) {
    if (p.equity > peak) {
      peak = p.equity;
      peakDate = p.date;
    }
    const dd = peak > 0 ? 1 - p.equity / peak : 0;
    if (dd > best.dd) best = { dd, peak: peakDate, trough: p.date };
  }
  return best;
}

export function performance(curve: readonly EquityPoint[], fills: readonly BacktestFill[]): PerformanceFigures {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (!first || !last) throw new RangeError('performance: empty equity curve');
  const rets = periodReturns(curve);
  const n = rets.length;
  const mean = n > 0 ? rets.reduce((a, b) => a + b, 0) / n : 0;
  const sd = n > 1 ? Math.sqrt(rets.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  const down = n > 0 ? Math.sqrt(rets.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / n) : 0;
  const years = (last.t - first.t) / YEAR_MS;
  const total = first.equity > 0 ? last.equity / first.equity - 1 : 0;
  const cagr = years > 0 && first.equity > 0 && last.equity > 0 ? (last.equity / first.equity) ** (1 / years) - 1 : null;
  const mdd = maxDrawdown(curve);
  const marks = curve.slice(1);
  const exposed = marks.filter((p) => p.positionsValue > 0).length;
  const avgExposure = marks.length > 0 ? marks.reduce((a, p) => a + (p.equity > 0 ? p.positionsValue / p.equity : 0), 0) / marks.length : 0;
  const meanEquity = curve.reduce((a, p) => a + p.equity, 0) / curve.length;
  const notional = fills.reduce((a, f) => a + f.qty * f.price, 0);
  const trips = matchRoundTrips(fills);
  const wins = trips.filter((t) => t.pnl > 0);
  const grossWin = wins.reduce((a, t) => a + t.pnl, 0);
  const grossLoss = trips.filter((t) => t.pnl < 0).reduce((a, t) => a - t.pnl, 0);
  return {
    start_equity: cents(first.equity),
    end_equity: cents(last.equity),
    total_return: r6(total),
    cagr: r6n(cagr),
    volatility: n > 1 ? r6(sd * Math.sqrt(252)) : null,
    sharpe: sd > 0 ? r6((mean / sd) * Math.sqrt(252)) : null,
    sortino: down > 0 ? r6((mean / down) * Math.sqrt(252)) : null,
    max_drawdown: r6(mdd.dd),
    max_drawdown_peak: mdd.peak,
    max_drawdown_trough: mdd.trough,
    calmar: cagr !== null && mdd.dd > 0 ? r6(cagr / mdd.dd) : null,
    exposure: marks.length > 0 ? r6(exposed / marks.length) : 0,
    avg_exposure: r6(avgExposure),
    trades: trips.length,
    win_rate: trips.length > 0 ? r6(wins.length / trips.length) : null,
    profit_factor: grossLoss > 0 ? r6(grossWin / grossLoss) : null,
    avg_trade_return: trips.length > 0 ? r6(trips.reduce((a, t) => a + t.ret, 0) / trips.length) : null,
    turnover: meanEquity > 0 && years > 0 ? r6(notional / meanEquity / years) : 0,
    fees: cents(fills.reduce((a, f) => a + f.commission, 0)),
  };
}
