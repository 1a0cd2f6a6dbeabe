import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/suppress-address/handler';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import {
  BOUNCED_ADDRESS,
  COMPLAINING_ADDRESS,
  complaint,
  permanentBounce,
  transientBounce,
} from '../fixtures/ses-events';
import { lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

// Every line the function can write, at any level, is written and checked for the addresses.
vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const ddb = mockClient(DynamoDBDocumentClient);
const { secrets, serve } = mockSecrets();

const invoke = (event: unknown) =>
  (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-suppress-address'),
  );

const suppressionKey = (address: string) => ({
  pk: `SUPPRESSION#${emailPseudonym(TEST_SECRET, address)}`,
  sk: 'ADDRESS',
});

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
const puts = () => ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
const everythingWritten = () => JSON.stringify([transactions(), puts()]);

/** The addresses, their local parts and domains, in any case. */
const ADDRESS_PARTS = /lovelace|hopper|example\.(org|net)/i;

let output: string[];

beforeEach(() => {
  ddb.reset();
  secrets.reset();
  serve();
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  output = captureOutput({ console: false });
});

describe('suppress-address', () => {
  it('suppresses a hard-bounced address by its pseudonym and announces it with ids only, in one transaction', async () => {
    // Act
    const result = await invoke(permanentBounce());

    // Assess
    expect(result).toStrictEqual({
      outcome: 'suppressed',
      reason: 'bounce',
      suppressed: 1,
      already: 0,
      announced: 1,
    });
    const [items] = transactions();
    expect(items).toHaveLength(2);
    const put = items?.[0]?.Put;
    // The pseudonym of the normalised address: the one signup stored its claim under.
    expect(put?.Item).toMatchObject({
      ...suppressionKey(BOUNCED_ADDRESS.toLowerCase()),
      reason: 'bounce',
      at: '2025-04-02T08:15:00.669Z',
      subType: 'General',
    });
    expect(put?.Item?.pk).toBe(suppressionKey(BOUNCED_ADDRESS).pk);
    expect(put?.ConditionExpression).toBe('attribute_not_exists(pk)');
    const outbox = items?.[1]?.Put?.Item;
    expect(outbox?.detailType).toBe('EmailSuppressed');
    expect(JSON.parse(outbox?.detail)).toMatchObject({
      version: 1,
      orgId: 'riverside-mentors',
      participantId: 'p-1234',
      reason: 'bounce',
    });
    expect(everythingWritten()).not.toMatch(ADDRESS_PARTS);
    expect(output.join('')).toContain('"message":"addresses suppressed"');
    expect(output.join('')).not.toMatch(ADDRESS_PARTS);
  });

  it('suppresses a complained address', async () => {
    await invoke(complaint());
    const [items] = transactions();
    expect(items?.[0]?.Put?.Item).toMatchObject({
      ...suppressionKey(COMPLAINING_ADDRESS),
      reason: 'complaint',
    });
    expect(JSON.parse(items?.[1]?.Put?.Item?.detail).reason).toBe('complaint');
  });

  it('ignores a transient bounce: nothing written, nothing announced', async () => {
    const result = await invoke(transientBounce());
    expect(result).toStrictEqual({ outcome: 'ignored', why: 'transient-bounce' });
    expect(transactions()).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });

  it('ignores a "not-spam" report', async () => {
    await invoke(complaint('not-spam'));
    expect(transactions()).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });

  it('suppresses mail without our tags too, with no event (no organisation to announce it to)', async () => {
    // Act
    const result = await invoke(permanentBounce({}));

    // Assess
    expect(result).toMatchObject({ suppressed: 1, announced: 0 });
    expect(transactions()).toHaveLength(0);
    expect(puts()[0]).toMatchObject({
      Item: suppressionKey(BOUNCED_ADDRESS),
      ConditionExpression: 'attribute_not_exists(pk)',
    });
  });

  it('is idempotent: a redelivered bounce finds the address suppressed and writes and announces nothing', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));

    // Act
    const tagged = await invoke(permanentBounce());
    const untagged = await invoke(permanentBounce({}));

    // Assess
    expect(tagged).toMatchObject({ outcome: 'suppressed', suppressed: 0, already: 1, announced: 0 });
    expect(untagged).toMatchObject({ suppressed: 0, already: 1 });
  });

  it('fails (for a retry) when the table fails, and says so without the address', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(new Error('Service unavailable'));

    // Act
    const attempt = invoke(permanentBounce());

    // Assess
    await expect(attempt).rejects.toThrow('Service unavailable');
    expect(output.join('')).not.toMatch(ADDRESS_PARTS);
  });

  it('refuses an event that is not an SES bounce or complaint, naming bad fields but no address', async () => {
    // Prepare
    const event = permanentBounce();
    const bad = { ...event, detail: { ...event.detail, bounce: { ...event.detail.bounce, bounceType: 7 } } };

    // Act
    const attempt = invoke(bad);

    // Assess
    await expect(attempt).rejects.toThrow(
      /not an SES bounce or complaint \(bad fields: detail\.bounce\.bounceType\)/,
    );
    await attempt.catch((error: Error) => expect(error.message).not.toMatch(ADDRESS_PARTS));
    expect(output.join('')).not.toMatch(ADDRESS_PARTS);
    expect(output.join('')).toContain('detail.bounce.bounceType');
    expect(transactions()).toHaveLength(0);
    expect(puts()).toHaveLength(0);
  });
});
