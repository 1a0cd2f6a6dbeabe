import { type DeferralRequirements, type DeferralStore, dynamoDeferrals } from '../data/deferrals';
import { dynamoRecipients, type Recipient, type RecipientStore } from '../data/recipients';
import { gate } from '../domain/email-gate';
import { type EmailCategory, isNudge, unsubscribeHeaders } from '../domain/nudge-policy';
import { KINDRED_EMAIL_TAGS } from '../domain/suppression';
import { unsubscribeLink } from '../domain/unsubscribe';
import type { RenderedEmail } from '../email/templates';
import { escapeHtml } from '../http/html';
import { documents } from './aws';
import { emailHasher, platformSecret } from './email-hash';
import type { OutgoingEmail } from './email-sender';

/**
 * Every email to a participant goes through here: the nudge policy decides (suppression above all; then
 * unsubscribes, pauses, quiet hours in the person's own zone and the frequency cap for nudges), and the
 * email is sent now, kept for later on the due index, or dropped. A nudge carries an unsubscribe link in
 * its footer and the RFC 8058 one-click headers; a sent nudge counts towards the person's cap.
 */

export interface NudgeRequest {
  orgId: string;
  participant: Recipient;
  category: EmailCategory;
  /** When it stops being useful, e.g. the start of the meeting a reminder is for. */
  latest?: Date;
  email: OutgoingEmail;
  /** When its links are signed: the event's time, so every attempt renders the same email. */
  issuedAt: Date;
  /** What must still hold if it waits and is sent later. */
  requires?: DeferralRequirements;
}

export type NudgeOutcome =
  | { outcome: 'sent'; messageId: string }
  | { outcome: 'deferred'; until: Date; reason: string }
  | { outcome: 'dropped'; reason: string };

export interface NudgeSenderDeps {
  emails: { send(email: OutgoingEmail): Promise<{ messageId: string; sentAt?: string }> };
  recipients: Pick<RecipientStore, 'recipientState' | 'recordNudge'>;
  deferrals: Pick<DeferralStore, 'defer'>;
  /** The platform secret (signs unsubscribe links). */
  secret: () => Promise<string>;
  publicApiUrl: string;
}

const footer = (content: RenderedEmail, link: string): RenderedEmail => {
  const line = 'You get these emails because you take part in a program on kindred.';
  return {
    ...content,
    text: `${content.text.trimEnd()}\n\n--\n${line} Unsubscribe or pause: ${link}\n`,
    html: content.html.replace(
      '</main>',
      `<p style="margin-top:32px;font-size:13px;color:#555">${escapeHtml(line)} <a href="${escapeHtml(link)}">Unsubscribe or pause</a></p></main>`,
    ),
  };
};

export const nudgeSender = (deps: NudgeSenderDeps) => ({
  async send(request: NudgeRequest, now: Date): Promise<NudgeOutcome> {
    const { orgId, participant, category } = request;
    const decision = await gate(
      { recipients: deps.recipients },
      { orgId, participant, category, ...(request.latest ? { latest: request.latest } : {}) },
      now,
    );
    switch (decision.action) {
      case 'send': {
        // Tagged with ids, so a bounce or complaint about it names its organisation and person.
        let email: OutgoingEmail = {
          ...request.email,
          tags: {
            [KINDRED_EMAIL_TAGS.orgId]: orgId,
            [KINDRED_EMAIL_TAGS.participantId]: participant.participantId,
          },
        };
        if (isNudge(category)) {
          const link = unsubscribeLink(
            await deps.secret(),
            deps.publicApiUrl,
            orgId,
            participant.participantId,
            category as Parameters<typeof unsubscribeLink>[4],
            request.issuedAt,
          );
          email = {
            ...email,
            content: footer(email.content, link),
            headers: { ...email.headers, ...unsubscribeHeaders(link) },
          };
        }
        const { messageId, sentAt } = await deps.emails.send(email);
        // Counted at the time it was sent, so a replayed send (same time) is counted once.
        if (isNudge(category)) {
          await deps.recipients.recordNudge(
            orgId,
            participant.participantId,
            sentAt ? new Date(sentAt) : now,
          );
        }
        return { outcome: 'sent', messageId };
      }
      case 'defer':
      case 'fold-into-digest': {
        // A capped nudge waits for the cap to allow it (folding several into one digest email is to come).
        const until = decision.action === 'defer' ? decision.until : decision.digestAt;
        await deps.deferrals.defer(
          {
            orgId,
            participantId: participant.participantId,
            category,
            ...(request.latest ? { latest: request.latest.toISOString() } : {}),
            issuedAt: request.issuedAt.toISOString(),
            email: request.email,
            ...(request.requires ? { requires: request.requires } : {}),
          },
          until,
        );
        return { outcome: 'deferred', until, reason: decision.reason };
      }
      case 'drop':
        return { outcome: 'dropped', reason: decision.reason };
    }
  },
});

export type NudgeSender = ReturnType<typeof nudgeSender>;

/** The sender as a Lambda function builds it: the table, the platform secret, the idempotent SES sender. */
export const lambdaNudgeSender = (
  env: { TABLE_NAME: string; TOKEN_SECRET_ID: string; PUBLIC_API_URL: string },
  emails: NudgeSenderDeps['emails'],
) =>
  nudgeSender({
    emails,
    recipients: dynamoRecipients(documents, env.TABLE_NAME, emailHasher(env.TOKEN_SECRET_ID)),
    deferrals: dynamoDeferrals(documents, env.TABLE_NAME),
    secret: async () => {
      const secret = await platformSecret(env.TOKEN_SECRET_ID);
      return secret;
    },
    publicApiUrl: env.PUBLIC_API_URL.replace(/\/$/, ''),
  });

/** What a mailer logs about one email's fate: ids and reasons, never the address. */
export const outcomeFields = (result: NudgeOutcome) =>
  result.outcome === 'sent'
    ? { outcome: result.outcome, messageId: result.messageId }
    : result.outcome === 'deferred'
      ? { outcome: result.outcome, until: result.until.toISOString(), reason: result.reason }
      : { outcome: result.outcome, reason: result.reason };

/**
 * One email to each person: every one is tried even when another fails, and the first failure is thrown after,
 * so a retry sends only what is missing (a sent email is remembered under its key). Logs ids only.
 */
export const sendEach = async <E>(
  outgoing: readonly E[],
  fields: (email: E) => Record<string, unknown>,
  send: (email: E) => Promise<NudgeOutcome | undefined>,
  logger: {
    info(message: string, fields: Record<string, unknown>): void;
    warn(message: string, fields: Record<string, unknown>): void;
  },
) => {
  const failures: unknown[] = [];
  for (const email of outgoing) {
    try {
      const result = await send(email);
      if (result) logger.info('email handled', { ...fields(email), ...outcomeFields(result) });
    } catch (error) {
      logger.warn('email not sent', {
        ...fields(email),
        error: error instanceof Error ? error.name : 'unknown',
      });
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
};
