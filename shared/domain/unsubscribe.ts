import { issueToken } from '../adapters/tokens';
import type { OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import { UNSUBSCRIBE_LINK_TTL_SECONDS, UNSUBSCRIBE_PURPOSE } from './links';
import { type EmailCategory, NUDGE_CATEGORIES, pauseUntil } from './nudge-policy';

/**
 * Unsubscribing and pausing from the link in every nudge. The link names one person and one category (or
 * `all`); what it can do:
 *
 * - RFC 8058 one-click: a mail client POSTs `List-Unsubscribe=One-Click` to the link itself, and the person
 *   is unsubscribed from the link's category (or from every nudge) at once.
 * - The page the link opens (a GET changes nothing: mail scanners follow links) offers to unsubscribe from
 *   that category, from every nudge, or to pause every nudge for a few weeks.
 *
 * Transactional mail (verification, safeguarding) is never unsubscribed from: the person needs it. An
 * unsubscribe is a state change with its event (EmailSuppressed, reason `unsubscribe`); doing it again changes
 * nothing and announces nothing. A pause is a preference with no event of its own: no consumer needs one.
 */

/** A category a person can unsubscribe from (every one but the transactional ones). */
export type NudgeCategory = Exclude<EmailCategory, 'transactional' | 'safeguarding'>;

/** What a link unsubscribes from: one category, or `all`, meaning every nudge, present and future. */
export type UnsubscribeScope = NudgeCategory | 'all';

export const isUnsubscribeScope = (value: string): value is UnsubscribeScope =>
  value === 'all' || (NUDGE_CATEGORIES as readonly string[]).includes(value);

/** The weeks the page offers to pause for, and the most an API client may ask. */
export const PAUSE_WEEKS_OFFERED = 4;
export const MAX_PAUSE_WEEKS = 52;

/** How a category reads in a sentence: "We will send you no more <label>." */
export const CATEGORY_LABELS: Readonly<Record<EmailCategory, string>> = {
  transactional: 'account emails',
  safeguarding: 'safety emails',
  match: 'emails about your matches',
  'meeting-reminders': 'meeting reminders',
  milestones: 'milestone celebrations',
  feedback: 'requests for feedback',
  'check-ins': 'check-in emails',
  groups: 'emails about your groups',
  digest: 'digests of held-back emails',
};

export const scopeLabel = (scope: UnsubscribeScope) =>
  scope === 'all' ? 'reminders, celebrations, check-ins and other nudges' : CATEGORY_LABELS[scope];

export const unsubscribeSubject = (participantId: string, scope: UnsubscribeScope) =>
  `${participantId}:${scope}`;

/** The person and scope of a subject, or undefined when it is not one (a genuine token never has that). */
export const parseUnsubscribeSubject = (subject: string) => {
  const [participantId, scope, ...rest] = subject.split(':');
  return participantId && scope && rest.length === 0 && isUnsubscribeScope(scope)
    ? { participantId, scope }
    : undefined;
};

/**
 * The unsubscribe link for one nudge: `<base>/v1/unsubscribe?token=…`. The email functions put it in the
 * footer and in `unsubscribeHeaders(link)`. `issuedAt` is the fact's own time (the event's `occurredAt`), so
 * a redelivered event renders the very same email.
 */
export const unsubscribeLink = (
  secret: string,
  base: string,
  orgId: string,
  participantId: string,
  category: UnsubscribeScope,
  issuedAt: Date,
) => {
  if (!isUnsubscribeScope(category)) {
    throw new RangeError(`${category} mail cannot be unsubscribed from: it is transactional`);
  }
  const token = issueToken(
    secret,
    { purpose: UNSUBSCRIBE_PURPOSE, orgId, subject: unsubscribeSubject(participantId, category) },
    issuedAt,
    UNSUBSCRIBE_LINK_TTL_SECONDS,
  );
  return `${base.replace(/\/+$/, '')}/v1/unsubscribe?token=${encodeURIComponent(token)}`;
};

/** Who a genuine link speaks for. */
export interface UnsubscribeClaims {
  orgId: string;
  participantId: string;
  scope: UnsubscribeScope;
}

export type UnsubscribeRequest =
  | { action: 'unsubscribe'; scope: UnsubscribeScope }
  | { action: 'pause'; weeks: number };

export type UnsubscribeOutcome =
  | { action: 'unsubscribe'; scope: UnsubscribeScope; changed: boolean }
  | { action: 'pause'; pausedUntil: string; changed: boolean };

export interface UnsubscribeDeps {
  recipients: {
    /** Adds the scope to the person's unsubscribed set with its event, in one transaction; 'unchanged' if in it. */
    unsubscribe(
      orgId: string,
      participantId: string,
      scope: UnsubscribeScope,
      event: OutgoingEvent<'EmailSuppressed'>,
      now: Date,
    ): Promise<'unsubscribed' | 'unchanged'>;
    /**
     * Pauses nudges until `until` unless they were paused until later already; answers the pause's end as
     * stored.
     */
    pause(
      orgId: string,
      participantId: string,
      until: string,
      now: Date,
    ): Promise<{ outcome: 'paused' | 'unchanged'; pausedUntil: string }>;
  };
}

export const personNotFound = () =>
  new Problem(
    404,
    'not-found',
    'We could not find you',
    'You may have left the program already; it sends you nothing more.',
    [{ pointer: '/token', detail: 'The person this link was for is no longer registered' }],
  );

/** The choices a link's page and form offer: a scope of `all` has no narrower unsubscribe. */
export const requestsFor = (scope: UnsubscribeScope): UnsubscribeRequest[] => [
  ...(scope === 'all' ? [] : [{ action: 'unsubscribe' as const, scope }]),
  { action: 'unsubscribe', scope: 'all' },
  { action: 'pause', weeks: PAUSE_WEEKS_OFFERED },
];

/**
 * Applies what the person asked, at once (the caller has checked the person exists). A link for one category
 * may unsubscribe from it or from every nudge (a wider choice the page offers), and may pause; a link for
 * `all` cannot be narrowed.
 */
export const applyUnsubscribe = async (
  deps: UnsubscribeDeps,
  claims: UnsubscribeClaims,
  request: UnsubscribeRequest,
  now: Date,
): Promise<UnsubscribeOutcome> => {
  if (request.action === 'unsubscribe' && request.scope !== 'all' && request.scope !== claims.scope) {
    throw new Problem(422, 'invalid-body', 'The request body has invalid fields', undefined, [
      { pointer: '/action', detail: 'This link unsubscribes from its own category or from every nudge' },
    ]);
  }
  if (request.action === 'pause') {
    const until = pauseUntil(now, request.weeks);
    const paused = await deps.recipients.pause(claims.orgId, claims.participantId, until, now);
    return { action: 'pause', pausedUntil: paused.pausedUntil, changed: paused.outcome === 'paused' };
  }
  const event: OutgoingEvent<'EmailSuppressed'> = {
    detailType: 'EmailSuppressed',
    detail: {
      version: 1,
      orgId: claims.orgId,
      occurredAt: now.toISOString(),
      participantId: claims.participantId,
      reason: 'unsubscribe',
      // No category: every nudge category (the catalogue's "must not be mailed" for nudges).
      ...(request.scope === 'all' ? {} : { category: request.scope }),
    },
  };
  const result = await deps.recipients.unsubscribe(
    claims.orgId,
    claims.participantId,
    request.scope,
    event,
    now,
  );
  return { action: 'unsubscribe', scope: request.scope, changed: result === 'unsubscribed' };
};

/** The categories stored scopes unsubscribe from: `all` is every nudge category, present and future. */
export const unsubscribedCategories = (scopes: readonly string[]): EmailCategory[] =>
  scopes.includes('all') ? [...NUDGE_CATEGORIES] : NUDGE_CATEGORIES.filter((c) => scopes.includes(c));
