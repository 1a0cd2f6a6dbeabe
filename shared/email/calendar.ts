import ical, {
  ICalAttendeeRole,
  ICalAttendeeStatus,
  ICalCalendarMethod,
  ICalEventClass,
  ICalEventStatus,
} from 'ical-generator';

/**
 * Calendar invites (iCalendar, RFC 5545, sent as iMIP, RFC 6047) for planned meetings. Pure: the same meeting
 * renders the same bytes, so a redelivered event sends an identical invite.
 *
 * Times are written in UTC (`DTSTART:20260330T170000Z`), not as a TZID with a VTIMEZONE. Each meeting is its
 * own single event (no RRULE), so there is no local wall-clock rule to preserve across a daylight-saving
 * change, and an instant in UTC is the one form Outlook (desktop, web), Google Calendar and Apple Calendar all
 * read the same way and show in the viewer's own zone. A TZID must come with a VTIMEZONE (RFC 5545 3.2.19);
 * Outlook matches those by their rules and has mis-shifted events whose generated VTIMEZONE only approximates
 * the zone's history, and Google ignores the VTIMEZONE and trusts the TZID name. UTC avoids both.
 */

export interface CalendarPerson {
  name: string;
  email: string;
}

export interface CalendarMeeting {
  /** Stable per meeting, e.g. `<meetingId>@kindred`: a client updates the event it has under this UID. */
  uid: string;
  /** Raised on every change (time, people, cancellation); clients ignore an update whose SEQUENCE is not higher. */
  sequence: number;
  /** REQUEST adds or updates the event; CANCEL removes it (e.g. when the match ends). */
  method: 'REQUEST' | 'CANCEL';
  /** The UTC instant the meeting starts. */
  start: Date;
  durationMinutes: number;
  /**
   * The IANA zone the meeting is shown in (the recipient's). The invite itself carries the instant in UTC
   * (see above) and each calendar shows it in its owner's zone; the zone is for the email's own text.
   */
  timezone: string;
  /** e.g. `Mentoring: Sam & Priya`. */
  summary: string;
  /** Plain text. */
  description: string;
  /** The platform's sending address. */
  organizer: CalendarPerson;
  /** The recipient (and the other person). */
  attendees: CalendarPerson[];
  url?: string;
  /** DTSTAMP: the time of the event that caused the invite, never "now", so a redelivery renders the same. */
  stamp: Date;
}

const PRODUCT_ID = { company: 'kindred', product: 'meeting invites', language: 'EN' };

/**
 * A parameter value (the CN of a person) is written in double quotes and may hold neither a double quote nor
 * a control character (RFC 5545 3.1, QSAFE-CHAR), and there is no escape for them there.
 */
const paramSafe = (name: string) =>
  name
    .replace(/"/g, "'")
    .replace(/\p{Cc}+/gu, ' ')
    .trim();

const assertValid = (meeting: CalendarMeeting) => {
  if (!Number.isInteger(meeting.sequence) || meeting.sequence < 0)
    throw new RangeError('calendar invite: sequence must be a whole number from 0');
  if (!Number.isInteger(meeting.durationMinutes) || meeting.durationMinutes <= 0)
    throw new RangeError('calendar invite: durationMinutes must be a whole number above 0');
  if (Number.isNaN(meeting.start.getTime()) || Number.isNaN(meeting.stamp.getTime()))
    throw new RangeError('calendar invite: start and stamp must be valid dates');
  if (meeting.uid.trim() === '') throw new RangeError('calendar invite: uid must not be empty');
};

/**
 * The invite as RFC 5545 text: CRLF line endings, lines folded at 75 octets (never inside a UTF-8 sequence),
 * TEXT values escaped, METHOD on the VCALENDAR and STATUS:CANCELLED on the event of a CANCEL.
 * The event is CLASS:PRIVATE: a mentoring meeting in a shared work calendar shows as busy, not by name.
 * Attendees are not asked to reply (RSVP=FALSE): the organizer is the platform's sending address, which
 * reads no replies.
 */
export const calendarInvite = (meeting: CalendarMeeting): string => {
  assertValid(meeting);
  const cancel = meeting.method === 'CANCEL';
  const calendar = ical({
    prodId: PRODUCT_ID,
    method: cancel ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST,
  });
  calendar.createEvent({
    id: meeting.uid,
    sequence: meeting.sequence,
    stamp: meeting.stamp,
    start: meeting.start,
    end: new Date(meeting.start.getTime() + meeting.durationMinutes * 60_000),
    summary: meeting.summary,
    description: meeting.description,
    url: meeting.url ?? null,
    status: cancel ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    class: ICalEventClass.PRIVATE,
    organizer: { name: paramSafe(meeting.organizer.name), email: meeting.organizer.email },
    attendees: meeting.attendees.map((person) => ({
      name: paramSafe(person.name),
      email: person.email,
      role: ICalAttendeeRole.REQ,
      status: ICalAttendeeStatus.NEEDSACTION,
      rsvp: false,
    })),
  });
  // Every content line ends in CRLF, the last one included (RFC 5545 3.1); the library leaves it off.
  return `${calendar.toString()}\r\n`;
};
