import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/create-signup/handler';
import { addressPseudonym, DEFAULT_SIGNUP_LIMITS } from '../../shared/http/rate-limit';
import { minimalSignup, ORG_ID, organisation, REQUEST_TIME } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();
const TABLE = 'kindred-test';
const SOURCE_IP = '203.0.113.7';
const ADDRESS_KEY = `RATE#address#${addressPseudonym(TEST_SECRET, SOURCE_IP)}`;
const ORG_KEY = `RATE#organisation#${ORG_ID}`;

const signupEvent = (body: unknown = minimalSignup) =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/orgs/{orgId}/signups',
    path: `/v1/orgs/${ORG_ID}/signups`,
    pathParameters: { orgId: ORG_ID },
    headers: { 'Content-Type': 'application/json', Origin: 'https://riverside.example' },
    body,
    now: REQUEST_TIME,
  });

const invoke = async (event = signupEvent()) =>
  (await handler(event, lambdaContext('kindred-test-create-signup'))) as APIGatewayProxyStructuredResultV2;

const orgKnown = (org: object = organisation) =>
  ddb
    .on(GetCommand, { TableName: TABLE, Key: { pk: `ORG#${ORG_ID}`, sk: 'ORG' } })
    .resolves({ Item: { pk: `ORG#${ORG_ID}`, sk: 'ORG', ...org } });

const overLimit = () =>
  new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

const counterUpdates = () => ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);

const storedOrSent = () => [
  ...ddb.commandCalls(TransactWriteCommand),
  ...ddb.commandCalls(PutCommand),
  ...ddb.commandCalls(DeleteCommand),
];

beforeEach(() => {
  secrets.reset();
  serve();
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

describe('create-signup rate limits', () => {
  it('counts the address (by pseudonym) and then the organisation, in their windows, before the signup is written', async () => {
    // Prepare
    orgKnown();

    // Act
    const response = await invoke();

    // Assess
    expect(response.statusCode).toBe(202);
    const [address, org] = counterUpdates();
    expect(address).toMatchObject({
      TableName: TABLE,
      Key: { pk: ADDRESS_KEY, sk: 'WINDOW#2025-03-14T09:20:00.000Z' },
      ConditionExpression: 'attribute_not_exists(hits) OR hits < :limit',
      ExpressionAttributeValues: {
        ':one': 1,
        ':limit': DEFAULT_SIGNUP_LIMITS.perAddress.limit,
        // The window's end (09:30) and five minutes.
        ':expiresAt': Date.parse('2025-03-14T09:35:00.000Z') / 1000,
      },
    });
    expect(org).toMatchObject({
      Key: { pk: ORG_KEY, sk: 'WINDOW#2025-03-14T09:00:00.000Z' },
      ExpressionAttributeValues: { ':limit': DEFAULT_SIGNUP_LIMITS.perOrganisation.limit },
    });
    // No raw address anywhere in what was written.
    expect(JSON.stringify(ddb.calls().map((c) => c.args[0].input))).not.toContain(SOURCE_IP);
  });

  it('answers 429 problem+json with Retry-After when the address is over its limit, storing nothing', async () => {
    // Prepare
    orgKnown();
    ddb
      .on(UpdateCommand, { Key: { pk: ADDRESS_KEY, sk: 'WINDOW#2025-03-14T09:20:00.000Z' } })
      .rejects(overLimit());

    // Act
    const response = await invoke();

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'retry-after': String(3 * 60 + 7),
      'access-control-allow-origin': 'https://riverside.example',
    });
    expect(JSON.parse(response.body ?? '')).toStrictEqual({
      type: 'urn:kindred:problem:rate-limited',
      title: 'Too many signups',
      status: 429,
      detail: 'Too many signups have come from your network in a short time. Please try again in 4 minutes.',
    });
    expect(storedOrSent()).toHaveLength(0);
    // The organisation's budget is not spent by an address already over its own.
    expect(counterUpdates()).toHaveLength(1);
  });

  it('answers 429 naming the organisation when it is over its limit, storing nothing', async () => {
    // Prepare
    orgKnown();
    ddb
      .on(UpdateCommand, { Key: { pk: ORG_KEY, sk: 'WINDOW#2025-03-14T09:00:00.000Z' } })
      .rejects(overLimit());

    // Act
    const response = await invoke();

    // Assess
    expect(response.statusCode).toBe(429);
    expect(response.headers?.['retry-after']).toBe(String(33 * 60 + 7));
    expect(JSON.parse(response.body ?? '').detail).toMatch(/^This organisation is receiving more signups/);
    expect(storedOrSent()).toHaveLength(0);
  });

  it('counts nothing for bad input or an unknown organisation', async () => {
    // Prepare: the organisation is unknown for the second request.
    orgKnown();

    // Act
    const invalid = await invoke(signupEvent({ ...minimalSignup, role: 'pilot' }));
    const honeypot = await invoke(signupEvent({ ...minimalSignup, website: 'https://spam.example' }));
    ddb.on(GetCommand).resolves({});
    const unknown = await invoke();

    // Assess
    expect([invalid.statusCode, honeypot.statusCode, unknown.statusCode]).toStrictEqual([422, 422, 404]);
    expect(counterUpdates()).toHaveLength(0);
  });

  it('applies the organisation\u2019s own limits', async () => {
    // Prepare
    orgKnown({ ...organisation, signupLimits: { perAddress: 40, perOrganisation: 2000 } });

    // Act
    await invoke();

    // Assess
    expect(counterUpdates().map((u) => u.ExpressionAttributeValues?.[':limit'])).toStrictEqual([40, 2000]);
  });

  it('answers 500, storing nothing, when the counter cannot be written for another reason', async () => {
    // Prepare
    orgKnown();
    ddb.on(UpdateCommand).rejects(Object.assign(new Error('boom'), { name: 'InternalServerError' }));

    // Act
    const response = await invoke();

    // Assess
    expect(response.statusCode).toBe(500);
    expect(storedOrSent()).toHaveLength(0);
  });
});
