import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { eventLinkSigner, lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { outcomeFields } from '../../shared/adapters/nudge-sender';
import { readEnv } from '../../shared/config';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoParticipants } from '../../shared/data/participants';
import { peerGroupOf } from '../../shared/domain/groups';
import { LEAVE_GROUP_PURPOSE, linkSubject, RELATIONSHIP_LINK_TTL_SECONDS } from '../../shared/domain/links';
import { groupSeatEmail, groupWaitlistEmail, planGroupEmail } from '../../shared/email/group-templates';
import { firstName } from '../../shared/email/templates';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const participants = dynamoParticipants(documents, env.TABLE_NAME, () =>
  Promise.reject(new Error('send-group-email never hashes addresses')),
);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const groups = dynamoGroups(documents, env.TABLE_NAME);
const { emails, nudges } = lambdaMailer(env);

const GroupFacts = eventsOf('GroupJoined', 'GroupWaitlisted');

/** Emails a member who took a seat, or joined the waitlist, exactly once per fact. */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: GroupFacts }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const { detail } = event;
    const fact = event['detail-type'];
    const log = { fact, orgId: detail.orgId, groupId: detail.groupId, participantId: detail.participantId };

    const [participant, org, membership] = await Promise.all([
      participants.get(detail.orgId, detail.participantId),
      organisations.get(detail.orgId),
      groups.membership(detail.orgId, detail.groupId, detail.participantId),
    ]);
    const group = peerGroupOf(org, detail.groupId);
    if (!participant || !org || !group) {
      logger.info('nothing to send: participant, organisation or group gone', log);
      return;
    }
    const plan = planGroupEmail(fact, detail, membership?.place);
    if (!plan) {
      logger.info('nothing to send: the member has moved on', { ...log, place: membership?.place });
      return;
    }

    // Signed at the event's time, so a redelivery renders the very same link.
    const sign = await eventLinkSigner(env.TOKEN_SECRET_ID, detail.orgId, detail.occurredAt);
    const token = sign(
      LEAVE_GROUP_PURPOSE,
      linkSubject(detail.groupId, detail.participantId),
      RELATIONSHIP_LINK_TTL_SECONDS,
    );
    const vars = {
      brand: { orgName: org.name, colour: org.branding?.colour },
      firstName: firstName(participant.name),
      groupName: group.name,
      leaveLink: `${env.PUBLIC_API_URL.replace(/\/$/, '')}/v1/groups/leave?token=${token}`,
    };
    const content =
      event['detail-type'] === 'GroupJoined'
        ? groupSeatEmail.render(vars)
        : groupWaitlistEmail.render({ ...vars, position: event.detail.position });
    const result = await nudges.send(
      {
        orgId: detail.orgId,
        participant,
        category: 'groups',
        email: { key: plan.key, to: participant.email, content },
        issuedAt: new Date(detail.occurredAt),
      },
      handlingTime(event),
    );
    logger.info('email handled', { ...log, template: plan.template, ...outcomeFields(result) });
  });
