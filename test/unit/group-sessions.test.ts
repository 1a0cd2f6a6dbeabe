import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  type Attendance,
  checkAttendance,
  type GroupScheduleInput,
  type GroupSession,
  parseGroupSchedule,
  planFollowingSession,
  type SessionStore,
  type StoredSession,
  sessionAfter,
  sessionsAfter,
  startSessionPlan,
  stopSessionPlan,
} from '../../shared/domain/group-sessions';
import { emptyGroupState, type GroupSnapshot, planClose, planJoin } from '../../shared/domain/groups';
import { recordSessionMilestones, sessionMilestoneSubject } from '../../shared/domain/milestones';
import type { Organisation, PeerGroup } from '../../shared/domain/organisation';
import { type OutgoingEvent, parseDetail } from '../../shared/events/catalogue';
import { Problem } from '../../shared/http/problem';

const ORG = 'riverside-mentors';
const GROUP = 'grief-circle';

const schedule = (overrides: Partial<GroupScheduleInput> = {}) =>
  parseGroupSchedule({
    rrule: 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=30',
    timezone: 'Europe/London',
    startsOn: '2026-01-06',
    ...overrides,
  });

/** The local wall-clock of each instant in a zone: what a member reads on their calendar. */
const local = (dates: Date[], zone: string) =>
  dates.map((d) => DateTime.fromJSDate(d).setZone(zone).toFormat('ccc yyyy-MM-dd HH:mm'));
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('a group schedule', () => {
  it('repeats weekly at 18:30 London time across the spring change (29 March 2026)', () => {
    // Act
    const sessions = sessionsAfter(schedule(), new Date('2026-03-20T00:00:00Z'), 3);

    // Assess: 18:30 GMT, then 18:30 BST, which is an hour earlier in UTC
    expect(local(sessions, 'Europe/London')).toEqual([
      'Tue 2026-03-24 18:30',
      'Tue 2026-03-31 18:30',
      'Tue 2026-04-07 18:30',
    ]);
    expect(iso(sessions)).toEqual([
      '2026-03-24T18:30:00.000Z',
      '2026-03-31T17:30:00.000Z',
      '2026-04-07T17:30:00.000Z',
    ]);
  });

  it('repeats weekly at 18:30 London time across the autumn change (25 October 2026)', () => {
    const sessions = sessionsAfter(schedule(), new Date('2026-10-15T00:00:00Z'), 3);
    expect(iso(sessions)).toEqual([
      '2026-10-20T17:30:00.000Z',
      '2026-10-27T18:30:00.000Z',
      '2026-11-03T18:30:00.000Z',
    ]);
  });

  it('keeps New York’s local time across its own changes (8 March and 1 November 2026)', () => {
    const ny = schedule({ rrule: 'FREQ=WEEKLY;BYDAY=TH;BYHOUR=19;BYMINUTE=0', timezone: 'America/New_York' });
    const spring = sessionsAfter(ny, new Date('2026-03-01T00:00:00Z'), 2);
    const autumn = sessionsAfter(ny, new Date('2026-10-26T00:00:00Z'), 2);
    expect(iso(spring)).toEqual(['2026-03-06T00:00:00.000Z', '2026-03-12T23:00:00.000Z']);
    expect(iso(autumn)).toEqual(['2026-10-29T23:00:00.000Z', '2026-11-06T00:00:00.000Z']);
    expect(new Set(local([...spring, ...autumn], 'America/New_York').map((s) => s.slice(-5)))).toEqual(
      new Set(['19:00']),
    );
  });

  it('meets every other week from the day it starts on (INTERVAL=2 is anchored on startsOn)', () => {
    const biweekly = schedule({ rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=18;BYMINUTE=30' });
    const sessions = sessionsAfter(biweekly, new Date('2026-01-07T00:00:00Z'), 3);
    expect(local(sessions, 'Europe/London')).toEqual([
      'Tue 2026-01-20 18:30',
      'Tue 2026-02-03 18:30',
      'Tue 2026-02-17 18:30',
    ]);
  });

  it('gives the next session strictly after an instant, however close', () => {
    const at = new Date('2026-01-13T18:30:00Z'); // a session's start
    expect(sessionAfter(schedule(), new Date(at.getTime() - 1))?.toISOString()).toBe(at.toISOString());
    expect(sessionAfter(schedule(), at)?.toISOString()).toBe('2026-01-20T18:30:00.000Z');
    // Nothing before the day it starts on.
    expect(sessionAfter(schedule(), new Date('2025-06-01T00:00:00Z'))?.toISOString()).toBe(
      '2026-01-06T18:30:00.000Z',
    );
  });

  it('has no next session once its rule has ended (COUNT)', () => {
    const short = schedule({ rrule: 'FREQ=WEEKLY;COUNT=2;BYDAY=TU;BYHOUR=18' });
    expect(sessionsAfter(short, new Date('2026-01-01T00:00:00Z'), 5)).toHaveLength(2);
    expect(sessionAfter(short, new Date('2026-01-14T00:00:00Z'))).toBeUndefined();
  });

  it('refuses a rule, zone or date it cannot use, naming each field', () => {
    const bad = () =>
      parseGroupSchedule(
        { rrule: 'FREQ=HOURLY', timezone: 'Mars/Olympus', startsOn: '6 Jan', durationMinutes: 5 },
        '/schedule',
      );
    expect(bad).toThrow(Problem);
    try {
      bad();
    } catch (error) {
      expect((error as Problem).status).toBe(422);
      expect((error as Problem).errors?.map((e) => e.pointer).sort()).toEqual([
        '/schedule/durationMinutes',
        '/schedule/rrule',
        '/schedule/startsOn',
        '/schedule/timezone',
      ]);
    }
    // A rule without a time of day, or with its own DTSTART, is refused too.
    expect(() => schedule({ rrule: 'FREQ=WEEKLY;BYDAY=TU' })).toThrow(Problem);
    expect(() => schedule({ rrule: 'DTSTART:20260101T000000Z\nRRULE:FREQ=WEEKLY;BYHOUR=18' })).toThrow(
      Problem,
    );
  });
});

/* ---------- The plan, with an in-memory store that keeps the same conditions as the table ---------- */

class MemorySessions implements SessionStore {
  sessions = new Map<string, GroupSession & { reminded: boolean; invitees: string[] }>();
  planItem: { lastSeq: number; closedAt?: string } | undefined;
  events: OutgoingEvent[] = [];
  attendances = new Map<string, Attendance>();
  reachedAt = new Map<string, Date>();

  async session(_orgId: string, meetingId: string): Promise<StoredSession | undefined> {
    const found = this.sessions.get(meetingId);
    if (!found) return undefined;
    const { reminded, ...session } = found;
    return { ...session, invited: reminded };
  }
  async plan() {
    return this.planItem;
  }
  async start(session: GroupSession) {
    if (this.planItem || this.sessions.has(session.meetingId)) return false;
    this.planItem = { lastSeq: session.seq };
    this.sessions.set(session.meetingId, { ...session, reminded: false, invitees: [] });
    return true;
  }
  async planNext(session: GroupSession) {
    if (!this.planItem || this.planItem.closedAt || this.planItem.lastSeq !== session.seq - 1) return false;
    this.planItem.lastSeq = session.seq;
    this.sessions.set(session.meetingId, { ...session, reminded: false, invitees: [] });
    return true;
  }
  async stop(_orgId: string, _groupId: string, now: Date) {
    this.planItem = {
      lastSeq: this.planItem?.lastSeq ?? 0,
      closedAt: this.planItem?.closedAt ?? now.toISOString(),
    };
    return { lastSeq: this.planItem.lastSeq };
  }
  async cancel(session: StoredSession, event: OutgoingEvent) {
    const stored = this.sessions.get(session.meetingId);
    if (stored?.status !== 'planned' || stored.sequence !== session.sequence) return false;
    stored.status = 'cancelled';
    stored.sequence += 1;
    this.events.push(event);
    return true;
  }
  async attendance(_o: string, _g: string, participantId: string, meetingId: string) {
    return this.attendances.get(`${participantId}#${meetingId}`);
  }
  async recordAttendance(attendance: Attendance, event: OutgoingEvent) {
    const key = `${attendance.participantId}#${attendance.meetingId}`;
    const previous = this.attendances.get(key);
    if (previous && (previous.status === 'held' || attendance.status === 'skipped')) return false;
    this.attendances.set(key, attendance);
    this.events.push(event);
    return true;
  }
  async attendedCount(_o: string, _g: string, participantId: string) {
    return [...this.attendances.values()].filter(
      (a) => a.participantId === participantId && a.status === 'held',
    ).length;
  }
}

const circle = (withSchedule = true): PeerGroup => ({
  programId: GROUP,
  name: 'Grief circle',
  kind: 'peer-group',
  seats: 8,
  ...(withSchedule
    ? {
        schedule: {
          rrule: 'FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=30',
          timezone: 'Europe/London',
          startsOn: '2026-01-06',
        },
      }
    : {}),
});

const planDeps = (group = circle(), closedAt?: string) => {
  const org = { orgId: ORG, name: 'Riverside', programs: [group] } as unknown as Organisation;
  const sessions = new MemorySessions();
  return {
    sessions,
    deps: {
      organisations: { get: async (id: string) => (id === ORG ? org : undefined) },
      groups: { state: async () => (closedAt ? { closedAt } : {}) },
      sessions,
    } as unknown as Parameters<typeof startSessionPlan>[0],
  };
};

describe('the session plan', () => {
  const NOW = new Date('2026-03-20T12:00:00Z');

  it('plans the group’s next session once, with its reminder a day before; a second start changes nothing', async () => {
    const { deps, sessions } = planDeps();
    expect(await startSessionPlan(deps, { orgId: ORG, groupId: GROUP }, NOW)).toBe('planned');
    expect(await startSessionPlan(deps, { orgId: ORG, groupId: GROUP }, NOW)).toBe('already-planned');
    expect([...sessions.sessions.values()]).toEqual([
      expect.objectContaining({
        meetingId: `${GROUP}-1`,
        groupId: GROUP,
        seq: 1,
        startsAt: '2026-03-24T18:30:00.000Z',
        durationMinutes: 90,
        sequence: 0,
        status: 'planned',
      }),
    ]);
  });

  it('plans the session after the one falling due, on the schedule across the clock change, once', async () => {
    const { deps, sessions } = planDeps();
    await startSessionPlan(deps, { orgId: ORG, groupId: GROUP }, NOW);
    const ref = { orgId: ORG, groupId: GROUP, meetingId: `${GROUP}-1` };
    expect(await planFollowingSession(deps, ref, NOW)).toBe('planned');
    expect(await planFollowingSession(deps, ref, NOW)).toBe('already-planned');
    expect(sessions.sessions.get(`${GROUP}-2`)?.startsAt).toBe('2026-03-31T17:30:00.000Z');
  });

  it('plans nothing for a group without a schedule, a closed group, or a program that is no group', async () => {
    expect(await startSessionPlan(planDeps(circle(false)).deps, { orgId: ORG, groupId: GROUP }, NOW)).toBe(
      'no-schedule',
    );
    expect(
      await startSessionPlan(planDeps(circle(), NOW.toISOString()).deps, { orgId: ORG, groupId: GROUP }, NOW),
    ).toBe('group-closed');
    expect(await startSessionPlan(planDeps().deps, { orgId: ORG, groupId: 'other' }, NOW)).toBe(
      'not-a-group',
    );
  });

  it('closing cancels the sessions still ahead (saying which had invites out) and stops all planning', async () => {
    // Prepare: session 1 reminded (its invite out), session 2 planned
    const { deps, sessions } = planDeps();
    await startSessionPlan(deps, { orgId: ORG, groupId: GROUP }, NOW);
    await planFollowingSession(deps, { orgId: ORG, groupId: GROUP, meetingId: `${GROUP}-1` }, NOW);
    const first = sessions.sessions.get(`${GROUP}-1`);
    if (first) first.reminded = true;

    // Act
    const cancelled = await stopSessionPlan(deps, { orgId: ORG, groupId: GROUP }, NOW);

    // Assess
    expect(cancelled).toBe(2);
    expect(sessions.events.map((e) => parseDetail('MeetingCancelled', e.detail))).toEqual([
      expect.objectContaining({
        meetingId: `${GROUP}-2`,
        groupId: GROUP,
        reason: 'group-closed',
        invited: false,
        sequence: 1,
      }),
      expect.objectContaining({
        meetingId: `${GROUP}-1`,
        groupId: GROUP,
        reason: 'group-closed',
        invited: true,
        sequence: 1,
      }),
    ]);
    expect(
      await planFollowingSession(deps, { orgId: ORG, groupId: GROUP, meetingId: `${GROUP}-2` }, NOW),
    ).toBe('already-planned');
    expect(sessions.sessions.has(`${GROUP}-3`)).toBe(false);
    // Closing again cancels nothing more.
    expect(await stopSessionPlan(deps, { orgId: ORG, groupId: GROUP }, NOW)).toBe(0);
  });

  it('leaves a session that has started alone when closing (members may still say they were there)', async () => {
    const { deps, sessions } = planDeps();
    await startSessionPlan(deps, { orgId: ORG, groupId: GROUP }, NOW);
    expect(
      await stopSessionPlan(deps, { orgId: ORG, groupId: GROUP }, new Date('2026-03-24T19:00:00Z')),
    ).toBe(0);
    expect(sessions.sessions.get(`${GROUP}-1`)?.status).toBe('planned');
  });
});

describe('closing a group', () => {
  const ctx = { orgId: ORG, group: circle(), now: new Date('2026-05-01T10:00:00Z') };
  const snapshot = (state = emptyGroupState()): GroupSnapshot => ({
    state,
    members: new Map(),
    waits: new Map(),
  });

  it('closes once with its GroupClosed; closing again changes nothing', () => {
    const closed = planClose(ctx, snapshot(), 'coordinator');
    expect(closed.outcome).toEqual({ result: 'closed', closedAt: ctx.now.toISOString() });
    expect(closed.state).toMatchObject({
      version: 1,
      closedAt: ctx.now.toISOString(),
      closedBy: 'coordinator',
    });
    expect(closed.events.map((e) => [e.detailType, parseDetail('GroupClosed', e.detail)])).toEqual([
      [
        'GroupClosed',
        {
          version: 1,
          orgId: ORG,
          occurredAt: ctx.now.toISOString(),
          groupId: GROUP,
          closedBy: 'coordinator',
        },
      ],
    ]);
    const again = planClose(
      { ...ctx, now: new Date('2026-06-01T00:00:00Z') },
      snapshot(closed.state),
      'contact',
    );
    expect(again.unchanged).toBe(true);
    expect(again.outcome).toEqual({ result: 'already-closed', closedAt: ctx.now.toISOString() });
  });

  it('seats nobody new in a closed group', () => {
    const closed = planClose(ctx, snapshot(), 'coordinator');
    const join = planJoin(ctx, snapshot(closed.state), 'member-ada');
    expect(join.outcome).toEqual({ result: 'group-closed' });
    expect(join.unchanged).toBe(true);
    expect(join.events).toEqual([]);
  });
});

describe('attendance', () => {
  const session: StoredSession = {
    orgId: ORG,
    meetingId: `${GROUP}-3`,
    groupId: GROUP,
    seq: 3,
    startsAt: '2026-03-24T18:30:00.000Z',
    durationMinutes: 90,
    sequence: 0,
    status: 'planned',
    invited: true,
    invitees: ['member-ada'],
  };
  const describeAt = (at: Date) => at.toISOString();
  const status = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as Problem).status;
    }
    return 'ok';
  };
  const after = new Date('2026-03-24T20:00:00Z');
  const before = new Date('2026-03-23T12:00:00Z');

  it('lets a member say they were there from two hours before, and say they can’t make it at any time', () => {
    expect(status(() => checkAttendance({ session, member: true }, 'held', after, describeAt))).toBe('ok');
    expect(status(() => checkAttendance({ session, member: true }, 'held', before, describeAt))).toBe(409);
    expect(status(() => checkAttendance({ session, member: true }, 'skipped', before, describeAt))).toBe(
      'ok',
    );
  });

  it('refuses someone not of the group (404), a cancelled session (410), and a second answer (410) except “I was there” after all', () => {
    const skipped = { ...session, status: 'skipped' } as unknown as Attendance;
    const held = { status: 'held' } as Attendance;
    expect(status(() => checkAttendance({ session, member: false }, 'held', after, describeAt))).toBe(404);
    expect(status(() => checkAttendance({ member: true }, 'held', after, describeAt))).toBe(404);
    expect(
      status(() =>
        checkAttendance(
          { session: { ...session, status: 'cancelled' }, member: true },
          'held',
          after,
          describeAt,
        ),
      ),
    ).toBe(410);
    expect(
      status(() => checkAttendance({ session, member: true, previous: held }, 'held', after, describeAt)),
    ).toBe(410);
    expect(
      status(() =>
        checkAttendance({ session, member: true, previous: skipped }, 'skipped', after, describeAt),
      ),
    ).toBe(410);
    expect(
      status(() => checkAttendance({ session, member: true, previous: skipped }, 'held', after, describeAt)),
    ).toBe('ok');
  });
});

describe('session milestones', () => {
  const NOW = new Date('2026-04-01T20:00:00Z');
  const deps = () => {
    const sessions = new MemorySessions();
    const reached = new Map<string, OutgoingEvent>();
    const meetings = {
      reached: async (_orgId: string, subject: string) =>
        [...reached.keys()]
          .filter((k) => k.startsWith(`${subject}#`))
          .map((k) => k.slice(subject.length + 1)),
      reach: async (_orgId: string, subject: string, milestone: string, event: OutgoingEvent) => {
        if (reached.has(`${subject}#${milestone}`)) return false;
        reached.set(`${subject}#${milestone}`, event);
        return true;
      },
    };
    const attend = (participantId: string, n: number) => {
      for (let seq = 1; seq <= n; seq++)
        sessions.attendances.set(`${participantId}#s${seq}`, {
          orgId: ORG,
          groupId: GROUP,
          meetingId: `${GROUP}-${seq}`,
          participantId,
          status: 'held',
          at: NOW.toISOString(),
        });
    };
    return { deps: { sessions, meetings }, reached, attend };
  };

  it('reaches sessions-1, -5 and -10 for each member once, counting only their own attended sessions', async () => {
    const { deps: d, reached, attend } = deps();
    const ref = { orgId: ORG, groupId: GROUP, participantId: 'member-ada' };
    attend('member-ada', 1);
    attend('member-bo', 7);
    expect((await recordSessionMilestones(d, ref, NOW)).reached).toEqual(['sessions-1']);
    expect((await recordSessionMilestones(d, ref, NOW)).reached).toEqual([]);
    attend('member-ada', 5);
    expect((await recordSessionMilestones(d, ref, NOW)).reached).toEqual(['sessions-5']);
    const bo = await recordSessionMilestones(d, { ...ref, participantId: 'member-bo' }, NOW);
    expect(bo.reached).toEqual(['sessions-1', 'sessions-5']);
    attend('member-ada', 10);
    expect((await recordSessionMilestones(d, ref, NOW)).reached).toEqual(['sessions-10']);
    const event = reached.get(`${sessionMilestoneSubject(GROUP, 'member-ada')}#sessions-5`);
    expect(parseDetail('MilestoneReached', event?.detail)).toEqual({
      version: 1,
      orgId: ORG,
      occurredAt: NOW.toISOString(),
      milestone: 'sessions-5',
      participantIds: ['member-ada'],
      groupId: GROUP,
    });
  });

  it('reaches nothing for a member who said they could not make it', async () => {
    const { deps: d } = deps();
    d.sessions.attendances.set('member-ada#s1', {
      orgId: ORG,
      groupId: GROUP,
      meetingId: `${GROUP}-1`,
      participantId: 'member-ada',
      status: 'skipped',
      at: NOW.toISOString(),
    });
    const result = await recordSessionMilestones(
      d,
      { orgId: ORG, groupId: GROUP, participantId: 'member-ada' },
      NOW,
    );
    expect(result).toMatchObject({ attended: 0, reached: [] });
  });
});
