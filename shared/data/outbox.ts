import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dueSortKey, hourBucket } from '../domain/due-work';
import type { Outbox } from '../domain/ports';
import { type OutgoingEvent, parseDetail } from '../events/catalogue';
import { DAY_SECONDS, epochSeconds, keys } from './keys';
import { outboxStreamPolicy } from './table';

/** Outbox items outlive the stream's 24 h retention, then expire. */
const OUTBOX_TTL_SECONDS = 3 * DAY_SECONDS;

/**
 * The relay deletes each item it has published. One still here this long after it was written was never
 * published: the stream mapping gave up on it (it gives up on records an hour old), and the sweep of due
 * work writes it again for the relay.
 */
export const OUTBOX_REDRIVE_AFTER_MS = (outboxStreamPolicy.maxRecordAgeSeconds + 15 * 60) * 1000;

/**
 * The outbox item for an event, to put in the same transaction as the state change it announces.
 * The detail is validated here, so nothing that breaks the catalogue is ever stored.
 */
export const outboxItem = (event: OutgoingEvent, now: Date) => {
  const detail = parseDetail(event.detailType, event.detail);
  const eventId = randomUUID();
  const redriveAt = new Date(now.getTime() + OUTBOX_REDRIVE_AFTER_MS);
  return {
    ...keys.outbox(eventId),
    eventId,
    detailType: event.detailType,
    detail: JSON.stringify(detail),
    createdAt: now.toISOString(),
    expiresAt: epochSeconds(now) + OUTBOX_TTL_SECONDS,
    duePk: hourBucket(redriveAt),
    dueSk: dueSortKey(redriveAt, 'outbox-redrive', eventId),
    dueKind: 'outbox-redrive',
  };
};

export const dynamoOutbox = (client: DynamoDBDocumentClient, tableName: string): Outbox => ({
  async publish(event, now) {
    await client.send(new PutCommand({ TableName: tableName, Item: outboxItem(event, now) }));
  },
});
