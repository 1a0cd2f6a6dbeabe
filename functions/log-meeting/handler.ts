import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { platformSecret } from '../../shared/adapters/email-hash';
import { TokenError, verifyToken } from '../../shared/adapters/tokens';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { LOG_MEETING_PURPOSE, parseLinkSubject } from '../../shared/domain/links';
import {
  LoggedStatus,
  loggableMeeting,
  logMeeting,
  type MeetingLogClaims,
  meetingNotFound,
} from '../../shared/domain/meeting-log';
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

/** The meeting and person the link names; the token is checked before anything is read. */
const linkClaims = async (token: string, now: Date): Promise<MeetingLogClaims> => {
  const secret = await platformSecret(TOKEN_SECRET_ID);
  let claims: ReturnType<typeof verifyToken>;
  try {
    claims = verifyToken(secret, token, LOG_MEETING_PURPOSE, now);
  } catch (error) {
    if (error instanceof TokenError)
      throw invalidLink(error, 'You can still tell your program coordinator how the meeting went.');
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
  return { orgId: claims.org, meetingId: subject.relationshipId, participantId: subject.participantId };
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
  { query: z.object({ token: Token, status: LoggedStatus.optional() }) },
  async ({ query, now, event }) => {
    const claims = await linkClaims(query.token, now);
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
      headers: PRIVATE,
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
          options: [...CHOICES].sort((a, b) => Number(b.value === clicked) - Number(a.value === clicked)),
        },
        submit: 'Save my answer',
        colour: org?.branding?.colour,
      }),
    };
  },
);

/** The person's button press (an HTML form), or an API client's JSON `{ token, status }`. */
const confirm = httpHandler(
  { body: z.strictObject({ token: Token, status: LoggedStatus }), form: true },
  async ({ body, now, headers }) => {
    const claims = await linkClaims(body.token, now);
    const { describe } = await readerOf(claims);
    const logged = await logMeeting(deps, claims, body.status, now, describe);
    logger.info('meeting logged', {
      orgId: claims.orgId,
      meetingId: claims.meetingId,
      matchId: logged.match.matchId,
      participantId: claims.participantId,
      status: body.status,
    });
    const browser =
      /text\/html/.test(headers.accept ?? '') || /x-www-form-urlencoded/.test(headers['content-type'] ?? '');
    if (!browser) {
      return {
        status: 200,
        headers: PRIVATE,
        body: { meetingId: claims.meetingId, matchId: logged.match.matchId, status: body.status },
      };
    }
    return {
      status: 200,
      headers: PRIVATE,
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

/** GET shows the question; POST (the person's button press) records the answer. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  event.requestContext.http.method === 'POST' ? confirm(event, context) : showForm(event, context);
