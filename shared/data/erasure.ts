import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { DataExportSource } from '../domain/data-export';
import type { ErasureStore, StoredItem, Tombstone } from '../domain/erasure';
import { keys } from './keys';
import { outboxItem } from './outbox';
import { withConflictRetry } from './transactions';

/** DynamoDB's limit of items in one transaction, less the tombstone and its event. */
const CHUNK = 98;

/** Items that name the person, and every waiting email (another person's may name them in its text). */
const mayHoldDataOf = (item: StoredItem, participantId: string) =>
  item.sk.includes(participantId) ||
  [item.participantId, item.mentorId, item.menteeId].includes(participantId) ||
  item.sk.startsWith('DEFERRED#') ||
  (item.sk.startsWith('RECIPIENT#') && item.sk.includes('#DIGEST#'));

/**
 * Erasure's reads and writes (see shared/domain/erasure.ts for what is stored where). Finding the person's
 * items reads the organisation's partition with a filter: erasure is rare and asked for, never on a busy
 * path, and a filter finds items whatever new kind a later feature adds under the person's id. (A key attribute cannot be in a
 * filter expression, so the filter is applied here.)
 */
export const dynamoErasure = (client: DynamoDBDocumentClient, tableName: string): ErasureStore => ({
  async itemsNaming(orgId, participantId) {
    const items: StoredItem[] = [];
    const pages = paginateQuery(
      { client },
      {
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': keys.organisation(orgId).pk },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      items.push(
        ...((page.Items ?? []) as StoredItem[]).filter((item) => mayHoldDataOf(item, participantId)),
      );
    }
    return items;
  },

  async erased(orgId, participantId) {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: keys.erased(orgId, participantId), ConsistentRead: true }),
    );
    return Item?.tombstone as Tombstone | undefined;
  },

  async markErasing(person, now) {
    const { orgId, participantId, programId, role } = person;
    const mark = (withMatching: boolean) => ({
      TableName: tableName,
      Key: keys.participant(orgId, participantId),
      UpdateExpression: withMatching
        ? 'SET erasingSince = if_not_exists(erasingSince, :now), matching.seeking = :no, matching.version = matching.version + :one'
        : 'SET erasingSince = if_not_exists(erasingSince, :now)',
      ConditionExpression: withMatching
        ? 'attribute_exists(pk) AND attribute_exists(matching)'
        : 'attribute_exists(pk)',
      ExpressionAttributeValues: {
        ':now': now.toISOString(),
        ...(withMatching ? { ':no': false, ':one': 1 } : {}),
      },
    });
    const markOnly = async () => {
      try {
        await client.send(new UpdateCommand(mark(false)));
      } catch (error) {
        // Gone meanwhile: nothing to mark.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    };
    if (!person.matching || (role !== 'mentor' && role !== 'mentee')) return void (await markOnly());
    try {
      // Out of the pool in the same write: a matcher reading the pool meanwhile finds nobody to lose a race to.
      await withConflictRetry(() =>
        client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: mark(true) },
              {
                Delete: { TableName: tableName, Key: keys.poolEntry(orgId, programId, role, participantId) },
              },
            ],
          }),
        ),
      );
    } catch (error) {
      const failedCheck =
        error instanceof TransactionCanceledException &&
        (error.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
      if (!failedCheck) throw error;
      await markOnly();
    }
  },

  async apply(orgId, participantId, plan, event, now) {
    const writes: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      ...plan.rewrites.map((Item) => ({ Put: { TableName: tableName, Item } })),
      ...plan.deletes.map((Key) => ({ Delete: { TableName: tableName, Key } })),
    ];
    // The tombstone and its event go last, with the final chunk: a failure before leaves no tombstone, so
    // asking again finishes the erasure.
    const chunks: (typeof writes)[] = [];
    for (let start = 0; start < writes.length || chunks.length === 0; start += CHUNK) {
      chunks.push(writes.slice(start, start + CHUNK));
    }
    const last = chunks.length - 1;
    try {
      for (const [index, chunk] of chunks.entries()) {
        const items =
          index === last
            ? [
                ...chunk,
                {
                  Put: {
                    TableName: tableName,
                    // programId on the item too: a program's report counts its tombstones by it.
                    Item: {
                      ...keys.erased(orgId, participantId),
                      programId: plan.tombstone.programId,
                      tombstone: plan.tombstone,
                    },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                { Put: { TableName: tableName, Item: outboxItem(event, now) } },
              ]
            : chunk;
        await withConflictRetry(() => client.send(new TransactWriteCommand({ TransactItems: items })));
      }
      return true;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? (error.CancellationReasons ?? []) : [];
      const tombstoneAt = chunks[last]?.length ?? 0;
      if (reasons[tombstoneAt]?.Code === 'ConditionalCheckFailed') return false;
      throw error;
    }
  },
});

/** The person's export reads the same items as their erasure, and their matches' meetings by prefix. */
export const dynamoDataExportSource = (
  client: DynamoDBDocumentClient,
  tableName: string,
): DataExportSource => {
  const { itemsNaming } = dynamoErasure(client, tableName);
  return {
    itemsNaming,
    async itemsUnder(orgId, prefix) {
      const items: StoredItem[] = [];
      const pages = paginateQuery(
        { client },
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': keys.organisation(orgId).pk, ':prefix': prefix },
        },
      );
      for await (const page of pages) items.push(...((page.Items ?? []) as StoredItem[]));
      return items;
    },
  };
};
