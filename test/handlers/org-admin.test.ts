import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/org-admin/handler';
import { handler as authorize } from '../../functions/org-key-authorizer/handler';
import { hashSecret } from '../../shared/data/api-keys';
import { ORG_ID, organisation } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const NOW = new Date('2026-11-26T03:00:00.000Z');
const pk = `ORG#${ORG_ID}`;

const call = async (
  path: string,
  routeKey: string,
  pathParameters: Record<string, string>,
  options: { orgId?: string; query?: Record<string, string> } = {},
) => {
  const event = httpEvent({
    routeKey,
    path,
    pathParameters,
    query: options.query,
    now: NOW,
    orgKey: options.orgId,
  });
  const response = (await handler(
    event,
    lambdaContext('kindred-test-org-admin'),
  )) as APIGatewayProxyStructuredResultV2;
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: JSON.parse(String(response.body)),
  };
};

const alerts = (options: { orgId?: string; query?: Record<string, string> } = {}) =>
  call(`/v1/admin/orgs/${ORG_ID}/alerts`, 'GET /v1/admin/orgs/{orgId}/alerts', { orgId: ORG_ID }, options);

const feedback = (overrides: Record<string, unknown>) => ({
  pk,
  sk: 'FEEDBACK#m1#p1#MEETING#m1-1',
  orgId: ORG_ID,
  feedbackId: 'f1',
  matchId: 'm1',
  programId: 'first-year-mentoring',
  meetingId: 'm1-1',
  participantId: 'p1',
  seq: 1,
  startsAt: '2026-11-20T18:00:00.000Z',
  rating: 1,
  concern: false,
  lowInARow: true,
  alerted: true,
  givenAt: '2026-11-21T09:00:00.000Z',
  ...overrides,
});

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({ Item: { pk, sk: 'ORG', ...organisation } });
  ddb.on(QueryCommand).resolves({ Items: [] });
});

describe('org-admin', () => {
  it('lists flagged feedback as safeguarding or low-rating alerts, from the organisation\u2019s partition only', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        feedback({}),
        feedback({ feedbackId: 'f2', concern: true, comment: 'words', lowInARow: false }),
      ],
    });

    const { status, body } = await alerts({ orgId: ORG_ID });

    expect(status).toBe(200);
    expect(body.items.map((a: { feedbackId: string; kind: string }) => [a.feedbackId, a.kind])).toEqual([
      ['f1', 'low-ratings'],
      ['f2', 'safeguarding'],
    ]);
    expect(body.items[1].comment).toBe('words');
    const [query] = ddb.commandCalls(QueryCommand);
    expect(query?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':pk': pk,
      ':prefix': 'FEEDBACK#',
    });
    expect(query?.args[0].input.FilterExpression).toContain('concern');
  });

  it('lists mentors paused after an unanswered check-in with ?kind=unanswered-check-in, and refuses other kinds', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        {
          pk,
          sk: 'PARTICIPANT#m1',
          participantId: 'm1',
          programId: 'youth-mentoring',
          name: 'Not listed',
          matching: {
            paused: { reason: 'unanswered-check-in', at: '2026-11-01T09:00:00.000Z', matchId: 'x1' },
          },
        },
      ],
    });

    const { status, body } = await alerts({ orgId: ORG_ID, query: { kind: 'unanswered-check-in' } });
    const unknown = await alerts({ orgId: ORG_ID, query: { kind: 'everything' } });

    expect(status).toBe(200);
    expect(body.items).toStrictEqual([
      {
        kind: 'unanswered-check-in',
        participantId: 'm1',
        programId: 'youth-mentoring',
        matchId: 'x1',
        pausedAt: '2026-11-01T09:00:00.000Z',
      },
    ]);
    const [query] = ddb.commandCalls(QueryCommand);
    expect(query?.args[0].input.ExpressionAttributeValues).toMatchObject({ ':prefix': 'PARTICIPANT#' });
    expect(query?.args[0].input.FilterExpression).toBe('matching.paused.reason = :reason');
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].pointer).toBe('/kind');
  });

  it('answers 401 with WWW-Authenticate when the authorizer found no key, before reading anything', async () => {
    const { status, headers, body } = await alerts();

    expect(status).toBe(401);
    expect(headers['www-authenticate']).toMatch(/^Bearer/);
    expect(body.type).toBe('urn:kindred:problem:unauthenticated');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('answers another organisation\u2019s key with 404, reading nothing', async () => {
    const { status, body } = await alerts({ orgId: 'other-org' });

    expect(status).toBe(404);
    expect(body.errors).toEqual([{ pointer: '/orgId', detail: 'Unknown organisation' }]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('passes the next page\u2019s cursor through, and refuses one from another partition', async () => {
    const last = { pk, sk: 'FEEDBACK#m1#p1#MEETING#m1-1' };
    ddb.on(QueryCommand).resolves({ Items: [feedback({})], LastEvaluatedKey: last });
    const first = await alerts({ orgId: ORG_ID, query: { limit: '1' } });
    expect(first.body.next).toEqual(expect.any(String));

    await alerts({ orgId: ORG_ID, query: { limit: '1', cursor: first.body.next } });
    expect(ddb.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual(last);

    const foreign = Buffer.from(JSON.stringify({ pk: 'ORG#other-org', sk: last.sk })).toString('base64url');
    const refused = await alerts({ orgId: ORG_ID, query: { cursor: foreign } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].pointer).toBe('/cursor');
  });

  it('lists the organisation\u2019s programs', async () => {
    const { status, body } = await call(
      `/v1/admin/orgs/${ORG_ID}/programs`,
      'GET /v1/admin/orgs/{orgId}/programs',
      { orgId: ORG_ID },
      { orgId: ORG_ID },
    );

    expect(status).toBe(200);
    expect(body.items.map((p: { programId: string }) => p.programId)).toEqual(
      organisation.programs.map((p) => p.programId),
    );
  });
});

describe('org-key-authorizer', () => {
  const secret = 'A'.repeat(43);
  const token = `kdk_0123456789abcdef_${secret}`;
  const request = (authorization: string) => {
    const event = httpEvent({ path: '/v1/admin/orgs/x/alerts', now: NOW });
    return {
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/$default/GET/v1/admin/orgs/x/alerts',
      identitySource: [authorization],
      routeKey: 'GET /v1/admin/orgs/{orgId}/alerts',
      rawPath: event.rawPath,
      rawQueryString: '',
      cookies: [],
      headers: { authorization },
      requestContext: event.requestContext,
    } as Parameters<typeof authorize>[0];
  };

  it('passes a live key\u2019s organisation on', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        orgId: ORG_ID,
        keyId: '0123456789abcdef',
        secretHash: hashSecret(secret).toString('base64url'),
      },
    });

    expect(await authorize(request(`Bearer ${token}`))).toEqual({
      isAuthorized: true,
      context: { orgId: ORG_ID, keyId: '0123456789abcdef' },
    });
  });

  it('passes no organisation for a revoked, wrong or malformed key', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        orgId: ORG_ID,
        secretHash: hashSecret(secret).toString('base64url'),
        revokedAt: '2026-11-01T00:00:00.000Z',
      },
    });
    const none = { isAuthorized: true, context: { orgId: '', keyId: '' } };

    expect(await authorize(request(`Bearer ${token}`))).toEqual(none);
    expect(await authorize(request(`Basic ${token}`))).toEqual(none);
    expect(await authorize(request('Bearer kdk_nope'))).toEqual(none);
  });
});
