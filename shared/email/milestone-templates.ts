import type { z } from 'zod';
import type { MatchRole } from '../domain/match';
import type { Milestone } from '../events/catalogue';
import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * The celebration email of a milestone: one template for every milestone, each with its own words, so the
 * subject always names the achievement. Names are first names; every string is text, never markup.
 */

export type MilestoneName = z.infer<typeof Milestone>;

export interface MilestoneVars {
  brand: Branding;
  programName?: string;
  milestone: MilestoneName;
  /** The reader's first name. */
  firstName: string;
  /** A pair's milestone: the reader's role and the other person's first name (absent once they are erased). */
  pair?: { role: MatchRole; otherFirstName?: string };
  /** A group member's milestone: the group's name. */
  groupName?: string;
}

interface Words {
  subject: string;
  paragraphs: string[];
}

const capitalise = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** Who the reader shares a pair's milestone with: by name, or by role when the name is no longer known. */
const partnerOf = (pair: NonNullable<MilestoneVars['pair']>) =>
  pair.otherFirstName ?? (pair.role === 'mentee' ? 'your mentor' : 'your mentee');

const MEETINGS = {
  'meetings-3': 'three',
  'meetings-6': 'six',
  'meetings-12': 'twelve',
} as const;

const MONTHS = {
  'months-1': 'a month',
  'months-3': 'three months',
  'months-6': 'six months',
  'months-12': 'a year',
} as const;

const SESSIONS = { 'sessions-1': 'first', 'sessions-5': 'five', 'sessions-10': 'ten' } as const;

const meetingWords = (milestone: keyof typeof MEETINGS | 'first-meeting', partner: string): Words => {
  const keepGoing = "We'll keep sending you both a reminder before each meeting.";
  switch (milestone) {
    case 'first-meeting':
      return {
        subject: `Your first meeting with ${partner} — well done!`,
        paragraphs: [
          `You and ${partner} have had your first meeting. First conversations are often the hardest part, and you've done it.`,
          `Meeting regularly is what makes mentoring work. ${keepGoing}`,
        ],
      };
    case 'meetings-3':
      return {
        subject: `Three meetings together — you and ${partner} are finding your rhythm`,
        paragraphs: [
          `You and ${partner} have now met three times. Regular meetings are what make mentoring work, and you're making them a habit.`,
          keepGoing,
        ],
      };
    case 'meetings-6':
      return {
        subject: `Six meetings together — you and ${partner} are going strong`,
        paragraphs: [
          `You and ${partner} have now met six times. By now you know each other well: why not take a few minutes at your next meeting to look back at how far you've come?`,
          keepGoing,
        ],
      };
    case 'meetings-12':
      return {
        subject: `Twelve meetings together — what a milestone for you and ${partner}`,
        paragraphs: [
          `You and ${partner} have now met twelve times. That's a real commitment, and it shows. Thank you for the time and care you've put in.`,
          keepGoing,
        ],
      };
  }
};

const wordsFor = (v: MilestoneVars): Words => {
  const partner = v.pair ? partnerOf(v.pair) : undefined;
  const program = v.programName ?? `your program with ${v.brand.orgName}`;
  const group = v.groupName ?? v.programName ?? 'your group';
  const m = v.milestone;
  switch (m) {
    case 'first-meeting':
    case 'meetings-3':
    case 'meetings-6':
    case 'meetings-12':
      return meetingWords(m, partner ?? 'your match');
    case 'months-1':
    case 'months-3':
    case 'months-6':
    case 'months-12': {
      const period = MONTHS[m];
      return partner
        ? {
            subject: `${capitalise(period)} together — you and ${partner}`,
            paragraphs: [
              `It's ${period} since you and ${partner} were matched. Thank you for the time you keep making for each other.`,
              'Small, regular conversations add up to more than they seem at the time.',
            ],
          }
        : {
            subject: `${capitalise(period)} with ${program}`,
            paragraphs: [`It's ${period} since you joined ${program}. Thank you for being part of it.`],
          };
    }
    case 'goal-achieved':
      return {
        subject: 'You reached a goal — congratulations!',
        paragraphs: partner
          ? [
              `You and ${partner} have reached a goal you set together. That's worth celebrating.`,
              'Take a moment to notice how far you have come, and perhaps choose what to aim for next.',
            ]
          : [
              "You've reached one of your goals. That's worth celebrating.",
              'Take a moment to notice how far you have come.',
            ],
      };
    case 'program-completed':
      return {
        subject: `You've completed ${program} — congratulations!`,
        paragraphs: [
          partner
            ? `You and ${partner} have completed ${program}. Finishing takes time and commitment, and you did it.`
            : `You've completed ${program}. Finishing takes time and commitment, and you did it.`,
          `Thank you for everything you put into it, and for being part of ${v.brand.orgName}.`,
        ],
      };
    case 'sessions-1':
      return {
        subject: `Your first session with ${group} — welcome!`,
        paragraphs: [
          `Thank you for coming to your first session of ${group}. Taking that first step is often the hardest part.`,
          'We hope to see you at the next one.',
        ],
      };
    case 'sessions-5':
    case 'sessions-10':
      return {
        subject: `${capitalise(SESSIONS[m])} sessions with ${group}`,
        paragraphs: [
          `You've now been to ${SESSIONS[m]} sessions of ${group}. Thank you for showing up, for yourself and for everyone else in the group.`,
          'Your being there is part of what makes the group work.',
        ],
      };
  }
};

export const milestoneEmail = {
  name: 'milestone',
  version: 1,
  render: (v: MilestoneVars): RenderedEmail => {
    const { subject, paragraphs } = wordsFor(v);
    const blocks: Block[] = [`Hi ${v.firstName},`, ...paragraphs];
    return blocksEmail(v.brand, subject, blocks);
  },
};
