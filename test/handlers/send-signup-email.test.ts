import { createHash } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/send-signup-email/handler';
import { EMAIL_IDEMPOTENCY_SECONDS } from '../../shared/adapters/email-sender';
import { verifyToken } from '../../shared/adapters/tokens';
import type { EventDetail } from '../../shared/events/catalogue';
import { EVENT_ARCHIVE_RETENTION_DAYS } from '../../shared/events/rules';
import { escapeHtml } from '../../shared/http/html';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';

const TABLE = 'kindred-test';
const SECRET = 'kindred-test-signing-secret-4f9a';
const documents = mockClient(DynamoDBDocumentClient);
const dynamodb = mockClient(DynamoDBClient);
const ses = mockClient(SESv2Client);
const secrets = mockClient(SecretsManagerClient);

const OCCURRED = '2025-03-14T09:26:53.000Z';
const person = participant();
const participantKey = { pk: `ORG#${ORG_ID}`, sk: `PARTICIPANT#${person.participantId}` };
const orgKey = { pk: `ORG#${ORG_ID}`, sk: 'ORG' };

const signedUp = (overrides: Partial<EventDetail<'ParticipantSignedUp'>> = {}) =>
  eventBridgeEvent('ParticipantSignedUp', {
    version: 1,
    orgId: ORG_ID,
    occurredAt: OCCURRED,
    participantId: person.participantId,
    programId: person.programId,
    role: person.role,
    ...overrides,
  } satisfies EventDetail<'ParticipantSignedUp'>);

const repeated = (occurredAt = '2025-03-20T18:04:11.000Z') =>
  eventBridgeEvent('SignupRepeated', {
    version: 1,
    orgId: ORG_ID,
    occurredAt,
    participantId: person.participantId,
    programId: person.programId,
  } satisfies EventDetail<'SignupRepeated'>);

const reminderDue = (occurredAt: string) =>
  eventBridgeEvent('VerificationReminderDue', {
    version: 1,
    orgId: ORG_ID,
    occurredAt,
    participantId: person.participantId,
    programId: person.programId,
  } satisfies EventDetail<'VerificationReminderDue'>);

/** The token of the verification link in an email's text part. */
const linkToken = (email: { Content?: { Simple?: { Body?: { Text?: { Data?: string } } } } } | undefined) => {
  const link = /Confirm your email: (\S+)/.exec(email?.Content?.Simple?.Body?.Text?.Data ?? '')?.[1] ?? '';
  return new URL(link).searchParams.get('token') ?? '';
};

const invoke = (event: unknown) =>
  (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-send-signup-email'),
  );

/** The sort key Powertools gives an email's idempotency record: the key prefix and an MD5 of the fact. */
const idempotencySk = (fact: string) =>
  `email#${createHash('md5').update(JSON.stringify(fact)).digest('base64')}`;

const storedParticipant = (overrides: object = {}) => ({ ...participantKey, ...person, ...overrides });

const sentEmails = () => ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input);

beforeEach(() => {
  documents.reset();
  dynamodb.reset();
  ses.reset();
  secrets.reset();
  secrets
    .on(GetSecretValueCommand, { SecretId: 'kindred-test/token-signing' })
    .resolves({ SecretString: SECRET });
  documents.on(GetCommand).resolves({});
  documents.on(GetCommand, { Key: participantKey }).resolves({ Item: storedParticipant() });
  documents.on(GetCommand, { Key: orgKey }).resolves({ Item: { ...orgKey, ...organisation } });
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({});
  dynamodb.on(DeleteItemCommand).resolves({});
  ses.on(SendEmailCommand).resolves({ MessageId: 'ses-message-1' });
});

describe('send-signup-email', () => {
  it('sends one verification email to the participant with a signed link under PUBLIC_API_URL', async () => {
    // Act
    await invoke(signedUp());

    // Assess
    const emails = sentEmails();
    expect(emails).toHaveLength(1);
    const [email] = emails;
    expect(email?.FromEmailAddress).toBe('kindred <no-reply@kindred.test>');
    expect(email?.Destination).toEqual({ ToAddresses: [person.email] });
    expect(email?.Content?.Simple?.Subject?.Data).toBe('Please confirm your email for Riverside Mentors');

    const text = email?.Content?.Simple?.Body?.Text?.Data ?? '';
    expect(text).toContain('Hi Ada,');
    const link = /Confirm your email: (\S+)/.exec(text)?.[1] ?? '';
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}`).toBe('https://api.kindred.test/v1/verify');
    const token = url.searchParams.get('token') ?? '';
    expect(verifyToken(SECRET, token, 'verify', new Date(OCCURRED))).toEqual({
      v: 1,
      pur: 'verify',
      org: ORG_ID,
      sub: person.participantId,
      exp: Date.parse(OCCURRED) / 1000 + 7 * 86_400,
    });
    expect(email?.Content?.Simple?.Body?.Html?.Data).toContain(`href="${link}"`);
  });

  it('links the verification email, like every email, to the person\u2019s own "Your data" page', async () => {
    await invoke(signedUp());

    const [email] = sentEmails();
    const text = email?.Content?.Simple?.Body?.Text?.Data ?? '';
    const link = /Your data: (\S+)/.exec(text)?.[1] ?? '';
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}`).toBe('https://api.kindred.test/v1/my-data');
    expect(
      verifyToken(SECRET, url.searchParams.get('token') ?? '', 'data-rights', new Date(OCCURRED)),
    ).toMatchObject({
      pur: 'data-rights',
      org: ORG_ID,
      sub: person.participantId,
    });
    expect(email?.Content?.Simple?.Body?.Html?.Data).toContain(`href="${escapeHtml(link)}"`);
    // Transactional: no unsubscribe, which a person cannot opt out of anyway.
    expect(text).not.toContain('Unsubscribe');
  });

  it('claims the email before sending and marks it completed after, keyed on the business fact', async () => {
    // Prepare
    const order: string[] = [];
    dynamodb.on(PutItemCommand).callsFake(() => {
      order.push('claim');
      return {};
    });
    ses.on(SendEmailCommand).callsFake(() => {
      order.push('send');
      return { MessageId: 'ses-message-1' };
    });
    dynamodb.on(UpdateItemCommand).callsFake(() => {
      order.push('complete');
      return {};
    });

    // Act
    await invoke(signedUp());

    // Assess
    const sk = idempotencySk(`ParticipantSignedUp:${person.participantId}:verification:v1`);
    const claims = dynamodb.commandCalls(PutItemCommand);
    expect(claims).toHaveLength(1);
    const claim = claims[0]?.args[0].input;
    expect(claim?.TableName).toBe(TABLE);
    expect(claim?.Item && unmarshall(claim.Item)).toMatchObject({
      pk: 'IDEMPOTENCY#email',
      sk,
      status: 'INPROGRESS',
    });
    expect(claim?.ConditionExpression).toContain('attribute_not_exists(#id)');

    const expiresAt = Number(claim?.Item?.expiresAt?.N);
    // Kept past the bus archive's retention, so a replay of the archive sends nothing twice.
    const keptUntil = Date.now() / 1000 + EMAIL_IDEMPOTENCY_SECONDS;
    expect(Math.abs(expiresAt - keptUntil)).toBeLessThan(60);
    expect(EMAIL_IDEMPOTENCY_SECONDS).toBeGreaterThan(EVENT_ARCHIVE_RETENTION_DAYS * 86_400);

    const completions = dynamodb.commandCalls(UpdateItemCommand);
    expect(completions).toHaveLength(1);
    const completion = completions[0]?.args[0].input;
    expect(completion?.Key && unmarshall(completion.Key)).toEqual({ pk: 'IDEMPOTENCY#email', sk });
    expect(
      completion?.ExpressionAttributeValues && unmarshall(completion.ExpressionAttributeValues),
    ).toMatchObject({
      ':status': 'COMPLETED',
      ':response_data': { messageId: 'ses-message-1' },
    });
    expect(order).toEqual(['claim', 'send', 'complete']);
  });

  it('renders the very same link on a redelivery', async () => {
    // Act
    await invoke(signedUp());
    await invoke(signedUp());

    // Assess
    const [first, second] = sentEmails();
    expect(second?.Content?.Simple?.Body?.Text?.Data).toBe(first?.Content?.Simple?.Body?.Text?.Data);
  });

  it('does not call SES for a second event of the same fact when the email was already sent', async () => {
    // Prepare: the first delivery sends; the second finds the completed record (as DynamoDB returns it).
    const sk = idempotencySk(`ParticipantSignedUp:${person.participantId}:verification:v1`);
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
            expiresAt: Math.floor(Date.now() / 1000) + 7 * 86_400,
            data: { messageId: 'ses-message-1' },
          }),
        }),
      );

    // Act: EventBridge redelivers the fact under another event id.
    await invoke(signedUp());
    await invoke(signedUp());

    // Assess
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(1);
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(0);
    const keys = dynamodb.commandCalls(PutItemCommand).map((c) => unmarshall(c.args[0].input.Item ?? {}).sk);
    expect(keys).toEqual([sk, sk]);
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(1);
  });

  it('fetches the existing record when the failed claim does not return it, and still does not send', async () => {
    // Prepare
    const sk = idempotencySk(`ParticipantSignedUp:${person.participantId}:verification:v1`);
    dynamodb
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    dynamodb.on(GetItemCommand, { Key: marshall({ pk: 'IDEMPOTENCY#email', sk }) }).resolves({
      Item: marshall({
        pk: 'IDEMPOTENCY#email',
        sk,
        status: 'COMPLETED',
        expiresAt: Math.floor(Date.now() / 1000) + 3600,
        data: { messageId: 'ses-message-1' },
      }),
    });

    // Act
    await invoke(signedUp());

    // Assess
    expect(dynamodb.commandCalls(GetItemCommand)).toHaveLength(1);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('fails without sending while another delivery of the same fact is still sending, so it is retried', async () => {
    // Prepare
    const sk = idempotencySk(`ParticipantSignedUp:${person.participantId}:verification:v1`);
    dynamodb.on(PutItemCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: marshall({
          pk: 'IDEMPOTENCY#email',
          sk,
          status: 'INPROGRESS',
          expiresAt: Math.floor(Date.now() / 1000) + 7 * 86_400,
          in_progress_expiration: Date.now() + 60_000,
        }),
      }),
    );

    // Act
    const outcome = invoke(signedUp());

    // Assess
    await expect(outcome).rejects.toThrow(/already an execution in progress/);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('releases the claim when SES fails, so the retry can send', async () => {
    // Prepare
    ses.on(SendEmailCommand).rejects(new Error('Throttling'));

    // Act
    const outcome = invoke(signedUp());

    // Assess
    await expect(outcome).rejects.toThrow();
    const deletes = dynamodb.commandCalls(DeleteItemCommand);
    expect(deletes).toHaveLength(1);
    expect(unmarshall(deletes[0]?.args[0].input.Key ?? {})).toEqual({
      pk: 'IDEMPOTENCY#email',
      sk: idempotencySk(`ParticipantSignedUp:${person.participantId}:verification:v1`),
    });
    expect(dynamodb.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('fails without the recipient address in the error when SES names it', async () => {
    // Prepare: SES's sandbox refusal names the recipient, and Lambda logs and dead-letters error messages
    const refusal = Object.assign(
      new Error(`Email address is not verified. The following identities failed the check: ${person.email}`),
      { name: 'MessageRejected', $metadata: { httpStatusCode: 400 } },
    );
    ses.on(SendEmailCommand).rejects(refusal);

    // Act
    const outcome = invoke(signedUp());

    // Assess
    const error = await outcome.then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.name).toBe('EmailSendError');
    expect(error?.message).toBe('SES refused or failed the send: MessageRejected (HTTP 400)');
    expect(JSON.stringify({ ...error, message: error?.message, stack: error?.stack })).not.toContain(
      person.email,
    );
  });

  it('sends nothing when the participant is gone', async () => {
    // Prepare
    documents.on(GetCommand, { Key: participantKey }).resolves({});

    // Act
    await invoke(signedUp());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(documents.commandCalls(GetCommand)[0]?.args[0].input).toMatchObject({
      Key: participantKey,
      ConsistentRead: true,
    });
  });

  it('sends nothing when the organisation is gone', async () => {
    // Prepare
    documents.on(GetCommand, { Key: orgKey }).resolves({});

    // Act
    await invoke(signedUp());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('sends no verification email to a participant already verified', async () => {
    // Prepare
    documents
      .on(GetCommand, { Key: participantKey })
      .resolves({ Item: storedParticipant({ status: 'verified' }) });

    // Act
    await invoke(signedUp());

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('answers a repeated signup of a verified participant with the already-signed-up email, keyed by day', async () => {
    // Prepare
    documents
      .on(GetCommand, { Key: participantKey })
      .resolves({ Item: storedParticipant({ status: 'verified' }) });

    // Act
    await invoke(repeated('2025-03-20T18:04:11.000Z'));

    // Assess
    const [email] = sentEmails();
    expect(sentEmails()).toHaveLength(1);
    expect(email?.Destination?.ToAddresses).toEqual([person.email]);
    expect(email?.Content?.Simple?.Subject?.Data).toBe('You are already signed up with Riverside Mentors');
    expect(email?.Content?.Simple?.Body?.Text?.Data).not.toContain('/v1/verify');
    const claim = unmarshall(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item ?? {});
    expect(claim.sk).toBe(
      idempotencySk(`SignupRepeated:${person.participantId}:2025-03-20:already-signed-up:v1`),
    );
  });

  it('answers a repeated signup of a pending participant with a verification link that ends with the signup', async () => {
    // Act: six days after signing up, with one day of the signup left.
    await invoke(repeated('2025-03-20T09:26:53.000Z'));

    // Assess
    const email = sentEmails()[0];
    expect(email?.Content?.Simple?.Subject?.Data).toBe('Please confirm your email for Riverside Mentors');
    const claims = verifyToken(SECRET, linkToken(email), 'verify', new Date('2025-03-20T09:26:53.000Z'));
    expect(claims.sub).toBe(person.participantId);
    expect(claims.exp).toBe(Date.parse(person.createdAt) / 1000 + 7 * 86_400);
  });

  it('sends the one verification reminder to a pending participant, with a link that ends with the signup', async () => {
    // Act: the reminder falls due two days after signing up.
    await invoke(reminderDue('2025-03-16T09:26:53.000Z'));

    // Assess
    const emails = sentEmails();
    expect(emails).toHaveLength(1);
    expect(emails[0]?.Destination?.ToAddresses).toEqual([person.email]);
    expect(emails[0]?.Content?.Simple?.Subject?.Data).toBe(
      'A reminder to confirm your email for Riverside Mentors',
    );
    const claims = verifyToken(SECRET, linkToken(emails[0]), 'verify', new Date('2025-03-16T09:26:53.000Z'));
    expect(claims.exp).toBe(Date.parse(person.createdAt) / 1000 + 7 * 86_400);
    const claim = unmarshall(dynamodb.commandCalls(PutItemCommand)[0]?.args[0].input.Item ?? {});
    expect(claim.sk).toBe(
      idempotencySk(`VerificationReminderDue:${person.participantId}:verification-reminder:v1`),
    );
  });

  it('sends no link once the signup itself has expired', async () => {
    // Act: eight days after signing up.
    await invoke(repeated('2025-03-22T09:26:53.000Z'));

    // Assess
    expect(ses.calls()).toHaveLength(0);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('refuses an event whose detail breaks the catalogue, touching nothing', async () => {
    // Act
    const outcome = invoke(signedUp({ participantId: 'Not An Id' }));

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(documents.calls()).toHaveLength(0);
    expect(ses.calls()).toHaveLength(0);
  });

  it('refuses an event from another source', async () => {
    // Act
    const outcome = invoke({ ...signedUp(), source: 'someone.else' });

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(ses.calls()).toHaveLength(0);
  });
});
