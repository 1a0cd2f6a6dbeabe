import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoDirectory, dynamoDirectorySources } from '../../shared/data/directory';
import { dynamoGroups } from '../../shared/data/groups';
import {
  CHECK_EVERY_DAYS,
  checkedGroup,
  confirmListing,
  ListingCheckAnswer,
} from '../../shared/domain/directory';
import { closeGroup } from '../../shared/domain/groups';
import { LISTING_CHECK_PURPOSE } from '../../shared/domain/links';
import { Id } from '../../shared/events/catalogue';
import { clickedFirst, confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const sources = dynamoDirectorySources(documents, TABLE_NAME);
const deps = {
  ...sources,
  directory: dynamoDirectory(documents, TABLE_NAME),
  groups: dynamoGroups(documents, TABLE_NAME),
};

/** The group the link names; the token is checked before anything is read. */
const checkClaims = async (token: string, now: Date) => {
  const { orgId, subject } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose: LISTING_CHECK_PURPOSE,
    whenExpired: 'The next "still running?" email will bring a new link.',
    parse: (sub) => (Id.safeParse(sub).success ? sub : undefined),
    names: 'a group',
  });
  return { orgId, groupId: subject };
};

const CHOICES: { value: ListingCheckAnswer; label: string }[] = [
  { value: 'yes', label: 'Yes, it is still running and the listing is right' },
  { value: 'update', label: 'It is running, but the listing needs an update' },
  { value: 'closed', label: 'It has closed: take it out of the directory' },
];

/** Mail scanners follow links: the GET only asks, preselecting the answer clicked. */
const showQuestion = httpHandler(
  { query: z.object({ token: LinkToken, answer: ListingCheckAnswer.optional() }) },
  async ({ query, now }) => {
    const ref = await checkClaims(query.token, now);
    const { org, group } = await checkedGroup(deps, ref);
    const clicked = query.answer ?? 'yes';
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: confirmFormPage({
        title: `Is ${group.name} still running?`,
        paragraphs: [
          `${group.name} is listed in the public ${org.kind} directory of peer-support groups.`,
          'Closing it takes it out of the directory and stops its sessions: nobody new can join.',
        ],
        action: '/v1/listing-checks',
        hidden: { token: query.token },
        choice: {
          name: 'answer',
          legend: 'Your answer',
          options: clickedFirst(CHOICES, clicked),
        },
        submit: 'Send my answer',
        colour: org.branding?.colour,
      }),
    };
  },
);

/** The contact's button press (an HTML form), or an API client's JSON `{ token, answer }`. */
const answer = httpHandler(
  { body: z.strictObject({ token: LinkToken, answer: ListingCheckAnswer }), form: true },
  async ({ body, now, headers }) => {
    const ref = await checkClaims(body.token, now);
    const { org, group } = await checkedGroup(deps, ref);
    const outcome =
      body.answer === 'closed'
        ? (await closeGroup(deps, { ...ref, closedBy: 'contact' }, now)).result
        : await confirmListing(deps, ref, now);
    logger.info('listing check answered', { ...ref, answer: body.answer, outcome });
    if (!wantsPage(headers)) {
      return {
        status: 200,
        headers: LINK_PAGE_HEADERS,
        body: { groupId: ref.groupId, answer: body.answer, outcome },
      };
    }
    const coordinator = org.contacts?.coordinator;
    const pages: Record<ListingCheckAnswer, [string, string[]]> = {
      yes: [
        `Thank you: ${group.name} stays in the directory`,
        [
          outcome === 'shown'
            ? 'It had been hidden while we waited for an answer: it is back in the directory now.'
            : 'Nothing else to do.',
          `We will ask again in ${CHECK_EVERY_DAYS} days. You can close this page.`,
        ],
      ],
      update: [
        `Thank you: ${group.name} stays in the directory`,
        [
          'The listing shows the group\u2019s name, topics, format (online, in person or hybrid), city or campus, language, schedule, seats and accessibility notes.',
          coordinator
            ? `To change any of it, write to ${coordinator} with what should change; ${org.name} updates the listing.`
            : `To change any of it, ask ${org.name}\u2019s program coordinator; they update the listing.`,
          `Until then it stays as it is. We will ask again in ${CHECK_EVERY_DAYS} days.`,
        ],
      ],
      closed: [
        `${group.name} is closed`,
        [
          'It is out of the directory, nobody new can join, and its planned sessions are cancelled.',
          'Thank you for running it, and for telling us.',
        ],
      ],
    };
    const [title, paragraphs] = pages[body.answer];
    return { status: 200, headers: LINK_PAGE_HEADERS, html: htmlPage(title, paragraphs) };
  },
);

/** GET shows the question; POST (the contact's button press) records the answer. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  event.requestContext.http.method === 'POST' ? answer(event, context) : showQuestion(event, context);
