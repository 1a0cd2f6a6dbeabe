import { describe, expect, it } from 'vitest';
import { TokenError, verifyToken } from '../../shared/adapters/tokens';
import { NUDGE_CATEGORIES, unsubscribeHeaders } from '../../shared/domain/nudge-policy';
import {
  applyUnsubscribe,
  parseUnsubscribeSubject,
  requestsFor,
  type UnsubscribeDeps,
  type UnsubscribeScope,
  unsubscribedCategories,
  unsubscribeLink,
} from '../../shared/domain/unsubscribe';
import type { OutgoingEvent } from '../../shared/events/catalogue';
import { Problem } from '../../shared/http/problem';

const SECRET = 'unit-test-secret';
const ORG = 'riverside-mentors';
const PERSON = 'p-1234';
const SENT = new Date('2025-04-01T07:00:00.000Z');
const NOW = new Date('2025-04-03T18:30:00.000Z');

/** An in-memory preferences store with the adapter's semantics (a set of scopes; pauses only lengthen). */
const memoryRecipients = () => {
  const scopes = new Set<UnsubscribeScope>();
  let pausedUntil: string | undefined;
  const events: OutgoingEvent<'EmailSuppressed'>[] = [];
  const recipients: UnsubscribeDeps['recipients'] = {
    async unsubscribe(_orgId, _participantId, scope, event) {
      if (scopes.has(scope) || scopes.has('all')) return 'unchanged';
      scopes.add(scope);
      events.push(event);
      return 'unsubscribed';
    },
    async pause(_orgId, _participantId, until) {
      if (pausedUntil && pausedUntil >= until) return { outcome: 'unchanged', pausedUntil };
      pausedUntil = until;
      return { outcome: 'paused', pausedUntil: until };
    },
  };
  return { deps: { recipients }, scopes, events, pausedUntil: () => pausedUntil };
};

describe('unsubscribe subjects', () => {
  it.each([
    [`${PERSON}:meeting-reminders`, { participantId: PERSON, scope: 'meeting-reminders' }],
    [`${PERSON}:digest`, { participantId: PERSON, scope: 'digest' }],
    [`${PERSON}:all`, { participantId: PERSON, scope: 'all' }],
  ])('reads %s', (subject, expected) => {
    expect(parseUnsubscribeSubject(subject)).toStrictEqual(expected);
  });

  it.each([
    `${PERSON}:transactional`,
    `${PERSON}:safeguarding`,
    `${PERSON}:newsletters`,
    `${PERSON}:match:extra`,
    `${PERSON}`,
    `:match`,
  ])(
    'refuses %s: no category transactional mail can be unsubscribed from, no malformed subject',
    (subject) => {
      expect(parseUnsubscribeSubject(subject)).toBeUndefined();
    },
  );
});

describe('unsubscribeLink', () => {
  it('is an HTTPS link on the API whose token names the person and category for 400 days', () => {
    // Act
    const link = unsubscribeLink(SECRET, 'https://api.kindred.test/', ORG, PERSON, 'milestones', SENT);

    // Assess
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}`).toBe('https://api.kindred.test/v1/unsubscribe');
    const claims = verifyToken(SECRET, url.searchParams.get('token') ?? '', 'unsubscribe', NOW);
    expect(claims).toMatchObject({ org: ORG, sub: `${PERSON}:milestones` });
    expect(claims.exp).toBe(SENT.getTime() / 1000 + 400 * 86_400);
    expect(() =>
      verifyToken(SECRET, url.searchParams.get('token') ?? '', 'unsubscribe', new Date(claims.exp * 1000)),
    ).toThrow(TokenError);
  });

  it('is the same link for the same fact, so a redelivered event renders the same email', () => {
    expect(unsubscribeLink(SECRET, 'https://a.test', ORG, PERSON, 'all', SENT)).toBe(
      unsubscribeLink(SECRET, 'https://a.test', ORG, PERSON, 'all', SENT),
    );
  });

  it('makes RFC 8058 one-click headers', () => {
    const link = unsubscribeLink(SECRET, 'https://api.kindred.test', ORG, PERSON, 'feedback', SENT);
    expect(unsubscribeHeaders(link)).toStrictEqual({
      'List-Unsubscribe': `<${link}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('refuses a transactional category', () => {
    expect(() =>
      unsubscribeLink(SECRET, 'https://a.test', ORG, PERSON, 'transactional' as UnsubscribeScope, SENT),
    ).toThrow(RangeError);
  });
});

describe('unsubscribedCategories', () => {
  it('expands all to every nudge category, never a transactional one', () => {
    expect(unsubscribedCategories(['all'])).toStrictEqual([...NUDGE_CATEGORIES]);
    expect(unsubscribedCategories(['all'])).not.toContain('transactional');
    expect(unsubscribedCategories(['all'])).not.toContain('safeguarding');
  });

  it('keeps the nudge categories stored and drops anything else', () => {
    expect(unsubscribedCategories(['milestones', 'transactional', 'bogus', 'feedback'])).toStrictEqual([
      'milestones',
      'feedback',
    ]);
    expect(unsubscribedCategories([])).toStrictEqual([]);
  });
});

describe('requestsFor', () => {
  it('offers a category link’s own category, every nudge, and a four-week pause', () => {
    expect(requestsFor('match')).toStrictEqual([
      { action: 'unsubscribe', scope: 'match' },
      { action: 'unsubscribe', scope: 'all' },
      { action: 'pause', weeks: 4 },
    ]);
  });

  it('offers an all link nothing narrower', () => {
    expect(requestsFor('all')).toStrictEqual([
      { action: 'unsubscribe', scope: 'all' },
      { action: 'pause', weeks: 4 },
    ]);
  });
});

describe('applyUnsubscribe', () => {
  const claims = { orgId: ORG, participantId: PERSON, scope: 'meeting-reminders' as const };

  it('unsubscribes from the link’s category at once and announces it with ids only', async () => {
    // Prepare
    const store = memoryRecipients();

    // Act
    const outcome = await applyUnsubscribe(
      store.deps,
      claims,
      { action: 'unsubscribe', scope: 'meeting-reminders' },
      NOW,
    );

    // Assess
    expect(outcome).toStrictEqual({ action: 'unsubscribe', scope: 'meeting-reminders', changed: true });
    expect([...store.scopes]).toStrictEqual(['meeting-reminders']);
    expect(store.events).toStrictEqual([
      {
        detailType: 'EmailSuppressed',
        detail: {
          version: 1,
          orgId: ORG,
          occurredAt: NOW.toISOString(),
          participantId: PERSON,
          reason: 'unsubscribe',
          category: 'meeting-reminders',
        },
      },
    ]);
  });

  it('announces an unsubscribe from every nudge without a category', async () => {
    const store = memoryRecipients();
    await applyUnsubscribe(store.deps, claims, { action: 'unsubscribe', scope: 'all' }, NOW);
    expect(store.events[0]?.detail).not.toHaveProperty('category');
    expect(store.events[0]?.detail.reason).toBe('unsubscribe');
  });

  it('changes and announces nothing the second time', async () => {
    // Prepare
    const store = memoryRecipients();
    const request = { action: 'unsubscribe', scope: 'meeting-reminders' } as const;
    await applyUnsubscribe(store.deps, claims, request, NOW);

    // Act
    const again = await applyUnsubscribe(store.deps, claims, request, NOW);

    // Assess
    expect(again.changed).toBe(false);
    expect(store.events).toHaveLength(1);
  });

  it('refuses to unsubscribe from a category the link is not for, and writes nothing', async () => {
    // Prepare
    const store = memoryRecipients();

    // Act
    const attempt = applyUnsubscribe(store.deps, claims, { action: 'unsubscribe', scope: 'milestones' }, NOW);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(Problem);
    await expect(attempt).rejects.toMatchObject({ status: 422 });
    expect(store.scopes.size).toBe(0);
    expect(store.events).toHaveLength(0);
  });

  it('pauses every nudge for whole weeks from now, with no event', async () => {
    // Prepare
    const store = memoryRecipients();

    // Act
    const outcome = await applyUnsubscribe(store.deps, claims, { action: 'pause', weeks: 4 }, NOW);

    // Assess
    expect(outcome).toStrictEqual({
      action: 'pause',
      pausedUntil: '2025-05-01T18:30:00.000Z',
      changed: true,
    });
    expect(store.pausedUntil()).toBe('2025-05-01T18:30:00.000Z');
    expect(store.events).toHaveLength(0);
  });

  it('never shortens a longer pause', async () => {
    // Prepare
    const store = memoryRecipients();
    await applyUnsubscribe(store.deps, claims, { action: 'pause', weeks: 8 }, NOW);

    // Act
    const outcome = await applyUnsubscribe(store.deps, claims, { action: 'pause', weeks: 4 }, NOW);

    // Assess
    expect(outcome).toStrictEqual({
      action: 'pause',
      pausedUntil: '2025-05-29T18:30:00.000Z',
      changed: false,
    });
  });
});
