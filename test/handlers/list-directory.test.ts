import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/list-directory/handler';
import type { Listing } from '../../shared/domain/directory';
import { httpEvent, lambdaContext } from '../helpers/events';

const ddb = mockClient(DynamoDBDocumentClient);
const NOW = new Date('2026-03-02T10:00:00.000Z');

const listing = (entryId: string, seatsLeft: number, format: Listing['format']): Listing => ({
  entryId,
  kind: 'group',
  orgId: 'riverside',
  orgName: 'Riverside',
  name: entryId,
  topics: ['grief'],
  format,
  ...(format === 'online' ? {} : { place: 'Leeds' }),
  language: 'en',
  seats: 8,
  members: 8 - seatsLeft,
  seatsLeft,
});
const ITEMS = [listing('a-circle', 2, 'online'), listing('b-circle', 0, 'in-person')].map((l) => ({
  pk: 'ORG#riverside',
  sk: `DIRECTORY#${l.entryId}`,
  lookupPk: 'DIRECTORY#nonprofit',
  lookupSk: `${l.entryId}#riverside#${l.entryId}`,
  listing: l,
}));

const list = async (directory: string, query: Record<string, string> = {}, headers = {}, method = 'GET') => {
  const response = (await handler(
    httpEvent({
      method,
      routeKey: `${method} /v1/directories/{directory}`,
      path: `/v1/directories/${directory}`,
      pathParameters: { directory },
      query,
      headers,
      now: NOW,
    }),
    lambdaContext('kindred-test-list-directory'),
  )) as APIGatewayProxyStructuredResultV2;
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: response.body ? JSON.parse(String(response.body)) : undefined,
  };
};

beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand).resolves({ Items: ITEMS });
  ddb.on(GetCommand).resolves({});
});

describe('list-directory', () => {
  it('answers the listings with an ETag, a public cache lifetime and CORS for any origin, from one Query', async () => {
    // Act
    const { status, headers, body } = await list('nonprofit');

    // Assess
    expect(status).toBe(200);
    expect(headers).toMatchObject({
      'cache-control': 'public, max-age=60',
      'access-control-allow-origin': '*',
      'content-type': 'application/json',
    });
    expect(String(headers.etag)).toMatch(/^".+"$/);
    expect(body.listings.map((l: { id: string }) => l.id)).toEqual([
      'riverside:a-circle',
      'riverside:b-circle',
    ]);
    expect(body.listings[0].joinUrl).toBe('https://api.kindred.test/v1/orgs/riverside/form.html');
    const [query] = ddb.commandCalls(QueryCommand);
    expect(query?.args[0].input).toMatchObject({
      IndexName: 'lookup',
      ExpressionAttributeValues: { ':directory': 'DIRECTORY#nonprofit' },
    });
  });

  it('answers 304 with no body when If-None-Match names the current ETag', async () => {
    // Prepare
    const { headers } = await list('nonprofit');

    // Act
    const again = await list('nonprofit', {}, { 'If-None-Match': String(headers.etag) });

    // Assess
    expect(again.status).toBe(304);
    expect(again.body).toBeUndefined();
    expect(again.headers.etag).toBe(headers.etag);
  });

  it('filters and pages', async () => {
    // Act
    const open = await list('nonprofit', { openSeats: 'true' });
    const first = await list('nonprofit', { limit: '1' });

    // Assess
    expect(open.body.listings.map((l: { id: string }) => l.id)).toEqual(['riverside:a-circle']);
    expect(first.body.listings).toHaveLength(1);
    expect(typeof first.body.next).toBe('string');
  });

  it('refuses a bad filter with a 422 problem naming it, and reads nothing', async () => {
    // Act
    const { status, headers, body } = await list('nonprofit', { format: 'zoom', limit: '500' });

    // Assess
    expect(status).toBe(422);
    expect(headers['content-type']).toBe('application/problem+json');
    expect(body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual(['/format', '/limit']);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('answers 404 for a directory that does not exist and for an unknown organisation', async () => {
    // Act
    const company = await list('company');
    const unknown = await list('nonprofit', { org: 'no-such-org' });

    // Assess
    expect(company.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors).toEqual([{ pointer: '/org', detail: 'Unknown organisation' }]);
  });

  it('answers a CORS preflight for any origin', async () => {
    // Act
    const { status, headers } = await list('university', {}, { Origin: 'https://any.example' }, 'OPTIONS');

    // Assess
    expect(status).toBe(204);
    expect(headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET',
      'access-control-allow-headers': 'if-none-match',
    });
  });
});
