import { OUTBOX_PREFIX, PARTITIONS } from './table';

const ORG = PARTITIONS.organisation;

/** Key builders: the access patterns of the single table, in one place. */
export const keys = {
  organisation: (orgId: string) => ({ pk: `${ORG}${orgId}`, sk: 'ORG' }),
  participant: (orgId: string, participantId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `PARTICIPANT#${participantId}`,
  }),
  participantsByStatus: (orgId: string) => `${ORG}${orgId}#PARTICIPANTS`,
  /** Keyed by the address's pseudonym (see email-hash.ts), so no address appears in a key. */
  emailClaim: (orgId: string, emailHash: string) => ({ pk: `${ORG}${orgId}`, sk: `EMAIL#${emailHash}` }),
  outbox: (eventId: string) => ({ pk: `${OUTBOX_PREFIX}${eventId}`, sk: 'EVENT' }),
  /** Lookup-index partition listing every organisation. */
  allOrganisations: `${PARTITIONS.organisations}all`,
  /**
   * A verified mentor or mentee who can take a match now, with their matching profile: what the matcher
   * queries (`POOL#<program>#<role>#`) instead of every participant.
   */
  poolEntry: (orgId: string, programId: string, role: 'mentor' | 'mentee', participantId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `${poolPrefix(programId, role)}${participantId}`,
  }),
  poolPrefix: (programId: string, role: 'mentor' | 'mentee') => poolPrefix(programId, role),
  match: (orgId: string, matchId: string) => ({ pk: `${ORG}${orgId}`, sk: `MATCH#${matchId}` }),
  /** A planned meeting; its id starts with its match's (`<matchId>-<n>`), so a match's meetings share a prefix. */
  meeting: (orgId: string, meetingId: string) => ({ pk: `${ORG}${orgId}`, sk: `MEETING#${meetingId}` }),
  meetingsOfMatch: (matchId: string) => `MEETING#${matchId}-`,
  /** A pair's months-together milestones: one item on the due index at the next anniversary. */
  anniversary: (orgId: string, matchId: string) => ({ pk: `${ORG}${orgId}`, sk: `ANNIVERSARY#${matchId}` }),
  /** A milestone reached, kept so each is reached once. */
  milestone: (orgId: string, subjectId: string, milestone: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `MILESTONE#${subjectId}#${milestone}`,
  }),
  /** A peer group's seat count, waitlist counters and version. */
  group: (orgId: string, groupId: string) => ({ pk: `${ORG}${orgId}`, sk: `GROUP#${groupId}` }),
  /** One member's place in a group: a seat, or a place on its waitlist. */
  groupMember: (orgId: string, groupId: string, participantId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `GROUP#${groupId}#MEMBER#${participantId}`,
  }),
  /** The waitlist in order: `GROUP#<group>#WAIT#<zero-padded sequence>`. */
  groupWaitlistPrefix: (groupId: string) => `GROUP#${groupId}#WAIT#`,
};

const poolPrefix = (programId: string, role: string) => `POOL#${programId}#${role}#`;

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
export const DAY_SECONDS = 24 * 3600;
