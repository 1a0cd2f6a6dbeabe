import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/send-deferred-email/handler';
import { foldId } from '../../shared/data/digests';
import { matchMadeEmail } from '../../shared/email/match-templates';
import type { EventDetail } from '../../shared/events/catalogue';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';
import { mockSecrets } from '../helpers/secrets';

/**
 * send-deferred-email: an email that waited for the morning finds its person at the frequency cap, so it is
 * folded into their digest (one transaction: the digest and the ledger of folded emails), not sent; delivered
 * again, it is not folded twice.
 */

const documents = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const { secrets, serve } = mockSecrets();

const DEFERRAL = '3f1c2b9e5d4a4e8b9c7d1a2b3c4d5e6f0a1b2c3d';
const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
// 09:00 in London (BST), Wednesday 4 June 2025.
const DUE_AT = '2025-06-04T08:00:00.000Z';
const KEY = `MatchMade:${MATCH_ID}:mentor:match-made:v1`;

const mentor = participant({
  participantId: 'b7e0c6a2-4d1f-4c8e-9a3b-5f6e7d8c9b0a',
  role: 'mentor',
  status: 'verified',
  email: 'noor.haddad@example.org',
  name: 'Noor Haddad',
});
const pk = `ORG#${ORG_ID}`;
const ledgerKey = { pk, sk: `RECIPIENT#${mentor.participantId}#DIGESTS` };
const rematch = 'https://api.kindred.test/v1/rematch?token=abc';

const nudgeDue = eventBridgeEvent(
  'NudgeDue',
  {
    version: 1,
    orgId: ORG_ID,
    occurredAt: DUE_AT,
    participantId: mentor.participantId,
    deferralId: DEFERRAL,
  } satisfies EventDetail<'NudgeDue'>,
  { time: '2025-06-04T08:00:00Z' },
);

const invoke = () => {
  vi.setSystemTime(Date.parse(nudgeDue.time) + 1000);
  return (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    nudgeDue,
    lambdaContext('kindred-test-send-deferred-email'),
  );
};

let ledger: Record<string, unknown> | undefined;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  documents.reset();
  dynamodb.reset();
  ses.reset();
  secrets.reset();
  serve();
  ledger = undefined;
  documents.on(GetCommand).resolves({});
  documents.on(GetCommand, { Key: { pk, sk: 'ORG' } }).resolves({ Item: organisation });
  documents
    .on(GetCommand, { Key: { pk, sk: `PARTICIPANT#${mentor.participantId}` } })
    .resolves({ Item: mentor });
  documents
    .on(GetCommand, { Key: { pk, sk: `MATCH#${MATCH_ID}` } })
    .resolves({ Item: { matchId: MATCH_ID, status: 'active' } });
  documents.on(GetCommand, { Key: { pk, sk: `DEFERRED#${DEFERRAL}` } }).resolves({
    Item: {
      orgId: ORG_ID,
      participantId: mentor.participantId,
      category: 'match',
      issuedAt: '2025-06-03T23:00:00.000Z',
      requires: { activeMatch: MATCH_ID },
      email: {
        key: KEY,
        to: mentor.email,
        content: matchMadeEmail.render({
          brand: { orgName: organisation.name },
          role: 'mentor',
          firstName: 'Noor',
          other: { firstName: 'Bea', email: 'bea@example.org' },
          reasons: [],
          rematchLink: rematch,
        }),
      },
    },
  });
  // Three nudges since Monday: the cap is full until Monday 9 June, 10:00 UTC.
  documents.on(GetCommand, { Key: { pk, sk: `RECIPIENT#${mentor.participantId}` } }).resolves({
    Item: {
      recentNudges: ['2025-06-02T10:00:00.000Z', '2025-06-02T11:00:00.000Z', '2025-06-03T12:00:00.000Z'],
      nudgeVersion: 3,
    },
  });
  documents.on(GetCommand, { Key: ledgerKey }).callsFake(() => ({ Item: ledger }));
  documents.on(TransactWriteCommand).callsFake((input) => {
    const update = input.TransactItems[1].Update;
    ledger = {
      version: update.ExpressionAttributeValues[':next'],
      folded: update.ExpressionAttributeValues[':folded'],
    };
    return {};
  });
  documents.on(UpdateCommand).resolves({});
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('send-deferred-email at the frequency cap', () => {
  it('folds the email into a new digest due when the cap has room, keeping its subject and links', async () => {
    // Act
    expect(await invoke()).toBe('folded');

    // Assess: nothing sent or counted
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    const [write] = documents.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems);
    const id = foldId(KEY);
    const digest = write?.[0]?.Put;
    expect(digest?.ConditionExpression).toBe('attribute_not_exists(pk)');
    expect(digest?.Item).toMatchObject({
      pk,
      sk: expect.stringMatching(new RegExp(`^RECIPIENT#${mentor.participantId}#DIGEST#[0-9a-f]{40}$`)),
      status: 'open',
      duePk: 'DUE#2025-06-09T10',
      dueKind: 'digest-due',
      entries: {
        [id]: {
          key: KEY,
          category: 'match',
          subject: 'You have a new mentee: Bea',
          actions: [{ lead: 'Not the right match?', label: 'Ask for a new one', url: rematch }],
          requires: { activeMatch: MATCH_ID },
          foldedAt: '2025-06-04T08:00:01.000Z',
        },
      },
    });
    // No address and no rendered body in the digest: the digest reads the person when it is sent.
    expect(JSON.stringify(digest?.Item)).not.toContain(mentor.email);
    expect(write?.[1]?.Update).toMatchObject({
      Key: ledgerKey,
      ConditionExpression: 'attribute_not_exists(version)',
      ExpressionAttributeValues: expect.objectContaining({ ':folded': { [id]: '2025-06-04T08:00:01.000Z' } }),
    });
  });

  it('does not fold it twice when the NudgeDue is delivered again', async () => {
    // Act
    await invoke();
    await invoke();

    // Assess
    expect(documents.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(ses.calls()).toHaveLength(0);
  });
});
