import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/answer-check-in/handler';
import { issueToken } from '../../shared/adapters/tokens';
import { CHECK_IN_LINK_TTL_SECONDS } from '../../shared/domain/check-ins';
import { CHECK_IN_PURPOSE, linkSubject, RESUME_MATCHING_PURPOSE } from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();

const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const ASKED = new Date('2025-05-05T15:00:00.000Z');
const CLICKED = new Date('2025-05-06T09:30:00.000Z');

const mentor = participant({
  participantId: 'b7e0c6a2-4d1f-4c8e-9a3b-5f6e7d8c9b0a',
  role: 'mentor',
  status: 'verified',
  email: 'Priya.Shah@Example.org',
  name: 'Priya Shah',
  verifiedAt: '2025-03-01T09:00:00.000Z',
  matching: {
    version: 7,
    activeMatchIds: [MATCH_ID],
    endedWith: [],
    doNotMatch: [],
    seeking: true,
    paused: { reason: 'unanswered-check-in', at: '2025-06-02T15:00:00.000Z', matchId: MATCH_ID },
  },
});
const mentee = participant({
  participantId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  role: 'mentee',
  status: 'verified',
  email: 'sam.okoro@example.org',
  name: 'Sam Okoro',
  verifiedAt: '2025-03-02T09:00:00.000Z',
  matching: { version: 2, activeMatchIds: [MATCH_ID], endedWith: [], doNotMatch: [], seeking: true },
});

const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const matchKey = { pk, sk: `MATCH#${MATCH_ID}` };
const checkInKey = { pk, sk: `CHECKIN#${MATCH_ID}` };
const participantKey = (id: string) => ({ pk, sk: `PARTICIPANT#${id}` });

const match = (overrides: Partial<Match> = {}) => ({
  ...matchKey,
  orgId: ORG_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  mentorId: mentor.participantId,
  menteeId: mentee.participantId,
  status: 'active',
  createdAt: '2025-03-10T09:00:00.000Z',
  ...overrides,
});

/** Asked on 5 May; its escalation waits on the due index. */
const checkIn = () => ({
  ...checkInKey,
  orgId: ORG_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  mentorId: mentor.participantId,
  menteeId: mentee.participantId,
  periodDays: 14,
  anchorAt: '2025-03-24T15:00:00.000Z',
  stage: 'escalate',
  askedAt: ASKED.toISOString(),
  version: 3,
  duePk: 'DUE#2025-06-02T15',
  dueSk: `2025-06-02T15:00:00.000Z#check-in#${ORG_ID}#${MATCH_ID}`,
  dueKind: 'check-in',
});

const tokenFor = (options: { who?: string; purpose?: string; secret?: string; subject?: string } = {}) =>
  issueToken(
    options.secret ?? TEST_SECRET,
    {
      purpose: options.purpose ?? CHECK_IN_PURPOSE,
      orgId: ORG_ID,
      subject: options.subject ?? linkSubject(MATCH_ID, options.who ?? mentee.participantId),
    },
    ASKED,
    CHECK_IN_LINK_TTL_SECONDS,
  );

const HTML = 'text/html,application/xhtml+xml;q=0.9';

const page = (path: string, query: Record<string, string>) =>
  httpEvent({ method: 'GET', path, query, headers: { accept: HTML }, now: CLICKED });

const postJson = (path: string, body: unknown) =>
  httpEvent({
    method: 'POST',
    path,
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body,
    now: CLICKED,
  });

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(event, lambdaContext('kindred-test-answer-check-in'))) as APIGatewayProxyStructuredResultV2;
const json = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '');
const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
const writes = () => ddb.calls().filter((call) => !(call.args[0] instanceof GetCommand));
const outboxDetails = () =>
  transactions()
    .flat()
    .filter((item) => String(item.Put?.Item?.pk).startsWith('OUTBOX#'))
    .map((item) => ({
      type: item.Put?.Item?.detailType,
      detail: JSON.parse(String(item.Put?.Item?.detail)),
    }));

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  serve();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  ddb.on(GetCommand, { Key: matchKey }).resolves({ Item: match() });
  ddb.on(GetCommand, { Key: checkInKey }).resolves({ Item: checkIn() });
  for (const person of [mentor, mentee]) {
    const Key = participantKey(person.participantId);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...person } });
  }
  ddb.on(TransactWriteCommand).resolves({});
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

describe('answer-check-in: "still meeting?"', () => {
  it('the link opens a page with the clicked answer preselected, and writes nothing', async () => {
    // Act
    const response = await invoke(page('/v1/check-ins', { token: tokenFor(), answer: 'pause' }));

    // Assess
    expect(response.statusCode).toBe(200);
    const html = response.body ?? '';
    expect(html).toContain('<form method="post" action="/v1/check-ins"');
    expect(html).toMatch(/value="pause" checked/);
    expect(html).toContain('Priya');
    expect(writes()).toEqual([]);
  });

  it('“still meeting” re-arms the ask three periods from now with CheckInAnswered, in one write', async () => {
    // Act
    const response = await invoke(postJson('/v1/check-ins', { token: tokenFor(), answer: 'still-meeting' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({ outcome: 'recorded', answer: 'still-meeting', role: 'mentee' });
    const [items = []] = transactions();
    expect(transactions()).toHaveLength(1);
    const put = items[0]?.Put;
    expect(put?.ConditionExpression).toBe('#version = :read AND attribute_not_exists(endedAt)');
    expect(put?.ExpressionAttributeValues).toEqual({ ':read': 3 });
    expect(put?.Item).toMatchObject({
      stage: 'ask',
      anchorAt: CLICKED.toISOString(),
      version: 4,
      dueSk: `2025-06-17T09:30:00.000Z#check-in#${ORG_ID}#${MATCH_ID}`,
    });
    expect(outboxDetails()).toEqual([
      {
        type: 'CheckInAnswered',
        detail: expect.objectContaining({ matchId: MATCH_ID, participantId: mentee.participantId }),
      },
    ]);
  });

  it('“end” ends the match for inactivity, by the person, with CheckInAnswered in the same write', async () => {
    // Act
    const response = await invoke(postJson('/v1/check-ins', { token: tokenFor(), answer: 'end' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(transactions()).toHaveLength(1);
    expect(
      outboxDetails().map((e) => [e.type, e.detail.reason ?? e.detail.answer, e.detail.endedBy]),
    ).toEqual([
      ['MatchEnded', 'inactivity', 'mentee'],
      ['CheckInAnswered', 'end', undefined],
    ]);
  });

  it.each([
    ['a forged token', { token: tokenFor({ secret: 'not-the-secret' }), answer: 'end' }, 400],
    [
      'a token of another purpose',
      { token: tokenFor({ purpose: RESUME_MATCHING_PURPOSE }), answer: 'end' },
      400,
    ],
    ['an unknown answer', { token: tokenFor(), answer: 'maybe' }, 422],
    ['someone outside the pair', { token: tokenFor({ who: 'someone-else' }), answer: 'pause' }, 404],
  ])('refuses %s with a problem, writing nothing', async (_case, body, status) => {
    // Act
    const response = await invoke(postJson('/v1/check-ins', body));

    // Assess
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(writes()).toEqual([]);
  });

  it('answers 410 (a page, for a link) once the match has ended, writing nothing', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: matchKey }).resolves({ Item: match({ status: 'ended' }) });

    // Act
    const response = await invoke(page('/v1/check-ins', { token: tokenFor(), answer: 'still-meeting' }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.headers?.['content-type']).toContain('text/html');
    expect(writes()).toEqual([]);
  });

  it('reads again after a lost race and records on the newer version', async () => {
    // Prepare
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
        }),
      )
      .resolves({});

    // Act
    const response = await invoke(postJson('/v1/check-ins', { token: tokenFor(), answer: 'pause' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(transactions()).toHaveLength(2);
  });
});

describe('answer-check-in: a paused mentor confirms', () => {
  const resumeToken = () =>
    tokenFor({
      purpose: RESUME_MATCHING_PURPOSE,
      subject: linkSubject('youth-mentoring', mentor.participantId),
    });

  it('is back in the pool with MatchingResumed, in one write conditioned on their matching version', async () => {
    // Act
    const response = await invoke(postJson('/v1/check-ins/resume', { token: resumeToken() }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({ outcome: 'resumed' });
    const [items = []] = transactions();
    expect(items[0]?.Update?.ExpressionAttributeValues?.[':version']).toBe(7);
    expect(items[0]?.Update?.ExpressionAttributeValues?.[':after']).not.toHaveProperty('paused');
    expect(items[1]?.Put?.Item?.sk).toBe(`POOL#youth-mentoring#mentor#${mentor.participantId}`);
    expect(outboxDetails().map((e) => e.type)).toEqual(['MatchingResumed']);
  });

  it('changes nothing when they are not paused', async () => {
    // Prepare
    const Key = participantKey(mentor.participantId);
    const { paused: _none, ...unpaused } = mentor.matching ?? ({} as NonNullable<typeof mentor.matching>);
    ddb.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...mentor, matching: unpaused } });

    // Act
    const response = await invoke(postJson('/v1/check-ins/resume', { token: resumeToken() }));

    // Assess
    expect(json(response)).toMatchObject({ outcome: 'not-paused' });
    expect(writes()).toEqual([]);
  });

  it('refuses a "still meeting?" token on the confirm route', async () => {
    // Act
    const response = await invoke(postJson('/v1/check-ins/resume', { token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(writes()).toEqual([]);
  });
});
