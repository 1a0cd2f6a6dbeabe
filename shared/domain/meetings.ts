import { DateTime } from 'luxon';
import { z } from 'zod';
import { fieldErrors, Problem } from '../http/problem';
import { type WeeklySlot, weeklyOverlap } from '../matching/availability';
import type { PairScore } from '../matching/score';

/**
 * The meeting plan of a pair: one weekly slot inside both people's availability, anchored in the mentee's
 * own time zone (so their meeting keeps its local time across daylight-saving changes), repeated at the
 * program's cadence. Pure: the stores and functions keep one planned meeting ahead of now.
 */

export const MeetingSettings = z.strictObject({
  cadence: z.enum(['weekly', 'biweekly', 'monthly']).default('biweekly'),
  /** How long before a meeting its reminder goes out. */
  reminderLeadHours: z
    .int('a whole number of hours')
    .min(1, 'at least 1')
    .max(168, 'at most 168')
    .default(24),
  /** Days between the match and the earliest first meeting: time to say hello first. */
  firstMeetingAfterDays: z
    .int('a whole number of days')
    .min(1, 'at least 1')
    .max(30, 'at most 30')
    .default(3),
});
export type MeetingSettings = z.infer<typeof MeetingSettings>;
export type MeetingSettingsInput = z.input<typeof MeetingSettings>;

export const parseMeetingSettings = (input: unknown, prefix = ''): MeetingSettings => {
  const result = MeetingSettings.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new Problem(
    422,
    'invalid-meeting-settings',
    'The meeting settings cannot be used',
    undefined,
    fieldErrors(result.error, prefix),
  );
};

/** Weeks between meetings; "monthly" keeps the weekday and time, every four weeks. */
export const CADENCE_WEEKS = { weekly: 1, biweekly: 2, monthly: 4 } as const;
export type Cadence = keyof typeof CADENCE_WEEKS;

/** A weekly slot as the anchor person reads it. */
export interface MeetingSlot {
  /** ISO weekday, 1 = Monday. */
  weekday: number;
  /** Local start, HH:MM. */
  time: string;
  timezone: string;
  durationMinutes: number;
}

/** Local hours that suit a meeting: neither early morning nor late evening. */
const SOCIABLE_FROM = 9 * 60;
const SOCIABLE_TO = 20 * 60 + 30;
const STEP_MINUTES = 30;

const localMinutes = (instant: DateTime, zone: string) => {
  const local = instant.setZone(zone);
  return local.hour * 60 + local.minute;
};

/** Minutes of [start, start + duration) outside the sociable hours in one zone. */
const unsociable = (start: DateTime, durationMinutes: number, zone: string) => {
  const from = localMinutes(start, zone);
  let outside = 0;
  for (let minute = 0; minute < durationMinutes; minute += 15) {
    const at = (from + minute) % (24 * 60);
    if (at < SOCIABLE_FROM || at >= SOCIABLE_TO) outside += 15;
  }
  return outside;
};

/**
 * The slot for a pair: a start (on the half hour) inside a window both are free, with the meeting length
 * fitting, that is least outside sociable hours for either person; ties go to the longer window (room to
 * run over) and then the earlier time in the week. Undefined when no window is long enough.
 */
export const chooseSlot = (
  overlap: PairScore['overlap'],
  people: { anchorZone: string; otherZone: string },
  durationMinutes: number,
): MeetingSlot | undefined => {
  const weekStart = DateTime.fromISO(overlap.weekStart, { zone: 'utc' });
  let best: { start: DateTime; penalty: number; windowLength: number; offset: number } | undefined;
  for (const [from, to] of overlap.windows) {
    const first = Math.ceil(from / STEP_MINUTES) * STEP_MINUTES;
    for (let offset = first; offset + durationMinutes <= to; offset += STEP_MINUTES) {
      const start = weekStart.plus({ minutes: offset });
      const penalty =
        unsociable(start, durationMinutes, people.anchorZone) +
        unsociable(start, durationMinutes, people.otherZone);
      const candidate = { start, penalty, windowLength: to - from, offset };
      if (
        !best ||
        penalty < best.penalty ||
        (penalty === best.penalty && candidate.windowLength > best.windowLength)
      ) {
        best = candidate;
      }
    }
  }
  if (!best) return undefined;
  const local = best.start.setZone(people.anchorZone);
  return {
    weekday: local.weekday,
    time: local.toFormat('HH:mm'),
    timezone: people.anchorZone,
    durationMinutes,
  };
};

const atSlot = (date: DateTime, slot: MeetingSlot) => {
  const [hour, minute] = slot.time.split(':').map(Number);
  // Luxon moves a time that does not exist (the skipped hour of a spring-forward night) forward.
  return date.set({ hour, minute, second: 0, millisecond: 0 });
};

/** The first meeting: the slot's first occurrence at least `firstMeetingAfterDays` after the match. */
export const firstMeeting = (slot: MeetingSlot, matchedAt: Date, settings: MeetingSettings): Date => {
  const earliest = DateTime.fromJSDate(matchedAt)
    .setZone(slot.timezone)
    .plus({ days: settings.firstMeetingAfterDays });
  let day = earliest.set({ weekday: slot.weekday as 1 | 2 | 3 | 4 | 5 | 6 | 7 });
  if (atSlot(day, slot) < earliest) day = day.plus({ weeks: 1 });
  return atSlot(day, slot).toJSDate();
};

/** The meeting after `previous`, at the same local time in the slot's zone, `cadence` weeks on. */
export const nextMeeting = (slot: MeetingSlot, previous: Date, cadence: Cadence): Date => {
  const local = DateTime.fromJSDate(previous).setZone(slot.timezone).plus({ weeks: CADENCE_WEEKS[cadence] });
  return atSlot(local, slot).toJSDate();
};

/** How far ahead a move may go, and how soon: time for the other person to read about it. */
export const MOVE_NOTICE_HOURS = 12;
export const MOVE_HORIZON_DAYS = 14;
/** A handful of alternatives, spread out: at most two a day, two hours apart. */
const OFFERED_LIMIT = 6;
const OFFERED_PER_DAY = 2;
const OFFERED_GAP_MINUTES = 120;

export interface OfferPerson {
  timezone: string;
  availability: readonly WeeklySlot[];
}

/**
 * The times a meeting can move to: starts (on the half hour) from `from` up to `until` inside both people's
 * weekly free hours, wholly sociable for both, each week's overlap computed on that real week so a
 * daylight-saving change in either zone is taken as it is. Spread over days in the anchor's zone; the
 * meeting's own time (`except`) is left out.
 */
export const offeredSlots = (
  people: { anchor: OfferPerson; other: OfferPerson },
  durationMinutes: number,
  window: { from: Date; until: Date; except?: Date },
): Date[] => {
  const from = DateTime.fromJSDate(window.from, { zone: 'utc' });
  const until = window.until.getTime();
  const candidates: DateTime[] = [];
  for (let week = from.startOf('week'); week.toMillis() < until; week = week.plus({ weeks: 1 })) {
    const overlap = weeklyOverlap(people.anchor, people.other, week.toISODate() as string);
    for (const [start, end] of overlap.windows) {
      const first = Math.ceil(start / STEP_MINUTES) * STEP_MINUTES;
      for (let offset = first; offset + durationMinutes <= end; offset += STEP_MINUTES) {
        const at = week.plus({ minutes: offset });
        if (at < from || at.toMillis() >= until || at.toMillis() === window.except?.getTime()) continue;
        if (
          unsociable(at, durationMinutes, people.anchor.timezone) +
            unsociable(at, durationMinutes, people.other.timezone) >
          0
        )
          continue;
        candidates.push(at);
      }
    }
  }
  candidates.sort((a, b) => a.toMillis() - b.toMillis());
  const chosen: DateTime[] = [];
  for (const at of candidates) {
    const day = at.setZone(people.anchor.timezone).toISODate();
    const sameDay = chosen.filter((c) => c.setZone(people.anchor.timezone).toISODate() === day);
    const last = sameDay[sameDay.length - 1];
    if (sameDay.length >= OFFERED_PER_DAY) continue;
    if (last && at.diff(last, 'minutes').minutes < OFFERED_GAP_MINUTES) continue;
    chosen.push(at);
    if (chosen.length === OFFERED_LIMIT) break;
  }
  return chosen.map((at) => at.toJSDate());
};

/**
 * Where the offered times of a move may fall: from a little notice after now, up to a day before the next
 * regular meeting (so moved meetings never swap order), and no more than two weeks on.
 */
export const moveWindow = (now: Date, nextRegular: Date | undefined) => {
  const from = new Date(now.getTime() + MOVE_NOTICE_HOURS * 3_600_000);
  const horizon = now.getTime() + MOVE_HORIZON_DAYS * 24 * 3_600_000;
  const beforeNext = nextRegular ? nextRegular.getTime() - 24 * 3_600_000 : horizon;
  return { from, until: new Date(Math.min(horizon, beforeNext)) };
};

/** When the reminder of a meeting goes out. */
export const reminderAt = (startsAt: Date, leadHours: number) =>
  new Date(startsAt.getTime() - leadHours * 3_600_000);

/** A meeting's id: the match's and its number, so the planner can only ever create each once. */
export const meetingId = (matchId: string, seq: number) => `${matchId}-${seq}`;

/** How a meeting reads for one person: "Tuesday 3 March, 18:00 (Europe/London)". */
export const describeMeetingTime = (startsAt: Date, timezone: string) =>
  `${DateTime.fromJSDate(startsAt).setZone(timezone).setLocale('en-GB').toFormat('cccc d LLLL, HH:mm')} (${timezone.replace(/_/g, ' ')})`;

/** The months-together milestones of a pair, in order. */
export const ANNIVERSARY_MONTHS = [1, 3, 6, 12] as const;

/** When a pair matched at `matchedAt` has been together `months` months (same day of the month, UTC). */
export const anniversaryAt = (matchedAt: Date, months: number) =>
  DateTime.fromJSDate(matchedAt, { zone: 'utc' }).plus({ months }).toJSDate();

/** The anniversary after `months`, or undefined after the last. */
export const nextAnniversary = (months: number) => ANNIVERSARY_MONTHS.find((m) => m > months);
