import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clockDistanceHours,
  describeWindow,
  type Interval,
  overlapOf,
  referenceWeek,
  utcOffsetMinutes,
  WEEK_MINUTES,
  WEEKDAYS,
  type WeeklySlot,
  weeklyIntervals,
  weeklyOverlap,
} from '../../shared/matching/availability';

const person = (timezone: string, ...availability: WeeklySlot[]) => ({ timezone, availability });
const slot = (day: WeeklySlot['day'], from: string, to: string): WeeklySlot => ({ day, from, to });

/** A winter week: New York on EST (UTC-5), London on GMT, Auckland on NZDT (UTC+13). */
const WINTER = '2025-01-13';

describe('referenceWeek', () => {
  it('starts on the Monday of the week the date falls in, at 00:00 UTC', () => {
    // Act
    const week = referenceWeek('2025-03-12'); // a Wednesday

    // Assess
    expect(week).toEqual({
      monday: '2025-03-10',
      start: '2025-03-10T00:00:00.000Z',
      startMillis: Date.UTC(2025, 2, 10),
    });
  });

  it('refuses something that is not a date', () => {
    expect(() => referenceWeek('next week')).toThrow(RangeError);
  });
});

describe('weeklyOverlap', () => {
  it('overlaps two people in the same zone', () => {
    // Prepare
    const a = person('Europe/London', slot('tue', '18:00', '20:00'));
    const b = person('Europe/London', slot('tue', '19:00', '21:00'));

    // Act
    const overlap = weeklyOverlap(a, b, WINTER);

    // Assess
    expect(overlap.totalMinutes).toBe(60);
    expect(overlap.longestMinutes).toBe(60);
    expect(overlap.windows).toEqual([[1 * 1440 + 19 * 60, 1 * 1440 + 20 * 60]]);
  });

  it('applies both time zones', () => {
    // Prepare: 17:00–19:00 in London is 12:00–14:00 in New York in January.
    const london = person('Europe/London', slot('mon', '17:00', '19:00'));
    const newYork = person('America/New_York', slot('mon', '12:00', '14:00'));

    // Act
    const overlap = weeklyOverlap(london, newYork, WINTER);

    // Assess
    expect(overlap.totalMinutes).toBe(120);
    expect(overlap.windows).toEqual([[17 * 60, 19 * 60]]);
  });

  it.each([
    ['both on winter time', '2025-01-13', 0],
    ['New York on summer time, London not yet', '2025-03-10', 60],
    ['the last week before London switches', '2025-03-24', 60],
    ['both on summer time', '2025-04-07', 0],
  ])('uses the offsets of the reference week: %s', (_, weekOf, minutes) => {
    // Prepare: 17:00 London and 13:00 New York are the same moment only while the clocks are 4 hours apart.
    const london = person('Europe/London', slot('mon', '17:00', '18:00'));
    const newYork = person('America/New_York', slot('mon', '13:00', '14:00'));

    // Act
    const overlap = weeklyOverlap(london, newYork, weekOf);

    // Assess
    expect(overlap.totalMinutes).toBe(minutes);
  });

  it('counts only the real minutes of a slot that spans the spring-forward hour', () => {
    // Prepare: London skips 01:00–02:00 on Sunday 30 March 2025, so 00:30–02:30 lasts one hour.
    const week = referenceWeek('2025-03-24');

    // Act
    const intervals = weeklyIntervals([slot('sun', '00:30', '02:30')], 'Europe/London', week);

    // Assess
    expect(intervals).toEqual([[6 * 1440 + 30, 6 * 1440 + 90]]);
  });

  it('follows a slot across midnight once converted', () => {
    // Prepare: 18:00–21:00 Monday in New York is 23:00 Monday to 02:00 Tuesday UTC; Tokyo's 09:00–11:00
    // Tuesday is 00:00–02:00 Tuesday UTC.
    const newYork = person('America/New_York', slot('mon', '18:00', '21:00'));
    const tokyo = person('Asia/Tokyo', slot('tue', '09:00', '11:00'));

    // Act
    const overlap = weeklyOverlap(newYork, tokyo, WINTER);

    // Assess
    expect(weeklyIntervals(newYork.availability, newYork.timezone, referenceWeek(WINTER))).toEqual([
      [23 * 60, 26 * 60],
    ]);
    expect(overlap.totalMinutes).toBe(120);
    expect(overlap.windows).toEqual([[24 * 60, 26 * 60]]);
  });

  it('wraps the week: a Monday in Auckland meets a Sunday in Honolulu', () => {
    // Prepare: Monday 08:00 in Auckland (UTC+13) is Sunday 19:00 UTC, as is Sunday 09:00 in Honolulu (UTC-10).
    const auckland = person('Pacific/Auckland', slot('mon', '08:00', '10:00'));
    const honolulu = person('Pacific/Honolulu', slot('sun', '09:00', '11:00'));

    // Act
    const overlap = weeklyOverlap(auckland, honolulu, WINTER);

    // Assess
    expect(overlap.totalMinutes).toBe(120);
    expect(overlap.windows).toEqual([[6 * 1440 + 19 * 60, 6 * 1440 + 21 * 60]]);
  });

  it('wraps a Sunday evening that becomes Monday in UTC to the start of the week', () => {
    // Prepare: Sunday 20:00 until midnight in Los Angeles (UTC-8) is Monday 04:00–08:00 UTC.
    const losAngeles = person('America/Los_Angeles', slot('sun', '20:00', '23:59'));
    const london = person('Europe/London', slot('mon', '05:00', '06:00'));

    // Act
    const overlap = weeklyOverlap(losAngeles, london, WINTER);

    // Assess
    expect(overlap.windows).toEqual([[5 * 60, 6 * 60]]);
  });

  it('reads 23:59 as midnight, so an evening and the early hours after it are one window', () => {
    // Prepare
    const a = person('UTC', slot('mon', '23:00', '23:59'), slot('tue', '00:00', '01:00'));
    const b = person('UTC', slot('mon', '22:00', '23:59'), slot('tue', '00:00', '02:00'));

    // Act
    const overlap = weeklyOverlap(a, b, WINTER);

    // Assess
    expect(overlap.longestMinutes).toBe(120);
    expect(overlap.windows).toEqual([[23 * 60, 25 * 60]]);
  });

  it('joins a window at the end of the week with one at its start', () => {
    // Prepare: Sunday 23:00 to Monday 01:00 UTC, split by the week's edge.
    const a = person('UTC', slot('sun', '23:00', '23:59'), slot('mon', '00:00', '01:00'));
    const b = person('UTC', slot('sun', '22:00', '23:59'), slot('mon', '00:00', '03:00'));

    // Act
    const overlap = weeklyOverlap(a, b, WINTER);

    // Assess
    expect(overlap.windows).toEqual([
      [0, 60],
      [WEEK_MINUTES - 60, WEEK_MINUTES],
    ]);
    expect(overlap.longestMinutes).toBe(120);
    expect(overlap.totalMinutes).toBe(120);
  });

  it('finds no overlap when the weeks do not meet', () => {
    // Prepare
    const a = person('Europe/Berlin', slot('mon', '09:00', '12:00'));
    const b = person('Europe/Berlin', slot('mon', '12:00', '15:00'), slot('tue', '09:00', '12:00'));

    // Act
    const overlap = weeklyOverlap(a, b, WINTER);

    // Assess
    expect(overlap).toEqual({ totalMinutes: 0, longestMinutes: 0, windows: [] });
  });

  it('tells the longest window apart from the total', () => {
    // Prepare: two 45-minute windows are 90 minutes a week but no room for an hour-long meeting.
    const a = person('UTC', slot('mon', '18:00', '18:45'), slot('thu', '18:00', '18:45'));
    const b = person('UTC', slot('mon', '17:00', '21:00'), slot('thu', '18:00', '22:00'));

    // Act
    const overlap = weeklyOverlap(a, b, WINTER);

    // Assess
    expect(overlap.totalMinutes).toBe(90);
    expect(overlap.longestMinutes).toBe(45);
  });

  it('merges a person’s own overlapping and touching slots', () => {
    // Act
    const intervals = weeklyIntervals(
      [slot('wed', '10:00', '12:00'), slot('wed', '11:00', '13:00'), slot('wed', '13:00', '14:00')],
      'UTC',
      referenceWeek(WINTER),
    );

    // Assess
    expect(intervals).toEqual([[2 * 1440 + 600, 2 * 1440 + 840]]);
  });

  it('is symmetric and never exceeds either person’s own time', () => {
    // Prepare
    const zones = [
      'UTC',
      'Europe/London',
      'America/New_York',
      'Asia/Kolkata',
      'Pacific/Auckland',
      'America/St_Johns',
    ];
    const time = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const slots = fc.array(
      fc
        .tuple(fc.constantFrom(...WEEKDAYS), time, time)
        .filter(([, a, b]) => a !== b)
        .map(([day, a, b]) => {
          const [from, to] = [a, b].sort() as [string, string];
          return slot(day, from, to);
        }),
      { maxLength: 6 },
    );
    const week = referenceWeek('2025-03-26');
    const total = (intervals: readonly Interval[]) => intervals.reduce((sum, [s, e]) => sum + e - s, 0);

    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        slots,
        fc.constantFrom(...zones),
        slots,
        (zoneA, a, zoneB, b) => {
          // Act
          const intervalsA = weeklyIntervals(a, zoneA, week);
          const intervalsB = weeklyIntervals(b, zoneB, week);
          const ab = overlapOf(intervalsA, intervalsB);
          const ba = overlapOf(intervalsB, intervalsA);

          // Assess
          expect(ab).toEqual(ba);
          expect(ab.totalMinutes).toBeLessThanOrEqual(Math.min(total(intervalsA), total(intervalsB)));
          expect(ab.longestMinutes).toBeLessThanOrEqual(ab.totalMinutes);
          for (const [start, end] of [...intervalsA, ...intervalsB]) {
            expect(start).toBeGreaterThanOrEqual(0);
            expect(end).toBeLessThanOrEqual(WEEK_MINUTES);
          }
        },
      ),
    );
  });
});

describe('time-zone distance', () => {
  it.each([
    ['London and New York in January', 'Europe/London', 'America/New_York', WINTER, 5],
    ['London and New York in mid-March', 'Europe/London', 'America/New_York', '2025-03-10', 4],
    [
      'Kiritimati and Honolulu (same clock, a day apart)',
      'Pacific/Kiritimati',
      'Pacific/Honolulu',
      WINTER,
      0,
    ],
    ['Kolkata and UTC', 'Asia/Kolkata', 'UTC', WINTER, 5.5],
  ])('%s', (_, a, b, weekOf, hours) => {
    // Prepare
    const week = referenceWeek(weekOf);

    // Act
    const distance = clockDistanceHours(utcOffsetMinutes(a, week), utcOffsetMinutes(b, week));

    // Assess
    expect(distance).toBe(hours);
  });
});

describe('describeWindow', () => {
  it('names the day and part of day in the reader’s zone', () => {
    // Prepare: Tuesday 00:00–02:00 UTC.
    const window: Interval = [1440, 1440 + 120];
    const weekStart = referenceWeek(WINTER).start;

    // Act & Assess
    expect(describeWindow(window, 'Asia/Tokyo', weekStart)).toEqual({ day: 'tue', partOfDay: 'morning' });
    expect(describeWindow(window, 'America/New_York', weekStart)).toEqual({
      day: 'mon',
      partOfDay: 'evening',
    });
    // 01:00 on Tuesday in London reads as Monday night.
    expect(describeWindow(window, 'Europe/London', weekStart)).toEqual({ day: 'mon', partOfDay: 'night' });
  });
});
