import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../../shared/adapters/tokens';
import { signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Every kind of bad input gets a 4xx problem naming what is wrong, and leaves nothing behind:
 * no item in the table, no event, no email.
 */
describe('bad input (local runtime)', () => {
  let local: TestRuntime;
  let scanTable: () => Promise<number>;
  beforeAll(async () => {
    local = await startTestRuntime();
    const dynamodb = new DynamoDBClient({
      endpoint: local.runtime.endpoints().dynamodb,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    scanTable = async () => (await dynamodb.send(new ScanCommand({ TableName: 'kindred-local' }))).Count ?? 0;
  });
  afterAll(async () => {
    await local?.stop();
  });

  const snapshot = async () => {
    await local.settle();
    return {
      items: await scanTable(),
      events: (await local.events()).length,
      emails: (await local.outbox()).length,
    };
  };

  const signups = '/v1/orgs/demo-university/signups';
  const cases: {
    name: string;
    send: () => Promise<Response>;
    status: number;
    type: string;
    pointers?: string[];
  }[] = [
    {
      name: 'malformed JSON',
      send: () => local.post(signups, '{"email": "a@b.org",'),
      status: 400,
      type: 'malformed-json',
    },
    {
      name: 'wrong types',
      send: () =>
        local.post(signups, { ...signupBody(), name: 42, role: 'boss', consent: 'yes', interests: 'hiking' }),
      status: 422,
      type: 'invalid-body',
      pointers: ['/name', '/role', '/consent', '/interests'],
    },
    {
      name: 'missing fields',
      send: () => local.post(signups, { name: 'Ada' }),
      status: 422,
      type: 'invalid-body',
      pointers: ['/email', '/role', '/timezone', '/consent'],
    },
    {
      name: 'unknown fields',
      send: () => local.post(signups, { ...signupBody(), isAdmin: true, nested: { x: 1 } }),
      status: 422,
      type: 'invalid-body',
      pointers: ['/isAdmin', '/nested'],
    },
    {
      name: 'an unknown time zone and a bad availability slot',
      send: () =>
        local.post(signups, {
          ...signupBody(),
          timezone: 'Mars/Olympus_Mons',
          availability: [{ day: 'mon', from: '18:00', to: '17:00' }],
        }),
      status: 422,
      type: 'invalid-body',
      pointers: ['/timezone', '/availability/0/to'],
    },
    {
      name: 'consent not given',
      send: () => local.post(signups, { ...signupBody(), consent: false }),
      status: 422,
      type: 'invalid-body',
      pointers: ['/consent'],
    },
    {
      name: 'a body over 16 KB',
      send: () =>
        local.post(signups, { ...signupBody(), goals: Array.from({ length: 300 }, () => 'x'.repeat(60)) }),
      status: 413,
      type: 'body-too-large',
    },
    {
      name: 'a body that is not JSON',
      send: () =>
        local.api(signups, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }),
      status: 415,
      type: 'unsupported-media-type',
    },
    {
      name: 'an empty body',
      send: () => local.api(signups, { method: 'POST', headers: { 'content-type': 'application/json' } }),
      status: 400,
      type: 'malformed-json',
    },
    {
      name: 'an unknown organisation',
      send: () => local.post('/v1/orgs/no-such-org/signups', signupBody()),
      status: 404,
      type: 'not-found',
      pointers: ['/orgId'],
    },
    {
      name: 'an organisation id that cannot exist',
      send: () => local.post('/v1/orgs/NOT%20AN%20ID/signups', signupBody()),
      status: 404,
      type: 'not-found',
      pointers: ['/orgId'],
    },
    {
      name: 'an unknown program',
      send: () => local.post(signups, { ...signupBody(), programId: 'no-such-program' }),
      status: 422,
      type: 'invalid-body',
      pointers: ['/programId'],
    },
    {
      name: 'a forged token',
      send: () =>
        local.api(
          `/v1/verify?token=${issueToken('not-the-secret', { purpose: 'verify', orgId: 'demo-university', subject: 'someone' }, new Date(), 3600)}`,
        ),
      status: 400,
      type: 'invalid-link',
      pointers: ['/token'],
    },
    {
      name: 'a token that is not a token',
      send: () => local.api('/v1/verify?token=hello'),
      status: 400,
      type: 'invalid-link',
      pointers: ['/token'],
    },
    {
      name: 'no token at all',
      send: () => local.api('/v1/verify'),
      status: 400,
      type: 'invalid-query',
      pointers: ['/token'],
    },
  ];

  it.each(cases)('answers $name with $status and a problem naming it, leaving nothing behind', async (c) => {
    // Prepare
    const before = await snapshot();

    // Act
    const response = await c.send();

    // Assess
    expect(response.status).toBe(c.status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { errors?: { pointer: string }[] };
    expect(problem).toMatchObject({
      type: `urn:kindred:problem:${c.type}`,
      status: c.status,
      title: expect.any(String),
    });
    if (c.pointers) {
      const named = (problem.errors ?? []).map((e) => e.pointer);
      expect(named).toEqual(expect.arrayContaining(c.pointers));
    }
    expect(await snapshot()).toEqual(before);
  });

  it('rejects an altered genuine link', async () => {
    // Prepare: a genuine link from a real signup
    const body = signupBody();
    await local.post(signups, body);
    await local.settle();
    const email = (await local.outbox()).find((e) => e.to === body.email);
    const token = new URL(/(http\S+)/.exec(email?.text ?? '')?.[1] ?? '').searchParams.get('token') ?? '';
    const [payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const altered = `${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${signature}`;
    const before = await snapshot();

    // Act
    const response = await local.api(`/v1/verify?token=${altered}`);

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      errors: [{ pointer: '/token', detail: 'The token is not genuine' }],
    });
    expect(await snapshot()).toEqual(before);
  });

  it('never answers arbitrary JSON bodies with a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const response = await local.post(signups, JSON.stringify(value));
        await response.arrayBuffer();
        return response.status >= 400 && response.status < 500;
      }),
      { numRuns: 60 },
    );
  });
});
