import { DateTime, IANAZone } from 'luxon';

/**
 * Weekly availability across time zones. Each person gives weekly slots `{ day, from, to }` in their own
 * IANA zone; to compare two people, each slot is placed on a concrete reference week (so a week in which
 * only one of the two zones has switched to summer time is compared as it really is) and turned into UTC
 * minutes from that week's Monday 00:00 UTC. The week repeats, so minutes are taken modulo one week: a
 * Sunday-evening slot in Los Angeles that lands on Monday UTC wraps to the start of the week.
 *
 * Prepare each person's intervals once ({@link weeklyIntervals}); overlap is then a linear intersection of
 * two sorted lists ({@link overlapOf}).
 */

export const DAY_MINUTES = 24 * 60;
export const WEEK_MINUTES = 7 * DAY_MINUTES;

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface WeeklySlot {
  day: Weekday;
  /** HH:MM, 24-hour, in the person's zone. */
  from: string;
  /** HH:MM; `23:59` means "until midnight" (the form has no 24:00). */
  to: string;
}

/** Half-open `[start, end)` in minutes from the reference week's Monday 00:00 UTC, within `[0, WEEK_MINUTES]`. */
export type Interval = readonly [start: number, end: number];

export interface ReferenceWeek {
  /** The Monday of the week, `YYYY-MM-DD`. */
  monday: string;
  /** That Monday at 00:00 UTC, as an ISO instant: the origin every interval counts from. */
  start: string;
  startMillis: number;
}

export interface Overlap {
  /** All minutes of the week both people are free. */
  totalMinutes: number;
  /** The longest single window both are free (what a meeting must fit into). */
  longestMinutes: number;
  /** The shared windows, sorted, in minutes from the reference week's start. */
  windows: Interval[];
}

/**
 * The reference week containing `date` (`YYYY-MM-DD`, any day of the week; an ISO instant also works, its
 * UTC calendar date is used). Throws a RangeError on anything else.
 */
export const referenceWeek = (date: string): ReferenceWeek => {
  const parsed = DateTime.fromISO(date, { zone: 'utc' });
  if (!parsed.isValid) throw new RangeError(`Not an ISO date: ${JSON.stringify(date)}`);
  const monday = parsed.startOf('week'); // ISO weeks start on Monday
  return {
    monday: monday.toISODate() as string,
    start: monday.toISO() as string,
    startMillis: monday.toMillis(),
  };
};

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

const minutesOf = (time: string): number => {
  const match = HHMM.exec(time);
  if (!match) throw new RangeError(`Not a time as HH:MM: ${JSON.stringify(time)}`);
  return Number(match[1]) * 60 + Number(match[2]);
};

/** Sorts and merges intervals; touching intervals (one ends where the next starts) become one. */
export const mergeIntervals = (intervals: readonly Interval[]): Interval[] => {
  const sorted = [...intervals].filter(([start, end]) => end > start).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
};

const wrap = (start: number, end: number, into: Interval[]) => {
  const offset = Math.floor(start / WEEK_MINUTES) * WEEK_MINUTES;
  const from = start - offset;
  const to = end - offset;
  if (to <= WEEK_MINUTES) into.push([from, to]);
  else into.push([from, WEEK_MINUTES], [0, to - WEEK_MINUTES]);
};

const zoneOf = (timezone: string) => {
  const zone = IANAZone.create(timezone); // cached by luxon
  if (!zone.isValid) throw new RangeError(`Unknown time zone: ${JSON.stringify(timezone)}`);
  return zone;
};

/**
 * The UTC instant of a wall-clock time in a zone (the wall time given as if it were UTC millis). Luxon's own
 * algorithm, with the zone's offset at the wall time as a fixed first guess so the result never depends on
 * the current date: a time in a spring-forward gap moves forward by the gap; a time that happens twice in
 * the autumn resolves to one of the two.
 */
const wallToUtc = (zone: IANAZone, wallMillis: number) => {
  const guess = zone.offset(wallMillis);
  let utc = wallMillis - guess * 60_000;
  const second = zone.offset(utc);
  if (second === guess) return utc;
  utc -= (second - guess) * 60_000;
  const third = zone.offset(utc);
  if (third === second) return utc;
  return wallMillis - Math.min(second, third) * 60_000;
};

/**
 * A person's weekly slots as sorted, merged UTC intervals of the reference week. Each slot is resolved on
 * its own date of that week, in that zone. Throws a RangeError on an unknown zone or a malformed slot
 * (validate profiles first).
 */
export const weeklyIntervals = (
  slots: readonly WeeklySlot[],
  timezone: string,
  week: ReferenceWeek,
): Interval[] => {
  const zone = zoneOf(timezone);
  const intervals: Interval[] = [];
  for (const slot of slots) {
    const dayIndex = WEEKDAYS.indexOf(slot.day);
    if (dayIndex < 0) throw new RangeError(`Not a weekday: ${JSON.stringify(slot.day)}`);
    const from = minutesOf(slot.from);
    // 24:00 is the next day's midnight in the zone (which a DST change can make a 23- or 25-hour day away).
    const to = slot.to === '23:59' ? DAY_MINUTES : minutesOf(slot.to);
    if (to <= from) continue;
    const day = week.startMillis + dayIndex * DAY_MINUTES * 60_000;
    const start = Math.round((wallToUtc(zone, day + from * 60_000) - week.startMillis) / 60_000);
    const end = Math.round((wallToUtc(zone, day + to * 60_000) - week.startMillis) / 60_000);
    // A slot inside a spring-forward gap can come out empty; it has no real minutes.
    if (end > start) wrap(start, end, intervals);
  }
  return mergeIntervals(intervals);
};

/** The windows two sorted, merged interval lists share, with their total and longest length. */
export const overlapOf = (a: readonly Interval[], b: readonly Interval[]): Overlap => {
  const windows: Interval[] = [];
  let totalMinutes = 0;
  let longestMinutes = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [aStart, aEnd] = a[i] as Interval;
    const [bStart, bEnd] = b[j] as Interval;
    const start = Math.max(aStart, bStart);
    const end = Math.min(aEnd, bEnd);
    if (end > start) {
      windows.push([start, end]);
      totalMinutes += end - start;
      longestMinutes = Math.max(longestMinutes, end - start);
    }
    if (aEnd < bEnd) i++;
    else j++;
  }
  // The week repeats: a window ending at the week's end and one starting at its start are one window.
  const first = windows[0];
  const last = windows[windows.length - 1];
  if (first && last && windows.length > 1 && first[0] === 0 && last[1] === WEEK_MINUTES) {
    longestMinutes = Math.max(longestMinutes, first[1] - first[0] + (last[1] - last[0]));
  }
  return { totalMinutes, longestMinutes, windows };
};

/** Convenience for one pair: overlap of two people's slots in their own zones, in the week of `weekOf`. */
export const weeklyOverlap = (
  a: { availability: readonly WeeklySlot[]; timezone: string },
  b: { availability: readonly WeeklySlot[]; timezone: string },
  weekOf: string,
): Overlap => {
  const week = referenceWeek(weekOf);
  return overlapOf(
    weeklyIntervals(a.availability, a.timezone, week),
    weeklyIntervals(b.availability, b.timezone, week),
  );
};

/** The zone's UTC offset in minutes in the middle of the reference week (Thursday 12:00 UTC). */
export const utcOffsetMinutes = (timezone: string, week: ReferenceWeek): number =>
  zoneOf(timezone).offset(week.startMillis + (3 * DAY_MINUTES + 12 * 60) * 60_000);

/**
 * The shortest distance in hours between two UTC offsets on a 24-hour clock (UTC+14 and UTC-10 share a
 * clock time, a day apart), so 0–12.
 */
export const clockDistanceHours = (offsetA: number, offsetB: number): number => {
  const hours = (((Math.abs(offsetA - offsetB) / 60) % 24) + 24) % 24;
  return Math.min(hours, 24 - hours);
};

export type PartOfDay = 'morning' | 'afternoon' | 'evening' | 'night';

const partOfDay = (hour: number): PartOfDay =>
  hour >= 5 && hour < 12
    ? 'morning'
    : hour >= 12 && hour < 17
      ? 'afternoon'
      : hour >= 17 && hour < 22
        ? 'evening'
        : 'night';

/**
 * Where a window falls in one person's week: the local weekday and part of day at its middle (a window
 * from 10:00 to 20:00 reads as an afternoon; 01:00 on Wednesday as Tuesday night).
 */
export const describeWindow = (
  window: Interval,
  timezone: string,
  weekStart: string,
): { day: Weekday; partOfDay: PartOfDay } => {
  const middle = (window[0] + window[1]) / 2;
  const local = DateTime.fromISO(weekStart, { zone: 'utc' }).plus({ minutes: middle }).setZone(timezone);
  // 01:00 on a Wednesday is still Tuesday night to the person living it.
  const day = local.hour < 5 ? local.minus({ days: 1 }) : local;
  return { day: WEEKDAYS[day.weekday - 1] as Weekday, partOfDay: partOfDay(local.hour) };
};
