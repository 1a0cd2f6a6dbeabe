import { DateTime, IANAZone } from 'luxon';
import * as rruleModule from 'rrule';
import { z } from 'zod';
import type { OutgoingEvent } from '../events/catalogue';
import { fieldErrors, Problem } from '../http/problem';
import { peerGroupOf } from './groups';
import { LOG_OPENS_BEFORE_MS } from './meeting-log';
import type { OrganisationStore } from './ports';

/**
 * A peer group's sessions: its schedule (an RFC 5545 recurrence rule written in the group's own zone), the
 * next session kept planned ahead, each one announced as it falls due, attendance per member, and every
 * session still ahead cancelled when the group closes. Pure rules and use cases over the ports below.
 */

// Node loads rrule's CommonJS build, whose named exports sit behind `default`; bundlers load its ES module.
const { RRule } =
  (rruleModule as typeof rruleModule & { default?: typeof rruleModule }).default ?? rruleModule;

/** Daily and slower: a group that met hourly would be a mistake in its rule, not a group. */
const SLOWEST_FREQUENCY = RRule.DAILY;

const parseRule = (rule: string) => {
  if (/DTSTART|TZID/i.test(rule)) return undefined; // the schedule's own fields say where and when it starts
  try {
    const options = RRule.parseString(rule);
    if (options.freq === undefined || options.freq > SLOWEST_FREQUENCY) return undefined;
    if (options.byhour === undefined || options.byhour === null) return undefined;
    return options;
  } catch {
    return undefined;
  }
};

export const GroupSchedule = z.strictObject({
  /** e.g. `FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=30`, or `FREQ=WEEKLY;INTERVAL=2;…` every other week. */
  rrule: z
    .string()
    .max(500)
    .refine(
      (rule) => parseRule(rule) !== undefined,
      'a recurrence rule (RFC 5545) with FREQ of DAILY or slower and BYHOUR, e.g. FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=30',
    ),
  /** The zone the rule's times are written in: 18:30 stays 18:30 there across daylight-saving changes. */
  timezone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), 'an IANA time zone such as Europe/London'),
  /** The first day sessions may fall on (the rule's DTSTART, local); it anchors every-other-week rules. */
  startsOn: z.iso.date('a date such as 2026-01-06'),
  durationMinutes: z
    .int('a whole number of minutes')
    .min(15, 'at least 15')
    .max(480, 'at most 480')
    .default(90),
  /** How long before a session its reminder goes out. */
  reminderLeadHours: z
    .int('a whole number of hours')
    .min(1, 'at least 1')
    .max(168, 'at most 168')
    .default(24),
});
export type GroupSchedule = z.infer<typeof GroupSchedule>;
export type GroupScheduleInput = z.input<typeof GroupSchedule>;

export const parseGroupSchedule = (input: unknown, prefix = ''): GroupSchedule => {
  const result = GroupSchedule.safeParse(input);
  if (result.success) return result.data;
  throw new Problem(
    422,
    'invalid-group-schedule',
    'The group schedule cannot be used',
    undefined,
    fieldErrors(result.error, prefix),
  );
};

/*
 * The rule is expanded in "floating" wall-clock time (a local time held in a Date's UTC fields, as rrule does
 * without a TZID), and each occurrence is then placed in the zone with luxon. So the wall-clock time is what
 * repeats, and the instant moves with the zone's offset.
 */

const floating = (local: DateTime) =>
  new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));

const placed = (wallClock: Date, zone: string) =>
  DateTime.fromObject(
    {
      year: wallClock.getUTCFullYear(),
      month: wallClock.getUTCMonth() + 1,
      day: wallClock.getUTCDate(),
      hour: wallClock.getUTCHours(),
      minute: wallClock.getUTCMinutes(),
    },
    { zone },
  ).toJSDate();

const ruleOf = (schedule: GroupSchedule) => {
  const [year = 0, month = 1, day = 1] = schedule.startsOn.split('-').map(Number);
  return new RRule({
    ...parseRule(schedule.rrule),
    dtstart: new Date(Date.UTC(year, month - 1, day)),
  });
};

/** Enough for any rule of daily or slower frequency to pass a day of offset; a guard, never reached. */
const MAX_STEPS = 64;

/** The first session that starts after `after`, or undefined when the rule has ended (COUNT, UNTIL). */
export const sessionAfter = (schedule: GroupSchedule, after: Date): Date | undefined => {
  const rule = ruleOf(schedule);
  // A day early in wall-clock time: no zone's offset moves a local time further than that from UTC.
  let cursor = floating(DateTime.fromJSDate(after).setZone(schedule.timezone).minus({ days: 1 }));
  for (let step = 0; step < MAX_STEPS; step++) {
    const next = rule.after(cursor, false);
    if (!next) return undefined;
    const startsAt = placed(next, schedule.timezone);
    if (startsAt > after) return startsAt;
    cursor = next;
  }
  return undefined;
};

/** The first `count` sessions after `after` (fewer when the rule ends). */
export const sessionsAfter = (schedule: GroupSchedule, after: Date, count: number): Date[] => {
  const sessions: Date[] = [];
  let from = after;
  while (sessions.length < count) {
    const next = sessionAfter(schedule, from);
    if (!next) break;
    sessions.push(next);
    from = next;
  }
  return sessions;
};

/** A session's id: its group's and its number, so the planner can only ever create each once. */
export const sessionId = (groupId: string, seq: number) => `${groupId}-${seq}`;

/** A reminder due in the past (a first session sooner than the lead) goes out at once. */
export const sessionReminderAt = (startsAt: Date, leadHours: number, now: Date) => {
  const at = new Date(startsAt.getTime() - leadHours * 3_600_000);
  return at < now ? now : at;
};

/* ---------- Sessions and their plan ---------- */

export type SessionStatus = 'planned' | 'cancelled';

/** One session of a group; the due index finds it when its reminder is due. */
export interface GroupSession {
  orgId: string;
  meetingId: string;
  groupId: string;
  seq: number;
  startsAt: string;
  durationMinutes: number;
  /** The calendar invite's SEQUENCE: raised on every change. */
  sequence: number;
  status: SessionStatus;
}

/** A session as read: whether its reminder has gone out, and to whom (they get the cancellation). */
export type StoredSession = GroupSession & { invited: boolean; invitees: string[] };

export type AttendanceStatus = 'held' | 'skipped';

/** One member's answer about one session: "I was there" (held) or "I can't make it" (skipped). */
export interface Attendance {
  orgId: string;
  groupId: string;
  meetingId: string;
  participantId: string;
  status: AttendanceStatus;
  at: string;
}

/** What the session use cases need from storage (shared/data/group-sessions.ts). */
export interface SessionStore {
  session(orgId: string, meetingId: string): Promise<StoredSession | undefined>;
  /** The newest session's number, and when the plan stopped (the group closed). */
  plan(orgId: string, groupId: string): Promise<{ lastSeq: number; closedAt?: string } | undefined>;
  /** The plan with its first session, once per group (false: it exists, or the plan stopped). */
  start(session: GroupSession, remindAt: Date): Promise<boolean>;
  /** The session after the newest one, once, only while the plan runs. */
  planNext(session: GroupSession, remindAt: Date): Promise<boolean>;
  /** No session is planned after this; returns the plan as it stands. */
  stop(orgId: string, groupId: string, now: Date): Promise<{ lastSeq: number }>;
  /** A planned session cancelled with its event; false when it changed since it was read. */
  cancel(session: StoredSession, event: OutgoingEvent, now: Date): Promise<boolean>;
  attendance(
    orgId: string,
    groupId: string,
    participantId: string,
    meetingId: string,
  ): Promise<Attendance | undefined>;
  /** An answer with its MeetingLogged; false when an answer it may not replace is there. */
  recordAttendance(attendance: Attendance, event: OutgoingEvent, now: Date): Promise<boolean>;
  /** Sessions the member said they were at. */
  attendedCount(orgId: string, groupId: string, participantId: string): Promise<number>;
}

export interface SessionPlanDeps {
  organisations: OrganisationStore;
  groups: { state(orgId: string, groupId: string): Promise<{ closedAt?: string }> };
  sessions: SessionStore;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

export type SessionPlanOutcome =
  | 'planned'
  | 'already-planned'
  | 'not-a-group'
  | 'no-schedule'
  | 'schedule-ended'
  | 'group-closed'
  | 'session-not-found';

/** The group and its schedule, while it runs; the reason nothing is planned otherwise. */
const runningGroup = async (deps: SessionPlanDeps, orgId: string, groupId: string) => {
  const group = peerGroupOf(await deps.organisations.get(orgId), groupId);
  if (!group) return 'not-a-group' as const;
  if (!group.schedule) return 'no-schedule' as const;
  if ((await deps.groups.state(orgId, groupId)).closedAt) return 'group-closed' as const;
  return { group, schedule: parseGroupSchedule(group.schedule, '/schedule') };
};

const newSession = (
  ref: { orgId: string; groupId: string },
  seq: number,
  startsAt: Date,
  schedule: GroupSchedule,
): GroupSession => ({
  orgId: ref.orgId,
  meetingId: sessionId(ref.groupId, seq),
  groupId: ref.groupId,
  seq,
  startsAt: startsAt.toISOString(),
  durationMinutes: schedule.durationMinutes,
  sequence: 0,
  status: 'planned',
});

/** A member took a seat: the group's first session is planned unless its plan already runs. */
export const startSessionPlan = async (
  deps: SessionPlanDeps,
  ref: { orgId: string; groupId: string },
  now: Date,
): Promise<SessionPlanOutcome> => {
  if (await deps.sessions.plan(ref.orgId, ref.groupId)) return 'already-planned';
  const running = await runningGroup(deps, ref.orgId, ref.groupId);
  if (typeof running === 'string') return running;
  const startsAt = sessionAfter(running.schedule, now);
  if (!startsAt) return 'schedule-ended';
  const session = newSession(ref, 1, startsAt, running.schedule);
  const stored = await deps.sessions.start(
    session,
    sessionReminderAt(startsAt, running.schedule.reminderLeadHours, now),
  );
  return stored ? 'planned' : 'already-planned';
};

/** MeetingDue of a session: the one after it, as the schedule (as it stands now) has it. */
export const planFollowingSession = async (
  deps: SessionPlanDeps,
  ref: { orgId: string; groupId: string; meetingId: string },
  now: Date,
): Promise<SessionPlanOutcome> => {
  const due = await deps.sessions.session(ref.orgId, ref.meetingId);
  if (due?.groupId !== ref.groupId) return 'session-not-found';
  const running = await runningGroup(deps, ref.orgId, ref.groupId);
  if (typeof running === 'string') return running;
  const startsAt = sessionAfter(running.schedule, new Date(due.startsAt));
  if (!startsAt) return 'schedule-ended';
  const next = newSession(ref, due.seq + 1, startsAt, running.schedule);
  const stored = await deps.sessions.planNext(
    next,
    sessionReminderAt(startsAt, running.schedule.reminderLeadHours, now),
  );
  return stored ? 'planned' : 'already-planned';
};

/** How far back a closing looks for sessions still ahead: one planned ahead, one perhaps reminded. */
const MAX_SESSIONS_AHEAD = 8;

/**
 * GroupClosed: the plan stops first (so nothing is planned after this reads it), then every session still
 * ahead is cancelled, with a cancellation of its invite for those who got one.
 */
export const stopSessionPlan = async (
  deps: Pick<SessionPlanDeps, 'sessions' | 'log'>,
  ref: { orgId: string; groupId: string },
  now: Date,
): Promise<number> => {
  const { lastSeq } = await deps.sessions.stop(ref.orgId, ref.groupId, now);
  let cancelled = 0;
  for (let seq = lastSeq; seq >= 1 && seq > lastSeq - MAX_SESSIONS_AHEAD; seq--) {
    const meetingId = sessionId(ref.groupId, seq);
    // Read again after a lost race (its reminder went out in between, so its invite needs cancelling too).
    for (let attempt = 1; attempt <= 3; attempt++) {
      const session = await deps.sessions.session(ref.orgId, meetingId);
      // A session that has started stays as it is: members may still say they were there.
      if (session?.status !== 'planned' || Date.parse(session.startsAt) <= now.getTime()) break;
      const done = await deps.sessions.cancel(
        session,
        {
          detailType: 'MeetingCancelled',
          detail: {
            version: 1,
            orgId: ref.orgId,
            occurredAt: now.toISOString(),
            meetingId,
            groupId: ref.groupId,
            startsAt: session.startsAt,
            sequence: session.sequence + 1,
            reason: 'group-closed',
            invited: session.invited,
          },
        },
        now,
      );
      if (done) {
        cancelled++;
        break;
      }
      deps.log?.('a session changed while being cancelled; reading again', { meetingId });
    }
  }
  return cancelled;
};

/* ---------- Attendance: "I was there" / "I can't make it" ---------- */

export const AttendanceAnswer = z.enum(['held', 'skipped'], 'held or skipped');

/** What an attendance link names (from its token). */
export interface AttendanceClaims {
  orgId: string;
  meetingId: string;
  participantId: string;
}

export const sessionNotFound = () =>
  new Problem(
    404,
    'session-not-found',
    'There is no such session',
    'This link does not open a group session of yours. Please use the link exactly as it came in the email.',
    [{ pointer: '/token', detail: 'The token names no session of yours' }],
  );

export const sessionCancelled = () =>
  new Problem(
    410,
    'session-cancelled',
    'This session was cancelled',
    'There is nothing to record for it. Nothing was changed.',
  );

export const attendanceAlreadyRecorded = (status: AttendanceStatus) =>
  new Problem(
    410,
    'attendance-already-recorded',
    'You have already told us about this session',
    status === 'held'
      ? 'We have recorded that you were there. Nothing was changed.'
      : 'We have recorded that you could not make it. Nothing was changed.',
  );

export const sessionNotYet = (opensAt: string) =>
  new Problem(
    409,
    'session-not-yet',
    'This session has not happened yet',
    `You can say you were there from two hours before it starts, that is from ${opensAt}. Nothing was changed.`,
  );

export interface AttendableSession {
  session: StoredSession;
  previous?: Attendance;
}

/**
 * Whether the member may give this answer now: not theirs (404), cancelled (410), answered already (410:
 * "I was there" is final; "I can't make it" may become "I was there"), "I was there" too early (409).
 */
export const checkAttendance = (
  found: { session?: StoredSession; member: boolean; previous?: Attendance },
  answer: AttendanceStatus,
  now: Date,
  describe: (at: Date) => string,
): AttendableSession => {
  const { session, previous } = found;
  if (!session || !found.member) throw sessionNotFound();
  if (session.status === 'cancelled') throw sessionCancelled();
  if (previous && (previous.status === 'held' || answer === 'skipped'))
    throw attendanceAlreadyRecorded(previous.status);
  const opensAt = new Date(Date.parse(session.startsAt) - LOG_OPENS_BEFORE_MS);
  if (answer === 'held' && now < opensAt) throw sessionNotYet(describe(opensAt));
  return { session, ...(previous ? { previous } : {}) };
};

export interface AttendanceDeps {
  sessions: Pick<SessionStore, 'session' | 'attendance' | 'recordAttendance'>;
  /** Whether the person has ever had a place in the group (a member who left still attended what they did). */
  isMember(orgId: string, groupId: string, participantId: string): Promise<boolean>;
}

/** The session a link names, checked for the person and the answer. */
export const attendableSession = async (
  deps: AttendanceDeps,
  claims: AttendanceClaims,
  answer: AttendanceStatus,
  now: Date,
  describe: (at: Date) => string,
): Promise<AttendableSession> => {
  const session = await deps.sessions.session(claims.orgId, claims.meetingId);
  if (!session) throw sessionNotFound();
  const [member, previous] = await Promise.all([
    deps.isMember(claims.orgId, session.groupId, claims.participantId),
    deps.sessions.attendance(claims.orgId, session.groupId, claims.participantId, claims.meetingId),
  ]);
  return checkAttendance({ session, member, previous }, answer, now, describe);
};

/** The member's answer with its MeetingLogged, in one write that lands once (see checkAttendance). */
export const recordAttendance = async (
  deps: AttendanceDeps,
  claims: AttendanceClaims,
  answer: AttendanceStatus,
  now: Date,
  describe: (at: Date) => string,
): Promise<AttendableSession> => {
  const attendable = await attendableSession(deps, claims, answer, now, describe);
  const { groupId } = attendable.session;
  const event: OutgoingEvent<'MeetingLogged'> = {
    detailType: 'MeetingLogged',
    detail: {
      version: 1,
      orgId: claims.orgId,
      occurredAt: now.toISOString(),
      meetingId: claims.meetingId,
      groupId,
      participantId: claims.participantId,
      status: answer,
    },
  };
  const attendance: Attendance = { ...claims, groupId, status: answer, at: now.toISOString() };
  if (await deps.sessions.recordAttendance(attendance, event, now)) return attendable;
  // Lost a race with a second press: say what is recorded now.
  const again = await deps.sessions.attendance(claims.orgId, groupId, claims.participantId, claims.meetingId);
  if (again) throw attendanceAlreadyRecorded(again.status);
  throw new Error(`attendance at ${claims.meetingId} did not land, yet none is recorded`);
};
