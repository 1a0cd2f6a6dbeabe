import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoMeetings } from '../../shared/data/meetings';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { type GoalClaims, goalMatchNotFound, goalsOfPair, markGoalAchieved } from '../../shared/domain/goals';
import { GOAL_PURPOSE, parseLinkSubject } from '../../shared/domain/links';
import { confirmFormPage } from '../../shared/http/forms';
import { htmlPage } from '../../shared/http/html';
import { LINK_PAGE_HEADERS, LinkToken, linkClaims, wantsPage } from '../../shared/http/link-claims';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME, TOKEN_SECRET_ID } = readEnv(['TABLE_NAME', 'TOKEN_SECRET_ID']);
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const deps = {
  matching: dynamoMatching(documents, TABLE_NAME),
  meetings: dynamoMeetings(documents, TABLE_NAME),
};

const GoalId = z.string().regex(/^[0-9a-f]{16}$/, 'a goal id from the page');

/** The match and person the link names; the token is checked before anything is read. */
const goalClaims = async (token: string, now: Date): Promise<GoalClaims> => {
  const { orgId, subject } = await linkClaims(TOKEN_SECRET_ID, token, now, {
    purpose: GOAL_PURPOSE,
    whenExpired: 'You can still tell your program coordinator about the goal you reached.',
    parse: parseLinkSubject,
    names: goalMatchNotFound,
  });
  return { orgId, matchId: subject.relationshipId, participantId: subject.participantId };
};

/** Link scanners in mail systems follow links: the GET only lists the goals. */
const showForm = httpHandler({ query: z.object({ token: LinkToken }) }, async ({ query, now, event }) => {
  const claims = await goalClaims(query.token, now);
  const pair = await goalsOfPair(deps, claims);
  const open = pair.goals.filter((goal) => !goal.achieved);
  const achieved = pair.goals.filter((goal) => goal.achieved).map((goal) => `Achieved: ${goal.text}`);
  if (open.length === 0) {
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: htmlPage(
        pair.goals.length === 0 ? 'No goals to mark yet' : 'Every goal is marked achieved',
        pair.goals.length === 0
          ? [
              'There are no goals in the signup of this match. Your program coordinator can help you set some.',
            ]
          : [...achieved, 'Well done, both of you.'],
      ),
    };
  }
  const org = await organisations.get(claims.orgId);
  return {
    status: 200,
    headers: LINK_PAGE_HEADERS,
    html: confirmFormPage({
      title: 'Which goal did you reach?',
      paragraphs: [
        'Choose the goal you reached together, and we will celebrate it with you both.',
        ...achieved,
      ],
      action: event.rawPath,
      hidden: { token: query.token },
      choice: {
        name: 'goal',
        legend: 'The goal we reached',
        options: open.map((goal) => ({ value: goal.goalId, label: goal.text })),
      },
      submit: 'Mark it achieved',
      colour: org?.branding?.colour,
    }),
  };
});

/** The person's button press (an HTML form), or an API client's JSON `{ token, goal }`. */
const confirm = httpHandler(
  { body: z.strictObject({ token: LinkToken, goal: GoalId }), form: true },
  async ({ body, now, headers }) => {
    const claims = await goalClaims(body.token, now);
    const marked = await markGoalAchieved(deps, claims, body.goal, now);
    logger.info('goal achieved', {
      orgId: claims.orgId,
      matchId: claims.matchId,
      participantId: claims.participantId,
      goalId: body.goal,
    });
    if (!wantsPage(headers)) {
      return {
        status: 200,
        headers: LINK_PAGE_HEADERS,
        body: { matchId: claims.matchId, goalId: body.goal, milestone: 'goal-achieved' },
      };
    }
    return {
      status: 200,
      headers: LINK_PAGE_HEADERS,
      html: htmlPage('Congratulations: a goal reached', [
        `We have marked “${marked.goal.text}” achieved, and will celebrate it with you both by email.`,
        'You can close this page.',
      ]),
    };
  },
);

/** GET lists the pair's goals; POST (the person's button press) marks one achieved. */
export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  event.requestContext.http.method === 'POST' ? confirm(event, context) : showForm(event, context);
