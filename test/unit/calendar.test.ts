import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { type CalendarMeeting, calendarInvite } from '../../shared/email/calendar';

const LONDON = 'Europe/London';

const meeting = (overrides: Partial<CalendarMeeting> = {}): CalendarMeeting => ({
  uid: '8d1c2b3a-4e5f-4a6b-9c7d-0e1f2a3b4c5d@kindred',
  sequence: 0,
  method: 'REQUEST',
  start: new Date('2026-03-23T18:00:00.000Z'),
  durationMinutes: 45,
  timezone: LONDON,
  summary: 'Mentoring: Sam & Priya',
  description: 'Your fortnightly meeting.',
  organizer: { name: 'kindred', email: 'no-reply@kindred.test' },
  attendees: [
    { name: 'Sam Okoro', email: 'sam.okoro@example.org' },
    { name: 'Priya Shah', email: 'priya.shah@example.org' },
  ],
  url: 'https://api.kindred.test/v1/meetings/8d1c2b3a',
  stamp: new Date('2026-03-16T09:00:00.000Z'),
  ...overrides,
});

/** The invite parsed back by ical.js: the calendar, its one event, and the event's fields. */
const parse = (ics: string) => {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const events = calendar.getAllSubcomponents('vevent');
  expect(events).toHaveLength(1);
  const vevent = events[0] as ICAL.Component;
  const event = new ICAL.Event(vevent);
  return {
    calendar,
    vevent,
    event,
    method: calendar.getFirstPropertyValue('method'),
    start: event.startDate.toJSDate(),
    end: event.endDate.toJSDate(),
    attendees: event.attendees.map((p) => ({
      cn: p.getParameter('cn'),
      address: String(p.getFirstValue()).replace(/^mailto:/i, ''),
      role: p.getParameter('role'),
      rsvp: p.getParameter('rsvp'),
    })),
  };
};

const minutes = (from: Date, to: Date) => (to.getTime() - from.getTime()) / 60_000;

describe('calendarInvite', () => {
  it('writes a REQUEST that an iCalendar parser reads back field by field', () => {
    // Prepare
    const input = meeting({ sequence: 3 });

    // Act
    const ics = calendarInvite(input);
    const parsed = parse(ics);

    // Assess
    expect(parsed.method).toBe('REQUEST');
    expect(parsed.calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(parsed.calendar.getFirstPropertyValue('prodid')).toBe('-//kindred//meeting invites//EN');
    expect(parsed.event.uid).toBe(input.uid);
    expect(parsed.event.sequence).toBe(3);
    expect(parsed.start.toISOString()).toBe('2026-03-23T18:00:00.000Z');
    expect(parsed.event.startDate.zone?.tzid).toBe('UTC');
    expect(minutes(parsed.start, parsed.end)).toBe(45);
    expect(parsed.event.summary).toBe('Mentoring: Sam & Priya');
    expect(parsed.event.description).toBe('Your fortnightly meeting.');
    expect(parsed.vevent.getFirstPropertyValue('status')).toBe('CONFIRMED');
    expect(parsed.vevent.getFirstPropertyValue('class')).toBe('PRIVATE');
    expect(parsed.vevent.getFirstPropertyValue('url')).toBe(input.url);
    expect((parsed.vevent.getFirstPropertyValue('dtstamp') as ICAL.Time).toJSDate().toISOString()).toBe(
      '2026-03-16T09:00:00.000Z',
    );
    const organizer = parsed.vevent.getFirstProperty('organizer');
    expect(organizer?.getFirstValue()).toBe('mailto:no-reply@kindred.test');
    expect(organizer?.getParameter('cn')).toBe('kindred');
    expect(parsed.attendees).toStrictEqual([
      { cn: 'Sam Okoro', address: 'sam.okoro@example.org', role: 'REQ-PARTICIPANT', rsvp: 'FALSE' },
      { cn: 'Priya Shah', address: 'priya.shah@example.org', role: 'REQ-PARTICIPANT', rsvp: 'FALSE' },
    ]);
  });

  it('puts METHOD on the VCALENDAR, not on the event, and writes times in UTC without a VTIMEZONE', () => {
    const ics = calendarInvite(meeting());

    const lines = ics.split('\r\n');
    expect(lines.indexOf('METHOD:REQUEST')).toBeGreaterThan(lines.indexOf('BEGIN:VCALENDAR'));
    expect(lines.indexOf('METHOD:REQUEST')).toBeLessThan(lines.indexOf('BEGIN:VEVENT'));
    expect(lines).toContain('DTSTART:20260323T180000Z');
    expect(lines).toContain('DTEND:20260323T184500Z');
    expect(ics).not.toContain('VTIMEZONE');
    expect(ics).not.toContain('TZID');
  });

  it('keeps the instant across the daylight-saving change (Europe/London, 29 March 2026)', () => {
    // 18:00 in London: GMT (UTC+0) the week before the change, BST (UTC+1) the day after it.
    const before = DateTime.fromISO('2026-03-23T18:00', { zone: LONDON }).toJSDate();
    const after = DateTime.fromISO('2026-03-30T18:00', { zone: LONDON }).toJSDate();

    const first = parse(calendarInvite(meeting({ start: before })));
    const second = parse(calendarInvite(meeting({ start: after })));

    expect(first.start.toISOString()).toBe('2026-03-23T18:00:00.000Z');
    expect(second.start.toISOString()).toBe('2026-03-30T17:00:00.000Z');
    // Shown in the recipient's zone, both are at six in the evening.
    for (const { start } of [first, second]) {
      expect(DateTime.fromJSDate(start, { zone: LONDON }).toFormat('HH:mm')).toBe('18:00');
    }
  });

  it('keeps the duration of a meeting that spans the change: an hour of elapsed time, 00:30 GMT to 02:30 BST', () => {
    const start = DateTime.fromISO('2026-03-29T00:30', { zone: LONDON }).toJSDate();

    const parsed = parse(calendarInvite(meeting({ start, durationMinutes: 60 })));

    expect(parsed.start.toISOString()).toBe('2026-03-29T00:30:00.000Z');
    expect(parsed.end.toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(DateTime.fromJSDate(parsed.end, { zone: LONDON }).toFormat('HH:mm')).toBe('02:30');
    expect(parsed.event.duration.toSeconds()).toBe(3600);
  });

  it('cancels the same event: METHOD:CANCEL, STATUS:CANCELLED, same UID, a higher SEQUENCE', () => {
    const request = parse(calendarInvite(meeting({ sequence: 2 })));

    const cancel = parse(calendarInvite(meeting({ method: 'CANCEL', sequence: 3 })));

    expect(cancel.method).toBe('CANCEL');
    expect(cancel.vevent.getFirstPropertyValue('status')).toBe('CANCELLED');
    expect(cancel.event.uid).toBe(request.event.uid);
    expect(cancel.event.sequence).toBeGreaterThan(request.event.sequence);
    // A cancellation names the people it is cancelled for (RFC 5546 3.2.5) and keeps the event's time.
    expect(cancel.attendees.map((a) => a.address)).toStrictEqual(request.attendees.map((a) => a.address));
    expect(cancel.start).toStrictEqual(request.start);
  });

  it('escapes commas, semicolons, backslashes and newlines in text, and reads them back unchanged', () => {
    const summary = 'Mentoring: Sam, Priya; and a \\ backslash';
    const description = 'Agenda:\n- goals, next steps; questions\r\n- see you then\\now';

    const ics = calendarInvite(meeting({ summary, description }));
    const parsed = parse(ics);

    expect(ics).toContain('SUMMARY:Mentoring: Sam\\, Priya\\; and a \\\\ backslash\r\n');
    expect(parsed.event.summary).toBe(summary);
    expect(parsed.event.description).toBe(description.replace(/\r\n/g, '\n'));
  });

  it('folds long lines at 75 octets without splitting a UTF-8 character, and unfolds to the same names', () => {
    const name = 'Zoë Ångström-Łukasiewicz 日本語の名前 🌱 Ngọc Ánh Nguyễn-Þórsdóttir';
    const description = `${'Ünïcödé text, with commas; and more. '.repeat(6)}🌱`;

    const ics = calendarInvite(
      meeting({
        attendees: [{ name, email: 'zoe@example.org' }],
        summary: `Mentoring: ${name}`,
        description,
      }),
    );

    const bytes = Buffer.from(ics, 'utf8');
    const physical: Buffer[] = [];
    for (let at = 0; at < bytes.length; ) {
      const end = bytes.indexOf('\r\n', at);
      physical.push(bytes.subarray(at, end));
      at = end + 2;
    }
    const strict = new TextDecoder('utf-8', { fatal: true });
    for (const line of physical) {
      expect(line.length).toBeLessThanOrEqual(75);
      expect(() => strict.decode(line)).not.toThrow();
    }
    expect(physical.filter((line) => line[0] === 0x20).length).toBeGreaterThan(3);
    const parsed = parse(ics);
    expect(parsed.attendees[0]?.cn).toBe(name);
    expect(parsed.event.summary).toBe(`Mentoring: ${name}`);
    expect(parsed.event.description).toBe(description);
  });

  it('ends every line, the last included, in CRLF and has no bare LF or CR', () => {
    const ics = calendarInvite(meeting({ description: 'one\ntwo\rthree' }));

    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('renders the same bytes for the same meeting, so a redelivery sends an identical invite', () => {
    expect(calendarInvite(meeting())).toBe(calendarInvite(meeting()));
  });

  it('keeps a name with double quotes or a line break a valid parameter value', () => {
    const parsed = parse(
      calendarInvite(
        meeting({ attendees: [{ name: 'Sam "Sammy"\nOkoro', email: 'sam.okoro@example.org' }] }),
      ),
    );

    expect(parsed.attendees[0]?.cn).toBe("Sam 'Sammy' Okoro");
  });

  it('leaves out URL when there is none', () => {
    const parsed = parse(calendarInvite(meeting({ url: undefined })));

    expect(parsed.vevent.getFirstProperty('url')).toBeNull();
  });

  it.each([
    ['a negative sequence', { sequence: -1 }],
    ['a fractional sequence', { sequence: 1.5 }],
    ['a zero duration', { durationMinutes: 0 }],
    ['an invalid start', { start: new Date('not a date') }],
    ['an empty uid', { uid: ' ' }],
  ])('refuses %s', (_, overrides) => {
    expect(() => calendarInvite(meeting(overrides))).toThrow(RangeError);
  });
});
