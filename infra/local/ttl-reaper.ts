import { type DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableDefinition } from '../../shared/data/table';

/**
 * DynamoDB's TTL process, locally: DynamoDB Local keeps the TTL setting but never deletes. This deletes
 * items whose TTL attribute has passed on the local clock, each on the condition it still has, so the
 * stream sees the same REMOVE records AWS would produce (later, and in batches, there).
 */
export const createTtlReaper = (options: {
  dynamodb: DynamoDBClient;
  tableName: string;
  now: () => Date;
}) => {
  const documents = DynamoDBDocumentClient.from(options.dynamodb);
  const { partitionKey, sortKey, ttlAttribute } = tableDefinition;
  let running: Promise<number> | undefined;
  let lastPass = Number.NEGATIVE_INFINITY;

  const reapOnce = async () => {
    lastPass = options.now().getTime();
    const now = Math.floor(lastPass / 1000);
    let deleted = 0;
    // A Scan is how a stand-in for a background process reads; no request path ever scans.
    const pages = paginateScan(
      { client: options.dynamodb },
      {
        TableName: options.tableName,
        FilterExpression: '#ttl < :now',
        ProjectionExpression: '#pk, #sk',
        ExpressionAttributeNames: { '#ttl': ttlAttribute, '#pk': partitionKey, '#sk': sortKey },
        ExpressionAttributeValues: { ':now': { N: String(now) } },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        try {
          await documents.send(
            new DeleteCommand({
              TableName: options.tableName,
              Key: { [partitionKey]: item[partitionKey]?.S, [sortKey]: item[sortKey]?.S },
              ConditionExpression: '#ttl < :now',
              ExpressionAttributeNames: { '#ttl': ttlAttribute },
              ExpressionAttributeValues: { ':now': now },
            }),
          );
          deleted += 1;
        } catch (error) {
          if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
        }
      }
    }
    return deleted;
  };

  return {
    /** Deletes what has expired by now; overlapping calls share one pass. */
    reap() {
      running ??= reapOnce().finally(() => {
        running = undefined;
      });
      return running;
    },
    /** A pass only if the last one is `everyMs` ago on the local clock (AWS takes hours to days anyway). */
    async reapEvery(everyMs: number) {
      if (options.now().getTime() - lastPass >= everyMs) await this.reap();
    },
  };
};
