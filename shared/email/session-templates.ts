import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * The emails of a peer group's sessions: the reminder before each (with its calendar invite and the
 * one-click "I was there" / "I can't make it" links) and the note that cancels a session's invite.
 * Nothing in them names another member: who else comes is the group's own business.
 */

export interface SessionReminderVars {
  brand: Branding;
  firstName: string;
  groupName: string;
  /** The session's time as the reader reads it, e.g. "Tuesday 5 May, 18:30 (Europe/London)". */
  when: string;
  durationMinutes: number;
  links: { attended: string; cantMake: string };
}

export const sessionReminderEmail = {
  name: 'session-reminder',
  version: 1,
  render: (v: SessionReminderVars): RenderedEmail => {
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      `A reminder that ${v.groupName} meets next on ${v.when}, for ${v.durationMinutes} minutes. The invite in this email puts it in your calendar.`,
      'Come as you are: you can share as much or as little as feels right.',
      {
        small: 'If you can’t come this time, a click lets the group know:',
        link: { label: 'I can’t make it', url: v.links.cantMake },
      },
      {
        small: 'Afterwards, tell us you were there, so we can celebrate with you:',
        link: { label: 'I was there', url: v.links.attended },
      },
      'Peer support sits alongside professional help and never replaces it. If you need urgent help, please contact your local emergency services.',
    ];
    return blocksEmail(v.brand, `${v.groupName}: next session ${v.when}`, blocks);
  },
};

export interface SessionCancelledVars {
  brand: Branding;
  firstName: string;
  groupName: string;
  when: string;
}

export const sessionCancelledEmail = {
  name: 'session-cancelled',
  version: 1,
  render: (v: SessionCancelledVars): RenderedEmail =>
    blocksEmail(v.brand, `Cancelled: ${v.groupName}, ${v.when}`, [
      `Hi ${v.firstName},`,
      `${v.groupName} has closed, so the session planned for ${v.when} will not take place. Thank you for being part of it.`,
      'The cancellation in this email takes it out of your calendar.',
    ]),
};
