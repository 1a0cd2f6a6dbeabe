import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SendEmailCommand, type SendEmailCommandInput } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { PARTITIONS, tableDefinition } from '../data/table';
import { type CalendarPart, rawEmail } from '../email/mime';
import type { RenderedEmail } from '../email/templates';
import { EVENT_ARCHIVE_RETENTION_DAYS } from '../events/rules';
import { dynamodb, ses } from './aws';
import { countStep } from './metrics';

/**
 * An SES failure without SES's message: those name the recipient ("…failed the check: ada@example.org"),
 * and a Lambda error message ends up in logs and dead-letter queues.
 */
export class EmailSendError extends Error {
  constructor(
    readonly sesError: string,
    readonly httpStatus: number | undefined,
  ) {
    super(`SES refused or failed the send: ${sesError}${httpStatus ? ` (HTTP ${httpStatus})` : ''}`);
    this.name = 'EmailSendError';
  }
}

export interface OutgoingEmail {
  /** The business fact this email announces, e.g. `ParticipantSignedUp:<id>:verification:v1`. */
  key: string;
  to: string;
  content: RenderedEmail;
  headers?: Record<string, string>;
  /** SES message tags (ids only): SES copies them into its bounce and complaint events. */
  tags?: Record<string, string>;
  /**
   * A calendar invite (`calendarInvite`) to carry: the email is then sent as a raw MIME message with the
   * invite as a `text/calendar` alternative and as an `invite.ics` attachment (see `rawEmail`).
   */
  calendar?: CalendarPart;
}

/** SES content for an email: Simple for text and HTML, Raw MIME when it carries a calendar invite. */
const sesContent = async (email: OutgoingEmail, from: string): Promise<SendEmailCommandInput['Content']> => {
  if (email.calendar) {
    const data = await rawEmail({
      from,
      to: email.to,
      content: email.content,
      calendar: email.calendar,
      headers: email.headers,
    });
    return { Raw: { Data: data } };
  }
  return {
    Simple: {
      Subject: { Data: email.content.subject, Charset: 'UTF-8' },
      Body: {
        Text: { Data: email.content.text, Charset: 'UTF-8' },
        Html: { Data: email.content.html, Charset: 'UTF-8' },
      },
      Headers: email.headers
        ? Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value }))
        : undefined,
    },
  };
};

/**
 * Kept past EventBridge's 24 h of retries and past the bus archive's retention, so neither a late
 * redelivery nor a replay of the archive sends an email twice.
 */
export const EMAIL_IDEMPOTENCY_SECONDS = (EVENT_ARCHIVE_RETENTION_DAYS + 5) * 24 * 3600;

/**
 * Sends each email at most once per key: the key is claimed (a conditional write by Powertools idempotency)
 * before SES is called and marked completed with the message id after. A crash in between leaves a claim
 * that expires with the invocation, so a retry sends it then.
 */
export const idempotentEmailSender = (options: {
  tableName: string;
  from: string;
  configurationSet?: string;
}) => {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: EMAIL_IDEMPOTENCY_SECONDS,
    throwOnNoIdempotencyKey: true,
  });
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: dynamodb,
    keyAttr: tableDefinition.partitionKey,
    sortKeyAttr: tableDefinition.sortKey,
    staticPkValue: `${PARTITIONS.idempotency}email`,
    expiryAttr: tableDefinition.ttlAttribute,
  });

  const send = makeIdempotent(
    async (email: OutgoingEmail) => {
      const command = new SendEmailCommand({
        FromEmailAddress: options.from,
        Destination: { ToAddresses: [email.to] },
        ConfigurationSetName: options.configurationSet,
        Content: await sesContent(email, options.from),
        ...(email.tags
          ? { EmailTags: Object.entries(email.tags).map(([Name, Value]) => ({ Name, Value })) }
          : {}),
      });
      try {
        const out = await ses.send(command);
        countStep('EmailSent');
        // The send time is kept with the result, so a replay (which returns this record) can be told apart.
        return { messageId: out.MessageId ?? '', sentAt: new Date().toISOString() };
      } catch (error) {
        const { name, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
        throw new EmailSendError(name, $metadata?.httpStatusCode);
      }
    },
    // A stable prefix: the record's key must not change when the function is renamed or redeployed.
    { persistenceStore, config, keyPrefix: 'email' },
  );

  return {
    send,
    /** Lets a claim left by a timed-out invocation expire with that invocation. */
    useContext: (context: Context) => config.registerLambdaContext(context),
  };
};
