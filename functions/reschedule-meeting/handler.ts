import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { parseLinkSubject, RESCHEDULE_PURPOSE } from '../../shared/domain/links';
import { meetingNotFound } from '../../shared/domain/meeting-log';
import {
  linkIssuedAt,
  type MoveClaims,
  movableMeeting,
  moveMeeting,
} from '../../shared/domain/meeting-moves';
import { describeMeetingTime } from '../../shared/domain/meetings';
import { firstName } from '../../shared/email/templates';
import { confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const matching = dynamoMatching(documents, TABLE_NAME);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const deps = { matching, meetings: dynamoMeetings(documents, TABLE_NAME) };

/** The meeting and person the link names, and when it was sent; the token is checked before anything is read. */
const moveClaims = async (token: string, now: Date): Promise<MoveClaims> => {
  const { orgId, subject, exp } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose: RESCHEDULE_PURPOSE,
    whenExpired: 'You can still write to the other person to agree another time.',
    parse: parseLinkSubject,
    names: 'a meeting',
  });
  return {
    orgId,
    meetingId: subject.relationshipId,
    participantId: subject.participantId,
    issuedAt: linkIssuedAt(exp),
  };
};

/** How a time reads for the person the link names (in their own zone). */
const describerOf = async (claims: MoveClaims) => {
  const person = await matching.participant(claims.orgId, claims.participantId);
  if (!person) throw meetingNotFound();
  return (at: Date) => describeMeetingTime(at, person.timezone);
};

/** Link scanners in mail systems follow links: the GET only offers the times. */
const showForm = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now, event }) => {
  const claims = await moveClaims(query.token, now);
  const describe = await describerOf(claims);
  const movable = await movableMeeting(deps, claims, now, describe);
  const org = await organisations.get(claims.orgId);
  const other = firstName(movable.other.name);
  const current = `Your meeting with ${other} is planned for ${describe(new Date(movable.meeting.startsAt))}.`;
  if (movable.offered.length === 0) {
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: htmlPage('No other time fits you both soon', [
        current,
        `There is no other time in the next two weeks when you are both free at a sociable hour. Please write to ${other} to agree one, or keep this one.`,
      ]),
    };
  }
  return {
    status: 200,
    headers: LINK_PAGE_HEADERS,
    html: confirmFormPage({
      title: 'Move your meeting',
      paragraphs: [
        current,
        `These times suit you both. Choose one and we will send you and ${other} the updated calendar invite.`,
      ],
      action: event.rawPath,
      hidden: { token: query.token },
      choice: {
        name: 'startsAt',
        legend: 'Move the meeting to',
        options: movable.offered.map((at) => ({ value: at.toISOString(), label: describe(at) })),
      },
      submit: 'Move our meeting',
      colour: org?.branding?.colour,
    }),
  };
});

/** The person's button press (an HTML form), or an API client's JSON `{ token, startsAt }`. */
const confirm = httpHandler(
  {
    body: z.strictObject({ token: LinkToken, startsAt: z.iso.datetime('a time as an ISO 8601 instant') }),
    form: true,
  },
  async ({ body, now, headers }) => {
    const claims = await moveClaims(body.token, now);
    const describe = await describerOf(claims);
    const to = new Date(body.startsAt);
    const moved = await moveMeeting(deps, claims, to, now, describe);
    logger.info('meeting moved', {
      orgId: claims.orgId,
      meetingId: claims.meetingId,
      matchId: moved.match.matchId,
      participantId: claims.participantId,
      sequence: moved.meeting.sequence + 1,
    });
    if (!wantsPage(headers)) {
      return {
        status: 200,
        headers: LINK_PAGE_HEADERS,
        body: {
          meetingId: claims.meetingId,
          matchId: moved.match.matchId,
          startsAt: to.toISOString(),
          sequence: moved.meeting.sequence + 1,
        },
      };
    }
    const other = firstName(moved.other.name);
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: htmlPage('Your meeting has moved', [
        `It is now on ${describe(to)}.`,
        `We are sending you and ${other} the updated calendar invite, and will remind you both before it.`,
        'You can close this page.',
      ]),
    };
  },
);

/** GET offers the times; POST (the person's button press) moves the meeting. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  event.requestContext.http.method === 'POST' ? confirm(event, context) : showForm(event, context);
