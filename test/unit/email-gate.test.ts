import { describe, expect, it } from 'vitest';
import { gate } from '../../shared/domain/email-gate';
import { type Decision, decide, type RecipientState } from '../../shared/domain/nudge-policy';

/** The gate reads the person's state through its port and lets the nudge policy decide. */

const BOUNCED_ADDRESS = 'ada.lovelace@example.org';

describe('gate', () => {
  const recipient = { participantId: 'p-1234', email: BOUNCED_ADDRESS, timezone: 'Europe/London' };
  const state = (overrides: Partial<RecipientState> = {}): RecipientState => ({
    timezone: 'Europe/London',
    unsubscribed: [],
    recentNudges: [],
    ...overrides,
  });
  const midday = new Date('2025-04-02T11:00:00.000Z');
  const gateWith = (s: RecipientState, category: 'transactional' | 'milestones', latest?: Date) => {
    const seen: unknown[] = [];
    const deps = {
      recipients: {
        recipientState: async (orgId: string, who: typeof recipient) => {
          seen.push([orgId, who.participantId]);
          return s;
        },
      },
    };
    return {
      decision: gate(deps, { orgId: 'riverside-mentors', participant: recipient, category, latest }, midday),
      seen,
    };
  };

  it.each<[string, RecipientState, 'transactional' | 'milestones', Decision]>([
    [
      'a suppressed address gets no transactional mail',
      state({ suppressed: { reason: 'bounce', at: 'x' } }),
      'transactional',
      { action: 'drop', reason: 'suppressed' },
    ],
    [
      'an unsubscribed category is dropped',
      state({ unsubscribed: ['milestones'] }),
      'milestones',
      { action: 'drop', reason: 'unsubscribed' },
    ],
    [
      'an unsubscribed person still gets transactional mail',
      state({ unsubscribed: ['milestones'] }),
      'transactional',
      { action: 'send' },
    ],
    ['a nudge at midday goes', state(), 'milestones', { action: 'send' }],
  ])('%s', async (_label, s, category, expected) => {
    const { decision, seen } = gateWith(s, category);
    expect(await decision).toStrictEqual(expected);
    expect(seen).toStrictEqual([['riverside-mentors', 'p-1234']]);
  });

  it('asks the policy with the email’s latest moment', async () => {
    const latest = new Date('2025-04-02T10:00:00.000Z');
    expect(await gateWith(state(), 'milestones', latest).decision).toStrictEqual(
      decide({ category: 'milestones', latest }, state(), midday),
    );
    expect(await gateWith(state(), 'milestones', latest).decision).toStrictEqual({
      action: 'drop',
      reason: 'stale',
    });
  });
});
