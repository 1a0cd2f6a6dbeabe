import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { eventLinkSigner, lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { sendEach } from '../../shared/adapters/nudge-sender';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { composeFeedbackRequests, type RatingValue } from '../../shared/domain/feedback';
import { FEEDBACK_LINK_TTL_SECONDS, FEEDBACK_PURPOSE, linkSubject } from '../../shared/domain/links';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const matching = dynamoMatching(documents, env.TABLE_NAME);
const meetings = dynamoMeetings(documents, env.TABLE_NAME);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const { emails, nudges } = lambdaMailer(env);

/**
 * One person's five rating links for a meeting. Signed at the event's time, so a redelivery renders the very
 * same links; the token names the meeting and the person, the rating rides along unsigned (the page asks).
 */
const ratingLinks = async (orgId: string, meetingId: string, occurredAt: string) => {
  const sign = await eventLinkSigner(env.TOKEN_SECRET_ID, orgId, occurredAt);
  const base = env.PUBLIC_API_URL.replace(/\/$/, '');
  return (participantId: string, rating: RatingValue) =>
    `${base}/v1/feedback?token=${sign(FEEDBACK_PURPOSE, linkSubject(meetingId, participantId), FEEDBACK_LINK_TTL_SECONDS)}&rating=${rating}`;
};

/**
 * MeetingLogged (held, a pair's meeting): asks each of the pair "How was your meeting with X?" with five
 * one-click ratings, once per meeting and person. Not for a match that ended other than by completing, nor
 * ever after a safeguarding concern ended it.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('MeetingLogged') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const now = handlingTime(event);
    const { detail } = event;
    const { orgId, meetingId, matchId, status } = detail;
    const log = { orgId, meetingId, matchId };
    if (status !== 'held' || !matchId) {
      logger.info('nothing to send: not a held meeting of a pair', { ...log, status });
      return;
    }

    const [meeting, match, org] = await Promise.all([
      meetings.meeting(orgId, meetingId),
      matching.match(orgId, matchId),
      organisations.get(orgId),
    ]);
    if (!meeting || !match || !org || meeting.matchId !== match.matchId) {
      logger.info('nothing to send: meeting, match or organisation gone', log);
      return;
    }
    if (meeting.status !== 'held') {
      logger.info('nothing to send: the meeting is not held', { ...log, status: meeting.status });
      return;
    }
    if (match.status !== 'active' && match.ended?.reason !== 'completed') {
      logger.info('nothing to send: the match has ended', { ...log, reason: match.ended?.reason });
      return;
    }
    const [mentor, mentee] = await Promise.all([
      matching.participant(orgId, match.mentorId),
      matching.participant(orgId, match.menteeId),
    ]);
    if (!mentor || !mentee) {
      // Each email names the other person: with one of them gone there is no meeting to ask about.
      logger.info('nothing to send: a participant is gone', { ...log, mentor: !!mentor, mentee: !!mentee });
      return;
    }

    const links = await ratingLinks(orgId, meetingId, detail.occurredAt);
    const outgoing = composeFeedbackRequests(
      { brand: { orgName: org.name, colour: org.branding?.colour }, mentor, mentee },
      meeting,
      links,
    );

    // Every person's email is tried even when another's fails (see sendEach).
    await sendEach(
      outgoing,
      (email) => ({ ...log, participantId: email.participantId, template: email.template }),
      async (email) => {
        const person = email.participantId === mentor.participantId ? mentor : mentee;
        return nudges.send(
          {
            orgId,
            participant: person,
            category: 'feedback',
            requires: { noSafeguardingEnd: matchId },
            email: { key: email.key, to: email.to, content: email.content },
            issuedAt: new Date(detail.occurredAt),
          },
          now,
        );
      },
      logger,
    );
  });
