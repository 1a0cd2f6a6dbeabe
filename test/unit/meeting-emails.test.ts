import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { composeMeetingMoves } from '../../shared/domain/meeting-emails';

/** The updated invite of a moved meeting: both people, one key per (meeting, sequence, recipient). */

const sam = {
  participantId: 'mentee-1',
  name: 'Sam Okafor',
  email: 'sam@example.org',
  timezone: 'Europe/London',
};
const priya = {
  participantId: 'mentor-1',
  name: 'Priya Natarajan',
  email: 'priya@example.org',
  timezone: 'America/New_York',
};
const context = {
  brand: { orgName: 'Riverside Mentors' },
  from: 'no-reply@kindred.test',
  match: { matchId: 'm-1', mentorId: priya.participantId, menteeId: sam.participantId },
  mentor: priya,
  mentee: sam,
};
const fact = {
  occurredAt: '2026-03-09T19:00:00.000Z',
  sequence: 2,
  startsAt: '2026-03-11T18:00:00.000Z',
  previousStartsAt: '2026-03-10T18:00:00.000Z',
  participantId: priya.participantId,
};

describe('the emails of a moved meeting', () => {
  const emails = composeMeetingMoves(
    context,
    { meetingId: 'm-1-4', durationMinutes: 60 },
    fact,
    (id) => `https://x/${id}`,
  );

  it('go to both, keyed by meeting, person and sequence', () => {
    expect(emails.map((e) => e.key)).toEqual([
      'MeetingRescheduled:m-1-4:mentee-1:s2:meeting-moved:v1',
      'MeetingRescheduled:m-1-4:mentor-1:s2:meeting-moved:v1',
    ]);
  });

  it('name the mover and both times in each reader’s own zone', () => {
    const [toSam, toPriya] = emails;
    expect(toSam?.content.subject).toBe(
      'Moved by Priya: your meeting with Priya is now Wednesday 11 March, 18:00 (Europe/London)',
    );
    expect(toSam?.content.text).toContain(
      'Priya moved your meeting from Tuesday 10 March, 18:00 (Europe/London)',
    );
    expect(toPriya?.content.text).toContain(
      'You moved your meeting with Sam from Tuesday 10 March, 14:00 (America/New York)',
    );
    expect(toPriya?.content.text).toContain('https://x/mentor-1');
  });

  it('carry the same event at its new time with the raised SEQUENCE (REQUEST)', () => {
    for (const email of emails) {
      const calendar = new ICAL.Component(ICAL.parse(email.calendar.ics));
      const event = calendar.getFirstSubcomponent('vevent');
      if (!event) throw new Error('no VEVENT');
      expect(calendar.getFirstPropertyValue('method')).toBe('REQUEST');
      expect(event.getFirstPropertyValue('uid')).toBe('m-1-4@kindred');
      expect(event.getFirstPropertyValue('sequence')).toBe(2);
      expect((event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString()).toBe(
        fact.startsAt,
      );
      expect(String(event.getFirstPropertyValue('description'))).toContain('Moved by Priya.');
    }
  });
});
