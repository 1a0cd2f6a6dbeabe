import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Match } from '../../shared/domain/match';
import {
  celebration,
  composeMilestoneEmails,
  heldMeetings,
  MEETING_MILESTONES,
  type MilestoneEmailContext,
  type MilestoneName,
  MONTH_MILESTONES,
  milestoneReached,
  milestoneSubject,
  milestonesDue,
  monthsBetween,
  planMilestoneEmails,
  SESSION_MILESTONES,
} from '../../shared/domain/milestones';
import { milestoneEmail } from '../../shared/email/milestone-templates';
import { Milestone, parseDetail } from '../../shared/events/catalogue';

const ORG_ID = 'riverside-mentors';
const MATCH_ID = 'match-7c1e';
const MENTOR_ID = 'mentor-priya';
const MENTEE_ID = 'mentee-sam';
const NOW = new Date('2025-04-01T19:30:00.000Z');

const context = (people = ['priya', 'sam']): MilestoneEmailContext => ({
  brand: { orgName: 'Riverside Mentors', colour: '#116644' },
  programName: 'Youth mentoring',
  match: { mentorId: MENTOR_ID, menteeId: MENTEE_ID },
  people: new Map(
    [
      {
        participantId: MENTOR_ID,
        name: 'Priya Shah',
        email: 'priya.shah@example.org',
        timezone: 'Europe/London',
      },
      {
        participantId: MENTEE_ID,
        name: 'Sam Okoro',
        email: 'sam.okoro@example.org',
        timezone: 'Europe/London',
      },
    ]
      .filter((person) => people.some((name) => person.name.toLowerCase().startsWith(name)))
      .map((person) => [person.participantId, person]),
  ),
});

const pairReached = (milestone: MilestoneName) => ({
  milestone,
  participantIds: [MENTOR_ID, MENTEE_ID],
  matchId: MATCH_ID,
});

describe('milestonesDue', () => {
  it.each([
    [0, []],
    [1, ['first-meeting']],
    [2, ['first-meeting']],
    [3, ['first-meeting', 'meetings-3']],
    [5, ['first-meeting', 'meetings-3']],
    [6, ['first-meeting', 'meetings-3', 'meetings-6']],
    [11, ['first-meeting', 'meetings-3', 'meetings-6']],
    [12, ['first-meeting', 'meetings-3', 'meetings-6', 'meetings-12']],
    [40, ['first-meeting', 'meetings-3', 'meetings-6', 'meetings-12']],
  ])('after %i meetings held, with none reached yet, %j are due', (count, due) => {
    expect(milestonesDue(MEETING_MILESTONES, count, [])).toEqual(due);
  });

  it('reaches a threshold the count has passed: the fourth meeting’s event may be the first to see three', () => {
    expect(milestonesDue(MEETING_MILESTONES, 4, ['first-meeting'])).toEqual(['meetings-3']);
  });

  it('owes nothing once every passed threshold is reached', () => {
    expect(milestonesDue(MEETING_MILESTONES, 7, ['first-meeting', 'meetings-3', 'meetings-6'])).toEqual([]);
  });

  it('ignores names of other ladders among those reached', () => {
    expect(milestonesDue(MEETING_MILESTONES, 1, ['months-1', 'goal-achieved'])).toEqual(['first-meeting']);
  });

  it('covers the session and month ladders the same way', () => {
    expect(milestonesDue(SESSION_MILESTONES, 5)).toEqual(['sessions-1', 'sessions-5']);
    expect(milestonesDue(SESSION_MILESTONES, 10, ['sessions-1'])).toEqual(['sessions-5', 'sessions-10']);
    expect(milestonesDue(MONTH_MILESTONES, 6, ['months-1'])).toEqual(['months-3', 'months-6']);
  });

  it('reaches every passed threshold exactly once, whatever order and however often counts are seen', () => {
    // Meetings 1..n are held; their events arrive in any order, some several times, each seeing a count
    // at least its own meeting's number (the table may have moved on by the time it is handled).
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 14 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              Array.from({ length: n * 3 }, (_, i) => (i % n) + 1),
              { minLength: n * 3, maxLength: n * 3 },
            ),
            fc.array(fc.nat(3), { minLength: n * 3, maxLength: n * 3 }),
          ),
        ),
        ([n, deliveries, lateness]) => {
          const reached: MilestoneName[] = [];
          deliveries.forEach((meeting, i) => {
            const seen = Math.min(n, meeting + (lateness[i] ?? 0));
            reached.push(...milestonesDue(MEETING_MILESTONES, seen, reached));
          });
          expect(new Set(reached).size).toBe(reached.length);
          expect([...reached].sort()).toEqual(
            MEETING_MILESTONES.filter((s) => s.at <= n)
              .map((s) => s.milestone)
              .sort(),
          );
        },
      ),
    );
  });
});

describe('heldMeetings', () => {
  it('counts only the meetings of this match that were held', () => {
    const meetings = [
      { matchId: MATCH_ID, status: 'held' },
      { matchId: MATCH_ID, status: 'skipped' },
      { matchId: MATCH_ID, status: 'held' },
      { matchId: MATCH_ID, status: 'cancelled' },
      { matchId: MATCH_ID, status: 'planned' },
      { matchId: `${MATCH_ID}-b`, status: 'held' },
    ];
    expect(heldMeetings(meetings, MATCH_ID)).toBe(2);
  });
});

describe('monthsBetween', () => {
  it.each([
    ['2025-01-15T10:00:00Z', '2025-02-15T09:59:59Z', 0],
    ['2025-01-15T10:00:00Z', '2025-02-15T10:00:00Z', 1],
    ['2025-01-31T10:00:00Z', '2025-02-28T10:00:00Z', 1],
    ['2025-01-15T10:00:00Z', '2026-01-15T10:00:00Z', 12],
    ['2025-06-01T10:00:00Z', '2025-05-01T10:00:00Z', 0],
  ])('from %s to %s is %i whole months', (since, now, months) => {
    expect(monthsBetween(new Date(since), new Date(now), 'Europe/London')).toBe(months);
  });

  it('counts months on the person’s own calendar', () => {
    // 23:30 UTC on 31 March is already 1 April in London (BST): a month is complete at 00:30 on 1 May there.
    const since = new Date('2025-03-31T23:30:00Z');
    expect(monthsBetween(since, new Date('2025-04-30T23:29:00Z'), 'Europe/London')).toBe(0);
    expect(monthsBetween(since, new Date('2025-04-30T23:30:00Z'), 'Europe/London')).toBe(1);
  });
});

describe('milestoneReached and milestoneSubject', () => {
  it('builds a catalogue-valid event naming the pair', () => {
    const event = milestoneReached(
      ORG_ID,
      'meetings-3',
      { participantIds: [MENTOR_ID, MENTEE_ID], matchId: MATCH_ID },
      NOW,
    );
    expect(event.detailType).toBe('MilestoneReached');
    expect(parseDetail('MilestoneReached', event.detail)).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: NOW.toISOString(),
      milestone: 'meetings-3',
      participantIds: [MENTOR_ID, MENTEE_ID],
      matchId: MATCH_ID,
    });
    expect(event.detail).not.toHaveProperty('groupId');
  });

  it('is reached for the match, else the group, else the one person', () => {
    expect(milestoneSubject({ participantIds: [MENTOR_ID, MENTEE_ID], matchId: MATCH_ID })).toBe(MATCH_ID);
    expect(milestoneSubject({ participantIds: ['member-1'], groupId: 'grief-circle' })).toBe('grief-circle');
    expect(milestoneSubject({ participantIds: ['member-1'] })).toBe('member-1');
  });
});

describe('planMilestoneEmails', () => {
  it('plans one email per person, keyed on the subject, the milestone, the person and the template', () => {
    expect(planMilestoneEmails(pairReached('first-meeting'))).toEqual([
      {
        participantId: MENTOR_ID,
        key: `MilestoneReached:${MATCH_ID}:first-meeting:${MENTOR_ID}:milestone:v1`,
      },
      {
        participantId: MENTEE_ID,
        key: `MilestoneReached:${MATCH_ID}:first-meeting:${MENTEE_ID}:milestone:v1`,
      },
    ]);
  });

  it('keys a group member’s milestone on the group and the member', () => {
    expect(
      planMilestoneEmails({ milestone: 'sessions-5', participantIds: ['member-1'], groupId: 'grief-circle' }),
    ).toEqual([
      { participantId: 'member-1', key: 'MilestoneReached:grief-circle:sessions-5:member-1:milestone:v1' },
    ]);
  });

  it('keys each goal of a pair on its own, so a second goal is celebrated too', () => {
    const keys = ['0123456789abcdef', 'fedcba9876543210'].map(
      (goalId) => planMilestoneEmails({ ...pairReached('goal-achieved'), goalId })[0]?.key,
    );
    expect(keys).toEqual([
      `MilestoneReached:${MATCH_ID}:goal-achieved#0123456789abcdef:${MENTOR_ID}:milestone:v1`,
      `MilestoneReached:${MATCH_ID}:goal-achieved#fedcba9876543210:${MENTOR_ID}:milestone:v1`,
    ]);
  });

  it('never plans two emails for a person named twice', () => {
    expect(
      planMilestoneEmails({ milestone: 'goal-achieved', participantIds: ['member-1', 'member-1'] }),
    ).toHaveLength(1);
  });
});

describe('composeMilestoneEmails', () => {
  it('congratulates each on the first meeting, naming the other', () => {
    const { emails, missing } = composeMilestoneEmails(pairReached('first-meeting'), context());
    expect(missing).toEqual([]);
    expect(emails.map((e) => [e.participantId, e.to, e.content.subject])).toEqual([
      [MENTOR_ID, 'priya.shah@example.org', 'Your first meeting with Sam — well done!'],
      [MENTEE_ID, 'sam.okoro@example.org', 'Your first meeting with Priya — well done!'],
    ]);
    const [toMentor] = emails;
    expect(toMentor?.content.text).toContain('Hi Priya,\n\nYou and Sam have had your first meeting.');
    expect(toMentor?.content.html).toContain('<p>Hi Priya,</p>');
    expect(toMentor?.content.html).toContain('Riverside Mentors');
    expect(toMentor?.content.html).toContain('#116644');
  });

  it.each([
    ['meetings-3', 'Three meetings together — you and Sam are finding your rhythm', 'met three times'],
    ['meetings-6', 'Six meetings together — you and Sam are going strong', 'met six times'],
    ['meetings-12', 'Twelve meetings together — what a milestone for you and Sam', 'met twelve times'],
    ['months-1', 'A month together — you and Sam', "It's a month since you and Sam were matched."],
    ['months-12', 'A year together — you and Sam', "It's a year since you and Sam were matched."],
    ['goal-achieved', 'You reached a goal — congratulations!', 'You and Sam have reached a goal'],
    [
      'program-completed',
      "You've completed Youth mentoring — congratulations!",
      'You and Sam have completed Youth mentoring.',
    ],
  ] as const)('names %s for the mentor: "%s"', (milestone, subject, line) => {
    const [toMentor] = composeMilestoneEmails(pairReached(milestone), context()).emails;
    expect(toMentor?.content.subject).toBe(subject);
    expect(toMentor?.content.text).toContain(line);
  });

  it('calls the other person by role once they are no longer known, and skips whoever is gone', () => {
    const { emails, missing } = composeMilestoneEmails(pairReached('first-meeting'), context(['sam']));
    expect(missing).toEqual([MENTOR_ID]);
    expect(emails.map((e) => e.content.subject)).toEqual([
      'Your first meeting with your mentor — well done!',
    ]);
  });

  it('celebrates a group member’s sessions with the group’s name', () => {
    const { emails } = composeMilestoneEmails(
      { milestone: 'sessions-10', participantIds: ['member-1'], groupId: 'grief-circle' },
      {
        brand: { orgName: 'Riverside Mentors' },
        programName: 'Grief circle',
        groupName: 'Grief circle',
        people: new Map([
          [
            'member-1',
            {
              participantId: 'member-1',
              name: 'Ada Lovelace',
              email: 'ada@x.org',
              timezone: 'Europe/London',
            },
          ],
        ]),
      },
    );
    expect(emails[0]?.content.subject).toBe('Ten sessions with Grief circle');
    expect(emails[0]?.content.text).toContain("You've now been to ten sessions of Grief circle.");
  });
});

describe('milestoneEmail', () => {
  const render = (milestone: MilestoneName, pair = true) =>
    milestoneEmail.render({
      brand: { orgName: 'Riverside Mentors' },
      programName: 'Youth mentoring',
      milestone,
      firstName: 'Sam',
      ...(pair ? { pair: { role: 'mentee' as const, otherFirstName: 'Priya' } } : {}),
      groupName: pair ? undefined : 'Grief circle',
    });

  it.each(Milestone.options)('renders %s with a subject of its own, in text and HTML', (milestone) => {
    for (const pair of [true, false]) {
      const email = render(milestone, pair);
      expect(email.subject.length).toBeGreaterThan(10);
      expect(email.text.startsWith('Hi Sam,\n\n')).toBe(true);
      expect(email.html).toContain(`<title>${email.subject.replace(/'/g, '&#39;')}</title>`);
      expect(email.text).not.toMatch(/undefined|\$\{/);
    }
  });

  it('gives every milestone a different subject', () => {
    const subjects = Milestone.options.map((m) => render(m).subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it('escapes names in the HTML part', () => {
    const email = milestoneEmail.render({
      brand: { orgName: 'Riverside Mentors' },
      milestone: 'first-meeting',
      firstName: '<b>Sam</b>',
      pair: { role: 'mentee', otherFirstName: 'Priya&Co' },
    });
    expect(email.html).toContain('&#60;b&#62;Sam&#60;/b&#62;');
    expect(email.html).toContain('Priya&#38;Co');
    expect(email.html).not.toContain('<b>Sam</b>');
  });
});

describe('celebration', () => {
  const match = (overrides: Partial<Match> = {}): Pick<Match, 'status' | 'ended'> => ({
    status: 'active',
    ...overrides,
  });
  const ended = (reason: NonNullable<Match['ended']>['reason']) =>
    match({ status: 'ended', ended: { at: NOW.toISOString(), reason, endedBy: 'mentee', rejoining: [] } });

  it('celebrates an active pair', () => {
    expect(celebration(pairReached('meetings-3'), match())).toBe('send');
  });

  it('celebrates no progress of a relationship that has ended', () => {
    expect(celebration(pairReached('meetings-3'), ended('not-a-good-fit'))).toBe('match-ended');
    expect(celebration(pairReached('months-6'), ended('schedule-conflict'))).toBe('match-ended');
  });

  it('still celebrates a completed program and an achieved goal after the end', () => {
    expect(celebration(pairReached('program-completed'), ended('completed'))).toBe('send');
    expect(celebration(pairReached('goal-achieved'), ended('completed'))).toBe('send');
  });

  it('celebrates nothing after a safeguarding concern', () => {
    expect(celebration(pairReached('program-completed'), ended('safeguarding-concern'))).toBe('safeguarding');
  });

  it('sends nothing for a pair whose match is gone, and always for a milestone of no match', () => {
    expect(celebration(pairReached('first-meeting'), undefined)).toBe('match-gone');
    expect(celebration({ milestone: 'sessions-1' }, undefined)).toBe('send');
  });
});
