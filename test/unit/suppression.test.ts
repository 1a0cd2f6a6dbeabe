import { describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../infra/local/event-pattern';
import {
  feedbackDecision,
  SES_FEEDBACK_RULE,
  SesFeedbackEvent,
  type SuppressionDeps,
  sesFeedbackEvent,
  suppressAddresses,
} from '../../shared/domain/suppression';
import type { OutgoingEvent } from '../../shared/events/catalogue';
import {
  BOUNCED_ADDRESS,
  COMPLAINING_ADDRESS,
  complaint,
  delivered,
  permanentBounce,
  transientBounce,
  undeterminedBounce,
} from '../fixtures/ses-events';

const NOW = new Date('2025-04-02T08:15:03.000Z');

const parse = (event: unknown) => SesFeedbackEvent.parse(event);

describe('SES feedback events', () => {
  it('a permanent bounce suppresses its address, normalised, with SES’s time and our tags’ ids', () => {
    // Act
    const decision = feedbackDecision(parse(permanentBounce()));

    // Assess
    expect(decision).toStrictEqual({
      action: 'suppress',
      reason: 'bounce',
      at: '2025-04-02T08:15:00.669Z',
      subType: 'General',
      addresses: [BOUNCED_ADDRESS.toLowerCase()],
      orgId: 'riverside-mentors',
      participantId: 'p-1234',
    });
  });

  it.each(['Suppressed', 'OnAccountSuppressionList', 'NoEmail'])(
    'a permanent bounce of sub-type %s suppresses too',
    (subType) => {
      expect(feedbackDecision(parse(permanentBounce(undefined, subType))).action).toBe('suppress');
    },
  );

  it('a transient bounce (mailbox full) suppresses nothing', () => {
    expect(feedbackDecision(parse(transientBounce()))).toStrictEqual({
      action: 'ignore',
      why: 'transient-bounce',
    });
  });

  it('an undetermined bounce suppresses nothing', () => {
    expect(feedbackDecision(parse(undeterminedBounce()))).toStrictEqual({
      action: 'ignore',
      why: 'undetermined-bounce',
    });
  });

  it('a complaint suppresses its address', () => {
    expect(feedbackDecision(parse(complaint()))).toMatchObject({
      action: 'suppress',
      reason: 'complaint',
      at: '2025-04-02T09:40:12.000Z',
      addresses: [COMPLAINING_ADDRESS],
      subType: 'abuse',
    });
  });

  it('a complaint without a feedback type suppresses too (many providers send none)', () => {
    expect(feedbackDecision(parse(complaint(undefined))).action).toBe('suppress');
  });

  it('a "not-spam" report is not a complaint', () => {
    expect(feedbackDecision(parse(complaint('not-spam')))).toStrictEqual({
      action: 'ignore',
      why: 'not-spam',
    });
  });

  it('untagged mail, or tags that are not ids, name no organisation or person', () => {
    expect(feedbackDecision(parse(permanentBounce({})))).not.toHaveProperty('orgId');
    const odd = feedbackDecision(
      parse(permanentBounce({ 'kindred-org': ['Not An Id!'], 'kindred-participant': ['a', 'b'] })),
    );
    expect(odd).not.toHaveProperty('orgId');
    expect(odd).not.toHaveProperty('participantId');
  });

  it('lists each address once', () => {
    // Prepare
    const event = permanentBounce();
    const recipients = [BOUNCED_ADDRESS, BOUNCED_ADDRESS.toUpperCase(), 'other@example.org'].map(
      (emailAddress) => ({ emailAddress, action: 'failed', status: '5.1.1' }),
    );
    const twice = {
      ...event,
      detail: { ...event.detail, bounce: { ...event.detail.bounce, bouncedRecipients: recipients } },
    };

    // Act
    const decision = feedbackDecision(parse(twice));

    // Assess
    expect(decision.action === 'suppress' && decision.addresses).toStrictEqual([
      BOUNCED_ADDRESS.toLowerCase(),
      'other@example.org',
    ]);
  });

  it.each([
    ['another service’s event', { ...permanentBounce(), source: 'aws.sns' }],
    ['a delivery', delivered()],
    [
      'a bounce without recipients',
      (() => {
        const event = permanentBounce();
        return {
          ...event,
          detail: { ...event.detail, bounce: { ...event.detail.bounce, bouncedRecipients: [] } },
        };
      })(),
    ],
    [
      'a bounce without its bounce object',
      { ...permanentBounce(), detail: { eventType: 'Bounce', mail: {} } },
    ],
  ])('refuses %s', (_label, event) => {
    expect(SesFeedbackEvent.safeParse(event).success).toBe(false);
  });
});

describe('the local stand-in event', () => {
  const where = {
    account: '000000000000',
    region: 'eu-west-1',
    from: 'kindred (local) <no-reply@kindred.local>',
    configurationSet: 'kindred-local',
  };

  /** The paths of an object's keys, to compare shapes rather than values. */
  const shape = (value: unknown, prefix = ''): string[] =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.entries(value).flatMap(([key, inner]) => [
          `${prefix}${key}`,
          ...shape(inner, `${prefix}${key}.`),
        ])
      : Array.isArray(value) && value.length > 0
        ? shape(value[0], `${prefix}[].`)
        : [];
  const essentials = (paths: string[]) =>
    paths.filter(
      (p) => !p.startsWith('detail.mail.tags.') && !/headers|commonHeaders|userAgent|arrivalDate/.test(p),
    );

  it.each([
    ['Permanent', permanentBounce()],
    ['Complaint', complaint()],
  ] as const)('a %s has the documented sample’s shape', (type, sample) => {
    // Act
    const event = sesFeedbackEvent({ email: 'x@example.org', type }, NOW, where);

    // Assess
    expect(essentials(shape(event)).sort()).toStrictEqual(essentials(shape(sample)).sort());
  });

  it.each([
    ['Permanent', 'suppress'],
    ['Transient', 'ignore'],
    ['Complaint', 'suppress'],
  ] as const)('a %s passes the rule’s pattern and parses, deciding %s', (type, action) => {
    // Act
    const event = sesFeedbackEvent(
      { email: 'X@Example.org', type, orgId: 'demo-university', participantId: 'p-1' },
      NOW,
      where,
    );

    // Assess
    expect(matchesEventPattern(SES_FEEDBACK_RULE.eventPattern, event)).toBe(true);
    const decision = feedbackDecision(parse(event));
    expect(decision.action).toBe(action);
    if (decision.action === 'suppress') {
      expect(decision).toMatchObject({
        addresses: ['x@example.org'],
        orgId: 'demo-university',
        participantId: 'p-1',
      });
    }
  });
});

describe('suppressAddresses', () => {
  const memory = () => {
    const suppressed = new Map<string, { reason: string; at: string }>();
    const events: OutgoingEvent<'EmailSuppressed'>[] = [];
    const deps: SuppressionDeps = {
      hashEmail: async (email) => `hash-of-${email.trim().toLowerCase()}`,
      suppressions: {
        async suppress(hash, suppression, event) {
          if (suppressed.has(hash)) return 'already';
          suppressed.set(hash, suppression);
          if (event) events.push(event);
          return 'suppressed';
        },
      },
    };
    return { deps, suppressed, events };
  };
  const decisionOf = (event: unknown) => {
    const decision = feedbackDecision(parse(event));
    if (decision.action !== 'suppress') throw new Error('expected a suppression');
    return decision;
  };

  it('suppresses by pseudonym and announces it, with ids only, for the tagged organisation and person', async () => {
    // Prepare
    const store = memory();

    // Act
    const result = await suppressAddresses(store.deps, decisionOf(permanentBounce()), NOW);

    // Assess
    expect(result).toStrictEqual({ reason: 'bounce', suppressed: 1, already: 0, announced: 1 });
    expect([...store.suppressed.keys()]).toStrictEqual([`hash-of-${BOUNCED_ADDRESS.toLowerCase()}`]);
    expect(store.events).toStrictEqual([
      {
        detailType: 'EmailSuppressed',
        detail: {
          version: 1,
          orgId: 'riverside-mentors',
          occurredAt: NOW.toISOString(),
          participantId: 'p-1234',
          reason: 'bounce',
        },
      },
    ]);
  });

  it('suppresses untagged mail too, announcing nothing (an event belongs to an organisation)', async () => {
    const store = memory();
    const result = await suppressAddresses(store.deps, decisionOf(permanentBounce({})), NOW);
    expect(result).toMatchObject({ suppressed: 1, announced: 0 });
    expect(store.events).toHaveLength(0);
  });

  it('does nothing more for an address suppressed before (a redelivered event)', async () => {
    // Prepare
    const store = memory();
    await suppressAddresses(store.deps, decisionOf(permanentBounce()), NOW);

    // Act
    const again = await suppressAddresses(store.deps, decisionOf(permanentBounce()), NOW);

    // Assess
    expect(again).toStrictEqual({ reason: 'bounce', suppressed: 0, already: 1, announced: 0 });
    expect(store.events).toHaveLength(1);
  });
});
