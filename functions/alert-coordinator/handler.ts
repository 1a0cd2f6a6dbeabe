import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { emailHasher } from '../../shared/adapters/email-hash';
import { idempotentEmailSender } from '../../shared/adapters/email-sender';
import { readEnv } from '../../shared/config';
import { dynamoCheckIns } from '../../shared/data/check-ins';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoSuppressions } from '../../shared/data/recipients';
import { type ComposedCheckInEmail, composeDriftingPairAlert } from '../../shared/domain/check-in-emails';
import {
  type AlertContext,
  type ComposedFeedbackEmail,
  composeLowRatingsAlert,
  composeSafeguardingAlert,
  type Feedback,
} from '../../shared/domain/feedback';
import { findProgram } from '../../shared/domain/organisation';
import { eventsOf } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID', 'EMAIL_FROM', 'EMAIL_CONFIGURATION_SET']);
const matching = dynamoMatching(documents, env.TABLE_NAME);
const meetings = dynamoMeetings(documents, env.TABLE_NAME);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const checkIns = dynamoCheckIns(documents, env.TABLE_NAME);
const suppressions = dynamoSuppressions(documents, env.TABLE_NAME);
const hashEmail = emailHasher(env.TOKEN_SECRET_ID);
const emails = idempotentEmailSender({
  tableName: env.TABLE_NAME,
  from: env.EMAIL_FROM,
  configurationSet: env.EMAIL_CONFIGURATION_SET,
});

/**
 * Tells the organisation's people what a participant's feedback set off: the program coordinator about two
 * low ratings in a row (or a drifting pair that left "still meeting?" unanswered), the safeguarding contact (or, when there is none, the coordinator) about crisis
 * language, urgently and with the words so they can act. Transactional ('safeguarding'): no quiet hours or
 * caps hold these back. One email per fact, however often the event arrives. Logs hold ids only: the comment
 * is read from the store into the email and nowhere else.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('CoordinatorAlertRaised', 'SafeguardingConcernRaised') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const { 'detail-type': fact, detail } = event;
    const { orgId, participantId, matchId } = detail;
    const log = { fact, orgId, participantId, matchId };

    const org = await organisations.get(orgId);
    if (!org) {
      logger.error('nobody to alert: the organisation is gone', log);
      return;
    }
    const to =
      fact === 'SafeguardingConcernRaised'
        ? (org.contacts?.safeguarding ?? org.contacts?.coordinator)
        : org.contacts?.coordinator;
    if (!to) {
      // Retrying cannot help; an operator must see this (the organisation needs a contact set up).
      logger.error('nobody to alert: the organisation has no contact for it', log);
      return;
    }

    const [person, match] = await Promise.all([
      matching.participant(orgId, participantId),
      matchId ? matching.match(orgId, matchId) : Promise.resolve(undefined),
    ]);
    const otherId = match ? (match.mentorId === participantId ? match.menteeId : match.mentorId) : undefined;
    const other = otherId ? await matching.participant(orgId, otherId) : undefined;
    const alertContext: AlertContext = {
      brand: { orgName: org.name, colour: org.branding?.colour },
      programName: findProgram(org, detail.programId ?? match?.programId)?.name,
      to,
      person,
      match,
      other,
    };

    let email: Pick<ComposedFeedbackEmail | ComposedCheckInEmail, 'to' | 'key' | 'template' | 'content'> & {
      headers?: Record<string, string>;
    };
    if (fact === 'CoordinatorAlertRaised' && detail.kind === 'drifting-pair') {
      // The alert is about the mentor (`participantId`); `other` is their mentee.
      const checkIn = matchId ? await checkIns.get(orgId, matchId) : undefined;
      const paused = person?.matching?.paused;
      email = composeDriftingPairAlert(
        {
          ...alertContext,
          mentor: person,
          mentee: other,
          checkIn,
          pausedByThis: !paused || paused.matchId === matchId,
        },
        detail,
      );
    } else if (fact === 'SafeguardingConcernRaised') {
      // Sent even when the person or the comment can no longer be read: the ids still let someone act.
      const feedback =
        matchId && detail.meetingId
          ? await meetings.feedback(orgId, matchId, participantId, detail.meetingId)
          : undefined;
      email = composeSafeguardingAlert({ ...alertContext, crisisHelp: org.crisisHelp }, detail, feedback);
    } else {
      const ratings = matchId
        ? await Promise.all(
            (detail.meetingIds ?? []).map((meetingId) =>
              meetings.feedback(orgId, matchId, participantId, meetingId),
            ),
          )
        : [];
      email = composeLowRatingsAlert(
        alertContext,
        detail,
        ratings.filter((f): f is Feedback => f !== undefined),
      );
    }

    // Alerts keep someone safe or a pair going: transactional ('safeguarding').
    const fields = { ...log, template: email.template, category: 'safeguarding' };
    // Transactional, but never to an address that hard-bounced or complained.
    if (await suppressions.get(await hashEmail(email.to))) {
      logger.warn('alert not sent: the contact address is suppressed', fields);
      return;
    }
    try {
      const { messageId } = await emails.send({
        key: email.key,
        to: email.to,
        content: email.content,
        headers: email.headers,
      });
      logger.info('alert sent', { ...fields, messageId });
    } catch (error) {
      logger.warn('alert not sent', { ...fields, error: error instanceof Error ? error.name : 'unknown' });
      throw error;
    }
  });
