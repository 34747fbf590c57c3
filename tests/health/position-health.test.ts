import { describe, expect, it } from 'vitest';
import { RISK_KEYS, type HaltState, type SessionState } from '../../src/core/risk/state.js';
import { JournalError } from '../../src/domain/errors.js';
import { runPositionHealth, type PositionHealthResult } from '../../src/jobs/position-health.js';
import { countingBroker } from '../helpers/world.js';
import { HALF_HOURS, healthWorld, ramp, type HealthWorld } from './world.js';

/** Runs the job every half hour from `from` on day `d0` through the end of day `d1`. */
async function sweep(w: HealthWorld, d0: number, d1: number, from = '09:30'): Promise<PositionHealthResult[]> {
  const out: PositionHealthResult[] = [];
  for (let d = d0; d <= d1; d++) for (const hh of HALF_HOURS) if (d > d0 || hh >= from) out.push(await w.run(d, hh));
  return out;
}

function exitRows(w: HealthWorld) {
  return w.journal.db.prepare("SELECT id, cycle_id, symbol, action, strategy, brain, rationale, execute_status, client_order_id, logic_json FROM trades WHERE brain = 'position-health' ORDER BY as_of").all() as {
    id: string;
    cycle_id: string;
    symbol: string;
    action: string;
    strategy: string;
    brain: string;
    rationale: string;
    execute_status: string;
    client_order_id: string;
    logic_json: string;
  }[];
}

// Day 0: 100 until 10:00, up to 104 at 15:00. Day 1: 104 -> 106 at 11:00, then down to 102 at the close. Day 2: flat 102.
const GIVEBACK_PATH = (d: number, m: number) => (d === 0 ? ramp(m, 30, 100, 330, 104) : d === 1 ? (m <= 90 ? ramp(m, 0, 104, 90, 106) : ramp(m, 90, 106, 390, 102)) : 102);

describe('position health: trail giveback over a scripted price path', () => {
  it('tracks the peak across days and exits once, and only once, when 40% of it is given back', async () => {
    let counting: ReturnType<typeof countingBroker> | undefined;
    const w = healthWorld({ path: GIVEBACK_PATH, days: 3, wrapBroker: (b) => (counting = countingBroker(b)) });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100);
    const submitsBefore = counting!.submits;

    const day0 = await sweep(w, 0, 0, '10:00');
    expect(day0.every((r) => r.exits.length === 0)).toBe(true);
    const eod0 = day0[day0.length - 1]!.positions[0]!;
    expect(eod0).toMatchObject({ symbol: 'AAPL', qty: 100, avg_entry: 100, armed: true, peak_pl: 400 });
    expect(eod0.peak_at.slice(0, 10)).toBe('2026-11-18');
    const opened = eod0.opened_at;

    // Day 1, first run (at the open it still sees yesterday's close): the peak carried over from day 0 (multi-day trail).
    const first1 = await w.run(1, '09:30');
    expect(first1.positions[0]).toMatchObject({ peak_pl: 400, opened_at: opened });
    const day1 = await sweep(w, 1, 1, '10:00');
    const withExit = day1.filter((r) => r.exits.length > 0);
    expect(withExit).toHaveLength(1);
    const exitRun = withExit[0]!;
    expect(exitRun.asOf).toBe(new Date(w.at(1, '14:30')).toISOString());
    expect(exitRun.exits[0]).toMatchObject({ symbol: 'AAPL', exitKind: 'trail_giveback', status: 'submitted', qty: 100 });
    expect(exitRun.exits[0]!.clientOrderId).toMatch(/^lt-h\d{8}T\d{4}Z-AAPL-trail$/);
    // The run before did not exit: 39.8% given back at 14:00.
    const before = day1.find((r) => r.asOf === new Date(w.at(1, '14:00')).toISOString())!;
    expect(before.positions[0]!.giveback_pct).toBeGreaterThan(0.39);
    expect(before.positions[0]!.giveback_pct).toBeLessThan(0.4);
    expect(before.positions[0]!.peak_pl).toBe(598); // sampled at 11:00: the 10:59 bar closed at 105.98

    await sweep(w, 2, 2);
    expect(counting!.submits - submitsBefore).toBe(1);
    expect(await w.broker.getPositions()).toEqual([]);
    expect(w.journal.listTrailStates()).toEqual([]);

    // Journaled as a trades row with the automation rationale and exit kind; the bracket legs were canceled.
    const rows = exitRows(w);
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect(r).toMatchObject({ symbol: 'AAPL', action: 'SELL', strategy: 'trail_giveback', execute_status: 'submitted' });
    expect(r.rationale).toMatch(/^automation: trail giveback exit\. Peak unrealized P&L \$598\.00/);
    const logic = JSON.parse(r.logic_json);
    expect(logic.automation).toEqual({ job: 'position-health', exit_kind: 'trail_giveback', run_id: r.cycle_id });
    expect(logic.execute.canceledLegs).toHaveLength(2);
    const orders = w.journal.db.prepare("SELECT exit_kind, status, trade_id FROM orders WHERE client_order_id = ?").get(r.client_order_id) as Record<string, string>;
    expect(orders).toEqual({ exit_kind: 'trail_giveback', status: 'filled', trade_id: r.id });
    const legs = w.journal.db.prepare("SELECT status FROM orders WHERE leg_kind IS NOT NULL").all() as { status: string }[];
    expect(legs.map((l) => l.status)).toEqual(['canceled', 'canceled']);
    const cyc = w.journal.db.prepare('SELECT brain, status FROM cycles WHERE id = ?').get(r.cycle_id);
    expect(cyc).toEqual({ brain: 'position-health', status: 'ok' });
  });

  // Day 0: up to 105 (peak +$500). Day 1: flat at 102.8 (+$280: 44% given back from the carried peak).
  // A run at 09:30 sharp still sees yesterday's close (no bar of the day has closed yet): day 1 is observed from 10:00.
  const OVERNIGHT = (d: number, m: number) => (d === 0 ? ramp(m, 30, 100, 330, 105) : 102.8);

  it('multi-day (default): the giveback from yesterday\'s peak exits at the first run of the next day', async () => {
    const w = healthWorld({ path: OVERNIGHT, days: 2 });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100);
    await sweep(w, 0, 0, '10:00');
    const r = await w.run(1, '10:00');
    expect(r.exits.map((x) => x.exitKind)).toEqual(['trail_giveback']);
    expect(exitRows(w)[0]!.rationale).toMatch(/Peak unrealized P&L \$500\.00 \(5\.0% of cost\) at 2026-11-19T.*now \$280\.00: gave back 44\.0%/);
  });

  it('TRAIL_RESET_DAILY: each session starts a fresh peak, so the same path does not exit', async () => {
    const w = healthWorld({ path: OVERNIGHT, days: 2, trail: { resetDaily: true } });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100);
    await sweep(w, 0, 0, '10:00');
    const day1 = await sweep(w, 1, 1, '10:00');
    expect(day1.flatMap((r) => r.exits)).toEqual([]);
    expect(day1[0]!.positions[0]).toMatchObject({ peak_pl: 280, armed: true, giveback_pct: 0 });
  });

  it('an unarmed trail never exits, however much is given back', async () => {
    // +1.5% peak (below the 2% activation), then back to a loss.
    const w = healthWorld({ path: (d, m) => (d === 0 ? ramp(m, 30, 100, 200, 101.5) : 99.5), days: 2 });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100);
    const all = await sweep(w, 0, 1, '10:00');
    expect(all.flatMap((r) => r.exits)).toEqual([]);
    expect(all[all.length - 1]!.positions[0]).toMatchObject({ armed: false, peak_pl: 150 });
  });

  it('re-running the same minute adopts the exit, never sends a second order', async () => {
    let counting: ReturnType<typeof countingBroker> | undefined;
    const w = healthWorld({ path: OVERNIGHT, days: 2, wrapBroker: (b) => (counting = countingBroker(b)) });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100);
    await sweep(w, 0, 0, '10:00');
    const n0 = counting!.submits;
    const t = w.at(1, '10:00');
    w.clock.set(t);
    const a = await runPositionHealth(w.deps, t);
    const b = await runPositionHealth(w.deps, t);
    expect(a.exits).toHaveLength(1);
    expect(b.exits).toHaveLength(0);
    expect(counting!.submits - n0).toBe(1);
    expect(exitRows(w)).toHaveLength(1);
  });

  it('fails closed: when the exit intent cannot be journaled, no order is sent', async () => {
    let counting: ReturnType<typeof countingBroker> | undefined;
    const w = healthWorld({
      path: OVERNIGHT,
      days: 2,
      wrapBroker: (b) => (counting = countingBroker(b)),
      wrapJournal: (j) => ({
        ...j,
        recordIntent: () => {
          throw new JournalError('disk full');
        },
      }),
    });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100);
    await sweep(w, 0, 0, '10:00');
    const n0 = counting!.submits;
    const r = await w.run(1, '10:00');
    expect(r.status).toBe('failed');
    expect(r.errors[0]).toMatch(/disk full/);
    expect(counting!.submits - n0).toBe(0);
    expect((await w.broker.getOpenOrders()).filter((o) => o.legKind !== null)).toHaveLength(2); // legs untouched
    expect(w.journal.listTrailStates()[0]!.exitClientOrderId).toBeNull(); // may exit on a later run
  });

  it('kill switch: tracks state but sends no exit until it is released', async () => {
    let engaged = true;
    const w = healthWorld({ path: OVERNIGHT, days: 2, haltSwitch: () => engaged });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100);
    await sweep(w, 0, 0, '10:00');
    expect((await w.run(1, '10:00')).exits).toEqual([]);
    expect(w.logs.some((l) => l.msg === 'kill switch engaged: automated exits not sent')).toBe(true);
    expect(await w.broker.getPositions()).toHaveLength(1);
    engaged = false;
    expect((await w.run(1, '10:30')).exits.map((x) => x.exitKind)).toEqual(['trail_giveback']);
  });

  it('picks up bracket leg fills since the last run and drops the closed position\'s trail', async () => {
    const w = healthWorld({ path: GIVEBACK_PATH, days: 1 });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100, { tp: 102, stop: 90 });
    const a = await w.run(0, '10:30');
    expect(a.positions).toHaveLength(1);
    expect(w.journal.listTrailStates()).toHaveLength(1);
    const b = await w.run(0, '13:00'); // 102 is crossed around 12:00
    expect(b.legFills).toBe(1);
    expect(b.positions).toEqual([]);
    expect(w.journal.listTrailStates()).toEqual([]);
    const leg = w.journal.db.prepare("SELECT exit_kind, status FROM orders WHERE leg_kind = 'take_profit'").get();
    expect(leg).toEqual({ exit_kind: 'bracket_take_profit', status: 'filled' });
    expect((await w.run(0, '13:30')).legFills).toBe(0);
  });

  it('logs one structured line with every open position', async () => {
    const w = healthWorld({ path: GIVEBACK_PATH, days: 1 });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 100);
    await w.run(0, '12:00');
    const lines = w.logs.filter((l) => l.msg === 'position health');
    expect(lines).toHaveLength(1);
    const f = lines[0]!.fields;
    expect(f).toMatchObject({ equity: expect.any(Number), session_peak: expect.any(Number), giveback_halt: false, halt: null, kill_switch: false });
    expect((f.positions as { symbol: string }[]).map((p) => p.symbol)).toEqual(['AAPL']);
    expect(Object.keys((f.positions as object[])[0]!).sort()).toEqual(
      ['armed', 'avg_entry', 'giveback_pct', 'market_value', 'opened_at', 'peak_at', 'peak_pl', 'price', 'qty', 'symbol', 'unrealized_pct', 'unrealized_pl'].sort(),
    );
  });

  it('is a no-op outside regular trading hours', async () => {
    const w = healthWorld({ path: GIVEBACK_PATH, days: 1 });
    const t = w.at(0, '08:00');
    const r = await runPositionHealth(w.deps, t);
    expect(r.status).toBe('skipped');
    expect(w.journal.getRiskState(RISK_KEYS.healthLastRun)).toBeNull();
  });
});

// 500 shares at 100 (half the account). Day 0 flat; day 1 falls to 93 by 12:00 (-$3,500 = -3.5%); day 2 flat at 93.
const CRASH = (d: number, m: number) => (d === 0 ? 100 : d === 1 ? ramp(m, 0, 100, 150, 93) : 93);

describe('position health: session risk', () => {
  it('emergency flatten on the daily-loss breaker, a HALT with halt-until, and no second flatten', async () => {
    let counting: ReturnType<typeof countingBroker> | undefined;
    const w = healthWorld({ path: CRASH, days: 3, wrapBroker: (b) => (counting = countingBroker(b)) });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 500);
    await sweep(w, 0, 0, '10:00');
    const n0 = counting!.submits;
    const day1 = await sweep(w, 1, 1);
    const tripped = day1.filter((r) => r.tripped !== null);
    expect(tripped).toHaveLength(1);
    const t = tripped[0]!;
    expect(t.tripped).toBe('daily_loss_halt');
    expect(t.exits.map((x) => [x.symbol, x.exitKind, x.status])).toEqual([['AAPL', 'emergency_flatten', 'submitted']]);
    expect(t.exits[0]!.clientOrderId).toMatch(/-AAPL-flatten$/);
    expect(t.halt).toMatchObject({ rule: 'daily_loss_halt', flattened: true });
    expect(new Date(t.halt!.until).toISOString()).toBe(new Date(w.at(2, '00:00')).toISOString());
    expect(counting!.submits - n0).toBe(1);
    expect(await w.broker.getPositions()).toEqual([]);
    // Later runs that day: still halted, nothing more sent.
    const later = day1.slice(day1.indexOf(t) + 1);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((r) => r.halt !== null && r.exits.length === 0)).toBe(true);
    const rows = exitRows(w);
    expect(rows.map((r) => [r.strategy, r.execute_status])).toEqual([['emergency_flatten', 'submitted']]);
    expect(rows[0]!.rationale).toMatch(/^automation: emergency flatten\. day loss 3\.\d\d% reached the 3\.00% limit; HALT until /);
  });

  it('the HALT survives a restart (journal and broker re-created over the same files) and lifts at its time', async () => {
    const w = healthWorld({ path: CRASH, days: 3 });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 500);
    await sweep(w, 0, 0, '10:00');
    await sweep(w, 1, 1, '09:30');
    const before = w.journal.getRiskState<HaltState>(RISK_KEYS.halt)!;
    expect(before.flattened).toBe(true);
    w.close();

    // Restart later the same day.
    const again = healthWorld({ path: CRASH, days: 3, dir: w.dir, start: w.at(1, '15:45') });
    const r = await again.run(1, '15:45');
    expect(r.halt).toEqual(before);
    expect(r.exits).toEqual([]);
    expect(r.tripped).toBeNull();
    // The next day the HALT is over.
    const next = await again.run(2, '10:00');
    expect(next.halt).toBeNull();
    again.close();
  });

  it('sets the session giveback flag when the day\'s peak gain is half given back', async () => {
    // 500 shares: +$1,500 (1.5%) by 11:00 on day 1, then back to +$250.
    const w = healthWorld({ path: (d, m) => (d === 0 ? 100 : m <= 90 ? ramp(m, 0, 100, 90, 103) : ramp(m, 90, 103, 180, 100.5)), days: 2 });
    w.clock.set(w.at(0, '10:00'));
    await w.buy('AAPL', 500);
    await sweep(w, 0, 0, '10:00');
    const day1 = await sweep(w, 1, 1);
    const flagged = day1.findIndex((r) => r.givebackHalt);
    expect(flagged).toBeGreaterThan(0);
    expect(day1.slice(flagged).every((r) => r.givebackHalt)).toBe(true);
    const s = w.journal.getRiskState<SessionState>(RISK_KEYS.session)!;
    expect(s.givebackHalt).toBe(true);
    expect(s.peakEquity).toBeGreaterThan(101_400); // sampled every 30 min: 102.97 at 11:00
    expect(s.givebackDetail).toMatch(/of the day's peak gain 14\d\d\.\d\d/);
  });
});
