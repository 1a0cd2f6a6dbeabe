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
import {
  GOAL_PURPOSE,
  LOG_MEETING_PURPOSE,
  linkSubject,
  RELATIONSHIP_LINK_TTL_SECONDS,
  RESCHEDULE_PURPOSE,
} from '../../shared/domain/links';
import {
  type ComposedMeetingEmail,
  composeMeetingCancellations,
  composeMeetingMoves,
  composeMeetingReminders,
} from '../../shared/domain/meeting-emails';
import { RESCHEDULE_LINK_TTL_SECONDS } from '../../shared/domain/meeting-moves';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const matching = dynamoMatching(documents, env.TABLE_NAME);
const meetings = dynamoMeetings(documents, env.TABLE_NAME);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const { emails, nudges } = lambdaMailer(env);

/**
 * The links of a meeting's emails for one person ("we met" / "we skipped", "reschedule", "we reached a goal"),
 * signed at the event's time so a redelivery renders the same links.
 */
const meetingLinks = async (
  ref: { orgId: string; meetingId: string; matchId: string },
  occurredAt: string,
) => {
  const signed = await eventLinkSigner(env.TOKEN_SECRET_ID, ref.orgId, occurredAt);
  const base = env.PUBLIC_API_URL.replace(/\/$/, '');
  const sign = (purpose: string, relationshipId: string, participantId: string, ttl: number) =>
    signed(purpose, linkSubject(relationshipId, participantId), ttl);
  const reschedule = (participantId: string) =>
    `${base}/v1/meetings/reschedule?token=${sign(RESCHEDULE_PURPOSE, ref.meetingId, participantId, RESCHEDULE_LINK_TTL_SECONDS)}`;
  return {
    log: (participantId: string, status: 'held' | 'skipped') =>
      `${base}/v1/meetings/log?token=${sign(LOG_MEETING_PURPOSE, ref.meetingId, participantId, RELATIONSHIP_LINK_TTL_SECONDS)}&status=${status}`,
    reschedule,
    more: (participantId: string) => ({
      reschedule: reschedule(participantId),
      goal: `${base}/v1/goals?token=${sign(GOAL_PURPOSE, ref.matchId, participantId, RELATIONSHIP_LINK_TTL_SECONDS)}`,
      calendar: `${base}/v1/meetings/invite.ics?token=${sign(LOG_MEETING_PURPOSE, ref.meetingId, participantId, RELATIONSHIP_LINK_TTL_SECONDS)}`,
    }),
  };
};

/**
 * The reminder (with its invite) before a meeting, the updated invite of a moved one, and the cancellation
 * of an invite that went out.
 */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('MeetingDue', 'MeetingRescheduled', 'MeetingCancelled') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const now = handlingTime(event);
    const { 'detail-type': fact, detail } = event;
    const { orgId, meetingId, matchId } = detail;
    const log = { fact, orgId, meetingId, matchId };
    if (!matchId) return; // group sessions are announced by their own schedule

    const [meeting, match, org] = await Promise.all([
      meetings.meeting(orgId, meetingId),
      matching.match(orgId, matchId),
      organisations.get(orgId),
    ]);
    const [mentor, mentee] = match
      ? await Promise.all([
          matching.participant(orgId, match.mentorId),
          matching.participant(orgId, match.menteeId),
        ])
      : [];
    if (!meeting || !match || !org || !mentor || !mentee) {
      logger.info('nothing to send: meeting, match, participant or organisation gone', log);
      return;
    }
    const people = {
      brand: { orgName: org.name, colour: org.branding?.colour },
      from: env.EMAIL_FROM,
      match,
      mentor,
      mentee,
    };
    let outgoing: ComposedMeetingEmail[];
    if (fact === 'MeetingDue' || fact === 'MeetingRescheduled') {
      // A meeting logged early, or cancelled since, needs no reminder; nor does one of an ended match.
      if (meeting.status !== 'planned' || match.status !== 'active') {
        logger.info('nothing to send: the meeting is no longer planned', { ...log, status: meeting.status });
        return;
      }
      // Moved again since: the newer move's email (and its reminder, due again) carry the current time.
      if (meeting.sequence !== detail.sequence) {
        logger.info('nothing to send: the meeting moved since', {
          ...log,
          sequence: detail.sequence,
          current: meeting.sequence,
        });
        return;
      }
      const links = await meetingLinks({ orgId, meetingId, matchId }, detail.occurredAt);
      outgoing =
        fact === 'MeetingDue'
          ? composeMeetingReminders(people, meeting, detail, links.log, links.more)
          : composeMeetingMoves(people, meeting, detail, links.reschedule);
    } else {
      if (!detail.invited) {
        logger.info('nothing to send: no invite had gone out', log);
        return;
      }
      outgoing = composeMeetingCancellations(people, { ...meeting, startsAt: detail.startsAt }, detail);
    }

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
            // A move or a cancellation keeps calendars true: transactional (only a suppressed address misses it).
            category: fact === 'MeetingDue' ? 'meeting-reminders' : 'transactional',
            // A reminder is no use once the meeting has started.
            ...(fact === 'MeetingDue'
              ? {
                  latest: new Date(meeting.startsAt),
                  requires: {
                    activeMatch: matchId,
                    plannedMeeting: meetingId,
                    meetingSequence: meeting.sequence,
                  },
                }
              : {}),
            email: { key: email.key, to: email.to, content: email.content, calendar: email.calendar },
            issuedAt: new Date(detail.occurredAt),
          },
          now,
        );
      },
      logger,
    );
  });
