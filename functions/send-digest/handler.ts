import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { sentEmails } from '../../shared/adapters/sent-emails';
import { readEnv } from '../../shared/config';
import { unmetRequirement } from '../../shared/data/deferrals';
import { dynamoDigests } from '../../shared/data/digests';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { type DigestOutcome, sendDigest } from '../../shared/domain/digests';
import { firstName } from '../../shared/email/templates';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const { emails, nudges } = lambdaMailer(env);
const digests = dynamoDigests(documents, env.TABLE_NAME);
const people = dynamoMatching(documents, env.TABLE_NAME);
const meetings = dynamoMeetings(documents, env.TABLE_NAME);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const sent = sentEmails(env.TABLE_NAME);
const requirements = { match: people.match, meeting: meetings.meeting };

const outcomeFields = (result: DigestOutcome) =>
  result.outcome === 'sent'
    ? { outcome: result.outcome, messageId: result.messageId, items: result.items, leftOut: result.leftOut }
    : result.outcome === 'deferred'
      ? { outcome: result.outcome, until: result.until.toISOString(), reason: result.reason }
      : { outcome: result.outcome, reason: result.reason };

/**
 * A digest of capped nudges has fallen due: it is decided like any nudge and, if it may go, sent once as one
 * email listing what is still wanted (see shared/domain/digests.ts). A redelivered DigestDue finds it finished.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('DigestDue') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const { orgId, participantId, digestId } = event.detail;
    const log = { orgId, participantId, digestId };
    const now = handlingTime(event);
    const [digest, participant, org] = await Promise.all([
      digests.get(orgId, participantId, digestId),
      people.participant(orgId, participantId),
      organisations.get(orgId),
    ]);
    if (!digest || !participant || !org) {
      logger.info('nothing to send: the digest, its person or organisation is gone', log);
      return;
    }
    const result = await sendDigest(
      {
        digests,
        nudges,
        unmet: (org, requires) => unmetRequirement(requirements, org, requires),
        alreadySent: sent.wasSent,
      },
      {
        orgId,
        participant,
        digest,
        brand: { orgName: org.name, colour: org.branding?.colour },
        firstName: firstName(participant.name),
      },
      now,
    );
    logger.info('digest', { ...log, entries: digest.entries.length, ...outcomeFields(result) });
    return result.outcome;
  });
