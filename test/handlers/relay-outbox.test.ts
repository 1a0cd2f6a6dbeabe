import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/relay-outbox/handler';
import { outboxItem } from '../../shared/data/outbox';
import { type DetailType, detailTypes } from '../../shared/events/catalogue';
import { detailExamples } from '../fixtures/event-details';
import { lambdaContext, streamRecord } from '../helpers/events';

const eventbridge = mockClient(EventBridgeClient);
const dynamodb = mockClient(DynamoDBDocumentClient);

const WRITTEN = new Date('2025-03-14T09:26:53.000Z');

/** Outbox items as the use cases write them, one per detail-type in turn, with rising sequence numbers. */
const outboxRecords = (count: number, firstSequence = 100_000_000_000_000_000_000n) =>
  Array.from({ length: count }, (_, i) => {
    const detailType = detailTypes[i % detailTypes.length] as DetailType;
    const item = outboxItem(
      { detailType, detail: detailExamples[detailType] } as never,
      new Date(WRITTEN.getTime() + i),
    );
    return { item, record: streamRecord(item, String(firstSequence + BigInt(i) * 100n)) };
  });

const invoke = (records: DynamoDBRecord[]) =>
  handler(
    { Records: records } satisfies DynamoDBStreamEvent,
    lambdaContext('kindred-test-relay-outbox'),
  ) as Promise<DynamoDBBatchResponse>;

/** Runs the relay to completion, its retry backoff on fake timers. */
const relay = async (records: DynamoDBRecord[]) => {
  const result = invoke(records);
  await vi.runAllTimersAsync();
  return result;
};

const accepted = (entries: readonly PutEventsRequestEntry[] | undefined) => ({
  FailedEntryCount: 0,
  Entries: (entries ?? []).map((_, i) => ({ EventId: `event-${i}` })),
});

const sentBatches = () =>
  eventbridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  eventbridge.reset();
  eventbridge.on(PutEventsCommand).callsFake((input) => accepted(input.Entries));
  dynamodb.reset();
  dynamodb.on(BatchWriteCommand).resolves({});
});

/** The outbox keys the relay deleted, in order. */
const deletedKeys = () =>
  dynamodb
    .commandCalls(BatchWriteCommand)
    .flatMap((c) => Object.values(c.args[0].input.RequestItems ?? {}).flat())
    .map((r) => r.DeleteRequest?.Key);

afterEach(() => {
  vi.useRealTimers();
});

describe('relay-outbox', () => {
  it('publishes each outbox item with source kindred, its detail-type, detail and time', async () => {
    // Prepare
    const [{ item, record }] = outboxRecords(1) as [
      { item: ReturnType<typeof outboxItem>; record: DynamoDBRecord },
    ];

    // Act
    const result = await relay([record]);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sentBatches()).toEqual([
      [
        {
          EventBusName: 'kindred-test',
          Source: 'kindred',
          DetailType: item.detailType,
          Detail: item.detail,
          Time: WRITTEN,
        },
      ],
    ]);
  });

  it('publishes in batches of at most ten, in stream order', async () => {
    // Prepare
    const records = outboxRecords(23);

    // Act
    const result = await relay(records.map((r) => r.record));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const batches = sentBatches();
    expect(batches.map((b) => b.length)).toEqual([10, 10, 3]);
    expect(batches.flat().map((e) => e.Detail)).toEqual(records.map((r) => r.item.detail));
    expect(batches.flat().map((e) => e.DetailType)).toEqual(records.map((r) => r.item.detailType));
  });

  it('retries only the entries PutEvents reported as failed, and succeeds', async () => {
    // Prepare
    const records = outboxRecords(3);
    eventbridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [
          { EventId: 'event-0' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' },
          { EventId: 'event-2' },
        ],
      })
      .callsFake((input) => accepted(input.Entries));

    // Act
    const result = await relay(records.map((r) => r.record));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const batches = sentBatches();
    expect(batches).toHaveLength(2);
    expect(batches[1]?.map((e) => e.Detail)).toEqual([records[1]?.item.detail]);
  });

  it('retries a whole batch after a throttled call', async () => {
    // Prepare
    const records = outboxRecords(2);
    eventbridge
      .on(PutEventsCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .callsFake((input) => accepted(input.Entries));

    // Act
    const result = await relay(records.map((r) => r.record));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(sentBatches().map((b) => b.length)).toEqual([2, 2]);
  });

  it('reports the first still-failing record after four attempts, so the stream redelivers from there', async () => {
    // Prepare: entries 4 and 7 of the first batch never get through.
    const records = outboxRecords(12);
    const stuck = new Set([records[7]?.item.detail, records[4]?.item.detail]);
    eventbridge.on(PutEventsCommand).callsFake((input) => {
      const entries = (input.Entries ?? []) as PutEventsRequestEntry[];
      const results = entries.map((e, i) =>
        stuck.has(e.Detail)
          ? { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal failure' }
          : { EventId: `event-${i}` },
      );
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    });

    // Act
    const result = await relay(records.map((r) => r.record));

    // Assess
    expect(result).toEqual({
      batchItemFailures: [{ itemIdentifier: records[4]?.record.dynamodb?.SequenceNumber }],
    });
    const batches = sentBatches();
    expect(batches.map((b) => b.length)).toEqual([10, 2, 2, 2]);
    expect(batches.slice(1).every((b) => b.every((e) => stuck.has(e.Detail)))).toBe(true);
  });

  it('reports the first record of a batch when PutEvents keeps failing outright', async () => {
    // Prepare
    const records = outboxRecords(3);
    eventbridge
      .on(PutEventsCommand)
      .rejects(Object.assign(new Error('Service unavailable'), { name: 'ServiceUnavailable' }));

    // Act
    const result = await relay(records.map((r) => r.record));

    // Assess
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: records[0]?.record.dynamodb?.SequenceNumber },
    ]);
    expect(eventbridge.commandCalls(PutEventsCommand)).toHaveLength(4);
  });

  it('compares sequence numbers as numbers, not strings', async () => {
    // Prepare: a later record whose sequence number is shorter would sort first as a string.
    const [early, late] = outboxRecords(2);
    const lateRecord = streamRecord(late?.item, '99999999999999999999');
    const earlyRecord = streamRecord(early?.item, '100000000000000000000');
    eventbridge.on(PutEventsCommand).callsFake((input) => ({
      FailedEntryCount: input.Entries?.length,
      Entries: (input.Entries ?? []).map(() => ({ ErrorCode: 'InternalFailure' })),
    }));

    // Act
    const result = await relay([lateRecord, earlyRecord]);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '99999999999999999999' }]);
  });

  it('backs off between attempts', async () => {
    // Prepare
    const records = outboxRecords(1);
    eventbridge
      .on(PutEventsCommand)
      .callsFake(() => ({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] }));

    // Act
    const result = invoke(records.map((r) => r.record));
    await vi.advanceTimersByTimeAsync(0);
    const afterFirst = eventbridge.commandCalls(PutEventsCommand).length;
    await vi.advanceTimersByTimeAsync(199);
    const before200ms = eventbridge.commandCalls(PutEventsCommand).length;
    await vi.advanceTimersByTimeAsync(1);
    const at200ms = eventbridge.commandCalls(PutEventsCommand).length;
    await vi.runAllTimersAsync();
    await result;

    // Assess
    expect([afterFirst, before200ms, at200ms]).toEqual([1, 1, 2]);
  });

  it('ignores records without a new image (e.g. TTL deletions) and publishes the rest', async () => {
    // Prepare
    const [kept] = outboxRecords(1);
    const removed = streamRecord(undefined, '100000000000000000050', 'REMOVE');

    // Act
    const result = await relay([removed, kept?.record as DynamoDBRecord]);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(sentBatches()).toEqual([[expect.objectContaining({ Detail: kept?.item.detail })]]);
  });

  it('calls nothing for a batch with no outbox items', async () => {
    // Act
    const result = await relay([streamRecord(undefined, '100000000000000000050', 'REMOVE')]);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(eventbridge.calls()).toHaveLength(0);
  });

  it('deletes exactly the outbox items it published, so only unpublished ones are left to redrive', async () => {
    // Prepare: 12 items, the 3rd refused by PutEvents every time
    const records = outboxRecords(12);
    eventbridge.on(PutEventsCommand).callsFake((input) => ({
      FailedEntryCount: 1,
      Entries: (input.Entries ?? []).map((entry: PutEventsRequestEntry, i: number) =>
        entry.DetailType === records[2]?.item.detailType && entry.Detail === records[2]?.item.detail
          ? { ErrorCode: 'InternalFailure' }
          : { EventId: `e-${i}` },
      ),
    }));

    // Act
    const result = await relay(records.map((r) => r.record));

    // Assess: the first batch's other nine are deleted; the failed one and the unsent batch are not
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: records[2]?.record.dynamodb?.SequenceNumber },
    ]);
    const expected = records
      .slice(0, 10)
      .filter((_, i) => i !== 2)
      .map((r) => ({ pk: r.item.pk, sk: r.item.sk }));
    expect(deletedKeys()).toEqual(expected);
  });

  it('still reports success when deleting published items fails', async () => {
    // Prepare
    dynamodb.on(BatchWriteCommand).rejects(new Error('throttled'));

    // Act
    const result = await relay(outboxRecords(3).map((r) => r.record));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(eventbridge.commandCalls(PutEventsCommand)).toHaveLength(1);
  });
});
