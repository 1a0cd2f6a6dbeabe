import type { MatchingStore } from '../data/matching';
import type { Meeting, MeetingPlan, MeetingStore } from '../data/meetings';
import { parseMatchingSettings } from '../matching/settings';
import {
  ANNIVERSARY_MONTHS,
  anniversaryAt,
  chooseSlot,
  firstMeeting,
  meetingId,
  nextMeeting,
  parseMeetingSettings,
  reminderAt,
} from './meetings';
import { findProgram } from './organisation';
import type { OrganisationStore } from './ports';

/**
 * The meeting plan's use cases. One planned meeting is kept ahead: the first when the match is made, the next
 * one each time a meeting falls due, and the planned one cancelled when the match ends. Every step is a
 * conditional write, so redelivered or late events change nothing twice.
 */

export interface PlanDeps {
  organisations: OrganisationStore;
  matching: MatchingStore;
  meetings: MeetingStore;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** A reminder due in the past (a first meeting sooner than the lead) goes out at once. */
export const remindAt = (startsAt: Date, leadHours: number, now: Date) => {
  const at = reminderAt(startsAt, leadHours);
  return at < now ? now : at;
};

const programSettings = async (deps: PlanDeps, orgId: string, programId: string) => {
  const org = await deps.organisations.get(orgId);
  const program = org && findProgram(org, programId);
  if (program?.kind !== 'mentoring') return undefined;
  return {
    matching: parseMatchingSettings(program.matching, '/matching'),
    meetings: parseMeetingSettings(program.meetings, '/meetings'),
  };
};

export type PlanOutcome = 'planned' | 'already-planned' | 'match-not-active' | 'no-slot' | 'not-mentoring';

/** MatchMade: the pair's slot and their first meeting. */
export const startMeetingPlan = async (
  deps: PlanDeps,
  ref: { orgId: string; matchId: string },
  now: Date,
): Promise<PlanOutcome> => {
  const match = await deps.matching.match(ref.orgId, ref.matchId);
  if (match?.status !== 'active') return 'match-not-active';
  const settings = await programSettings(deps, ref.orgId, match.programId);
  if (!settings) return 'not-mentoring';
  const [mentor, mentee] = await Promise.all([
    deps.matching.participant(ref.orgId, match.mentorId),
    deps.matching.participant(ref.orgId, match.menteeId),
  ]);
  if (!mentor || !mentee) return 'match-not-active';
  const slot = chooseSlot(
    match.explanation.overlap,
    { anchorZone: mentee.timezone, otherZone: mentor.timezone },
    settings.matching.meetingMinutes,
  );
  if (!slot) return 'no-slot';
  const plan: MeetingPlan = {
    slot,
    cadence: settings.meetings.cadence,
    reminderLeadHours: settings.meetings.reminderLeadHours,
  };
  const startsAt = firstMeeting(slot, new Date(match.createdAt), settings.meetings);
  const meeting: Meeting = {
    orgId: ref.orgId,
    meetingId: meetingId(match.matchId, 1),
    matchId: match.matchId,
    programId: match.programId,
    seq: 1,
    startsAt: startsAt.toISOString(),
    durationMinutes: slot.durationMinutes,
    sequence: 0,
    status: 'planned',
  };
  const months = ANNIVERSARY_MONTHS[0];
  const stored = await deps.meetings.startPlan(
    meeting,
    plan,
    remindAt(startsAt, plan.reminderLeadHours, now),
    {
      mentorId: match.mentorId,
      menteeId: match.menteeId,
      matchedAt: match.createdAt,
      months,
      dueAt: anniversaryAt(new Date(match.createdAt), months),
    },
  );
  return stored ? 'planned' : 'already-planned';
};

/** MeetingDue: the meeting after it, at the same local time, `cadence` weeks after its planned time. */
export const planFollowingMeeting = async (
  deps: PlanDeps,
  ref: { orgId: string; matchId: string; meetingId: string },
  now: Date,
): Promise<PlanOutcome> => {
  const [match, due] = await Promise.all([
    deps.matching.match(ref.orgId, ref.matchId),
    deps.meetings.meeting(ref.orgId, ref.meetingId),
  ]);
  const plan = (match as (typeof match & { plan?: MeetingPlan }) | undefined)?.plan;
  if (match?.status !== 'active' || !plan || !due) return 'match-not-active';
  // A moved meeting was a one-off: the pair's regular slot and cadence go on from the plan's own time.
  const startsAt = nextMeeting(plan.slot, new Date(due.plannedStartsAt ?? due.startsAt), plan.cadence);
  const next: Meeting = {
    orgId: ref.orgId,
    meetingId: meetingId(match.matchId, due.seq + 1),
    matchId: match.matchId,
    programId: match.programId,
    seq: due.seq + 1,
    startsAt: startsAt.toISOString(),
    durationMinutes: plan.slot.durationMinutes,
    sequence: 0,
    status: 'planned',
  };
  const stored = await deps.meetings.planNext(next, remindAt(startsAt, plan.reminderLeadHours, now));
  return stored ? 'planned' : 'already-planned';
};

/** MatchEnded: every meeting still ahead is cancelled (with a cancellation of its invite if one went out). */
export const stopMeetingPlan = async (
  deps: PlanDeps,
  ref: { orgId: string; matchId: string },
  now: Date,
): Promise<number> => {
  await deps.meetings.stopAnniversaries(ref.orgId, ref.matchId);
  let cancelled = 0;
  // Read again after a lost race (its reminder went out in between, so its invite needs cancelling too).
  for (let attempt = 1; attempt <= 3; attempt++) {
    const planned = (await deps.meetings.meetingsOfMatch(ref.orgId, ref.matchId)).filter(
      // Only meetings still ahead: one that has started stays loggable ("we met" after the ending is true).
      (meeting) => meeting.status === 'planned' && Date.parse(meeting.startsAt) > now.getTime(),
    );
    let lost = false;
    for (const meeting of planned) {
      const done = await deps.meetings.cancel(
        meeting,
        {
          detailType: 'MeetingCancelled',
          detail: {
            version: 1,
            orgId: ref.orgId,
            occurredAt: now.toISOString(),
            meetingId: meeting.meetingId,
            matchId: ref.matchId,
            startsAt: meeting.startsAt,
            sequence: meeting.sequence + 1,
            reason: 'match-ended',
            invited: meeting.invited,
          },
        },
        now,
      );
      if (done) cancelled++;
      else lost = true;
    }
    if (!lost) break;
    deps.log?.('a meeting changed while being cancelled; reading again', { matchId: ref.matchId });
  }
  return cancelled;
};
