import type { StoredMeeting } from '../data/meetings';
import { type CalendarMeeting, calendarInvite } from '../email/calendar';
import { meetingCancelledEmail, meetingMovedEmail, meetingReminderEmail } from '../email/meeting-templates';
import { type Branding, firstName, type RenderedEmail } from '../email/templates';
import type { Match } from './match';
import { describeMeetingTime } from './meetings';
import type { Participant } from './participant';

/**
 * The emails of a meeting, one per person: the reminder with the invite (REQUEST) and the one-click links,
 * or the cancellation of an invite that went out (CANCEL, a higher SEQUENCE). Keyed by meeting, person and
 * invite sequence, so each is sent once however often its event arrives.
 */

export type MeetingPerson = Pick<Participant, 'participantId' | 'name' | 'email' | 'timezone'>;

export interface ComposedMeetingEmail {
  participantId: string;
  to: string;
  key: string;
  template: 'meeting-reminder' | 'meeting-moved' | 'meeting-cancelled';
  content: RenderedEmail;
  calendar: { method: 'REQUEST' | 'CANCEL'; ics: string };
}

export interface MeetingEmailContext {
  brand: Branding;
  /** The platform's sending address: the invite's organiser. */
  from: string;
  match: Pick<Match, 'matchId' | 'mentorId' | 'menteeId'>;
  mentor: MeetingPerson;
  mentee: MeetingPerson;
}

const pairOf = (context: MeetingEmailContext) => [
  { reader: context.mentee, other: context.mentor },
  { reader: context.mentor, other: context.mentee },
];

const invite = (
  context: MeetingEmailContext,
  meeting: Pick<StoredMeeting, 'meetingId' | 'startsAt' | 'durationMinutes'>,
  reader: MeetingPerson,
  other: MeetingPerson,
  method: 'REQUEST' | 'CANCEL',
  sequence: number,
  stamp: string,
  note = '',
): CalendarMeeting => ({
  uid: `${meeting.meetingId}@kindred`,
  sequence,
  method,
  start: new Date(meeting.startsAt),
  durationMinutes: meeting.durationMinutes,
  timezone: reader.timezone,
  summary: `Mentoring: ${firstName(context.mentee.name)} & ${firstName(context.mentor.name)}`,
  description: `Your ${context.brand.orgName} mentoring meeting with ${firstName(other.name)}.${note}`,
  organizer: { name: context.brand.orgName, email: context.from },
  attendees: [
    { name: reader.name, email: reader.email },
    { name: other.name, email: other.email },
  ],
  stamp: new Date(stamp),
});

/**
 * One person's invite of a planned meeting as it stands now (its current time and SEQUENCE, the same UID): what
 * their reminder carried, for a calendar that lacks it, e.g. when the reminder was folded into a digest.
 * Undefined when the person is not one of the pair.
 */
export const currentInvite = (
  context: MeetingEmailContext,
  meeting: Pick<StoredMeeting, 'meetingId' | 'startsAt' | 'durationMinutes' | 'sequence'>,
  participantId: string,
  stamp: string,
): string | undefined => {
  const pair = pairOf(context).find(({ reader }) => reader.participantId === participantId);
  return (
    pair &&
    calendarInvite(invite(context, meeting, pair.reader, pair.other, 'REQUEST', meeting.sequence, stamp))
  );
};

export const composeMeetingReminders = (
  context: MeetingEmailContext,
  meeting: StoredMeeting,
  fact: { occurredAt: string; sequence: number },
  links: (participantId: string, status: 'held' | 'skipped') => string,
  /** "Reschedule", "we reached a goal" and "add it to your calendar", for one person. */
  moreLinks?: (participantId: string) => { reschedule: string; goal: string; calendar?: string },
): ComposedMeetingEmail[] =>
  pairOf(context).map(({ reader, other }) => {
    const when = describeMeetingTime(new Date(meeting.startsAt), reader.timezone);
    const template = meetingReminderEmail;
    return {
      participantId: reader.participantId,
      to: reader.email,
      key: [
        'MeetingDue',
        meeting.meetingId,
        reader.participantId,
        `s${fact.sequence}`,
        template.name,
        `v${template.version}`,
      ].join(':'),
      template: 'meeting-reminder',
      content: template.render({
        brand: context.brand,
        firstName: firstName(reader.name),
        otherFirstName: firstName(other.name),
        otherEmail: other.email,
        when,
        durationMinutes: meeting.durationMinutes,
        first: meeting.seq === 1,
        links: {
          held: links(reader.participantId, 'held'),
          skipped: links(reader.participantId, 'skipped'),
          ...moreLinks?.(reader.participantId),
        },
      }),
      calendar: {
        method: 'REQUEST',
        ics: calendarInvite(
          invite(context, meeting, reader, other, 'REQUEST', fact.sequence, fact.occurredAt),
        ),
      },
    };
  });

/**
 * The updated invite of a moved meeting to both people (same UID, the move's higher SEQUENCE), naming who
 * moved it; keyed by meeting, person and sequence, so each move is sent once.
 */
export const composeMeetingMoves = (
  context: MeetingEmailContext,
  meeting: Pick<StoredMeeting, 'meetingId' | 'durationMinutes'>,
  fact: {
    occurredAt: string;
    sequence: number;
    startsAt: string;
    previousStartsAt: string;
    participantId: string;
  },
  rescheduleLink: (participantId: string) => string,
): ComposedMeetingEmail[] => {
  const mover = fact.participantId === context.mentor.participantId ? context.mentor : context.mentee;
  const moverFirstName = firstName(mover.name);
  return pairOf(context).map(({ reader, other }) => {
    const template = meetingMovedEmail;
    const moved = { ...meeting, startsAt: fact.startsAt };
    return {
      participantId: reader.participantId,
      to: reader.email,
      key: [
        'MeetingRescheduled',
        meeting.meetingId,
        reader.participantId,
        `s${fact.sequence}`,
        template.name,
        `v${template.version}`,
      ].join(':'),
      template: 'meeting-moved',
      content: template.render({
        brand: context.brand,
        firstName: firstName(reader.name),
        otherFirstName: firstName(other.name),
        moverFirstName,
        movedByReader: reader.participantId === mover.participantId,
        when: describeMeetingTime(new Date(fact.startsAt), reader.timezone),
        previousWhen: describeMeetingTime(new Date(fact.previousStartsAt), reader.timezone),
        durationMinutes: meeting.durationMinutes,
        links: { reschedule: rescheduleLink(reader.participantId) },
      }),
      calendar: {
        method: 'REQUEST',
        ics: calendarInvite(
          invite(
            context,
            moved,
            reader,
            other,
            'REQUEST',
            fact.sequence,
            fact.occurredAt,
            ` Moved by ${moverFirstName}.`,
          ),
        ),
      },
    };
  });
};

export const composeMeetingCancellations = (
  context: MeetingEmailContext,
  meeting: Pick<StoredMeeting, 'meetingId' | 'startsAt' | 'durationMinutes'>,
  fact: { occurredAt: string; sequence: number },
): ComposedMeetingEmail[] =>
  pairOf(context).map(({ reader, other }) => {
    const template = meetingCancelledEmail;
    return {
      participantId: reader.participantId,
      to: reader.email,
      key: [
        'MeetingCancelled',
        meeting.meetingId,
        reader.participantId,
        `s${fact.sequence}`,
        template.name,
        `v${template.version}`,
      ].join(':'),
      template: 'meeting-cancelled',
      content: template.render({
        brand: context.brand,
        firstName: firstName(reader.name),
        otherFirstName: firstName(other.name),
        when: describeMeetingTime(new Date(meeting.startsAt), reader.timezone),
      }),
      calendar: {
        method: 'CANCEL',
        ics: calendarInvite(
          invite(context, meeting, reader, other, 'CANCEL', fact.sequence, fact.occurredAt),
        ),
      },
    };
  });
