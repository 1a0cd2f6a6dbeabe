import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/send-feedback-request/handler';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import { verifyToken } from '../../shared/adapters/tokens';
import type { StoredMeeting } from '../../shared/data/meetings';
import {
  FEEDBACK_LINK_TTL_SECONDS,
  FEEDBACK_PURPOSE,
  linkSubject,
  UNSUBSCRIBE_LINK_TTL_SECONDS,
  UNSUBSCRIBE_PURPOSE,
} from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import type { EventDetail } from '../../shared/events/catalogue';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const documents = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const { secrets, serve } = mockSecrets();

const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const MEETING_ID = `${MATCH_ID}-2`;
// 19:30 in London, 14:30 in New York: outside both people's quiet hours (21:00–08:00).
const LOGGED_AT = '2025-04-01T18:30:05.000Z';

const mentor = participant({
  participantId: 'b7e0c6a2-4d1f-4c8e-9a3b-5f6e7d8c9b0a',
  role: 'mentor',
  status: 'verified',
  email: 'Priya.Shah@Example.org',
  name: 'Priya Shah',
  timezone: 'Europe/London',
});
const mentee = participant({
  participantId: '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d',
  role: 'mentee',
  status: 'verified',
  email: 'sam.okoro@example.org',
  name: 'Sam Okoro',
  timezone: 'America/New_York',
});

const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const matchKey = { pk, sk: `MATCH#${MATCH_ID}` };
const meetingKey = { pk, sk: `MEETING#${MEETING_ID}` };
const participantKey = (id: string) => ({ pk, sk: `PARTICIPANT#${id}` });
const recipientKey = (id: string) => ({ pk, sk: `RECIPIENT#${id}` });
const suppressionKey = (email: string) => ({
  pk: `SUPPRESSION#${emailPseudonym(TEST_SECRET, email)}`,
  sk: 'ADDRESS',
});

const match = (overrides: Partial<Match> = {}) => ({
  ...matchKey,
  orgId: ORG_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  mentorId: mentor.participantId,
  menteeId: mentee.participantId,
  status: 'active',
  score: 80,
  madeBy: 'rolling',
  createdAt: '2025-03-01T09:00:00.000Z',
  ...overrides,
});

const ended = (reason: NonNullable<Match['ended']>['reason']) =>
  match({ status: 'ended', ended: { at: LOGGED_AT, reason, endedBy: 'coordinator', rejoining: [] } });

const meeting = (overrides: Partial<StoredMeeting> = {}) => ({
  ...meetingKey,
  orgId: ORG_ID,
  meetingId: MEETING_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  seq: 2,
  startsAt: '2025-04-01T17:00:00.000Z',
  durationMinutes: 60,
  sequence: 0,
  status: 'held',
  loggedBy: mentee.participantId,
  loggedAt: LOGGED_AT,
  ...overrides,
});

/** EventBridge's time for the fact: two seconds after it occurred (the outbox relay put it on the bus). */
const BUS_TIME = new Date(Date.parse(LOGGED_AT) + 2000).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The clock when the function handles it: a second after EventBridge's time (see `invoke`). */
const HANDLED_AT = new Date(Date.parse(LOGGED_AT) + 3000).toISOString();

const logged = (overrides: Partial<EventDetail<'MeetingLogged'>> = {}) =>
  eventBridgeEvent(
    'MeetingLogged',
    {
      version: 1,
      orgId: ORG_ID,
      occurredAt: LOGGED_AT,
      meetingId: MEETING_ID,
      matchId: MATCH_ID,
      participantId: mentee.participantId,
      status: 'held',
      ...overrides,
    } satisfies EventDetail<'MeetingLogged'>,
    { time: BUS_TIME },
  );

/**
 * Runs the function a second after the event's EventBridge time, as Lambda would: the nudge policy reads
 * that clock (quiet hours, the cap), so every test decides at a known moment, not at the real time of day.
 */
const invoke = (event: unknown) => {
  vi.setSystemTime(Date.parse((event as { time: string }).time) + 1000);
  return (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-send-feedback-request'),
  );
};

const idempotencySk = (fact: string) =>
  `email#${createHash('md5').update(JSON.stringify(fact)).digest('base64')}`;

const sentEmails = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const textOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Body?.Text?.Data ?? '';
const htmlOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Body?.Html?.Data ?? '';
const subjectOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Subject?.Data;
const sentTo = (address: string) => sentEmails().filter((e) => e.Destination?.ToAddresses?.[0] === address);
const links = (text: string) =>
  [...text.matchAll(/(https:\/\/api\.kindred\.test\/v1\/feedback\?token=\S+&rating=\d)/g)].map(
    (m) => m[1] ?? '',
  );

/**
 * Checks that a sent feedback request can be unsubscribed from: the RFC 8058 one-click headers and the footer
 * of both parts carry one link, whose token is signed for this person and the feedback category at the
 * fact's time.
 */
const expectUnsubscribeLink = (
  email: SendEmailCommandInput | undefined,
  person: { participantId: string },
) => {
  const headers = email?.Content?.Simple?.Headers ?? [];
  const link = /^<(.+)>$/.exec(headers.find((h) => h.Name === 'List-Unsubscribe')?.Value ?? '')?.[1] ?? '';
  expect(headers).toEqual([
    { Name: 'List-Unsubscribe', Value: `<${link}>` },
    { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
  ]);
  const url = new URL(link);
  expect(`${url.origin}${url.pathname}`).toBe('https://api.kindred.test/v1/unsubscribe');
  expect(
    verifyToken(TEST_SECRET, url.searchParams.get('token') ?? '', UNSUBSCRIBE_PURPOSE, new Date(LOGGED_AT)),
  ).toEqual({
    v: 1,
    pur: UNSUBSCRIBE_PURPOSE,
    org: ORG_ID,
    sub: `${person.participantId}:feedback`,
    exp: Math.floor(Date.parse(LOGGED_AT) / 1000) + UNSUBSCRIBE_LINK_TTL_SECONDS,
  });
  const footer = `\n\n--\nYou get these emails because you take part in a program on kindred. Unsubscribe or pause: ${link}\n`;
  expect(textOf(email).endsWith(footer)).toBe(true);
  expect(htmlOf(email)).toContain(`<a href="${link}">Unsubscribe or pause</a></p></main>`);
  return link;
};

let records: Map<string, Record<string, unknown>>;
let output: string[];
const logLines = () => output.join('').split('\n').filter(Boolean);

beforeEach(() => {
  // Only Date is faked: `invoke` sets the clock, and promises and timers run as they do for real.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(LOGGED_AT));
  documents.reset();
  dynamodb.reset();
  ses.reset();
  secrets.reset();
  serve();

  documents.on(GetCommand).resolves({});
  documents.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  documents.on(GetCommand, { Key: matchKey }).resolves({ Item: match() });
  documents.on(GetCommand, { Key: meetingKey }).resolves({ Item: meeting() });
  for (const person of [mentor, mentee]) {
    const Key = participantKey(person.participantId);
    documents.on(GetCommand, { Key }).resolves({ Item: { ...Key, ...person } });
    // No preferences stored yet and the address not suppressed: every nudge may go.
    documents.on(GetCommand, { Key: recipientKey(person.participantId) }).resolves({});
    documents.on(GetCommand, { Key: suppressionKey(person.email) }).resolves({});
  }
  documents.on(UpdateCommand).resolves({});
  documents.on(PutCommand).resolves({});

  records = new Map();
  dynamodb.on(PutItemCommand).callsFake((input) => {
    const item = unmarshall(input.Item);
    const existing = records.get(item.sk);
    if (existing) {
      throw new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall(existing),
      });
    }
    records.set(item.sk, item);
    return {};
  });
  dynamodb.on(UpdateItemCommand).callsFake((input) => {
    const { sk } = unmarshall(input.Key);
    const values = unmarshall(input.ExpressionAttributeValues);
    records.set(sk, {
      ...records.get(sk),
      status: values[':status'],
      data: values[':response_data'],
      expiresAt: values[':expiry'],
    });
    return {};
  });
  dynamodb.on(DeleteItemCommand).callsFake((input) => {
    records.delete(unmarshall(input.Key).sk);
    return {};
  });
  let sent = 0;
  ses.on(SendEmailCommand).callsFake(() => ({ MessageId: `ses-message-${++sent}` }));

  output = captureOutput();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('send-feedback-request', () => {
  it('asks each of the pair how the meeting with the other went, with five one-click ratings', async () => {
    // Act
    await invoke(logged());

    // Assess
    const emails = sentEmails();
    expect(emails.map((e) => [e.Destination?.ToAddresses?.[0], subjectOf(e)])).toEqual([
      [mentee.email, 'How was your meeting with Priya?'],
      [mentor.email, 'How was your meeting with Sam?'],
    ]);
    // Each in the reader's own zone.
    expect(textOf(sentTo(mentee.email)[0])).toContain(
      'You and Priya met on Tuesday 1 April, 13:00 (America/New York).',
    );
    expect(textOf(sentTo(mentor.email)[0])).toContain(
      'You and Sam met on Tuesday 1 April, 18:00 (Europe/London).',
    );
    expect(textOf(sentTo(mentee.email)[0])).toContain('not to Priya');

    // Each is a nudge in the feedback category: it can be unsubscribed from, by its own person only, and it
    // counts towards that person's frequency cap.
    const unsubscribeLinks = [
      expectUnsubscribeLink(sentTo(mentee.email)[0], mentee),
      expectUnsubscribeLink(sentTo(mentor.email)[0], mentor),
    ];
    expect(new Set(unsubscribeLinks).size).toBe(2);
    expect(documents.commandCalls(PutCommand)).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual(
      [mentee, mentor].map((person) => ({
        TableName: 'kindred-test',
        Key: recipientKey(person.participantId),
        UpdateExpression:
          'SET recentNudges = :nudges, nudgeVersion = :next, orgId = :org, participantId = :id',
        ConditionExpression: 'attribute_not_exists(nudgeVersion)',
        ExpressionAttributeValues: {
          ':nudges': [HANDLED_AT],
          ':next': 1,
          ':org': ORG_ID,
          ':id': person.participantId,
        },
      })),
    );
  });

  it('signs each person’s links for the meeting and that person, valid 30 days from the meeting’s log', async () => {
    // Act
    await invoke(logged());

    // Assess
    for (const person of [mentee, mentor]) {
      const found = links(textOf(sentTo(person.email)[0]));
      expect(found.map((url) => new URL(url).searchParams.get('rating'))).toEqual(['1', '2', '3', '4', '5']);
      for (const url of found) {
        const token = new URL(url).searchParams.get('token') ?? '';
        const claims = verifyToken(TEST_SECRET, token, FEEDBACK_PURPOSE, new Date(LOGGED_AT));
        expect(claims).toMatchObject({
          org: ORG_ID,
          sub: linkSubject(MEETING_ID, person.participantId),
          exp: Math.floor(Date.parse(LOGGED_AT) / 1000) + FEEDBACK_LINK_TTL_SECONDS,
        });
      }
    }
  });

  it('claims one email per person and meeting, so three deliveries ask each person once', async () => {
    // Act
    await invoke(logged());
    await invoke(logged());
    await invoke(logged({ participantId: mentor.participantId }));

    // Assess
    expect(sentEmails()).toHaveLength(2);
    const claims = dynamodb
      .commandCalls(PutItemCommand)
      .map((c) => unmarshall(c.args[0].input.Item ?? {}).sk);
    expect(new Set(claims)).toEqual(
      new Set([
        idempotencySk(`MeetingLogged:${MEETING_ID}:${mentee.participantId}:feedback-request:v1`),
        idempotencySk(`MeetingLogged:${MEETING_ID}:${mentor.participantId}:feedback-request:v1`),
      ]),
    );
  });

  it('asks after a completed match’s last meeting', async () => {
    // Prepare
    documents.on(GetCommand, { Key: matchKey }).resolves({ Item: ended('completed') });

    // Act
    await invoke(logged());

    // Assess
    expect(sentEmails()).toHaveLength(2);
  });

  it.each([
    ['a skipped meeting', () => invoke(logged({ status: 'skipped' }))],
    ['a group session', () => invoke(logged({ matchId: undefined, groupId: 'grief-circle' }))],
    [
      'a match that ended for a safeguarding concern',
      () => {
        documents.on(GetCommand, { Key: matchKey }).resolves({ Item: ended('safeguarding-concern') });
        return invoke(logged());
      },
    ],
    [
      'a match that ended as not a good fit',
      () => {
        documents.on(GetCommand, { Key: matchKey }).resolves({ Item: ended('not-a-good-fit') });
        return invoke(logged());
      },
    ],
    [
      'a meeting not held in the store',
      () => {
        documents.on(GetCommand, { Key: meetingKey }).resolves({ Item: meeting({ status: 'cancelled' }) });
        return invoke(logged());
      },
    ],
    [
      'a pair with someone gone',
      () => {
        documents.on(GetCommand, { Key: participantKey(mentor.participantId) }).resolves({});
        return invoke(logged());
      },
    ],
  ])('asks nothing about %s', async (_, act) => {
    // Act
    await act();

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('logs ids and outcomes, never an address or a name', async () => {
    // Act
    await invoke(logged());

    // Assess
    const lines = logLines();
    expect(lines.filter((l) => l.includes('"email handled"') && l.includes('"outcome":"sent"'))).toHaveLength(
      2,
    );
    const logs = lines.join('\n');
    for (const secret of [mentee.email, mentor.email, 'Sam', 'Priya']) expect(logs).not.toContain(secret);
    expect(logs).not.toMatch(/token=/);
  });

  it('refuses an event whose detail breaks the catalogue, touching nothing', async () => {
    // Act
    const outcome = invoke(logged({ status: 'maybe' as 'held' }));

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(documents.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });
});
