import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { emailHasher } from '../../shared/adapters/email-hash';
import { readEnv } from '../../shared/config';
import { dynamoSuppressions } from '../../shared/data/recipients';
import { feedbackDecision, SesFeedbackEvent, suppressAddresses } from '../../shared/domain/suppression';
import { handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const deps = {
  hashEmail: emailHasher(TOKEN_SECRET_ID),
  suppressions: dynamoSuppressions(documents, TABLE_NAME),
};

/**
 * SES bounces and complaints (from the default bus): a hard bounce or a complaint suppresses the address,
 * keyed by its pseudonym, so it gets nothing more. The event holds addresses: none is logged, and a malformed
 * event is reported by the paths of its bad fields only (it then goes to the dead-letter queue).
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (input: unknown) => {
    const parsed = SesFeedbackEvent.safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), code: issue.code }));
      logger.error('not an SES bounce or complaint', { issues });
      throw new Error(`not an SES bounce or complaint (bad fields: ${issues.map((i) => i.path).join(', ')})`);
    }
    const event = parsed.data;
    const log = {
      eventId: event.id,
      detailType: event['detail-type'],
      messageId: event.detail.mail.messageId,
    };
    const decision = feedbackDecision(event);
    if (decision.action === 'ignore') {
      logger.info('nothing to suppress', { ...log, why: decision.why });
      return { outcome: 'ignored', why: decision.why };
    }
    // The bus's time when it is ahead of this machine's (the local runtime's clock can be moved on).
    const now = handlingTime(event);
    const result = await suppressAddresses(deps, decision, now);
    logger.info('addresses suppressed', {
      ...log,
      ...result,
      orgId: decision.orgId,
      participantId: decision.participantId,
    });
    return { outcome: 'suppressed', ...result };
  });
