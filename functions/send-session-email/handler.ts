import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import middy from '@middy/core';
import { documents } from '../../shared/adapters/aws';
import { eventLinkSigner, lambdaMailer, MAILER_ENV } from '../../shared/adapters/mailer';
import { sendEach } from '../../shared/adapters/nudge-sender';
import { readEnv } from '../../shared/config';
import { dynamoGroupSessions } from '../../shared/data/group-sessions';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoParticipants } from '../../shared/data/participants';
import { peerGroupOf } from '../../shared/domain/groups';
import {
  ATTEND_SESSION_PURPOSE,
  linkSubject,
  RELATIONSHIP_LINK_TTL_SECONDS,
} from '../../shared/domain/links';
import type { Participant } from '../../shared/domain/participant';
import {
  type ComposedSessionEmail,
  composeSessionCancellation,
  composeSessionReminder,
} from '../../shared/domain/session-emails';
import { eventsOf, handlingTime } from '../../shared/events/envelope';
import { logger } from '../../shared/middleware';

const env = readEnv(MAILER_ENV);
const participants = dynamoParticipants(documents, env.TABLE_NAME, () =>
  Promise.reject(new Error('send-session-email never hashes addresses')),
);
const organisations = dynamoOrganisations(documents, env.TABLE_NAME);
const groups = dynamoGroups(documents, env.TABLE_NAME);
const sessions = dynamoGroupSessions(documents, env.TABLE_NAME);
const { emails, nudges } = lambdaMailer(env);

/** "I was there" / "I can't make it" for one member, signed at the event's time so a redelivery renders the same. */
const attendanceLinks = async (orgId: string, meetingId: string, occurredAt: string) => {
  const sign = await eventLinkSigner(env.TOKEN_SECRET_ID, orgId, occurredAt);
  const base = env.PUBLIC_API_URL.replace(/\/$/, '');
  return (participantId: string) => {
    const token = sign(
      ATTEND_SESSION_PURPOSE,
      linkSubject(meetingId, participantId),
      RELATIONSHIP_LINK_TTL_SECONDS,
    );
    const link = `${base}/v1/sessions/attend?token=${token}`;
    return { attended: `${link}&status=held`, cantMake: `${link}&status=skipped` };
  };
};

const found = (people: (Participant | undefined)[]) =>
  people.filter((person): person is Participant => person?.status === 'verified');

/** The reminder (with its invite) to each seated member before a session; the cancellation of invites sent. */
export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(parser({ schema: eventsOf('MeetingDue', 'MeetingCancelled') }))
  .handler(async (event, context) => {
    emails.useContext(context);
    const now = handlingTime(event);
    const { 'detail-type': fact, detail } = event;
    const { orgId, meetingId, groupId } = detail;
    const log = { fact, orgId, meetingId, groupId };
    if (!groupId) return; // a pair's meetings are mailed by send-meeting-email

    const [session, org] = await Promise.all([sessions.session(orgId, meetingId), organisations.get(orgId)]);
    const group = peerGroupOf(org, groupId);
    if (!session || !org || !group) {
      logger.info('nothing to send: session, organisation or group gone', log);
      return;
    }
    const about = {
      brand: { orgName: org.name, colour: org.branding?.colour },
      from: env.EMAIL_FROM,
      groupName: group.name,
    };
    let outgoing: ComposedSessionEmail[];
    let readers: Participant[];
    if (fact === 'MeetingDue') {
      if (session.status !== 'planned' || (await groups.state(orgId, groupId)).closedAt) {
        logger.info('nothing to send: the session is no longer planned', { ...log, status: session.status });
        return;
      }
      const seated = await groups.seatedMembers(orgId, groupId);
      readers = found(await Promise.all(seated.map((id) => participants.get(orgId, id))));
      // Before any is sent: whoever may get the invite gets its cancellation too.
      await sessions.markInvited(
        orgId,
        meetingId,
        readers.map((person) => person.participantId),
      );
      const links = await attendanceLinks(orgId, meetingId, detail.occurredAt);
      outgoing = readers.map((reader) =>
        composeSessionReminder(about, session, reader, detail, links(reader.participantId)),
      );
    } else {
      if (!detail.invited || session.invitees.length === 0) {
        logger.info('nothing to send: no invite had gone out', log);
        return;
      }
      readers = found(await Promise.all(session.invitees.map((id) => participants.get(orgId, id))));
      outgoing = readers.map((reader) =>
        composeSessionCancellation(about, { ...session, startsAt: detail.startsAt }, reader, detail),
      );
    }
    const byId = new Map(readers.map((person) => [person.participantId, person]));

    // Every member's email is tried even when another's fails (see sendEach).
    await sendEach(
      outgoing,
      (email) => ({ ...log, participantId: email.participantId, template: email.template }),
      async (email) => {
        const person = byId.get(email.participantId);
        if (!person) return undefined;
        return nudges.send(
          {
            orgId,
            participant: person,
            // A cancellation keeps calendars true: transactional (only a suppressed address misses it).
            category: fact === 'MeetingDue' ? 'meeting-reminders' : 'transactional',
            // A reminder is no use once the session has started.
            ...(fact === 'MeetingDue'
              ? { latest: new Date(session.startsAt), requires: { plannedMeeting: meetingId } }
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
