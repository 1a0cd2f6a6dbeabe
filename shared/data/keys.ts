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
  /** An email waiting for its time (quiet hours, a pause, the frequency cap); see data/deferrals.ts. */
  deferredEmail: (orgId: string, deferralId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `DEFERRED#${deferralId}`,
  }),
  /** A finished whole-pool run: a redelivered request for it runs nothing again. */
  matchingRun: (orgId: string, runId: string) => ({ pk: `${ORG}${orgId}`, sk: `RUN#${runId}` }),
  /** A planned meeting; its id starts with its match's (`<matchId>-<n>`), so a match's meetings share a prefix. */
  meeting: (orgId: string, meetingId: string) => ({ pk: `${ORG}${orgId}`, sk: `MEETING#${meetingId}` }),
  meetingsOfMatch: (matchId: string) => `MEETING#${matchId}-`,
  /** A pair's months-together milestones: one item on the due index at the next anniversary. */
  anniversary: (orgId: string, matchId: string) => ({ pk: `${ORG}${orgId}`, sk: `ANNIVERSARY#${matchId}` }),
  /** A pair's check-in: on the due index at its next "still meeting?" or escalation (see data/check-ins.ts). */
  checkIn: (orgId: string, matchId: string) => ({ pk: `${ORG}${orgId}`, sk: `CHECKIN#${matchId}` }),
  /** A milestone reached, kept so each is reached once. */
  milestone: (orgId: string, subjectId: string, milestone: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `MILESTONE#${subjectId}#${milestone}`,
  }),
  /**
   * One person's rating of one meeting of their match (with their comment, if any), kept once. A person's
   * ratings of a match share the prefix `feedbackOf`.
   */
  feedback: (orgId: string, matchId: string, participantId: string, meetingId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `${feedbackOf(matchId, participantId)}MEETING#${meetingId}`,
  }),
  /** The ratings (ids and numbers only) one person gave one match, versioned: what "two low in a row" reads. */
  feedbackHistory: (orgId: string, matchId: string, participantId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `${feedbackOf(matchId, participantId)}HISTORY`,
  }),
  feedbackOf: (matchId: string, participantId: string) => feedbackOf(matchId, participantId),
  /** A peer group's seat count, waitlist counters and version. */
  group: (orgId: string, groupId: string) => ({ pk: `${ORG}${orgId}`, sk: `GROUP#${groupId}` }),
  /** One member's place in a group: a seat, or a place on its waitlist. */
  groupMember: (orgId: string, groupId: string, participantId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `GROUP#${groupId}#MEMBER#${participantId}`,
  }),
  /** The waitlist in order: `GROUP#<group>#WAIT#<zero-padded sequence>`. */
  groupWaitlistPrefix: (groupId: string) => `GROUP#${groupId}#WAIT#`,
  /**
   * A public directory listing of one of the organisation's groups or programs (see data/directory.ts); on the
   * lookup index under its directory while visible, and on the due index at its next "still running?" check.
   */
  directoryEntry: (orgId: string, entryId: string) => ({ pk: `${ORG}${orgId}`, sk: `DIRECTORY#${entryId}` }),
  directoryEntriesPrefix: 'DIRECTORY#',
  /** Lookup-index partition of a directory's visible listings. */
  directory: (directory: string) => `${PARTITIONS.directory}${directory}`,
  /** One person's email preferences: categories unsubscribed from, a pause, the nudges recently sent. */
  recipient: (orgId: string, participantId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `RECIPIENT#${participantId}`,
  }),
  /**
   * A person's digests of capped nudges (see data/digests.ts): which one is collecting and which emails were
   * folded, and each digest with what it lists. Under the person's recipient key, so erasure finds them.
   */
  digestLedger: (orgId: string, participantId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `RECIPIENT#${participantId}#DIGESTS`,
  }),
  digest: (orgId: string, participantId: string, digestId: string) => ({
    pk: `${ORG}${orgId}`,
    sk: `RECIPIENT#${participantId}#DIGEST#${digestId}`,
  }),
  /** What is left of an erased person: counts for reports, nothing that names them (see domain/erasure.ts). */
  erased: (orgId: string, participantId: string) => ({ pk: `${ORG}${orgId}`, sk: `ERASED#${participantId}` }),
  /**
   * An address that gets nothing more (hard bounce, complaint), keyed by its pseudonym (see email-hash.ts) and
   * across organisations: SES reports the address, not who it belongs to.
   */
  suppression: (emailHash: string) => ({ pk: `${PARTITIONS.suppression}${emailHash}`, sk: 'ADDRESS' }),
  /**
   * One fixed window's hit counter of a rate limit: `subject` is an organisation id or a client address's
   * pseudonym, never an address itself; a new window is a new item, and old ones expire.
   */
  rateWindow: (scope: string, subject: string, windowStart: Date) => ({
    pk: `${PARTITIONS.rateLimit}${scope}#${subject}`,
    sk: `WINDOW#${windowStart.toISOString()}`,
  }),
  /** An admin API key's hash and organisation, by key id: what verifying a bearer token reads. */
  apiKey: (keyId: string) => ({ pk: `${PARTITIONS.apiKey}${keyId}`, sk: 'KEY' }),
  /** The organisation's own list entry of a key (label, dates; no hash), for listing its keys. */
  orgApiKey: (orgId: string, keyId: string) => ({ pk: `${ORG}${orgId}`, sk: `APIKEY#${keyId}` }),
  orgApiKeysPrefix: 'APIKEY#',
};

const poolPrefix = (programId: string, role: string) => `POOL#${programId}#${role}#`;
const feedbackOf = (matchId: string, participantId: string) => `FEEDBACK#${matchId}#${participantId}#`;

export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
export const DAY_SECONDS = 24 * 3600;
