import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { emailHasher } from '../../shared/adapters/email-hash';
import { readEnv } from '../../shared/config';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoParticipants } from '../../shared/data/participants';
import { dynamoRecipients } from '../../shared/data/recipients';
import { UNSUBSCRIBE_PURPOSE } from '../../shared/domain/links';
import {
  applyUnsubscribe,
  CATEGORY_LABELS,
  MAX_PAUSE_WEEKS,
  PAUSE_WEEKS_OFFERED,
  parseUnsubscribeSubject,
  personNotFound,
  requestsFor,
  scopeLabel,
  type UnsubscribeClaims,
  type UnsubscribeOutcome,
  type UnsubscribeRequest,
} from '../../shared/domain/unsubscribe';
import { confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { notGenuineLink } from '../../shared/http/link-problems';
import { Problem } from '../../shared/http/problem';
import { httpHandler, logger, MAX_BODY_BYTES, renderProblem } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const hashEmail = emailHasher(TOKEN_SECRET_ID);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const participants = dynamoParticipants(documents, TABLE_NAME, hashEmail);
const deps = { recipients: dynamoRecipients(documents, TABLE_NAME, hashEmail) };

/** The person and scope the link names; the token is checked before anything is read. */
const unsubscribeClaims = async (token: string, now: Date): Promise<UnsubscribeClaims> => {
  const { orgId, subject } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose: UNSUBSCRIBE_PURPOSE,
    whenExpired: 'Please use the unsubscribe link in a more recent email from us.',
    parse: parseUnsubscribeSubject,
    names: 'a person and a kind of email',
  });
  return { orgId, ...subject };
};

/** The person the link is for (their zone dates a pause), and their organisation's name and colour. */
const personOf = async (claims: UnsubscribeClaims) => {
  const [person, org] = await Promise.all([
    participants.get(claims.orgId, claims.participantId),
    organisations.get(claims.orgId),
  ]);
  if (!person) throw personNotFound();
  return { person, orgName: org?.name ?? 'the program', colour: org?.branding?.colour };
};

/** The values of the page's choice, and what each asks. */
const Action = z.enum(['unsubscribe', 'unsubscribe-all', 'pause'], 'unsubscribe, unsubscribe-all or pause');
type Action = z.infer<typeof Action>;

const actionOf = (request: UnsubscribeRequest): Action =>
  request.action === 'pause' ? 'pause' : request.scope === 'all' ? 'unsubscribe-all' : 'unsubscribe';

const labelOf = (request: UnsubscribeRequest) =>
  request.action === 'pause'
    ? `Pause all nudges for ${request.weeks} weeks`
    : request.scope === 'all'
      ? 'Unsubscribe from all nudges: reminders, celebrations, check-ins and feedback requests'
      : `Unsubscribe from ${CATEGORY_LABELS[request.scope]}`;

/** Link scanners in mail systems follow links: the GET only asks, preselecting the link's own category. */
const showForm = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now, event }) => {
  const claims = await unsubscribeClaims(query.token, now);
  const { orgName, colour } = await personOf(claims);
  return {
    status: 200,
    headers: LINK_PAGE_HEADERS,
    html: confirmFormPage({
      title: 'Fewer emails from us',
      paragraphs: [
        `This link was in ${claims.scope === 'all' ? 'a nudge' : `one of our ${scopeLabel(claims.scope)}`} from ${orgName}.`,
        'Choose what you would like. Emails you need, such as confirming your address, still come.',
      ],
      action: event.rawPath,
      hidden: { token: query.token },
      choice: {
        name: 'action',
        legend: 'What would you like?',
        options: requestsFor(claims.scope).map((request) => ({
          value: actionOf(request),
          label: labelOf(request),
        })),
      },
      submit: 'Save my choice',
      colour,
    }),
  };
});

const Weeks = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d{1,3}$/, 'a whole number of weeks')
      .transform(Number),
  ])
  .pipe(
    z
      .int('a whole number of weeks')
      .min(1, 'at least 1 week')
      .max(MAX_PAUSE_WEEKS, `at most ${MAX_PAUSE_WEEKS} weeks`),
  );

/**
 * The page's form (`token`, `action`), an API client's JSON (`{ token, action, weeks }`), or a mail client's
 * RFC 8058 one-click POST: `List-Unsubscribe=One-Click` with the token in the link's own query string.
 */
const Body = z
  .strictObject({
    token: LinkToken.optional(),
    action: Action.optional(),
    weeks: Weeks.optional(),
    'List-Unsubscribe': z.literal('One-Click', 'One-Click (RFC 8058)').optional(),
  })
  .superRefine((body, ctx) => {
    if (body['List-Unsubscribe'] && body.action && body.action !== 'unsubscribe') {
      ctx.addIssue({
        code: 'custom',
        path: ['action'],
        message: 'A one-click unsubscribe asks nothing else',
      });
    }
    if (body.weeks !== undefined && body.action !== 'pause') {
      ctx.addIssue({ code: 'custom', path: ['weeks'], message: 'Only a pause takes weeks' });
    }
  });

const requestOf = (body: z.output<typeof Body>, claims: UnsubscribeClaims): UnsubscribeRequest => {
  switch (body.action) {
    case 'pause':
      return { action: 'pause', weeks: body.weeks ?? PAUSE_WEEKS_OFFERED };
    case 'unsubscribe-all':
      return { action: 'unsubscribe', scope: 'all' };
    default:
      return { action: 'unsubscribe', scope: claims.scope };
  }
};

const dateIn = (iso: string, timezone: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'full', timeZone: timezone }).format(new Date(iso));

const donePage = (outcome: UnsubscribeOutcome, orgName: string, timezone: string) => {
  if (outcome.action === 'pause') {
    return htmlPage('Your nudges are paused', [
      `We will send you no reminders, celebrations or other nudges from ${orgName} until ${dateIn(outcome.pausedUntil, timezone)}. Then they start again.`,
      'Emails you need, such as confirming your address, still come. You can close this page.',
    ]);
  }
  return htmlPage('You are unsubscribed', [
    outcome.scope === 'all'
      ? `We will send you no more reminders, celebrations, check-ins or other nudges from ${orgName}.`
      : `We will send you no more ${CATEGORY_LABELS[outcome.scope]} from ${orgName}. Other emails have their own unsubscribe link.`,
    'Emails you need, such as confirming your address, still come. You can close this page.',
  ]);
};

/** The choice takes effect at once and answers 200, as RFC 8058 asks of a one-click POST. */
const confirm = httpHandler(
  { body: Body, query: z.object({ token: LinkToken.optional() }), form: true },
  async ({ body, query, now, headers }) => {
    if (body.token && query.token && body.token !== query.token) {
      throw notGenuineLink('The link and the form name different tokens');
    }
    const token = body.token ?? query.token;
    if (!token) throw notGenuineLink('The link has no token');
    const claims = await unsubscribeClaims(token, now);
    const { person, orgName } = await personOf(claims);
    const outcome = await applyUnsubscribe(deps, claims, requestOf(body, claims), now);
    logger.info(outcome.action === 'pause' ? 'nudges paused' : 'unsubscribed', {
      orgId: claims.orgId,
      participantId: claims.participantId,
      ...(outcome.action === 'pause' ? { pausedUntil: outcome.pausedUntil } : { scope: outcome.scope }),
      changed: outcome.changed,
      oneClick: body['List-Unsubscribe'] === 'One-Click',
    });
    return wantsPage(headers)
      ? { status: 200, headers: LINK_PAGE_HEADERS, html: donePage(outcome, orgName, person.timezone) }
      : { status: 200, headers: LINK_PAGE_HEADERS, body: outcome };
  },
);

const MULTIPART = /^multipart\/form-data\b/i;

/**
 * RFC 8058 says the one-click POST SHOULD be `multipart/form-data` (and MAY be form-urlencoded): its fields
 * are handed on as the form-urlencoded body the form handler reads. Oversized bodies are passed on as they
 * are, for the size check to refuse.
 */
const multipartAsForm = async (
  event: APIGatewayProxyEventV2,
): Promise<APIGatewayProxyEventV2 | APIGatewayProxyStructuredResultV2> => {
  const contentType = event.headers?.['content-type'];
  if (!contentType || !MULTIPART.test(contentType) || event.body === undefined) return event;
  const bytes = Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (bytes.length > MAX_BODY_BYTES) return event;
  let fields: URLSearchParams;
  try {
    const form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
    fields = new URLSearchParams();
    for (const [name, value] of form) fields.append(name, typeof value === 'string' ? value : '');
  } catch {
    return renderProblem(
      new Problem(
        400,
        'malformed-body',
        'The request body could not be read',
        'The multipart/form-data body is malformed.',
      ),
      event.headers?.accept,
    );
  }
  return {
    ...event,
    headers: { ...event.headers, 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
    isBase64Encoded: false,
  };
};

/** GET shows the choices; POST (the button, an API client, or a mail client's one-click) applies one. */
export const handler = async (event: APIGatewayProxyEventV2, context: Context) => {
  if (event.requestContext.http.method !== 'POST') return showForm(event, context);
  const form = await multipartAsForm(event);
  return 'requestContext' in form ? confirm(form, context) : form;
};
