import type { MatchingStore } from '../data/matching';
import type { MeetingPlan, MeetingStore, StoredMeeting } from '../data/meetings';
import type { OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import type { Match, MatchRole } from './match';
import { meetingAlreadyLogged, meetingCancelled, meetingMatchEnded, meetingNotFound } from './meeting-log';
import { remindAt } from './meeting-plans';
import { moveWindow, nextMeeting, offeredSlots } from './meetings';
import type { Participant } from './participant';

/**
 * "Reschedule": one of a pair moves a planned meeting to one of a few times that suit both, from the link in
 * its reminder. The move is one write conditioned on the meeting still being planned at the sequence read, so
 * of two people moving it at once one wins and the other is told it moved. Rules:
 *
 * - Offered times: see `offeredSlots` and `moveWindow` (sociable for both, inside both people's free hours,
 *   from 12 hours on, before the day ahead of the next regular meeting, within two weeks).
 * - The invite's SEQUENCE is raised and both people get the updated invite at once (MeetingRescheduled).
 * - The reminder (with its one-click links) is due again at the lead before the new time, or at the next sweep
 *   when the new time is already within the lead: its links are the ones that work from then on.
 * - A move is a one-off: the next meeting keeps the pair's regular slot and cadence from the planned time.
 * - A link from an email sent before the latest move is stale (409): the newest email has the current time.
 */

/** A reschedule link is about one meeting; it is also how its signing time is known (see `linkIssuedAt`). */
export const RESCHEDULE_LINK_TTL_SECONDS = 60 * 24 * 3600;

/** When a reschedule link was signed: its expiry less the lifetime every such link is given. */
export const linkIssuedAt = (expiresAtSeconds: number) =>
  new Date((expiresAtSeconds - RESCHEDULE_LINK_TTL_SECONDS) * 1000);

/** What a reschedule link names (from its token). */
export interface MoveClaims {
  orgId: string;
  meetingId: string;
  participantId: string;
  issuedAt: Date;
}

export const meetingStarted = () =>
  new Problem(
    410,
    'meeting-started',
    'This meeting has already started',
    'A meeting can only be moved before it starts. Nothing was changed.',
  );

export const meetingMoved = (now: string) =>
  new Problem(
    409,
    'meeting-moved',
    'This meeting has been moved since this email',
    `It is now planned for ${now}, and you both have an email with the updated invite. Please use the newest email about it to move it again. Nothing was changed.`,
  );

export const timeNotOffered = () =>
  new Problem(422, 'time-not-offered', 'That time cannot be chosen', 'Nothing was changed.', [
    { pointer: '/startsAt', detail: 'Not one of the times offered for this meeting (they may have passed)' },
  ]);

/** A meeting the person may move, their place in its pair, and the times it may move to. */
export interface MovableMeeting {
  meeting: StoredMeeting;
  match: Match;
  role: MatchRole;
  reader: Participant;
  other: Participant;
  offered: Date[];
}

export interface MoveDeps {
  matching: Pick<MatchingStore, 'match' | 'participant'>;
  meetings: Pick<MeetingStore, 'meeting' | 'move'>;
}

const planOf = (match: Match) => (match as Match & { plan?: MeetingPlan }).plan;

/** Tokens carry whole seconds: a link signed in the second of the move (its own email's) is current. */
const signedSince = (issuedAt: Date, movedAt: Date) =>
  Math.floor(issuedAt.getTime() / 1000) >= Math.floor(movedAt.getTime() / 1000);

/**
 * Whether the person may move the meeting now, in the order a person would want to hear it: not theirs
 * (404), cancelled, already recorded, its match ended or it has started (410), moved since the link was sent
 * (409). `describe` writes a time for the person (in their own zone).
 */
export const checkMovable = (
  found: { meeting?: StoredMeeting; match?: Match },
  claims: MoveClaims,
  now: Date,
  describe: (at: Date) => string,
): { meeting: StoredMeeting; match: Match; role: MatchRole } => {
  const { meeting, match } = found;
  if (!meeting || !match || meeting.matchId !== match.matchId) throw meetingNotFound();
  const role: MatchRole | undefined =
    match.mentorId === claims.participantId
      ? 'mentor'
      : match.menteeId === claims.participantId
        ? 'mentee'
        : undefined;
  if (!role) throw meetingNotFound();
  if (meeting.status === 'cancelled') throw meetingCancelled();
  if (meeting.status !== 'planned') throw meetingAlreadyLogged(meeting, role, claims.participantId);
  if (match.status !== 'active') throw meetingMatchEnded();
  if (Date.parse(meeting.startsAt) <= now.getTime()) throw meetingStarted();
  if (meeting.movedAt && !signedSince(claims.issuedAt, new Date(meeting.movedAt)))
    throw meetingMoved(describe(new Date(meeting.startsAt)));
  return { meeting, match, role };
};

/** The meeting a link names, checked for the person, with the times it may move to. */
export const movableMeeting = async (
  deps: MoveDeps,
  claims: MoveClaims,
  now: Date,
  describe: (at: Date) => string,
): Promise<MovableMeeting> => {
  const meeting = await deps.meetings.meeting(claims.orgId, claims.meetingId);
  const match = meeting?.matchId ? await deps.matching.match(claims.orgId, meeting.matchId) : undefined;
  const checked = checkMovable({ meeting, match }, claims, now, describe);
  const [mentor, mentee] = await Promise.all([
    deps.matching.participant(claims.orgId, checked.match.mentorId),
    deps.matching.participant(claims.orgId, checked.match.menteeId),
  ]);
  if (!mentor || !mentee) throw meetingNotFound();
  const plan = planOf(checked.match);
  const planned = new Date(checked.meeting.plannedStartsAt ?? checked.meeting.startsAt);
  const window = moveWindow(now, plan && nextMeeting(plan.slot, planned, plan.cadence));
  const person = (p: Participant) => ({ timezone: p.timezone, availability: p.profile.availability ?? [] });
  const offered = offeredSlots(
    { anchor: person(mentee), other: person(mentor) },
    checked.meeting.durationMinutes,
    {
      ...window,
      except: new Date(checked.meeting.startsAt),
    },
  );
  const [reader, other] = checked.role === 'mentor' ? [mentor, mentee] : [mentee, mentor];
  return { ...checked, reader, other, offered };
};

export const meetingRescheduled = (
  claims: MoveClaims,
  meeting: StoredMeeting,
  startsAt: Date,
  now: Date,
): OutgoingEvent<'MeetingRescheduled'> => ({
  detailType: 'MeetingRescheduled',
  detail: {
    version: 1,
    orgId: claims.orgId,
    occurredAt: now.toISOString(),
    meetingId: meeting.meetingId,
    matchId: meeting.matchId,
    participantId: claims.participantId,
    startsAt: startsAt.toISOString(),
    previousStartsAt: meeting.startsAt,
    sequence: meeting.sequence + 1,
  },
});

/** Default lead when a match has no stored plan (it always has one once a meeting exists). */
const DEFAULT_LEAD_HOURS = 24;

/**
 * Moves the meeting to `startsAt` (one of the offered times) with its MeetingRescheduled, in one write that
 * only lands while the meeting is still planned at the sequence read. When another press got there first,
 * the problem says what happened to it.
 */
export const moveMeeting = async (
  deps: MoveDeps,
  claims: MoveClaims,
  startsAt: Date,
  now: Date,
  describe: (at: Date) => string,
): Promise<MovableMeeting> => {
  const movable = await movableMeeting(deps, claims, now, describe);
  if (!movable.offered.some((at) => at.getTime() === startsAt.getTime())) throw timeNotOffered();
  const event = meetingRescheduled(claims, movable.meeting, startsAt, now);
  const lead = planOf(movable.match)?.reminderLeadHours ?? DEFAULT_LEAD_HOURS;
  const moved = await deps.meetings.move(
    movable.meeting,
    { startsAt: startsAt.toISOString(), movedBy: claims.participantId },
    remindAt(startsAt, lead, now),
    event,
    now,
  );
  if (moved) return movable;
  // Lost a race (the other person, or a second press): say what happened to it.
  const again = await deps.meetings.meeting(claims.orgId, claims.meetingId);
  checkMovable({ meeting: again, match: movable.match }, claims, now, describe);
  throw meetingMoved(describe(new Date(again?.startsAt ?? movable.meeting.startsAt)));
};
