import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { matchingDeps } from '../../shared/adapters/matching-deps';
import { readEnv } from '../../shared/config';
import { parseLinkSubject, REMATCH_PURPOSE } from '../../shared/domain/links';
import type { EndReason, MatchRole } from '../../shared/domain/match';
import { endMatch, matchAlreadyEnded, matchNotFound } from '../../shared/domain/matching';
import { confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { Problem } from '../../shared/http/problem';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const deps = matchingDeps(TABLE_NAME);

/** What a participant may give as the reason, in their own words, by role. */
const CHOICES: Record<MatchRole, { value: EndReason; label: string }[]> = {
  mentee: [
    { value: 'not-a-good-fit', label: 'We are not a good fit' },
    { value: 'schedule-conflict', label: 'Our schedules do not work together' },
    { value: 'mentor-unavailable', label: 'My mentor is not available' },
    { value: 'participant-left', label: 'I would like to stop for now' },
    { value: 'safeguarding-concern', label: 'I do not feel safe with this person' },
    { value: 'other', label: 'Something else' },
  ],
  mentor: [
    { value: 'not-a-good-fit', label: 'We are not a good fit' },
    { value: 'schedule-conflict', label: 'Our schedules do not work together' },
    { value: 'mentor-unavailable', label: 'I cannot mentor for now' },
    { value: 'safeguarding-concern', label: 'I do not feel safe with this person' },
    { value: 'other', label: 'Something else' },
  ],
};

/** The match and person the link names; the token is checked before anything is read. */
const rematchClaims = async (token: string, now: Date) => {
  const { orgId, subject } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose: REMATCH_PURPOSE,
    whenExpired: 'Your coordinator can end the match for you instead.',
    parse: parseLinkSubject,
    names: matchNotFound,
  });
  return { orgId, matchId: subject.relationshipId, participantId: subject.participantId };
};

const roleIn = (match: { mentorId: string; menteeId: string }, participantId: string): MatchRole => {
  if (match.mentorId === participantId) return 'mentor';
  if (match.menteeId === participantId) return 'mentee';
  throw matchNotFound();
};

const showForm = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now }) => {
  const claims = await rematchClaims(query.token, now);
  const match = await deps.matching.match(claims.orgId, claims.matchId);
  if (!match) throw matchNotFound();
  const role = roleIn(match, claims.participantId);
  if (match.status !== 'active') throw matchAlreadyEnded();
  const org = await deps.organisations.get(claims.orgId);
  return {
    status: 200,
    html: confirmFormPage({
      title: 'Ask for a new match',
      paragraphs: [
        'If this match is not working, that is all right: it happens, and nobody is blamed.',
        'Tell us why, and we will end this match and look for a better one. The other person is told only that the match has ended.',
      ],
      action: '/v1/rematch',
      hidden: { token: query.token },
      choice: { name: 'reason', legend: 'Why would you like a change?', options: CHOICES[role] },
      submit: 'End this match',
      colour: org?.branding?.colour,
    }),
  };
});

const Reason = z.enum(
  [
    'not-a-good-fit',
    'schedule-conflict',
    'mentor-unavailable',
    'participant-left',
    'safeguarding-concern',
    'other',
  ],
  'one of the reasons offered on the page',
);

const confirm = httpHandler(
  { body: z.strictObject({ token: LinkToken, reason: Reason.default('not-a-good-fit') }), form: true },
  async ({ body, now, headers }) => {
    const claims = await rematchClaims(body.token, now);
    const match = await deps.matching.match(claims.orgId, claims.matchId);
    if (!match) throw matchNotFound();
    const role = roleIn(match, claims.participantId);
    if (!CHOICES[role].some((choice) => choice.value === body.reason)) {
      throw new Problem(422, 'invalid-body', 'The request body has invalid fields', undefined, [
        { pointer: '/reason', detail: `not a reason a ${role} can give here` },
      ]);
    }
    const ended = await endMatch(
      deps,
      {
        orgId: claims.orgId,
        matchId: claims.matchId,
        reason: body.reason,
        endedBy: role,
        participantId: claims.participantId,
      },
      now,
    );
    const rejoining = ended.ended?.rejoining ?? [];
    const continues = rejoining.includes(role);
    if (!wantsPage(headers)) {
      return {
        status: 200,
        body: { status: 'ended', matchId: ended.matchId, reason: body.reason, rejoining },
      };
    }
    const paragraphs = continues
      ? [
          'We have ended the match. You are back on the list, and we will email you as soon as we find a new match.',
        ]
      : ['We have ended the match. Thank you for taking part.'];
    if (body.reason === 'safeguarding-concern')
      paragraphs.push('Someone from the program team will be in touch with you soon.');
    return { status: 200, html: htmlPage('Your match has ended', paragraphs) };
  },
);

/** GET shows the question; POST (the person's button press) ends the match. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  event.requestContext.http.method === 'POST' ? confirm(event, context) : showForm(event, context);
