import { Cron } from 'croner';
import type { Session } from '../domain/market.js';
import { addDays, nyClock, nyTime } from '../core/time/ny.js';

/**
 * When the service's jobs fire, as a pure computation over exchange sessions: "the next fire
 * of this job after instant t". Decision-cycle slots are cron patterns read in
 * America/New_York by croner (so DST is croner's and the zone database's business, not ours);
 * position-health ticks and the EOD digest hang off each session's own open and close, so
 * holidays and early closes come from the Calendar port for free.
 *
 * Rules:
 * - A slot fires only inside a session: open <= slot < close. A slot at or after an early
 *   close is skipped (and reported, so the scheduler can log it); a slot outside 09:30-16:00
 *   never fires (config warns about it at startup); weekends and holidays have no session.
 * - Cycle slots are delayed by a jitter drawn from the injected random source, uniform in
 *   [0, jitter], capped so a jittered slot never lands in the session's last minute.
 * - Position health: open + k x interval (k >= 1) while before the close.
 * - EOD: close + delay (13:00 + delay on early-close days).
 * - Before slots (the regime pre-warm): each cycle slot that fires, minus a lead, unjittered.
 *   A slot dropped for an early close drops its pre-warm too, silently (the slot is reported).
 */

export const NY_TZ = 'America/New_York';
const MINUTE = 60_000;
const DAY = 86_400_000;

/** One decision-cycle slot: a label for people and the cron pattern behind it. */
export interface SlotSpec {
  readonly label: string;
  readonly cron: string;
}

export type Trigger =
  | { readonly kind: 'slots'; readonly slots: readonly SlotSpec[]; readonly jitterMs: number }
  | { readonly kind: 'every'; readonly everyMs: number }
  | { readonly kind: 'after_close'; readonly delayMs: number }
  | { readonly kind: 'before_slots'; readonly slots: readonly SlotSpec[]; readonly leadMs: number };

export interface Fire {
  readonly job: string;
  /** The nominal moment (slot, tick, close + delay): what identifies the run. */
  readonly slot: number;
  /** When it actually fires: the slot plus jitter (cycles), else the slot. */
  readonly at: number;
  readonly label: string;
  readonly session: Session;
}

export interface SkippedSlot {
  readonly job: string;
  readonly slot: number;
  readonly label: string;
  readonly session: Session;
  readonly reason: string;
}

export interface NextFire {
  readonly fire: Fire | null;
  /** Slots between `after` and the fire that were dropped (early close). */
  readonly skipped: readonly SkippedSlot[];
}

const HHMM = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const cronCache = new Map<string, Cron>();

function cronFor(pattern: string): Cron {
  let c = cronCache.get(pattern);
  if (!c) {
    // No callback: croner only evaluates the pattern, it never starts a timer.
    c = new Cron(pattern, { timezone: NY_TZ, mode: '5-or-6-parts', paused: true });
    cronCache.set(pattern, c);
  }
  return c;
}

/**
 * Parses a slot list. Items are "HH:MM" New York times (weekdays), separated by commas, or
 * cron patterns (5 or 6 fields, read in New York), separated from other items by ";":
 * "10:00,12:00", "*\/30 10-15 * * 1-5", "11:15; 0 13 * * 1-5". Throws RangeError naming the item.
 */
export function parseSlots(text: string): SlotSpec[] {
  const out: SlotSpec[] = [];
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    const items = part.split(',').map((x) => x.trim());
    if (items.every((x) => HHMM.test(x))) {
      for (const x of items) {
        const m = HHMM.exec(x)!;
        const hh = Number(m[1]);
        const mm = Number(m[2]);
        out.push({ label: `${String(hh).padStart(2, '0')}:${m[2]}`, cron: `${mm} ${hh} * * 1-5` });
      }
      continue;
    }
    try {
      cronFor(part);
    } catch (e) {
      throw new RangeError(`${JSON.stringify(part)} is neither HH:MM times nor a cron pattern (${e instanceof Error ? e.message : String(e)})`);
    }
    out.push({ label: part, cron: part });
  }
  const seen = new Set<string>();
  return out.filter((s) => (seen.has(s.cron) ? false : (seen.add(s.cron), true)));
}

/** Nominal slot instants on a session's New York date, merged over every pattern, ascending, deduplicated. */
export function slotTimesOn(date: string, slots: readonly SlotSpec[]): { slot: number; label: string }[] {
  const dayStart = nyTime(date, '00:00');
  const dayEnd = nyTime(addDays(date, 1), '00:00');
  const byTime = new Map<number, string>();
  for (const s of slots) {
    const c = cronFor(s.cron);
    let t = c.nextRun(new Date(dayStart - 1000));
    while (t && t.getTime() < dayEnd) {
      const ms = t.getTime();
      if (ms >= dayStart && !byTime.has(ms)) byTime.set(ms, s.label.includes(' ') ? `${nyClock(ms)} (${s.label})` : s.label);
      t = c.nextRun(t);
    }
  }
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).map(([slot, label]) => ({ slot, label }));
}

/** Labels of slots that can never fire: outside regular hours (09:30-16:00 New York) on a regular day. */
export function slotsOutsideRegularHours(slots: readonly SlotSpec[], sampleDate = '2026-01-07'): string[] {
  const open = nyTime(sampleDate, '09:30');
  const close = nyTime(sampleDate, '16:00');
  return slotTimesOn(sampleDate, slots).filter((s) => s.slot < open || s.slot >= close).map((s) => s.label);
}

function nominalFires(trigger: Trigger, session: Session): { slot: number; label: string; skip?: string }[] {
  switch (trigger.kind) {
    case 'slots':
      return slotTimesOn(session.date, trigger.slots)
        .filter((s) => s.slot >= session.open && s.slot < nyTime(session.date, '16:00'))
        .map((s) => (s.slot < session.close ? s : { ...s, skip: `early close at ${nyClock(session.close)}` }));
    case 'every': {
      if (trigger.everyMs <= 0) return [];
      const out: { slot: number; label: string }[] = [];
      for (let t = session.open + trigger.everyMs; t < session.close; t += trigger.everyMs) out.push({ slot: t, label: nyClock(t) });
      return out;
    }
    case 'after_close':
      return [{ slot: session.close + trigger.delayMs, label: `close ${nyClock(session.close)} + ${Math.round(trigger.delayMs / MINUTE)} min` }];
    case 'before_slots':
      return nominalFires({ kind: 'slots', slots: trigger.slots, jitterMs: 0 }, session)
        .filter((s) => s.skip === undefined)
        .map((s) => ({ slot: s.slot - trigger.leadMs, label: `before ${s.label}` }));
  }
}

/** Jitter for a slot: uniform in [0, jitterMs], capped so the fire stays out of the session's last minute. */
export function jitterFor(slot: number, session: Session, jitterMs: number, random: () => number): number {
  const cap = Math.max(0, Math.min(jitterMs, session.close - MINUTE - slot));
  if (cap <= 0) return 0;
  const r = random();
  const u = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1 - Number.EPSILON) : 0;
  return Math.floor(u * (cap + 1));
}

/**
 * The first fire of `trigger` whose nominal slot is strictly after `after`, among `sessions`
 * (ascending). Consumes exactly one draw of `random` when the fire is a jittered cycle slot,
 * none otherwise, so a seeded source replays the same schedule.
 */
export function nextFire(job: string, trigger: Trigger, sessions: readonly Session[], after: number, random: () => number): NextFire {
  const skipped: SkippedSlot[] = [];
  for (const session of sessions) {
    if (session.close + DAY < after) continue;
    for (const n of nominalFires(trigger, session)) {
      if (n.slot <= after) continue;
      if (n.skip !== undefined) {
        skipped.push({ job, slot: n.slot, label: n.label, session, reason: n.skip });
        continue;
      }
      const jitter = trigger.kind === 'slots' ? jitterFor(n.slot, session, trigger.jitterMs, random) : 0;
      return { fire: { job, slot: n.slot, at: n.slot + jitter, label: n.label, session }, skipped };
    }
  }
  return { fire: null, skipped };
}
