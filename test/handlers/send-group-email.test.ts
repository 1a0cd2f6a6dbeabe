import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/send-group-email/handler';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import { verifyToken } from '../../shared/adapters/tokens';
import { deferralId } from '../../shared/data/deferrals';
import { UNSUBSCRIBE_LINK_TTL_SECONDS, UNSUBSCRIBE_PURPOSE } from '../../shared/domain/links';
import type { EventDetail } from '../../shared/events/catalogue';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';

const SECRET = 'kindred-test-signing-secret-4f9a';
const documents = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const secrets = mockClient(SecretsManagerClient);

const GROUP = 'grief-circle';
// Noon in London, where the member lives: outside their quiet hours (21:00–08:00).
const OCCURRED = '2025-03-15T12:00:01.250Z';
const person = participant({ programId: GROUP, role: 'member', status: 'verified' });
const id = person.participantId;
const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const participantKey = { pk, sk: `PARTICIPANT#${id}` };
const memberKey = { pk, sk: `GROUP#${GROUP}#MEMBER#${id}` };
const recipientKey = { pk, sk: `RECIPIENT#${id}` };
const suppressionKey = { pk: `SUPPRESSION#${emailPseudonym(SECRET, person.email)}`, sk: 'ADDRESS' };

/** EventBridge's time for a fact: two seconds after it occurred (the outbox relay put it on the bus). */
const busTime = (occurredAt: string) =>
  new Date(Date.parse(occurredAt) + 2000).toISOString().replace(/\.\d{3}Z$/, 'Z');

const joined = (overrides: Partial<EventDetail<'GroupJoined'>> = {}) => {
  const detail = {
    version: 1,
    orgId: ORG_ID,
    occurredAt: OCCURRED,
    groupId: GROUP,
    participantId: id,
    seatsLeft: 3,
    ...overrides,
  } satisfies EventDetail<'GroupJoined'>;
  return eventBridgeEvent('GroupJoined', detail, { time: busTime(detail.occurredAt) });
};

const waitlisted = (overrides: Partial<EventDetail<'GroupWaitlisted'>> = {}) => {
  const detail = {
    version: 1,
    orgId: ORG_ID,
    occurredAt: OCCURRED,
    groupId: GROUP,
    participantId: id,
    position: 3,
    ...overrides,
  } satisfies EventDetail<'GroupWaitlisted'>;
  return eventBridgeEvent('GroupWaitlisted', detail, { time: busTime(detail.occurredAt) });
};

/**
 * Runs the function a second after the event's EventBridge time, as Lambda would: the nudge policy reads
 * that clock (quiet hours, the cap), so every test decides at a known moment, not at the real time of day.
 */
const invoke = (event: unknown) => {
  vi.setSystemTime(Date.parse((event as { time: string }).time) + 1000);
  return (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-send-group-email'),
  );
};

const placed = (place: string) => ({
  Item: { ...memberKey, groupId: GROUP, participantId: id, place, since: OCCURRED },
});

/** The sort key Powertools gives an email's idempotency record: the key prefix and an MD5 of the fact. */
const idempotencySk = (fact: string) =>
  `email#${createHash('md5').update(JSON.stringify(fact)).digest('base64')}`;

const sentEmails = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);
const textOf = (email: ReturnType<typeof sentEmails>[number] | undefined) =>
  email?.Content?.Simple?.Body?.Text?.Data ?? '';
const htmlOf = (email: ReturnType<typeof sentEmails>[number] | undefined) =>
  email?.Content?.Simple?.Body?.Html?.Data ?? '';
const leaveLinkIn = (text: string) => /(https:\/\/\S+\/v1\/groups\/leave\?token=\S+)/.exec(text)?.[1] ?? '';

/**
 * Checks that a sent group email can be unsubscribed from: the RFC 8058 one-click headers and the footer of
 * both parts carry one link, whose token is signed for the member and the groups category at `issuedAt`.
 */
const expectUnsubscribeLink = (
  email: ReturnType<typeof sentEmails>[number] | undefined,
  issuedAt: string,
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
    verifyToken(SECRET, url.searchParams.get('token') ?? '', UNSUBSCRIBE_PURPOSE, new Date(issuedAt)),
  ).toEqual({
    v: 1,
    pur: UNSUBSCRIBE_PURPOSE,
    org: ORG_ID,
    sub: `${id}:groups`,
    exp: Math.floor(Date.parse(issuedAt) / 1000) + UNSUBSCRIBE_LINK_TTL_SECONDS,
  });
  const footer = `\n\n--\nYou get these emails because you take part in a program on kindred. Unsubscribe or pause: ${link}\n`;
  expect(textOf(email).endsWith(footer)).toBe(true);
  expect(htmlOf(email)).toContain(`<a href="${link}">Unsubscribe or pause</a></p></main>`);
  return link;
};

beforeEach(() => {
  // Only Date is faked: `invoke` sets the clock, and promises and timers run as they do for real.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(OCCURRED));
  documents.reset();
  dynamodb.reset();
  ses.reset();
  secrets.reset();
  secrets
    .on(GetSecretValueCommand, { SecretId: 'kindred-test/token-signing' })
    .resolves({ SecretString: SECRET });
  documents.on(GetCommand).resolves({});
  documents.on(GetCommand, { Key: participantKey }).resolves({ Item: { ...participantKey, ...person } });
  documents.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  documents.on(GetCommand, { Key: memberKey }).resolves(placed('seat'));
  // No preferences stored yet and the address not suppressed: every nudge may go.
  documents.on(GetCommand, { Key: recipientKey }).resolves({});
  documents.on(GetCommand, { Key: suppressionKey }).resolves({});
  documents.on(UpdateCommand).resolves({});
  documents.on(PutCommand).resolves({});
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({});
  dynamodb.on(DeleteItemCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('send-group-email', () => {
  it('tells a member they have a seat, in the organisation’s colours, with their own leave link', async () => {
    // Act
    await invoke(joined());

    // Assess
    const emails = sentEmails();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.Destination).toEqual({ ToAddresses: [person.email] });
    expect(email?.FromEmailAddress).toBe('kindred <no-reply@kindred.test>');
    expect(email?.Content?.Simple?.Subject?.Data).toBe('You have a seat in Grief circle');
    const text = textOf(email);
    expect(text).toContain('Hi Ada,');
    expect(text).toContain('Good news: you have a seat in Grief circle.');
    const html = htmlOf(email);
    expect(html).toContain('color:#116644');
    expect(html).toContain('Riverside Mentors');

    const link = new URL(leaveLinkIn(text));
    expect(`${link.origin}${link.pathname}`).toBe('https://api.kindred.test/v1/groups/leave');
    const token = link.searchParams.get('token') ?? '';
    expect(verifyToken(SECRET, token, 'leave-group', new Date(OCCURRED))).toEqual({
      v: 1,
      pur: 'leave-group',
      org: ORG_ID,
      sub: `${GROUP}:${id}`,
      exp: Math.floor(Date.parse(OCCURRED) / 1000) + 400 * 86_400,
    });
    expect(html).toContain(`href="${link.href.replace(/&/g, '&#38;')}"`);

    // A nudge in the groups category: it can be unsubscribed from, and it counts towards the cap.
    expectUnsubscribeLink(email, OCCURRED);
    expect(documents.commandCalls(PutCommand)).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand).map((c) => c.args[0].input)).toEqual([
      {
        TableName: 'kindred-test',
        Key: recipientKey,
        UpdateExpression:
          'SET recentNudges = :nudges, nudgeVersion = :next, orgId = :org, participantId = :id',
        ConditionExpression: 'attribute_not_exists(nudgeVersion)',
        ExpressionAttributeValues: {
          ':nudges': [new Date(Date.parse(busTime(OCCURRED)) + 1000).toISOString()],
          ':next': 1,
          ':org': ORG_ID,
          ':id': id,
        },
      },
    ]);
  });

  it('tells a waiting member their place in line, with a link to leave the waitlist', async () => {
    // Prepare
    documents.on(GetCommand, { Key: memberKey }).resolves(placed('waitlist'));

    // Act
    await invoke(waitlisted({ position: 3 }));

    // Assess
    const [email] = sentEmails();
    expect(email?.Content?.Simple?.Subject?.Data).toBe('You are number 3 on the waitlist for Grief circle');
    expect(textOf(email)).toContain('you are 3rd in line');
    expect(textOf(email)).toContain('Leave the waitlist: https://api.kindred.test/v1/groups/leave?token=');
    expectUnsubscribeLink(email, OCCURRED);
  });

  it('claims each email under its fact, so someone seated again later gets a new email', async () => {
    // Act: a seat, then (after leaving and coming back) another
    await invoke(joined());
    await invoke(joined({ occurredAt: '2025-06-01T12:00:00.000Z' }));

    // Assess
    const claimed = dynamodb
      .commandCalls(PutItemCommand)
      .map((c) => unmarshall(c.args[0].input.Item ?? {}).sk);
    expect(claimed).toEqual([
      idempotencySk(`GroupJoined:${GROUP}:${id}:${OCCURRED}:group-seat:v1`),
      idempotencySk(`GroupJoined:${GROUP}:${id}:2025-06-01T12:00:00.000Z:group-seat:v1`),
    ]);
    expect(sentEmails()).toHaveLength(2);
  });

  it('renders the very same link when a fact is delivered again', async () => {
    // Act
    await invoke(joined());
    await invoke(joined());

    // Assess
    const [first, second] = sentEmails();
    expect(leaveLinkIn(textOf(first))).not.toBe('');
    expect(textOf(second)).toBe(textOf(first));
    expect(second?.Content?.Simple?.Headers).toEqual(first?.Content?.Simple?.Headers);
    expect(expectUnsubscribeLink(second, OCCURRED)).toBe(expectUnsubscribeLink(first, OCCURRED));
  });

  it('keeps a seat email that arrives in the member’s quiet hours for their morning, sending nothing now', async () => {
    // Prepare: 07:00 in London (GMT), an hour before the member's quiet hours end.
    const EARLY = '2025-03-15T07:00:01.250Z';

    // Act
    await invoke(joined({ occurredAt: EARLY }));

    // Assess: nothing sent, claimed or counted towards the cap.
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(documents.commandCalls(UpdateCommand)).toHaveLength(0);
    const key = `GroupJoined:${GROUP}:${id}:${EARLY}:group-seat:v1`;
    const deferral = deferralId(key);
    expect(documents.commandCalls(PutCommand).map((c) => c.args[0].input.Item)).toEqual([
      expect.objectContaining({
        pk,
        sk: `DEFERRED#${deferral}`,
        participantId: id,
        category: 'groups',
        issuedAt: EARLY,
        duePk: 'DUE#2025-03-15T08',
        dueSk: `2025-03-15T08:00:00.000Z#nudge-due#${ORG_ID}#${deferral}`,
        dueKind: 'nudge-due',
        email: {
          key,
          to: person.email,
          content: expect.objectContaining({ subject: 'You have a seat in Grief circle' }),
        },
      }),
    ]);
  });

  it('does not send a second email for a redelivered fact', async () => {
    // Prepare: the first delivery sends; the second finds the completed record.
    const sk = idempotencySk(`GroupJoined:${GROUP}:${id}:${OCCURRED}:group-seat:v1`);
    dynamodb
      .on(PutItemCommand)
      .resolvesOnce({})
      .rejects(
        new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
          Item: marshall({
            pk: 'IDEMPOTENCY#email',
            sk,
            status: 'COMPLETED',
            expiresAt: Math.floor(Date.now() / 1000) + 86_400,
            data: { messageId: 'ses-message-1' },
          }),
        }),
      );

    // Act
    await invoke(joined());
    await invoke(joined());

    // Assess
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    const keys = dynamodb.commandCalls(PutItemCommand).map((c) => unmarshall(c.args[0].input.Item ?? {}).sk);
    expect(keys).toEqual([sk, sk]);
  });

  it('sends nothing for a waitlist place the member has already moved on from', async () => {
    // Prepare: the waitlist email arrives after the seat it waited for
    documents.on(GetCommand, { Key: memberKey }).resolves(placed('seat'));

    // Act
    await invoke(waitlisted());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('sends nothing for a seat the member has already given up', async () => {
    // Prepare
    documents.on(GetCommand, { Key: memberKey }).resolves(placed('left'));

    // Act
    await invoke(joined());

    // Assess
    expect(ses.calls()).toHaveLength(0);
  });

  it.each([
    ['participant', participantKey],
    ['organisation', orgKey],
  ])('sends nothing when the %s is gone', async (_, key) => {
    // Prepare
    documents.on(GetCommand, { Key: key }).resolves({});

    // Act
    await invoke(joined());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('sends nothing when the group is no longer a program of the organisation', async () => {
    // Act
    await invoke(joined({ groupId: 'youth-mentoring' }));

    // Assess
    expect(ses.calls()).toHaveLength(0);
  });

  it('refuses an event whose detail breaks the catalogue, touching nothing', async () => {
    // Act
    const outcome = invoke(waitlisted({ position: 0 }));

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(documents.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });
});
