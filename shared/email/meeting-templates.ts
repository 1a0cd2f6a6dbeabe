import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * The emails of a pair's meeting plan: the reminder before each meeting (with its calendar invite, the
 * one-click "we met" / "we skipped" links, "reschedule" and "we reached a goal"), the note that a meeting
 * moved (with the updated invite) and the note that cancels a meeting's invite.
 */

export interface MeetingReminderVars {
  brand: Branding;
  firstName: string;
  otherFirstName: string;
  otherEmail: string;
  /** The meeting's time as the reader reads it, e.g. "Tuesday 5 May, 18:00 (Europe/London)". */
  when: string;
  durationMinutes: number;
  /** True for the pair's first meeting. */
  first: boolean;
  links: { held: string; skipped: string; reschedule?: string; goal?: string; calendar?: string };
}

export const meetingReminderEmail = {
  name: 'meeting-reminder',
  version: 3,
  render: (v: MeetingReminderVars): RenderedEmail => {
    const subject = `${v.first ? 'Your first meeting' : 'Your next meeting'} with ${v.otherFirstName}: ${v.when}`;
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      v.first
        ? `Your first meeting with ${v.otherFirstName} is planned for ${v.when}, for ${v.durationMinutes} minutes. It is a time you are both free, and the invite in this email puts it in your calendar.`
        : `A reminder that you and ${v.otherFirstName} meet next on ${v.when}, for ${v.durationMinutes} minutes. The invite in this email keeps your calendar up to date.`,
      v.links.reschedule
        ? `If that time no longer works, pick another time that suits you both, or write to ${v.otherFirstName} at ${v.otherEmail}.`
        : `If that time no longer works, just let ${v.otherFirstName} know at ${v.otherEmail} and agree another one.`,
      ...(v.links.reschedule
        ? [{ small: 'Need another time?', link: { label: 'Reschedule', url: v.links.reschedule } }]
        : []),
      // The invite as a link too: it survives a digest, and mail apps that hide invites.
      ...(v.links.calendar
        ? [
            {
              small: 'Not in your calendar?',
              link: { label: 'Add it to your calendar', url: v.links.calendar },
            },
          ]
        : []),
      'Afterwards, one click tells us how it went, so we can cheer you on:',
      { small: 'We met:', link: { label: 'Yes, we met', url: v.links.held } },
      { small: 'It did not happen:', link: { label: 'We skipped this one', url: v.links.skipped } },
      ...(v.links.goal
        ? [{ small: 'Reached one of your goals?', link: { label: 'We reached a goal', url: v.links.goal } }]
        : []),
    ];
    return blocksEmail(v.brand, subject, blocks);
  },
};

export interface MeetingMovedVars {
  brand: Branding;
  firstName: string;
  otherFirstName: string;
  /** The first name of whoever moved it (the reader or the other person). */
  moverFirstName: string;
  movedByReader: boolean;
  /** The new time and the old, as the reader reads them. */
  when: string;
  previousWhen: string;
  durationMinutes: number;
  links: { reschedule: string };
}

export const meetingMovedEmail = {
  name: 'meeting-moved',
  version: 1,
  render: (v: MeetingMovedVars): RenderedEmail =>
    blocksEmail(
      v.brand,
      `Moved by ${v.moverFirstName}: your meeting with ${v.otherFirstName} is now ${v.when}`,
      [
        `Hi ${v.firstName},`,
        v.movedByReader
          ? `You moved your meeting with ${v.otherFirstName} from ${v.previousWhen} to ${v.when}, for ${v.durationMinutes} minutes. We have let ${v.otherFirstName} know.`
          : `${v.moverFirstName} moved your meeting from ${v.previousWhen} to ${v.when}, for ${v.durationMinutes} minutes.`,
        'The updated invite in this email moves it in your calendar. We will remind you both before it.',
        {
          small: 'Does the new time not work?',
          link: { label: 'Choose another time', url: v.links.reschedule },
        },
      ],
    ),
};

export interface MeetingCancelledVars {
  brand: Branding;
  firstName: string;
  otherFirstName: string;
  when: string;
}

export const meetingCancelledEmail = {
  name: 'meeting-cancelled',
  version: 1,
  render: (v: MeetingCancelledVars): RenderedEmail =>
    blocksEmail(v.brand, `Cancelled: your meeting with ${v.otherFirstName}, ${v.when}`, [
      `Hi ${v.firstName},`,
      `Your mentoring match with ${v.otherFirstName} has ended, so the meeting planned for ${v.when} will not take place.`,
      'The cancellation in this email takes it out of your calendar.',
    ]),
};
