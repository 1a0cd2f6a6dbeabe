import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { platformSecret } from '../../shared/adapters/email-hash';
import { readEnv } from '../../shared/config';
import { dynamoOrganisations } from '../../shared/data/organisations';
import {
  deliveryOutcome,
  WebhookSettings,
  webhookHeaders,
  webhookMessage,
  webhookSecret,
} from '../../shared/domain/directory-webhooks';
import { eventsOf } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const organisations = dynamoOrganisations(documents, TABLE_NAME);

/** A receiver that takes longer than this is retried later rather than held. */
const TIMEOUT_MS = 5000;

/**
 * Delivers an organisation's DirectoryEntryChanged to its webhook, signed with its own key (Standard
 * Webhooks). Deviation from the design guide's "API destinations": an EventBridge API destination signs every
 * request with one static credential of its connection, and cannot compute an HMAC of each body with each
 * organisation's key, so this small function delivers instead, in AWS and locally alike. A failed delivery
 * throws: the bus retries it (24 hours) and then dead-letters it; every attempt carries the same webhook-id,
 * so the receiver drops a repeat.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('DirectoryEntryChanged') }))
  .handler(async (event) => {
    const { detail } = event;
    const log = { orgId: detail.orgId, entryId: detail.entryId, change: detail.change };
    const org = await organisations.get(detail.orgId);
    if (!org?.webhook) return 'no-webhook';
    const settings = WebhookSettings.safeParse(org.webhook);
    if (!settings.success) {
      // Retrying cannot help: the organisation's webhook must be set up again.
      logger.error('webhook not delivered: its settings are invalid', log);
      return 'invalid-settings';
    }
    const secret = webhookSecret(await platformSecret(TOKEN_SECRET_ID), org.orgId, settings.data.secretRef);
    const message = webhookMessage(detail);
    let status: number;
    try {
      const response = await fetch(settings.data.url, {
        method: 'POST',
        headers: webhookHeaders(secret, message, new Date()),
        body: message.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      status = response.status;
    } catch (error) {
      logger.warn('webhook unreachable', { ...log, error: error instanceof Error ? error.name : 'unknown' });
      throw new Error('webhook unreachable; the delivery is retried');
    }
    const outcome = deliveryOutcome(status);
    logger.info('webhook delivery', { ...log, webhookId: message.id, status, outcome });
    if (outcome === 'retry') throw new Error(`webhook answered ${status}; the delivery is retried`);
    return outcome;
  });
