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
import { handler } from '../../functions/send-milestone-email/handler';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import { verifyToken } from '../../shared/adapters/tokens';
import { UNSUBSCRIBE_LINK_TTL_SECONDS, UNSUBSCRIBE_PURPOSE } from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import { type EventDetail, Milestone } from '../../shared/events/catalogue';
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
// 20:30 in London, 15:30 in New York: outside everyone's quiet hours (21:00–08:00).
const REACHED_AT = '2025-04-01T19:30:05.000Z';
const GROUP = 'grief-circle';

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
const member = participant({
  participantId: '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b',
  programId: GROUP,
  role: 'member',
  status: 'verified',
  email: 'ada.lovelace@example.org',
  name: 'Ada Lovelace',
});

const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const matchKey = { pk, sk: `MATCH#${MATCH_ID}` };
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
  match({
    status: 'ended',
    ended: { at: REACHED_AT, reason, endedBy: 'mentee', rejoining: [] },
  });

/** EventBridge's time for the fact: two seconds after it occurred (the outbox relay put it on the bus). */
const BUS_TIME = new Date(Date.parse(REACHED_AT) + 2000).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The clock when the function handles it: a second after EventBridge's time (see `invoke`). */
const HANDLED_AT = new Date(Date.parse(REACHED_AT) + 3000).toISOString();

const reached = (milestone: EventDetail<'MilestoneReached'>['milestone']) =>
  eventBridgeEvent(
    'MilestoneReached',
    {
      version: 1,
      orgId: ORG_ID,
      occurredAt: REACHED_AT,
      milestone,
      participantIds: [mentor.participantId, mentee.participantId],
      matchId: MATCH_ID,
    } satisfies EventDetail<'MilestoneReached'>,
    { time: BUS_TIME },
  );

const memberReached = (milestone: EventDetail<'MilestoneReached'>['milestone']) =>
  eventBridgeEvent(
    'MilestoneReached',
    {
      version: 1,
      orgId: ORG_ID,
      occurredAt: REACHED_AT,
      milestone,
      participantIds: [member.participantId],
      groupId: GROUP,
    } satisfies EventDetail<'MilestoneReached'>,
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
    lambdaContext('kindred-test-send-milestone-email'),
  );
};

/** The sort key Powertools gives an email's idempotency record: the key prefix and an MD5 of the fact. */
const idempotencySk = (fact: string) =>
  `email#${createHash('md5').update(JSON.stringify(fact)).digest('base64')}`;

const sentEmails = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const textOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Body?.Text?.Data ?? '';
const htmlOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Body?.Html?.Data ?? '';
const subjectOf = (email: SendEmailCommandInput | undefined) => email?.Content?.Simple?.Subject?.Data;
const sentTo = (address: string) => sentEmails().filter((e) => e.Destination?.ToAddresses?.[0] === address);
const deferredItems = () => documents.commandCalls(PutCommand).map((c) => c.args[0].input.Item ?? {});
const recordedNudges = () => documents.commandCalls(UpdateCommand).map((c) => c.args[0].input);

/**
 * Checks that a sent milestone email can be unsubscribed from: the RFC 8058 one-click headers and the footer
 * of both parts carry one link, whose token is signed for this person and the milestones category at the
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
    verifyToken(TEST_SECRET, url.searchParams.get('token') ?? '', UNSUBSCRIBE_PURPOSE, new Date(REACHED_AT)),
  ).toEqual({
    v: 1,
    pur: UNSUBSCRIBE_PURPOSE,
    org: ORG_ID,
    sub: `${person.participantId}:milestones`,
    exp: Math.floor(Date.parse(REACHED_AT) / 1000) + UNSUBSCRIBE_LINK_TTL_SECONDS,
  });
  const footer = `\n\n--\nYou get these emails because you take part in a program on kindred. Unsubscribe or pause: ${link}\n`;
  expect(textOf(email).endsWith(footer)).toBe(true);
  expect(htmlOf(email)).toContain(`<a href="${link}">Unsubscribe or pause</a></p></main>`);
  return link;
};

/** The idempotency records as DynamoDB keeps them (claim: conditional put; completion: update; failure: delete). */
let records: Map<string, Record<string, unknown>>;

let output: string[];
const logLines = () => output.join('').split('\n').filter(Boolean);

beforeEach(() => {
  // Only Date is faked: `invoke` sets the clock, and promises and timers run as they do for real.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(REACHED_AT));
  documents.reset();
  dynamodb.reset();
  ses.reset();
  secrets.reset();
  serve();

  documents.on(GetCommand).resolves({});
  documents.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  documents.on(GetCommand, { Key: matchKey }).resolves({ Item: match() });
  for (const person of [mentor, mentee, member]) {
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

describe('send-milestone-email', () => {
  it('congratulates each of the pair on their first meeting, naming the other', async () => {
    // Act
    await invoke(reached('first-meeting'));

    // Assess
    const emails = sentEmails();
    expect(emails.map((e) => e.Destination)).toEqual([
      { ToAddresses: [mentor.email] },
      { ToAddresses: [mentee.email] },
    ]);
    expect(emails.every((e) => e.FromEmailAddress === 'kindred <no-reply@kindred.test>')).toBe(true);
    const [toMentor, toMentee] = emails;
    expect(subjectOf(toMentor)).toBe('Your first meeting with Sam — well done!');
    expect(textOf(toMentor)).toContain('Hi Priya,\n\nYou and Sam have had your first meeting.');
    expect(subjectOf(toMentee)).toBe('Your first meeting with Priya — well done!');
    expect(textOf(toMentee)).toContain('Hi Sam,');
    expect(htmlOf(toMentee)).toContain('<html lang="en">');
    expect(htmlOf(toMentee)).toContain('Riverside Mentors');
    expect(htmlOf(toMentee)).toContain('#116644');

    // Each is a nudge in the milestones category, so each can be unsubscribed from, by its own person only.
    const links = [expectUnsubscribeLink(toMentor, mentor), expectUnsubscribeLink(toMentee, mentee)];
    expect(new Set(links).size).toBe(2);
    expect(deferredItems()).toEqual([]);
    // Each counts towards its person's frequency cap.
    expect(recordedNudges()).toEqual(
      [mentor, mentee].map((person) => ({
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

  it('claims one email per person, keyed on the match, the milestone and the person', async () => {
    // Act
    await invoke(reached('meetings-3'));

    // Assess
    const claims = dynamodb.commandCalls(PutItemCommand).map((c) => unmarshall(c.args[0].input.Item ?? {}));
    expect(claims.map((c) => [c.pk, c.sk, c.status])).toEqual([
      [
        'IDEMPOTENCY#email',
        idempotencySk(`MilestoneReached:${MATCH_ID}:meetings-3:${mentor.participantId}:milestone:v1`),
        'INPROGRESS',
      ],
      [
        'IDEMPOTENCY#email',
        idempotencySk(`MilestoneReached:${MATCH_ID}:meetings-3:${mentee.participantId}:milestone:v1`),
        'INPROGRESS',
      ],
    ]);
    expect([...records.values()].map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(subjectOf(sentTo(mentee.email)[0])).toBe(
      'Three meetings together — you and Priya are finding your rhythm',
    );
  });

  it('sends nothing new when the event is delivered again, or three times', async () => {
    // Act
    await invoke(reached('meetings-6'));
    await invoke(reached('meetings-6'));
    await invoke(reached('meetings-6'));

    // Assess
    expect(sentEmails()).toHaveLength(2);
  });

  it('sends each milestone its own email: a new milestone is a new fact', async () => {
    // Act
    await invoke(reached('first-meeting'));
    await invoke(reached('meetings-3'));

    // Assess
    expect(sentTo(mentee.email).map(subjectOf)).toEqual([
      'Your first meeting with Priya — well done!',
      'Three meetings together — you and Priya are finding your rhythm',
    ]);
  });

  it.each(Milestone.options)('renders %s, naming it in the subject', async (milestone) => {
    // Act
    const group = milestone.startsWith('sessions-');
    await invoke(group ? memberReached(milestone) : reached(milestone));

    // Assess
    const emails = sentEmails();
    expect(emails).toHaveLength(group ? 1 : 2);
    for (const email of emails) {
      expect(subjectOf(email)?.length).toBeGreaterThan(10);
      expect(textOf(email)).toMatch(/^Hi (Priya|Sam|Ada),\n\n/);
      expect(textOf(email)).not.toContain('undefined');
      if (group) expect(subjectOf(email)).toContain('Grief circle');
    }
  });

  it('keys a group member’s milestone on the group and the member', async () => {
    // Act
    await invoke(memberReached('sessions-5'));

    // Assess
    expect(subjectOf(sentEmails()[0])).toBe('Five sessions with Grief circle');
    expectUnsubscribeLink(sentEmails()[0], member);
    expect(unmarshall(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item ?? {}).sk).toBe(
      idempotencySk(`MilestoneReached:${GROUP}:sessions-5:${member.participantId}:milestone:v1`),
    );
  });

  it('still emails the second person when the first send fails, and the retry sends only the first', async () => {
    // Prepare: SES refuses the mentor's email once.
    let refused = false;
    ses.on(SendEmailCommand).callsFake((input: SendEmailCommandInput) => {
      if (input.Destination?.ToAddresses?.[0] === mentor.email && !refused) {
        refused = true;
        throw Object.assign(new Error('Maximum sending rate exceeded.'), {
          name: 'TooManyRequestsException',
          $metadata: { httpStatusCode: 429 },
        });
      }
      return { MessageId: 'ses-message-ok' };
    });

    // Act
    await expect(invoke(reached('first-meeting'))).rejects.toThrow(
      'SES refused or failed the send: TooManyRequestsException (HTTP 429)',
    );
    expect(sentTo(mentee.email)).toHaveLength(1);
    await invoke(reached('first-meeting'));

    // Assess
    expect(sentTo(mentor.email)).toHaveLength(2);
    expect(sentTo(mentee.email)).toHaveLength(1);
  });

  it('still congratulates the one who remains when the other is gone, calling them by role', async () => {
    // Prepare
    documents.on(GetCommand, { Key: participantKey(mentor.participantId) }).resolves({});

    // Act
    await invoke(reached('first-meeting'));

    // Assess
    expect(sentEmails().map((e) => [e.Destination?.ToAddresses?.[0], subjectOf(e)])).toEqual([
      [mentee.email, 'Your first meeting with your mentor — well done!'],
    ]);
  });

  it('celebrates no progress of a match that has ended', async () => {
    // Prepare
    documents.on(GetCommand, { Key: matchKey }).resolves({ Item: ended('not-a-good-fit') });

    // Act
    await invoke(reached('meetings-3'));
    await invoke(reached('months-3'));

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('celebrates a completed program after the match ended as completed', async () => {
    // Prepare
    documents.on(GetCommand, { Key: matchKey }).resolves({ Item: ended('completed') });

    // Act
    await invoke(reached('program-completed'));

    // Assess
    expect(sentEmails().map(subjectOf)).toEqual([
      "You've completed Youth mentoring — congratulations!",
      "You've completed Youth mentoring — congratulations!",
    ]);
  });

  it('celebrates nothing once a safeguarding concern ended the match', async () => {
    // Prepare
    documents.on(GetCommand, { Key: matchKey }).resolves({ Item: ended('safeguarding-concern') });

    // Act
    for (const milestone of ['first-meeting', 'goal-achieved', 'program-completed'] as const) {
      await invoke(reached(milestone));
    }

    // Assess
    expect(ses.calls()).toHaveLength(0);
  });

  it.each([
    ['the match', matchKey],
    ['the organisation', orgKey],
  ])('sends nothing when %s is gone', async (_, Key) => {
    // Prepare
    documents.on(GetCommand, { Key }).resolves({});

    // Act
    await invoke(reached('first-meeting'));

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('reads the match and both people consistently', async () => {
    // Act
    await invoke(reached('first-meeting'));

    // Assess
    const reads = documents.commandCalls(GetCommand).map((c) => c.args[0].input);
    for (const Key of [
      matchKey,
      participantKey(mentor.participantId),
      participantKey(mentee.participantId),
      recipientKey(mentor.participantId),
      recipientKey(mentee.participantId),
      suppressionKey(mentor.email),
      suppressionKey(mentee.email),
    ]) {
      expect(reads).toContainEqual(expect.objectContaining({ Key, ConsistentRead: true }));
    }
  });

  it('refuses an event whose detail breaks the catalogue, touching nothing', async () => {
    // Act
    const outcome = invoke({
      ...reached('first-meeting'),
      detail: { ...reached('first-meeting').detail, milestone: 'meetings-4' },
    });

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(documents.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });
});

describe('send-milestone-email logging, at DEBUG level', () => {
  const personal = [
    'priya.shah@example.org',
    'sam.okoro@example.org',
    'priya.shah',
    'sam.okoro',
    'priya',
    'shah',
    'sam',
    'okoro',
  ].map((value) => new RegExp(`(^|[^a-z0-9])${value.replace(/\./g, '\\.')}([^a-z0-9]|$)`, 'i'));

  it('writes ids and outcomes, never an address or a name, for sent, repeated and failed emails', async () => {
    // Prepare: the mentee's first send fails with SES's message naming the address.
    let refused = false;
    ses.on(SendEmailCommand).callsFake((input: SendEmailCommandInput) => {
      if (input.Destination?.ToAddresses?.[0] === mentee.email && !refused) {
        refused = true;
        throw Object.assign(
          new Error(
            `Email address is not verified. The following identities failed the check: ${mentee.email}`,
          ),
          { name: 'MessageRejected', $metadata: { httpStatusCode: 400 } },
        );
      }
      return { MessageId: 'ses-message-ok' };
    });

    // Act
    await expect(invoke(reached('first-meeting'))).rejects.toThrow();
    await invoke(reached('first-meeting'));
    await invoke(reached('first-meeting'));

    // Assess
    const lines = logLines();
    // A repeated send answers from its idempotency record, and is logged as sent again: 1 + 2 + 2.
    expect(lines.filter((l) => l.includes('"email handled"') && l.includes('"outcome":"sent"'))).toHaveLength(
      5,
    );
    expect(sentEmails()).toHaveLength(3);
    expect(lines.filter((l) => l.includes('"email not sent"'))).toHaveLength(1);
    expect(
      lines.some(
        (l) => l.includes(MATCH_ID) && l.includes(mentee.participantId) && l.includes('first-meeting'),
      ),
    ).toBe(true);
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
      for (const pattern of personal) expect(line, line).not.toMatch(pattern);
    }
    // The detector itself would catch what the emails carry.
    const carried = sentEmails()
      .map((e) => JSON.stringify(e))
      .join('\n');
    expect(personal.filter((p) => p.test(carried))).toHaveLength(personal.length);
  });
});
