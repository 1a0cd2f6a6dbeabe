import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { OutgoingEmail } from '../adapters/email-sender';
import { dueSortKey, hourBucket } from '../domain/due-work';
import type { EmailCategory } from '../domain/nudge-policy';
import { DAY_SECONDS, epochSeconds, keys } from './keys';

/**
 * Emails that must wait (quiet hours, a pause; a capped nudge goes to a digest instead, see digests.ts): the
 * rendered email and who it is for, on the due index at the time it may go. The hourly sweep hands each to NudgeDue, and send-deferred-email asks the
 * nudge policy again then. Keyed by the email's own idempotency key, so a redelivered event defers it once.
 */

export interface DeferredEmail {
  orgId: string;
  participantId: string;
  category: EmailCategory;
  /** When it stops being useful (ISO). */
  latest?: string;
  /** When its links were signed (ISO): the unsubscribe link is signed at the same time on every attempt. */
  issuedAt: string;
  email: OutgoingEmail;
  /** What must still hold when it is finally sent (checked by send-deferred-email). */
  requires?: DeferralRequirements;
}

export interface DeferralRequirements {
  /** The match must still be active (an introduction, a reminder). */
  activeMatch?: string;
  /** The meeting must still be planned (a reminder). */
  plannedMeeting?: string;
  /** …and not moved since (a reminder names its time; a moved meeting gets its own reminder). */
  meetingSequence?: number;
  /** The match must not have ended over a safeguarding concern (celebrations, rating requests). */
  noSafeguardingEnd?: string;
}

/** Where the requirements are checked: the match and the meeting as stored. */
export interface RequirementReader {
  match(orgId: string, matchId: string): Promise<{ status: string; ended?: { reason: string } } | undefined>;
  meeting(orgId: string, meetingId: string): Promise<{ status: string; sequence?: number } | undefined>;
}

/**
 * The first requirement of a waiting email (deferred, or folded into a digest) that no longer holds, if any:
 * an introduction or reminder of a match that ended, a reminder of a meeting no longer planned, a
 * celebration after a safeguarding ending.
 */
export const unmetRequirement = async (
  reader: RequirementReader,
  orgId: string,
  requires: DeferralRequirements | undefined,
) => {
  if (!requires) return undefined;
  const matchId = requires.activeMatch ?? requires.noSafeguardingEnd;
  const match = matchId ? await reader.match(orgId, matchId) : undefined;
  if (requires.activeMatch && match?.status !== 'active') return 'active-match';
  if (requires.noSafeguardingEnd && match?.ended?.reason === 'safeguarding-concern')
    return 'no-safeguarding-end';
  if (requires.plannedMeeting) {
    const meeting = await reader.meeting(orgId, requires.plannedMeeting);
    if (meeting?.status !== 'planned') return 'planned-meeting';
    if (requires.meetingSequence !== undefined && (meeting.sequence ?? 0) !== requires.meetingSequence)
      return 'meeting-moved';
  }
  return undefined;
};

/** The deferral's id: a digest of the email's key (which may be longer than an id or hold colons). */
export const deferralId = (emailKey: string) =>
  createHash('sha256').update(emailKey).digest('hex').slice(0, 40);

/** Kept after its time only as long as an email's idempotency record. */
const KEEP_SECONDS = 35 * DAY_SECONDS;

export const dynamoDeferrals = (client: DynamoDBDocumentClient, tableName: string) => ({
  async defer(deferred: DeferredEmail, until: Date) {
    const id = deferralId(deferred.email.key);
    await client.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...keys.deferredEmail(deferred.orgId, id),
          ...deferred,
          deferralId: id,
          duePk: hourBucket(until),
          dueSk: dueSortKey(until, 'nudge-due', deferred.orgId, id),
          dueKind: 'nudge-due',
          expiresAt: epochSeconds(until) + KEEP_SECONDS,
        },
      }),
    );
    return id;
  },

  async get(orgId: string, id: string): Promise<DeferredEmail | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: keys.deferredEmail(orgId, id), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { orgId: org, participantId, category, latest, issuedAt, email, requires } = Item;
    return { orgId: org, participantId, category, latest, issuedAt, email, requires } as DeferredEmail;
  },
});

export type DeferralStore = ReturnType<typeof dynamoDeferrals>;
