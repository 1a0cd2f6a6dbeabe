import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { Context } from 'aws-lambda';
import { tableDefinition } from '../data/table';
import type { RenderedEmail } from '../email/templates';
import { dynamodb, ses } from './aws';

export interface OutgoingEmail {
  /** The business fact this email announces, e.g. `ParticipantSignedUp:<id>:verification:v1`. */
  key: string;
  to: string;
  content: RenderedEmail;
  headers?: Record<string, string>;
}

/** Kept well past EventBridge's 24 h of retries, so a late redelivery still finds the record. */
export const EMAIL_IDEMPOTENCY_SECONDS = 7 * 24 * 3600;

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
    staticPkValue: 'IDEMPOTENCY#email',
    expiryAttr: tableDefinition.ttlAttribute,
  });

  const send = makeIdempotent(
    async (email: OutgoingEmail) => {
      const out = await ses.send(
        new SendEmailCommand({
          FromEmailAddress: options.from,
          Destination: { ToAddresses: [email.to] },
          ConfigurationSetName: options.configurationSet,
          Content: {
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
          },
        }),
      );
      return { messageId: out.MessageId ?? '' };
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
