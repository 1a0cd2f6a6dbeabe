import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/create-signup/handler';
import { fullSignup, ORG_ID, organisation, REQUEST_TIME } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';
import { mockSecrets } from '../helpers/secrets';

// The logger reads its level when the handler module loads, and resets to it on every warm invocation:
// set DEBUG before the imports above run, so every line the function can write at any level is written.
vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();

const signupEvent = (body: unknown, orgId = ORG_ID) =>
  httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/orgs/{orgId}/signups',
    path: `/v1/orgs/${orgId}/signups`,
    pathParameters: { orgId },
    headers: { 'content-type': 'application/json' },
    body,
    now: REQUEST_TIME,
  });

const invoke = async (body: unknown, orgId?: string) =>
  (await handler(
    signupEvent(body, orgId),
    lambdaContext('kindred-test-create-signup'),
  )) as APIGatewayProxyStructuredResultV2;

let output: string[];

beforeEach(() => {
  secrets.reset();
  serve();
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb
    .on(GetCommand, { Key: { pk: `ORG#${ORG_ID}`, sk: 'ORG' } })
    .resolves({ Item: { pk: `ORG#${ORG_ID}`, sk: 'ORG', ...organisation } });
  ddb.on(PutCommand).resolves({});

  output = captureOutput();
});

const logLines = () => output.join('').split('\n').filter(Boolean);

/**
 * Every form of the person's details that could leak: the addresses, their local parts and the names, as
 * whole words (request ids are hex and may well contain "ada").
 */
const personal = [
  'ada.lovelace@example.org',
  'grace.hopper@example.org',
  'ada.lovelace',
  'grace.hopper',
  'ada',
  'lovelace',
  'grace',
  'hopper',
].map((value) => new RegExp(`(^|[^a-z0-9])${value.replace(/\./g, '\\.')}([^a-z0-9]|$)`, 'i'));

const expectNoPersonalData = (lines: string[]) => {
  for (const line of lines) {
    for (const pattern of personal) expect(line, line).not.toMatch(pattern);
  }
};

describe('create-signup logging, at DEBUG level', () => {
  it('writes JSON lines with ids and outcomes but no address or name across accepted, repeated, refused and failed signups', async () => {
    // Prepare
    ddb
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'Transaction cancelled, please refer cancellation reasons for specific reasons',
          $metadata: {},
          CancellationReasons: [
            { Code: 'ConditionalCheckFailed', Item: { participantId: { S: 'existing-participant' } } },
            { Code: 'None' },
            { Code: 'None' },
          ],
        }),
      )
      .rejectsOnce(new Error('Service unavailable'));

    // Act
    const statuses = [
      (await invoke(fullSignup)).statusCode,
      (await invoke(fullSignup)).statusCode,
      (await invoke({ ...fullSignup, timezone: 'Mars/Base', isAdmin: true })).statusCode,
      (await invoke(fullSignup, 'unknown-org')).statusCode,
      (await invoke(`{"email":"${fullSignup.email}","name":"Ada`)).statusCode,
      (await invoke({ ...fullSignup, email: 'grace.hopper@example.org', name: 'Grace Hopper' })).statusCode,
    ];

    // Assess
    expect(statuses).toEqual([202, 202, 422, 404, 400, 500]);
    const lines = logLines();
    expect(lines.filter((l) => l.includes('request refused'))).toHaveLength(3);
    expect(lines.filter((l) => l.includes('request failed'))).toHaveLength(1);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expectNoPersonalData(lines);
    // The detector itself would catch the details sent.
    expect(personal.filter((p) => p.test(JSON.stringify(fullSignup)))).toHaveLength(4);
  });
});
