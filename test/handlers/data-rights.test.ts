import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/data-rights/handler';
import { issueToken } from '../../shared/adapters/tokens';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();

const SENT = new Date('2025-03-15T07:00:00.000Z');
const CLICKED = new Date('2025-04-01T19:12:00.000Z');
const person = participant({ status: 'verified', verifiedAt: '2025-03-01T10:00:00.000Z' });
const id = person.participantId;
const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const participantKey = { pk, sk: `PARTICIPANT#${id}` };
const erasedKey = { pk, sk: `ERASED#${id}` };

const tokenFor = (options: { purpose?: string; secret?: string; ttl?: number } = {}) =>
  issueToken(
    options.secret ?? TEST_SECRET,
    { purpose: options.purpose ?? 'data-rights', orgId: ORG_ID, subject: id },
    SENT,
    options.ttl ?? 400 * 86_400,
  );

const HTML = 'text/html,application/xhtml+xml;q=0.9';

const page = (token: string) =>
  httpEvent({
    method: 'GET',
    routeKey: 'GET /v1/my-data',
    path: '/v1/my-data',
    query: { token },
    headers: { accept: HTML },
    now: CLICKED,
  });

const postJson = (body: unknown) =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/my-data',
    path: '/v1/my-data',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body,
    now: CLICKED,
  });

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(event, lambdaContext('kindred-test-data-rights'))) as APIGatewayProxyStructuredResultV2;

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  serve();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  ddb.on(GetCommand, { Key: participantKey }).resolves({ Item: { ...participantKey, ...person } });
  ddb.on(QueryCommand).resolves({
    Items: [
      { ...participantKey, ...person },
      { pk, sk: `RECIPIENT#${id}`, participantId: id, unsubscribed: ['feedback'] },
      { pk, sk: 'PARTICIPANT#someone-else', participantId: 'someone-else', name: 'Grace Hopper' },
    ],
  });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

describe('data-rights: the page the "Your data" link opens', () => {
  it('offers an export and erasure as two buttons that POST, changing nothing', async () => {
    // Act
    const response = await invoke(page(tokenFor()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('<form method="post" action="/v1/my-data">');
    expect(response.body).toContain('name="action" value="export"');
    expect(response.body).toContain('name="action" value="erase"');
    expect(transactions()).toStrictEqual([]);
  });

  it.each([
    ['forged', () => tokenFor({ secret: 'another-secret' }), 400],
    ['expired', () => tokenFor({ ttl: 60 }), 410],
    ['for another purpose', () => tokenFor({ purpose: 'unsubscribe' }), 400],
  ])('refuses a token %s with a problem', async (_name, token, status) => {
    // Act
    const response = await invoke(page(token()));

    // Assess
    expect(response.statusCode).toBe(status);
    expect(transactions()).toStrictEqual([]);
  });
});

describe('data-rights: erasure', () => {
  it('asks again before erasing', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor(), action: 'erase' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toStrictEqual({ status: 'confirm', action: 'erase-confirmed' });
    expect(transactions()).toStrictEqual([]);
  });

  it('deletes the person’s items and leaves an anonymous tombstone with ParticipantErased', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor(), action: 'erase-confirmed' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toStrictEqual({ status: 'erased' });
    // First the mark (the person stops seeking, and emails name them by role), then the erasure itself.
    const marks = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(marks).toMatchObject([{ Key: participantKey, ConditionExpression: 'attribute_exists(pk)' }]);
    expect(marks[0]?.UpdateExpression).toContain('erasingSince');
    const items = transactions().find((t) => t.some((i) => i.Put?.Item?.sk === erasedKey.sk)) ?? [];
    expect(items.filter((i) => i.Delete).map((i) => i.Delete?.Key)).toStrictEqual([
      participantKey,
      { pk, sk: `RECIPIENT#${id}` },
    ]);
    const tombstone = items.find((i) => i.Put?.Item?.sk === erasedKey.sk)?.Put;
    expect(tombstone?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(JSON.stringify(tombstone)).not.toContain(person.email);
    expect(JSON.stringify(tombstone)).not.toContain(person.name);
    const event = items.find((i) => i.Put?.Item?.sk === 'EVENT')?.Put?.Item;
    expect(event?.detailType).toBe('ParticipantErased');
    expect(JSON.parse(event?.detail)).toMatchObject({ participantId: id, programId: person.programId });
  });

  it('is a success that changes nothing when the person was already erased', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey }).resolves({});
    ddb
      .on(GetCommand, { Key: erasedKey })
      .resolves({ Item: { ...erasedKey, tombstone: { role: 'mentee' } } });

    // Act
    const response = await invoke(postJson({ token: tokenFor(), action: 'erase-confirmed' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toStrictEqual({ status: 'already-erased' });
    expect(transactions()).toStrictEqual([]);
  });

  it('refuses an unknown action, naming the field', async () => {
    // Act
    const response = await invoke(postJson({ token: tokenFor(), action: 'everything' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body ?? '').errors[0].pointer).toBe('/action');
    expect(transactions()).toStrictEqual([]);
  });
});
