import { z } from 'zod';
import type { MatchingStore } from '../data/matching';
import type { MeetingStore, StoredMeeting } from '../data/meetings';
import type { OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import type { Match, MatchRole } from './match';

/**
 * "We met" / "we skipped": one of a pair records a meeting, once, from the one-click links of its reminder.
 * Pure rules over what is stored; the store's conditional write keeps it to once under concurrency.
 */

export const LoggedStatus = z.enum(['held', 'skipped'], 'held or skipped');
export type LoggedStatus = z.infer<typeof LoggedStatus>;

/** A meeting can be recorded from this long before it starts (a pair may sit down early), and any time after. */
export const LOG_OPENS_BEFORE_MS = 2 * 3600 * 1000;

export const logOpensAt = (meeting: Pick<StoredMeeting, 'startsAt'>) =>
  new Date(Date.parse(meeting.startsAt) - LOG_OPENS_BEFORE_MS);

/** What a log link names (from its token). */
export interface MeetingLogClaims {
  orgId: string;
  meetingId: string;
  participantId: string;
}

/** A meeting the person may record, and their place in its pair. */
export interface LoggableMeeting {
  meeting: StoredMeeting;
  match: Match;
  role: MatchRole;
  /** The other person of the pair. */
  otherId: string;
}

export const meetingNotFound = () =>
  new Problem(
    404,
    'meeting-not-found',
    'There is no such meeting',
    'This link does not open a meeting of yours. Please use the link exactly as it came in the email.',
    [{ pointer: '/token', detail: 'The token names no meeting of yours' }],
  );

export const meetingCancelled = () =>
  new Problem(
    410,
    'meeting-cancelled',
    'This meeting was cancelled',
    'There is nothing to record for it. Nothing was changed.',
  );

const recorded = (status: string) => (status === 'held' ? 'that you met' : 'that you skipped this meeting');

/** Says what was recorded, and by whom (you, or your mentor / mentee), without naming anyone. */
export const meetingAlreadyLogged = (
  meeting: Pick<StoredMeeting, 'status' | 'loggedBy'>,
  reader: LoggableMeeting['role'],
  participantId: string,
) => {
  const other = reader === 'mentor' ? 'Your mentee' : 'Your mentor';
  const who = meeting.loggedBy === participantId ? 'You' : other;
  return new Problem(
    410,
    'meeting-already-logged',
    'This meeting has already been recorded',
    `${who} already told us ${recorded(meeting.status)}. Nothing was changed. If that is not right, please let your program coordinator know.`,
  );
};

export const meetingMatchEnded = () =>
  new Problem(
    410,
    'match-ended',
    'This match has ended',
    'So there is nothing more to record for its meetings. Nothing was changed.',
  );

export const meetingNotYet = (opensAt: string) =>
  new Problem(
    409,
    'meeting-not-yet',
    'This meeting has not happened yet',
    `You can record it from two hours before it starts, that is from ${opensAt}. Nothing was changed.`,
  );

/**
 * Whether the person may record the meeting now, in the order a person would want to hear it: not theirs
 * (404), cancelled (410), already recorded (410, saying what), its match ended (410), too early (409).
 * `describe` writes a time for the person (in their own zone).
 */
export const checkLoggable = (
  found: { meeting?: StoredMeeting; match?: Match },
  participantId: string,
  now: Date,
  describe: (at: Date) => string,
): LoggableMeeting => {
  const { meeting, match } = found;
  if (!meeting || !match || meeting.matchId !== match.matchId) throw meetingNotFound();
  const role: MatchRole | undefined =
    match.mentorId === participantId ? 'mentor' : match.menteeId === participantId ? 'mentee' : undefined;
  if (!role) throw meetingNotFound();
  if (meeting.status === 'cancelled') throw meetingCancelled();
  if (meeting.status !== 'planned') throw meetingAlreadyLogged(meeting, role, participantId);
  if (match.status !== 'active') throw meetingMatchEnded();
  const opensAt = logOpensAt(meeting);
  if (now < opensAt) throw meetingNotYet(describe(opensAt));
  return { meeting, match, role, otherId: role === 'mentor' ? match.menteeId : match.mentorId };
};

export const meetingLogged = (
  claims: MeetingLogClaims,
  matchId: string,
  status: LoggedStatus,
  now: Date,
): OutgoingEvent<'MeetingLogged'> => ({
  detailType: 'MeetingLogged',
  detail: {
    version: 1,
    orgId: claims.orgId,
    occurredAt: now.toISOString(),
    meetingId: claims.meetingId,
    matchId,
    participantId: claims.participantId,
    status,
  },
});

export interface MeetingLogDeps {
  matching: Pick<MatchingStore, 'match'>;
  meetings: Pick<MeetingStore, 'meeting' | 'log'>;
}

/** The meeting and match a link names, checked for the person. */
export const loggableMeeting = async (
  deps: MeetingLogDeps,
  claims: MeetingLogClaims,
  now: Date,
  describe: (at: Date) => string,
): Promise<LoggableMeeting> => {
  const meeting = await deps.meetings.meeting(claims.orgId, claims.meetingId);
  const match = meeting?.matchId ? await deps.matching.match(claims.orgId, meeting.matchId) : undefined;
  return checkLoggable({ meeting, match }, claims.participantId, now, describe);
};

/**
 * Records the meeting as held or skipped with its MeetingLogged, in one write that only lands while the
 * meeting is still planned. When another press got there first, the problem says what that one recorded.
 */
export const logMeeting = async (
  deps: MeetingLogDeps,
  claims: MeetingLogClaims,
  status: LoggedStatus,
  now: Date,
  describe: (at: Date) => string,
): Promise<LoggableMeeting> => {
  const loggable = await loggableMeeting(deps, claims, now, describe);
  const event = meetingLogged(claims, loggable.match.matchId, status, now);
  if (await deps.meetings.log(loggable.meeting, status, claims.participantId, event, now)) return loggable;
  // Lost a race (the other person, or a second press): read it again to say what is recorded now.
  const again = await deps.meetings.meeting(claims.orgId, claims.meetingId);
  checkLoggable({ meeting: again, match: loggable.match }, claims.participantId, now, describe);
  throw new Error(`meeting ${claims.meetingId} is planned, yet its log did not land`);
};
