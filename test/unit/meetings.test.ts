import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  chooseSlot,
  describeMeetingTime,
  firstMeeting,
  type MeetingSlot,
  meetingId,
  nextMeeting,
  parseMeetingSettings,
  reminderAt,
} from '../../shared/domain/meetings';
import { referenceWeek } from '../../shared/matching/availability';
import { prepareProfile, scorePair } from '../../shared/matching/score';
import { defaultMatchingSettings } from '../../shared/matching/settings';

const settings = parseMeetingSettings({});
const local = (date: Date, zone: string) =>
  DateTime.fromJSDate(date).setZone(zone).toFormat('ccc yyyy-MM-dd HH:mm');

/** The overlap the matcher stored for two people, from their weekly availability. */
const overlapOf = (
  mentor: { timezone: string; availability: { day: string; from: string; to: string }[] },
  mentee: { timezone: string; availability: { day: string; from: string; to: string }[] },
) => {
  const week = referenceWeek('2026-03-02');
  const profile = (id: string, role: 'mentor' | 'mentee', p: typeof mentor) =>
    prepareProfile(
      {
        id,
        role,
        programId: 'p',
        languages: ['en'],
        timezone: p.timezone,
        availability: p.availability as never,
      },
      week,
    );
  return scorePair(profile('a', 'mentor', mentor), profile('b', 'mentee', mentee), defaultMatchingSettings)
    .overlap;
};

describe('choosing the slot', () => {
  it('picks a time inside both people’s free hours that is sociable for both', () => {
    // London evenings and New York afternoons meet at 18:00–21:00 London = 13:00–16:00 New York.
    const overlap = overlapOf(
      { timezone: 'America/New_York', availability: [{ day: 'tue', from: '12:00', to: '17:00' }] },
      { timezone: 'Europe/London', availability: [{ day: 'tue', from: '17:00', to: '23:00' }] },
    );
    const slot = chooseSlot(overlap, { anchorZone: 'Europe/London', otherZone: 'America/New_York' }, 60);
    expect(slot).toEqual({ weekday: 2, time: '17:00', timezone: 'Europe/London', durationMinutes: 60 });
  });

  it('avoids the small hours when a later part of the window suits both', () => {
    const overlap = overlapOf(
      { timezone: 'Asia/Tokyo', availability: [{ day: 'wed', from: '05:00', to: '10:00' }] },
      { timezone: 'Asia/Tokyo', availability: [{ day: 'wed', from: '05:00', to: '10:00' }] },
    );
    const slot = chooseSlot(overlap, { anchorZone: 'Asia/Tokyo', otherZone: 'Asia/Tokyo' }, 60);
    expect(slot?.time).toBe('09:00');
  });

  it('finds no slot when no window is as long as the meeting', () => {
    const overlap = overlapOf(
      { timezone: 'UTC', availability: [{ day: 'mon', from: '10:00', to: '10:30' }] },
      { timezone: 'UTC', availability: [{ day: 'mon', from: '10:00', to: '10:30' }] },
    );
    expect(chooseSlot(overlap, { anchorZone: 'UTC', otherZone: 'UTC' }, 60)).toBeUndefined();
  });
});

describe('meeting dates', () => {
  const slot: MeetingSlot = { weekday: 2, time: '18:00', timezone: 'Europe/London', durationMinutes: 60 };

  it('the first meeting is the slot’s first occurrence at least three days after the match', () => {
    // Matched on a Monday: the Tuesday after is too soon, so the one a week later.
    const first = firstMeeting(slot, new Date('2026-03-02T12:00:00Z'), settings);
    expect(local(first, 'Europe/London')).toBe('Tue 2026-03-10 18:00');
    // Matched on a Friday: the Tuesday after is 4 days on.
    expect(local(firstMeeting(slot, new Date('2026-03-06T12:00:00Z'), settings), 'Europe/London')).toBe(
      'Tue 2026-03-10 18:00',
    );
  });

  it('keeps the local time across a daylight-saving change (London, spring and autumn)', () => {
    const march = nextMeeting(slot, new Date('2026-03-24T18:00:00Z'), 'weekly');
    expect(march.toISOString()).toBe('2026-03-31T17:00:00.000Z'); // BST began on 29 March
    expect(local(march, 'Europe/London')).toBe('Tue 2026-03-31 18:00');
    const october = nextMeeting(slot, new Date('2026-10-20T17:00:00Z'), 'biweekly');
    expect(october.toISOString()).toBe('2026-11-03T18:00:00.000Z'); // back to GMT on 25 October
  });

  it('the other person sees the meeting at their own local time, which may move when only one zone changes', () => {
    const before = new Date('2026-03-03T18:00:00Z');
    const after = nextMeeting(slot, before, 'weekly');
    expect(local(before, 'America/New_York')).toBe('Tue 2026-03-03 13:00');
    expect(local(after, 'America/New_York')).toBe('Tue 2026-03-10 14:00'); // New York moved on 8 March
  });

  it('cadences: every one, two or four weeks', () => {
    const start = new Date('2026-05-05T17:00:00Z');
    expect(nextMeeting(slot, start, 'weekly').toISOString()).toBe('2026-05-12T17:00:00.000Z');
    expect(nextMeeting(slot, start, 'biweekly').toISOString()).toBe('2026-05-19T17:00:00.000Z');
    expect(nextMeeting(slot, start, 'monthly').toISOString()).toBe('2026-06-02T17:00:00.000Z');
  });

  it('a slot in the hour a spring-forward night skips moves to the first valid time', () => {
    const early: MeetingSlot = {
      weekday: 7,
      time: '02:30',
      timezone: 'America/New_York',
      durationMinutes: 30,
    };
    const next = nextMeeting(early, new Date('2026-03-01T07:30:00Z'), 'weekly');
    expect(local(next, 'America/New_York')).toBe('Sun 2026-03-08 03:30');
  });

  it('reminders go out the lead before; ids and times read plainly', () => {
    expect(reminderAt(new Date('2026-05-05T17:00:00Z'), 24).toISOString()).toBe('2026-05-04T17:00:00.000Z');
    expect(meetingId('m-1', 3)).toBe('m-1-3');
    expect(describeMeetingTime(new Date('2026-05-05T17:00:00Z'), 'America/New_York')).toBe(
      'Tuesday 5 May, 13:00 (America/New York)',
    );
  });

  it('refuses meeting settings that make no sense, naming the field', () => {
    expect(() => parseMeetingSettings({ cadence: 'daily', reminderLeadHours: 0 })).toThrow(
      expect.objectContaining({
        status: 422,
        errors: [
          { pointer: '/cadence', detail: expect.any(String) },
          { pointer: '/reminderLeadHours', detail: 'at least 1' },
        ],
      }),
    );
  });
});
