import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { dueSortKey, hourBucket, verifyReminderDue } from '../domain/due-work';
import { poolEntryOf } from '../domain/match';
import { initialMatchingState, type Participant } from '../domain/participant';
import type { ParticipantStore } from '../domain/ports';
import { DAY_SECONDS, epochSeconds, keys } from './keys';
import { outboxItem } from './outbox';
import { withConflictRetry } from './transactions';

/** A participant as read back: with where the claim on its address was stored. */
type Stored = Participant & { claimSk?: string };

/** Unverified signups (and their address claims) are deleted by TTL after this long: keep the least data. */
export const UNVERIFIED_TTL_SECONDS = 7 * DAY_SECONDS;

const lookup = (p: Participant) => ({
  lookupPk: keys.participantsByStatus(p.orgId),
  lookupSk: `${p.status}#${p.createdAt}#${p.participantId}`,
});

/** An unconfirmed signup is due a reminder; the due index finds it then. */
const reminderDue = (p: Participant) => {
  const dueAt = verifyReminderDue(new Date(p.createdAt));
  return {
    duePk: hourBucket(dueAt),
    dueSk: dueSortKey(dueAt, 'verify-reminder', p.orgId, p.participantId),
    dueKind: 'verify-reminder',
  };
};

const conditionFailedAt = (error: unknown, index: number) =>
  error instanceof TransactionCanceledException &&
  error.CancellationReasons?.[index]?.Code === 'ConditionalCheckFailed';

export const dynamoParticipants = (
  client: DynamoDBDocumentClient,
  tableName: string,
  hashEmail: (email: string) => Promise<string>,
): ParticipantStore => {
  const get = async (orgId: string, participantId: string) => {
    const { Item } = await client.send(
      new GetCommand({
        TableName: tableName,
        Key: keys.participant(orgId, participantId),
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const {
      pk: _pk,
      sk: _sk,
      lookupPk: _lp,
      lookupSk: _ls,
      expiresAt: _e,
      duePk: _dp,
      dueSk: _ds,
      dueKind: _dk,
      ...participant
    } = Item;
    // claimSk stays on the object: markVerified finds the claim by it, whatever became of the pseudonym key.
    return participant as Stored;
  };

  /** One transaction, sent again as it was if it lost a race. */
  const transact = (items: NonNullable<TransactWriteCommandInput['TransactItems']>) =>
    withConflictRetry(() => client.send(new TransactWriteCommand({ TransactItems: items })));

  return {
    get,

    async register(participant, event) {
      const now = new Date(participant.createdAt);
      const expiresAt = epochSeconds(now) + UNVERIFIED_TTL_SECONDS;
      const claim = keys.emailClaim(participant.orgId, await hashEmail(participant.email));
      try {
        await transact([
          {
            Put: {
              TableName: tableName,
              Item: { ...claim, participantId: participant.participantId, expiresAt },
              // A claim past its expiry is gone in all but name (TTL deletes within a day or two).
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
              ExpressionAttributeValues: { ':now': epochSeconds(now) },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: {
                ...keys.participant(participant.orgId, participant.participantId),
                ...lookup(participant),
                ...participant,
                ...reminderDue(participant),
                claimSk: claim.sk,
                expiresAt,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: { TableName: tableName, Item: outboxItem(event, now) } },
        ]);
        return { created: true };
      } catch (error) {
        if (!conditionFailedAt(error, 0)) throw error;
        const holder = (error as TransactionCanceledException).CancellationReasons?.[0]?.Item?.participantId
          ?.S;
        if (holder) return { created: false, existingParticipantId: holder };
        const { Item } = await client.send(
          new GetCommand({ TableName: tableName, Key: claim, ConsistentRead: true }),
        );
        if (!Item) throw error; // the claim vanished in between (TTL); the caller may retry
        return { created: false, existingParticipantId: Item.participantId as string };
      }
    },

    async markVerified(participant, verifiedAt, event) {
      const verified: Participant = { ...participant, status: 'verified', verifiedAt };
      // Mentors and mentees enter the matching pool as they verify (no slot is taken yet, so any capacity fits).
      const matching = initialMatchingState();
      const pool = poolEntryOf(verified, matching, { defaultMentorCapacity: 1 });
      const { claimSk } = participant as Stored;
      const claim = claimSk
        ? { pk: keys.organisation(participant.orgId).pk, sk: claimSk }
        : keys.emailClaim(participant.orgId, await hashEmail(participant.email));
      try {
        await transact([
          {
            Update: {
              TableName: tableName,
              Key: keys.participant(participant.orgId, participant.participantId),
              UpdateExpression: `SET #status = :verified, verifiedAt = :at, lookupSk = :lookupSk${pool ? ', matching = :matching' : ''} REMOVE expiresAt, duePk, dueSk, dueKind`,
              ConditionExpression: '#status = :pending',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':verified': 'verified',
                ':pending': 'pending',
                ':at': verifiedAt,
                ':lookupSk': lookup(verified).lookupSk,
                ...(pool ? { ':matching': matching } : {}),
              },
            },
          },
          {
            // A verified person's claim on their address is kept for as long as they are.
            Update: {
              TableName: tableName,
              Key: claim,
              UpdateExpression: 'REMOVE expiresAt',
              ConditionExpression: 'participantId = :id',
              ExpressionAttributeValues: { ':id': participant.participantId },
            },
          },
          ...(pool
            ? [
                {
                  Put: {
                    TableName: tableName,
                    Item: {
                      ...keys.poolEntry(pool.orgId, pool.programId, pool.role, pool.participantId),
                      ...pool,
                    },
                  },
                },
              ]
            : []),
          { Put: { TableName: tableName, Item: outboxItem(event, new Date(verifiedAt)) } },
        ]);
        return 'verified';
      } catch (error) {
        if (!conditionFailedAt(error, 0) && !conditionFailedAt(error, 1)) throw error;
        const current = await get(participant.orgId, participant.participantId);
        if (!current) return 'not-found';
        return current.status === 'verified' ? 'unchanged' : 'not-found';
      }
    },
  };
};
