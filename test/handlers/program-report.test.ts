import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler, labelOf } from '../../functions/program-report/handler';
import { escapeHtml } from '../../shared/http/html';
import { ORG_ID, organisation } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { mockSecrets } from '../helpers/secrets';

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();
const PROGRAM = 'youth-mentoring';
const pk = `ORG#${ORG_ID}`;
const NOW = new Date('2026-05-01T10:00:00.000Z');

/** The partition's items; the mocked Query finds them by sort key prefix, as begins_with would. */
const items: Record<string, unknown>[] = [
  {
    sk: 'PARTICIPANT#a',
    participantId: 'a',
    createdAt: '2026-04-01T10:00:00.000Z',
    verifiedAt: '2026-04-02T10:00:00.000Z',
  },
  {
    sk: 'PARTICIPANT#b',
    participantId: 'b',
    createdAt: '2026-04-01T12:00:00.000Z',
    verifiedAt: '2026-04-01T12:00:00.000Z',
  },
  { sk: 'PARTICIPANT#c', participantId: 'c', createdAt: '2026-04-20T12:00:00.000Z' },
  {
    sk: 'MATCH#m1',
    matchId: 'm1',
    mentorId: 'b',
    menteeId: 'a',
    createdAt: '2026-04-06T10:00:00.000Z',
    ended: { at: '2026-04-20T10:00:00.000Z', reason: 'inactivity', endedBy: 'system', rejoining: [] },
  },
  { sk: 'MEETING#m1-1', matchId: 'm1', status: 'held' },
  { sk: 'MILESTONE#m1#first-meeting' },
  { sk: 'MILESTONE#other-match#first-meeting' },
  { sk: 'FEEDBACK#m1#a#MEETING#m1-1', matchId: 'm1', rating: 4 },
  { sk: 'FEEDBACK#m1#a#HISTORY', matchId: 'm1' },
  { sk: 'FEEDBACK#m1#b#MEETING#m1-1', matchId: 'm1', rating: 3 },
];

const get = async (
  options: {
    path?: string;
    query?: Record<string, string>;
    accept?: string;
    routeKey?: string;
    programId?: string;
    /** The organisation of the caller's API key; `null` for a request without a valid key. */
    orgKey?: string | null;
  } = {},
) => {
  const programId = options.programId ?? PROGRAM;
  const path = options.path ?? `/v1/admin/orgs/${ORG_ID}/programs/${programId}/report`;
  return (await handler(
    httpEvent({
      routeKey: options.routeKey ?? 'GET /v1/admin/orgs/{orgId}/programs/{programId}/report',
      path,
      pathParameters: { orgId: ORG_ID, programId },
      query: options.query,
      headers: options.accept ? { accept: options.accept } : {},
      now: NOW,
      ...(options.orgKey === null ? {} : { orgKey: options.orgKey ?? ORG_ID }),
    }),
    lambdaContext('kindred-test-program-report'),
  )) as APIGatewayProxyStructuredResultV2;
};

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  serve();
  ddb.on(GetCommand).callsFake((input) => ({
    Item: input.Key.pk === pk && input.Key.sk === 'ORG' ? { pk, sk: 'ORG', ...organisation } : undefined,
  }));
  ddb.on(QueryCommand).callsFake((input) => ({
    Items: items.filter((item) => String(item.sk).startsWith(input.ExpressionAttributeValues[':prefix'])),
  }));
});

describe('program-report', () => {
  it('answers the figures as JSON, reading each item kind with one projected Query', async () => {
    // Act
    const response = await get({ accept: 'application/json' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(String(response.body))).toMatchObject({
      orgId: ORG_ID,
      programId: PROGRAM,
      signups: 3,
      verified: 2,
      matchedPeople: 2,
      matchedPairs: 1,
      firstMeetingHeldPairs: 1,
      activeAfter: [
        { months: 1, active: 0, eligible: 0 },
        { months: 3, active: 0, eligible: 0 },
        { months: 6, active: 0, eligible: 0 },
      ],
      milestones: [{ name: 'first-meeting', count: 1 }],
      rating: { average: 3.5, count: 2 },
      // Days to first match: 4 and 4.9.
      timeToMatchDays: { median: 4.5, p90: 4.9, count: 2 },
    });
    expect(ddb.commandCalls(ScanCommand)).toHaveLength(0);
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    for (const query of queries) {
      expect(query.ExpressionAttributeValues?.[':pk']).toBe(pk);
      expect(query.ProjectionExpression).toBeDefined();
      expect(Object.values(query.ExpressionAttributeNames ?? {})).not.toContain('email');
      expect(Object.values(query.ExpressionAttributeNames ?? {})).not.toContain('name');
      expect(Object.values(query.ExpressionAttributeNames ?? {})).not.toContain('comment');
    }
    const participants = queries.find((q) => q.ExpressionAttributeValues?.[':prefix'] === 'PARTICIPANT#');
    expect(participants).toMatchObject({
      FilterExpression: '#programId = :programId',
      ExpressionAttributeValues: { ':programId': PROGRAM },
    });
  });

  it('renders an HTML page with charts by default, in the organisation’s colour', async () => {
    // Act
    const response = await get({ accept: 'text/html' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    const html = String(response.body);
    expect(html).toContain('<title>Program report: Youth mentoring</title>');
    expect(html.match(/<svg class="chart" role="img"/g)).toHaveLength(3);
    expect(html).toContain('fill="#116644"');
    // Reasons and milestones as people read them; the CSV keeps the ids.
    expect(html).toContain('<th scope="row">Inactivity</th><td>1</td>');
    expect(html).toContain('<th scope="row">First meeting</th><td>1</td>');
  });

  it('exports CSV from ?format=csv and from report.csv', async () => {
    // Act
    const byQuery = await get({ query: { format: 'csv' } });
    const byPath = await get({
      routeKey: 'GET /v1/admin/orgs/{orgId}/programs/{programId}/report.csv',
      path: `/v1/admin/orgs/${ORG_ID}/programs/${PROGRAM}/report.csv`,
    });

    // Assess
    for (const response of [byQuery, byPath]) {
      expect(response.statusCode).toBe(200);
      expect(response.headers?.['content-type']).toBe('text/csv; charset=utf-8');
      expect(response.headers?.['content-disposition']).toBe(`attachment; filename="${PROGRAM}-report.csv"`);
      const lines = String(response.body).split('\r\n');
      expect(lines[0]).toBe('figure,value');
      expect(lines).toContain('signups,3');
      expect(lines).toContain('early_closures:inactivity,1');
      expect(lines).toContain('average_rating,3.5');
    }
  });

  it('refuses unknown programs, peer groups and unknown formats with a clear 4xx', async () => {
    // Act
    const unknown = await get({ programId: 'no-such-program' });
    const group = await get({ programId: 'grief-circle' });
    const format = await get({ query: { format: 'pdf' } });

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(JSON.parse(String(unknown.body))).toMatchObject({ status: 404 });
    expect(group.statusCode).toBe(409);
    expect(JSON.parse(String(group.body))).toMatchObject({ title: 'This program has no matching report' });
    expect(format.statusCode).toBe(400);
    expect(format.headers?.['content-type']).toBe('application/problem+json');
    expect(String(format.body)).toContain('format');
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('takes the organisation\u2019s own API key: none is a 401, another organisation\u2019s a 404, nothing read', async () => {
    const none = await get({ orgKey: null });
    const other = await get({ orgKey: 'another-org' });

    expect(none.statusCode).toBe(401);
    expect(none.headers?.['www-authenticate']).toMatch(/^Bearer/);
    expect(other.statusCode).toBe(404);
    expect(JSON.parse(String(other.body)).errors).toEqual([
      { pointer: '/orgId', detail: 'Unknown organisation' },
    ]);
    expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('program-report: a link that shows the report for a day', () => {
  const createLink = async (orgKey: string | null = ORG_ID, programId = PROGRAM) =>
    get({
      routeKey: 'POST /v1/admin/orgs/{orgId}/programs/{programId}/report-links',
      path: `/v1/admin/orgs/${ORG_ID}/programs/${programId}/report-links`,
      programId,
      orgKey,
    });
  const view = async (query: Record<string, string>, at = NOW) =>
    (await handler(
      httpEvent({
        routeKey: 'GET /v1/reports',
        path: '/v1/reports',
        query,
        headers: { accept: 'text/html' },
        now: at,
      }),
      lambdaContext('kindred-test-program-report'),
    )) as APIGatewayProxyStructuredResultV2;

  it('issues, with the key, a link that opens the page and its CSV without the key', async () => {
    // Act
    const created = await createLink();
    const link = JSON.parse(String(created.body)) as { url: string; csvUrl: string; expiresAt: string };
    const token = new URL(link.url).searchParams.get('token') ?? '';
    const page = await view({ token });
    const csv = await view({ token, format: 'csv' });

    // Assess
    expect(created.statusCode).toBe(201);
    expect(new URL(link.url).origin + new URL(link.url).pathname).toBe('https://api.kindred.test/v1/reports');
    expect(link.expiresAt).toBe('2026-05-02T10:00:00.000Z');
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['referrer-policy']).toBe('no-referrer');
    expect(String(page.body)).toContain('<svg');
    expect(String(page.body)).toContain(
      `href="${escapeHtml(`?token=${encodeURIComponent(token)}&format=csv`)}"`,
    );
    expect(csv.headers?.['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(csv.body).split('\r\n')[0]).toBe('figure,value');
  });

  it('refuses a link without the key, for another organisation, or for a peer group', async () => {
    expect((await createLink(null)).statusCode).toBe(401);
    expect((await createLink('another-org')).statusCode).toBe(404);
    expect((await createLink(ORG_ID, 'grief-circle')).statusCode).toBe(409);
  });

  it('answers an expired link 410 and a forged one 400, reading no figures', async () => {
    const created = JSON.parse(String((await createLink()).body)) as { url: string };
    const token = new URL(created.url).searchParams.get('token') ?? '';
    ddb.resetHistory();

    const expired = await view({ token }, new Date(NOW.getTime() + 25 * 3600 * 1000));
    const forged = await view({ token: `${token.slice(0, -2)}xx` });

    expect(expired.statusCode).toBe(410);
    expect(forged.statusCode).toBe(400);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe('labelOf', () => {
  it('writes reasons and milestones as people read them', () => {
    expect(
      ['not-a-good-fit', 'meetings-3', 'months-1', 'months-6', 'first-meeting'].map(labelOf),
    ).toStrictEqual([
      'Not a good fit',
      '3 meetings',
      '1 month together',
      '6 months together',
      'First meeting',
    ]);
  });
});
