import type { MatchRole } from '../domain/match';
import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * The emails of check-ins for drifting pairs: "still meeting?" to each of a pair that has logged no meeting
 * for a while, "still available?" to a mentor paused after nobody answered, and the coordinator's alert about
 * that pair. Every string is text, never markup. The links only open a page; its button records the answer.
 */

export interface StillMeetingVars {
  brand: Branding;
  programName?: string;
  firstName: string;
  otherFirstName: string;
  /** How long since the pair's last sign of life, in words ("6 weeks"). */
  quietFor: string;
  /** How long a break lasts before we ask again, in words ("4 weeks"). */
  breakFor: string;
  links: { stillMeeting: string; pause: string; end: string };
}

export const stillMeetingEmail = {
  name: 'still-meeting',
  version: 1,
  render: (v: StillMeetingVars): RenderedEmail => {
    const program = v.programName ? ` in ${v.programName}` : '';
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      `We have not heard about a meeting between you and ${v.otherFirstName}${program} for ${v.quietFor}. Are you two still meeting?`,
      'One click tells us; the page that opens lets you check your answer before it counts.',
      { small: 'We are still meeting:', link: { label: 'Yes, we still meet', url: v.links.stillMeeting } },
      {
        small: `We are taking a break (we will ask again in ${v.breakFor}):`,
        link: { label: 'We are pausing', url: v.links.pause },
      },
      { small: 'It has run its course:', link: { label: 'End this match', url: v.links.end } },
      `If neither of you answers, someone from the ${v.brand.orgName} program team will get in touch. Either of you can answer for both.`,
    ];
    return blocksEmail(v.brand, `Are you and ${v.otherFirstName} still meeting?`, blocks);
  },
};

export interface StillAvailableVars {
  brand: Branding;
  programName?: string;
  firstName: string;
  confirmLink: string;
}

export const stillAvailableEmail = {
  name: 'still-available',
  version: 1,
  render: (v: StillAvailableVars): RenderedEmail => {
    const program = v.programName ? ` in ${v.programName}` : '';
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      `We recently asked whether you and your mentee still meet, and did not hear back. So we have paused new matches for you${program} for now: we would not want to introduce someone new while you are busy.`,
      'Your current matches are unchanged.',
      {
        small: 'Still happy to mentor someone new?',
        link: { label: 'Yes, I am available', url: v.confirmLink },
      },
      `If you are not, there is nothing to do. The ${v.brand.orgName} program team may get in touch.`,
    ];
    return blocksEmail(v.brand, 'Are you still available to mentor?', blocks);
  },
};

/** A person as the organisation's staff read about them (see the feedback alerts). */
export interface DriftingPerson {
  name?: string;
  email?: string;
  participantId: string;
}

export interface DriftingPairAlertVars {
  brand: Branding;
  programName?: string;
  mentor: DriftingPerson;
  mentee: DriftingPerson;
  /** When they were asked, in UTC words; absent when it could not be read. */
  askedAt?: string;
  /** How long since the pair's last sign of life, in words. */
  quietFor?: string;
  /** Whether this alert paused the mentor (false: they already were). */
  mentorPaused: boolean;
  matchId: string;
}

const personLine = (person: DriftingPerson, role: MatchRole) =>
  `${person.name ?? 'A participant who is no longer on record'} (${role})${person.email ? `, ${person.email}` : ''}`;

export const driftingPairAlertEmail = {
  name: 'drifting-pair-alert',
  version: 1,
  render: (v: DriftingPairAlertVars): RenderedEmail => {
    const program = v.programName ? ` in ${v.programName}` : '';
    const mentor = v.mentor.name ?? 'The mentor';
    const blocks: Block[] = [
      'Hello,',
      `A mentoring pair${program} has logged no meeting${v.quietFor ? ` for ${v.quietFor}` : ' for a while'}. We asked both whether they still meet${v.askedAt ? ` (${v.askedAt})` : ''}, and neither has answered.`,
      { lead: 'The pair:', list: [personLine(v.mentor, 'mentor'), personLine(v.mentee, 'mentee')] },
      v.mentorPaused
        ? `${mentor} gets no new mentees until they confirm they are available; we have emailed them a link to do so.`
        : `${mentor} was already paused from new matches.`,
      'You may want to check in with them both. The match stays open until one of them, or you, ends it.',
      `Match ${v.matchId}`,
    ];
    return blocksEmail(v.brand, `A mentoring pair${program} may have drifted apart`, blocks);
  },
};
