import { gunzipSync } from 'node:zlib';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/serve-signup-form/handler';
import { buildEmbed } from '../../web/build';
import { ORG_ID, organisation } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const ALLOWED = 'https://riverside.example';

const get = (routeKey: string, options: Partial<Parameters<typeof httpEvent>[0]> & { path: string }) =>
  httpEvent({ method: routeKey.split(' ')[0], routeKey, ...options });

const formEvent = (headers: Record<string, string> = {}, orgId = ORG_ID, method = 'GET') =>
  get(`${method} /v1/orgs/{orgId}/form`, {
    method,
    path: `/v1/orgs/${orgId}/form`,
    pathParameters: { orgId },
    headers,
  });

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(
    event,
    lambdaContext('kindred-test-serve-signup-form'),
  )) as APIGatewayProxyStructuredResultV2;

const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '');

const orgKnown = () =>
  ddb
    .on(GetCommand, { Key: { pk: `ORG#${ORG_ID}`, sk: 'ORG' } })
    .resolves({ Item: { pk: `ORG#${ORG_ID}`, sk: 'ORG', ...organisation } });

beforeAll(async () => {
  // The handler serves the script the build writes to web/dist/, as the local runtime builds it on start.
  await buildEmbed();
});

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
});

describe('serve-signup-form: GET /v1/orgs/{orgId}/form', () => {
  it('answers what the form shows: programs with roles and seats, choices, languages, consent, branding', async () => {
    // Prepare
    orgKnown();
    ddb
      .on(GetCommand, { Key: { pk: `ORG#${ORG_ID}`, sk: 'GROUP#grief-circle' } })
      .resolves({ Item: { seated: 8 } });

    // Act
    const response = await invoke(formEvent());

    // Assess
    expect(response.statusCode).toBe(200);
    const config = bodyOf(response);
    expect(config).toMatchObject({
      orgId: ORG_ID,
      name: 'Riverside Mentors',
      kind: 'nonprofit',
      branding: { colour: '#116644' },
      defaultProgramId: 'youth-mentoring',
      consent: organisation.consent,
    });
    expect(config.programs).toEqual([
      {
        programId: 'youth-mentoring',
        name: 'Youth mentoring',
        kind: 'mentoring',
        roles: ['mentor', 'mentee'],
        status: 'open',
      },
      {
        programId: 'grief-circle',
        name: 'Grief circle',
        kind: 'peer-group',
        roles: ['member'],
        status: 'full',
      },
    ]);
    expect(config.experiences.length).toBeGreaterThan(0);
    expect(config.interests.length).toBeGreaterThan(0);
    expect(config.goals.length).toBeGreaterThan(0);
    expect(config.languages).toContainEqual({ code: 'en', name: 'English' });
    // Public facts only: no coordinator or safeguarding contacts, no allowed origins.
    expect(response.body).not.toMatch(/contacts|allowedOrigins/);
  });

  it('is cacheable for a short while and answers 304 to its own ETag', async () => {
    // Prepare
    orgKnown();
    const first = await invoke(formEvent());

    // Act
    const again = await invoke(formEvent({ 'If-None-Match': first.headers?.etag as string }));

    // Assess
    expect(first.headers).toMatchObject({ 'cache-control': 'public, max-age=60' });
    expect(first.headers?.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(again.statusCode).toBe(304);
    expect(again.body ?? '').toBe('');
  });

  it('answers 404 for an unknown organisation and for an id that is not one', async () => {
    // Act
    const unknown = await invoke(formEvent({}, 'unknown-org'));
    const malformed = await invoke(formEvent({}, 'Not An Org'));

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(bodyOf(unknown)).toMatchObject({
      title: 'Organisation not found',
      errors: [{ pointer: '/orgId' }],
    });
    expect(malformed.statusCode).toBe(404);
  });

  it('lets only the organisation\u2019s own origins read it (preflight and GET)', async () => {
    // Prepare
    orgKnown();

    // Act
    const allowed = await invoke(formEvent({ Origin: ALLOWED }));
    const refused = await invoke(formEvent({ Origin: 'https://evil.example' }));
    const preflight = await invoke(
      formEvent({ Origin: ALLOWED, 'Access-Control-Request-Method': 'GET' }, ORG_ID, 'OPTIONS'),
    );

    // Assess
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': ALLOWED, vary: 'Origin' });
    expect(refused.statusCode).toBe(403);
    expect(refused.headers?.['access-control-allow-origin']).toBeUndefined();
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers?.['access-control-allow-methods']).toBe('GET, OPTIONS');
  });
});

describe('serve-signup-form: pages and script', () => {
  const framePage = (orgId = ORG_ID) =>
    get('GET /v1/orgs/{orgId}/form.html', {
      path: `/v1/orgs/${orgId}/form.html`,
      pathParameters: { orgId },
      headers: { accept: 'text/html' },
    });

  it('serves the iframe variant with a CSP that frames it only on the organisation\u2019s origins', async () => {
    // Prepare
    orgKnown();

    // Act
    const response = await invoke(framePage());

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/html/);
    const csp = response.headers?.['content-security-policy'] as string;
    expect(csp).toContain(`frame-ancestors 'self' ${ALLOWED}`);
    expect(csp).toContain('script-src https://api.kindred.test');
    expect(csp).toContain("default-src 'none'");
    expect(response.body).toContain(`<kindred-signup org="${ORG_ID}" api="https://api.kindred.test">`);
    expect(response.body).toContain('<script src="https://api.kindred.test/embed.js" async>');
  });

  it('answers an unknown organisation\u2019s iframe page with a 404 page', async () => {
    // Act
    const response = await invoke(framePage('unknown-org'));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(response.headers?.['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('Organisation not found');
  });

  it('serves embed.js gzipped to browsers that accept it, with an ETag', async () => {
    // Act
    const response = await invoke(
      get('GET /embed.js', { path: '/embed.js', headers: { 'Accept-Encoding': 'gzip, deflate, br' } }),
    );
    const plain = await invoke(get('GET /embed.js', { path: '/embed.js' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'content-encoding': 'gzip',
      'cross-origin-resource-policy': 'cross-origin',
    });
    const code = gunzipSync(Buffer.from(response.body ?? '', 'base64')).toString('utf8');
    expect(code).toContain('kindred-signup');
    expect(Buffer.from(plain.body ?? '', 'base64').toString('utf8')).toBe(code);
    expect(plain.headers?.['content-encoding']).toBeUndefined();
    const cached = await invoke(
      get('GET /embed.js', {
        path: '/embed.js',
        headers: { 'If-None-Match': response.headers?.etag as string },
      }),
    );
    expect(cached.statusCode).toBe(304);
  });

  it('serves the snippets page with the organisation\u2019s script tag and iframe', async () => {
    // Prepare
    orgKnown();

    // Act
    const response = await invoke(
      get('GET /embed', { path: '/embed', query: { org: ORG_ID }, headers: { accept: 'text/html' } }),
    );
    const unknown = await invoke(
      get('GET /embed', { path: '/embed', query: { org: 'unknown-org' }, headers: { accept: 'text/html' } }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(
      '&#60;script src=&#34;https://api.kindred.test/embed.js&#34; data-org=&#34;riverside-mentors&#34; async&#62;',
    );
    expect(response.body).toContain('https://api.kindred.test/v1/orgs/riverside-mentors/form.html');
    expect(response.body).toContain(ALLOWED);
    expect(unknown.statusCode).toBe(404);
  });
});
