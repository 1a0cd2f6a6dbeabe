import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/send-digest/handler';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import type { DigestEntry } from '../../shared/data/digests';
import type { EventDetail } from '../../shared/events/catalogue';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

/**
 * send-digest: a due digest of capped nudges goes out once, as one email of the entries still wanted, after
 * the person's slot under the cap was taken; a redelivery finds it finished; at night it waits.
 */

const documents = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const { secrets, serve } = mockSecrets();

const DIGEST_ID = '9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b';
const ENDED_MATCH = 'dead0000-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
// 11:00 in London (BST): outside quiet hours.
const DUE_AT = '2025-06-09T10:00:00.000Z';

const mentor = participant({
  participantId: 'b7e0c6a2-4d1f-4c8e-9a3b-5f6e7d8c9b0a',
  role: 'mentor',
  status: 'verified',
  email: 'noor.haddad@example.org',
  name: 'Noor Haddad',
});

const pk = `ORG#${ORG_ID}`;
const digestKey = { pk, sk: `RECIPIENT#${mentor.participantId}#DIGEST#${DIGEST_ID}` };
const ledgerKey = { pk, sk: `RECIPIENT#${mentor.participantId}#DIGESTS` };
const recipientKey = { pk, sk: `RECIPIENT#${mentor.participantId}` };

const entry = (key: string, overrides: Partial<DigestEntry> = {}): DigestEntry => ({
  key,
  category: 'match',
  subject: `You have a new mentee: ${key}`,
  actions: [
    {
      lead: 'Not the right match?',
      label: 'Ask for a new one',
      url: `https://api.kindred.test/v1/rematch?token=${key}`,
    },
  ],
  foldedAt: '2025-06-03T12:00:00.000Z',
  ...overrides,
});

const digestItem = (status = 'open') => ({
  ...digestKey,
  orgId: ORG_ID,
  participantId: mentor.participantId,
  digestId: DIGEST_ID,
  status,
  createdAt: '2025-06-03T12:00:00.000Z',
  dueAt: DUE_AT,
  entries: {
    a: entry('MatchMade:m-bea:mentor:match-made:v1'),
    b: entry('MatchMade:m-cem:mentor:match-made:v1', { requires: { activeMatch: ENDED_MATCH } }),
    c: entry('MatchMade:m-dan:mentor:match-made:v1', { foldedAt: '2025-06-04T12:00:00.000Z' }),
  },
});

const due = (occurredAt = DUE_AT) =>
  eventBridgeEvent(
    'DigestDue',
    {
      version: 1,
      orgId: ORG_ID,
      occurredAt,
      participantId: mentor.participantId,
      digestId: DIGEST_ID,
    } satisfies EventDetail<'DigestDue'>,
    { time: occurredAt.replace(/\.\d{3}Z$/, 'Z') },
  );

const invoke = (event: unknown) => {
  vi.setSystemTime(Date.parse((event as { time: string }).time) + 1000);
  return (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-send-digest'),
  );
};

const idempotencySk = (fact: string) =>
  `email#${createHash('md5').update(JSON.stringify(fact)).digest('base64')}`;
const sentEmails = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const textOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Body?.Text?.Data ?? '';

let stored: Record<string, unknown>;
let records: Map<string, Record<string, unknown>>;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  documents.reset();
  dynamodb.reset();
  ses.reset();
  secrets.reset();
  serve();

  stored = digestItem();
  documents.on(GetCommand).resolves({});
  documents.on(GetCommand, { Key: digestKey }).callsFake(() => ({ Item: stored }));
  documents
    .on(GetCommand, { Key: ledgerKey })
    .resolves({ Item: { ...ledgerKey, version: 3, openDigestId: DIGEST_ID, folded: {} } });
  documents.on(GetCommand, { Key: { pk, sk: 'ORG' } }).resolves({ Item: { pk, sk: 'ORG', ...organisation } });
  documents
    .on(GetCommand, { Key: { pk, sk: `PARTICIPANT#${mentor.participantId}` } })
    .resolves({ Item: mentor });
  documents
    .on(GetCommand, { Key: { pk, sk: `MATCH#${ENDED_MATCH}` } })
    .resolves({ Item: { matchId: ENDED_MATCH, status: 'ended' } });
  // Three nudges in the week before; the oldest has just left it.
  documents.on(GetCommand, { Key: recipientKey }).resolves({
    Item: {
      ...recipientKey,
      recentNudges: ['2025-06-02T10:00:00.000Z', '2025-06-02T11:00:00.000Z', '2025-06-02T12:00:00.000Z'],
      nudgeVersion: 3,
    },
  });
  documents.on(TransactWriteCommand).callsFake(() => {
    stored = { ...stored, status: 'closed' };
    return {};
  });
  documents.on(UpdateCommand).resolves({});

  records = new Map();
  // One folded email went out on its own meanwhile: its idempotency record is complete.
  const alreadySent = idempotencySk('MatchMade:m-dan:mentor:match-made:v1');
  dynamodb.on(GetItemCommand).callsFake((input) => {
    const { sk } = unmarshall(input.Key);
    return sk === alreadySent
      ? { Item: marshall({ pk: 'IDEMPOTENCY#email', sk, status: 'COMPLETED', expiresAt: 4_000_000_000 }) }
      : {};
  });
  dynamodb.on(PutItemCommand).callsFake((input) => {
    const item = unmarshall(input.Item);
    if (records.has(item.sk)) {
      throw new ConditionalCheckFailedException({
        message: 'failed',
        $metadata: {},
        Item: marshall(records.get(item.sk)),
      });
    }
    records.set(item.sk, item);
    return {};
  });
  dynamodb.on(UpdateItemCommand).resolves({});
  dynamodb.on(DeleteItemCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-digest-1' });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('send-digest', () => {
  it('sends one email of the entries still wanted, after taking the slot under the cap, and finishes it', async () => {
    // Act
    await invoke(due());

    // Assess: one email, listing the one entry still wanted
    const emails = sentEmails();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.Destination).toEqual({ ToAddresses: [mentor.email] });
    expect(email?.Content?.Simple?.Subject?.Data).toBe('Riverside Mentors: one email we held back for you');
    expect(textOf(email)).toContain('Hi Noor,');
    expect(textOf(email)).toContain(
      '- You have a new mentee: MatchMade:m-bea:mentor:match-made:v1\n\nNot the right match? Ask for a new one: https://api.kindred.test/v1/rematch?token=MatchMade:m-bea:mentor:match-made:v1',
    );
    expect(textOf(email)).not.toContain('m-cem'); // its match ended
    expect(textOf(email)).not.toContain('m-dan'); // it went out on its own
    expect(email?.Content?.Simple?.Headers?.map((h) => h.Name)).toEqual([
      'List-Unsubscribe',
      'List-Unsubscribe-Post',
    ]);
    // Claimed once under the digest's own key.
    expect(unmarshall(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item ?? {}).sk).toBe(
      idempotencySk(`DigestDue:${mentor.participantId}:${DIGEST_ID}:digest:v1`),
    );
    // The slot was taken (conditionally, on the version read) before the send; then the digest finished.
    const [claim, finish] = documents.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(claim).toMatchObject({
      Key: recipientKey,
      ConditionExpression: 'nudgeVersion = :version',
      ExpressionAttributeValues: {
        ':nudges': ['2025-06-02T11:00:00.000Z', '2025-06-02T12:00:00.000Z', '2025-06-09T10:00:01.000Z'],
        ':version': 3,
        ':next': 4,
      },
    });
    expect(finish).toMatchObject({
      Key: digestKey,
      UpdateExpression: expect.stringContaining('REMOVE entries'),
      ExpressionAttributeValues: expect.objectContaining({ ':status': 'sent' }),
    });
    // Frozen before it was read for sending: later folds start a new digest.
    const [close] = documents.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems);
    expect(close?.[0]?.Update).toMatchObject({ Key: digestKey, ConditionExpression: '#status = :open' });
    expect(close?.[1]?.Update).toMatchObject({
      Key: ledgerKey,
      UpdateExpression: 'REMOVE openDigestId SET version = :next',
    });
  });

  it('sends nothing more when its DigestDue is delivered again after it went', async () => {
    // Prepare
    stored = { ...digestItem('sent'), entries: undefined };

    // Act
    await invoke(due());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('waits for the morning when it falls due at night: back on the due index, nothing sent or counted', async () => {
    // Act: 23:30 in London
    await invoke(due('2025-06-09T22:30:00.000Z'));

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      expect.objectContaining({
        Key: digestKey,
        ExpressionAttributeValues: expect.objectContaining({
          ':pk': 'DUE#2025-06-10T07',
          ':sk': `2025-06-10T07:00:00.000Z#digest-due#${ORG_ID}#${mentor.participantId}#${DIGEST_ID}`,
          ':kind': 'digest-due',
        }),
      }),
    ]);
  });

  it('drops the digest, sending nothing, for a person whose address is suppressed', async () => {
    // Prepare
    documents
      .on(GetCommand, {
        Key: { pk: `SUPPRESSION#${emailPseudonym(TEST_SECRET, mentor.email)}`, sk: 'ADDRESS' },
      })
      .resolves({ Item: { reason: 'bounce', at: DUE_AT } });

    // Act
    await invoke(due());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(
      documents.commandCalls(UpdateCommand).map((c) => c.args[0].input.ExpressionAttributeValues),
    ).toEqual([expect.objectContaining({ ':status': 'dropped' })]);
  });

  it('refuses an event whose detail breaks the catalogue, touching nothing', async () => {
    await expect(invoke({ ...due(), detail: { ...due().detail, digestId: 'Not An Id' } })).rejects.toThrow();
    expect(documents.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });
});
