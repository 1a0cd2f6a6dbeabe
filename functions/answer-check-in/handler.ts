import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { matchingDeps } from '../../shared/adapters/matching-deps';
import { readEnv } from '../../shared/config';
import { dynamoCheckIns } from '../../shared/data/check-ins';
import { CheckInAnswer, PAIR_PAUSE_DAYS } from '../../shared/domain/check-ins';
import { answerableCheckIn, answerCheckIn, type CheckInClaims } from '../../shared/domain/drifting-pairs';
import { CHECK_IN_PURPOSE, parseLinkSubject, RESUME_MATCHING_PURPOSE } from '../../shared/domain/links';
import { participantNotFound, resumeMatching } from '../../shared/domain/matching';
import { firstName } from '../../shared/email/templates';
import { clickedFirst, confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const matchingUseCases = matchingDeps(TABLE_NAME);
const deps = {
  ...matchingUseCases,
  checkIns: dynamoCheckIns(documents, TABLE_NAME),
  matchingDeps: matchingUseCases,
};

const PAUSE_WEEKS = PAIR_PAUSE_DAYS / 7;

/** The two ids the link names, for its purpose; the token is checked before anything is read. */
const idsOf = async (token: string, purpose: string, now: Date) => {
  const { orgId, subject } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose,
    whenExpired: 'Your program coordinator can record your answer instead.',
    parse: parseLinkSubject,
    names: 'a check-in',
  });
  return { orgId, id: subject.relationshipId, participantId: subject.participantId };
};

const checkInClaims = async (token: string, now: Date): Promise<CheckInClaims> => {
  const { orgId, id, participantId } = await idsOf(token, CHECK_IN_PURPOSE, now);
  return { orgId, matchId: id, participantId };
};

const CHOICES: { value: CheckInAnswer; label: string }[] = [
  { value: 'still-meeting', label: 'Yes, we are still meeting' },
  { value: 'pause', label: `We are taking a break: ask again in ${PAUSE_WEEKS} weeks` },
  { value: 'end', label: 'It has run its course: end this match' },
];

/** Link scanners in mail systems follow links: the GET only asks, preselecting the answer clicked. */
const showQuestion = httpHandler(
  { query: z.object({ token: LinkToken, answer: CheckInAnswer.optional() }) },
  async ({ query, now }) => {
    const claims = await checkInClaims(query.token, now);
    const { otherId } = await answerableCheckIn(deps, claims);
    const [other, org] = await Promise.all([
      deps.matching.participant(claims.orgId, otherId),
      deps.organisations.get(claims.orgId),
    ]);
    const clicked = query.answer ?? 'still-meeting';
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: confirmFormPage({
        title: 'Are you still meeting?',
        paragraphs: [
          `We have not heard about a meeting between you and ${other ? firstName(other.name) : 'your match'} for a while.`,
          `If you are taking a break, we will not ask again for ${PAUSE_WEEKS} weeks. Ending the match tells the other person only that it has ended.`,
        ],
        action: '/v1/check-ins',
        hidden: { token: query.token },
        choice: {
          name: 'answer',
          legend: 'Your answer',
          options: clickedFirst(CHOICES, clicked),
        },
        submit: 'Send my answer',
        colour: org?.branding?.colour,
      }),
    };
  },
);

const THANKS: Record<CheckInAnswer, [string, string[]]> = {
  'still-meeting': [
    'Thank you: good to hear you are still meeting',
    [
      'Keep it up. Logging your meetings from the reminders saves us asking again.',
      'You can close this page.',
    ],
  ],
  pause: [
    'Thank you: enjoy the break',
    [
      `We will not ask again for ${PAUSE_WEEKS} weeks. Meeting reminders carry on as planned.`,
      'You can close this page.',
    ],
  ],
  end: [
    'Your match has ended',
    ['Thank you for taking part. The other person is told only that the match has ended.'],
  ],
};

/** The person's button press (an HTML form), or an API client's JSON `{ token, answer }`. */
const answer = httpHandler(
  { body: z.strictObject({ token: LinkToken, answer: CheckInAnswer }), form: true },
  async ({ body, now, headers }) => {
    const claims = await checkInClaims(body.token, now);
    const result = await answerCheckIn(deps, claims, body.answer, now);
    logger.info('check-in answered', {
      orgId: claims.orgId,
      matchId: claims.matchId,
      participantId: claims.participantId,
      answer: body.answer,
      outcome: result.outcome,
    });
    if (!wantsPage(headers)) {
      return { status: 200, headers: LINK_PAGE_HEADERS, body: { matchId: claims.matchId, ...result } };
    }
    const [title, paragraphs] = THANKS[body.answer];
    return { status: 200, headers: LINK_PAGE_HEADERS, html: htmlPage(title, paragraphs) };
  },
);

/** "Still available?": the paused mentor's page; the button puts them back in the pool. */
const showResume = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now }) => {
  const { orgId, participantId } = await idsOf(query.token, RESUME_MATCHING_PURPOSE, now);
  const person = await deps.matching.participant(orgId, participantId);
  if (!person?.matching) throw participantNotFound();
  const org = await deps.organisations.get(orgId);
  return {
    status: 200,
    headers: LINK_PAGE_HEADERS,
    html: person.matching.paused
      ? confirmFormPage({
          title: 'Are you available to mentor someone new?',
          paragraphs: [
            'We paused new matches for you when nobody answered our check-in. Your current matches are unchanged.',
            'Confirm below and we will look for someone for you again.',
          ],
          action: '/v1/check-ins/resume',
          hidden: { token: query.token },
          submit: 'Yes, I am available',
          colour: org?.branding?.colour,
        })
      : htmlPage('You are available for new matches', [
          'There is nothing more to do. You can close this page.',
        ]),
  };
});

const resume = httpHandler(
  { body: z.strictObject({ token: LinkToken }), form: true },
  async ({ body, now, headers }) => {
    const { orgId, participantId } = await idsOf(body.token, RESUME_MATCHING_PURPOSE, now);
    const outcome = await resumeMatching(deps, { orgId, participantId }, now);
    logger.info('matching resumed', { orgId, participantId, outcome });
    if (!wantsPage(headers))
      return { status: 200, headers: LINK_PAGE_HEADERS, body: { participantId, outcome } };
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: htmlPage('Thank you: you are available for new matches', [
        'We will email you as soon as we find someone for you.',
        'You can close this page.',
      ]),
    };
  },
);

/** GET shows the question; POST (the person's button press) records the answer. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  const post = event.requestContext.http.method === 'POST';
  if (event.rawPath.endsWith('/resume')) return post ? resume(event, context) : showResume(event, context);
  return post ? answer(event, context) : showQuestion(event, context);
};
