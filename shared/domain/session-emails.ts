import { type CalendarMeeting, calendarInvite } from '../email/calendar';
import { sessionCancelledEmail, sessionReminderEmail } from '../email/session-templates';
import { type Branding, firstName, type RenderedEmail } from '../email/templates';
import type { GroupSession } from './group-sessions';
import type { MeetingPerson } from './meeting-emails';
import { describeMeetingTime } from './meetings';

/**
 * The emails of a group session, one per member: the reminder with its invite (REQUEST) and one-click links,
 * or the cancellation of an invite that went out (CANCEL, a higher SEQUENCE). Keyed by session, member and
 * invite sequence, so each is sent once however often its event arrives. Each invite names only its reader:
 * members' addresses are never shown to one another.
 */

export interface ComposedSessionEmail {
  participantId: string;
  to: string;
  key: string;
  template: 'session-reminder' | 'session-cancelled';
  content: RenderedEmail;
  calendar: { method: 'REQUEST' | 'CANCEL'; ics: string };
}

export interface SessionEmailContext {
  brand: Branding;
  /** The platform's sending address: the invite's organiser. */
  from: string;
  groupName: string;
}

type SessionTimes = Pick<GroupSession, 'meetingId' | 'startsAt' | 'durationMinutes'>;

const invite = (
  context: SessionEmailContext,
  session: SessionTimes,
  reader: MeetingPerson,
  method: 'REQUEST' | 'CANCEL',
  sequence: number,
  stamp: string,
): CalendarMeeting => ({
  uid: `${session.meetingId}@kindred`,
  sequence,
  method,
  start: new Date(session.startsAt),
  durationMinutes: session.durationMinutes,
  timezone: reader.timezone,
  summary: context.groupName,
  description: `A session of ${context.groupName}, with ${context.brand.orgName}.`,
  organizer: { name: context.brand.orgName, email: context.from },
  attendees: [{ name: reader.name, email: reader.email }],
  stamp: new Date(stamp),
});

const keyOf = (
  fact: string,
  session: SessionTimes,
  reader: MeetingPerson,
  sequence: number,
  template: { name: string; version: number },
) =>
  [fact, session.meetingId, reader.participantId, `s${sequence}`, template.name, `v${template.version}`].join(
    ':',
  );

export const composeSessionReminder = (
  context: SessionEmailContext,
  session: SessionTimes,
  reader: MeetingPerson,
  fact: { occurredAt: string; sequence: number },
  links: { attended: string; cantMake: string },
): ComposedSessionEmail => ({
  participantId: reader.participantId,
  to: reader.email,
  key: keyOf('MeetingDue', session, reader, fact.sequence, sessionReminderEmail),
  template: 'session-reminder',
  content: sessionReminderEmail.render({
    brand: context.brand,
    firstName: firstName(reader.name),
    groupName: context.groupName,
    when: describeMeetingTime(new Date(session.startsAt), reader.timezone),
    durationMinutes: session.durationMinutes,
    links,
  }),
  calendar: {
    method: 'REQUEST',
    ics: calendarInvite(invite(context, session, reader, 'REQUEST', fact.sequence, fact.occurredAt)),
  },
});

export const composeSessionCancellation = (
  context: SessionEmailContext,
  session: SessionTimes,
  reader: MeetingPerson,
  fact: { occurredAt: string; sequence: number },
): ComposedSessionEmail => ({
  participantId: reader.participantId,
  to: reader.email,
  key: keyOf('MeetingCancelled', session, reader, fact.sequence, sessionCancelledEmail),
  template: 'session-cancelled',
  content: sessionCancelledEmail.render({
    brand: context.brand,
    firstName: firstName(reader.name),
    groupName: context.groupName,
    when: describeMeetingTime(new Date(session.startsAt), reader.timezone),
  }),
  calendar: {
    method: 'CANCEL',
    ics: calendarInvite(invite(context, session, reader, 'CANCEL', fact.sequence, fact.occurredAt)),
  },
});
