import { createHash } from 'node:crypto';
import type { MatchingStore } from '../data/matching';
import type { MeetingStore } from '../data/meetings';
import type { OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import type { Match, MatchRole } from './match';

/**
 * "We reached a goal": either of a pair marks one of the pair's goals achieved, from a signed link, and the
 * pair reaches the `goal-achieved` milestone once per goal (celebrated by email like every milestone).
 *
 * The pair's goals are the mentee's (a mentor's `goals` are what they can help with, not aims of their own).
 * A goal is known by a digest of its words, so the milestone's key and its event carry an id, never the words.
 */

/** Milestone names of achieved goals, in the pair's milestone store: `goal-achieved#<goalId>`. */
export const GOAL_MILESTONE_PREFIX = 'goal-achieved#';

/** A goal's id: the same words (whatever their case and spacing) give the same id. */
export const goalId = (goal: string) =>
  createHash('sha256').update(goal.trim().toLowerCase().replace(/\s+/g, ' ')).digest('hex').slice(0, 16);

export interface PairGoal {
  goalId: string;
  text: string;
  achieved: boolean;
}

/** The mentee's goals, each once, with whether the pair has reached it. */
export const pairGoals = (menteeGoals: readonly string[], reached: readonly string[]): PairGoal[] => {
  const achieved = new Set(
    reached
      .filter((name) => name.startsWith(GOAL_MILESTONE_PREFIX))
      .map((n) => n.slice(GOAL_MILESTONE_PREFIX.length)),
  );
  const goals = new Map<string, PairGoal>();
  for (const text of menteeGoals) {
    const id = goalId(text);
    if (!goals.has(id)) goals.set(id, { goalId: id, text, achieved: achieved.has(id) });
  }
  return [...goals.values()];
};

/** What a goal link names (from its token). */
export interface GoalClaims {
  orgId: string;
  matchId: string;
  participantId: string;
}

export const goalMatchNotFound = () =>
  new Problem(
    404,
    'match-not-found',
    'There is no such match',
    'This link does not open a match of yours. Please use the link exactly as it came in the email.',
    [{ pointer: '/token', detail: 'The token names no match of yours' }],
  );

export const goalMatchClosed = () =>
  new Problem(
    410,
    'match-ended',
    'This match has ended',
    'Goals can no longer be marked for it. Nothing was changed.',
  );

export const unknownGoal = () =>
  new Problem(422, 'unknown-goal', 'That goal is not one of yours', 'Nothing was changed.', [
    { pointer: '/goal', detail: 'Not one of the goals of this match' },
  ]);

export const goalAlreadyAchieved = () =>
  new Problem(
    410,
    'goal-already-achieved',
    'This goal is already marked achieved',
    'It has been celebrated already. Nothing was changed.',
  );

export interface GoalDeps {
  matching: Pick<MatchingStore, 'match' | 'participant'>;
  meetings: Pick<MeetingStore, 'reached' | 'reach'>;
}

export interface PairGoals {
  match: Match;
  role: MatchRole;
  goals: PairGoal[];
}

/**
 * The pair's goals, for one of the pair. Marking stays open after an ending (a goal reached is worth
 * celebrating then too), except after a safeguarding concern, when the pair hears nothing more.
 */
export const goalsOfPair = async (deps: GoalDeps, claims: GoalClaims): Promise<PairGoals> => {
  const match = await deps.matching.match(claims.orgId, claims.matchId);
  if (!match) throw goalMatchNotFound();
  const role: MatchRole | undefined =
    match.mentorId === claims.participantId
      ? 'mentor'
      : match.menteeId === claims.participantId
        ? 'mentee'
        : undefined;
  if (!role) throw goalMatchNotFound();
  if (match.ended?.reason === 'safeguarding-concern') throw goalMatchClosed();
  const [mentee, reached] = await Promise.all([
    deps.matching.participant(claims.orgId, match.menteeId),
    deps.meetings.reached(claims.orgId, match.matchId),
  ]);
  return { match, role, goals: pairGoals(mentee?.profile.goals ?? [], reached) };
};

export const goalReached = (
  claims: GoalClaims,
  match: Pick<Match, 'matchId' | 'mentorId' | 'menteeId'>,
  id: string,
  now: Date,
): OutgoingEvent<'MilestoneReached'> => ({
  detailType: 'MilestoneReached',
  detail: {
    version: 1,
    orgId: claims.orgId,
    occurredAt: now.toISOString(),
    milestone: 'goal-achieved',
    participantIds: [match.mentorId, match.menteeId],
    matchId: match.matchId,
    goalId: id,
  },
});

/** Marks one of the pair's goals achieved: the milestone and its event once per goal, whoever marks it. */
export const markGoalAchieved = async (
  deps: GoalDeps,
  claims: GoalClaims,
  id: string,
  now: Date,
): Promise<PairGoals & { goal: PairGoal }> => {
  const pair = await goalsOfPair(deps, claims);
  const goal = pair.goals.find((g) => g.goalId === id);
  if (!goal) throw unknownGoal();
  if (goal.achieved) throw goalAlreadyAchieved();
  const event = goalReached(claims, pair.match, id, now);
  // Conditional: the other person (or a second press) that got here first reached it, and this changes nothing.
  const reached = await deps.meetings.reach(
    claims.orgId,
    pair.match.matchId,
    `${GOAL_MILESTONE_PREFIX}${id}`,
    event,
    now,
  );
  if (!reached) throw goalAlreadyAchieved();
  return { ...pair, goal: { ...goal, achieved: true } };
};
