import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { outcomeFields } from '../../shared/adapters/nudge-sender';
import { readEnv } from '../../shared/config';
import { dynamoDeferrals, unmetRequirement } from '../../shared/data/deferrals';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const { emails, nudges } = lambdaMailer(env);
const deferrals = dynamoDeferrals(documents, env.TABLE_NAME);
const people = dynamoMatching(documents, env.TABLE_NAME);
const meetings = dynamoMeetings(documents, env.TABLE_NAME);
const requirements = { match: people.match, meeting: meetings.meeting };

/**
 * An email that waited: the policy is asked again now (the person may have unsubscribed, paused, or be at
 * the cap), so it is sent, waits once more, or is dropped. Its key is the original email's, so it is sent
 * at most once whatever happened in between.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('NudgeDue') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const { orgId, participantId, deferralId } = event.detail;
    const log = { orgId, participantId, deferralId };
    const now = handlingTime(event);
    const [deferred, participant] = await Promise.all([
      deferrals.get(orgId, deferralId),
      people.participant(orgId, participantId),
    ]);
    if (!deferred || !participant) {
      logger.info('nothing to send: the email or its person is gone', log);
      return;
    }
    const unmet = await unmetRequirement(requirements, orgId, deferred.requires);
    if (unmet) {
      logger.info('nothing to send: no longer wanted', { ...log, unmet });
      return 'dropped';
    }
    const result = await nudges.send(
      {
        orgId,
        participant,
        category: deferred.category,
        ...(deferred.latest ? { latest: new Date(deferred.latest) } : {}),
        email: deferred.email,
        issuedAt: new Date(deferred.issuedAt),
        // Kept if it waits again, so what it requires is checked again then.
        ...(deferred.requires ? { requires: deferred.requires } : {}),
      },
      now,
    );
    logger.info('deferred email', { ...log, category: deferred.category, ...outcomeFields(result) });
    return result.outcome;
  });
