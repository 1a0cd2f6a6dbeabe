import type { MatchingStore, SideChange } from '../data/matching';
import type { OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import {
  type AnswerOutcome,
  afterAnswer,
  afterSignOfLife,
  askDueAt,
  awaitsEscalation,
  type CheckIn,
  type CheckInAnswer,
  type CheckInStore,
  periodDays,
} from './check-ins';
import { type MatchRole, poolEntryOf, withPause } from './match';
import { endMatch, type MatchingDeps, mentoringProgram } from './matching';
import { parseMeetingSettings } from './meetings';
import { findProgram } from './organisation';
import type { OrganisationStore } from './ports';

/**
 * The use cases of drifting pairs (rules in check-ins.ts): a sign of life moves a pair's check-in forward, an
 * unanswered ask is escalated, and one of the pair answers "still meeting?".
 */

export interface CheckInDeps {
  organisations: OrganisationStore;
  matching: MatchingStore;
  checkIns: CheckInStore;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

const MAX_ATTEMPTS = 4;

/** The program's cadence in days, or undefined for anything but a mentoring program. */
const cadenceDays = async (organisations: OrganisationStore, orgId: string, programId: string) => {
  const org = await organisations.get(orgId);
  const program = org && findProgram(org, programId);
  if (program?.kind !== 'mentoring') return undefined;
  return periodDays(parseMeetingSettings(program.meetings, '/meetings').cadence);
};

export type WatchOutcome = 'armed' | 'unchanged' | 'match-not-active' | 'not-mentoring' | 'busy';

/** MatchMade (at the match's start) or a held MeetingLogged (at its logging): the ask moves forward. */
export const signOfLife = async (
  deps: CheckInDeps,
  ref: { orgId: string; matchId: string },
  at: Date,
): Promise<WatchOutcome> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const match = await deps.matching.match(ref.orgId, ref.matchId);
    if (match?.status !== 'active') return 'match-not-active';
    const days = await cadenceDays(deps.organisations, ref.orgId, match.programId);
    if (days === undefined) return 'not-mentoring';
    const current = await deps.checkIns.get(ref.orgId, ref.matchId);
    const { orgId, matchId, programId, mentorId, menteeId } = match;
    const next = afterSignOfLife(current, { orgId, matchId, programId, mentorId, menteeId }, days, at);
    if (!next) return 'unchanged';
    if (await deps.checkIns.save(next, askDueAt(next), current?.version ?? 0, {}, at)) return 'armed';
  }
  deps.log?.('check-in gave up after lost races', { matchId: ref.matchId });
  return 'busy';
};

export type EscalationOutcome =
  | 'escalated'
  | 'escalated-already-paused'
  | 'not-waiting'
  | 'match-not-active'
  | 'busy';

/**
 * CheckInDue 'escalate': nobody answered the ask. The coordinator is alerted and the mentor paused from new
 * matches (MatchingPaused, unless already paused), with the check-in marked, in one write: once per ask.
 */
export const escalateCheckIn = async (
  deps: CheckInDeps,
  ref: { orgId: string; matchId: string },
  now: Date,
): Promise<EscalationOutcome> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await deps.checkIns.get(ref.orgId, ref.matchId);
    // Answered, met or ended since the ask: nothing to escalate.
    if (!awaitsEscalation(current)) return 'not-waiting';
    const match = await deps.matching.match(ref.orgId, ref.matchId);
    if (match?.status !== 'active') return 'match-not-active';
    const [mentor, context] = await Promise.all([
      deps.matching.participant(ref.orgId, match.mentorId),
      mentoringProgram(deps.organisations, ref.orgId, match.programId),
    ]);
    const at = now.toISOString();
    const base = { version: 1 as const, orgId: ref.orgId, occurredAt: at };
    const events: OutgoingEvent[] = [
      {
        detailType: 'CoordinatorAlertRaised',
        detail: {
          ...base,
          kind: 'drifting-pair',
          participantId: match.mentorId,
          matchId: match.matchId,
          programId: match.programId,
        },
      },
    ];
    const sides: { programId: string; side: SideChange }[] = [];
    if (mentor?.matching && context && !mentor.matching.paused) {
      const after = withPause(mentor.matching, { reason: 'unanswered-check-in', at, matchId: match.matchId });
      sides.push({
        programId: match.programId,
        side: {
          participantId: mentor.participantId,
          role: 'mentor',
          before: mentor.matching,
          after,
          pool: poolEntryOf(mentor, after, context.settings),
        },
      });
      events.push({
        detailType: 'MatchingPaused',
        detail: {
          ...base,
          participantId: mentor.participantId,
          programId: match.programId,
          reason: 'unanswered-check-in',
        },
      });
    }
    const { dueAt: _offIndex, ...stored } = current;
    const next: CheckIn = { ...stored, escalatedAsk: current.askedAt, version: current.version + 1 };
    if (await deps.checkIns.save(next, undefined, current.version, { events, sides }, now)) {
      return sides.length > 0 ? 'escalated' : 'escalated-already-paused';
    }
  }
  deps.log?.('check-in escalation gave up after lost races', { matchId: ref.matchId });
  return 'busy';
};

/** What a check-in link names (from its token). */
export interface CheckInClaims {
  orgId: string;
  matchId: string;
  participantId: string;
}

export const checkInNotFound = () =>
  new Problem(
    404,
    'check-in-not-found',
    'There is no such check-in',
    'This link does not open a check-in of yours. Please use the link exactly as it came in the email.',
    [{ pointer: '/token', detail: 'The token names no check-in of yours' }],
  );

export const checkInMatchEnded = () =>
  new Problem(
    410,
    'match-ended',
    'This match has ended',
    'So there is nothing more to answer for it. Nothing was changed.',
  );

/** The pair's check-in the person may answer, and their place in the pair. */
export const answerableCheckIn = async (
  deps: Pick<CheckInDeps, 'matching' | 'checkIns'>,
  claims: CheckInClaims,
) => {
  const [match, checkIn] = await Promise.all([
    deps.matching.match(claims.orgId, claims.matchId),
    deps.checkIns.get(claims.orgId, claims.matchId),
  ]);
  const role: MatchRole | undefined =
    match?.mentorId === claims.participantId
      ? 'mentor'
      : match?.menteeId === claims.participantId
        ? 'mentee'
        : undefined;
  if (!match || !role || !checkIn) throw checkInNotFound();
  if (match.status !== 'active' || checkIn.endedAt) throw checkInMatchEnded();
  return { match, checkIn, role, otherId: role === 'mentor' ? match.menteeId : match.mentorId };
};

export const checkInAnswered = (
  claims: CheckInClaims,
  programId: string,
  answer: CheckInAnswer,
  now: Date,
): OutgoingEvent<'CheckInAnswered'> => ({
  detailType: 'CheckInAnswered',
  detail: {
    version: 1,
    orgId: claims.orgId,
    occurredAt: now.toISOString(),
    matchId: claims.matchId,
    programId,
    participantId: claims.participantId,
    answer,
  },
});

/**
 * One of the pair answers "still meeting?": yes re-arms the ask three periods from now, pause asks again after
 * the break, end ends the match ('inactivity', by this person; whoever rejoins follows the default rules). Each
 * is stored with CheckInAnswered in one write; the same answer to the same ask again changes nothing.
 */
export const answerCheckIn = async (
  deps: CheckInDeps & { matchingDeps: MatchingDeps },
  claims: CheckInClaims,
  answer: CheckInAnswer,
  now: Date,
): Promise<AnswerOutcome> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const { match, checkIn, role } = await answerableCheckIn(deps, claims);
    const event = checkInAnswered(claims, match.programId, answer, now);
    if (answer === 'end') {
      await endMatch(
        deps.matchingDeps,
        {
          orgId: claims.orgId,
          matchId: claims.matchId,
          reason: 'inactivity',
          endedBy: role,
          participantId: claims.participantId,
          alsoEvents: [event],
        },
        now,
      );
      return { outcome: 'recorded', answer, role };
    }
    if (checkIn.answer?.answer === answer && checkIn.answer.ask === checkIn.askedAt) {
      return { outcome: 'already-recorded', answer, role };
    }
    const { dueAt: _previous, ...stored } = checkIn;
    const next = afterAnswer(stored, answer, claims.participantId, now);
    if (await deps.checkIns.save(next, askDueAt(next), checkIn.version, { events: [event] }, now)) {
      return { outcome: 'recorded', answer, role };
    }
  }
  throw new Problem(503, 'busy', 'Busy, please retry', 'Please try again in a moment.', undefined, {
    'retry-after': '1',
  });
};
