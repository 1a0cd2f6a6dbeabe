import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { emailHasher, platformSecret } from '../../shared/adapters/email-hash';
import { idempotentEmailSender } from '../../shared/adapters/email-sender';
import { lambdaNudgeSender, outcomeFields } from '../../shared/adapters/nudge-sender';
import { issueToken } from '../../shared/adapters/tokens';
import { readEnv } from '../../shared/config';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoParticipants } from '../../shared/data/participants';
import { planSignupEmail } from '../../shared/domain/signup-emails';
import { VERIFY_PURPOSE, VERIFY_TOKEN_TTL_SECONDS } from '../../shared/domain/verify';
import {
  alreadySignedUpEmail,
  firstName,
  type RenderedEmail,
  verificationEmail,
  verificationReminderEmail,
} from '../../shared/email/templates';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv([
  'TABLE_NAME',
  'TOKEN_SECRET_ID',
  'EMAIL_FROM',
  'EMAIL_CONFIGURATION_SET',
  'PUBLIC_API_URL',
]);
const participants = dynamoParticipants(documents, env.TABLE_NAME, emailHasher(env.TOKEN_SECRET_ID));
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const emails = idempotentEmailSender({
  tableName: env.TABLE_NAME,
  from: env.EMAIL_FROM,
  configurationSet: env.EMAIL_CONFIGURATION_SET,
});
const nudges = lambdaNudgeSender(env, emails);

const SignupFacts = eventsOf('ParticipantSignedUp', 'SignupRepeated', 'VerificationReminderDue');

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: SignupFacts }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const { detail } = event;
    const fact = event['detail-type'];
    const log = { fact, orgId: detail.orgId, participantId: detail.participantId };

    const participant = await participants.get(detail.orgId, detail.participantId);
    const org = participant && (await organisations.get(detail.orgId));
    if (!participant || !org) {
      logger.info('nothing to send: participant or organisation gone', log);
      return;
    }
    const plan = planSignupEmail(fact, participant, detail.occurredAt);
    if (!plan) {
      logger.info('nothing to send: already verified', log);
      return;
    }

    const brand = { orgName: org.name, colour: org.branding?.colour };
    const name = firstName(participant.name);
    let content: RenderedEmail;
    if (plan.template === 'already-signed-up') {
      content = alreadySignedUpEmail.render({ brand, firstName: name });
    } else {
      // Every link expires with the signup itself, and is signed at the event's time, so a redelivery
      // renders the very same link.
      const issuedAt = new Date(detail.occurredAt);
      const expiresAt = Date.parse(participant.createdAt) + VERIFY_TOKEN_TTL_SECONDS * 1000;
      const ttlSeconds = Math.floor((expiresAt - issuedAt.getTime()) / 1000);
      if (ttlSeconds <= 0) {
        logger.info('nothing to send: the signup has expired', log);
        return;
      }
      const secret = await platformSecret(env.TOKEN_SECRET_ID);
      const token = issueToken(
        secret,
        { purpose: VERIFY_PURPOSE, orgId: participant.orgId, subject: participant.participantId },
        issuedAt,
        ttlSeconds,
      );
      const link = `${env.PUBLIC_API_URL.replace(/\/$/, '')}/v1/verify?token=${encodeURIComponent(token)}`;
      const template = plan.template === 'verification' ? verificationEmail : verificationReminderEmail;
      content = template.render({ brand, firstName: name, link, validDays: Math.ceil(ttlSeconds / 86400) });
    }
    // Transactional: sent at once, unless the address is suppressed (a hard bounce or a complaint).
    const result = await nudges.send(
      {
        orgId: detail.orgId,
        participant,
        category: 'transactional',
        email: { key: plan.key, to: participant.email, content },
        issuedAt: new Date(detail.occurredAt),
      },
      handlingTime(event),
    );
    logger.info('email handled', { ...log, template: plan.template, ...outcomeFields(result) });
  });
