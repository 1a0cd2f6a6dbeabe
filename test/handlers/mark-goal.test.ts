import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/mark-goal/handler';
import { issueToken } from '../../shared/adapters/tokens';
import { goalId } from '../../shared/domain/goals';
import { GOAL_PURPOSE, linkSubject, RELATIONSHIP_LINK_TTL_SECONDS } from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();

const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const NOW = new Date('2025-05-06T12:00:00.000Z');

const mentor = participant({
  participantId: 'b7e0c6a2-4d1f-4c8e-9a3b-5f6e7d8c9b0a',
  role: 'mentor',
  name: 'Priya Shah',
  profile: { goals: ['help with interviews'] },
});
const mentee = participant({
  participantId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  role: 'mentee',
  name: 'Sam Okoro',
  profile: { goals: ['Make friends', 'Find a part-time job'] },
});

const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const matchKey = { pk, sk: `MATCH#${MATCH_ID}` };
const participantKey = (id: string) => ({ pk, sk: `PARTICIPANT#${id}` });
const milestoneSk = (name: string) => `MILESTONE#${MATCH_ID}#${name}`;

const match = (overrides: Partial<Match> = {}) => ({
  ...matchKey,
  orgId: ORG_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  mentorId: mentor.participantId,
  menteeId: mentee.participantId,
  status: 'active',
  createdAt: '2025-03-01T09:00:00.000Z',
  ...overrides,
});

const tokenFor = (options: { who?: string; secret?: string } = {}) =>
  issueToken(
    options.secret ?? TEST_SECRET,
    {
      purpose: GOAL_PURPOSE,
      orgId: ORG_ID,
      subject: linkSubject(MATCH_ID, options.who ?? mentee.participantId),
    },
    new Date('2025-05-01T12:00:00.000Z'),
    RELATIONSHIP_LINK_TTL_SECONDS,
  );

const PATH = '/v1/goals';
const HTML = 'text/html,application/xhtml+xml;q=0.9';
const page = (token: string, accept = HTML) =>
  httpEvent({
    method: 'GET',
    routeKey: `GET ${PATH}`,
    path: PATH,
    query: { token },
    headers: { accept },
    now: NOW,
  });
const postJson = (body: unknown) =>
  httpEvent({
    method: 'POST',
    routeKey: `POST ${PATH}`,
    path: PATH,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body,
    now: NOW,
  });
const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(event, lambdaContext('kindred-test-mark-goal'))) as APIGatewayProxyStructuredResultV2;
const json = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '');
const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

const reachedAlready = (...names: string[]) =>
  ddb.on(QueryCommand).resolves({ Items: names.map((name) => ({ sk: milestoneSk(name) })) });

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  serve();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  ddb.on(GetCommand, { Key: matchKey }).resolves({ Item: match() });
  for (const person of [mentor, mentee]) {
    const Key = participantKey(person.participantId);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...person } });
  }
  reachedAlready('first-meeting');
  ddb.on(TransactWriteCommand).resolves({});
});

describe('mark-goal', () => {
  it('lists the pair’s goals (the mentee’s) for either of them, and writes nothing', async () => {
    // Act: the mentor opens it
    const response = await invoke(page(tokenFor({ who: mentor.participantId })));

    // Assess
    expect(response.statusCode).toBe(200);
    const html = response.body ?? '';
    expect(html).toContain('<title>Which goal did you reach?</title>');
    expect(html).toContain(
      `name="goal" value="${goalId('Make friends')}" checked> <label for="choice-0">Make friends</label>`,
    );
    expect(html).toContain(
      `value="${goalId('Find a part-time job')}"> <label for="choice-1">Find a part-time job</label>`,
    );
    expect(html).not.toContain('help with interviews');
    expect(transactions()).toEqual([]);
  });

  it('leaves a goal already achieved out of the choice', async () => {
    // Prepare
    reachedAlready('first-meeting', `goal-achieved#${goalId('Make friends')}`);

    // Act
    const response = await invoke(page(tokenFor()));

    // Assess
    expect(response.body).toContain('Achieved: Make friends');
    expect(response.body).not.toContain(`value="${goalId('Make friends')}"`);
  });

  it('reaches goal-achieved once for the goal, with an event of ids only', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor(), goal: goalId('Find a part-time job') }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      matchId: MATCH_ID,
      goalId: goalId('Find a part-time job'),
      milestone: 'goal-achieved',
    });
    const [milestone, outbox] = transactions()[0] ?? [];
    expect(milestone?.Put).toMatchObject({
      Item: { pk, sk: milestoneSk(`goal-achieved#${goalId('Find a part-time job')}`) },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(JSON.parse(outbox?.Put?.Item?.detail)).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: NOW.toISOString(),
      milestone: 'goal-achieved',
      participantIds: [mentor.participantId, mentee.participantId],
      matchId: MATCH_ID,
      goalId: goalId('Find a part-time job'),
    });
    expect(outbox?.Put?.Item?.detail).not.toContain('job');
  });

  it('answers a second press for the same goal with 410, whether seen before or lost in a race', async () => {
    // Prepare: the other person's press landed first
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    // Act
    const raced = await invoke(postJson({ token: tokenFor(), goal: goalId('Make friends') }));
    reachedAlready(`goal-achieved#${goalId('Make friends')}`);
    const again = await invoke(postJson({ token: tokenFor(), goal: goalId('Make friends') }));

    // Assess
    expect(raced.statusCode).toBe(410);
    expect(json(again).type).toBe('urn:kindred:problem:goal-already-achieved');
    expect(again.statusCode).toBe(410);
  });

  it('refuses a goal that is not the pair’s with 422 naming it', async () => {
    // Act
    const unknown = await invoke(postJson({ token: tokenFor(), goal: goalId('help with interviews') }));
    const malformed = await invoke(postJson({ token: tokenFor(), goal: 'Make friends' }));

    // Assess
    expect(unknown.statusCode).toBe(422);
    expect(json(unknown).errors).toEqual([
      { pointer: '/goal', detail: 'Not one of the goals of this match' },
    ]);
    expect(malformed.statusCode).toBe(422);
    expect(json(malformed).errors[0].pointer).toBe('/goal');
    expect(transactions()).toEqual([]);
  });

  it('refuses a forged link with 400 and a stranger with 404', async () => {
    // Act
    const forged = await invoke(page(tokenFor({ secret: 'guessed' }), 'application/json'));
    const stranger = await invoke(
      page(tokenFor({ who: 'd4c3b2a1-0000-4000-8000-000000000001' }), 'application/json'),
    );

    // Assess
    expect(forged.statusCode).toBe(400);
    expect(stranger.statusCode).toBe(404);
  });

  it('answers 410 after a match ended over a safeguarding concern, and still lists goals after a completed one', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: matchKey }).resolves({
      Item: match({ status: 'ended', ended: { reason: 'safeguarding-concern' } as Match['ended'] }),
    });
    const closed = await invoke(page(tokenFor(), 'application/json'));
    ddb.on(GetCommand, { Key: matchKey }).resolves({
      Item: match({ status: 'ended', ended: { reason: 'completed' } as Match['ended'] }),
    });
    const completed = await invoke(page(tokenFor()));

    // Assess
    expect(closed.statusCode).toBe(410);
    expect(completed.statusCode).toBe(200);
  });
});
