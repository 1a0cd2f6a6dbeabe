import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/verify-participant/handler';
import { issueToken } from '../../shared/adapters/tokens';
import { ORG_ID, participant } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { claimSortKey } from '../helpers/secrets';

const TABLE = 'kindred-test';
const SECRET = 'kindred-test-signing-secret-4f9a';
const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);

const CLICKED = new Date('2025-03-15T07:00:00.000Z');
const pending = participant();
const participantKey = { pk: `ORG#${ORG_ID}`, sk: `PARTICIPANT#${pending.participantId}` };
const stored = (overrides: object = {}) => ({
  ...participantKey,
  lookupPk: `ORG#${ORG_ID}#PARTICIPANTS`,
  lookupSk: `pending#${pending.createdAt}#${pending.participantId}`,
  expiresAt: 1_742_500_000,
  ...pending,
  ...overrides,
});

const tokenFor = (options: { issued?: Date; ttl?: number; purpose?: string; secret?: string } = {}) =>
  issueToken(
    options.secret ?? SECRET,
    { purpose: options.purpose ?? 'verify', orgId: ORG_ID, subject: pending.participantId },
    options.issued ?? new Date('2025-03-14T09:26:53.000Z'),
    options.ttl ?? 7 * 24 * 3600,
  );

const verifyEvent = (
  query: Record<string, string> | undefined,
  accept = 'text/html,application/xhtml+xml;q=0.9',
) =>
  httpEvent({
    method: 'GET',
    routeKey: 'GET /v1/verify',
    path: '/v1/verify',
    ...(query ? { query } : {}),
    headers: { accept },
    now: CLICKED,
  });

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(
    event,
    lambdaContext('kindred-test-verify-participant'),
  )) as APIGatewayProxyStructuredResultV2;

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  secrets
    .on(GetSecretValueCommand, { SecretId: 'kindred-test/token-signing' })
    .resolves({ SecretString: SECRET });
  ddb.on(GetCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
});

describe('verify-participant', () => {
  it('finds the claim on the address where the signup stored it, whatever the pseudonym key is now', async () => {
    // Prepare: a participant stored with the sort key of its claim
    ddb
      .on(GetCommand, { Key: participantKey })
      .resolves({ Item: stored({ claimSk: 'EMAIL#stored-at-signup' }) });

    // Act
    const response = await invoke(verifyEvent({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(200);
    const [, claim] = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(claim?.Update?.Key).toEqual({ pk: participantKey.pk, sk: 'EMAIL#stored-at-signup' });
  });

  it('confirms a pending participant with an HTML page and one transaction', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey }).resolves({ Item: stored() });

    // Act
    const response = await invoke(verifyEvent({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    expect(response.body).toContain('<title>Your email is confirmed</title>');

    const transactions = ddb.commandCalls(TransactWriteCommand);
    expect(transactions).toHaveLength(1);
    const [status, claim, pool, outbox] = transactions[0]?.args[0].input.TransactItems ?? [];
    expect(status?.Update).toMatchObject({
      TableName: TABLE,
      Key: participantKey,
      ConditionExpression: '#status = :pending',
      ExpressionAttributeValues: {
        ':verified': 'verified',
        ':pending': 'pending',
        ':at': CLICKED.toISOString(),
        ':lookupSk': `verified#${pending.createdAt}#${pending.participantId}`,
      },
    });
    expect(status?.Update?.UpdateExpression).toContain('REMOVE expiresAt');
    // A mentee enters the matching pool in the same transaction, with no slot taken yet.
    expect(status?.Update?.ExpressionAttributeValues?.[':matching']).toEqual({
      version: 0,
      activeMatchIds: [],
      endedWith: [],
      doNotMatch: [],
      seeking: true,
    });
    expect(pool?.Put?.Item).toMatchObject({
      pk: `ORG#${ORG_ID}`,
      sk: `POOL#${pending.programId}#mentee#${pending.participantId}`,
      participantId: pending.participantId,
      verifiedAt: CLICKED.toISOString(),
    });
    expect(JSON.stringify(pool?.Put?.Item)).not.toContain(pending.email);
    expect(claim?.Update).toMatchObject({
      TableName: TABLE,
      Key: {
        pk: `ORG#${ORG_ID}`,
        sk: claimSortKey(pending.email),
      },
      UpdateExpression: 'REMOVE expiresAt',
      ExpressionAttributeValues: { ':id': pending.participantId },
    });
    expect(outbox?.Put?.Item).toMatchObject({ sk: 'EVENT', detailType: 'ParticipantVerified' });
    expect(JSON.parse(outbox?.Put?.Item?.detail)).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: CLICKED.toISOString(),
      participantId: pending.participantId,
      programId: pending.programId,
      role: pending.role,
    });
  });

  it('answers an already verified participant with 200 and writes nothing', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey }).resolves({
      Item: stored({ status: 'verified', verifiedAt: '2025-03-14T10:00:00.000Z' }),
    });

    // Act
    const response = await invoke(verifyEvent({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>You are already confirmed</title>');
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('answers 200 already confirmed when a concurrent click won the race', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: participantKey })
      .resolvesOnce({ Item: stored() })
      .resolves({ Item: stored({ status: 'verified', verifiedAt: CLICKED.toISOString() }) });
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
      }),
    );

    // Act
    const response = await invoke(verifyEvent({ token: tokenFor() }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are already confirmed');
  });

  it('refuses a forged token with 400 problem JSON pointing at /token, without reading the table', async () => {
    // Prepare
    const forged = tokenFor({ secret: 'guessed-secret' });

    // Act
    const response = await invoke(verifyEvent({ token: forged }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body ?? '')).toEqual({
      type: 'urn:kindred:problem:invalid-link',
      title: 'This link is not valid',
      status: 400,
      detail: 'Please use the link exactly as it came in the email.',
      errors: [{ pointer: '/token', detail: 'The token is not genuine' }],
    });
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a malformed token with 400', async () => {
    // Act
    const response = await invoke(verifyEvent({ token: 'not-a-token' }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').errors).toEqual([
      { pointer: '/token', detail: 'The token is malformed' },
    ]);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses a token for another purpose with 400', async () => {
    // Act
    const response = await invoke(
      verifyEvent({ token: tokenFor({ purpose: 'unsubscribe' }) }, 'application/json'),
    );

    // Assess
    expect(response.statusCode).toBe(400);
    expect(ddb.calls()).toHaveLength(0);
  });

  it('refuses an expired link with 410, as an HTML page for a browser', async () => {
    // Prepare: issued eight days before the click, valid for seven.
    const expired = tokenFor({ issued: new Date(CLICKED.getTime() - 8 * 86_400_000) });

    // Act
    const response = await invoke(verifyEvent({ token: expired }));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toContain('<title>This link has expired</title>');
    expect(response.body).toContain('Please sign up again to get a new link.');
    expect(ddb.calls()).toHaveLength(0);
  });

  it('treats a link as expired at the very second it expires, by the time API Gateway received the click', async () => {
    // Prepare: expires exactly at CLICKED.
    const token = tokenFor({ issued: new Date(CLICKED.getTime() - 3600_000), ttl: 3600 });

    // Act
    const response = await invoke(verifyEvent({ token }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      type: 'urn:kindred:problem:link-expired',
      errors: [{ pointer: '/token', detail: 'The token has expired' }],
    });
  });

  it('refuses a request without a token with 400 naming the token parameter', async () => {
    // Act
    const response = await invoke(verifyEvent(undefined, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toMatchObject({
      type: 'urn:kindred:problem:invalid-query',
      errors: [{ pointer: '/token' }],
    });
    expect(ddb.calls()).toHaveLength(0);
    expect(secrets.calls()).toHaveLength(0);
  });

  it('answers 410 when the signup behind a genuine link is gone', async () => {
    // Act
    const response = await invoke(verifyEvent({ token: tokenFor() }, 'application/json'));

    // Assess
    expect(response.statusCode).toBe(410);
    expect(JSON.parse(response.body ?? '').type).toBe('urn:kindred:problem:signup-gone');
    expect(ddb.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      Key: participantKey,
      ConsistentRead: true,
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
