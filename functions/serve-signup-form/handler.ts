import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoGroupSeats } from '../../shared/data/group-seats';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { formConfig } from '../../shared/domain/signup-form';
import { Id } from '../../shared/events/catalogue';
import { withOrgCors } from '../../shared/http/cors';
import { framePage, snippetsPage } from '../../shared/http/embed-pages';
import { problems } from '../../shared/http/problem';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME, PUBLIC_API_URL } = readEnv(['TABLE_NAME', 'PUBLIC_API_URL']);
const apiUrl = PUBLIC_API_URL.replace(/\/$/, '');
const organisations = dynamoOrganisations(documents, TABLE_NAME);
const seats = dynamoGroupSeats(documents, TABLE_NAME);

/** Browsers may keep the configuration this long: a changed consent text reaches new visitors within it. */
const CONFIG_MAX_AGE_SECONDS = 60;
const SCRIPT_MAX_AGE_SECONDS = 300;

const etagOf = (content: string | Uint8Array) =>
  `"${createHash('sha256').update(content).digest('base64url').slice(0, 22)}"`;

const matches = (ifNoneMatch: string | undefined, etag: string) =>
  ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag) ?? false;

const OrgPath = z.object({ orgId: Id });

const config = httpHandler({ path: OrgPath }, async ({ path, headers }) => {
  const org = await organisations.get(path.orgId);
  if (!org) throw problems.notFound('Organisation', '/orgId');
  const body = await formConfig(org, seats);
  const etag = etagOf(JSON.stringify(body));
  const caching = { etag, 'cache-control': `public, max-age=${CONFIG_MAX_AGE_SECONDS}` };
  if (matches(headers['if-none-match'], etag)) return { status: 304, headers: caching };
  return { status: 200, body, headers: caching };
});

const frame = httpHandler({ path: OrgPath }, async ({ path }) => {
  const org = await organisations.get(path.orgId);
  if (!org) throw problems.notFound('Organisation', '/orgId');
  const page = framePage(org, apiUrl);
  return {
    status: 200,
    html: page.html,
    headers: {
      'content-security-policy': page.csp,
      'cache-control': `public, max-age=${CONFIG_MAX_AGE_SECONDS}`,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
  };
});

const snippets = httpHandler({ query: z.object({ org: Id.optional() }) }, async ({ query }) => {
  const org = query.org ? await organisations.get(query.org) : undefined;
  if (query.org && !org) throw problems.notFound('Organisation', '/org');
  return { status: 200, html: snippetsPage(apiUrl, org) };
});

/**
 * embed.js, built from web/ by web/build.ts: beside this code in the Lambda bundle (CDK builds it after
 * bundling), in web/dist/ when the handler runs from source (the local runtime builds it on start).
 */
const SCRIPT_PLACES = [
  new URL('./embed.js', import.meta.url),
  new URL('../../web/dist/embed.js', import.meta.url),
];

let script: { raw: Buffer; gzipped: Buffer; etag: string } | undefined;
const loadScript = () => {
  if (!script) {
    const place = SCRIPT_PLACES.find((url) => existsSync(fileURLToPath(url)));
    if (!place) throw new Error('embed.js is missing: build it with web/build.ts');
    const raw = readFileSync(place);
    script = { raw, gzipped: gzipSync(raw, { level: 9 }), etag: etagOf(raw) };
  }
  return script;
};

const embedScript = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const { raw, gzipped, etag } = loadScript();
  const headers = {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': `public, max-age=${SCRIPT_MAX_AGE_SECONDS}`,
    etag,
    vary: 'accept-encoding',
    // Meant to be loaded by other sites, including ones that isolate themselves (COEP).
    'cross-origin-resource-policy': 'cross-origin',
    'x-content-type-options': 'nosniff',
  };
  if (matches(event.headers?.['if-none-match'], etag)) return { statusCode: 304, headers };
  const gzip = /\bgzip\b/.test(event.headers?.['accept-encoding'] ?? '');
  return {
    statusCode: 200,
    headers: gzip ? { ...headers, 'content-encoding': 'gzip' } : headers,
    body: (gzip ? gzipped : raw).toString('base64'),
    isBase64Encoded: true,
  };
};

const configWithCors = withOrgCors({ organisations, platformUrl: apiUrl, methods: ['GET'] }, config);

/**
 * One function for the form's public pieces: its script (which carries the directory widget too),
 * configuration, iframe page and snippets page.
 */
export const handler = async (
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> => {
  switch (event.routeKey) {
    case 'GET /embed.js':
      return embedScript(event);
    case 'GET /embed':
      return snippets(event, context);
    case 'GET /v1/orgs/{orgId}/form.html':
      return frame(event, context);
    default:
      return configWithCors(event, context);
  }
};
