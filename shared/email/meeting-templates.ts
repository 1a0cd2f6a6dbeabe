import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * The emails of a pair's meeting plan: the reminder before each meeting (with its calendar invite and the
 * one-click "we met" / "we skipped" links) and the note that cancels a meeting's invite.
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
  links: { held: string; skipped: string };
}

export const meetingReminderEmail = {
  name: 'meeting-reminder',
  version: 1,
  render: (v: MeetingReminderVars): RenderedEmail => {
    const subject = `${v.first ? 'Your first meeting' : 'Your next meeting'} with ${v.otherFirstName}: ${v.when}`;
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      v.first
        ? `Your first meeting with ${v.otherFirstName} is planned for ${v.when}, for ${v.durationMinutes} minutes. It is a time you are both free, and the invite in this email puts it in your calendar.`
        : `A reminder that you and ${v.otherFirstName} meet next on ${v.when}, for ${v.durationMinutes} minutes. The invite in this email keeps your calendar up to date.`,
      `If that time no longer works, just let ${v.otherFirstName} know at ${v.otherEmail} and agree another one.`,
      'Afterwards, one click tells us how it went, so we can cheer you on:',
      { small: 'We met:', link: { label: 'Yes, we met', url: v.links.held } },
      { small: 'It did not happen:', link: { label: 'We skipped this one', url: v.links.skipped } },
    ];
    return blocksEmail(v.brand, subject, blocks);
  },
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
