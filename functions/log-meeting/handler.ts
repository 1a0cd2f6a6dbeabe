import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { countStep } from '../../shared/adapters/metrics';
import { readEnv } from '../../shared/config';
import { dynamoGroupSessions } from '../../shared/data/group-sessions';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import {
  AttendanceAnswer,
  type AttendanceClaims,
  attendableSession,
  recordAttendance,
  sessionNotFound,
} from '../../shared/domain/group-sessions';
import { peerGroupOf } from '../../shared/domain/groups';
import { ATTEND_SESSION_PURPOSE, LOG_MEETING_PURPOSE, parseLinkSubject } from '../../shared/domain/links';
import { currentInvite } from '../../shared/domain/meeting-emails';
import {
  LoggedStatus,
  loggableMeeting,
  logMeeting,
  type MeetingLogClaims,
  meetingNotFound,
} from '../../shared/domain/meeting-log';
import { describeMeetingTime } from '../../shared/domain/meetings';
import { firstName } from '../../shared/email/templates';
import { clickedFirst, confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { Problem } from '../../shared/http/problem';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID, EMAIL_FROM } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID', 'EMAIL_FROM']);
const matching = dynamoMatching(documents, TABLE_NAME);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const deps = { matching, meetings: dynamoMeetings(documents, TABLE_NAME) };
const groups = dynamoGroups(documents, TABLE_NAME);
const attendanceDeps = {
  sessions: dynamoGroupSessions(documents, TABLE_NAME),
  isMember: async (orgId: string, groupId: string, participantId: string) =>
    (await groups.membership(orgId, groupId, participantId)) !== undefined,
};

/** The meeting (or session) and person the link names; the token is checked before anything is read. */
const meetingLinkClaims = async (
  token: string,
  now: Date,
  purpose = LOG_MEETING_PURPOSE,
): Promise<MeetingLogClaims> => {
  const { orgId, subject } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose,
    whenExpired: 'You can still tell your program coordinator how the meeting went.',
    parse: parseLinkSubject,
    names: 'a meeting',
  });
  return { orgId, meetingId: subject.relationshipId, participantId: subject.participantId };
};

/** The person the link names, and how a time reads for them (in their own zone). */
const readerOf = async (claims: MeetingLogClaims) => {
  const person = await matching.participant(claims.orgId, claims.participantId);
  if (!person) throw meetingNotFound();
  return { person, describe: (at: Date) => describeMeetingTime(at, person.timezone) };
};

const CHOICES = [
  { value: 'held', label: 'Yes, we met' },
  { value: 'skipped', label: 'No, we skipped this one' },
] as const;

/** Link scanners in mail systems follow links: the GET only asks, preselecting the answer clicked. */
const showForm = httpHandler(
  { query: z.object({ token: LinkToken, status: LoggedStatus.optional() }) },
  async ({ query, now, event }) => {
    const claims = await meetingLinkClaims(query.token, now);
    const { person, describe } = await readerOf(claims);
    const loggable = await loggableMeeting(deps, claims, now, describe);
    const [other, org] = await Promise.all([
      matching.participant(claims.orgId, loggable.otherId),
      organisations.get(claims.orgId),
    ]);
    const otherName = other
      ? firstName(other.name)
      : loggable.role === 'mentee'
        ? 'your mentor'
        : 'your mentee';
    const clicked = query.status ?? 'held';
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: confirmFormPage({
        title: 'Did you meet?',
        paragraphs: [
          `Your meeting with ${otherName}: ${describeMeetingTime(new Date(loggable.meeting.startsAt), person.timezone)}.`,
          'Please tell us whether it took place: it helps us support you both.',
        ],
        action: event.rawPath,
        hidden: { token: query.token },
        choice: {
          name: 'status',
          legend: 'Did your meeting take place?',
          // The page preselects the first option: the answer the person clicked in the email.
          options: clickedFirst(CHOICES, clicked),
        },
        submit: 'Save my answer',
        colour: org?.branding?.colour,
      }),
    };
  },
);

/** The person's button press (an HTML form), or an API client's JSON `{ token, status }`. */
const confirm = httpHandler(
  { body: z.strictObject({ token: LinkToken, status: LoggedStatus }), form: true },
  async ({ body, now, headers }) => {
    const claims = await meetingLinkClaims(body.token, now);
    const { describe } = await readerOf(claims);
    const logged = await logMeeting(deps, claims, body.status, now, describe);
    countStep('MeetingLogged');
    logger.info('meeting logged', {
      orgId: claims.orgId,
      meetingId: claims.meetingId,
      matchId: logged.match.matchId,
      participantId: claims.participantId,
      status: body.status,
    });
    if (!wantsPage(headers)) {
      return {
        status: 200,
        headers: LINK_PAGE_HEADERS,
        body: { meetingId: claims.meetingId, matchId: logged.match.matchId, status: body.status },
      };
    }
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html:
        body.status === 'held'
          ? htmlPage('Thank you: we have recorded that you met', [
              'We hope it went well. Keep it up: meeting regularly is what makes mentoring work.',
              'You can close this page.',
            ])
          : htmlPage('Thank you for letting us know', [
              'We have recorded that you skipped this meeting. Life gets busy, and that is all right: we will remind you before the next one.',
              'You can close this page.',
            ]),
    };
  },
);

/* ---------- Group sessions: "I was there" / "I can't make it" ---------- */

const ATTENDANCE_CHOICES = [
  { value: 'held', label: 'I was there' },
  { value: 'skipped', label: 'I can’t make it (or couldn’t)' },
] as const;

/** The member the link names, and how a time reads for them (in their own zone). */
const attendeeOf = async (claims: AttendanceClaims) => {
  const person = await matching.participant(claims.orgId, claims.participantId);
  if (!person) throw sessionNotFound();
  return (at: Date) => describeMeetingTime(at, person.timezone);
};

const showAttendanceForm = httpHandler(
  { query: z.object({ token: LinkToken, status: AttendanceAnswer.optional() }) },
  async ({ query, now, event }) => {
    const claims = await meetingLinkClaims(query.token, now, ATTEND_SESSION_PURPOSE);
    const clicked = query.status ?? 'held';
    const [describe, org] = await Promise.all([attendeeOf(claims), organisations.get(claims.orgId)]);
    const { session } = await attendableSession(attendanceDeps, claims, clicked, now, describe);
    const groupName = peerGroupOf(org, session.groupId)?.name ?? 'your group';
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: confirmFormPage({
        title: 'Were you there?',
        paragraphs: [
          `${groupName}: ${describe(new Date(session.startsAt))}.`,
          'Please tell us whether you are coming or were there: it helps the group’s organisers support you.',
        ],
        action: event.rawPath,
        hidden: { token: query.token },
        choice: {
          name: 'status',
          legend: 'Your session',
          options: clickedFirst(ATTENDANCE_CHOICES, clicked),
        },
        submit: 'Save my answer',
        colour: org?.branding?.colour,
      }),
    };
  },
);

const confirmAttendance = httpHandler(
  { body: z.strictObject({ token: LinkToken, status: AttendanceAnswer }), form: true },
  async ({ body, now, headers }) => {
    const claims = await meetingLinkClaims(body.token, now, ATTEND_SESSION_PURPOSE);
    const describe = await attendeeOf(claims);
    const { session } = await recordAttendance(attendanceDeps, claims, body.status, now, describe);
    logger.info('attendance recorded', {
      orgId: claims.orgId,
      meetingId: claims.meetingId,
      groupId: session.groupId,
      participantId: claims.participantId,
      status: body.status,
    });
    if (!wantsPage(headers)) {
      return {
        status: 200,
        headers: LINK_PAGE_HEADERS,
        body: { meetingId: claims.meetingId, groupId: session.groupId, status: body.status },
      };
    }
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html:
        body.status === 'held'
          ? htmlPage('Thank you: we have recorded that you were there', [
              'Thank you for coming. Your being there is part of what makes the group work.',
              'You can close this page.',
            ])
          : htmlPage('Thank you for letting us know', [
              'We have recorded that you can’t make this session. We will remind you before the next one.',
              'You can close this page.',
            ]),
    };
  },
);

/**
 * "Add it to your calendar" from a reminder: the meeting's invite as it stands now, for a calendar that lacks it
 * (say the reminder was folded into a digest). Same UID and SEQUENCE as the emailed invite, so nothing doubles.
 */
const downloadInvite = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now }) => {
  const claims = await meetingLinkClaims(query.token, now);
  const meeting = await deps.meetings.meeting(claims.orgId, claims.meetingId);
  const match = meeting && (await matching.match(claims.orgId, meeting.matchId));
  if (!meeting || !match) throw meetingNotFound();
  if (meeting.status !== 'planned' || match.status !== 'active') {
    throw new Problem(
      410,
      'meeting-not-planned',
      'This meeting is no longer planned',
      'It was logged or cancelled, or the match has ended: there is nothing to add to your calendar.',
    );
  }
  const [mentor, mentee, org] = await Promise.all([
    matching.participant(claims.orgId, match.mentorId),
    matching.participant(claims.orgId, match.menteeId),
    organisations.get(claims.orgId),
  ]);
  if (!mentor || !mentee || !org) throw meetingNotFound();
  const context = { brand: { orgName: org.name }, from: EMAIL_FROM, match, mentor, mentee };
  const ics = currentInvite(context, meeting, claims.participantId, now.toISOString());
  if (!ics) throw meetingNotFound();
  logger.info('meeting invite downloaded', { orgId: claims.orgId, meetingId: claims.meetingId });
  return {
    status: 200,
    // The file goes out as raw text through the html field, with its own type.
    html: ics,
    headers: {
      ...LINK_PAGE_HEADERS,
      'content-type': 'text/calendar; charset=utf-8; method=REQUEST',
      'content-disposition': 'attachment; filename="meeting.ics"',
    },
  };
});

/** GET shows the question; POST (the person's button press) records the answer. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  const post = event.requestContext.http.method === 'POST';
  if (event.rawPath.endsWith('/v1/meetings/invite.ics')) return downloadInvite(event, context);
  if (event.rawPath.endsWith('/v1/sessions/attend'))
    return post ? confirmAttendance(event, context) : showAttendanceForm(event, context);
  return post ? confirm(event, context) : showForm(event, context);
};
