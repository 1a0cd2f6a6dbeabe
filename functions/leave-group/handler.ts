import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { emailHasher, platformSecret } from '../../shared/adapters/email-hash';
import { TokenError, verifyToken } from '../../shared/adapters/tokens';
import { readEnv } from '../../shared/config';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoParticipants } from '../../shared/data/participants';
import { type LeaveClaims, leaveGroup, placeToLeave } from '../../shared/domain/groups';
import { LEAVE_GROUP_PURPOSE, parseLinkSubject } from '../../shared/domain/links';
import { confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { invalidLink } from '../../shared/http/link-problems';
import { Problem } from '../../shared/http/problem';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const deps = {
  organisations,
  participants: dynamoParticipants(documents, TABLE_NAME, emailHasher(TOKEN_SECRET_ID)),
  groups: dynamoGroups(documents, TABLE_NAME),
};

const Token = z.string().min(1).max(2048);

/** The group and person the link names; the token is checked before anything is read. */
const linkClaims = async (token: string, now: Date): Promise<LeaveClaims> => {
  const secret = await platformSecret(TOKEN_SECRET_ID);
  let claims: ReturnType<typeof verifyToken>;
  try {
    claims = verifyToken(secret, token, LEAVE_GROUP_PURPOSE, now);
  } catch (error) {
    if (error instanceof TokenError)
      throw invalidLink(error, 'Please ask the organisation to take you off the group instead.');
    throw error;
  }
  const subject = parseLinkSubject(claims.sub);
  // A genuine token always names a group and a person: this one was signed for something else.
  if (!subject) {
    throw new Problem(
      400,
      'invalid-link',
      'This link is not valid',
      'Please use the link exactly as it came in the email.',
      [{ pointer: '/token', detail: 'The token does not name a group membership' }],
    );
  }
  return { orgId: claims.org, groupId: subject.relationshipId, participantId: subject.participantId };
};

/** Link scanners in mail systems follow links: the GET only asks, and changes nothing. */
const showForm = httpHandler({ query: z.object({ token: Token }) }, async ({ query, now, event }) => {
  const claims = await linkClaims(query.token, now);
  const { group, place } = await placeToLeave(deps, claims);
  const org = await organisations.get(claims.orgId);
  return {
    status: 200,
    headers: { 'referrer-policy': 'no-referrer', 'x-robots-tag': 'noindex' },
    html: confirmFormPage({
      title: `Leave ${group.name}?`,
      paragraphs:
        place === 'seat'
          ? [
              `You have a seat in ${group.name}. If you leave, your seat goes to the first person on the waitlist.`,
              'To come back later, ask the group\u2019s organisers.',
            ]
          : [
              `You are on the waitlist for ${group.name}. If you leave, you give up your place in line.`,
              'To come back later, ask the group\u2019s organisers.',
            ],
      action: event.rawPath,
      hidden: { token: query.token },
      submit: `Leave ${group.name}`,
      colour: org?.branding?.colour,
    }),
  };
});

/** The person's button press (an HTML form), or an API client's JSON `{ token }`. */
const confirm = httpHandler(
  { body: z.strictObject({ token: Token }), form: true },
  async ({ body, now, headers }) => {
    const claims = await linkClaims(body.token, now);
    const left = await leaveGroup(deps, claims, now);
    const browser =
      /text\/html/.test(headers.accept ?? '') || /x-www-form-urlencoded/.test(headers['content-type'] ?? '');
    if (!browser) {
      return { status: 200, body: { status: 'left', groupId: claims.groupId, from: left.from } };
    }
    return {
      status: 200,
      html: htmlPage(`You have left ${left.group.name}`, [
        left.from === 'seat'
          ? 'Your seat now goes to the next person waiting. Thank you for letting us know.'
          : 'You are no longer on the waitlist. Thank you for letting us know.',
        'If you would like to come back, ask the group\u2019s organisers. You can close this page.',
      ]),
    };
  },
);

/** GET shows the question; POST (the person's button press) leaves the group. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  event.requestContext.http.method === 'POST' ? confirm(event, context) : showForm(event, context);
