import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { EventDetail } from '../events/catalogue';

/**
 * Organisations' webhooks: each DirectoryEntryChanged of an organisation is POSTed to its registered URL,
 * signed as Standard Webhooks (https://www.standardwebhooks.com) sign: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, so any of its libraries verifies.
 *
 * The key is the organisation's own: derived from the platform secret, the organisation's id and its
 * `secretRef` (a label such as `2026-11`; a new label is a new key, which is how a key is rotated). So one
 * secret in Secrets Manager serves every organisation, locally as in AWS, and no key is stored in the table.
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export const WebhookSettings = z.strictObject({
  url: z
    .url()
    .max(500)
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
    }, 'an https URL (plain http only for localhost)'),
  secretRef: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key label such as 2026-11'),
});
export type WebhookSettings = z.infer<typeof WebhookSettings>;

/** The organisation's signing secret as Standard Webhooks writes one: `whsec_` and the base64 key. */
export const webhookSecret = (platformSecret: string, orgId: string, secretRef: string) => {
  const key = createHmac('sha256', platformSecret)
    .update(`kindred:webhook:v1:${orgId}:${secretRef}`)
    .digest();
  return `whsec_${key.toString('base64')}`;
};

/** The `webhook-signature` header of a delivery. */
export const webhookSignature = (secret: string, id: string, timestamp: number, body: string) => {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
};

/**
 * The delivery of one change: its id names the fact (the same change delivered again, by a retry or a
 * redelivered event, has the same id, so the receiver can drop the repeat), its body the Standard Webhooks
 * envelope around the event's detail (ids only, like the event).
 */
export const webhookMessage = (detail: EventDetail<'DirectoryEntryChanged'>) => ({
  id: `msg_${createHash('sha256')
    .update(`${detail.orgId}:${detail.entryId}:${detail.change}:${detail.occurredAt}`)
    .digest('hex')
    .slice(0, 32)}`,
  body: JSON.stringify({ type: 'directory.entry.changed', timestamp: detail.occurredAt, data: detail }),
});

/** The headers of a delivery at `now` (the timestamp is the attempt's, as the scheme asks). */
export const webhookHeaders = (secret: string, message: { id: string; body: string }, now: Date) => {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'webhook-id': message.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': webhookSignature(secret, message.id, timestamp, message.body),
  };
};

export type DeliveryOutcome = 'delivered' | 'refused' | 'retry';

/**
 * What a receiver's status means: 2xx delivered; 408, 429 and 5xx are worth retrying (the event is redelivered);
 * any other 4xx refuses this delivery for good, and retrying would not change its mind.
 */
export const deliveryOutcome = (status: number): DeliveryOutcome =>
  status >= 200 && status < 300
    ? 'delivered'
    : status === 408 || status === 429 || status >= 500
      ? 'retry'
      : 'refused';
