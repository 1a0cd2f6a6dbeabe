import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { emailHasher } from '../../shared/adapters/email-hash';
import { readEnv } from '../../shared/config';
import { dynamoGroups } from '../../shared/data/groups';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoParticipants } from '../../shared/data/participants';
import { type LeaveClaims, leaveGroup, placeToLeave } from '../../shared/domain/groups';
import { LEAVE_GROUP_PURPOSE, parseLinkSubject } from '../../shared/domain/links';
import { confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const deps = {
  organisations,
  participants: dynamoParticipants(documents, TABLE_NAME, emailHasher(TOKEN_SECRET_ID)),
  groups: dynamoGroups(documents, TABLE_NAME),
};

/** The group and person the link names; the token is checked before anything is read. */
const leaveClaims = async (token: string, now: Date): Promise<LeaveClaims> => {
  const { orgId, subject } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose: LEAVE_GROUP_PURPOSE,
    whenExpired: 'Please ask the organisation to take you off the group instead.',
    parse: parseLinkSubject,
    names: 'a group membership',
  });
  return { orgId, groupId: subject.relationshipId, participantId: subject.participantId };
};

/** Link scanners in mail systems follow links: the GET only asks, and changes nothing. */
const showForm = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now, event }) => {
  const claims = await leaveClaims(query.token, now);
  const { group, place } = await placeToLeave(deps, claims);
  const org = await organisations.get(claims.orgId);
  return {
    status: 200,
    headers: LINK_PAGE_HEADERS,
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
  { body: z.strictObject({ token: LinkToken }), form: true },
  async ({ body, now, headers }) => {
    const claims = await leaveClaims(body.token, now);
    const left = await leaveGroup(deps, claims, now);
    if (!wantsPage(headers)) {
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
