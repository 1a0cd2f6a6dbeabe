import { request } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoOrganisations } from '../../infra/local/seed';
import { keys } from '../../shared/data/keys';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoRateLimiter } from '../../shared/data/rate-limits';
import { DEFAULT_SIGNUP_LIMITS } from '../../shared/http/rate-limit';
import { signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * The signup limits through the local runtime: the real per-address limit (5 in 10 minutes) and a small
 * per-organisation one (the real 300 an hour would make this slow). Requests come from different loopback
 * addresses (127.0.0.0/8), which the local HTTP API reports as API Gateway reports `sourceIp`.
 */
const ORG_LIMIT = 8;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('signup rate limits (local runtime)', () => {
  let local: TestRuntime;
  let documents: DynamoDBDocumentClient;
  let table: string;

  beforeAll(async () => {
    local = await startTestRuntime({
      signupLimits: {
        perAddress: DEFAULT_SIGNUP_LIMITS.perAddress,
        perOrganisation: { limit: ORG_LIMIT, windowSeconds: 3600 },
      },
    });
    table = process.env.TABLE_NAME as string;
    documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB }),
    );
    // Organisations of this test only, so each limit is met from a known count.
    const organisations = dynamoOrganisations(documents, table);
    const nonprofit = demoOrganisations.find((org) => org.orgId === 'demo-nonprofit');
    if (!nonprofit) throw new Error('the demo nonprofit is missing');
    for (const orgId of ['limits-address', 'limits-org', 'limits-other']) {
      await organisations.put({ ...nonprofit, orgId });
    }
  });
  afterAll(async () => {
    await local?.stop();
  });

  /** A signup POSTed from one loopback address. */
  const signUpFrom = (address: string, orgId: string, body = signupBody()) =>
    new Promise<Answer & { email: string }>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = request(
        new URL(`/v1/orgs/${orgId}/signups`, local.base),
        {
          method: 'POST',
          localAddress: address,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, email: body.email }),
          );
        },
      );
      req.on('error', reject);
      req.end(data);
    });

  const participantsOf = async (orgId: string) => {
    const { Count } = await documents.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :participant)',
        ExpressionAttributeValues: { ':pk': keys.organisation(orgId).pk, ':participant': 'PARTICIPANT#' },
        Select: 'COUNT',
      }),
    );
    return Count ?? 0;
  };

  const emailedTo = async (addresses: string[]) =>
    (await local.outbox()).filter((e) => addresses.includes(e.to)).length;

  const expectRefused = (answer: Answer, limit: 'address' | 'organisation', windowSeconds: number) => {
    expect(answer.status).toBe(429);
    expect(answer.headers['content-type']).toBe('application/problem+json');
    const retryAfter = Number(answer.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
    expect(JSON.parse(answer.body)).toMatchObject({
      type: 'urn:kindred:problem:rate-limited',
      title: 'Too many signups',
      status: 429,
      detail: expect.stringMatching(limit === 'address' ? /your network/ : /This organisation/),
    });
  };

  it('refuses the 6th signup from one address in 10 minutes, storing and sending nothing; another address is unaffected; it works again after the window', async () => {
    // Prepare
    const accepted = [];
    for (let i = 0; i < DEFAULT_SIGNUP_LIMITS.perAddress.limit; i++) {
      accepted.push(await signUpFrom('127.0.0.1', 'limits-address'));
    }

    // Act
    const refused = await signUpFrom('127.0.0.1', 'limits-address');
    const neighbour = await signUpFrom('127.0.0.2', 'limits-address');

    // Assess
    expect(accepted.map((a) => a.status)).toStrictEqual([202, 202, 202, 202, 202]);
    expectRefused(refused, 'address', 600);
    expect(neighbour.status).toBe(202);
    await local.settle();
    expect(await participantsOf('limits-address')).toBe(6);
    expect(await emailedTo([refused.email])).toBe(0);
    expect(await emailedTo([...accepted, neighbour].map((a) => a.email))).toBe(6);

    // Act: the address's window passes.
    await local.advance(`PT${Number(refused.headers['retry-after'])}S`);
    const later = await signUpFrom('127.0.0.1', 'limits-address');

    // Assess
    expect(later.status).toBe(202);
    await local.settle();
    expect(await participantsOf('limits-address')).toBe(7);
  });

  it('refuses every address once the organisation is over its limit, not another organisation, and works again in the next window', async () => {
    // Prepare: each signup from its own address, so only the organisation's limit counts.
    const accepted = [];
    for (let i = 0; i < ORG_LIMIT; i++) accepted.push(await signUpFrom(`127.0.1.${i + 1}`, 'limits-org'));

    // Act
    const refused = await signUpFrom('127.0.1.100', 'limits-org');
    const elsewhere = await signUpFrom('127.0.1.100', 'limits-other');

    // Assess
    expect(accepted.every((a) => a.status === 202)).toBe(true);
    expectRefused(refused, 'organisation', 3600);
    expect(elsewhere.status).toBe(202);
    await local.settle();
    expect(await participantsOf('limits-org')).toBe(ORG_LIMIT);
    expect(await emailedTo([refused.email])).toBe(0);

    // Act: the organisation's hour passes.
    await local.advance(`PT${Number(refused.headers['retry-after'])}S`);
    const later = await signUpFrom('127.0.1.100', 'limits-org');

    // Assess
    expect(later.status).toBe(202);
  });

  it('lets exactly K of N simultaneous hits through a limit of K on DynamoDB Local', async () => {
    // Prepare
    const limiter = dynamoRateLimiter(documents, table);
    const rule = { limit: 7, windowSeconds: 600 };
    const now = new Date(await local.clockNow());

    // Act
    const decisions = await Promise.all(
      Array.from({ length: 40 }, () => limiter.take('address', 'concurrency-probe', rule, now)),
    );

    // Assess
    expect(decisions.filter((d) => d.allowed)).toHaveLength(7);
    const refused = decisions.filter((d) => !d.allowed);
    expect(refused).toHaveLength(33);
    const windowStart = new Date(Math.floor(now.getTime() / 600_000) * 600_000);
    const { Item } = await documents.send(
      new GetCommand({ TableName: table, Key: keys.rateWindow('address', 'concurrency-probe', windowStart) }),
    );
    // Refused hits add nothing, and the counter expires some minutes after its window.
    expect(Item?.hits).toBe(7);
    expect(Item?.expiresAt).toBe((windowStart.getTime() + 600_000) / 1000 + 300);
    // Another subject is counted on its own.
    expect(await limiter.take('address', 'another-probe', rule, now)).toStrictEqual({ allowed: true });
  });
});
