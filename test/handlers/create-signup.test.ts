import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
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
import { fullSignup, minimalSignup, ORG_ID, organisation, REQUEST_TIME } from '../fixtures/domain';
import { httpEvent, lambdaContext } from '../helpers/events';
import { claimSortKey, mockSecrets } from '../helpers/secrets';

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();
const TABLE = 'kindred-test';

const signupEvent = (body: unknown, options: { orgId?: string; headers?: Record<string, string> } = {}) => {
  const orgId = options.orgId ?? ORG_ID;
  return httpEvent({
    method: 'POST',
    routeKey: 'POST /v1/orgs/{orgId}/signups',
    path: `/v1/orgs/${orgId}/signups`,
    pathParameters: { orgId },
    headers: { 'Content-Type': 'application/json', Origin: 'https://riverside.example', ...options.headers },
    body,
    now: REQUEST_TIME,
  });
};

const invoke = async (event: ReturnType<typeof httpEvent>) =>
  (await handler(event, lambdaContext('kindred-test-create-signup'))) as APIGatewayProxyStructuredResultV2;

const bodyOf = (response: APIGatewayProxyStructuredResultV2) => JSON.parse(response.body ?? '');

/** Every write command sent, of any kind. */
const writes = () => [
  ...ddb.commandCalls(TransactWriteCommand),
  ...ddb.commandCalls(PutCommand),
  ...ddb.commandCalls(UpdateCommand),
  ...ddb.commandCalls(DeleteCommand),
];

const orgKnown = () =>
  ddb
    .on(GetCommand, { TableName: TABLE, Key: { pk: `ORG#${ORG_ID}`, sk: 'ORG' } })
    .resolves({ Item: { pk: `ORG#${ORG_ID}`, sk: 'ORG', ...organisation } });

const transactItems = () => {
  const [call] = ddb.commandCalls(TransactWriteCommand);
  return call?.args[0].input.TransactItems ?? [];
};

beforeEach(() => {
  secrets.reset();
  serve();
  ddb.reset();
  ddb.on(GetCommand).resolves({});
});

describe('create-signup', () => {
  it('accepts a signup with 202 and writes claim, participant and outbox event in one transaction', async () => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const response = await invoke(signupEvent(fullSignup));

    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(bodyOf(response)).toEqual({
      status: 'pending-verification',
      message: 'Thanks! Check your email to confirm your signup.',
    });

    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    const items = transactItems();
    expect(items).toHaveLength(3);
    const [claim, stored, outbox] = items.map((i) => i.Put);

    const participantId = stored?.Item?.participantId as string;
    expect(participantId).toMatch(/^[0-9a-f-]{36}$/);
    const expiresAt = Math.floor(REQUEST_TIME.getTime() / 1000) + 7 * 86_400;

    expect(claim).toMatchObject({
      TableName: TABLE,
      Item: { pk: `ORG#${ORG_ID}`, sk: claimSortKey(fullSignup.email), participantId, expiresAt },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(Object.keys(claim?.Item ?? {}).sort()).toEqual(['expiresAt', 'participantId', 'pk', 'sk']);
    expect(claim?.ConditionExpression).toMatch(/^attribute_not_exists\(pk\)/);

    expect(stored).toMatchObject({
      TableName: TABLE,
      ConditionExpression: 'attribute_not_exists(pk)',
      Item: {
        pk: `ORG#${ORG_ID}`,
        sk: `PARTICIPANT#${participantId}`,
        lookupPk: `ORG#${ORG_ID}#PARTICIPANTS`,
        lookupSk: `pending#${REQUEST_TIME.toISOString()}#${participantId}`,
        orgId: ORG_ID,
        programId: 'youth-mentoring',
        role: 'mentor',
        status: 'pending',
        email: fullSignup.email,
        name: fullSignup.name,
        consent: { version: organisation.consent.version, at: REQUEST_TIME.toISOString() },
        createdAt: REQUEST_TIME.toISOString(),
        expiresAt,
      },
    });

    expect(outbox?.TableName).toBe(TABLE);
    expect(outbox?.Item).toMatchObject({
      sk: 'EVENT',
      detailType: 'ParticipantSignedUp',
      createdAt: REQUEST_TIME.toISOString(),
    });
    expect(outbox?.Item?.pk).toBe(`OUTBOX#${outbox?.Item?.eventId}`);
    expect(JSON.parse(outbox?.Item?.detail as string)).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: REQUEST_TIME.toISOString(),
      participantId,
      programId: 'youth-mentoring',
      role: 'mentor',
    });
    expect(outbox?.Item?.detail).not.toContain(fullSignup.email);
  });

  it('uses the time API Gateway received the request as the signup time', async () => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    await invoke(signupEvent(minimalSignup));

    // Assess
    expect(transactItems()[1]?.Put?.Item?.createdAt).toBe(REQUEST_TIME.toISOString());
  });

  it('accepts a base64-encoded body and a JSON media type with parameters', async () => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).resolves({});
    const event = signupEvent(Buffer.from(JSON.stringify(minimalSignup)).toString('base64'), {
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    event.isBase64Encoded = true;

    // Act
    const response = await invoke(event);

    // Assess
    expect(response.statusCode).toBe(202);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  describe('refuses bad requests and writes nothing', () => {
    // A browser's request names its page's origin, so the organisation is read (for its origins) first.
    beforeEach(() => {
      orgKnown();
    });

    it('400 for malformed JSON', async () => {
      // Act
      const response = await invoke(signupEvent('{"email": "ada@example.org",'));

      // Assess
      expect(response.statusCode).toBe(400);
      expect(response.headers?.['content-type']).toBe('application/problem+json');
      expect(bodyOf(response)).toMatchObject({
        type: 'urn:kindred:problem:malformed-json',
        status: 400,
        errors: [{ pointer: '' }],
      });
      expect(writes()).toHaveLength(0);
    });

    it('400 for an empty body', async () => {
      // Act
      const response = await invoke(signupEvent(''));

      // Assess
      expect(response.statusCode).toBe(400);
      expect(bodyOf(response).detail).toBe('The body is empty');
      expect(writes()).toHaveLength(0);
    });

    it('422 naming each field of the wrong type or value', async () => {
      // Act
      const response = await invoke(
        signupEvent({ ...minimalSignup, email: 42, role: 'coach', consent: 'yes', availability: 'evenings' }),
      );

      // Assess
      expect(response.statusCode).toBe(422);
      const problem = bodyOf(response);
      expect(problem).toMatchObject({ type: 'urn:kindred:problem:invalid-body', status: 422 });
      expect(problem.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
        '/availability',
        '/consent',
        '/email',
        '/role',
      ]);
      expect(writes()).toHaveLength(0);
    });

    it('422 naming an unknown field', async () => {
      // Act
      const response = await invoke(signupEvent({ ...minimalSignup, status: 'verified' }));

      // Assess
      expect(response.statusCode).toBe(422);
      expect(bodyOf(response).errors).toEqual([{ pointer: '/status', detail: 'Unknown field' }]);
      expect(writes()).toHaveLength(0);
    });

    it('413 for a body over 16 KB', async () => {
      // Act
      const response = await invoke(signupEvent({ ...minimalSignup, city: 'x'.repeat(16 * 1024) }));

      // Assess
      expect(response.statusCode).toBe(413);
      expect(bodyOf(response)).toMatchObject({ type: 'urn:kindred:problem:body-too-large', status: 413 });
      expect(writes()).toHaveLength(0);
    });

    it('415 for a body that is not sent as JSON', async () => {
      // Act
      const response = await invoke(
        signupEvent('email=ada%40example.org', {
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      );

      // Assess
      expect(response.statusCode).toBe(415);
      expect(bodyOf(response)).toMatchObject({
        type: 'urn:kindred:problem:unsupported-media-type',
        detail: 'Send Content-Type: application/json, not application/x-www-form-urlencoded',
      });
      expect(writes()).toHaveLength(0);
    });

    it('404 for an orgId that is not an id', async () => {
      // Act
      const response = await invoke(signupEvent(minimalSignup, { orgId: 'Not An Org' }));

      // Assess
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response).errors?.[0]?.pointer).toBe('/orgId');
      expect(ddb.calls()).toHaveLength(0);
    });

    it('404 for an unknown organisation, after only reading', async () => {
      // Act
      const response = await invoke(signupEvent(minimalSignup, { orgId: 'unknown-org' }));

      // Assess
      expect(response.statusCode).toBe(404);
      expect(bodyOf(response)).toMatchObject({
        type: 'urn:kindred:problem:not-found',
        title: 'Organisation not found',
        errors: [{ pointer: '/orgId', detail: 'Unknown organisation' }],
      });
      expect(ddb.commandCalls(GetCommand)).toHaveLength(1);
      expect(ddb.commandCalls(GetCommand)[0]?.args[0].input.Key).toEqual({
        pk: 'ORG#unknown-org',
        sk: 'ORG',
      });
      expect(writes()).toHaveLength(0);
    });

    it('422 naming /programId for a program the organisation does not run', async () => {
      // Prepare
      orgKnown();

      // Act
      const response = await invoke(signupEvent({ ...minimalSignup, programId: 'knitting' }));

      // Assess
      expect(response.statusCode).toBe(422);
      expect(bodyOf(response).errors).toEqual([
        { pointer: '/programId', detail: 'Unknown program at this organisation' },
      ]);
      expect(writes()).toHaveLength(0);
    });
  });

  describe('a repeated address', () => {
    const cancelled = (item?: Record<string, { S: string }>) =>
      new TransactionCanceledException({
        message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]',
        $metadata: {},
        CancellationReasons: [
          { Code: 'ConditionalCheckFailed', ...(item ? { Item: item } : {}) },
          { Code: 'None' },
          { Code: 'None' },
        ],
      });

    it('gets the identical 202 and a SignupRepeated outbox item naming the existing participant', async () => {
      // Prepare
      orgKnown();
      ddb
        .on(TransactWriteCommand)
        .resolvesOnce({})
        .rejectsOnce(cancelled({ participantId: { S: 'existing-participant' } }));
      ddb.on(PutCommand).resolves({});
      const first = await invoke(signupEvent(minimalSignup));

      // Act
      const second = await invoke(
        signupEvent({ ...minimalSignup, email: minimalSignup.email.toUpperCase() }),
      );

      // Assess
      expect(second.statusCode).toBe(202);
      expect(second.body).toBe(first.body);
      expect(second.headers).toEqual(first.headers);

      const puts = ddb.commandCalls(PutCommand);
      expect(puts).toHaveLength(1);
      const item = puts[0]?.args[0].input.Item;
      expect(puts[0]?.args[0].input.TableName).toBe(TABLE);
      expect(item).toMatchObject({ sk: 'EVENT', detailType: 'SignupRepeated' });
      expect(item?.pk).toMatch(/^OUTBOX#/);
      expect(JSON.parse(item?.detail)).toEqual({
        version: 1,
        orgId: ORG_ID,
        occurredAt: REQUEST_TIME.toISOString(),
        programId: organisation.defaultProgramId,
        participantId: 'existing-participant',
      });
    });

    it('reads the claim when the cancellation does not carry the old item', async () => {
      // Prepare
      orgKnown();
      ddb.on(TransactWriteCommand).rejects(cancelled());
      const claimKey = {
        pk: `ORG#${ORG_ID}`,
        sk: claimSortKey(minimalSignup.email),
      };
      ddb
        .on(GetCommand, { Key: claimKey })
        .resolves({ Item: { ...claimKey, participantId: 'holder-of-claim' } });
      ddb.on(PutCommand).resolves({});

      // Act
      const response = await invoke(signupEvent(minimalSignup));

      // Assess
      expect(response.statusCode).toBe(202);
      const claimRead = ddb.commandCalls(GetCommand).find((c) => c.args[0].input.Key?.sk === claimKey.sk);
      expect(claimRead?.args[0].input.ConsistentRead).toBe(true);
      const detail = JSON.parse(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item?.detail);
      expect(detail.participantId).toBe('holder-of-claim');
    });
  });

  it('answers 500 without details when the transaction fails for another reason, and writes no outbox item', async () => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );

    // Act
    const response = await invoke(signupEvent(minimalSignup));

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({
      type: 'urn:kindred:problem:internal',
      title: 'Something went wrong on our side',
      status: 500,
      detail: 'Please try again in a moment.',
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
  });
});

describe('create-signup: the embedded form', () => {
  const ALLOWED = 'https://riverside.example';

  const preflight = (origin: string | undefined, orgId = ORG_ID) =>
    httpEvent({
      method: 'OPTIONS',
      routeKey: 'OPTIONS /v1/orgs/{orgId}/signups',
      path: `/v1/orgs/${orgId}/signups`,
      pathParameters: { orgId },
      headers: {
        ...(origin ? { Origin: origin } : {}),
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      },
      now: REQUEST_TIME,
    });

  it('answers the preflight of an allowed origin with its CORS headers, reading only the organisation', async () => {
    // Prepare
    orgKnown();

    // Act
    const response = await invoke(preflight(ALLOWED));

    // Assess
    expect(response.statusCode).toBe(204);
    expect(response.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      vary: 'Origin',
    });
    expect(writes()).toHaveLength(0);
  });

  it('refuses the preflight of another origin with a 403 problem and no CORS headers', async () => {
    // Prepare
    orgKnown();

    // Act
    const response = await invoke(preflight('https://evil.example'));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.headers?.['access-control-allow-origin']).toBeUndefined();
    expect(bodyOf(response)).toMatchObject({ type: 'urn:kindred:problem:origin-not-allowed', status: 403 });
  });

  it('answers 404 to a preflight for an unknown organisation and 400 to an OPTIONS without an Origin', async () => {
    // Act
    const unknown = await invoke(preflight(ALLOWED, 'unknown-org'));
    const bare = await invoke(preflight(undefined));

    // Assess
    expect(unknown.statusCode).toBe(404);
    expect(bare.statusCode).toBe(400);
    expect(bodyOf(bare).type).toBe('urn:kindred:problem:not-a-preflight');
  });

  it.each([
    ['another site', 'https://evil.example'],
    ['a look-alike host', 'https://riverside.example.evil.example'],
    ['plain http of an allowed https site', 'http://riverside.example'],
    ['an opaque origin', 'null'],
  ])('refuses a signup from %s with 403, storing and sending nothing', async (_what, origin) => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const response = await invoke(signupEvent(minimalSignup, { headers: { Origin: origin } }));

    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.headers?.['content-type']).toBe('application/problem+json');
    expect(response.headers?.['access-control-allow-origin']).toBeUndefined();
    expect(bodyOf(response)).toMatchObject({
      type: 'urn:kindred:problem:origin-not-allowed',
      errors: [{ pointer: '/headers/origin' }],
    });
    expect(writes()).toHaveLength(0);
  });

  it('lets an allowed origin read the answer: 202, and field problems too', async () => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const accepted = await invoke(signupEvent(minimalSignup));
    const refused = await invoke(signupEvent({ ...minimalSignup, email: 'not-an-address' }));

    // Assess
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers).toMatchObject({ 'access-control-allow-origin': ALLOWED, vary: 'Origin' });
    expect(refused.statusCode).toBe(422);
    expect(refused.headers?.['access-control-allow-origin']).toBe(ALLOWED);
    expect(bodyOf(refused).errors).toEqual([{ pointer: '/email', detail: 'a valid email address' }]);
  });

  it('allows the platform\u2019s own origin (the iframe variant) and requests without an Origin (servers)', async () => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const framed = await invoke(
      signupEvent(minimalSignup, { headers: { Origin: 'https://api.kindred.test' } }),
    );
    const server = signupEvent(minimalSignup);
    delete server.headers.origin;
    const direct = await invoke(server);

    // Assess
    expect(framed.statusCode).toBe(202);
    expect(framed.headers?.['access-control-allow-origin']).toBe('https://api.kindred.test');
    expect(direct.statusCode).toBe(202);
    expect(direct.headers?.['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a filled honeypot with a 422 naming it, storing and sending nothing', async () => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const response = await invoke(signupEvent({ ...minimalSignup, website: 'https://cheap-pills.example' }));

    // Assess
    expect(response.statusCode).toBe(422);
    expect(bodyOf(response).errors).toEqual([{ pointer: '/website', detail: 'must be left empty' }]);
    expect(writes()).toHaveLength(0);
  });

  it('accepts an empty honeypot and stores nothing of it', async () => {
    // Prepare
    orgKnown();
    ddb.on(TransactWriteCommand).resolves({});

    // Act
    const response = await invoke(signupEvent({ ...minimalSignup, website: '' }));

    // Assess
    expect(response.statusCode).toBe(202);
    const stored = transactItems().find((item) => item.Put?.Item?.sk?.startsWith('PARTICIPANT#'))?.Put?.Item;
    expect(stored?.name).toBe(minimalSignup.name);
    expect(JSON.stringify(stored)).not.toContain('website');
  });
});
