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
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/send-match-email/handler';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import { verifyToken } from '../../shared/adapters/tokens';
import { deferralId } from '../../shared/data/deferrals';
import {
  linkSubject,
  RELATIONSHIP_LINK_TTL_SECONDS,
  REMATCH_PURPOSE,
  UNSUBSCRIBE_LINK_TTL_SECONDS,
  UNSUBSCRIBE_PURPOSE,
} from '../../shared/domain/links';
import type { Match } from '../../shared/domain/match';
import type { EventDetail } from '../../shared/events/catalogue';
import { prepareProfile, scorePair } from '../../shared/matching/score';
import { defaultMatchingSettings } from '../../shared/matching/settings';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';
import { mockSecrets, TEST_SECRET } from '../helpers/secrets';

// The logger reads its level when the handler module loads: DEBUG, so every line the function can write is
// written, and the logging test sees all of it.
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

// 15:26 and 17:40 in London, 11:26 and 12:40 in New York: outside both people's quiet hours (21:00–08:00).
const MADE_AT = '2025-03-14T15:26:53.000Z';
const ENDED_AT = '2025-09-02T16:40:00.000Z';
const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const WEEK = '2025-03-10';

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

/** The score the matcher stored: a shared experience and interests, and Tuesday evening / afternoon. */
const explanation = scorePair(
  prepareProfile(
    {
      id: mentor.participantId,
      programId: 'youth-mentoring',
      role: 'mentor',
      languages: ['en'],
      timezone: 'Europe/London',
      availability: [{ day: 'tue', from: '18:00', to: '20:00' }],
      interests: ['hiking', 'chess'],
      experiences: ['moving to a new city alone'],
    },
    WEEK,
  ),
  prepareProfile(
    {
      id: mentee.participantId,
      programId: 'youth-mentoring',
      role: 'mentee',
      languages: ['en'],
      timezone: 'America/New_York',
      availability: [{ day: 'tue', from: '13:00', to: '15:00' }],
      interests: ['hiking', 'chess'],
      experiences: ['Moving to a new city alone'],
    },
    WEEK,
  ),
  defaultMatchingSettings,
);

const match = (overrides: Partial<Match> = {}): Match => ({
  orgId: ORG_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  mentorId: mentor.participantId,
  menteeId: mentee.participantId,
  status: 'active',
  score: explanation.score,
  explanation,
  madeBy: 'rolling',
  createdAt: MADE_AT,
  ...overrides,
});

const orgKey = { pk: `ORG#${ORG_ID}`, sk: 'ORG' };
const matchKey = { pk: `ORG#${ORG_ID}`, sk: `MATCH#${MATCH_ID}` };
const participantKey = (id: string) => ({ pk: `ORG#${ORG_ID}`, sk: `PARTICIPANT#${id}` });
const recipientKey = (id: string) => ({ pk: `ORG#${ORG_ID}`, sk: `RECIPIENT#${id}` });
const suppressionKey = (email: string) => ({
  pk: `SUPPRESSION#${emailPseudonym(TEST_SECRET, email)}`,
  sk: 'ADDRESS',
});

/** EventBridge's time for a fact: two seconds after it occurred (the outbox relay put it on the bus). */
const busTime = (occurredAt: string) =>
  new Date(Date.parse(occurredAt) + 2000).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** The clock when the function handles a fact: a second after EventBridge's time (see `invoke`). */
const handledAt = (occurredAt: string) => new Date(Date.parse(occurredAt) + 3000).toISOString();

const matchMade = (occurredAt = MADE_AT) =>
  eventBridgeEvent(
    'MatchMade',
    {
      version: 1,
      orgId: ORG_ID,
      occurredAt,
      matchId: MATCH_ID,
      programId: 'youth-mentoring',
      mentorId: mentor.participantId,
      menteeId: mentee.participantId,
      score: explanation.score,
      reasons: explanation.breakdown.map((b) => ({ criterion: b.criterion, score: b.points })),
    } satisfies EventDetail<'MatchMade'>,
    { time: busTime(occurredAt) },
  );

const matchEnded = (overrides: Partial<EventDetail<'MatchEnded'>> = {}) => {
  const detail = {
    version: 1,
    orgId: ORG_ID,
    occurredAt: ENDED_AT,
    matchId: MATCH_ID,
    programId: 'youth-mentoring',
    mentorId: mentor.participantId,
    menteeId: mentee.participantId,
    reason: 'completed',
    endedBy: 'coordinator',
    rejoining: ['mentor'],
    ...overrides,
  } satisfies EventDetail<'MatchEnded'>;
  return eventBridgeEvent('MatchEnded', detail, { time: busTime(detail.occurredAt) });
};

/**
 * Runs the function a second after the event's EventBridge time, as Lambda would: the nudge policy reads
 * that clock (quiet hours, the cap), so every test decides at a known moment, not at the real time of day.
 */
const invoke = (event: unknown) => {
  vi.setSystemTime(Date.parse((event as { time: string }).time) + 1000);
  return (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-send-match-email'),
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
 * Checks that a sent nudge can be unsubscribed from: the RFC 8058 one-click headers and the footer of both
 * parts carry one link, whose token is signed for this person and category at the fact's time.
 */
const expectUnsubscribeLink = (
  email: SendEmailCommandInput | undefined,
  person: { participantId: string },
  issuedAt: string,
) => {
  const headers = email?.Content?.Simple?.Headers ?? [];
  const link = /^<(.+)>$/.exec(headers.find((h) => h.Name === 'List-Unsubscribe')?.Value ?? '')?.[1] ?? '';
  expect(headers).toEqual([
    { Name: 'List-Unsubscribe', Value: `<${link}>` },
    { Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' },
  ]);
  // Ids only, so SES's bounce or complaint about this email names its organisation and person.
  expect(email?.EmailTags).toEqual([
    { Name: 'kindred-org', Value: ORG_ID },
    { Name: 'kindred-participant', Value: person.participantId },
  ]);
  const url = new URL(link);
  expect(`${url.origin}${url.pathname}`).toBe('https://api.kindred.test/v1/unsubscribe');
  expect(
    verifyToken(TEST_SECRET, url.searchParams.get('token') ?? '', UNSUBSCRIBE_PURPOSE, new Date(issuedAt)),
  ).toEqual({
    v: 1,
    pur: UNSUBSCRIBE_PURPOSE,
    org: ORG_ID,
    sub: `${person.participantId}:match`,
    exp: Math.floor(Date.parse(issuedAt) / 1000) + UNSUBSCRIBE_LINK_TTL_SECONDS,
  });
  const footer = `\n\n--\nYou get these emails because you take part in a program on kindred. Unsubscribe or pause: ${link}\n`;
  expect(textOf(email).endsWith(footer)).toBe(true);
  expect(htmlOf(email)).toContain(`<a href="${link}">Unsubscribe or pause</a></p></main>`);
  return link;
};

/** The rematch link in an email's text part. */
const rematchLinkOf = (email: SendEmailCommandInput | undefined) =>
  /Ask for a new one: (\S+)/.exec(textOf(email))?.[1] ?? '';

/**
 * The idempotency records as DynamoDB keeps them: a claim is a conditional put that fails, returning the
 * record, when one exists; completion updates it; a failed send deletes it.
 */
let records: Map<string, Record<string, unknown>>;

let output: string[];
const logLines = () => output.join('').split('\n').filter(Boolean);

beforeEach(() => {
  // Only Date is faked: `invoke` sets the clock, and promises and timers run as they do for real.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(MADE_AT));
  documents.reset();
  dynamodb.reset();
  ses.reset();
  secrets.reset();
  serve();

  documents.on(GetCommand).resolves({});
  documents.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  documents.on(GetCommand, { Key: matchKey }).resolves({ Item: { ...matchKey, ...match() } });
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

describe('send-match-email: MatchMade', () => {
  it('introduces each person to the other, with the reasons in their own words', async () => {
    // Act
    await invoke(matchMade());

    // Assess
    const emails = sentEmails();
    expect(emails).toHaveLength(2);
    expect(emails.map((e) => e.Destination)).toEqual([
      { ToAddresses: [mentor.email] },
      { ToAddresses: [mentee.email] },
    ]);
    expect(emails.every((e) => e.FromEmailAddress === 'kindred <no-reply@kindred.test>')).toBe(true);
    const [toMentor, toMentee] = emails;

    expect(subjectOf(toMentor)).toBe('You have a new mentee: Sam');
    expect(textOf(toMentor)).toContain('Hi Priya,');
    expect(textOf(toMentor)).toContain(`You can reach Sam at ${mentee.email}.`);
    expect(textOf(toMentor)).toContain('- You both know what moving to a new city alone is like.\n');
    // Each reads the shared time in their own zone: evening in London, afternoon in New York.
    expect(textOf(toMentor)).toContain('- Your weeks overlap on Tuesday evenings.');
    expect(htmlOf(toMentor)).toContain('<li>Your weeks overlap on Tuesday evenings.</li>');

    expect(subjectOf(toMentee)).toBe('You have a mentor: Priya');
    expect(textOf(toMentee)).toContain('Hi Sam,');
    expect(textOf(toMentee)).toContain(`You can reach Priya at ${mentor.email}.`);
    expect(textOf(toMentee)).toContain("- You're both into hiking and chess.");
    expect(textOf(toMentee)).toContain('- Your weeks overlap on Tuesday afternoons.');
    expect(htmlOf(toMentee)).toContain('<li>You&#39;re both into hiking and chess.</li>');
    expect(htmlOf(toMentee)).toContain('<html lang="en">');

    // Each is a nudge in the match category, so each can be unsubscribed from, by its own person only.
    const links = [
      expectUnsubscribeLink(toMentor, mentor, MADE_AT),
      expectUnsubscribeLink(toMentee, mentee, MADE_AT),
    ];
    expect(new Set(links).size).toBe(2);
    expect(deferredItems()).toEqual([]);
  });

  it('records each introduction towards its person’s frequency cap before sending it, so a burst cannot overshoot', async () => {
    // Prepare: note how many nudges were recorded when each email went to SES.
    const recordedBeforeSend: number[] = [];
    ses.on(SendEmailCommand).callsFake(() => {
      recordedBeforeSend.push(recordedNudges().length);
      return { MessageId: 'ses-message-ok' };
    });

    // Act
    await invoke(matchMade());

    // Assess
    expect(recordedNudges()).toEqual(
      [mentor, mentee].map((person) => ({
        TableName: 'kindred-test',
        Key: recipientKey(person.participantId),
        UpdateExpression:
          'SET recentNudges = :nudges, nudgeVersion = :next, orgId = :org, participantId = :id',
        ConditionExpression: 'attribute_not_exists(nudgeVersion)',
        ExpressionAttributeValues: {
          ':nudges': [handledAt(MADE_AT)],
          ':next': 1,
          ':org': ORG_ID,
          ':id': person.participantId,
        },
      })),
    );
    expect(recordedBeforeSend).toEqual([1, 2]);
  });

  it('gives each person a rematch link signed for them and this match, from the event’s time', async () => {
    // Act
    await invoke(matchMade());

    // Assess
    for (const [email, person] of [
      [sentTo(mentor.email)[0], mentor],
      [sentTo(mentee.email)[0], mentee],
    ] as const) {
      const link = new URL(rematchLinkOf(email));
      expect(`${link.origin}${link.pathname}`).toBe('https://api.kindred.test/v1/rematch');
      const token = link.searchParams.get('token') ?? '';
      expect(verifyToken(TEST_SECRET, token, REMATCH_PURPOSE, new Date(MADE_AT))).toEqual({
        v: 1,
        pur: REMATCH_PURPOSE,
        org: ORG_ID,
        sub: linkSubject(MATCH_ID, person.participantId),
        exp: Date.parse(MADE_AT) / 1000 + RELATIONSHIP_LINK_TTL_SECONDS,
      });
      expect(htmlOf(email)).toContain(`href="${link.href}"`);
    }
  });

  it('claims one email per person, keyed on the match and the person', async () => {
    // Act
    await invoke(matchMade());

    // Assess
    const claims = dynamodb.commandCalls(PutItemCommand).map((c) => unmarshall(c.args[0].input.Item ?? {}));
    expect(claims.map((c) => [c.pk, c.sk, c.status])).toEqual([
      [
        'IDEMPOTENCY#email',
        idempotencySk(`MatchMade:${MATCH_ID}:${mentor.participantId}:match-made:v1`),
        'INPROGRESS',
      ],
      [
        'IDEMPOTENCY#email',
        idempotencySk(`MatchMade:${MATCH_ID}:${mentee.participantId}:match-made:v1`),
        'INPROGRESS',
      ],
    ]);
    expect([...records.values()].map((r) => r.status)).toEqual(['COMPLETED', 'COMPLETED']);
  });

  it('sends nothing new when the event is delivered again', async () => {
    // Prepare
    await invoke(matchMade());
    expect(sentEmails()).toHaveLength(2);

    // Act: EventBridge redelivers the fact under another event id.
    await invoke(matchMade());

    // Assess
    expect(sentEmails()).toHaveLength(2);
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(4);
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(2);
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(0);
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
    const first = invoke(matchMade());

    // Assess: the failure is thrown (so EventBridge retries) after the mentee's email went out.
    await expect(first).rejects.toThrow(
      'SES refused or failed the send: TooManyRequestsException (HTTP 429)',
    );
    expect(sentTo(mentee.email)).toHaveLength(1);
    expect(records.has(idempotencySk(`MatchMade:${MATCH_ID}:${mentor.participantId}:match-made:v1`))).toBe(
      false,
    );

    // Act: the retry.
    await invoke(matchMade());

    // Assess
    expect(sentTo(mentor.email)).toHaveLength(2);
    expect(sentTo(mentee.email)).toHaveLength(1);
    expect(textOf(sentTo(mentor.email)[1])).toBe(textOf(sentTo(mentor.email)[0]));
  });

  it('introduces nobody when the match has already ended', async () => {
    // Prepare
    documents.on(GetCommand, { Key: matchKey }).resolves({
      Item: {
        ...matchKey,
        ...match({
          status: 'ended',
          ended: { at: ENDED_AT, reason: 'not-a-good-fit', endedBy: 'mentee', rejoining: ['mentor'] },
        }),
      },
    });

    // Act
    await invoke(matchMade());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it.each([
    ['the match', matchKey],
    ['the mentor', participantKey(mentor.participantId)],
    ['the mentee', participantKey(mentee.participantId)],
    ['the organisation', orgKey],
  ])('sends nothing when %s is gone', async (_, Key) => {
    // Prepare
    documents.on(GetCommand, { Key }).resolves({});

    // Act
    await invoke(matchMade());
    await invoke(matchEnded());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('reads the match and both people consistently', async () => {
    // Act
    await invoke(matchMade());

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
    const outcome = invoke({ ...matchMade(), detail: { ...matchMade().detail, mentorId: 'Not An Id' } });

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(documents.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });
});

describe('send-match-email: MatchEnded', () => {
  it('puts the rejoining mentor back on the list and congratulates the mentee on completing', async () => {
    // Act
    await invoke(matchEnded({ reason: 'completed', rejoining: ['mentor'] }));

    // Assess
    const [toMentor, toMentee] = sentEmails();
    expect(sentEmails()).toHaveLength(2);
    expect(toMentor?.Destination?.ToAddresses).toEqual([mentor.email]);
    expect(subjectOf(toMentor)).toBe('Congratulations on completing your mentoring with Sam');
    expect(textOf(toMentor)).toContain(
      "You're back on the list and we'll introduce you to a new mentee when one fits.",
    );
    expect(toMentee?.Destination?.ToAddresses).toEqual([mentee.email]);
    expect(textOf(toMentee)).toContain('Congratulations: your mentoring with Priya is complete.');
    expect(textOf(toMentee)).not.toContain('back on the list');
    for (const email of [toMentor, toMentee]) expect(textOf(email)).not.toContain('/v1/rematch');
    expectUnsubscribeLink(toMentor, mentor, ENDED_AT);
    expectUnsubscribeLink(toMentee, mentee, ENDED_AT);

    const claims = dynamodb
      .commandCalls(PutItemCommand)
      .map((c) => unmarshall(c.args[0].input.Item ?? {}).sk);
    expect(claims).toEqual([
      idempotencySk(`MatchEnded:${MATCH_ID}:${mentor.participantId}:back-in-pool:v1`),
      idempotencySk(`MatchEnded:${MATCH_ID}:${mentee.participantId}:match-ended:v1`),
    ]);
  });

  it('tells both they are back on the list when both rejoin', async () => {
    // Act
    await invoke(
      matchEnded({ reason: 'schedule-conflict', endedBy: 'mentee', rejoining: ['mentor', 'mentee'] }),
    );

    // Assess
    const [toMentor, toMentee] = sentEmails();
    expect(textOf(toMentor)).toContain('Your match with Sam has ended.');
    expect(textOf(toMentee)).toContain('Your match with Priya has ended, as you asked.');
    expect(textOf(toMentee)).toContain(
      "You're back on the list and we'll email you as soon as we find a new match.",
    );
  });

  it('sends the thank-you to both when the event names nobody rejoining', async () => {
    // Act
    await invoke(matchEnded({ reason: 'inactivity', endedBy: 'system', rejoining: undefined }));

    // Assess
    const claims = dynamodb
      .commandCalls(PutItemCommand)
      .map((c) => unmarshall(c.args[0].input.Item ?? {}).sk);
    expect(claims).toEqual([
      idempotencySk(`MatchEnded:${MATCH_ID}:${mentor.participantId}:match-ended:v1`),
      idempotencySk(`MatchEnded:${MATCH_ID}:${mentee.participantId}:match-ended:v1`),
    ]);
    for (const email of sentEmails()) {
      expect(textOf(email)).toContain("We won't look for a new match for you for now.");
    }
  });

  it('never names a safeguarding concern', async () => {
    // Act
    await invoke(matchEnded({ reason: 'safeguarding-concern', rejoining: [] }));

    // Assess
    expect(sentEmails()).toHaveLength(2);
    for (const email of sentEmails()) {
      expect(textOf(email)).toContain('The program team will be in touch with you soon.');
      expect(JSON.stringify(email.Content)).not.toMatch(/safeguard|concern/i);
    }
  });

  it('sends nothing new when the event is delivered again', async () => {
    // Act
    await invoke(matchEnded());
    await invoke(matchEnded());

    // Assess
    expect(sentEmails()).toHaveLength(2);
  });
});

describe('send-match-email logging, at DEBUG level', () => {
  /** Both people's addresses, their local parts, names and the free text of the reasons, as whole words. */
  const personal = [
    'priya.shah@example.org',
    'sam.okoro@example.org',
    'priya.shah',
    'sam.okoro',
    'priya',
    'shah',
    'sam',
    'okoro',
    'hiking',
    'chess',
    'new city',
  ].map((value) => new RegExp(`(^|[^a-z0-9])${value.replace(/\./g, '\\.')}([^a-z0-9]|$)`, 'i'));

  it('writes ids and outcomes, never an address, a name, a reason or a link, for sent, repeated and failed emails', async () => {
    // Prepare: the mentee's first send fails.
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
    await expect(invoke(matchMade())).rejects.toThrow();
    await invoke(matchMade());
    await invoke(matchEnded({ reason: 'safeguarding-concern', rejoining: [] }));

    // Assess
    const lines = logLines();
    // A repeated send answers from its idempotency record and is logged as sent again: 1 + 2 + 2.
    expect(lines.filter((l) => l.includes('"email handled"') && l.includes('"outcome":"sent"'))).toHaveLength(
      5,
    );
    expect(lines.filter((l) => l.includes('"email not sent"'))).toHaveLength(1);
    expect(lines.some((l) => l.includes(MATCH_ID) && l.includes(mentee.participantId))).toBe(true);
    for (const line of lines) {
      expect(() => JSON.parse(line), line).not.toThrow();
      for (const pattern of personal) expect(line, line).not.toMatch(pattern);
      expect(line).not.toMatch(/token=|safeguard/i);
    }
    // The detector itself would catch what the emails carry.
    const carried = sentEmails()
      .map((e) => JSON.stringify(e))
      .join('\n');
    expect(personal.filter((p) => p.test(carried))).toHaveLength(personal.length);
  });
});

describe('send-match-email: the nudge policy', () => {
  it.each([
    ['the match emails', new Set(['match'])],
    ['every nudge', new Set(['all'])],
  ])(
    'sends nothing to someone unsubscribed from %s, and keeps nothing for later',
    async (_, unsubscribed) => {
      // Prepare: the mentor unsubscribed; the mentee only from another category.
      documents
        .on(GetCommand, { Key: recipientKey(mentor.participantId) })
        .resolves({ Item: { ...recipientKey(mentor.participantId), unsubscribed } });
      documents
        .on(GetCommand, { Key: recipientKey(mentee.participantId) })
        .resolves({ Item: { ...recipientKey(mentee.participantId), unsubscribed: new Set(['milestones']) } });

      // Act
      await invoke(matchMade());

      // Assess
      expect(sentTo(mentor.email)).toEqual([]);
      expect(sentTo(mentee.email)).toHaveLength(1);
      expect(deferredItems()).toEqual([]);
      const claims = dynamodb
        .commandCalls(PutItemCommand)
        .map((c) => unmarshall(c.args[0].input.Item ?? {}).sk);
      expect(claims).toEqual([idempotencySk(`MatchMade:${MATCH_ID}:${mentee.participantId}:match-made:v1`)]);
      expect(recordedNudges().map((u) => u.Key)).toEqual([recipientKey(mentee.participantId)]);
    },
  );

  it('keeps an introduction made in the night for each person’s own morning, sending nothing now', async () => {
    // Prepare: 01:30 in London (GMT) and 21:30 the evening before in New York (EDT): quiet hours for both.
    const NIGHT = '2025-03-15T01:30:00.000Z';

    // Act
    await invoke(matchMade(NIGHT));

    // Assess: nothing sent, claimed or counted towards the cap.
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(recordedNudges()).toEqual([]);

    // Each email waits on the due index for 08:00 in its person's zone.
    const deferred = documents.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(deferred.map((d) => d.TableName)).toEqual(['kindred-test', 'kindred-test']);
    expect(deferred.map((d) => d.Item)).toEqual(
      [
        [mentor, '2025-03-15T08:00:00.000Z', 'You have a new mentee: Sam'] as const,
        [mentee, '2025-03-15T12:00:00.000Z', 'You have a mentor: Priya'] as const,
      ].map(([person, due, subject]) => {
        const key = `MatchMade:${MATCH_ID}:${person.participantId}:match-made:v1`;
        const id = deferralId(key);
        return expect.objectContaining({
          pk: `ORG#${ORG_ID}`,
          sk: `DEFERRED#${id}`,
          orgId: ORG_ID,
          participantId: person.participantId,
          category: 'match',
          issuedAt: NIGHT,
          duePk: `DUE#${due.slice(0, 13)}`,
          dueSk: `${due}#nudge-due#${ORG_ID}#${id}`,
          dueKind: 'nudge-due',
          // The email as rendered; its unsubscribe footer and headers are added when it is sent.
          email: {
            key,
            to: person.email,
            content: expect.objectContaining({
              subject,
              text: expect.not.stringContaining('/v1/unsubscribe'),
              html: expect.not.stringContaining('/v1/unsubscribe'),
            }),
          },
        });
      }),
    );
  });

  it('sends nothing to a suppressed address, and keeps nothing for later', async () => {
    // Prepare: the mentee's address complained.
    documents
      .on(GetCommand, { Key: suppressionKey(mentee.email) })
      .resolves({ Item: { ...suppressionKey(mentee.email), reason: 'complaint', at: MADE_AT } });

    // Act
    await invoke(matchMade());

    // Assess
    expect(sentTo(mentee.email)).toEqual([]);
    expect(sentTo(mentor.email)).toHaveLength(1);
    expect(deferredItems()).toEqual([]);
    expect(recordedNudges().map((u) => u.Key)).toEqual([recipientKey(mentor.participantId)]);
    const claims = dynamodb
      .commandCalls(PutItemCommand)
      .map((c) => unmarshall(c.args[0].input.Item ?? {}).sk);
    expect(claims).toEqual([idempotencySk(`MatchMade:${MATCH_ID}:${mentor.participantId}:match-made:v1`)]);
  });
});
