import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { OUTBOX_PREFIX } from '../data/table';
import { logger } from '../middleware';
import { EVENT_SOURCE } from './catalogue';

/** PutEvents takes at most 10 entries a call. */
const BATCH = 10;
const ATTEMPTS = 4;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Pending {
  sequenceNumber: string;
  key: OutboxKey;
  entry: PutEventsRequestEntry;
}

export interface OutboxKey {
  pk: string;
  sk: string;
}

const toEntry = (record: DynamoDBRecord, busName: string): Pending | undefined => {
  const image = record.dynamodb?.NewImage;
  const sequenceNumber = record.dynamodb?.SequenceNumber;
  // The mapping's filter already selects outbox inserts; this keeps anything else off the bus regardless.
  if (!image || !sequenceNumber || !image.pk?.S?.startsWith(OUTBOX_PREFIX)) return undefined;
  const item = unmarshall(image as Record<string, AttributeValue> as never) as OutboxKey & {
    detailType: string;
    detail: string;
    createdAt: string;
  };
  return {
    sequenceNumber,
    key: { pk: item.pk, sk: item.sk },
    entry: {
      EventBusName: busName,
      Source: EVENT_SOURCE,
      DetailType: item.detailType,
      Detail: item.detail,
      Time: new Date(item.createdAt),
    },
  };
};

/**
 * Publishes outbox items to the bus. Entries PutEvents reports as failed are retried with backoff; what still
 * fails is reported as a batch item failure from the first failed record on, so Lambda retries those (and the
 * event-source mapping's DLQ catches what never goes through). Consumers are idempotent, so the few events
 * that a retry publishes twice do no harm, while none is ever skipped.
 *
 * `forget` is told which outbox items went out; deleting them leaves only the unpublished ones behind,
 * for the sweep of due work to write again should the stream give up on them.
 */
export const relayOutbox = async (
  client: EventBridgeClient,
  busName: string,
  records: readonly DynamoDBRecord[],
  forget: (published: OutboxKey[]) => Promise<void> = async () => {},
): Promise<DynamoDBBatchResponse> => {
  const pending = records.map((r) => toEntry(r, busName)).filter((p): p is Pending => p !== undefined);
  for (let start = 0; start < pending.length; start += BATCH) {
    let batch = pending.slice(start, start + BATCH);
    for (let attempt = 1; batch.length > 0; attempt++) {
      let failed: Pending[];
      try {
        const out = await client.send(new PutEventsCommand({ Entries: batch.map((p) => p.entry) }));
        failed = batch.filter((_, i) => out.Entries?.[i]?.ErrorCode || !out.Entries?.[i]?.EventId);
        const published = batch.filter((p) => !failed.includes(p)).map((p) => p.key);
        // Best effort: an item left behind is only written and published once more.
        await forget(published).catch((error: Error) =>
          logger.warn('published outbox items not deleted', { error: error.name, count: published.length }),
        );
        for (const [i, result] of (out.Entries ?? []).entries()) {
          if (result.ErrorCode)
            logger.warn('event not accepted', {
              detailType: batch[i]?.entry.DetailType,
              errorCode: result.ErrorCode,
            });
        }
      } catch (error) {
        logger.warn('PutEvents failed', { error: (error as Error).name, attempt });
        failed = batch;
      }
      if (failed.length === 0) break;
      if (attempt >= ATTEMPTS) {
        const first = failed.reduce((a, b) => (BigInt(a.sequenceNumber) <= BigInt(b.sequenceNumber) ? a : b));
        logger.error('events left unpublished; the stream will redeliver', { count: failed.length });
        return { batchItemFailures: [{ itemIdentifier: first.sequenceNumber }] };
      }
      await sleep(100 * 2 ** attempt);
      batch = failed;
    }
  }
  return { batchItemFailures: [] };
};
