import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { CheckIn, CheckInStore, StoredCheckIn } from '../domain/check-ins';
import { dueSortKey, hourBucket } from '../domain/due-work';
import { DAY_SECONDS, epochSeconds, keys } from './keys';
import { matchingSideItems } from './matching';
import { outboxItem } from './outbox';
import { withConflictRetry } from './transactions';

/**
 * Each pair's check-in: one item (`CHECKIN#<matchId>`), on the due index at its next ask or escalation.
 * Written whole, conditioned on the version read, so a late event or a lost race never winds it back.
 */

/** An ended pair's check-in is kept past EventBridge's retries and the archive's replays, then expires. */
const KEEP_ENDED_SECONDS = 35 * DAY_SECONDS;

const STRIP = new Set(['pk', 'sk', 'duePk', 'dueSk', 'dueKind', 'expiresAt']);

const stored = (item: Record<string, unknown>): StoredCheckIn => {
  const checkIn = Object.fromEntries(
    Object.entries(item).filter(([name]) => !STRIP.has(name)),
  ) as unknown as CheckIn;
  // The due index's sort key starts with the due time.
  const dueAt = typeof item.duePk === 'string' ? String(item.dueSk).split('#')[0] : undefined;
  return dueAt ? { ...checkIn, dueAt } : checkIn;
};

const conditionFailed = (error: unknown) =>
  error instanceof TransactionCanceledException &&
  (error.CancellationReasons ?? []).some((reason) => reason.Code === 'ConditionalCheckFailed');

export const dynamoCheckIns = (client: DynamoDBDocumentClient, tableName: string): CheckInStore => ({
  async get(orgId, matchId) {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: keys.checkIn(orgId, matchId), ConsistentRead: true }),
    );
    return Item ? stored(Item) : undefined;
  },

  async save(next, dueAt, readVersion, extra, now) {
    const item = {
      ...keys.checkIn(next.orgId, next.matchId),
      ...Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined)),
      ...(dueAt
        ? {
            duePk: hourBucket(dueAt),
            dueSk: dueSortKey(dueAt, 'check-in', next.orgId, next.matchId),
            dueKind: 'check-in',
          }
        : {}),
    };
    const condition =
      readVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: '#version = :read AND attribute_not_exists(endedAt)',
            ExpressionAttributeNames: { '#version': 'version' },
            ExpressionAttributeValues: { ':read': readVersion },
          };
    try {
      await withConflictRetry(() =>
        client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: tableName, Item: item, ...condition } },
              ...(extra.sides ?? []).flatMap(({ programId, side }) =>
                matchingSideItems(tableName, next.orgId, programId, side),
              ),
              ...(extra.events ?? []).map((event) => ({
                Put: { TableName: tableName, Item: outboxItem(event, now) },
              })),
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (conditionFailed(error)) return false;
      throw error;
    }
  },

  async end(orgId, matchId, now) {
    await client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: keys.checkIn(orgId, matchId),
        UpdateExpression:
          'SET orgId = :org, matchId = :match, endedAt = if_not_exists(endedAt, :now), expiresAt = :expires, #version = if_not_exists(#version, :zero) + :one REMOVE duePk, dueSk, dueKind',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: {
          ':org': orgId,
          ':match': matchId,
          ':now': now.toISOString(),
          ':expires': epochSeconds(now) + KEEP_ENDED_SECONDS,
          ':zero': 0,
          ':one': 1,
        },
      }),
    );
  },
});
