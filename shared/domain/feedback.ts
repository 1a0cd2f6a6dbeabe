import { z } from 'zod';
import type { MatchingStore } from '../data/matching';
import type { MeetingStore, StoredMeeting } from '../data/meetings';
import {
  feedbackRequestEmail,
  lowRatingsAlertEmail,
  safeguardingAlertEmail,
  URGENT_HEADERS,
} from '../email/feedback-templates';
import { type Branding, firstName, type RenderedEmail } from '../email/templates';
import type { EventDetail, OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import type { Match, MatchRole } from './match';
import { describeMeetingTime } from './meetings';
import type { EmailCategory } from './nudge-policy';
import type { Participant } from './participant';

/**
 * Feedback on a pair's meeting: after a meeting is logged as held, each person rates it 1–5 with one click
 * and may add a comment. Pure rules over what is stored; the store's conditional writes keep each rating to
 * once per meeting and person, and keep a person's ratings of a match in order under concurrency.
 *
 * Two things a rating can set off, each decided here once and announced by its own event (ids only):
 *
 * - Two low ratings in a row (`lowRatingRun`): the program coordinator is alerted and the person is offered a
 *   new match on the page.
 * - A comment with crisis language (`mentionsCrisis`): the page shows the organisation's crisis and helpline
 *   information at once, and the safeguarding contact is alerted. kindred is peer support, not a crisis
 *   service, and the page says so.
 *
 * The comment is the person's own words for the program team: it is stored with the rating and may be sent
 * to the coordinator or safeguarding contact, but it never appears in a log line or an event.
 */

/* ---------- Ratings and comments ---------- */

export const RATINGS = [1, 2, 3, 4, 5] as const;
export type RatingValue = (typeof RATINGS)[number];

/** How each rating reads, on the page and in the email. */
export const RATING_WORDS: Record<RatingValue, string> = {
  1: 'Not good at all',
  2: 'Not great',
  3: 'OK',
  4: 'Good',
  5: 'Really good',
};

/** 1 and 2 are low: the meeting did not go well. */
export const LOW_RATING_AT_MOST = 2;
export const isLowRating = (rating: number) => rating >= 1 && rating <= LOW_RATING_AT_MOST;

/** The longest comment kept, in characters (code points, so an emoji counts once). */
export const COMMENT_MAX_CHARS = 2000;

/**
 * A rating: a whole number from 1 to 5. An HTML form sends it as text ("4"), an API client as a number; a
 * number written as text is read as one, anything else (true, 4.5, "4.0", "") is refused.
 */
export const Rating = z.preprocess(
  (value) => (typeof value === 'string' && /^\d{1,3}$/.test(value) ? Number(value) : value),
  z
    .int('a whole number from 1 to 5')
    .min(1, 'a whole number from 1 to 5')
    .max(5, 'a whole number from 1 to 5'),
);

/**
 * The optional comment: surrounding space trimmed, an empty one (a form's blank textarea) taken as none, at
 * most COMMENT_MAX_CHARS characters.
 */
export const Comment = z
  .string('text')
  .transform((text) => text.trim())
  .refine((text) => [...text].length <= COMMENT_MAX_CHARS, `at most ${COMMENT_MAX_CHARS} characters`)
  .transform((text) => (text === '' ? undefined : text))
  .optional();

/* ---------- Crisis language ---------- */

/**
 * Text as the screen reads it: compatibility forms folded (full-width letters, ligatures), accents and other
 * marks and invisible format characters (zero-width spaces) removed, lower case, apostrophes dropped ("don't"
 * reads "dont", "I'm" reads "im") and every run of anything but letters and digits made one space. So
 * "Kíll  my-self", "KILL MYSELF" and "kill myself!" all read "kill my self" or "kill myself".
 */
export const normaliseForScreening = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\p{M}\p{Cf}]/gu, '')
    .toLowerCase()
    .replace(/['\u2018\u2019\u02bc\u0060\u00b4]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * The phrases that suggest a person may be in crisis or unsafe, matched as whole words on the normalised text.
 * Written to catch the ways people actually say these things (with and without apostrophes, "my self",
 * "wanna") while leaving everyday figures of speech alone: "we killed it", "to die for", "this deadline is
 * killing me", "upskill myself", "I can't go on Tuesday", "cutting myself some slack", "she beat me at chess",
 * "hit me up".
 *
 * Deliberately not excused: negations ("I'm not suicidal") and talk about a topic ("suicide prevention").
 * A safeguarding contact reading a comment that turns out to be fine costs little; missing one that was not
 * costs a great deal. The list is English, plus the forms of "suicide" shared by several other languages
 * (suicidio, suicídio, suicidaire); an organisation working in other languages should extend it.
 */
export const CRISIS_PHRASES: readonly {
  topic: 'suicide' | 'self-harm' | 'safety' | 'abuse';
  pattern: RegExp;
}[] = [
  // Suicide and wanting to die.
  { topic: 'suicide', pattern: /\bsuicid\p{L}*/u },
  { topic: 'suicide', pattern: /\bkill(?:ing|ed)? my ?self\b/ },
  { topic: 'suicide', pattern: /\b(?:want|wanted|wanting|wanna|wish|wished|ready) to (?:die|be dead)\b/ },
  { topic: 'suicide', pattern: /\bwish (?:i|id) (?:could die|was dead|were dead|had never been born)\b/ },
  { topic: 'suicide', pattern: /\bbetter off (?:dead|without me)\b/ },
  {
    topic: 'suicide',
    pattern: /\b(?:dont|do not|didnt|did not|no longer|never) want to (?:live|be alive|exist|wake up)\b/,
  },
  { topic: 'suicide', pattern: /\b(?:no|nothing) (?:left )?to live for\b/ },
  { topic: 'suicide', pattern: /\bno (?:reason|point) (?:to|in) (?:live|living|going on)\b/ },
  { topic: 'suicide', pattern: /\bend(?:s|ed|ing)? (?:my (?:own )?life|it all)\b/ },
  { topic: 'suicide', pattern: /\b(?:take|taking|took) my (?:own )?life\b/ },
  { topic: 'suicide', pattern: /\bunalive\b/ },
  { topic: 'suicide', pattern: /\b(?:cant|cannot|can not) go on (?:like this|any ?more|living)\b/ },
  // Self-harm.
  { topic: 'self-harm', pattern: /\bself ?harm(?:s|ed|ing)?\b/ },
  {
    topic: 'self-harm',
    pattern:
      /\b(?:hurt|hurting|harm|harming|injure|injuring|hang|hanging|poison|poisoning|starve|starving) my ?self\b/,
  },
  // "Cutting myself some slack / a break / short" is not self-harm.
  {
    topic: 'self-harm',
    pattern: /\bcut(?:s|ting)? my ?self\b(?! (?:some |a )?(?:slack|break|short|off|out)\b)/,
  },
  { topic: 'self-harm', pattern: /\b(?:take|took|taking|taken) (?:an )?overdose\b/ },
  {
    topic: 'self-harm',
    pattern: /\boverdos(?:e|ed|ing) on (?:pills|tablets|meds|medication|medicine|paracetamol|painkillers)\b/,
  },
  // Not safe, in danger.
  { topic: 'safety', pattern: /\b(?:im|i am|i feel|feel|feeling|felt|i felt) (?:not |un)safe\b/ },
  { topic: 'safety', pattern: /\bnot feeling safe\b/ },
  { topic: 'safety', pattern: /\b(?:dont|do not|didnt|did not|never) feel safe\b/ },
  {
    topic: 'safety',
    pattern: /\b(?:not|un) ?safe (?:at home|around (?:him|her|them)|with (?:him|her|them))\b/,
  },
  {
    topic: 'safety',
    pattern: /\b(?:scared|afraid|frightened|terrified|fear|fearing) for my (?:life|safety)\b/,
  },
  { topic: 'safety', pattern: /\b(?:im|i am|my life is|were|we are) in danger\b/ },
  // Abuse and violence.
  { topic: 'abuse', pattern: /\babus(?:e|ed|es|ing|ive|er|ers)\b/ },
  { topic: 'abuse', pattern: /\b(?:rape|raped|raping|rapist)\b/ },
  {
    topic: 'abuse',
    pattern: /\bsexual(?:ly)? (?:assault|assaulted|abused|harassed|harassment|touched|touching)\b/,
  },
  { topic: 'abuse', pattern: /\bdomestic violence\b/ },
  {
    topic: 'abuse',
    // "He hits me", "my stepdad hit me"; not "hit me up", "hit me with a question", "she beat me at chess".
    pattern:
      /\b(?:he|she|they|someone|somebody|my \p{L}+) (?:keeps |has |had |)(?:hits?|hitting|hurts?|hurting|punch(?:es|ed)?|kick(?:s|ed)?|slap(?:s|ped)?|chok(?:es|ed)|strangl(?:es|ed)|threaten(?:s|ed)|touch(?:es|ed)|attack(?:s|ed)|assault(?:s|ed)) me\b(?! (?:up|with|back)\b)/u,
  },
  { topic: 'abuse', pattern: /\bthreat(?:en|ened|ening|ens) to (?:kill|hurt|harm)\b/ },
  { topic: 'abuse', pattern: /\bgroom(?:ed|ing) me\b/ },
];

/** The topics of crisis language in a text (empty when there is none); for tests and the screen's own use. */
export const crisisTopics = (text: string) => {
  const screened = normaliseForScreening(text);
  return [...new Set(CRISIS_PHRASES.filter((p) => p.pattern.test(screened)).map((p) => p.topic))];
};

/** Whether a text contains crisis language (see CRISIS_PHRASES). */
export const mentionsCrisis = (text: string) => {
  const screened = normaliseForScreening(text);
  return CRISIS_PHRASES.some((phrase) => phrase.pattern.test(screened));
};

/* ---------- Two low ratings in a row ---------- */

/** One rating in a person's history of a match: ids and numbers only. */
export interface RatingRecord {
  meetingId: string;
  /** The meeting's number in the match: the order ratings are read in, whatever order they arrived in. */
  seq: number;
  rating: number;
}

export const inMeetingOrder = (ratings: readonly RatingRecord[]) =>
  [...ratings].sort((a, b) => a.seq - b.seq || a.meetingId.localeCompare(b.meetingId));

/** How many of the person's latest ratings of the match, by meeting order, are low in a row. */
export const lowRatingRun = (ratings: readonly RatingRecord[]) => {
  let run = 0;
  for (const record of inMeetingOrder(ratings).reverse()) {
    if (!isLowRating(record.rating)) break;
    run += 1;
  }
  return run;
};

export interface RatingAssessment {
  /** The person's ratings of the match with this one, in meeting order. */
  ratings: RatingRecord[];
  /** This rating is low and, with it, the person's two (or more) most recent ratings by meeting order are low. */
  lowInARow: boolean;
  /**
   * The run of low ratings just reached two: alert the coordinator. Once per run, so a third low rating in a
   * row does not alert again; a rating above 2 ends the run, and a later pair of low ones alerts anew.
   */
  alert: boolean;
  /** The meetings of the two most recent ratings, oldest first: what an alert names. */
  latestMeetingIds: string[];
}

/**
 * What a new rating means, given the person's earlier ratings of the same match. "In a row" is by meeting
 * order, not arrival: a rating for an earlier meeting that arrives late takes its place in the order. Meetings
 * the person did not rate (skipped, or just not rated) do not break a run.
 */
export const assessRating = (before: readonly RatingRecord[], given: RatingRecord): RatingAssessment => {
  if (before.some((record) => record.meetingId === given.meetingId)) {
    throw new Error(`meeting ${given.meetingId} is rated already`);
  }
  const ratings = inMeetingOrder([...before, given]);
  const runBefore = lowRatingRun(before);
  const runAfter = lowRatingRun(ratings);
  const fromEnd = ratings.length - 1 - ratings.indexOf(given);
  const lowInARow = isLowRating(given.rating) && fromEnd < runAfter && runAfter >= 2;
  return {
    ratings,
    lowInARow,
    alert: lowInARow && runBefore < 2,
    latestMeetingIds: ratings.slice(-2).map((record) => record.meetingId),
  };
};

/* ---------- The use case ---------- */

/** What a feedback link names (from its token). */
export interface FeedbackClaims {
  orgId: string;
  meetingId: string;
  participantId: string;
}

/** A meeting the person may rate, and their place in its pair. */
export interface RateableMeeting {
  meeting: StoredMeeting;
  match: Match;
  role: MatchRole;
  /** The other person of the pair. */
  otherId: string;
}

export const feedbackMeetingNotFound = () =>
  new Problem(
    404,
    'meeting-not-found',
    'There is no such meeting',
    'This link does not open a meeting of yours. Please use the link exactly as it came in the email.',
    [{ pointer: '/token', detail: 'The token names no meeting of yours' }],
  );

export const meetingNotHeld = () =>
  new Problem(
    409,
    'meeting-not-held',
    'This meeting was not recorded as held',
    'So there is nothing to rate yet. Nothing was recorded.',
  );

export const feedbackAlreadyGiven = () =>
  new Problem(
    410,
    'feedback-already-given',
    'You have already rated this meeting',
    'Thank you: your rating is recorded, and each meeting is rated once. Nothing was changed.',
  );

/** Whether the person may rate the meeting: theirs (404), held (409). Having rated it already is the store's. */
export const checkRateable = (
  found: { meeting?: StoredMeeting; match?: Match },
  participantId: string,
): RateableMeeting => {
  const { meeting, match } = found;
  if (!meeting || !match || meeting.matchId !== match.matchId) throw feedbackMeetingNotFound();
  const role: MatchRole | undefined =
    match.mentorId === participantId ? 'mentor' : match.menteeId === participantId ? 'mentee' : undefined;
  if (!role) throw feedbackMeetingNotFound();
  if (meeting.status !== 'held') throw meetingNotHeld();
  return { meeting, match, role, otherId: role === 'mentor' ? match.menteeId : match.mentorId };
};

const envelope = (orgId: string, now: Date) => ({
  version: 1 as const,
  orgId,
  occurredAt: now.toISOString(),
});

export const feedbackGiven = (
  claims: FeedbackClaims,
  matchId: string,
  feedbackId: string,
  rating: number,
  hasComment: boolean,
  now: Date,
): OutgoingEvent<'FeedbackGiven'> => ({
  detailType: 'FeedbackGiven',
  detail: {
    ...envelope(claims.orgId, now),
    feedbackId,
    participantId: claims.participantId,
    meetingId: claims.meetingId,
    matchId,
    rating,
    hasComment,
  },
});

export const lowRatingsAlert = (
  claims: FeedbackClaims,
  match: Pick<Match, 'matchId' | 'programId'>,
  meetingIds: string[],
  now: Date,
): OutgoingEvent<'CoordinatorAlertRaised'> => ({
  detailType: 'CoordinatorAlertRaised',
  detail: {
    ...envelope(claims.orgId, now),
    kind: 'low-ratings',
    participantId: claims.participantId,
    matchId: match.matchId,
    programId: match.programId,
    meetingIds,
  },
});

export const safeguardingConcern = (
  claims: FeedbackClaims,
  match: Pick<Match, 'matchId' | 'programId'>,
  feedbackId: string,
  now: Date,
): OutgoingEvent<'SafeguardingConcernRaised'> => ({
  detailType: 'SafeguardingConcernRaised',
  detail: {
    ...envelope(claims.orgId, now),
    source: 'feedback-comment',
    participantId: claims.participantId,
    matchId: match.matchId,
    programId: match.programId,
    meetingId: claims.meetingId,
    feedbackId,
  },
});

/** One person's rating of one meeting, as stored: the comment is kept here and nowhere else. */
export interface Feedback {
  orgId: string;
  feedbackId: string;
  matchId: string;
  programId: string;
  meetingId: string;
  participantId: string;
  /** The meeting's number and start, so the history and the alerts read without the meeting. */
  seq: number;
  startsAt: string;
  rating: number;
  comment?: string;
  /** The comment contains crisis language (the safeguarding contact was alerted). */
  concern: boolean;
  /** The rating made two (or more) low ones in a row; `alerted` when it raised the coordinator alert. */
  lowInARow: boolean;
  alerted: boolean;
  givenAt: string;
}

/** A person's ratings of one match, versioned so two ratings arriving at once are assessed one after the other. */
export interface FeedbackHistory {
  ratings: RatingRecord[];
  /** 0 when the person has rated nothing in the match yet. */
  version: number;
}

export type RecordFeedbackResult = 'recorded' | 'already-given' | 'history-changed';

export interface FeedbackDeps {
  matching: Pick<MatchingStore, 'match'>;
  meetings: Pick<MeetingStore, 'meeting' | 'feedback' | 'feedbackHistory' | 'recordFeedback'>;
  newId: () => string;
}

/** The meeting and match a link names, checked for the person, and not rated by them yet (410). */
export const rateableMeeting = async (
  deps: FeedbackDeps,
  claims: FeedbackClaims,
): Promise<RateableMeeting> => {
  const meeting = await deps.meetings.meeting(claims.orgId, claims.meetingId);
  const match = meeting?.matchId ? await deps.matching.match(claims.orgId, meeting.matchId) : undefined;
  const rateable = checkRateable({ meeting, match }, claims.participantId);
  const given = await deps.meetings.feedback(
    claims.orgId,
    rateable.match.matchId,
    claims.participantId,
    claims.meetingId,
  );
  if (given) throw feedbackAlreadyGiven();
  return rateable;
};

export interface FeedbackOutcome extends RateableMeeting {
  feedbackId: string;
  rating: number;
  hasComment: boolean;
  /** The comment contains crisis language: show the crisis help now (the safeguarding contact is alerted). */
  concern: boolean;
  /** Two or more low ratings in a row. */
  lowInARow: boolean;
  /** This rating raised the coordinator alert. */
  alerted: boolean;
  /** Offer a new match: low ratings in a row, and the match is still going. */
  offerRematch: boolean;
}

/** Attempts at assessing against a history that another rating changed meanwhile (only the same person's). */
const HISTORY_ATTEMPTS = 5;

/**
 * Records a rating (and comment) once per meeting and person, with FeedbackGiven and whatever it sets off,
 * in one write. A match that has ended takes ratings still, but alerts no coordinator and offers no rematch
 * about itself; crisis language alerts the safeguarding contact whatever the state of the match.
 */
export const giveFeedback = async (
  deps: FeedbackDeps,
  claims: FeedbackClaims,
  input: { rating: number; comment?: string },
  now: Date,
): Promise<FeedbackOutcome> => {
  const rateable = await rateableMeeting(deps, claims);
  const { meeting, match } = rateable;
  const hasComment = input.comment !== undefined && input.comment !== '';
  const concern = hasComment && mentionsCrisis(input.comment ?? '');
  const active = match.status === 'active';
  const feedbackId = deps.newId();

  for (let attempt = 1; attempt <= HISTORY_ATTEMPTS; attempt++) {
    const history = await deps.meetings.feedbackHistory(claims.orgId, match.matchId, claims.participantId);
    if (history.ratings.some((record) => record.meetingId === claims.meetingId)) throw feedbackAlreadyGiven();
    const assessment = assessRating(history.ratings, {
      meetingId: claims.meetingId,
      seq: meeting.seq,
      rating: input.rating,
    });
    const alerted = assessment.alert && active;
    const events: OutgoingEvent[] = [
      feedbackGiven(claims, match.matchId, feedbackId, input.rating, hasComment, now),
      ...(concern ? [safeguardingConcern(claims, match, feedbackId, now)] : []),
      ...(alerted ? [lowRatingsAlert(claims, match, assessment.latestMeetingIds, now)] : []),
    ];
    const feedback: Feedback = {
      orgId: claims.orgId,
      feedbackId,
      matchId: match.matchId,
      programId: match.programId,
      meetingId: claims.meetingId,
      participantId: claims.participantId,
      seq: meeting.seq,
      startsAt: meeting.startsAt,
      rating: input.rating,
      ...(hasComment ? { comment: input.comment } : {}),
      concern,
      lowInARow: assessment.lowInARow,
      alerted,
      givenAt: now.toISOString(),
    };
    const result = await deps.meetings.recordFeedback(
      feedback,
      { version: history.version, ratings: assessment.ratings },
      events,
      now,
    );
    if (result === 'already-given') throw feedbackAlreadyGiven();
    if (result === 'recorded') {
      return {
        ...rateable,
        feedbackId,
        rating: input.rating,
        hasComment,
        concern,
        lowInARow: assessment.lowInARow,
        alerted,
        offerRematch: assessment.lowInARow && active,
      };
    }
    // 'history-changed': another of the person's ratings of this match landed meanwhile; assess again.
  }
  throw new Error(`the feedback history of match ${match.matchId} kept changing`);
};

/* ---------- The emails ---------- */

export type FeedbackPerson = Pick<Participant, 'participantId' | 'name' | 'email' | 'timezone'>;

/** An email of feedback, keyed on its business fact, with the nudge-policy category it belongs to. */
export interface ComposedFeedbackEmail {
  to: string;
  /** The participant it is to (requests), or about (alerts). */
  participantId: string;
  key: string;
  template: 'feedback-request' | 'low-ratings-alert' | 'safeguarding-alert';
  /** Requests are nudges ('feedback'); alerts keep someone safe and are transactional ('safeguarding'). */
  category: Extract<EmailCategory, 'feedback' | 'safeguarding'>;
  content: RenderedEmail;
  headers?: Record<string, string>;
}

const keyOf = (parts: (string | number)[], template: { name: string; version: number }) =>
  [...parts, template.name, `v${template.version}`].join(':');

/**
 * "How was your meeting with X?" to each of the pair, with five one-click ratings: one email per person and
 * meeting, so a redelivered MeetingLogged asks nobody twice.
 */
export const composeFeedbackRequests = (
  context: { brand: Branding; mentor: FeedbackPerson; mentee: FeedbackPerson },
  meeting: Pick<StoredMeeting, 'meetingId' | 'startsAt'>,
  link: (participantId: string, rating: RatingValue) => string,
): ComposedFeedbackEmail[] =>
  [
    { reader: context.mentee, other: context.mentor },
    { reader: context.mentor, other: context.mentee },
  ].map(({ reader, other }) => ({
    to: reader.email,
    participantId: reader.participantId,
    key: keyOf(['MeetingLogged', meeting.meetingId, reader.participantId], feedbackRequestEmail),
    template: 'feedback-request',
    category: 'feedback',
    content: feedbackRequestEmail.render({
      brand: context.brand,
      firstName: firstName(reader.name),
      otherFirstName: firstName(other.name),
      when: describeMeetingTime(new Date(meeting.startsAt), reader.timezone),
      ratings: RATINGS.map((rating) => ({
        rating,
        words: RATING_WORDS[rating],
        url: link(reader.participantId, rating),
      })),
    }),
  }));

/** What the alerts read about the pair: the person the alert is about and the other, when still on record. */
export interface AlertContext {
  brand: Branding;
  programName?: string;
  /** The organisation's contact the alert goes to. */
  to: string;
  person?: FeedbackPerson;
  match?: Pick<Match, 'matchId' | 'mentorId' | 'menteeId'>;
  other?: FeedbackPerson;
}

const roleIn = (match: AlertContext['match'], participantId: string): MatchRole | undefined =>
  match?.mentorId === participantId ? 'mentor' : match?.menteeId === participantId ? 'mentee' : undefined;

const alertPerson = (participantId: string, person: FeedbackPerson | undefined) => ({
  participantId,
  ...(person ? { name: person.name, email: person.email } : {}),
});

const ratingOf = (feedback: Feedback, timezone: string) => ({
  when: describeMeetingTime(new Date(feedback.startsAt), timezone),
  rating: feedback.rating,
  ...(feedback.comment ? { comment: feedback.comment } : {}),
});

/** The coordinator's alert about two low ratings in a row, once per alert. */
export const composeLowRatingsAlert = (
  context: AlertContext,
  alert: EventDetail<'CoordinatorAlertRaised'>,
  ratings: Feedback[],
): ComposedFeedbackEmail => {
  const meetingIds = alert.meetingIds ?? [];
  const timezone = context.person?.timezone ?? 'UTC';
  return {
    to: context.to,
    participantId: alert.participantId,
    key: keyOf(
      ['CoordinatorAlertRaised', alert.kind, alert.matchId ?? '-', alert.participantId, meetingIds.join('+')],
      lowRatingsAlertEmail,
    ),
    template: 'low-ratings-alert',
    category: 'safeguarding',
    content: lowRatingsAlertEmail.render({
      brand: context.brand,
      programName: context.programName,
      person: alertPerson(alert.participantId, context.person),
      role: roleIn(context.match, alert.participantId),
      otherName: context.other?.name,
      ratings: [...ratings].sort((a, b) => a.seq - b.seq).map((f) => ratingOf(f, timezone)),
      matchId: alert.matchId,
      meetingIds,
    }),
  };
};

/** The safeguarding contact's urgent alert about crisis language, with the words, once per concern. */
export const composeSafeguardingAlert = (
  context: AlertContext & { crisisHelp?: string },
  concern: EventDetail<'SafeguardingConcernRaised'>,
  feedback: Feedback | undefined,
): ComposedFeedbackEmail => {
  const timezone = context.person?.timezone ?? 'UTC';
  return {
    to: context.to,
    participantId: concern.participantId,
    key: keyOf(
      [
        'SafeguardingConcernRaised',
        concern.source,
        concern.meetingId ?? concern.feedbackId ?? '-',
        concern.participantId,
      ],
      safeguardingAlertEmail,
    ),
    template: 'safeguarding-alert',
    category: 'safeguarding',
    content: safeguardingAlertEmail.render({
      brand: context.brand,
      programName: context.programName,
      person: alertPerson(concern.participantId, context.person),
      role: roleIn(context.match, concern.participantId),
      otherName: context.other?.name,
      ...(feedback ? { rating: ratingOf(feedback, timezone) } : {}),
      crisisHelp: context.crisisHelp,
      matchId: concern.matchId,
      meetingId: concern.meetingId,
      at: describeMeetingTime(new Date(concern.occurredAt), timezone),
    }),
    headers: { ...URGENT_HEADERS },
  };
};
