import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DynamoLocal, ensureTable, startDynamoLocal } from '../../infra/local/dynamodb-local';
import { startStreamRelay } from '../../infra/local/stream-relay';
import { outboxItem } from '../../shared/data/outbox';
import { detailExamples } from '../fixtures/event-details';
import { eventually } from '../helpers/local';

/**
 * The local stand-in for Lambda's stream mapping, on DynamoDB Local's real stream: only outbox inserts
 * reach the relay, a failing record is retried from where it failed, and given up on after the policy's
 * attempts, as the mapping does, so the records behind it still flow.
 */
describe('the local outbox stream mapping', () => {
  let dynamo: DynamoLocal;
  let client: DynamoDBClient;
  const table = 'stream-relay-test';

  beforeAll(async () => {
    const { createServer } = await import('node:net');
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    dynamo = await startDynamoLocal({ port });
    const sdk = {
      endpoint: dynamo.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    };
    client = new DynamoDBClient(sdk);
    await ensureTable(client, table);
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  it('hands over outbox inserts only, retries a failing one, then gives up on it and moves on', async () => {
    // Prepare: two outbox items and one participant item; the relay refuses the first outbox item always
    const documents = DynamoDBDocumentClient.from(client);
    const now = new Date('2026-03-10T09:00:00.000Z');
    const failing = outboxItem(
      { detailType: 'ParticipantVerified', detail: detailExamples.ParticipantVerified },
      now,
    );
    const passing = outboxItem({ detailType: 'SignupRepeated', detail: detailExamples.SignupRepeated }, now);
    for (const item of [failing, { pk: 'ORG#o', sk: 'PARTICIPANT#p' }, passing]) {
      await documents.send(new PutCommand({ TableName: table, Item: item }));
    }
    const seen: string[][] = [];
    const relayFn = async (event: DynamoDBStreamEvent) => {
      const keys = event.Records.map((r) => String(r.dynamodb?.NewImage?.pk?.S));
      seen.push(keys);
      const first = event.Records[0];
      return first?.dynamodb?.NewImage?.pk?.S === failing.pk
        ? { batchItemFailures: [{ itemIdentifier: String(first.dynamodb.SequenceNumber) }] }
        : { batchItemFailures: [] };
    };

    // Act
    const relay = startStreamRelay({
      dynamodb: client,
      streams: new DynamoDBStreamsClient({
        endpoint: dynamo.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
      tableName: table,
      region: 'eu-west-1',
      relay: relayFn,
      pollMs: 10,
      retryAttempts: 3,
    });
    try {
      await eventually(async () => (seen.some((keys) => keys[0] === passing.pk) ? true : undefined), 20_000);

      // Assess
      const attemptsOnFailing = seen.filter((keys) => keys[0] === failing.pk);
      expect(attemptsOnFailing).toHaveLength(3);
      expect(attemptsOnFailing[0]).toEqual([failing.pk, passing.pk]);
      expect(seen.flat()).not.toContain('ORG#o');
      expect(relay.gaveUp()).toEqual([expect.objectContaining({ sequenceNumber: expect.any(String) })]);
      expect(seen.at(-1)).toEqual([passing.pk]);
    } finally {
      await relay.stop();
    }
  });
});
