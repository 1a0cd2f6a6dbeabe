import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type _Record,
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { outboxStreamFilter, outboxStreamPolicy } from '../../shared/data/table';
import { matchesEventPattern, parseEventPattern } from './event-pattern';
import { jsonStore } from './json-store';

/**
 * Lambda's DynamoDB event-source mapping, locally: reads the table's stream from DynamoDB Local, keeps only
 * the records the outbox filter selects (the same filter CDK gives the mapping), hands them to the relay
 * handler in batches and moves its checkpoint only past what the handler accepted. The checkpoint is on
 * disk, so a stop and start neither loses nor repeats a batch.
 */

interface Checkpoints {
  streamArn?: string;
  /** Per shard: the last sequence number handed over successfully, or 'done' for a closed, drained shard. */
  shards: Record<string, string>;
  /** Records given up on after the mapping's attempts (what the stream's on-failure queue gets in AWS). */
  gaveUp?: { shardId: string; sequenceNumber: string; at: string }[];
}

export const startStreamRelay = (options: {
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  tableName: string;
  region: string;
  relay: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  checkpointPath?: string;
  pollMs?: number;
  batchSize?: number;
  /**
   * Attempts before a record is given up on (the mapping's retry policy). Its age limit is not applied
   * locally, where the clock can move days at once.
   */
  retryAttempts?: number;
}) => {
  const filter = parseEventPattern(outboxStreamFilter);
  const store = jsonStore<Checkpoints>(options.checkpointPath, () => ({ shards: {} }));
  const pollMs = options.pollMs ?? 100;
  let stopped = false;
  let busy = false;
  let lastError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backlog = 0;
  let streamArnOnce: Promise<string | undefined> | undefined;
  const failures = new Map<string, number>();
  const retryAttempts = options.retryAttempts ?? outboxStreamPolicy.retryAttempts;

  const toLambdaRecord = (record: _Record, streamArn: string) => ({
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: options.region,
    eventSourceARN: streamArn,
    dynamodb: {
      ...record.dynamodb,
      ApproximateCreationDateTime: record.dynamodb?.ApproximateCreationDateTime
        ? record.dynamodb.ApproximateCreationDateTime.getTime() / 1000
        : undefined,
    },
  });

  const iterators = new Map<string, string>();
  let shardList: { at: number; ids: string[] } | undefined;
  const getRecords = (iterator: string) =>
    options.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: options.batchSize ?? 100 }));

  /** Reads every shard once from its checkpoint; returns how many records it handed over. */
  const pollOnce = async () => {
    // The stream of a table only changes when the table is made anew, which --fresh does between runs.
    streamArnOnce ??= options.dynamodb
      .send(new DescribeTableCommand({ TableName: options.tableName }))
      .then((table) => table.Table?.LatestStreamArn);
    const streamArn = await streamArnOnce.catch((error) => {
      streamArnOnce = undefined;
      throw error;
    });
    if (!streamArn) {
      streamArnOnce = undefined;
      return 0;
    }
    const state = store.get();
    if (state.streamArn !== streamArn) {
      store.save({ streamArn, shards: {} });
      iterators.clear();
      shardList = undefined;
    }
    // Polled often (after every local clock step): the shard list is re-read at most once a second and
    // each shard resumes from the iterator its last empty read returned, so an idle poll is one call a shard.
    if (!shardList || Date.now() - shardList.at > 1000) {
      const { StreamDescription } = await options.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn }),
      );
      shardList = { at: Date.now(), ids: (StreamDescription?.Shards ?? []).map((s) => s.ShardId as string) };
    }
    let handed = 0;
    for (const shardId of shardList.ids) {
      if (store.get().shards[shardId] === 'done') continue;
      let iterator = iterators.get(shardId);
      iterators.delete(shardId);
      if (!iterator) {
        const checkpoint = store.get().shards[shardId];
        const { ShardIterator } = await options.streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ...(checkpoint
              ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: checkpoint }
              : { ShardIteratorType: 'TRIM_HORIZON' }),
          }),
        );
        iterator = ShardIterator;
      }
      while (iterator && !stopped) {
        let page: Awaited<ReturnType<typeof getRecords>>;
        try {
          page = await getRecords(iterator);
        } catch (error) {
          // An iterator that aged out is fetched anew from the checkpoint on the next poll.
          if ((error as Error).name === 'ExpiredIteratorException') break;
          throw error;
        }
        const records = page.Records ?? [];
        if (records.length === 0) {
          if (!page.NextShardIterator) {
            store.save({ ...store.get(), shards: { ...store.get().shards, [shardId]: 'done' } });
          } else iterators.set(shardId, page.NextShardIterator);
          break;
        }
        const selected = records
          .map((r) => toLambdaRecord(r, streamArn))
          .filter((r) => matchesEventPattern(filter, r));
        const acceptedUpTo = records.at(-1)?.dynamodb?.SequenceNumber as string;
        if (selected.length > 0) {
          // A function error fails the whole batch, from its first record, as it does in Lambda.
          const failed = await options
            .relay({ Records: selected } as DynamoDBStreamEvent)
            .then((response) => response?.batchItemFailures?.[0]?.itemIdentifier)
            .catch(() => selected[0]?.dynamodb?.SequenceNumber);
          if (failed) {
            const attempts = (failures.get(failed) ?? 0) + 1;
            const index = records.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
            if (attempts >= retryAttempts) {
              // The mapping gives up on the record and moves on; its outbox item waits for the redrive.
              failures.delete(failed);
              store.save({
                ...store.get(),
                shards: { ...store.get().shards, [shardId]: failed },
                gaveUp: [
                  ...(store.get().gaveUp ?? []),
                  { shardId, sequenceNumber: failed, at: new Date().toISOString() },
                ],
              });
              console.error(`outbox relay: gave up on stream record ${failed} after ${attempts} attempts`);
              break;
            }
            failures.set(failed, attempts);
            // Lambda retries from the failed record: keep the checkpoint just before it.
            const previous =
              index > 0 ? records[index - 1]?.dynamodb?.SequenceNumber : store.get().shards[shardId];
            if (previous)
              store.save({ ...store.get(), shards: { ...store.get().shards, [shardId]: previous } });
            throw new Error(`relay reported a failed record at ${failed} (attempt ${attempts})`);
          }
          handed += selected.length;
        }
        store.save({ ...store.get(), shards: { ...store.get().shards, [shardId]: acceptedUpTo } });
        iterator = page.NextShardIterator;
      }
    }
    return handed;
  };

  const loop = async () => {
    if (stopped) return;
    if (busy) {
      timer = setTimeout(loop, pollMs);
      return;
    }
    busy = true;
    try {
      backlog = await pollOnce();
      lastError = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastError && !stopped) console.error(`outbox relay: ${message} (retrying)`);
      lastError = message;
    } finally {
      busy = false;
    }
    if (!stopped) timer = setTimeout(loop, lastError ? 1000 : pollMs);
  };
  timer = setTimeout(loop, 0);

  return {
    /** Resolves after a complete poll that found nothing new: everything stored so far has been relayed. */
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (busy) await new Promise((r) => setTimeout(r, 10));
        busy = true;
        let failed = false;
        try {
          backlog = await pollOnce();
        } catch {
          // A failing record is retried, then given up on, as the mapping does; keep going until then.
          failed = true;
        } finally {
          busy = false;
        }
        if (!failed && backlog === 0) return;
        if (Date.now() > deadline) throw new Error('the outbox relay did not drain');
        if (failed) await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** Stream records given up on, as the mapping's on-failure queue would hold them. */
    gaveUp: () => store.get().gaveUp ?? [],
    async stop() {
      stopped = true;
      clearTimeout(timer);
      while (busy) await new Promise((r) => setTimeout(r, 10));
    },
  };
};
