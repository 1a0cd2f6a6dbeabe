import { describe, expect, it } from 'vitest';
import type { EndedBy, EndReason } from '../../shared/domain/match';
import {
  composeMatchEnded,
  composeMatchMade,
  type MatchEmailContext,
  planMatchEnded,
  planMatchMade,
} from '../../shared/domain/match-emails';
import { matchEndedEmail, matchMadeEmail } from '../../shared/email/match-templates';
import { type MatchProfile, prepareProfile, scorePair } from '../../shared/matching/score';
import { defaultMatchingSettings } from '../../shared/matching/settings';

const WEEK = '2025-01-13';
const MATCH_ID = 'match-7c1e';
const MENTOR_ID = 'mentor-priya';
const MENTEE_ID = 'mentee-sam';
const pair = { matchId: MATCH_ID, mentorId: MENTOR_ID, menteeId: MENTEE_ID };

const mentorProfile: MatchProfile = {
  id: MENTOR_ID,
  programId: 'youth-mentoring',
  role: 'mentor',
  languages: ['en'],
  timezone: 'Europe/London',
  availability: [{ day: 'tue', from: '18:00', to: '21:00' }],
  interests: ['hiking', 'chess'],
  experiences: ['moving to a new city alone'],
  goals: ['settle into university'],
};
const menteeProfile: MatchProfile = {
  ...mentorProfile,
  id: MENTEE_ID,
  role: 'mentee',
  availability: [{ day: 'tue', from: '18:00', to: '20:00' }],
  experiences: ['Moving to a new city alone'],
};
const explanation = scorePair(
  prepareProfile(mentorProfile, WEEK),
  prepareProfile(menteeProfile, WEEK),
  defaultMatchingSettings,
);

const context: MatchEmailContext = {
  brand: { orgName: 'Riverside Mentors', colour: '#116644' },
  programName: 'Youth mentoring',
  mentor: {
    participantId: MENTOR_ID,
    name: 'Priya Shah',
    email: 'priya.shah@example.org',
    timezone: 'Europe/London',
  },
  mentee: {
    participantId: MENTEE_ID,
    name: 'Sam Okoro',
    email: 'sam.okoro@example.org',
    timezone: 'Europe/London',
  },
};

/** A text part: paragraphs separated by a blank line, ending in a newline. */
const textPart = (...paragraphs: string[]) => `${paragraphs.join('\n\n')}\n`;

const rematchLink = (participantId: string) =>
  `https://api.kindred.test/v1/rematch?token=t-${participantId}&x=1`;

const ended = (reason: EndReason, endedBy: EndedBy, rejoining?: ('mentor' | 'mentee')[]) =>
  composeMatchEnded({ ...pair, reason, endedBy, rejoining }, context);

describe('planMatchMade', () => {
  it('plans one introduction for each person, keyed on the match and the person', () => {
    expect(planMatchMade(pair)).toEqual([
      {
        template: 'match-made',
        role: 'mentor',
        participantId: MENTOR_ID,
        key: `MatchMade:${MATCH_ID}:${MENTOR_ID}:match-made:v1`,
      },
      {
        template: 'match-made',
        role: 'mentee',
        participantId: MENTEE_ID,
        key: `MatchMade:${MATCH_ID}:${MENTEE_ID}:match-made:v1`,
      },
    ]);
  });

  it('puts the template version in the key', () => {
    expect(matchMadeEmail.version).toBe(1);
    expect(planMatchMade(pair).every((p) => p.key.endsWith(`:v${matchMadeEmail.version}`))).toBe(true);
  });
});

describe('planMatchEnded', () => {
  it('tells whoever rejoins that they are back on the list, and thanks the other', () => {
    expect(planMatchEnded({ ...pair, rejoining: ['mentor'] })).toEqual([
      {
        template: 'back-in-pool',
        role: 'mentor',
        participantId: MENTOR_ID,
        key: `MatchEnded:${MATCH_ID}:${MENTOR_ID}:back-in-pool:v1`,
      },
      {
        template: 'match-ended',
        role: 'mentee',
        participantId: MENTEE_ID,
        key: `MatchEnded:${MATCH_ID}:${MENTEE_ID}:match-ended:v1`,
      },
    ]);
  });

  it('puts both back on the list when both rejoin', () => {
    const plans = planMatchEnded({ ...pair, rejoining: ['mentee', 'mentor'] });
    expect(plans.map((p) => [p.role, p.template])).toEqual([
      ['mentor', 'back-in-pool'],
      ['mentee', 'back-in-pool'],
    ]);
  });

  it('treats an event without `rejoining` as nobody rejoining', () => {
    const plans = planMatchEnded(pair);
    expect(plans.map((p) => p.template)).toEqual(['match-ended', 'match-ended']);
    expect(plans.map((p) => p.key)).toEqual([
      `MatchEnded:${MATCH_ID}:${MENTOR_ID}:match-ended:v${matchEndedEmail.version}`,
      `MatchEnded:${MATCH_ID}:${MENTEE_ID}:match-ended:v${matchEndedEmail.version}`,
    ]);
  });
});

describe('composeMatchMade', () => {
  const [toMentor, toMentee] = composeMatchMade(pair, explanation, context, rematchLink);

  it('addresses each introduction to its reader, with a subject for their role', () => {
    expect(toMentor?.to).toBe('priya.shah@example.org');
    expect(toMentor?.content.subject).toBe('You have a new mentee: Sam');
    expect(toMentee?.to).toBe('sam.okoro@example.org');
    expect(toMentee?.content.subject).toBe('You have a mentor: Priya');
  });

  it('writes the mentee’s introduction in plain words', () => {
    expect(toMentee?.content.text).toBe(
      textPart(
        'Hi Sam,',
        'Good news: we have found you a mentor in Youth mentoring. Meet Priya!',
        "Why we think you'll get on:\n" +
          '- You both know what moving to a new city alone is like.\n' +
          '- Priya can help with your goal: settle into university.\n' +
          "- You're both into hiking and chess.",
        "You can reach Priya at priya.shah@example.org. We've sent Priya your email address too, so either of you can write first.",
        "Why not send Priya a short hello and suggest a time for a first meeting? Half an hour is plenty to start: say a little about yourself and what you'd like to get out of mentoring.",
        `Not the right match? Ask for a new one: ${rematchLink(MENTEE_ID)}`,
      ),
    );
  });

  it('gives each reader the reasons in their own words and the other’s address', () => {
    expect(toMentor?.content.text).toContain('- You can help Sam with their goal: settle into university.\n');
    expect(toMentor?.content.text).toContain('You can reach Sam at sam.okoro@example.org.');
    expect(toMentor?.content.text).not.toContain('priya.shah@example.org');
    expect(toMentee?.content.text).not.toContain('sam.okoro@example.org');
  });

  it('lists the reasons as a list in the HTML part, in an accessible page', () => {
    const html = toMentee?.content.html ?? '';
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('<title>You have a mentor: Priya</title>');
    expect(html).toContain(
      '<ul><li>You both know what moving to a new city alone is like.</li>' +
        '<li>Priya can help with your goal: settle into university.</li>' +
        '<li>You&#39;re both into hiking and chess.</li></ul>',
    );
    expect(html).toContain('priya.shah@example.org');
  });

  it('links each reader to their own rematch link, escaped in the HTML part', () => {
    expect(toMentor?.content.text).toContain(`Ask for a new one: ${rematchLink(MENTOR_ID)}\n`);
    expect(toMentor?.content.html).toContain(
      `<a href="https://api.kindred.test/v1/rematch?token=t-${MENTOR_ID}&#38;x=1">Ask for a new one</a>`,
    );
    expect(toMentee?.content.html).toContain(`token=t-${MENTEE_ID}&#38;x=1`);
    expect(toMentee?.content.html).not.toContain(`token=t-${MENTOR_ID}`);
  });

  it('escapes names and the organisation in the HTML part', () => {
    const [email] = composeMatchMade(
      pair,
      explanation,
      {
        ...context,
        brand: { orgName: 'Tom & Jerry <Club>' },
        mentee: { ...context.mentee, name: '<script>alert(1)</script> Okoro' },
      },
      rematchLink,
    );
    const html = email?.content.html ?? '';
    expect(email?.content.subject).toBe('You have a new mentee: <script>alert(1)</script>');
    expect(html).not.toContain('<script>');
    expect(html).toContain('You can help &#60;script&#62;alert(1)&#60;/script&#62; with their goal');
    expect(html).toContain('Tom &#38; Jerry &#60;Club&#62;');
  });

  it('leaves the program out when it has no name', () => {
    const [email] = composeMatchMade(pair, explanation, { ...context, programName: undefined }, rematchLink);
    expect(email?.content.text).toContain('Good news: we have found you a new mentee. Meet Sam!');
  });

  it('refuses people who are not the pair of the match', () => {
    const swapped = { ...context, mentor: context.mentee, mentee: context.mentor };
    expect(() => composeMatchMade(pair, explanation, swapped, rematchLink)).toThrow(/not the pair/);
  });
});

describe('composeMatchEnded', () => {
  it('while the mentee is being erased, tells only the mentor, naming the mentee by role', () => {
    const erasing = {
      ...context,
      mentee: { ...context.mentee, erasingSince: '2026-05-01T10:00:00.000Z' },
    };
    const emails = composeMatchEnded(
      { ...pair, reason: 'participant-left', endedBy: 'mentee', rejoining: ['mentor'] },
      erasing,
    );
    expect(emails.map((e) => e.to)).toEqual(['priya.shah@example.org']);
    expect(emails[0]?.content.subject).toBe('Your match with your mentee has ended');
    expect(`${emails[0]?.content.text}${emails[0]?.content.html}`).not.toContain('Sam');
  });

  it('tells a rejoining mentee they are back on the list', () => {
    const [, toMentee] = ended('not-a-good-fit', 'coordinator', ['mentor', 'mentee']);
    expect(toMentee?.template).toBe('back-in-pool');
    expect(toMentee?.to).toBe('sam.okoro@example.org');
    expect(toMentee?.content.subject).toBe('Your match with Priya has ended');
    expect(toMentee?.content.text).toBe(
      textPart(
        'Hi Sam,',
        'Your match with Priya has ended.',
        "Thank you for the time you gave to it. Not every match works out, and that's OK.",
        "You're back on the list and we'll email you as soon as we find a new match.",
        "There's nothing you need to do in the meantime.",
      ),
    );
  });

  it('tells a rejoining mentor a new mentee comes when one fits', () => {
    const [toMentor] = ended('schedule-conflict', 'mentee', ['mentor', 'mentee']);
    expect(toMentor?.content.text).toContain(
      "You're back on the list and we'll introduce you to a new mentee when one fits.",
    );
  });

  it('says "as you asked" only to the person who ended it', () => {
    const [toMentor, toMentee] = ended('participant-left', 'mentee', ['mentor']);
    expect(toMentee?.content.text).toContain('Your match with Priya has ended, as you asked.');
    expect(toMentor?.content.text).toContain('Your match with Sam has ended.');
    expect(toMentor?.content.text).not.toContain('as you asked');
  });

  it('congratulates both on a completed match, whether they rejoin or not', () => {
    const [toMentor, toMentee] = ended('completed', 'coordinator', ['mentor']);
    expect(toMentor?.template).toBe('back-in-pool');
    expect(toMentor?.content.subject).toBe('Congratulations on completing your mentoring with Sam');
    expect(toMentor?.content.text).toContain('Congratulations: your mentoring with Sam is complete.');
    expect(toMentee?.template).toBe('match-ended');
    expect(toMentee?.content.text).toBe(
      textPart(
        'Hi Sam,',
        'Congratulations: your mentoring with Priya is complete.',
        'Finishing a mentoring relationship takes time and commitment, and you did it. Thank you for everything you put into it, and for being part of Youth mentoring.',
      ),
    );
  });

  it('thanks a person who does not rejoin and says no new match is looked for', () => {
    const [toMentor] = ended('inactivity', 'system');
    expect(toMentor?.template).toBe('match-ended');
    expect(toMentor?.content.text).toContain(
      "We won't look for a new match for you for now. If you'd like one later, let Riverside Mentors know.",
    );
  });

  it('never states a safeguarding concern: neutral words and the program team in touch', () => {
    const emails = [
      ...ended('safeguarding-concern', 'coordinator'),
      ...ended('safeguarding-concern', 'mentee'),
    ];
    for (const email of emails) {
      const { subject, text, html } = email.content;
      expect(subject).toMatch(/^Your match with (Priya|Sam) has ended$/);
      expect(text).toContain('The program team will be in touch with you soon.');
      for (const part of [subject, text, html]) {
        expect(part).not.toMatch(/safeguard|concern|safety|report|as you asked|works out/i);
      }
    }
  });

  it('keeps the safeguarding wording neutral for someone put back on the list too', () => {
    const [toMentor] = ended('safeguarding-concern', 'coordinator', ['mentor']);
    expect(toMentor?.template).toBe('back-in-pool');
    expect(toMentor?.content.text).toContain('The program team will be in touch with you soon.');
    expect(toMentor?.content.text).not.toMatch(/safeguard|concern|works out/i);
  });

  it('escapes the other person’s name in the HTML part', () => {
    const [email] = composeMatchEnded(
      { ...pair, reason: 'other', endedBy: 'system', rejoining: ['mentor'] },
      { ...context, mentee: { ...context.mentee, name: 'S<b>m' } },
    );
    expect(email?.content.html).toContain('Your match with S&#60;b&#62;m has ended.');
    expect(email?.content.html).not.toContain('<b>');
  });
});
