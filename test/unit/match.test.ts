import { describe, expect, it } from 'vitest';
import {
  capacityOf,
  defaultRejoining,
  entryAfter,
  freeSlots,
  matchProfileOf,
  poolEntryOf,
  withMatch,
  withoutMatch,
} from '../../shared/domain/match';
import { dueForDailyRun } from '../../shared/domain/matching';
import { initialMatchingState, type Participant } from '../../shared/domain/participant';
import { parseMatchingSettings } from '../../shared/matching/settings';
import { participant } from '../fixtures/domain';

const settings = { defaultMentorCapacity: 2 };
const verified = (overrides: Partial<Participant> = {}) =>
  participant({
    status: 'verified',
    verifiedAt: '2025-03-14T10:00:00.000Z',
    profile: { languages: ['en'], availability: [{ day: 'tue', from: '18:00', to: '20:00' }] },
    ...overrides,
  });

describe('pool membership', () => {
  it('a verified mentee is in the pool until matched once', () => {
    const mentee = verified();
    const entry = poolEntryOf(mentee, initialMatchingState(), settings);
    expect(entry).toMatchObject({
      participantId: mentee.participantId,
      role: 'mentee',
      programId: 'youth-mentoring',
    });
    expect(entry?.profile).toEqual(matchProfileOf(mentee));
    expect(JSON.stringify(entry)).not.toContain(mentee.email);
    expect(JSON.stringify(entry)).not.toContain(mentee.name);
    expect(poolEntryOf(mentee, withMatch(initialMatchingState(), 'm-1'), settings)).toBeUndefined();
  });

  it('a mentor stays in the pool while seeking, full or not; free slots count their own capacity, else the default', () => {
    const mentor = verified({ role: 'mentor' });
    const own = verified({ role: 'mentor', profile: { ...mentor.profile, capacity: 3 } });
    expect(capacityOf(mentor, settings)).toBe(2);
    expect(capacityOf(own, settings)).toBe(3);
    const once = withMatch(initialMatchingState(), 'm-1');
    const twice = withMatch(once, 'm-2');
    const full = poolEntryOf(mentor, twice, settings);
    expect(full && freeSlots(full, settings)).toBe(0);
    // A raised program default frees a slot at once, without any write.
    expect(full && freeSlots(full, { defaultMentorCapacity: 3 })).toBe(1);
    const entry = poolEntryOf(own, twice, settings);
    expect(entry && freeSlots(entry, settings)).toBe(1);
    expect(entry && entryAfter(entry, withMatch(twice, 'm-3'), settings)).toBeDefined();
    expect(entry && entryAfter(entry, { ...twice, seeking: false }, settings)).toBeUndefined();
  });

  it('nobody unverified, not seeking, or in a peer group is in the pool', () => {
    expect(poolEntryOf(participant(), initialMatchingState(), settings)).toBeUndefined();
    expect(poolEntryOf(verified(), { ...initialMatchingState(), seeking: false }, settings)).toBeUndefined();
    expect(poolEntryOf(verified({ role: 'member' }), initialMatchingState(), settings)).toBeUndefined();
  });
});

describe('matching state', () => {
  it('every change raises the version, which is what concurrent writers are conditioned on', () => {
    const start = initialMatchingState();
    const matched = withMatch(start, 'm-1');
    expect(matched).toMatchObject({ version: 1, activeMatchIds: ['m-1'] });
    const ended = withoutMatch(matched, 'm-1', 'p-9', true);
    expect(ended).toEqual({ ...start, version: 2, endedWith: ['p-9'], seeking: true });
    expect(withoutMatch(ended, 'm-1', 'p-9', false)).toMatchObject({ endedWith: ['p-9'], seeking: false });
    expect(start).toEqual(initialMatchingState()); // nothing is changed in place
  });

  it('who rejoins by default depends on the reason and on who ended it', () => {
    expect(defaultRejoining('completed', 'coordinator')).toEqual(['mentor']);
    expect(defaultRejoining('not-a-good-fit', 'mentee')).toEqual(['mentor', 'mentee']);
    expect(defaultRejoining('schedule-conflict', 'mentor')).toEqual(['mentor', 'mentee']);
    expect(defaultRejoining('mentor-unavailable', 'mentor')).toEqual(['mentee']);
    // A mentee's word alone does not take their mentor out of matching.
    expect(defaultRejoining('mentor-unavailable', 'mentee')).toEqual(['mentor', 'mentee']);
    expect(defaultRejoining('participant-left', 'mentee')).toEqual(['mentor']);
    expect(defaultRejoining('participant-left', 'mentor')).toEqual(['mentee']);
    expect(defaultRejoining('safeguarding-concern', 'mentee')).toEqual([]);
  });
});

describe('daily runs', () => {
  const now = new Date('2026-09-01T03:00:00.000Z');
  it('run rolling programs every day, and cohorts from their matching day on', () => {
    expect(dueForDailyRun(parseMatchingSettings({}), now)).toBe(true);
    expect(dueForDailyRun(parseMatchingSettings({ mode: 'cohort' }), now)).toBe(false);
    expect(dueForDailyRun(parseMatchingSettings({ mode: 'cohort', cohortMatchOn: '2026-09-02' }), now)).toBe(
      false,
    );
    expect(dueForDailyRun(parseMatchingSettings({ mode: 'cohort', cohortMatchOn: '2026-09-01' }), now)).toBe(
      true,
    );
  });

  it('refuses a cohort date that is not a date', () => {
    expect(() => parseMatchingSettings({ mode: 'cohort', cohortMatchOn: 'next week' })).toThrow(
      expect.objectContaining({
        status: 422,
        errors: [{ pointer: '/cohortMatchOn', detail: 'a date as YYYY-MM-DD' }],
      }),
    );
  });
});
