import type { EndedBy, EndReason, MatchRole } from '../domain/match';
import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * The emails of a mentoring match: the introduction each person gets when a match is made, and the note
 * each gets when it ends (back on the list, or a thank-you). Names are first names; every string is text.
 */

export interface MatchMadeVars {
  brand: Branding;
  programName?: string;
  /** The reader's role in the match. */
  role: MatchRole;
  firstName: string;
  /** The person the reader is matched with: how to call them and how to reach them. */
  other: { firstName: string; email: string };
  /** Why they were matched, in the reader's words (see shared/matching/reasons.ts). */
  reasons: string[];
  /** The signed link that asks for a new match. */
  rematchLink: string;
}

export interface MatchEndVars {
  brand: Branding;
  programName?: string;
  /** The reader's role in the match. */
  role: MatchRole;
  firstName: string;
  otherFirstName: string;
  reason: EndReason;
  endedBy: EndedBy;
}

export const matchMadeEmail = {
  name: 'match-made',
  version: 1,
  render: (v: MatchMadeVars): RenderedEmail => {
    const other = v.other.firstName;
    const mentee = v.role === 'mentee';
    const subject = mentee ? `You have a mentor: ${other}` : `You have a new mentee: ${other}`;
    const found = mentee ? 'a mentor' : 'a new mentee';
    const where = v.programName ? ` in ${v.programName}` : '';
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      `Good news: we have found you ${found}${where}. Meet ${other}!`,
      ...(v.reasons.length > 0 ? [{ lead: "Why we think you'll get on:", list: v.reasons }] : []),
      `You can reach ${other} at ${v.other.email}. We've sent ${other} your email address too, so either of you can write first.`,
      mentee
        ? `Why not send ${other} a short hello and suggest a time for a first meeting? Half an hour is plenty to start: say a little about yourself and what you'd like to get out of mentoring.`
        : `Why not send ${other} a short hello and suggest a time for a first meeting? Half an hour is plenty to start: get to know each other and hear what ${other} hopes to get out of mentoring.`,
      { small: 'Not the right match?', link: { label: 'Ask for a new one', url: v.rematchLink } },
    ];
    return blocksEmail(v.brand, subject, blocks);
  },
};

/**
 * How an ending is told. A safeguarding concern is never named, nor hinted at: the wording is the plainest
 * there is, and the program team follows up in person.
 */
const ending = (v: MatchEndVars) => {
  const other = v.otherFirstName;
  if (v.reason === 'completed') {
    return {
      subject: `Congratulations on completing your mentoring with ${other}`,
      opener: `Congratulations: your mentoring with ${other} is complete.`,
    };
  }
  const subject = `Your match with ${other} has ended`;
  if (v.reason === 'safeguarding-concern') return { subject, opener: `${subject}.` };
  return { subject, opener: v.endedBy === v.role ? `${subject}, as you asked.` : `${subject}.` };
};

const thanks = (v: MatchEndVars) => {
  switch (v.reason) {
    case 'completed':
      return 'Thank you for everything you put into it.';
    case 'safeguarding-concern':
      return 'The program team will be in touch with you soon.';
    default:
      return "Thank you for the time you gave to it. Not every match works out, and that's OK.";
  }
};

/** To a person who goes back into the pool. */
export const backInPoolEmail = {
  name: 'back-in-pool',
  version: 1,
  render: (v: MatchEndVars): RenderedEmail => {
    const { subject, opener } = ending(v);
    const next =
      v.role === 'mentee'
        ? "You're back on the list and we'll email you as soon as we find a new match."
        : "You're back on the list and we'll introduce you to a new mentee when one fits.";
    return blocksEmail(v.brand, subject, [
      `Hi ${v.firstName},`,
      opener,
      thanks(v),
      next,
      "There's nothing you need to do in the meantime.",
    ]);
  },
};

/** To a person who does not go back into the pool. */
export const matchEndedEmail = {
  name: 'match-ended',
  version: 1,
  render: (v: MatchEndVars): RenderedEmail => {
    const { subject, opener } = ending(v);
    const partOf = v.programName ?? v.brand.orgName;
    const rest: string[] =
      v.reason === 'completed'
        ? [
            `Finishing a mentoring relationship takes time and commitment, and you did it. Thank you for everything you put into it, and for being part of ${partOf}.`,
          ]
        : v.reason === 'safeguarding-concern'
          ? [thanks(v), "You don't need to do anything before then."]
          : [
              'Thank you for the time you gave to it.',
              `We won't look for a new match for you for now. If you'd like one later, let ${v.brand.orgName} know.`,
            ];
    return blocksEmail(v.brand, subject, [`Hi ${v.firstName},`, opener, ...rest]);
  },
};
