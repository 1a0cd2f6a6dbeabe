import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/unsubscribe/handler';
import { issueToken } from '../../shared/adapters/tokens';
import { unsubscribeLink } from '../../shared/domain/unsubscribe';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

// Every line the function can write, at any level, is written and checked for the person's address.
vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();

const SENT = new Date('2025-04-01T07:00:00.000Z');
const CLICKED = new Date('2025-04-03T18:30:00.000Z');
const person = participant({ status: 'verified', timezone: 'America/Chicago' });
const id = person.participantId;
const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const participantKey = { pk, sk: `PARTICIPANT#${id}` };
const recipientKey = { pk, sk: `RECIPIENT#${id}` };

const link = (category: Parameters<typeof unsubscribeLink>[4] = 'meeting-reminders', secret = TEST_SECRET) =>
  unsubscribeLink(secret, 'https://api.kindred.test', ORG_ID, id, category, SENT);
const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';

const HTML = 'text/html,application/xhtml+xml;q=0.9';

const page = (token: string) =>
  httpEvent({
    method: 'GET',
    routeKey: 'GET /v1/unsubscribe',
    path: '/v1/unsubscribe',
    query: { token },
    headers: { accept: HTML },
    now: CLICKED,
  });

/** What a mail client sends for RFC 8058: a POST to the link itself, the one-click body, no cookies, no accept. */
const oneClick = (token: string, body = 'List-Unsubscribe=One-Click') =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/unsubscribe',
    path: '/v1/unsubscribe',
    query: { token },
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: '*/*' },
    body,
    now: CLICKED,
  });

/** The same, as RFC 8058 says it SHOULD be sent: multipart/form-data (API Gateway hands it over base64-encoded). */
const oneClickMultipart = (token: string) => {
  const boundary = '----kindredBoundary7MA4YWxkTrZu0gW';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
  return httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/unsubscribe',
    path: '/v1/unsubscribe',
    query: { token },
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
    now: CLICKED,
  });
};

const press = (fields: Record<string, string>) =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/unsubscribe',
    path: '/v1/unsubscribe',
    headers: { accept: HTML, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    now: CLICKED,
  });

const postJson = (body: unknown) =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/unsubscribe',
    path: '/v1/unsubscribe',
    headers: { accept: 'application/json', 'content-type': 'application/json' },
    body,
    now: CLICKED,
  });

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(event, lambdaContext('kindred-test-unsubscribe'))) as APIGatewayProxyStructuredResultV2;

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
const updates = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const writes = () =>
  ddb.commandCalls(TransactWriteCommand).length +
  ddb.commandCalls(UpdateCommand).length +
  ddb.commandCalls(PutCommand).length;
const outboxEvents = () =>
  transactions()
    .flat()
    .filter((i) => i.Put?.Item?.sk === 'EVENT')
    .map((i) => ({ detailType: i.Put?.Item?.detailType, detail: JSON.parse(i.Put?.Item?.detail) }));

let output: string[];

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  serve();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  ddb.on(GetCommand, { Key: participantKey }).resolves({ Item: { ...participantKey, ...person } });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});

  output = captureOutput({ console: false });
});

const expectNoAddressLogged = () => {
  expect(output.join('')).toContain('"level":"INFO"');
  expect(output.join('')).not.toMatch(/lovelace|example\.org/i);
};

describe('unsubscribe: RFC 8058 one-click', () => {
  it('unsubscribes from the link’s category at once, answers 200, and announces it in the same transaction', async () => {
    // Act
    const response = await invoke(oneClick(tokenOf(link())));

    // Assess
    expect(response.statusCode).toBe(200);
    const [items] = transactions();
    expect(items).toHaveLength(2);
    const update = items?.[0]?.Update;
    expect(update?.Key).toStrictEqual(recipientKey);
    expect(update?.UpdateExpression).toMatch(/^ADD unsubscribed :scopes\b/);
    expect(update?.ExpressionAttributeValues?.[':scopes']).toStrictEqual(new Set(['meeting-reminders']));
    expect(update?.ConditionExpression).toContain('NOT (contains(unsubscribed, :scope)');
    expect(outboxEvents()).toStrictEqual([
      {
        detailType: 'EmailSuppressed',
        detail: {
          version: 1,
          orgId: ORG_ID,
          occurredAt: CLICKED.toISOString(),
          participantId: id,
          reason: 'unsubscribe',
          category: 'meeting-reminders',
        },
      },
    ]);
    expect(JSON.stringify(transactions())).not.toMatch(/lovelace/i);
    expectNoAddressLogged();
  });

  it('takes the multipart/form-data body RFC 8058 recommends', async () => {
    // Act
    const response = await invoke(oneClickMultipart(tokenOf(link('milestones'))));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(outboxEvents()[0]?.detail).toMatchObject({ reason: 'unsubscribe', category: 'milestones' });
  });

  it('unsubscribes from every nudge from an all link, announced without a category', async () => {
    await invoke(oneClick(tokenOf(link('all'))));
    expect(transactions()[0]?.[0]?.Update?.ExpressionAttributeValues?.[':scopes']).toStrictEqual(
      new Set(['all']),
    );
    expect(outboxEvents()[0]?.detail).not.toHaveProperty('category');
  });

  it('answers 200 again, writing and announcing nothing new, when already unsubscribed', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    // Act
    const response = await invoke(postJson({ token: tokenOf(link()) }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toStrictEqual({
      action: 'unsubscribe',
      scope: 'meeting-reminders',
      changed: false,
    });
  });

  it('retries a transaction that lost a race with another unsubscribe, so neither is lost', async () => {
    // Prepare
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
        }),
      )
      .resolves({});

    // Act
    const response = await invoke(oneClick(tokenOf(link())));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });
});

describe('unsubscribe: the page a link opens', () => {
  it('asks before acting: the category, every nudge, or a pause, with no write', async () => {
    // Act
    const response = await invoke(page(tokenOf(link())));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex',
    });
    const html = response.body ?? '';
    expect(html).toContain('<form method="post" action="/v1/unsubscribe">');
    expect(html).toContain(`<input type="hidden" name="token" value="${tokenOf(link())}">`);
    expect(html).toContain(
      'value="unsubscribe" checked> <label for="choice-0">Unsubscribe from meeting reminders</label>',
    );
    expect(html).toContain('value="unsubscribe-all"');
    expect(html).toContain('<label for="choice-2">Pause all nudges for 4 weeks</label>');
    expect(html).toContain('Riverside Mentors');
    expect(html).toContain('background:#116644');
    expect(writes()).toBe(0);
  });

  it('offers nothing narrower on an all link', async () => {
    const html = (await invoke(page(tokenOf(link('all'))))).body ?? '';
    expect(html).toContain('value="unsubscribe-all" checked>');
    expect(html).not.toContain('value="unsubscribe"');
  });

  it('unsubscribes from every nudge when the person chooses it', async () => {
    // Act
    const response = await invoke(press({ token: tokenOf(link()), action: 'unsubscribe-all' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    expect(transactions()[0]?.[0]?.Update?.ExpressionAttributeValues?.[':scopes']).toStrictEqual(
      new Set(['all']),
    );
  });

  it('pauses every nudge for four weeks, dated in the person’s own zone, with no event', async () => {
    // Act
    const response = await invoke(press({ token: tokenOf(link()), action: 'pause' }));

    // Assess
    expect(response.statusCode).toBe(200);
    const [update] = updates();
    expect(update?.Key).toStrictEqual(recipientKey);
    expect(update?.ExpressionAttributeValues?.[':until']).toBe('2025-05-01T18:30:00.000Z');
    expect(update?.ConditionExpression).toBe('attribute_not_exists(pausedUntil) OR pausedUntil < :until');
    expect(response.body).toMatch(/until Thursday,? 1 May 2025\./);
    expect(transactions()).toHaveLength(0);
  });

  it('says how long an existing, longer pause lasts instead of shortening it', async () => {
    // Prepare
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    ddb
      .on(GetCommand, { Key: recipientKey })
      .resolves({ Item: { ...recipientKey, pausedUntil: '2025-06-01T00:00:00.000Z' } });

    // Act
    const response = await invoke(postJson({ token: tokenOf(link()), action: 'pause', weeks: 2 }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toStrictEqual({
      action: 'pause',
      pausedUntil: '2025-06-01T00:00:00.000Z',
      changed: false,
    });
  });
});

describe('unsubscribe: bad links and bodies record nothing', () => {
  const otherToken = (purpose: string, subject: string, issued = SENT, ttl = 400 * 86_400) =>
    issueToken(TEST_SECRET, { purpose, orgId: ORG_ID, subject }, issued, ttl);

  it.each<[string, number, string, () => ReturnType<typeof httpEvent>]>([
    [
      'a forged token',
      400,
      'invalid-link',
      () => oneClick(tokenOf(link('meeting-reminders', 'another-secret'))),
    ],
    [
      'an altered token',
      400,
      'invalid-link',
      () => oneClick(tokenOf(link()).replace(/^./, (c) => (c === 'e' ? 'f' : 'e'))),
    ],
    [
      'an expired token',
      410,
      'link-expired',
      () => oneClick(otherToken('unsubscribe', `${id}:match`, new Date('2024-01-01'), 86_400)),
    ],
    [
      'a token for another kind of link',
      400,
      'invalid-link',
      () => oneClick(otherToken('rematch', `match-1:${id}`)),
    ],
    [
      'a token for transactional mail',
      400,
      'invalid-link',
      () => oneClick(otherToken('unsubscribe', `${id}:transactional`)),
    ],
    [
      'no token at all',
      400,
      'invalid-link',
      () => ({ ...oneClick('x'), queryStringParameters: undefined, rawQueryString: '' }),
    ],
    [
      'two different tokens',
      400,
      'invalid-link',
      () => ({
        ...oneClick(tokenOf(link())),
        body: `List-Unsubscribe=One-Click&token=${tokenOf(link('all'))}`,
      }),
    ],
    [
      'an unknown field',
      422,
      'invalid-body',
      () => oneClick(tokenOf(link()), 'List-Unsubscribe=One-Click&isAdmin=true'),
    ],
    [
      'a one-click asking for a pause',
      422,
      'invalid-body',
      () => oneClick(tokenOf(link()), 'List-Unsubscribe=One-Click&action=pause'),
    ],
    [
      'a pause of 60 weeks',
      422,
      'invalid-body',
      () => postJson({ token: tokenOf(link()), action: 'pause', weeks: 60 }),
    ],
    ['weeks without a pause', 422, 'invalid-body', () => postJson({ token: tokenOf(link()), weeks: 2 })],
    [
      'another category than the link’s',
      422,
      'invalid-body',
      () => postJson({ token: tokenOf(link()), action: 'nonsense' }),
    ],
    ['an empty body', 400, 'malformed-json', () => oneClick(tokenOf(link()), '')],
    [
      'a broken multipart body',
      400,
      'malformed-body',
      () => ({ ...oneClickMultipart(tokenOf(link())), body: Buffer.from('garbage').toString('base64') }),
    ],
  ])('%s: %i %s problem', async (_label, status, slug, event) => {
    // Act
    const response = await invoke(event());

    // Assess
    expect(response.statusCode).toBe(status);
    expect(JSON.parse(response.body ?? '{}')).toMatchObject({ type: `urn:kindred:problem:${slug}`, status });
    expect(writes()).toBe(0);
  });

  it('a forged link’s page is refused too', async () => {
    const response = await invoke(page(tokenOf(link('match', 'another-secret'))));
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(writes()).toBe(0);
  });

  it('a person who is no longer registered: 404, nothing written', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey }).resolves({});

    // Act
    const response = await invoke(oneClick(tokenOf(link())));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(writes()).toBe(0);
    expectNoAddressLogged();
  });
});
