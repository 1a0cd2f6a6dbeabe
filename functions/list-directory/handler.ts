import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoDirectory } from '../../shared/data/directory';
import { dynamoOrganisations } from '../../shared/data/organisations';
import {
  DirectoryName,
  DirectoryQuery,
  decodeCursor,
  directoryOf,
  encodeCursor,
  etagOf,
  invalidQuery,
  notModified,
  pageOf,
  publicListing,
} from '../../shared/domain/directory';
import { fieldErrors, problems } from '../../shared/http/problem';
import { httpHandler, logger } from '../../shared/middleware';

const { TABLE_NAME, PUBLIC_API_URL } = readEnv(['TABLE_NAME', 'PUBLIC_API_URL']);
const directory = dynamoDirectory(documents, TABLE_NAME);
const organisations = dynamoOrganisations(documents, TABLE_NAME);

/**
 * A public directory is meant to be embedded on any website (the directory widget, an organisation's own page),
 * and it holds nothing private: so any origin may read it, unlike the signup form's per-organisation origins.
 */
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'etag',
};
const CACHE = { 'cache-control': 'public, max-age=60' };

const list = httpHandler(
  { path: z.object({ directory: DirectoryName }) },
  async ({ path, headers, now, event }) => {
    // Parsed here rather than by httpHandler: a bad filter is a 422 naming it, as bodies are.
    const parsed = DirectoryQuery.safeParse(event.queryStringParameters ?? {});
    if (!parsed.success) throw invalidQuery(fieldErrors(parsed.error, ''));
    const query = parsed.data;
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    if (query.org) {
      const org = await organisations.get(query.org);
      if (!org || directoryOf(org.kind) !== path.directory) throw problems.notFound('Organisation', '/org');
    }
    const { listings, next } = await pageOf(directory.listed(path.directory, after), query);
    const body = {
      directory: path.directory,
      listings: listings.map((listing) =>
        publicListing(listing, now, `${PUBLIC_API_URL}/v1/orgs/${listing.orgId}/form.html`),
      ),
      ...(next ? { next: encodeCursor(next) } : {}),
    };
    // The very text the response carries: JSON.stringify of the same object always gives the same string.
    const etag = etagOf(JSON.stringify(body));
    logger.info('directory listed', { directory: path.directory, count: listings.length });
    if (notModified(headers['if-none-match'], etag)) {
      return { status: 304, headers: { ...CORS, ...CACHE, etag } };
    }
    return { status: 200, headers: { ...CORS, ...CACHE, etag }, body };
  },
);

/** A browser asks first when the widget sends If-None-Match itself (not a CORS-safelisted header). */
const preflight = async (): Promise<APIGatewayProxyStructuredResultV2> => ({
  statusCode: 204,
  headers: {
    ...CORS,
    'access-control-allow-methods': 'GET',
    'access-control-allow-headers': 'if-none-match',
    'access-control-max-age': '86400',
  },
});

export const handler = (event: APIGatewayProxyEventV2, context: Context) =>
  event.requestContext.http.method === 'OPTIONS' ? preflight() : list(event, context);
