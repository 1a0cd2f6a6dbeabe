import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dueUntil } from '../domain/due-work';
import type { DueEntry, DueWorkStore } from '../domain/ports';
import type { OutgoingEvent } from '../events/catalogue';
import { outboxItem } from './outbox';
import { PARTITIONS, tableDefinition } from './table';
import { withConflictRetry } from './transactions';

const CURSOR = { pk: `${PARTITIONS.sweep}due`, sk: 'CURSOR' };

/** The due index, read bucket by bucket, and the one-time hand-over of each due item to an event. */
export const dynamoDueWork = (client: DynamoDBDocumentClient, tableName: string): DueWorkStore => ({
  async lastFinishedBucket(): Promise<string | undefined> {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: CURSOR, ConsistentRead: true }),
    );
    return Item?.bucket as string | undefined;
  },

  /** Only moves forward, so overlapping sweeps cannot wind it back. */
  async finishBucket(bucket: string) {
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: CURSOR,
          UpdateExpression: 'SET #bucket = :bucket',
          ConditionExpression: 'attribute_not_exists(#bucket) OR #bucket < :bucket',
          ExpressionAttributeNames: { '#bucket': 'bucket' },
          ExpressionAttributeValues: { ':bucket': bucket },
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    }
  },

  async *due(bucket: string, until: Date): AsyncGenerator<DueEntry> {
    const { dueIndex } = tableDefinition;
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        IndexName: dueIndex.name,
        KeyConditionExpression: '#pk = :bucket AND #sk <= :until',
        ExpressionAttributeNames: { '#pk': dueIndex.partitionKey, '#sk': dueIndex.sortKey },
        ExpressionAttributeValues: { ':bucket': bucket, ':until': dueUntil(until) },
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) yield item as DueEntry;
  },

  /**
   * Takes the item off the due index and stores its event, in one transaction: each due item becomes its
   * event exactly once, whatever sweeps overlap. False when it was no longer due (already handed over, or
   * the condition, e.g. still unconfirmed, no longer holds).
   */
  async handOver(
    item: DueEntry,
    event: OutgoingEvent,
    now: Date,
    condition?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> },
    rearm?: { duePk: string; dueSk: string; set: Record<string, unknown> },
  ) {
    // Handed over and, for recurring work, put back on the index at its next time, in the same write.
    const rearmNames = Object.keys(rearm?.set ?? {});
    const update = rearm
      ? `SET duePk = :nextPk, dueSk = :nextSk${rearmNames.map((_, i) => `, #r${i} = :r${i}`).join('')}`
      : 'REMOVE duePk, dueSk, dueKind';
    const rearmValues = rearm
      ? {
          ':nextPk': rearm.duePk,
          ':nextSk': rearm.dueSk,
          ':sk': item.dueSk,
          ...Object.fromEntries(rearmNames.map((name, i) => [`:r${i}`, rearm.set[name]])),
        }
      : {};
    const names = {
      ...condition?.names,
      ...Object.fromEntries(rearmNames.map((name, i) => [`#r${i}`, name])),
    };
    try {
      await withConflictRetry(() =>
        client.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: { pk: item.pk, sk: item.sk },
                  UpdateExpression: update,
                  ConditionExpression: `duePk = :bucket${rearm ? ' AND dueSk = :sk' : ''}${condition ? ` AND (${condition.expression})` : ''}`,
                  ExpressionAttributeValues: { ':bucket': item.duePk, ...condition?.values, ...rearmValues },
                  ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
                },
              },
              { Put: { TableName: tableName, Item: outboxItem(event, now) } },
            ],
          }),
        ),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return false;
      }
      throw error;
    }
  },
});
