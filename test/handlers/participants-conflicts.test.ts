import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as createSignup } from '../../functions/create-signup/handler';
import { handler as verifyParticipant } from '../../functions/verify-participant/handler';
import { issueToken } from '../../shared/adapters/tokens';
import { minimalSignup, ORG_ID, organisation, participant, REQUEST_TIME } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';

/**
 * DynamoDB cancels, rather than queues, a transaction that touches an item another transaction is writing
 * (reason TransactionConflict). The participant store runs such a transaction again, a few times.
 */

const TABLE = 'kindred-test';
const SECRET = 'kindred-test-signing-secret-4f9a';
const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);

const conflict = () =>
  new TransactionCanceledException({
    message:
      'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None, None]',
    $metadata: {},
    CancellationReasons: [
      { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
      { Code: 'None' },
      { Code: 'None' },
    ],
  });

const conditionFailed = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
  });

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '');

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  secrets.on(GetSecretValueCommand).resolves({ SecretString: SECRET });
  ddb.on(GetCommand).resolves({});
  ddb.on(PutCommand).resolves({});
});

describe('create-signup when its transaction loses a race', () => {
  const signup = () =>
    createSignup(
      httpEvent({
        method: 'POST',
        routeKey: 'POST /v1/orgs/{orgId}/signups',
        path: `/v1/orgs/${ORG_ID}/signups`,
        pathParameters: { orgId: ORG_ID },
        headers: { 'Content-Type': 'application/json' },
        body: minimalSignup,
        now: REQUEST_TIME,
      }),
      lambdaContext('kindred-test-create-signup'),
    ) as Promise<APIGatewayProxyStructuredResultV2>;

  beforeEach(() => {
    ddb
      .on(GetCommand, { TableName: TABLE, Key: { pk: `ORG#${ORG_ID}`, sk: 'ORG' } })
      .resolves({ Item: { pk: `ORG#${ORG_ID}`, sk: 'ORG', ...organisation } });
  });

  it('runs it again and accepts with 202, storing the same participant both times', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejectsOnce(conflict()).resolves({});

    // Act
    const response = await signup();

    // Assess
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({
      status: 'pending-verification',
      message: 'Thanks! Check your email to confirm your signup.',
    });
    const [first, second] = transactions();
    expect(transactions()).toHaveLength(2);

    const participantIds = [first, second].map((items) => ({
      claim: items?.[0]?.Put?.Item?.participantId,
      stored: items?.[1]?.Put?.Item?.participantId,
      announced: JSON.parse(items?.[2]?.Put?.Item?.detail ?? '{}').participantId,
    }));
    const id = participantIds[0]?.stored;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(participantIds).toEqual([
      { claim: id, stored: id, announced: id },
      { claim: id, stored: id, announced: id },
    ]);

    // The retry is the same transaction: same items, same conditions; each outbox item is whole in itself.
    const withoutOutbox = (items: typeof first) => items?.slice(0, 2);
    expect(withoutOutbox(second)).toEqual(withoutOutbox(first));
    for (const items of [first, second]) {
      const outbox = items?.[2]?.Put?.Item;
      expect(outbox?.pk).toBe(`OUTBOX#${outbox?.eventId}`);
      expect(outbox?.detailType).toBe('ParticipantSignedUp');
    }
    expect(second?.[2]?.Put?.Item?.detail).toBe(first?.[2]?.Put?.Item?.detail);

    // A conflict is not a repeated address: no SignupRepeated event.
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('gives up after four attempts with a 503 problem asking for a retry, and no event', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(conflict());

    // Act
    const response = await signup();

    // Assess
    expect(transactions()).toHaveLength(4);
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.headers?.['retry-after']).toBe('1');
    expect(bodyOf(response)).toEqual({
      type: 'urn:kindred:problem:busy',
      title: 'Busy, please retry',
      status: 503,
      detail: 'Please try again in a moment.',
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('treats the address as taken when the retry finds the winner holds it', async () => {
    // Prepare: the other transaction was a signup with the same address
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(conflict())
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: [
            { Code: 'ConditionalCheckFailed', Item: { participantId: { S: 'the-winner' } } },
            { Code: 'None' },
            { Code: 'None' },
          ],
        }),
      );

    // Act
    const response = await signup();

    // Assess
    expect(response.statusCode).toBe(202);
    expect(transactions()).toHaveLength(2);
    const repeated = ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    expect(repeated).toHaveLength(1);
    expect(repeated[0]?.detailType).toBe('SignupRepeated');
    expect(JSON.parse(repeated[0]?.detail).participantId).toBe('the-winner');
  });
});

describe('verify-participant when its transaction loses a race', () => {
  const pending = participant();
  const participantKey = { pk: `ORG#${ORG_ID}`, sk: `PARTICIPANT#${pending.participantId}` };
  const CLICKED = new Date('2025-03-15T07:00:00.000Z');

  const click = () =>
    verifyParticipant(
      httpEvent({
        method: 'GET',
        routeKey: 'GET /v1/verify',
        path: '/v1/verify',
        query: {
          token: issueToken(
            SECRET,
            { purpose: 'verify', orgId: ORG_ID, subject: pending.participantId },
            new Date('2025-03-14T09:26:53.000Z'),
            7 * 24 * 3600,
          ),
        },
        headers: { accept: 'text/html' },
        now: CLICKED,
      }),
      lambdaContext('kindred-test-verify-participant'),
    ) as Promise<APIGatewayProxyStructuredResultV2>;

  beforeEach(() => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'kindred-test/token-signing' })
      .resolves({ SecretString: SECRET });
  });

  it('runs it once more and confirms with 200', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey }).resolves({ Item: { ...participantKey, ...pending } });
    ddb.on(TransactWriteCommand).rejectsOnce(conflict()).resolves({});

    // Act
    const response = await click();

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>Your email is confirmed</title>');
    const [first, second] = transactions();
    expect(transactions()).toHaveLength(2);
    expect(second?.slice(0, 2)).toEqual(first?.slice(0, 2));
    expect(second?.[0]?.Update?.ExpressionAttributeValues?.[':at']).toBe(CLICKED.toISOString());
  });

  it('answers already confirmed when the retry finds a concurrent click won', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: participantKey })
      .resolvesOnce({ Item: { ...participantKey, ...pending } })
      .resolves({
        Item: { ...participantKey, ...pending, status: 'verified', verifiedAt: CLICKED.toISOString() },
      });
    ddb.on(TransactWriteCommand).rejectsOnce(conflict()).rejectsOnce(conditionFailed());

    // Act
    const response = await click();

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('<title>You are already confirmed</title>');
    expect(transactions()).toHaveLength(2);
  });
});
