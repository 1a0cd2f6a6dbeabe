import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import type { StoredMeeting } from '../../shared/data/meetings';
import { GOAL_MILESTONE_PREFIX, goalId, pairGoals } from '../../shared/domain/goals';
import type { Match } from '../../shared/domain/match';
import { checkMovable, linkIssuedAt, RESCHEDULE_LINK_TTL_SECONDS } from '../../shared/domain/meeting-moves';
import { moveWindow, offeredSlots } from '../../shared/domain/meetings';

const local = (date: Date, zone: string) =>
  DateTime.fromJSDate(date).setZone(zone).toFormat('ccc yyyy-MM-dd HH:mm');
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('the times a meeting can move to', () => {
  // Sam in London is free on Tuesday evenings; Priya in New York on Tuesday late mornings and afternoons.
  const sam = {
    timezone: 'Europe/London',
    availability: [{ day: 'tue', from: '17:00', to: '21:00' }] as const,
  };
  const priya = {
    timezone: 'America/New_York',
    availability: [{ day: 'tue', from: '11:00', to: '17:00' }] as const,
  };

  it('offers sociable starts inside both people’s free hours, spread out, at most two a day', () => {
    // Act: from Monday 2 March 2026 for two weeks
    const offered = offeredSlots({ anchor: sam, other: priya }, 60, {
      from: new Date('2026-03-02T18:00:00Z'),
      until: new Date('2026-03-16T18:00:00Z'),
    });

    // Assess: 17:00 and 19:00 in London each Tuesday (a meeting must end by 20:30 there)
    expect(offered.map((d) => local(d, 'Europe/London'))).toEqual([
      'Tue 2026-03-03 17:00',
      'Tue 2026-03-03 19:00',
      'Tue 2026-03-10 17:00',
      'Tue 2026-03-10 19:00',
    ]);
    // New York changed to summer time on 8 March: Priya reads the second week an hour later.
    expect(offered.map((d) => local(d, 'America/New_York'))).toEqual([
      'Tue 2026-03-03 12:00',
      'Tue 2026-03-03 14:00',
      'Tue 2026-03-10 13:00',
      'Tue 2026-03-10 15:00',
    ]);
  });

  it('leaves out the meeting’s own time and anything outside the window', () => {
    // Act
    const offered = offeredSlots({ anchor: sam, other: priya }, 60, {
      from: new Date('2026-03-03T17:30:00Z'),
      until: new Date('2026-03-10T17:00:00Z'),
      except: new Date('2026-03-03T18:00:00Z'),
    });

    // Assess
    expect(iso(offered)).toEqual(['2026-03-03T17:30:00.000Z', '2026-03-03T19:30:00.000Z']);
  });

  it('keeps the mentee’s local time when London changes to summer time and New York already has (March 2026)', () => {
    // Prepare: Sam free 18:00–20:00 London; Priya 13:00–16:00 New York
    const evening = { ...sam, availability: [{ day: 'tue', from: '18:00', to: '20:00' }] as const };
    const afternoon = { ...priya, availability: [{ day: 'tue', from: '13:00', to: '16:00' }] as const };

    // Act: the week before British Summer Time (29 March) and the week after
    const offered = offeredSlots({ anchor: evening, other: afternoon }, 60, {
      from: new Date('2026-03-23T00:00:00Z'),
      until: new Date('2026-04-04T00:00:00Z'),
    });

    // Assess: 18:00 London both weeks (one a day: the next start would be under two hours on), an hour
    // earlier in UTC after the change
    expect(iso(offered)).toEqual(['2026-03-24T18:00:00.000Z', '2026-03-31T17:00:00.000Z']);
    expect(offered.map((d) => local(d, 'Europe/London'))).toEqual([
      'Tue 2026-03-24 18:00',
      'Tue 2026-03-31 18:00',
    ]);
    // Priya reads the second an hour earlier: only London changed that week
    expect(offered.map((d) => local(d, 'America/New_York'))).toEqual([
      'Tue 2026-03-24 14:00',
      'Tue 2026-03-31 13:00',
    ]);
  });

  it('keeps New York’s local time across its autumn change while London has already changed (November 2026)', () => {
    // Prepare: London left summer time on 25 October, New York leaves it on 1 November.
    const morning = {
      timezone: 'America/New_York',
      availability: [{ day: 'thu', from: '09:00', to: '11:00' }] as const,
    };
    const afternoon = {
      timezone: 'Europe/London',
      availability: [{ day: 'thu', from: '12:00', to: '17:00' }] as const,
    };

    // Act: the New York mentee's Thursdays on 29 October and 5 November
    const offered = offeredSlots({ anchor: morning, other: afternoon }, 60, {
      from: new Date('2026-10-26T00:00:00Z'),
      until: new Date('2026-11-07T00:00:00Z'),
    });

    // Assess
    expect(offered.map((d) => local(d, 'America/New_York'))).toEqual([
      'Thu 2026-10-29 09:00',
      'Thu 2026-11-05 09:00',
    ]);
    expect(offered.map((d) => local(d, 'Europe/London'))).toEqual([
      'Thu 2026-10-29 13:00',
      'Thu 2026-11-05 14:00',
    ]);
  });

  it('offers nothing when the only shared hours are unsociable for one of them', () => {
    // Prepare: Tuesday late evening in London is Wednesday early morning in Tokyo
    const tokyo = {
      timezone: 'Asia/Tokyo',
      availability: [{ day: 'wed', from: '06:00', to: '10:00' }] as const,
    };
    const london = {
      timezone: 'Europe/London',
      availability: [{ day: 'tue', from: '20:00', to: '23:59' }] as const,
    };

    // Act
    const offered = offeredSlots({ anchor: tokyo, other: london }, 60, {
      from: new Date('2026-05-04T00:00:00Z'),
      until: new Date('2026-05-18T00:00:00Z'),
    });

    // Assess
    expect(offered).toEqual([]);
  });

  it('offers at most six', () => {
    const daily = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({
      day,
      from: '09:00',
      to: '20:00',
    }));
    const a = { timezone: 'Europe/Paris', availability: daily as never };
    expect(
      offeredSlots({ anchor: a, other: a }, 60, {
        from: new Date('2026-05-04T00:00:00Z'),
        until: new Date('2026-05-18T00:00:00Z'),
      }),
    ).toHaveLength(6);
  });

  it('the window: twelve hours’ notice, up to a day before the next regular meeting, two weeks at most', () => {
    const now = new Date('2026-03-02T18:00:00Z');
    expect(moveWindow(now, new Date('2026-03-10T18:00:00Z'))).toEqual({
      from: new Date('2026-03-03T06:00:00Z'),
      until: new Date('2026-03-09T18:00:00Z'),
    });
    expect(moveWindow(now, new Date('2026-04-01T18:00:00Z')).until).toEqual(new Date('2026-03-16T18:00:00Z'));
    expect(moveWindow(now, undefined).until).toEqual(new Date('2026-03-16T18:00:00Z'));
  });
});

describe('who may move a meeting, and when', () => {
  const match = {
    orgId: 'org',
    matchId: 'm-1',
    programId: 'p',
    mentorId: 'mentor-1',
    menteeId: 'mentee-1',
    status: 'active',
  } as Match;
  const meeting: StoredMeeting = {
    orgId: 'org',
    meetingId: 'm-1-2',
    matchId: 'm-1',
    programId: 'p',
    seq: 2,
    startsAt: '2026-03-10T18:00:00.000Z',
    durationMinutes: 60,
    sequence: 0,
    status: 'planned',
    invited: true,
  };
  const claims = {
    orgId: 'org',
    meetingId: 'm-1-2',
    participantId: 'mentee-1',
    issuedAt: new Date('2026-03-09T18:00:00Z'),
  };
  const now = new Date('2026-03-09T20:00:00Z');
  const describe_ = (at: Date) => at.toISOString();
  const problem = (found: { meeting?: StoredMeeting; match?: Match }, c = claims, at = now) => {
    try {
      checkMovable(found, c, at, describe_);
    } catch (error) {
      return error as { status: number; slug: string; detail: string };
    }
    return undefined;
  };

  it('lets either of the pair move a planned meeting of an active match before it starts', () => {
    expect(checkMovable({ meeting, match }, claims, now, describe_).role).toBe('mentee');
    expect(
      checkMovable({ meeting, match }, { ...claims, participantId: 'mentor-1' }, now, describe_).role,
    ).toBe('mentor');
  });

  it.each([
    [
      'someone outside the pair',
      { meeting, match },
      { ...claims, participantId: 'x' },
      now,
      404,
      'meeting-not-found',
    ],
    [
      'a meeting of another match',
      { meeting: { ...meeting, matchId: 'm-2' }, match },
      claims,
      now,
      404,
      'meeting-not-found',
    ],
    [
      'a cancelled meeting',
      { meeting: { ...meeting, status: 'cancelled' as const }, match },
      claims,
      now,
      410,
      'meeting-cancelled',
    ],
    [
      'a meeting recorded as held',
      { meeting: { ...meeting, status: 'held' as const, loggedBy: 'mentor-1' }, match },
      claims,
      now,
      410,
      'meeting-already-logged',
    ],
    [
      'a meeting of an ended match',
      { meeting, match: { ...match, status: 'ended' } as Match },
      claims,
      now,
      410,
      'match-ended',
    ],
    [
      'a meeting that has started',
      { meeting, match },
      claims,
      new Date('2026-03-10T18:00:00Z'),
      410,
      'meeting-started',
    ],
  ])('refuses %s', (_, found, c, at, status, slug) => {
    expect(problem(found, c, at)).toMatchObject({ status, slug });
  });

  it('refuses a link sent before the latest move with 409, saying the time it moved to', () => {
    // Prepare: moved an hour after the reminder went out
    const moved = {
      ...meeting,
      startsAt: '2026-03-11T18:00:00.000Z',
      sequence: 1,
      movedAt: '2026-03-09T19:00:00.000Z',
    };

    // Assess
    expect(problem({ meeting: moved, match })).toMatchObject({
      status: 409,
      slug: 'meeting-moved',
      detail: expect.stringContaining('2026-03-11T18:00:00.000Z'),
    });
    // The move's own email was signed in the second of the move: its link is current.
    expect(
      checkMovable(
        { meeting: moved, match },
        { ...claims, issuedAt: new Date('2026-03-09T19:00:00Z') },
        now,
        describe_,
      ).role,
    ).toBe('mentee');
  });

  it('knows when a link was signed from its expiry', () => {
    const signed = new Date('2026-03-09T19:00:00Z');
    expect(linkIssuedAt(signed.getTime() / 1000 + RESCHEDULE_LINK_TTL_SECONDS)).toEqual(signed);
  });
});

describe('the goals of a pair', () => {
  it('knows a goal by its words, whatever their case and spacing, and never shows the words in its id', () => {
    expect(goalId('Make friends')).toBe(goalId('  make   FRIENDS '));
    expect(goalId('Make friends')).not.toBe(goalId('Find a job'));
    expect(goalId('Make friends')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('lists each goal once, with whether the pair reached it', () => {
    const reached = ['first-meeting', `${GOAL_MILESTONE_PREFIX}${goalId('find a job')}`];
    expect(pairGoals(['Make friends', 'Find a job', 'make friends'], reached)).toEqual([
      { goalId: goalId('Make friends'), text: 'Make friends', achieved: false },
      { goalId: goalId('Find a job'), text: 'Find a job', achieved: true },
    ]);
  });
});
