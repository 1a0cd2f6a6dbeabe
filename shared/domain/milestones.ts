import { DateTime } from 'luxon';
import type { MatchingStore } from '../data/matching';
import type { MeetingStore } from '../data/meetings';
import { type MilestoneName, milestoneEmail } from '../email/milestone-templates';
import { type Branding, firstName, type RenderedEmail } from '../email/templates';
import type { EventDetail, OutgoingEvent } from '../events/catalogue';
import type { Match, MatchRole } from './match';
import type { Participant } from './participant';

/**
 * Milestones: a pair's first, 3rd, 6th and 12th meeting held, months together, a goal achieved, the program
 * completed; a group member's 1st, 5th and 10th session. Each is reached once per pair (subject: the match)
 * or person, by a conditional write; the rules here only say which are due.
 *
 * A milestone is due when its threshold is at or below the count, not only when the count equals it: events
 * arrive late, twice and out of order, so the fourth meeting's event may be the first one to see three held.
 */

export type { MilestoneName };

interface Threshold {
  milestone: MilestoneName;
  at: number;
}

export const MEETING_MILESTONES: readonly Threshold[] = [
  { milestone: 'first-meeting', at: 1 },
  { milestone: 'meetings-3', at: 3 },
  { milestone: 'meetings-6', at: 6 },
  { milestone: 'meetings-12', at: 12 },
];

export const MONTH_MILESTONES: readonly Threshold[] = [
  { milestone: 'months-1', at: 1 },
  { milestone: 'months-3', at: 3 },
  { milestone: 'months-6', at: 6 },
  { milestone: 'months-12', at: 12 },
];

export const SESSION_MILESTONES: readonly Threshold[] = [
  { milestone: 'sessions-1', at: 1 },
  { milestone: 'sessions-5', at: 5 },
  { milestone: 'sessions-10', at: 10 },
];

/** The milestones of a ladder whose threshold `count` has reached and that are not reached yet, in order. */
export const milestonesDue = (
  ladder: readonly Threshold[],
  count: number,
  alreadyReached: Iterable<string> = [],
): MilestoneName[] => {
  const reached = new Set(alreadyReached);
  return ladder.filter((step) => step.at <= count && !reached.has(step.milestone)).map((s) => s.milestone);
};

/** Meetings of the match held so far (a meeting id names its match, but the stored match id decides). */
export const heldMeetings = (meetings: readonly { matchId: string; status: string }[], matchId: string) =>
  meetings.filter((meeting) => meeting.matchId === matchId && meeting.status === 'held').length;

/**
 * Whole calendar months from `since` to `now` in the given zone: matched on 31 January, a month is complete
 * on 28 (or 29) February, as people count months.
 */
export const monthsBetween = (since: Date, now: Date, zone: string) => {
  const start = DateTime.fromJSDate(since).setZone(zone);
  const end = DateTime.fromJSDate(now).setZone(zone);
  if (end < start) return 0;
  return Math.floor(end.diff(start, 'months').months);
};

/** What a milestone is reached for: the pair's match, a group (with one member), or one person. */
export const milestoneSubject = (
  reached: Pick<EventDetail<'MilestoneReached'>, 'matchId' | 'groupId' | 'participantIds'>,
) => reached.matchId ?? reached.groupId ?? reached.participantIds[0] ?? '';

export const milestoneReached = (
  orgId: string,
  milestone: MilestoneName,
  about: { participantIds: string[]; matchId?: string; groupId?: string },
  now: Date,
): OutgoingEvent<'MilestoneReached'> => ({
  detailType: 'MilestoneReached',
  detail: {
    version: 1,
    orgId,
    occurredAt: now.toISOString(),
    milestone,
    participantIds: about.participantIds,
    ...(about.matchId ? { matchId: about.matchId } : {}),
    ...(about.groupId ? { groupId: about.groupId } : {}),
  },
});

export interface MilestoneDeps {
  matching: Pick<MatchingStore, 'match'>;
  meetings: Pick<MeetingStore, 'meetingsOfMatch' | 'reached' | 'reach'>;
}

export type MeetingMilestonesOutcome =
  | { outcome: 'match-not-found' }
  | { outcome: 'match-not-active' }
  | { outcome: 'recorded'; held: number; reached: MilestoneName[]; alreadyReached: MilestoneName[] };

/**
 * MeetingLogged (held): counts the pair's held meetings and reaches every meeting milestone the count has
 * passed and the pair has not reached yet. A relationship that has ended celebrates nothing more.
 */
export const recordMeetingMilestones = async (
  deps: MilestoneDeps,
  ref: { orgId: string; matchId: string },
  now: Date,
): Promise<MeetingMilestonesOutcome> => {
  const match = await deps.matching.match(ref.orgId, ref.matchId);
  if (!match) return { outcome: 'match-not-found' };
  if (match.status !== 'active') return { outcome: 'match-not-active' };
  const [meetings, already] = await Promise.all([
    deps.meetings.meetingsOfMatch(ref.orgId, ref.matchId),
    deps.meetings.reached(ref.orgId, ref.matchId),
  ]);
  const held = heldMeetings(meetings, ref.matchId);
  const reached: MilestoneName[] = [];
  const lost: MilestoneName[] = [];
  for (const milestone of milestonesDue(MEETING_MILESTONES, held, already)) {
    const event = milestoneReached(
      ref.orgId,
      milestone,
      { participantIds: [match.mentorId, match.menteeId], matchId: match.matchId },
      now,
    );
    // Conditional: another delivery that got here first has reached it, and this one changes nothing.
    if (await deps.meetings.reach(ref.orgId, match.matchId, milestone, event, now)) reached.push(milestone);
    else lost.push(milestone);
  }
  const alreadyReached = MEETING_MILESTONES.map((s) => s.milestone).filter(
    (m) => already.includes(m) || lost.includes(m),
  );
  return { outcome: 'recorded', held, reached, alreadyReached };
};

/** The subject a member's session milestones are kept under: the person within the group. */
export const sessionMilestoneSubject = (groupId: string, participantId: string) =>
  `${groupId}#${participantId}`;

export interface SessionMilestoneDeps {
  sessions: { attendedCount(orgId: string, groupId: string, participantId: string): Promise<number> };
  meetings: Pick<MeetingStore, 'reached' | 'reach'>;
}

export type SessionMilestonesOutcome = {
  outcome: 'recorded';
  attended: number;
  reached: MilestoneName[];
  alreadyReached: MilestoneName[];
};

/**
 * MeetingLogged (held) of a group session: counts the sessions the member was at and reaches every session
 * milestone the count has passed and the member has not reached yet, each once per person and group.
 */
export const recordSessionMilestones = async (
  deps: SessionMilestoneDeps,
  ref: { orgId: string; groupId: string; participantId: string },
  now: Date,
): Promise<SessionMilestonesOutcome> => {
  const subject = sessionMilestoneSubject(ref.groupId, ref.participantId);
  const [attended, already] = await Promise.all([
    deps.sessions.attendedCount(ref.orgId, ref.groupId, ref.participantId),
    deps.meetings.reached(ref.orgId, subject),
  ]);
  const reached: MilestoneName[] = [];
  const lost: MilestoneName[] = [];
  for (const milestone of milestonesDue(SESSION_MILESTONES, attended, already)) {
    const event = milestoneReached(
      ref.orgId,
      milestone,
      { participantIds: [ref.participantId], groupId: ref.groupId },
      now,
    );
    if (await deps.meetings.reach(ref.orgId, subject, milestone, event, now)) reached.push(milestone);
    else lost.push(milestone);
  }
  const alreadyReached = SESSION_MILESTONES.map((s) => s.milestone).filter(
    (m) => already.includes(m) || lost.includes(m),
  );
  return { outcome: 'recorded', attended, reached, alreadyReached };
};

export type ProgramCompletedOutcome =
  | { outcome: 'not-completed' }
  | { outcome: 'reached' | 'already-reached' };

/** MatchEnded: a pair that ended because they completed the program reach 'program-completed', once. */
export const recordProgramCompleted = async (
  deps: Pick<MilestoneDeps, 'meetings'>,
  ended: Pick<EventDetail<'MatchEnded'>, 'orgId' | 'matchId' | 'mentorId' | 'menteeId' | 'reason'>,
  now: Date,
): Promise<ProgramCompletedOutcome> => {
  if (ended.reason !== 'completed') return { outcome: 'not-completed' };
  const event = milestoneReached(
    ended.orgId,
    'program-completed',
    { participantIds: [ended.mentorId, ended.menteeId], matchId: ended.matchId },
    now,
  );
  const stored = await deps.meetings.reach(ended.orgId, ended.matchId, 'program-completed', event, now);
  return { outcome: stored ? 'reached' : 'already-reached' };
};

/* ---------- The celebration emails ---------- */

/** Milestones of a relationship going on: hollow once it has ended. */
const ONGOING: ReadonlySet<MilestoneName> = new Set(
  [...MEETING_MILESTONES, ...MONTH_MILESTONES].map((step) => step.milestone),
);

export type Celebration = 'send' | 'match-gone' | 'match-ended' | 'safeguarding';

/**
 * Whether a pair's milestone is still worth an email when it is sent: never after a safeguarding concern
 * ended the match, and not for a relationship's progress once it has ended; a completed program or an
 * achieved goal is celebrated after the end too. Milestones of no match are always sent.
 */
export const celebration = (
  reached: Pick<EventDetail<'MilestoneReached'>, 'milestone' | 'matchId'>,
  match: Pick<Match, 'status' | 'ended'> | undefined,
): Celebration => {
  if (!reached.matchId) return 'send';
  if (!match) return 'match-gone';
  if (match.ended?.reason === 'safeguarding-concern') return 'safeguarding';
  if (match.status !== 'active' && ONGOING.has(reached.milestone)) return 'match-ended';
  return 'send';
};

export interface MilestoneEmailPlan {
  participantId: string;
  /** `MilestoneReached:<subjectId>:<milestone>:<participantId>:milestone:v<version>`. */
  key: string;
}

/** One email per person the milestone names, each under its own key. */
export const planMilestoneEmails = (
  reached: Pick<
    EventDetail<'MilestoneReached'>,
    'milestone' | 'participantIds' | 'matchId' | 'groupId' | 'goalId'
  >,
): MilestoneEmailPlan[] => {
  const subject = milestoneSubject(reached);
  // Each goal is its own achievement: a pair's second goal is celebrated too.
  const milestone = reached.goalId ? `${reached.milestone}#${reached.goalId}` : reached.milestone;
  return [...new Set(reached.participantIds)].map((participantId) => ({
    participantId,
    key: [
      'MilestoneReached',
      subject,
      milestone,
      participantId,
      milestoneEmail.name,
      `v${milestoneEmail.version}`,
    ].join(':'),
  }));
};

export type MilestonePerson = Pick<Participant, 'participantId' | 'name' | 'email' | 'timezone'>;

export interface MilestoneEmailContext {
  brand: Branding;
  programName?: string;
  /** The pair, for a pair's milestone. */
  match?: Pick<Match, 'mentorId' | 'menteeId'>;
  /** The group's name, for a group member's milestone. */
  groupName?: string;
  /** The people found, by id; someone erased since is simply not here. */
  people: ReadonlyMap<string, MilestonePerson>;
}

export interface ComposedMilestoneEmail extends MilestoneEmailPlan {
  to: string;
  content: RenderedEmail;
}

const roleIn = (match: Pick<Match, 'mentorId' | 'menteeId'>, participantId: string): MatchRole | undefined =>
  match.mentorId === participantId ? 'mentor' : match.menteeId === participantId ? 'mentee' : undefined;

/** Each person's celebration, naming the milestone and, for a pair, the other person. */
export const composeMilestoneEmails = (
  reached: Pick<EventDetail<'MilestoneReached'>, 'milestone' | 'participantIds' | 'matchId' | 'groupId'>,
  context: MilestoneEmailContext,
): { emails: ComposedMilestoneEmail[]; missing: string[] } => {
  const emails: ComposedMilestoneEmail[] = [];
  const missing: string[] = [];
  for (const plan of planMilestoneEmails(reached)) {
    const reader = context.people.get(plan.participantId);
    if (!reader) {
      missing.push(plan.participantId);
      continue;
    }
    const role = context.match && roleIn(context.match, plan.participantId);
    const otherId =
      context.match && role
        ? role === 'mentor'
          ? context.match.menteeId
          : context.match.mentorId
        : undefined;
    const other = otherId ? context.people.get(otherId) : undefined;
    emails.push({
      ...plan,
      to: reader.email,
      content: milestoneEmail.render({
        brand: context.brand,
        programName: context.programName,
        milestone: reached.milestone,
        firstName: firstName(reader.name),
        pair: role ? { role, otherFirstName: other ? firstName(other.name) : undefined } : undefined,
        groupName: context.groupName,
      }),
    });
  }
  return { emails, missing };
};
