import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { emailHasher, platformSecret } from '../../shared/adapters/email-hash';
import { idempotentEmailSender } from '../../shared/adapters/email-sender';
import { issueToken } from '../../shared/adapters/tokens';
import { readEnv } from '../../shared/config';
import { dynamoDirectory } from '../../shared/data/directory';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoSuppressions } from '../../shared/data/recipients';
import { HIDE_AFTER_DAYS, LISTING_CHECK_LINK_TTL_SECONDS } from '../../shared/domain/directory';
import { LISTING_CHECK_PURPOSE } from '../../shared/domain/links';
import { listingCheckEmail, listingCheckKey } from '../../shared/email/directory-templates';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv([
  'TABLE_NAME',
  'TOKEN_SECRET_ID',
  'EMAIL_FROM',
  'EMAIL_CONFIGURATION_SET',
  'PUBLIC_API_URL',
]);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const directory = dynamoDirectory(documents, env.TABLE_NAME);
const suppressions = dynamoSuppressions(documents, env.TABLE_NAME);
const hashEmail = emailHasher(env.TOKEN_SECRET_ID);
const emails = idempotentEmailSender({
  tableName: env.TABLE_NAME,
  from: env.EMAIL_FROM,
  configurationSet: env.EMAIL_CONFIGURATION_SET,
});

/**
 * "Is <group> still running?" to a listed group's contact (its facilitator, else the organisation's
 * coordinator), with one-click yes / update / closed. The contact is the organisation's, not a participant:
 * no nudge policy, but never to a suppressed address, and exactly once per ask however often the event comes.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('ListingCheckDue') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const { orgId, groupId, stage, askedAt } = event.detail;
    const log = { orgId, groupId, askedAt };
    if (stage !== 'ask') return 'not-an-ask';
    const [org, entry] = await Promise.all([organisations.get(orgId), directory.entry(orgId, groupId)]);
    // Answered, closed or asked again since: this ask is no longer the open one.
    if (!entry || entry.status === 'removed' || entry.check?.askedAt !== askedAt) {
      logger.info('check not sent: no longer open', log);
      return 'not-open';
    }
    const group = org?.programs.find((p) => p.programId === groupId);
    const to = (group?.kind === 'peer-group' ? group.contact : undefined) ?? org?.contacts?.coordinator;
    if (!org || !group || !to) {
      // Retrying cannot help: the organisation must give the group a contact.
      logger.error('check not sent: the group has no contact', log);
      return 'no-contact';
    }
    if (await suppressions.get(await hashEmail(to))) {
      logger.warn('check not sent: the contact address is suppressed', log);
      return 'suppressed';
    }
    const secret = await platformSecret(env.TOKEN_SECRET_ID);
    const now = handlingTime(event);
    const token = issueToken(
      secret,
      { purpose: LISTING_CHECK_PURPOSE, orgId, subject: groupId },
      now,
      LISTING_CHECK_LINK_TTL_SECONDS,
    );
    const link = (answer: string) =>
      `${env.PUBLIC_API_URL}/v1/listing-checks?token=${encodeURIComponent(token)}&answer=${answer}`;
    const content = listingCheckEmail.render({
      brand: { orgName: org.name, colour: org.branding?.colour },
      groupName: group.name,
      directory: entry.directory,
      hideAfterDays: HIDE_AFTER_DAYS,
      links: { yes: link('yes'), update: link('update'), closed: link('closed') },
    });
    try {
      const { messageId } = await emails.send({ key: listingCheckKey(orgId, groupId, askedAt), to, content });
      logger.info('check sent', { ...log, template: listingCheckEmail.name, messageId });
      return 'sent';
    } catch (error) {
      logger.warn('check not sent', { ...log, error: error instanceof Error ? error.name : 'unknown' });
      throw error;
    }
  });
