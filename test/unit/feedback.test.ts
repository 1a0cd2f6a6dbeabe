import { describe, expect, it } from 'vitest';
import type { StoredMeeting } from '../../shared/data/meetings';
import {
  assessRating,
  COMMENT_MAX_CHARS,
  Comment,
  checkRateable,
  composeFeedbackRequests,
  composeLowRatingsAlert,
  composeSafeguardingAlert,
  crisisTopics,
  type Feedback,
  feedbackGiven,
  isLowRating,
  lowRatingRun,
  lowRatingsAlert,
  mentionsCrisis,
  normaliseForScreening,
  Rating,
  type RatingRecord,
  safeguardingConcern,
} from '../../shared/domain/feedback';
import type { Match } from '../../shared/domain/match';
import { parseDetail } from '../../shared/events/catalogue';
import { Problem } from '../../shared/http/problem';

const ORG_ID = 'riverside-mentors';
const MATCH_ID = 'match-7c1e';
const MENTOR_ID = 'mentor-priya';
const MENTEE_ID = 'mentee-sam';
const NOW = new Date('2025-03-18T20:00:00.000Z');

describe('mentionsCrisis', () => {
  it.each([
    'Some days I want to die.',
    'I have been thinking about suicide a lot',
    'Honestly I feel SUICIDAL',
    'i wanna kill myself',
    'I want to kill my self',
    'Kíll mysélf',
    'I just want to end it all',
    'thinking about ending it all',
    'I hurt myself again last night',
    'I have been self-harming',
    'self harm',
    'I don’t feel safe at home',
    'I’m not safe',
    'I feel unsafe around him',
    'He hits me when he is drunk',
    'my stepdad hit me',
    'I was abused as a child',
    'There is abuse at home',
    'Everyone would be better off without me',
    'I don’t want to live any more',
    'I do not want to be alive',
    'I can’t go on like this',
    'I am thinking of taking an overdose',
    'I wish I was dead',
    'sui\u200bcide', // a zero-width space inside the word
    '\uff53\uff55\uff49\uff43\uff49\uff44\uff45', // full-width letters
    'No quiero vivir, pienso en el suicidio',
    'I am scared for my life',
    'he threatened to kill me',
  ])('flags %j', (text) => {
    expect(mentionsCrisis(text)).toBe(true);
  });

  it.each([
    'We killed it today!',
    'this killed it',
    'The cake was to die for',
    'This deadline is killing me',
    'I’m dead tired but it was great',
    'She helped me upskill myself',
    'I can’t go on Tuesday, can we move it?',
    'I’m cutting myself some slack this week',
    'We talked about staying safe online',
    'I felt safe and listened to',
    'She beat me at chess again',
    'Hit me up when you are free',
    'They hit me with a lot of good questions',
    'It hurts me to say it, but we are not a good fit',
    'Kill two birds with one stone',
    'Dying to meet again next week',
    'The new self-help book was great',
    'Our library books are overdue',
    'A great session, thank you!',
    '',
  ])('leaves %j alone', (text) => {
    expect(mentionsCrisis(text)).toBe(false);
  });

  it('names what it found, by topic', () => {
    expect(crisisTopics('I want to die and he hits me')).toEqual(['suicide', 'abuse']);
    expect(crisisTopics('I hurt myself')).toEqual(['self-harm']);
    expect(crisisTopics('all good')).toEqual([]);
  });

  it('reads text without case, accents, apostrophes or punctuation getting in the way', () => {
    expect(normaliseForScreening('  Don’t   Kíll—MY-self!! ')).toBe('dont kill my self');
  });
});

describe('ratings and comments', () => {
  it('takes whole numbers 1–5, as numbers or as a form’s text', () => {
    expect(Rating.parse(1)).toBe(1);
    expect(Rating.parse('5')).toBe(5);
    for (const bad of [0, 6, 7, 4.5, '4.0', '', 'five', true, null]) {
      expect(Rating.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('calls 1 and 2 low', () => {
    expect([1, 2, 3, 4, 5].map(isLowRating)).toEqual([true, true, false, false, false]);
  });

  it('keeps a comment up to the limit in characters, trimmed; a blank one is none', () => {
    expect(Comment.parse('  thanks  ')).toBe('thanks');
    expect(Comment.parse('   ')).toBeUndefined();
    expect(Comment.parse(undefined)).toBeUndefined();
    // Emoji are two UTF-16 units but one character each.
    expect(Comment.parse('😊'.repeat(COMMENT_MAX_CHARS))).toHaveLength(2 * COMMENT_MAX_CHARS);
    expect(Comment.safeParse('a'.repeat(COMMENT_MAX_CHARS + 1)).success).toBe(false);
  });
});

const r = (seq: number, rating: number): RatingRecord => ({ meetingId: `${MATCH_ID}-${seq}`, seq, rating });

describe('two low ratings in a row', () => {
  it('counts the low run back from the latest meeting', () => {
    expect(lowRatingRun([])).toBe(0);
    expect(lowRatingRun([r(1, 2), r(2, 1)])).toBe(2);
    expect(lowRatingRun([r(1, 1), r(2, 4)])).toBe(0);
    expect(lowRatingRun([r(3, 1), r(1, 5), r(2, 2)])).toBe(2);
  });

  it('alerts on the second low rating in a row, and offers nothing on the first', () => {
    const first = assessRating([], r(1, 2));
    expect(first).toMatchObject({ lowInARow: false, alert: false });
    const second = assessRating(first.ratings, r(2, 1));
    expect(second).toMatchObject({
      lowInARow: true,
      alert: true,
      latestMeetingIds: [`${MATCH_ID}-1`, `${MATCH_ID}-2`],
    });
  });

  it('does not count meetings in between that were not rated', () => {
    expect(assessRating([r(1, 2)], r(4, 2))).toMatchObject({ lowInARow: true, alert: true });
  });

  it('a rating above 2 in between breaks the run', () => {
    expect(assessRating([r(1, 2), r(2, 3)], r(3, 1))).toMatchObject({ lowInARow: false, alert: false });
  });

  it('alerts once per run: a third low rating in a row is still low in a row but raises no new alert', () => {
    expect(assessRating([r(1, 1), r(2, 2)], r(3, 1))).toMatchObject({ lowInARow: true, alert: false });
    // After a good one, a new pair of low ratings alerts again.
    expect(assessRating([r(1, 1), r(2, 2), r(3, 5), r(4, 1)], r(5, 2))).toMatchObject({
      lowInARow: true,
      alert: true,
      latestMeetingIds: [`${MATCH_ID}-4`, `${MATCH_ID}-5`],
    });
  });

  it('reads by meeting order, not by arrival: a late low rating for an earlier meeting completes a pair', () => {
    const late = assessRating([r(3, 2)], r(2, 1));
    expect(late).toMatchObject({
      lowInARow: true,
      alert: true,
      latestMeetingIds: [`${MATCH_ID}-2`, `${MATCH_ID}-3`],
    });
    expect(late.ratings.map((x) => x.seq)).toEqual([2, 3]);
  });

  it('a late low rating behind a newer good one changes nothing', () => {
    expect(assessRating([r(1, 2), r(3, 5)], r(2, 1))).toMatchObject({ lowInARow: false, alert: false });
  });

  it('a late good rating for an earlier meeting does not undo the latest two being low', () => {
    expect(assessRating([r(2, 1), r(3, 2)], r(1, 5))).toMatchObject({ lowInARow: false, alert: false });
  });

  it('refuses a second rating of one meeting', () => {
    expect(() => assessRating([r(1, 2)], r(1, 4))).toThrow(/rated already/);
  });
});

const meeting = (overrides: Partial<StoredMeeting> = {}): StoredMeeting => ({
  orgId: ORG_ID,
  meetingId: `${MATCH_ID}-1`,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  seq: 1,
  startsAt: '2025-03-18T18:00:00.000Z',
  durationMinutes: 60,
  sequence: 0,
  status: 'held',
  invited: true,
  ...overrides,
});

const match = (overrides: Partial<Match> = {}): Match =>
  ({
    orgId: ORG_ID,
    matchId: MATCH_ID,
    programId: 'youth-mentoring',
    mentorId: MENTOR_ID,
    menteeId: MENTEE_ID,
    status: 'active',
    score: 80,
    madeBy: 'rolling',
    createdAt: '2025-03-01T09:00:00.000Z',
    ...overrides,
  }) as Match;

const problemOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof Problem) return { status: error.status, slug: error.slug };
    throw error;
  }
  throw new Error('no problem thrown');
};

describe('checkRateable', () => {
  it('lets either of the pair rate a held meeting', () => {
    expect(checkRateable({ meeting: meeting(), match: match() }, MENTEE_ID)).toMatchObject({
      role: 'mentee',
      otherId: MENTOR_ID,
    });
    expect(checkRateable({ meeting: meeting(), match: match() }, MENTOR_ID).role).toBe('mentor');
  });

  it('answers 404 for a meeting that is not the person’s, or not there', () => {
    expect(problemOf(() => checkRateable({ meeting: meeting(), match: match() }, 'someone-else'))).toEqual({
      status: 404,
      slug: 'meeting-not-found',
    });
    expect(problemOf(() => checkRateable({ match: match() }, MENTEE_ID)).status).toBe(404);
    expect(
      problemOf(() =>
        checkRateable({ meeting: meeting({ matchId: 'other-match' }), match: match() }, MENTEE_ID),
      ).status,
    ).toBe(404);
  });

  it('answers 409 for a meeting that was not held', () => {
    for (const status of ['planned', 'skipped', 'cancelled'] as const) {
      expect(
        problemOf(() => checkRateable({ meeting: meeting({ status }), match: match() }, MENTEE_ID)),
      ).toEqual({
        status: 409,
        slug: 'meeting-not-held',
      });
    }
  });
});

describe('feedback events', () => {
  const claims = { orgId: ORG_ID, meetingId: `${MATCH_ID}-2`, participantId: MENTEE_ID };

  it('are valid catalogue details carrying ids, numbers and flags only', () => {
    const events = [
      feedbackGiven(claims, MATCH_ID, 'f-1', 2, true, NOW),
      lowRatingsAlert(claims, match(), [`${MATCH_ID}-1`, `${MATCH_ID}-2`], NOW),
      safeguardingConcern(claims, match(), 'f-1', NOW),
    ];
    for (const event of events) expect(() => parseDetail(event.detailType, event.detail)).not.toThrow();
    expect(events[0]?.detail).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: NOW.toISOString(),
      feedbackId: 'f-1',
      participantId: MENTEE_ID,
      meetingId: `${MATCH_ID}-2`,
      matchId: MATCH_ID,
      rating: 2,
      hasComment: true,
    });
  });
});

describe('feedback emails', () => {
  const brand = { orgName: 'Riverside Mentors', colour: '#116644' };
  const mentor = {
    participantId: MENTOR_ID,
    name: 'Priya Shah',
    email: 'priya@example.org',
    timezone: 'America/New_York',
  };
  const mentee = {
    participantId: MENTEE_ID,
    name: 'Sam Okoro',
    email: 'sam@example.org',
    timezone: 'Europe/London',
  };

  it('asks each of the pair about the other, with five rating links, keyed per meeting and person', () => {
    const emails = composeFeedbackRequests(
      { brand, mentor, mentee },
      meeting(),
      (id, rating) => `https://api.test/v1/feedback?token=${id}&rating=${rating}`,
    );
    expect(emails.map((e) => [e.to, e.key, e.category, e.content.subject])).toEqual([
      [
        mentee.email,
        `MeetingLogged:${MATCH_ID}-1:${MENTEE_ID}:feedback-request:v1`,
        'feedback',
        'How was your meeting with Priya?',
      ],
      [
        mentor.email,
        `MeetingLogged:${MATCH_ID}-1:${MENTOR_ID}:feedback-request:v1`,
        'feedback',
        'How was your meeting with Sam?',
      ],
    ]);
    const text = emails[0]?.content.text ?? '';
    for (const rating of [1, 2, 3, 4, 5]) {
      expect(text).toContain(`https://api.test/v1/feedback?token=${MENTEE_ID}&rating=${rating}`);
    }
    expect(text).toContain('Tuesday 18 March, 18:00 (Europe/London)');
    expect(emails[1]?.content.text).toContain('14:00 (America/New York)');
  });

  const feedback = (seq: number, rating: number, comment?: string): Feedback => ({
    orgId: ORG_ID,
    feedbackId: `f-${seq}`,
    matchId: MATCH_ID,
    programId: 'youth-mentoring',
    meetingId: `${MATCH_ID}-${seq}`,
    participantId: MENTEE_ID,
    seq,
    startsAt: `2025-03-${String(4 + seq * 7).padStart(2, '0')}T18:00:00.000Z`,
    rating,
    ...(comment ? { comment } : {}),
    concern: false,
    lowInARow: seq > 1,
    alerted: seq > 1,
    givenAt: NOW.toISOString(),
  });

  it('tells the coordinator about two low ratings with the comments, keyed on the alert', () => {
    const alert = lowRatingsAlert(
      { orgId: ORG_ID, meetingId: `${MATCH_ID}-2`, participantId: MENTEE_ID },
      match(),
      [`${MATCH_ID}-1`, `${MATCH_ID}-2`],
      NOW,
    ).detail;
    const email = composeLowRatingsAlert(
      {
        brand,
        programName: 'Youth mentoring',
        to: 'coordinator@example.org',
        person: mentee,
        match: match(),
        other: mentor,
      },
      alert,
      [feedback(2, 1, 'We keep talking past each other.'), feedback(1, 2)],
    );
    expect(email).toMatchObject({
      to: 'coordinator@example.org',
      category: 'safeguarding',
      key: `CoordinatorAlertRaised:low-ratings:${MATCH_ID}:${MENTEE_ID}:${MATCH_ID}-1+${MATCH_ID}-2:low-ratings-alert:v1`,
    });
    expect(email.content.subject).toBe('Two low ratings in a row in Youth mentoring: please check in');
    expect(email.content.subject).not.toContain('Sam');
    const { text } = email.content;
    expect(text).toContain('Sam Okoro has rated their last two meetings with Priya Shah');
    expect(text).toContain('Sam Okoro (mentee), sam@example.org');
    expect(text.indexOf('2 out of 5, no comment')).toBeLessThan(text.indexOf('1 out of 5'));
    expect(text).toContain('Their comment: “We keep talking past each other.”');
    expect(text).not.toMatch(/https?:/);
  });

  it('tells the safeguarding contact urgently, with the words and what the person was shown', () => {
    const concern = safeguardingConcern(
      { orgId: ORG_ID, meetingId: `${MATCH_ID}-1`, participantId: MENTEE_ID },
      match(),
      'f-1',
      NOW,
    ).detail;
    const email = composeSafeguardingAlert(
      {
        brand,
        to: 'safe@example.org',
        person: mentee,
        match: match(),
        other: mentor,
        crisisHelp: 'Call 116 123.',
      },
      concern,
      feedback(1, 1, 'I want to end it all'),
    );
    expect(email.key).toBe(
      `SafeguardingConcernRaised:feedback-comment:${MATCH_ID}-1:${MENTEE_ID}:safeguarding-alert:v1`,
    );
    expect(email.headers).toMatchObject({ Importance: 'high' });
    expect(email.content.subject).toBe('Urgent: a safeguarding concern');
    expect(email.content.text).toContain('I want to end it all');
    expect(email.content.text).toContain('“Call 116 123.”');
    expect(email.content.text).toContain('Their mentor is Priya Shah.');
    expect(email.content.html).toContain('I want to end it all');
  });

  it('still alerts with the ids when neither the person nor the comment can be read', () => {
    const concern = safeguardingConcern(
      { orgId: ORG_ID, meetingId: `${MATCH_ID}-1`, participantId: MENTEE_ID },
      match(),
      'f-1',
      NOW,
    ).detail;
    const email = composeSafeguardingAlert({ brand, to: 'safe@example.org' }, concern, undefined);
    expect(email.content.text).toContain('could not be read');
    expect(email.content.text).toContain(`Participant ${MENTEE_ID}`);
    expect(email.content.text).toContain('no crisis information set up');
  });
});
