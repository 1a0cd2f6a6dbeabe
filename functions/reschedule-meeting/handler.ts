import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { platformSecret } from '../../shared/adapters/email-hash';
import { TokenError, verifyToken } from '../../shared/adapters/tokens';
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
import { invalidLink } from '../../shared/http/link-problems';
import { Problem } from '../../shared/http/problem';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const matching = dynamoMatching(documents, TABLE_NAME);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const deps = { matching, meetings: dynamoMeetings(documents, TABLE_NAME) };

const Token = z.string().min(1).max(2048);

/** Pages a link opens are nobody else's business: no referrer for the token, no index. */
const PRIVATE = { 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' };

/** The meeting and person the link names, and when it was sent; the token is checked before anything is read. */
const linkClaims = async (token: string, now: Date): Promise<MoveClaims> => {
  const secret = await platformSecret(TOKEN_SECRET_ID);
  let claims: ReturnType<typeof verifyToken>;
  try {
    claims = verifyToken(secret, token, RESCHEDULE_PURPOSE, now);
  } catch (error) {
    if (error instanceof TokenError)
      throw invalidLink(error, 'You can still write to the other person to agree another time.');
    throw error;
  }
  const subject = parseLinkSubject(claims.sub);
  // A genuine token always names a meeting and a person: this one was signed for something else.
  if (!subject) {
    throw new Problem(
      400,
      'invalid-link',
      'This link is not valid',
      'Please use the link exactly as it came in the email.',
      [{ pointer: '/token', detail: 'The token does not name a meeting' }],
    );
  }
  return {
    orgId: claims.org,
    meetingId: subject.relationshipId,
    participantId: subject.participantId,
    issuedAt: linkIssuedAt(claims.exp),
  };
};

/** How a time reads for the person the link names (in their own zone). */
const describerOf = async (claims: MoveClaims) => {
  const person = await matching.participant(claims.orgId, claims.participantId);
  if (!person) throw meetingNotFound();
  return (at: Date) => describeMeetingTime(at, person.timezone);
};

/** Link scanners in mail systems follow links: the GET only offers the times. */
const showForm = httpHandler({ query: z.object({ token: Token }) }, async ({ query, now, event }) => {
  const claims = await linkClaims(query.token, now);
  const describe = await describerOf(claims);
  const movable = await movableMeeting(deps, claims, now, describe);
  const org = await organisations.get(claims.orgId);
  const other = firstName(movable.other.name);
  const current = `Your meeting with ${other} is planned for ${describe(new Date(movable.meeting.startsAt))}.`;
  if (movable.offered.length === 0) {
    return {
      status: 200,
      headers: PRIVATE,
      html: htmlPage('No other time fits you both soon', [
        current,
        `There is no other time in the next two weeks when you are both free at a sociable hour. Please write to ${other} to agree one, or keep this one.`,
      ]),
    };
  }
  return {
    status: 200,
    headers: PRIVATE,
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
    body: z.strictObject({ token: Token, startsAt: z.iso.datetime('a time as an ISO 8601 instant') }),
    form: true,
  },
  async ({ body, now, headers }) => {
    const claims = await linkClaims(body.token, now);
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
    const browser =
      /text\/html/.test(headers.accept ?? '') || /x-www-form-urlencoded/.test(headers['content-type'] ?? '');
    if (!browser) {
      return {
        status: 200,
        headers: PRIVATE,
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
      headers: PRIVATE,
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
