import { describe, expect, it } from 'vitest';
import type { StoredMeeting } from '../../shared/data/meetings';
import type { Match } from '../../shared/domain/match';
import {
  checkLoggable,
  LOG_OPENS_BEFORE_MS,
  LoggedStatus,
  logOpensAt,
  meetingLogged,
} from '../../shared/domain/meeting-log';
import { describeMeetingTime } from '../../shared/domain/meetings';
import { parseDetail } from '../../shared/events/catalogue';
import { Problem } from '../../shared/http/problem';

const ORG_ID = 'riverside-mentors';
const MATCH_ID = 'match-7c1e';
const MENTOR_ID = 'mentor-priya';
const MENTEE_ID = 'mentee-sam';
const MEETING_ID = `${MATCH_ID}-1`;
const STARTS_AT = '2025-03-18T18:00:00.000Z';
const AFTER = new Date('2025-03-18T19:30:00.000Z');

const meeting = (overrides: Partial<StoredMeeting> = {}): StoredMeeting => ({
  orgId: ORG_ID,
  meetingId: MEETING_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  seq: 1,
  startsAt: STARTS_AT,
  durationMinutes: 60,
  sequence: 0,
  status: 'planned',
  invited: true,
  ...overrides,
});

const match = (overrides: Partial<Match> = {}): Match =>
  ({
    orgId: ORG_ID,
    matchId: MATCH_ID,
    programId: 'youth-mentoring',
    mentorId: MENTOR_ID,
    menteeId: MENTEE_ID,
    status: 'active',
    score: 80,
    madeBy: 'rolling',
    createdAt: '2025-03-10T09:00:00.000Z',
    ...overrides,
  }) as Match;

const inNewYork = (at: Date) => describeMeetingTime(at, 'America/New_York');

/** The problem a check throws, or undefined when it passes. */
const refusal = (run: () => unknown) => {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof Problem)
      return { status: error.status, slug: error.slug, title: error.title, detail: error.detail };
    throw error;
  }
};

describe('checkLoggable', () => {
  it('lets either of the pair record a planned meeting once it has begun, naming their role', () => {
    expect(checkLoggable({ meeting: meeting(), match: match() }, MENTEE_ID, AFTER, inNewYork)).toMatchObject({
      role: 'mentee',
      otherId: MENTOR_ID,
    });
    expect(checkLoggable({ meeting: meeting(), match: match() }, MENTOR_ID, AFTER, inNewYork)).toMatchObject({
      role: 'mentor',
      otherId: MENTEE_ID,
    });
  });

  it('opens exactly two hours before the start, and says when to someone a moment too early', () => {
    const opens = new Date(Date.parse(STARTS_AT) - 2 * 3600_000);
    expect(logOpensAt(meeting())).toEqual(opens);
    expect(LOG_OPENS_BEFORE_MS).toBe(7_200_000);
    expect(
      refusal(() => checkLoggable({ meeting: meeting(), match: match() }, MENTEE_ID, opens, inNewYork)),
    ).toBeUndefined();
    expect(
      refusal(() =>
        checkLoggable(
          { meeting: meeting(), match: match() },
          MENTEE_ID,
          new Date(opens.getTime() - 1),
          inNewYork,
        ),
      ),
    ).toEqual({
      status: 409,
      slug: 'meeting-not-yet',
      title: 'This meeting has not happened yet',
      // 16:00 UTC is noon in New York (daylight time began on 9 March).
      detail:
        'You can record it from two hours before it starts, that is from Tuesday 18 March, 12:00 (America/New York). Nothing was changed.',
    });
  });

  it.each([
    ['no meeting', { match: match() }, MENTEE_ID],
    ['no match', { meeting: meeting() }, MENTEE_ID],
    [
      'a meeting of another match',
      { meeting: meeting({ matchId: 'match-other' }), match: match() },
      MENTEE_ID,
    ],
    ['someone outside the pair', { meeting: meeting(), match: match() }, 'someone-else'],
  ])('refuses %s with 404', (_, found, participantId) => {
    expect(refusal(() => checkLoggable(found, participantId, AFTER, inNewYork))).toMatchObject({
      status: 404,
      slug: 'meeting-not-found',
    });
  });

  it('refuses a cancelled meeting with 410, even before it would have started', () => {
    const early = new Date('2025-03-10T10:00:00.000Z');
    expect(
      refusal(() =>
        checkLoggable(
          { meeting: meeting({ status: 'cancelled' }), match: match() },
          MENTEE_ID,
          early,
          inNewYork,
        ),
      ),
    ).toEqual({
      status: 410,
      slug: 'meeting-cancelled',
      title: 'This meeting was cancelled',
      detail: 'There is nothing to record for it. Nothing was changed.',
    });
  });

  it.each([
    [
      'held',
      MENTEE_ID,
      MENTEE_ID,
      'You already told us that you met. Nothing was changed. If that is not right, please let your program coordinator know.',
    ],
    ['skipped', MENTEE_ID, MENTEE_ID, 'You already told us that you skipped this meeting.'],
    ['held', MENTOR_ID, MENTEE_ID, 'Your mentor already told us that you met.'],
    ['skipped', MENTEE_ID, MENTOR_ID, 'Your mentee already told us that you skipped this meeting.'],
  ] as const)(
    'says what was recorded when a meeting is already %s (by %s, asked by %s)',
    (status, by, reader, says) => {
      const refused = refusal(() =>
        checkLoggable(
          { meeting: meeting({ status, loggedBy: by }), match: match() },
          reader,
          AFTER,
          inNewYork,
        ),
      );
      expect(refused).toMatchObject({
        status: 410,
        slug: 'meeting-already-logged',
        title: 'This meeting has already been recorded',
      });
      expect(refused?.detail).toContain(says);
    },
  );

  it('refuses a planned meeting of a match that has ended with 410', () => {
    expect(
      refusal(() =>
        checkLoggable({ meeting: meeting(), match: match({ status: 'ended' }) }, MENTEE_ID, AFTER, inNewYork),
      ),
    ).toMatchObject({ status: 410, slug: 'match-ended', title: 'This match has ended' });
  });

  it('names no one in any refusal', () => {
    const details = [
      refusal(() =>
        checkLoggable(
          { meeting: meeting({ status: 'held', loggedBy: MENTOR_ID }), match: match() },
          MENTEE_ID,
          AFTER,
          inNewYork,
        ),
      ),
      refusal(() => checkLoggable({ meeting: meeting(), match: match() }, MENTEE_ID, new Date(0), inNewYork)),
    ].map((r) => JSON.stringify(r));
    for (const detail of details) expect(detail).not.toMatch(/mentor-priya|mentee-sam/);
  });
});

describe('meetingLogged', () => {
  it('announces the meeting, its match, who logged it and how, valid under the catalogue', () => {
    const event = meetingLogged(
      { orgId: ORG_ID, meetingId: MEETING_ID, participantId: MENTEE_ID },
      MATCH_ID,
      'skipped',
      AFTER,
    );
    expect(event.detailType).toBe('MeetingLogged');
    expect(parseDetail('MeetingLogged', event.detail)).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: AFTER.toISOString(),
      meetingId: MEETING_ID,
      matchId: MATCH_ID,
      participantId: MENTEE_ID,
      status: 'skipped',
    });
  });
});

describe('LoggedStatus', () => {
  it('takes held or skipped, nothing else', () => {
    expect(LoggedStatus.safeParse('held').success).toBe(true);
    expect(LoggedStatus.safeParse('skipped').success).toBe(true);
    for (const other of ['cancelled', 'planned', 'HELD', '', 1]) {
      expect(LoggedStatus.safeParse(other).success).toBe(false);
    }
    expect(LoggedStatus.safeParse('maybe').error?.issues[0]?.message).toBe('held or skipped');
  });
});
