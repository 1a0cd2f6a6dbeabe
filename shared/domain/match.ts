import type { z } from 'zod';
import type { MatchEndReason } from '../events/catalogue';
import type { MatchProfile, PairScore } from '../matching/score';
import type { MatchingSettings } from '../matching/settings';
import type { MatchingState, Participant } from './participant';

export type MatchRole = 'mentor' | 'mentee';
export type EndReason = z.infer<typeof MatchEndReason>;
export type EndedBy = 'mentor' | 'mentee' | 'coordinator' | 'system';

/** A mentor–mentee pair. The explanation is kept so the pair can always say why it was made. */
export interface Match {
  orgId: string;
  matchId: string;
  programId: string;
  mentorId: string;
  menteeId: string;
  status: 'active' | 'ended';
  /** 0–100. */
  score: number;
  explanation: PairScore;
  /** `rolling`: made as someone verified or came back; `batch`: by a whole-pool run. */
  madeBy: 'rolling' | 'batch';
  runId?: string;
  createdAt: string;
  ended?: { at: string; reason: EndReason; endedBy: EndedBy; rejoining: MatchRole[] };
}

/**
 * A verified mentor or mentee who can take a match now (seeking, with a free slot), as the matcher reads
 * the pool: the matching profile and the matching state, no address or name.
 */
export interface PoolEntry {
  orgId: string;
  participantId: string;
  programId: string;
  role: MatchRole;
  verifiedAt: string;
  profile: MatchProfile;
  matching: MatchingState;
}

/** How many matches a participant holds at once: mentees one, mentors their own number or the program's. */
export const capacityOf = (
  participant: Pick<Participant, 'role' | 'profile'>,
  settings: Pick<MatchingSettings, 'defaultMentorCapacity'>,
) => (participant.role === 'mentor' ? (participant.profile.capacity ?? settings.defaultMentorCapacity) : 1);

/** A pool entry's capacity (its profile carries a mentor's own number). */
export const entryCapacity = (entry: PoolEntry, settings: Pick<MatchingSettings, 'defaultMentorCapacity'>) =>
  entry.role === 'mentor' ? (entry.profile.capacity ?? settings.defaultMentorCapacity) : 1;

/** Slots still free. */
export const freeSlots = (entry: PoolEntry, settings: Pick<MatchingSettings, 'defaultMentorCapacity'>) =>
  Math.max(0, entryCapacity(entry, settings) - entry.matching.activeMatchIds.length);

/** The entry after a change of state: gone once no longer seeking, or for a mentee once matched. */
export const entryAfter = (
  entry: PoolEntry,
  matching: MatchingState,
  settings: Pick<MatchingSettings, 'defaultMentorCapacity'>,
): PoolEntry | undefined => {
  const next = { ...entry, matching };
  if (!matching.seeking) return undefined;
  return entry.role === 'mentor' || freeSlots(next, settings) > 0 ? next : undefined;
};

export const isMatchRole = (role: string): role is MatchRole => role === 'mentor' || role === 'mentee';

/** The matcher's view of a participant's answers. */
export const matchProfileOf = (participant: Participant): MatchProfile => {
  const { profile } = participant;
  return {
    id: participant.participantId,
    programId: participant.programId,
    role: participant.role as MatchRole,
    languages: profile.languages ?? [],
    format: profile.format,
    city: profile.city,
    campus: profile.campus,
    timezone: participant.timezone,
    availability: profile.availability ?? [],
    interests: profile.interests,
    experiences: profile.experiences,
    goals: profile.goals,
    capacity: participant.role === 'mentor' ? profile.capacity : undefined,
  };
};

/**
 * The participant's pool entry under `matching`, or undefined when they are not in the pool: not a verified
 * mentor or mentee, not seeking, or a mentee already matched. (The matcher skips mentors with no free slot.)
 */
export const poolEntryOf = (
  participant: Participant,
  matching: MatchingState,
  settings: Pick<MatchingSettings, 'defaultMentorCapacity'>,
): PoolEntry | undefined => {
  if (participant.status !== 'verified' || !isMatchRole(participant.role) || !participant.verifiedAt) return;
  // Being erased: nothing may put them back in the pool (a rematch, an unpause) before the erasure ends.
  if (participant.erasingSince) return;
  // Mentors stay while seeking, full or not: a raised capacity then takes effect at once. Mentees leave once matched.
  // A paused mentor is out of the pool: no rolling or whole-pool matching can choose them until they confirm.
  if (!matching.seeking || matching.paused) return;
  if (participant.role === 'mentee' && matching.activeMatchIds.length >= capacityOf(participant, settings))
    return;
  return {
    orgId: participant.orgId,
    participantId: participant.participantId,
    programId: participant.programId,
    role: participant.role,
    verifiedAt: participant.verifiedAt,
    profile: matchProfileOf(participant),
    matching,
  };
};

/** The state of a mentor kept out of new matches until they confirm they are still available. */
export const withPause = (
  state: MatchingState,
  pause: NonNullable<MatchingState['paused']>,
): MatchingState => ({
  ...state,
  version: state.version + 1,
  paused: pause,
});

/** The state after the person confirmed: back in the pool (if still seeking). */
export const withoutPause = (state: MatchingState): MatchingState => {
  const { paused: _confirmed, ...rest } = state;
  return { ...rest, version: state.version + 1 };
};

/** The state after taking one more match. */
export const withMatch = (state: MatchingState, matchId: string): MatchingState => ({
  ...state,
  version: state.version + 1,
  activeMatchIds: [...state.activeMatchIds, matchId],
});

/** The state after a match ended: the other person is never matched with them again. */
export const withoutMatch = (
  state: MatchingState,
  matchId: string,
  otherId: string,
  continues: boolean,
): MatchingState => ({
  ...state,
  version: state.version + 1,
  activeMatchIds: state.activeMatchIds.filter((id) => id !== matchId),
  endedWith: state.endedWith.includes(otherId) ? state.endedWith : [...state.endedWith, otherId],
  seeking: continues,
});

/**
 * Who goes back into the pool after an ending, unless the coordinator says otherwise: after a completed
 * match the mentor takes someone new and the mentee is done; after a safeguarding concern nobody is
 * matched again until a coordinator decides; when someone left, the other continues; otherwise both.
 */
export const defaultRejoining = (reason: EndReason, endedBy: EndedBy): MatchRole[] => {
  switch (reason) {
    case 'completed':
      return ['mentor'];
    case 'safeguarding-concern':
      return [];
    case 'participant-left':
      return endedBy === 'mentor' ? ['mentee'] : endedBy === 'mentee' ? ['mentor'] : ['mentor', 'mentee'];
    case 'mentor-unavailable':
      // The mentor's own word, or a coordinator's, takes them out; a mentee's alone does not.
      return endedBy === 'mentee' ? ['mentor', 'mentee'] : ['mentee'];
    default:
      return ['mentor', 'mentee'];
  }
};
