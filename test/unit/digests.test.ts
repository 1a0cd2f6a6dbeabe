import { describe, expect, it } from 'vitest';
import type { OutgoingEmail } from '../../shared/adapters/email-sender';
import { nudgeSender } from '../../shared/adapters/nudge-sender';
import type { Digest, DigestEntry } from '../../shared/data/digests';
import { type DigestSendDeps, digestEmailKey, digestLatest, sendDigest } from '../../shared/domain/digests';
import {
  capAllows,
  type Decision,
  decide,
  type RecipientState,
  recordNudge,
} from '../../shared/domain/nudge-policy';
import { callsToAction, digestEmail } from '../../shared/email/digest-templates';
import { feedbackRequestEmail } from '../../shared/email/feedback-templates';
import { matchMadeEmail } from '../../shared/email/match-templates';
import { meetingReminderEmail } from '../../shared/email/meeting-templates';
import { milestoneEmail } from '../../shared/email/milestone-templates';
import { escapeHtml } from '../../shared/http/html';

/**
 * Digests of capped nudges: the policy folds every nudge over the cap into one digest due when the cap next
 * has room (and outside quiet hours); when it falls due it is decided like any nudge and sends, as one email,
 * only the entries still wanted. Driven through the real nudge sender over in-memory stores.
 */

const at = (iso: string) => new Date(iso);
const brand = { orgName: 'Riverside Mentors', colour: '#116644' };
const person = { participantId: 'p-noor', email: 'noor@example.org', timezone: 'Europe/London' };
const base = 'https://api.kindred.test';

const recipient = (overrides: Partial<RecipientState> = {}): RecipientState => ({
  timezone: 'Europe/London',
  unsubscribed: [],
  recentNudges: [],
  ...overrides,
});

/** Three nudges sent on Monday 1 June 2026 (BST): the cap is full until the first leaves the week. */
const capped = ['2026-06-01T09:00:00.000Z', '2026-06-01T10:00:00.000Z', '2026-06-01T11:00:00.000Z'];

describe('folding capped nudges into one digest', () => {
  it('gives every nudge capped by the same week the same digest time, when the first leaves the week', () => {
    // Act: three more nudges in the days after
    const decisions = ['2026-06-02T12:00:00Z', '2026-06-04T15:00:00Z', '2026-06-07T19:00:00Z'].map((now) =>
      decide({ category: 'milestones' }, recipient({ recentNudges: capped }), at(now)),
    );

    // Assess
    for (const decision of decisions) {
      expect(decision).toEqual({
        action: 'fold-into-digest',
        reason: 'frequency-cap',
        digestAt: at('2026-06-08T09:00:00.000Z'),
      });
    }
    // When it falls due the digest may go: one nudge in place of three.
    expect(
      decide({ category: 'digest' }, recipient({ recentNudges: capped }), at('2026-06-08T09:00:00Z')),
    ).toEqual({
      action: 'send',
    });
    expect(capAllows(capped, at('2026-06-08T08:59:59.999Z'))).toBe(false);
    expect(capAllows(capped, at('2026-06-08T09:00:00.000Z'))).toBe(true);
  });

  it('moves the digest to the morning when the cap frees in the night, and holds one asked at night', () => {
    // Prepare: the first counted nudge went at 22:30 London time, so the cap frees at night
    const late = ['2026-05-31T21:30:00.000Z', ...capped.slice(1)];

    // Act
    const folded = decide(
      { category: 'feedback' },
      recipient({ recentNudges: late }),
      at('2026-06-03T12:00:00Z'),
    );
    const digestAtNight = decide(
      { category: 'digest' },
      recipient({ recentNudges: [] }),
      at('2026-06-08T23:15:00Z'),
    );

    // Assess: 08:00 BST, not 22:30 the evening before
    expect(folded).toEqual({
      action: 'fold-into-digest',
      reason: 'frequency-cap',
      digestAt: at('2026-06-08T07:00:00.000Z'),
    });
    expect(digestAtNight).toEqual({
      action: 'defer',
      until: at('2026-06-09T07:00:00.000Z'),
      reason: 'quiet-hours',
    });
  });

  it('drops capped nudges, and the digest itself, for someone who unsubscribed from digests', () => {
    const refuser = recipient({ recentNudges: capped, unsubscribed: ['digest'] });
    expect(decide({ category: 'milestones' }, refuser, at('2026-06-02T12:00:00Z'))).toEqual({
      action: 'drop',
      reason: 'frequency-cap',
    });
    expect(decide({ category: 'digest' }, refuser, at('2026-06-08T12:00:00Z'))).toEqual({
      action: 'drop',
      reason: 'unsubscribed',
    });
  });
});

describe('the calls to action a folded email keeps', () => {
  it('reads each link of a rendered email with the words before it, in order', () => {
    // Prepare
    const introduction = matchMadeEmail.render({
      brand,
      role: 'mentor',
      firstName: 'Noor',
      other: { firstName: 'Ali', email: 'ali@example.org' },
      reasons: ['You both know what living with a chronic illness is like.'],
      rematchLink: `${base}/v1/rematch?token=abc&x=1`,
    });
    const reminder = meetingReminderEmail.render({
      brand,
      firstName: 'Noor',
      otherFirstName: 'Ali',
      otherEmail: 'ali@example.org',
      when: 'Wednesday 10 June, 18:00 (Europe/London)',
      durationMinutes: 45,
      first: true,
      links: {
        held: `${base}/v1/meetings/log?token=t&status=held`,
        skipped: `${base}/v1/meetings/log?token=t&status=skipped`,
      },
    });

    // Act + Assess
    expect(callsToAction(introduction.html)).toEqual([
      { lead: 'Not the right match?', label: 'Ask for a new one', url: `${base}/v1/rematch?token=abc&x=1` },
    ]);
    expect(callsToAction(reminder.html)).toEqual([
      { lead: 'We met:', label: 'Yes, we met', url: `${base}/v1/meetings/log?token=t&status=held` },
      {
        lead: 'It did not happen:',
        label: 'We skipped this one',
        url: `${base}/v1/meetings/log?token=t&status=skipped`,
      },
    ]);
    const celebration = milestoneEmail.render({
      brand,
      milestone: 'meetings-3',
      firstName: 'Noor',
      pair: { role: 'mentor', otherFirstName: 'Ali' },
    });
    expect(callsToAction(celebration.html)).toEqual([]);
  });

  it('renders a digest listing each item by its subject with its own links, as text in both parts', () => {
    // Act
    const email = digestEmail.render({
      brand,
      firstName: 'Noor',
      items: [
        {
          subject: 'You have a new mentee: <b>Ali</b>',
          actions: [
            {
              lead: 'Not the right match?',
              label: 'Ask for a new one',
              url: `${base}/v1/rematch?token=a&b=1`,
            },
          ],
        },
        { subject: 'Three meetings together', actions: [] },
      ],
    });

    // Assess
    expect(email.subject).toBe('Riverside Mentors: 2 emails we held back for you');
    expect(email.text).toContain(
      '- You have a new mentee: <b>Ali</b>\n\nNot the right match? Ask for a new one: https://api.kindred.test/v1/rematch?token=a&b=1',
    );
    expect(email.text).toContain('- Three meetings together');
    expect(email.html).toContain(`<li>${escapeHtml('You have a new mentee: <b>Ali</b>')}</li>`);
    expect(email.html).not.toContain('<b>Ali</b>');
    expect(email.html).toContain('href="https://api.kindred.test/v1/rematch?token=a&#38;b=1"');
    expect(email.html).toContain('#116644');
  });
});

/* ---------- Sending a digest through the real nudge sender, over in-memory stores ---------- */

const entry = (overrides: Partial<DigestEntry> & Pick<DigestEntry, 'key'>): DigestEntry => ({
  category: 'match',
  subject: `Subject of ${overrides.key}`,
  actions: [
    { lead: 'Go:', label: `Link of ${overrides.key}`, url: `${base}/v1/rematch?token=${overrides.key}` },
  ],
  foldedAt: '2026-06-03T12:00:00.000Z',
  ...overrides,
});

const world = (state: Partial<RecipientState>, entries: DigestEntry[]) => {
  let nudges = [...(state.recentNudges ?? [])];
  let digest: Digest = {
    orgId: 'riverside',
    participantId: person.participantId,
    digestId: 'd1',
    status: 'open',
    createdAt: '2026-06-02T12:00:00.000Z',
    dueAt: '2026-06-08T09:00:00.000Z',
    entries,
  };
  const sent: OutgoingEmail[] = [];
  const rearmed: Date[] = [];
  const sender = nudgeSender({
    emails: {
      async send(email) {
        sent.push(email);
        return { messageId: `m-${sent.length}` };
      },
    },
    recipients: {
      recipientState: async () => recipient({ ...state, recentNudges: nudges }),
      async claimNudge(_org, _id, now) {
        if (!capAllows(nudges, now)) return 'capped';
        nudges = recordNudge(nudges, now);
        return 'claimed';
      },
      async releaseNudge(_org, _id, now) {
        const i = nudges.indexOf(now.toISOString());
        if (i >= 0) nudges = nudges.filter((_, j) => j !== i);
      },
    },
    deferrals: { defer: async () => 'unused' },
    digests: { fold: async () => ({ outcome: 'full' }) },
    secret: async () => 'secret',
    publicApiUrl: base,
  });
  const deps: DigestSendDeps = {
    digests: {
      async close() {
        if (digest.status !== 'open' && digest.status !== 'closed') return undefined;
        digest = { ...digest, status: 'closed' };
        return digest;
      },
      async rearm(_o, _p, _d, until) {
        rearmed.push(until);
        return true;
      },
      async finish(_o, _p, _d, status) {
        digest = { ...digest, status, entries: [] };
      },
    },
    nudges: sender,
    unmet: async (_org, requires) => (requires?.activeMatch === 'm-ended' ? 'active-match' : undefined),
    alreadySent: async (key) => key === 'sent-on-its-own',
  };
  const run = (now: string) =>
    sendDigest(deps, { orgId: 'riverside', participant: person, digest, brand, firstName: 'Noor' }, at(now));
  return { run, sent, rearmed, nudges: () => nudges, digest: () => digest };
};

describe('sending a digest when it falls due', () => {
  it('sends one email of the entries still wanted, counted as one nudge, and finishes the digest', async () => {
    // Prepare: five entries; four are no longer wanted for four different reasons
    const w = world({ recentNudges: capped, unsubscribed: ['milestones'] }, [
      entry({ key: 'intro-bea' }),
      entry({ key: 'unsubscribed', category: 'milestones' }),
      entry({ key: 'stale', category: 'meeting-reminders', latest: '2026-06-07T17:00:00.000Z' }),
      entry({ key: 'match-ended', requires: { activeMatch: 'm-ended' } }),
      entry({ key: 'sent-on-its-own' }),
      entry({ key: 'intro-cem', category: 'feedback', latest: '2026-06-20T17:00:00.000Z' }),
    ]);

    // Act
    const result = await w.run('2026-06-08T09:00:00.000Z');

    // Assess
    expect(result).toEqual({ outcome: 'sent', messageId: 'm-1', items: 2, leftOut: 4 });
    expect(w.sent).toHaveLength(1);
    const [email] = w.sent;
    expect(email?.key).toBe(digestEmailKey(person.participantId, 'd1'));
    expect(email?.to).toBe(person.email);
    expect(email?.content.subject).toBe('Riverside Mentors: 2 emails we held back for you');
    for (const key of ['intro-bea', 'intro-cem']) {
      expect(email?.content.text).toContain(`- Subject of ${key}`);
      expect(email?.content.text).toContain(`Go: Link of ${key}: ${base}/v1/rematch?token=${key}`);
    }
    for (const key of ['unsubscribed', 'stale', 'match-ended', 'sent-on-its-own']) {
      expect(email?.content.text).not.toContain(`Subject of ${key}`);
    }
    // A nudge like any other: the footer, one-click headers signed for the digest category.
    expect(email?.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    expect(email?.content.text).toMatch(
      /Unsubscribe or pause: https:\/\/api\.kindred\.test\/v1\/unsubscribe\?token=/,
    );
    expect(w.nudges()).toEqual([...capped.slice(1), '2026-06-08T09:00:00.000Z']);
    expect(w.digest().status).toBe('sent');

    // Act again: the same DigestDue delivered again
    expect(await w.run('2026-06-08T09:05:00.000Z')).toEqual({ outcome: 'dropped', reason: 'finished' });
    expect(w.sent).toHaveLength(1);
  });

  it('sends nothing when nothing in it is still wanted, and gives the slot back', async () => {
    const w = world({ recentNudges: capped }, [
      entry({ key: 'match-ended', requires: { activeMatch: 'm-ended' } }),
    ]);

    expect(await w.run('2026-06-08T09:00:00.000Z')).toEqual({
      outcome: 'dropped',
      reason: 'nothing-still-wanted',
    });
    expect(w.sent).toEqual([]);
    // Only the first, a week old, has left; the digest's own slot was given back.
    expect(w.nudges()).toEqual(capped.slice(1));
    expect(w.digest().status).toBe('dropped');
  });

  it('waits for the morning when it falls due at night, sending nothing then', async () => {
    const w = world({}, [entry({ key: 'intro-bea' })]);

    expect(await w.run('2026-06-08T22:30:00.000Z')).toEqual({
      outcome: 'deferred',
      until: at('2026-06-09T07:00:00.000Z'),
      reason: 'quiet-hours',
    });
    expect(w.rearmed).toEqual([at('2026-06-09T07:00:00.000Z')]);
    expect(w.sent).toEqual([]);
    expect(w.digest().status).toBe('open');
  });

  it('drops the whole digest for someone who unsubscribed from digests since', async () => {
    const w = world({ unsubscribed: ['digest'] }, [entry({ key: 'intro-bea' })]);

    expect(await w.run('2026-06-08T12:00:00.000Z')).toEqual({ outcome: 'dropped', reason: 'unsubscribed' });
    expect(w.sent).toEqual([]);
    expect(w.digest().status).toBe('dropped');
  });

  it('waits for room when the cap has filled again, rather than folding into itself', async () => {
    const full = ['2026-06-07T09:00:00.000Z', '2026-06-07T10:00:00.000Z', '2026-06-07T11:00:00.000Z'];
    const w = world({ recentNudges: full }, [entry({ key: 'intro-bea' })]);

    const result = await w.run('2026-06-08T12:00:00.000Z');

    expect(result).toEqual({
      outcome: 'deferred',
      until: at('2026-06-14T09:00:00.000Z'),
      reason: 'frequency-cap',
    });
    expect(w.sent).toEqual([]);
  });

  it('is of use until the last of its entries’ own moments, and always if one has none', () => {
    expect(
      digestLatest([
        entry({ key: 'a', latest: '2026-06-09T00:00:00.000Z' }),
        entry({ key: 'b', latest: '2026-06-10T00:00:00.000Z' }),
      ]),
    ).toEqual(at('2026-06-10T00:00:00.000Z'));
    expect(
      digestLatest([entry({ key: 'a', latest: '2026-06-09T00:00:00.000Z' }), entry({ key: 'b' })]),
    ).toBeUndefined();
  });
});

describe('taking a slot under the cap before the send', () => {
  it('lets a nudge go only while a slot is free, and folds the one that finds none', async () => {
    // Prepare: two slots taken, two emails decided at once for the last one
    const folded: string[] = [];
    let nudges = capped.slice(0, 2);
    const sender = nudgeSender({
      emails: { send: async (email) => ({ messageId: email.key }) },
      recipients: {
        recipientState: async () => recipient({ recentNudges: nudges }),
        async claimNudge(_org, _id, now) {
          if (!capAllows(nudges, now)) return 'capped';
          nudges = recordNudge(nudges, now);
          return 'claimed';
        },
        releaseNudge: async () => undefined,
      },
      deferrals: { defer: async () => 'unused' },
      digests: {
        async fold(_org, _id, e, digestAt) {
          folded.push(e.key);
          return { outcome: 'folded', digestId: 'd1', dueAt: digestAt };
        },
      },
      secret: async () => 'secret',
      publicApiUrl: base,
    });
    const email = (key: string): OutgoingEmail => ({
      key,
      to: person.email,
      content: matchMadeEmail.render({
        brand,
        role: 'mentor',
        firstName: 'Noor',
        other: { firstName: key, email: 'x@example.org' },
        reasons: [],
        rematchLink: `${base}/v1/rematch?token=${key}`,
      }),
    });
    const now = at('2026-06-02T12:00:00.000Z');

    // Act
    const outcomes = await Promise.all(
      ['a', 'b'].map((key) =>
        sender.send(
          { orgId: 'riverside', participant: person, category: 'match', email: email(key), issuedAt: now },
          now,
        ),
      ),
    );

    // Assess: one sent, one folded; never four in the week
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['folded', 'sent']);
    expect(nudges).toHaveLength(3);
    expect(folded).toHaveLength(1);
    const decision: Decision = decide({ category: 'match' }, recipient({ recentNudges: nudges }), now);
    expect(decision.action).toBe('fold-into-digest');
  });

  it('gives the slot back when SES refuses the email', async () => {
    let nudges: string[] = [];
    const sender = nudgeSender({
      emails: {
        send: async () => {
          throw new Error('SES refused or failed the send: TooManyRequestsException (HTTP 429)');
        },
      },
      recipients: {
        recipientState: async () => recipient({ recentNudges: nudges }),
        async claimNudge(_org, _id, now) {
          nudges = recordNudge(nudges, now);
          return 'claimed';
        },
        async releaseNudge(_org, _id, now) {
          nudges = nudges.filter((n) => n !== now.toISOString());
        },
      },
      deferrals: { defer: async () => 'unused' },
      digests: { fold: async () => ({ outcome: 'full' }) },
      secret: async () => 'secret',
      publicApiUrl: base,
    });
    const now = at('2026-06-02T12:00:00.000Z');
    const email: OutgoingEmail = {
      key: 'k',
      to: person.email,
      content: feedbackRequestEmail.render({
        brand,
        firstName: 'Noor',
        otherFirstName: 'Ali',
        when: 'today',
        ratings: [],
      }),
    };

    await expect(
      sender.send(
        { orgId: 'riverside', participant: person, category: 'feedback', email, issuedAt: now },
        now,
      ),
    ).rejects.toThrow('TooManyRequestsException');
    expect(nudges).toEqual([]);
  });
});
