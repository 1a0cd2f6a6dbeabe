import type { MatchRole } from '../domain/match';
import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * The emails of feedback: the request after a held meeting (five one-click ratings), and the alerts to the
 * organisation's people: the program coordinator (two low ratings in a row) and the safeguarding contact
 * (crisis language in a comment). Every string is text, never markup.
 *
 * The alerts go to the organisation's own staff, about its own participants: they name the person, give
 * their address and the comment (the person was told on the page who reads it), and carry no links that act.
 */

export interface FeedbackRequestVars {
  brand: Branding;
  firstName: string;
  otherFirstName: string;
  /** The meeting's time as the reader reads it, e.g. "Tuesday 5 May, 18:00 (Europe/London)". */
  when: string;
  /** The five rating links, lowest first, each with its words. */
  ratings: { rating: number; words: string; url: string }[];
}

export const feedbackRequestEmail = {
  name: 'feedback-request',
  version: 1,
  render: (v: FeedbackRequestVars): RenderedEmail => {
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      `You and ${v.otherFirstName} met on ${v.when}. How did it go?`,
      'Pick a number from 1 (not good at all) to 5 (really good). The page that opens lets you check it and, if you like, add a comment.',
      ...v.ratings.map(
        (r): Block => ({ small: `${r.rating} out of 5:`, link: { label: r.words, url: r.url } }),
      ),
      `Your rating goes to the program team at ${v.brand.orgName}, not to ${v.otherFirstName}. It helps them support you both.`,
    ];
    return blocksEmail(v.brand, `How was your meeting with ${v.otherFirstName}?`, blocks);
  },
};

/** A person as the organisation's staff read about them. */
export interface AlertPerson {
  /** Full name and address, when the person is still on record. */
  name?: string;
  email?: string;
  participantId: string;
}

export interface AlertRating {
  /** When the meeting was, in the rater's zone. */
  when: string;
  rating: number;
  comment?: string;
}

const personLine = (person: AlertPerson, role: MatchRole | undefined) => {
  const who = person.name ?? 'A participant who is no longer on record';
  const as = role ? ` (${role})` : '';
  const address = person.email ? `, ${person.email}` : '';
  return `${who}${as}${address}`;
};

const ratingLine = (r: AlertRating) =>
  `${r.when}: ${r.rating} out of 5${r.comment ? `. Their comment: “${r.comment}”` : ', no comment'}`;

const idsLine = (ids: { participantId: string; matchId?: string; meetingIds?: string[] }) =>
  [
    `Participant ${ids.participantId}`,
    ...(ids.matchId ? [`match ${ids.matchId}`] : []),
    ...(ids.meetingIds?.length ? [`meetings ${ids.meetingIds.join(', ')}`] : []),
  ].join(' · ');

export interface LowRatingsAlertVars {
  brand: Branding;
  programName?: string;
  person: AlertPerson;
  role?: MatchRole;
  /** The other person of the pair, by name when on record. */
  otherName?: string;
  /** The two low ratings, oldest first. */
  ratings: AlertRating[];
  matchId?: string;
  meetingIds: string[];
}

export const lowRatingsAlertEmail = {
  name: 'low-ratings-alert',
  version: 1,
  render: (v: LowRatingsAlertVars): RenderedEmail => {
    const name = v.person.name ?? 'A participant';
    const program = v.programName ? ` in ${v.programName}` : '';
    const other =
      v.otherName ?? (v.role === 'mentee' ? 'their mentor' : v.role ? 'their mentee' : 'their match');
    const blocks: Block[] = [
      'Hello,',
      `${name} has rated their last two meetings with ${other}${program} as not going well. They may be struggling with the match, or with something else.`,
      { lead: 'The ratings, oldest first:', list: v.ratings.map(ratingLine) },
      { lead: 'Who:', list: [personLine(v.person, v.role)] },
      'We have offered them the chance to ask for a new match. You may want to check in with them, and perhaps with their match too.',
      idsLine({ participantId: v.person.participantId, matchId: v.matchId, meetingIds: v.meetingIds }),
    ];
    return blocksEmail(v.brand, `Two low ratings in a row${program}: please check in`, blocks);
  },
};

export interface SafeguardingAlertVars {
  brand: Branding;
  programName?: string;
  person: AlertPerson;
  role?: MatchRole;
  otherName?: string;
  /** The rating with the comment that raised the concern (the comment absent if it could not be read). */
  rating?: AlertRating;
  /** What the person was shown on the page: the organisation's crisis information. */
  crisisHelp?: string;
  matchId?: string;
  meetingId?: string;
  /** When the comment was written, in UTC words. */
  at: string;
}

export const safeguardingAlertEmail = {
  name: 'safeguarding-alert',
  version: 1,
  render: (v: SafeguardingAlertVars): RenderedEmail => {
    const name = v.person.name ?? 'A participant';
    const program = v.programName ? ` in ${v.programName}` : '';
    const blocks: Block[] = [
      'Hello,',
      `${name}${program} wrote something in their feedback on a mentoring meeting that may mean they are in crisis or unsafe. Please read it and follow your safeguarding procedure today.`,
      'kindred flags such words automatically, so it may turn out to be nothing, but it needs a person to look.',
      v.rating?.comment
        ? { lead: `What they wrote (${v.at}):`, list: [v.rating.comment] }
        : `Their comment (${v.at}) could not be read: please look it up with the ids below.`,
      ...(v.rating ? [`They rated the meeting of ${v.rating.when} ${v.rating.rating} out of 5.`] : []),
      { lead: 'Who:', list: [personLine(v.person, v.role)] },
      ...(v.otherName ? [`Their ${v.role === 'mentor' ? 'mentee' : 'mentor'} is ${v.otherName}.`] : []),
      v.crisisHelp
        ? `The page they were on showed them your crisis information at once: “${v.crisisHelp}” It also told them this program is peer support, not a crisis service.`
        : 'The page they were on told them this program is peer support, not a crisis service, and to call their local emergency number if they are in danger. Your organisation has no crisis information set up to show them: please add it.',
      idsLine({
        participantId: v.person.participantId,
        matchId: v.matchId,
        meetingIds: v.meetingId ? [v.meetingId] : [],
      }),
    ];
    return blocksEmail(v.brand, `Urgent: a safeguarding concern${program}`, blocks);
  },
};

/** Headers that mark an email urgent in mail clients (Outlook's Importance, the older X-Priority). */
export const URGENT_HEADERS = {
  Importance: 'high',
  'X-Priority': '1 (Highest)',
  Priority: 'urgent',
} as const;
