import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OutboxKey } from '../events/relay';

/** BatchWriteItem takes at most 25 requests a call. */
const BATCH = 25;

/** Deletes published outbox items, retrying once what DynamoDB left unprocessed. */
export const deletePublished =
  (client: DynamoDBDocumentClient, tableName: string) => async (keys: OutboxKey[]) => {
    for (let start = 0; start < keys.length; start += BATCH) {
      let requests = keys.slice(start, start + BATCH).map((key) => ({ DeleteRequest: { Key: key } }));
      for (let attempt = 1; requests.length > 0 && attempt <= 2; attempt++) {
        const out = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
        requests = (out.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      }
      if (requests.length > 0) throw new Error(`${requests.length} outbox items left undeleted`);
    }
  };
