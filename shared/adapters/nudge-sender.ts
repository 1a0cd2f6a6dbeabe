import { type DeferralRequirements, type DeferralStore, dynamoDeferrals } from '../data/deferrals';
import { type DigestStore, dynamoDigests } from '../data/digests';
import { dynamoRecipients, type Recipient, type RecipientStore } from '../data/recipients';
import { dataRightsLink } from '../domain/data-export';
import { assess, type GateRequest } from '../domain/email-gate';
import {
  DEFAULT_NUDGE_POLICY,
  type EmailCategory,
  isNudge,
  type NudgePolicy,
  unsubscribeHeaders,
} from '../domain/nudge-policy';
import { KINDRED_EMAIL_TAGS } from '../domain/suppression';
import { unsubscribeLink } from '../domain/unsubscribe';
import { callsToAction } from '../email/digest-templates';
import type { RenderedEmail } from '../email/templates';
import { escapeHtml } from '../http/html';
import { documents } from './aws';
import { emailHasher, platformSecret } from './email-hash';
import type { OutgoingEmail } from './email-sender';
import { countStep } from './metrics';

/**
 * Every email to a participant goes through here: the nudge policy decides (suppression above all; then
 * unsubscribes, pauses, quiet hours in the person's own zone and the frequency cap for nudges), and the
 * email is sent now, kept for later on the due index, folded into the person's digest, or dropped. Every email
 * carries a "Your data" link in its footer; a nudge also an unsubscribe link and the RFC 8058 one-click headers.
 *
 * A nudge takes its slot under the cap before it is sent (a conditional write on the person's recent nudges),
 * so emails released together, by one sweep or by concurrent functions, cannot go over the cap: the one that
 * loses the last slot asks the policy again and is folded. A slot whose email was not sent (SES failed, or
 * the email had gone out on an earlier attempt) is given back.
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
  | { outcome: 'folded'; digestId: string; until: Date }
  | { outcome: 'dropped'; reason: string };

export interface NudgeSenderDeps {
  emails: { send(email: OutgoingEmail): Promise<{ messageId: string; sentAt?: string }> };
  recipients: Pick<RecipientStore, 'recipientState' | 'claimNudge' | 'releaseNudge'>;
  deferrals: Pick<DeferralStore, 'defer'>;
  digests: Pick<DigestStore, 'fold'>;
  /** The platform secret (signs unsubscribe links). */
  secret: () => Promise<string>;
  publicApiUrl: string;
  /** The organisation's policy; the default when absent. */
  policy?: NudgePolicy;
}

const SMALL_PRINT = 'margin-top:32px;font-size:13px;color:#555';

/** Every email to a participant links to their data rights: an export, or erasure. */
const withDataLink = (content: RenderedEmail, dataLink: string): RenderedEmail => ({
  ...content,
  text: `${content.text.trimEnd()}\n\nYour data: ${dataLink}\n`,
  html: content.html.replace(
    '</main>',
    `<p style="${SMALL_PRINT}"><a href="${escapeHtml(dataLink)}">Your data</a></p></main>`,
  ),
});

/** A nudge also says why it came and how to stop it. */
const withUnsubscribe = (content: RenderedEmail, link: string): RenderedEmail => {
  const line = 'You get these emails because you take part in a program on kindred.';
  return {
    ...content,
    text: `${content.text.trimEnd()}\n\n--\n${line} Unsubscribe or pause: ${link}\n`,
    html: content.html.replace(
      '</main>',
      `<p style="${SMALL_PRINT}">${escapeHtml(line)} <a href="${escapeHtml(link)}">Unsubscribe or pause</a></p></main>`,
    ),
  };
};

/** Losing the last slot to another sender twice in a row means the history moves under us: let a retry decide. */
const CLAIM_ROUNDS = 3;

export const nudgeSender = (deps: NudgeSenderDeps) => {
  const policy = deps.policy ?? DEFAULT_NUDGE_POLICY;
  const gateDeps = { recipients: deps.recipients, policy };

  /** The policy's answer; a `send` of a nudge comes with its slot under the cap taken at `now`. */
  const decide = async (request: GateRequest, now: Date) => {
    for (let round = 1; ; round++) {
      const assessed = await assess(gateDeps, request, now);
      if (assessed.decision.action !== 'send' || !isNudge(request.category)) return assessed;
      const { orgId, participant } = request;
      const claim = await deps.recipients.claimNudge(orgId, participant.participantId, now, policy);
      if (claim === 'claimed') return assessed;
      if (round >= CLAIM_ROUNDS)
        throw new Error('The frequency cap kept changing while a nudge took its slot');
    }
  };

  /** Sends an email `decide` allowed (and, for a nudge, took a slot for at `now`). */
  const deliver = async (request: NudgeRequest, now: Date): Promise<NudgeOutcome> => {
    const { orgId, participant, category } = request;
    // Tagged with ids, so a bounce or complaint about it names its organisation and person.
    let email: OutgoingEmail = {
      ...request.email,
      tags: {
        [KINDRED_EMAIL_TAGS.orgId]: orgId,
        [KINDRED_EMAIL_TAGS.participantId]: participant.participantId,
      },
    };
    const secret = await deps.secret();
    const dataLink = dataRightsLink(
      secret,
      deps.publicApiUrl,
      orgId,
      participant.participantId,
      request.issuedAt,
    );
    email = { ...email, content: withDataLink(email.content, dataLink) };
    if (!isNudge(category)) return sent(await deps.emails.send(email));
    const link = unsubscribeLink(
      secret,
      deps.publicApiUrl,
      orgId,
      participant.participantId,
      category as Parameters<typeof unsubscribeLink>[4],
      request.issuedAt,
    );
    email = {
      ...email,
      content: withUnsubscribe(email.content, link),
      headers: { ...email.headers, ...unsubscribeHeaders(link) },
    };
    const release = () => deps.recipients.releaseNudge(orgId, participant.participantId, now);
    const attemptStarted = Date.now();
    let result: Awaited<ReturnType<NudgeSenderDeps['emails']['send']>>;
    try {
      result = await deps.emails.send(email);
    } catch (error) {
      await release();
      throw error;
    }
    // SES took it before this attempt began: an earlier attempt sent it and counted it then.
    if (result.sentAt && Date.parse(result.sentAt) < attemptStarted) await release();
    return sent(result);
  };

  const sent = (result: { messageId: string }): NudgeOutcome => ({
    outcome: 'sent',
    messageId: result.messageId,
  });

  return {
    decide,
    deliver,
    /** Gives back the slot `decide` took at `now` for an email that is not going to be sent after all. */
    release: (orgId: string, participantId: string, now: Date) =>
      deps.recipients.releaseNudge(orgId, participantId, now),

    async send(request: NudgeRequest, now: Date): Promise<NudgeOutcome> {
      const { orgId, participant, category } = request;
      const { decision } = await decide(
        { orgId, participant, category, ...(request.latest ? { latest: request.latest } : {}) },
        now,
      );
      switch (decision.action) {
        case 'send':
          return deliver(request, now);
        case 'defer': {
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
            decision.until,
          );
          return { outcome: 'deferred', until: decision.until, reason: decision.reason };
        }
        case 'fold-into-digest': {
          // Kept as the digest shows it (its subject and links), not as the email: the digest is one email.
          const folded = await deps.digests.fold(
            orgId,
            participant.participantId,
            {
              key: request.email.key,
              category,
              subject: request.email.content.subject,
              actions: callsToAction(request.email.content.html),
              ...(request.latest ? { latest: request.latest.toISOString() } : {}),
              ...(request.requires ? { requires: request.requires } : {}),
            },
            decision.digestAt,
            now,
          );
          switch (folded.outcome) {
            case 'folded':
              return { outcome: 'folded', digestId: folded.digestId, until: folded.dueAt };
            case 'already':
              return { outcome: 'dropped', reason: 'already-folded' };
            case 'full':
              return { outcome: 'dropped', reason: 'frequency-cap' };
          }
          break;
        }
        case 'drop':
          countStep('EmailSuppressed');
          return { outcome: 'dropped', reason: decision.reason };
      }
      throw new Error(`Unknown decision ${JSON.stringify(decision)}`);
    },
  };
};

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
    digests: dynamoDigests(documents, env.TABLE_NAME),
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
      : result.outcome === 'folded'
        ? { outcome: result.outcome, digestId: result.digestId, until: result.until.toISOString() }
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
