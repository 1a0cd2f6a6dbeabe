import { platformSecret } from './email-hash';
import { idempotentEmailSender } from './email-sender';
import { lambdaNudgeSender } from './nudge-sender';
import { issueToken } from './tokens';

/** What a function that emails participants reads from its environment. */
export const MAILER_ENV = [
  'TABLE_NAME',
  'TOKEN_SECRET_ID',
  'EMAIL_FROM',
  'EMAIL_CONFIGURATION_SET',
  'PUBLIC_API_URL',
] as const;

/**
 * The senders of a function that emails participants: `emails` sends each key at most once (hand it each
 * invocation's context), `nudges` asks the nudge policy before sending through it.
 */
export const lambdaMailer = (env: {
  TABLE_NAME: string;
  TOKEN_SECRET_ID: string;
  EMAIL_FROM: string;
  EMAIL_CONFIGURATION_SET?: string;
  PUBLIC_API_URL: string;
}) => {
  const emails = idempotentEmailSender({
    tableName: env.TABLE_NAME,
    from: env.EMAIL_FROM,
    configurationSet: env.EMAIL_CONFIGURATION_SET,
  });
  return { emails, nudges: lambdaNudgeSender(env, emails) };
};

/**
 * Signs an email's links for one organisation at the event's time, so a redelivery renders the very same
 * email; each token comes URL-encoded, ready for a query string.
 */
export const eventLinkSigner = async (secretId: string, orgId: string, occurredAt: string) => {
  const secret = await platformSecret(secretId);
  const at = new Date(occurredAt);
  return (purpose: string, subject: string, ttlSeconds: number) =>
    encodeURIComponent(issueToken(secret, { purpose, orgId, subject }, at, ttlSeconds));
};
