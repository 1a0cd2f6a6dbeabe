import { ParseError } from '@aws-lambda-powertools/parser';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/sweep-due-work/handler';
import { ORG_ID, participant } from '../fixtures/domain';
import { lambdaContext, scheduledEvent } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const TABLE = 'kindred-test';
const CURSOR_KEY = { pk: 'SWEEP#due', sk: 'CURSOR' };

/** When the hourly schedule fired, as EventBridge writes it. */
const FIRED = '2026-03-10T12:00:00Z';
const NOW = '2026-03-10T12:00:00.000Z';

/** A stored participant, still unconfirmed, whose reminder is on the due index. */
const dueParticipant = (participantId: string, dueAt: string) => ({
  pk: `ORG#${ORG_ID}`,
  sk: `PARTICIPANT#${participantId}`,
  lookupPk: `ORG#${ORG_ID}#PARTICIPANTS`,
  lookupSk: `pending#2026-03-08T12:00:00.000Z#${participantId}`,
  ...participant({ participantId, createdAt: '2026-03-08T12:00:00.000Z' }),
  expiresAt: 1_773_576_000,
  duePk: `DUE#${dueAt.slice(0, 13)}`,
  dueSk: `${dueAt}#verify-reminder#${ORG_ID}#${participantId}`,
  dueKind: 'verify-reminder',
});

const EARLIER = dueParticipant('0b6f2a9c-1d3e-4f5a-8b7c-9d0e1f2a3b4c', '2026-03-10T11:30:00.000Z');
const ON_THE_HOUR = dueParticipant('7e8d9c0b-a1b2-4c3d-9e4f-5a6b7c8d9e0f', '2026-03-10T12:00:00.000Z');

const invoke = (event: unknown) =>
  (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-sweep-due-work'),
  );

const cursorAt = (bucket: string | undefined) =>
  ddb
    .on(GetCommand, { TableName: TABLE, Key: CURSOR_KEY })
    .resolves(bucket ? { Item: { ...CURSOR_KEY, bucket } } : {});

/** The due index: what a query of each bucket returns. */
const dueIndex = (byBucket: Record<string, object[]>) =>
  ddb.on(QueryCommand).callsFake((input: { ExpressionAttributeValues?: Record<string, unknown> }) => ({
    Items: byBucket[String(input.ExpressionAttributeValues?.[':bucket'])] ?? [],
  }));

const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });

/** An expression that only names `bucket` through a placeholder (BUCKET is a DynamoDB reserved word). */
const withoutBareBucket = (expression: string | undefined) =>
  (expression ?? '').replace(/[#:]bucket\b/g, '').match(/\bbucket\b/i) === null;

beforeEach(() => {
  // The schedule fired on time: the clock reads its time.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(NOW));
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

afterEach(() => {
  vi.useRealTimers();
});

describe('sweep-due-work', () => {
  it('reads the cursor, queries each bucket up to the schedule time, hands each item over and moves the cursor', async () => {
    // Prepare
    cursorAt('DUE#2026-03-10T10');
    dueIndex({ 'DUE#2026-03-10T11': [EARLIER], 'DUE#2026-03-10T12': [ON_THE_HOUR] });

    // Act
    const counts = await invoke(scheduledEvent(FIRED));

    // Assess
    expect(counts).toEqual({ due: 2, handedOver: 2, unknown: 0 });

    const cursorReads = ddb.commandCalls(GetCommand);
    expect(cursorReads).toHaveLength(1);
    expect(cursorReads[0]?.args[0].input).toEqual({
      TableName: TABLE,
      Key: CURSOR_KEY,
      ConsistentRead: true,
    });

    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toEqual(
      ['DUE#2026-03-10T11', 'DUE#2026-03-10T12'].map((bucket) => ({
        TableName: TABLE,
        IndexName: 'due',
        KeyConditionExpression: '#pk = :bucket AND #sk <= :until',
        ExpressionAttributeNames: { '#pk': 'duePk', '#sk': 'dueSk' },
        ExpressionAttributeValues: { ':bucket': bucket, ':until': `${NOW}#\uffff` },
      })),
    );

    const transactions = ddb
      .commandCalls(TransactWriteCommand)
      .map((c) => c.args[0].input.TransactItems ?? []);
    expect(transactions).toHaveLength(2);
    transactions.forEach((items, i) => {
      const item = [EARLIER, ON_THE_HOUR][i] as typeof EARLIER;
      expect(items).toHaveLength(2);
      const [handOver, outbox] = items;
      expect(handOver?.Update).toMatchObject({
        TableName: TABLE,
        Key: { pk: item.pk, sk: item.sk },
        UpdateExpression: 'REMOVE duePk, dueSk, dueKind',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':bucket': item.duePk, ':pending': 'pending' },
      });
      expect(handOver?.Update?.ConditionExpression).toContain('duePk = :bucket');
      expect(handOver?.Update?.ConditionExpression).toContain('#status = :pending');
      expect(handOver?.Update?.ConditionExpression).toMatch(/ AND /);

      expect(outbox?.Put?.TableName).toBe(TABLE);
      const event = outbox?.Put?.Item;
      expect(event).toMatchObject({ sk: 'EVENT', detailType: 'VerificationReminderDue', createdAt: NOW });
      expect(event?.pk).toBe(`OUTBOX#${event?.eventId}`);
      expect(JSON.parse(event?.detail)).toEqual({
        version: 1,
        orgId: ORG_ID,
        occurredAt: NOW,
        participantId: item.participantId,
        programId: item.programId,
      });
      expect(event?.detail).not.toContain(item.email);
    });

    const cursorWrites = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(cursorWrites).toHaveLength(1);
    expect(cursorWrites[0]).toMatchObject({
      TableName: TABLE,
      Key: CURSOR_KEY,
      UpdateExpression: 'SET #bucket = :bucket',
      ExpressionAttributeNames: { '#bucket': 'bucket' },
      ExpressionAttributeValues: { ':bucket': 'DUE#2026-03-10T11' },
    });
    expect(withoutBareBucket(cursorWrites[0]?.UpdateExpression)).toBe(true);
    expect(withoutBareBucket(cursorWrites[0]?.ConditionExpression)).toBe(true);
    expect(cursorWrites[0]?.ConditionExpression).toContain('#bucket < :bucket');
  });

  it('with no cursor yet reads the last day and the current hour', async () => {
    // Act
    const counts = await invoke(scheduledEvent(FIRED));

    // Assess
    expect(counts).toEqual({ due: 0, handedOver: 0, unknown: 0 });
    const buckets = ddb
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input.ExpressionAttributeValues?.[':bucket']);
    expect(buckets).toHaveLength(25);
    expect(buckets[0]).toBe('DUE#2026-03-09T12');
    expect(buckets.at(-1)).toBe('DUE#2026-03-10T12');
    expect(ddb.commandCalls(UpdateCommand).at(-1)?.args[0].input.ExpressionAttributeValues).toEqual({
      ':bucket': 'DUE#2026-03-10T11',
    });
  });

  it('reads every page of a bucket', async () => {
    // Prepare
    cursorAt('DUE#2026-03-10T10');
    const lastKey = { pk: EARLIER.pk, sk: EARLIER.sk, duePk: EARLIER.duePk, dueSk: EARLIER.dueSk };
    const second = dueParticipant('c4d5e6f7-0a1b-4c2d-8e3f-4a5b6c7d8e9f', '2026-03-10T11:45:00.000Z');
    ddb
      .on(QueryCommand, {
        ExpressionAttributeValues: { ':bucket': 'DUE#2026-03-10T11', ':until': `${NOW}#\uffff` },
      })
      .resolvesOnce({ Items: [EARLIER], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [second] });

    // Act
    const counts = await invoke(scheduledEvent(FIRED));

    // Assess
    expect(counts).toEqual({ due: 2, handedOver: 2, unknown: 0 });
    const bucketQueries = ddb
      .commandCalls(QueryCommand)
      .map((c) => c.args[0].input)
      .filter((input) => input.ExpressionAttributeValues?.[':bucket'] === 'DUE#2026-03-10T11');
    // The SDK's paginator sets the start key on the one input object it sends for every page.
    expect(bucketQueries).toHaveLength(2);
    expect(bucketQueries.at(-1)?.ExclusiveStartKey).toEqual(lastKey);
  });

  it('skips an item handed over meanwhile (condition failed on the item) and still finishes its bucket', async () => {
    // Prepare
    cursorAt('DUE#2026-03-10T10');
    dueIndex({ 'DUE#2026-03-10T11': [EARLIER, dueParticipant('p-gone', '2026-03-10T11:40:00.000Z')] });
    ddb.on(TransactWriteCommand).rejectsOnce(cancelled('ConditionalCheckFailed', 'None')).resolves({});

    // Act
    const counts = await invoke(scheduledEvent(FIRED));

    // Assess
    expect(counts).toEqual({ due: 2, handedOver: 1, unknown: 0 });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual({
      ':bucket': 'DUE#2026-03-10T11',
    });
  });

  it('fails the run on any other failure, leaving the cursor where it was', async () => {
    // Prepare
    cursorAt('DUE#2026-03-10T10');
    dueIndex({ 'DUE#2026-03-10T11': [EARLIER] });
    ddb.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None'));

    // Act
    const run = invoke(scheduledEvent(FIRED));

    // Assess
    await expect(run).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('leaves alone a cursor that an overlapping sweep already moved further', async () => {
    // Prepare
    cursorAt('DUE#2026-03-10T10');
    ddb
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // Act
    const counts = await invoke(scheduledEvent(FIRED));

    // Assess
    expect(counts).toEqual({ due: 0, handedOver: 0, unknown: 0 });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(1);
  });

  it('leaves an item of an unknown kind in place and its bucket open', async () => {
    // Prepare
    cursorAt('DUE#2026-03-10T10');
    dueIndex({
      'DUE#2026-03-10T11': [
        {
          pk: `ORG#${ORG_ID}`,
          sk: 'MEETING#m-1',
          duePk: 'DUE#2026-03-10T11',
          dueSk: `2026-03-10T11:00:00.000Z#survey-due#${ORG_ID}#m-1`,
          dueKind: 'survey-due',
        },
      ],
    });

    // Act
    const counts = await invoke(scheduledEvent(FIRED));

    // Assess
    expect(counts).toEqual({ due: 1, handedOver: 0, unknown: 1 });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  describe('refuses an event that is not an EventBridge event, touching nothing', () => {
    it.each([
      ['a time that is not a timestamp', { ...scheduledEvent(FIRED), time: 'Tuesday noon' }],
      [
        'no detail-type',
        (({ 'detail-type': _dropped, ...rest }) => rest)(scheduledEvent(FIRED)) as Record<string, unknown>,
      ],
      ['an API Gateway request', { version: '2.0', rawPath: '/v1/sweep', headers: {} }],
    ])('%s', async (_case, event) => {
      // Act
      const run = invoke(event);

      // Assess
      await expect(run).rejects.toBeInstanceOf(ParseError);
      expect(ddb.calls()).toHaveLength(0);
    });
  });

  it('sweeps up to the actual time when a retry runs later than the schedule fired', async () => {
    // Prepare: fired at noon, run (retried) at 15:30
    vi.setSystemTime(new Date('2026-03-10T15:30:00.000Z'));
    cursorAt('DUE#2026-03-10T11');

    // Act
    await invoke(scheduledEvent(FIRED));

    // Assess: the buckets up to 15:00 are read, up to 15:30
    const queried = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
    expect(queried.map((v) => v?.[':bucket'])).toEqual([
      'DUE#2026-03-10T12',
      'DUE#2026-03-10T13',
      'DUE#2026-03-10T14',
      'DUE#2026-03-10T15',
    ]);
    expect(queried.at(-1)?.[':until']).toBe('2026-03-10T15:30:00.000Z#\uffff');
  });
});
