import { randomUUID } from 'node:crypto';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { Id, type OutgoingEvent } from '../events/catalogue';
import type { EventRule } from '../events/rules';

/**
 * Suppression: an address that hard-bounced, or whose owner marked our email as spam, gets nothing more
 * (transactional mail included; see nudge-policy.ts). SES publishes bounces and complaints of mail sent with
 * the configuration set to the account's default event bus; the rule below sends them to `suppress-address`.
 *
 * What suppresses:
 * - a bounce of type `Permanent` (its sub-types included: `Suppressed` and `OnAccountSuppressionList` mean SES
 *   already knows the address is bad). `Transient` (mailbox full, message too large...) and `Undetermined`
 *   do not: SES retried already, and the next email may well arrive.
 * - a complaint, unless its feedback type is `not-spam` (a mailbox provider reporting the opposite).
 *
 * The event carries addresses; they are turned into pseudonyms at once and never stored, logged or put on
 * the bus. Our own tags on the email (`KINDRED_EMAIL_TAGS`) say which organisation and person it was for.
 */

export const SES_SOURCE = 'aws.ses';
export const SES_BOUNCED = 'Email Bounced';
export const SES_COMPLAINED = 'Email Complaint Received';

/**
 * The rule on the default bus: SES's bounces and complaints to `suppress-address`. CDK deploys exactly this
 * pattern (infra/constructs/email-events.ts); the local runtime checks its stand-in events against it.
 */
export const SES_FEEDBACK_RULE = {
  name: 'ses-feedback',
  description: 'SES bounces and complaints (default bus): the address gets nothing more',
  eventPattern: { source: [SES_SOURCE], 'detail-type': [SES_BOUNCED, SES_COMPLAINED] },
  target: 'suppress-address',
} as const satisfies EventRule;

/**
 * SES message tags (SESv2 `EmailTags`) the mailers set on each email, ids only; SES copies them into every
 * event about the email (`detail.mail.tags`), which is how a bounce finds its organisation and person.
 */
export const KINDRED_EMAIL_TAGS = { orgId: 'kindred-org', participantId: 'kindred-participant' } as const;

/** An address as SES reports it; checked loosely (SES wrote it), never logged. */
const Address = z.string().trim().min(3).max(320);
const Recipients = z.array(z.looseObject({ emailAddress: Address })).min(1);
const Instant = z.iso.datetime({ offset: true });

const Mail = z.looseObject({
  messageId: z.string().optional(),
  tags: z.record(z.string(), z.array(z.string())).optional(),
});

const BounceDetail = z.looseObject({
  eventType: z.literal('Bounce'),
  mail: Mail,
  bounce: z.looseObject({
    bounceType: z.string(),
    bounceSubType: z.string().optional(),
    bouncedRecipients: Recipients,
    timestamp: Instant.optional(),
    feedbackId: z.string().optional(),
  }),
});

const ComplaintDetail = z.looseObject({
  eventType: z.literal('Complaint'),
  mail: Mail,
  complaint: z.looseObject({
    complainedRecipients: Recipients,
    complaintFeedbackType: z.string().optional(),
    complaintSubType: z.string().nullable().optional(),
    timestamp: Instant.optional(),
    feedbackId: z.string().optional(),
  }),
});

/** A bounce or complaint as the rule delivers it (EventBridge envelope, SES's detail). */
export const SesFeedbackEvent = z.discriminatedUnion('detail-type', [
  EventBridgeSchema.extend({
    source: z.literal(SES_SOURCE),
    'detail-type': z.literal(SES_BOUNCED),
    detail: BounceDetail,
  }),
  EventBridgeSchema.extend({
    source: z.literal(SES_SOURCE),
    'detail-type': z.literal(SES_COMPLAINED),
    detail: ComplaintDetail,
  }),
]);
export type SesFeedbackEvent = z.infer<typeof SesFeedbackEvent>;

export type FeedbackDecision =
  | {
      action: 'suppress';
      reason: 'bounce' | 'complaint';
      /** When the bounce or complaint happened (SES's time), ISO. */
      at: string;
      subType?: string;
      /** Distinct addresses, normalised; to be turned into pseudonyms and forgotten. */
      addresses: string[];
      /** The organisation and person our tags name, when they are well-formed ids. */
      orgId?: string;
      participantId?: string;
    }
  | { action: 'ignore'; why: 'transient-bounce' | 'undetermined-bounce' | 'not-spam' };

const tag = (tags: Record<string, string[]> | undefined, name: string) => {
  const values = tags?.[name];
  const value = values?.length === 1 ? values[0] : undefined;
  return value !== undefined && Id.safeParse(value).success ? value : undefined;
};

const distinct = (recipients: { emailAddress: string }[]) => [
  ...new Set(recipients.map((r) => r.emailAddress.trim().toLowerCase())),
];

const isoOf = (timestamp: string | undefined, fallback: string) =>
  new Date(timestamp && !Number.isNaN(Date.parse(timestamp)) ? timestamp : fallback).toISOString();

/** Whether (and for what) a bounce or complaint suppresses its addresses. */
export const feedbackDecision = (event: SesFeedbackEvent): FeedbackDecision => {
  const { tags } = event.detail.mail;
  const orgId = tag(tags, KINDRED_EMAIL_TAGS.orgId);
  const participantId = tag(tags, KINDRED_EMAIL_TAGS.participantId);
  const ids = { ...(orgId ? { orgId } : {}), ...(participantId ? { participantId } : {}) };
  if (event['detail-type'] === SES_BOUNCED) {
    const { bounce } = event.detail;
    if (bounce.bounceType === 'Transient') return { action: 'ignore', why: 'transient-bounce' };
    if (bounce.bounceType !== 'Permanent') return { action: 'ignore', why: 'undetermined-bounce' };
    return {
      action: 'suppress',
      reason: 'bounce',
      at: isoOf(bounce.timestamp, event.time),
      ...(bounce.bounceSubType ? { subType: bounce.bounceSubType } : {}),
      addresses: distinct(bounce.bouncedRecipients),
      ...ids,
    };
  }
  const { complaint } = event.detail;
  if (complaint.complaintFeedbackType === 'not-spam') return { action: 'ignore', why: 'not-spam' };
  return {
    action: 'suppress',
    reason: 'complaint',
    at: isoOf(complaint.timestamp, event.time),
    ...(complaint.complaintFeedbackType ? { subType: complaint.complaintFeedbackType } : {}),
    addresses: distinct(complaint.complainedRecipients),
    ...ids,
  };
};

export interface SuppressionDeps {
  /** The address's pseudonym (the only form in which it is kept). */
  hashEmail(email: string): Promise<string>;
  suppressions: {
    suppress(
      emailHash: string,
      suppression: { reason: 'bounce' | 'complaint'; at: string; subType?: string },
      event: OutgoingEvent<'EmailSuppressed'> | undefined,
      now: Date,
    ): Promise<'suppressed' | 'already'>;
  };
}

/**
 * Suppresses each address of a bounce or complaint, once: an address suppressed before is left as it was
 * (its first bounce or complaint is the record) and nothing is announced again, so a redelivered event
 * changes nothing. EmailSuppressed goes out with the suppression when our tags name the organisation (an
 * event belongs to one); the person only when the email had a single recipient, as ours do.
 */
export const suppressAddresses = async (
  deps: SuppressionDeps,
  decision: Extract<FeedbackDecision, { action: 'suppress' }>,
  now: Date,
) => {
  const { reason, at, subType, orgId, participantId, addresses } = decision;
  let suppressed = 0;
  let already = 0;
  for (const address of addresses) {
    const event: OutgoingEvent<'EmailSuppressed'> | undefined = orgId
      ? {
          detailType: 'EmailSuppressed',
          detail: {
            version: 1,
            orgId,
            occurredAt: now.toISOString(),
            ...(participantId && addresses.length === 1 ? { participantId } : {}),
            reason,
          },
        }
      : undefined;
    const outcome = await deps.suppressions.suppress(
      await deps.hashEmail(address),
      { reason, at, ...(subType ? { subType } : {}) },
      event,
      now,
    );
    if (outcome === 'suppressed') suppressed++;
    else already++;
  }
  return { reason, suppressed, already, announced: orgId ? suppressed : 0 };
};

/**
 * What the local runtime's `POST /_local/ses/bounce` is asked to report: a hard (`Permanent`) or soft
 * (`Transient`) bounce, or a complaint, of an email to `email`, optionally tagged as the mailers tag theirs.
 */
export const SimulatedFeedback = z.strictObject({
  email: z.email('a valid email address').max(254),
  type: z.enum(['Permanent', 'Transient', 'Complaint'], 'Permanent, Transient or Complaint'),
  orgId: Id.optional(),
  participantId: Id.optional(),
});
export type SimulatedFeedback = z.infer<typeof SimulatedFeedback>;

/**
 * The event SES would put on the default bus for a bounce or complaint of one email, as documented for
 * event publishing. Only the local runtime builds it (it gets no SES events); tests use documented samples.
 */
export const sesFeedbackEvent = (
  input: SimulatedFeedback,
  now: Date,
  where: { account: string; region: string; from: string; configurationSet: string },
) => {
  const sent = new Date(now.getTime() - 1000).toISOString();
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [where.configurationSet],
    ...(input.orgId ? { [KINDRED_EMAIL_TAGS.orgId]: [input.orgId] } : {}),
    ...(input.participantId ? { [KINDRED_EMAIL_TAGS.participantId]: [input.participantId] } : {}),
  };
  const mail = {
    timestamp: sent,
    source: where.from,
    sourceArn: `arn:aws:ses:${where.region}:${where.account}:identity/${/@([^>\s]+)/.exec(where.from)?.[1] ?? 'local'}`,
    sendingAccountId: where.account,
    messageId: `local-${randomUUID()}`,
    destination: [input.email],
    headersTruncated: false,
    tags,
  };
  const feedbackId = `local-${randomUUID()}`;
  const detail =
    input.type === 'Complaint'
      ? {
          eventType: 'Complaint',
          mail,
          complaint: {
            feedbackId,
            complaintSubType: null,
            complainedRecipients: [{ emailAddress: input.email }],
            timestamp: now.toISOString(),
            userAgent: 'kindred-local',
            complaintFeedbackType: 'abuse',
            arrivalDate: now.toISOString(),
          },
        }
      : {
          eventType: 'Bounce',
          mail,
          bounce: {
            feedbackId,
            bounceType: input.type,
            bounceSubType: input.type === 'Permanent' ? 'General' : 'MailboxFull',
            bouncedRecipients: [
              {
                emailAddress: input.email,
                action: 'failed',
                status: input.type === 'Permanent' ? '5.1.1' : '4.2.2',
                diagnosticCode:
                  input.type === 'Permanent'
                    ? 'smtp; 550 5.1.1 user unknown'
                    : 'smtp; 452 4.2.2 mailbox full',
              },
            ],
            timestamp: now.toISOString(),
            reportingMTA: 'dns; kindred.local',
          },
        };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': input.type === 'Complaint' ? SES_COMPLAINED : SES_BOUNCED,
    source: SES_SOURCE,
    account: where.account,
    // EventBridge's timestamps carry whole seconds.
    time: `${now.toISOString().slice(0, 19)}Z`,
    region: where.region,
    resources: [],
    detail,
  };
};
