import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutgoingEmail } from '../../shared/adapters/email-sender';
import { type CalendarMeeting, calendarInvite } from '../../shared/email/calendar';
import { lambdaContext } from '../helpers/events';
import { eventually, startTestRuntime, type TestRuntime } from '../helpers/local';

/** An email with a calendar invite goes to SES as raw MIME, and the local outbox shows it like any other. */
describe('raw emails with a calendar invite (local runtime)', () => {
  let local: TestRuntime;
  let send: (email: OutgoingEmail) => Promise<{ messageId: string }>;
  beforeAll(async () => {
    local = await startTestRuntime();
    // Imported once the runtime has set the SDK's endpoint variables and the function config.
    const { idempotentEmailSender } = await import('../../shared/adapters/email-sender');
    const sender = idempotentEmailSender({
      tableName: process.env.TABLE_NAME as string,
      from: process.env.EMAIL_FROM as string,
    });
    // As a function would: a claim left by a crash expires with the invocation.
    sender.useContext(lambdaContext('kindred-test-ses-raw', 120_000));
    send = sender.send;
  });
  afterAll(async () => {
    await local?.stop();
  });

  let counter = 0;
  const fresh = () => `${process.pid}-${Date.now()}-${++counter}`;

  const meeting = (id: string, overrides: Partial<CalendarMeeting> = {}): CalendarMeeting => ({
    uid: `${id}@kindred`,
    sequence: 0,
    method: 'REQUEST',
    start: new Date('2026-03-30T17:00:00.000Z'),
    durationMinutes: 45,
    timezone: 'Europe/London',
    summary: 'Mentoring: Zoë & Priya',
    description: 'Your fortnightly meeting.\nAgenda: goals, next steps; questions',
    organizer: { name: 'kindred', email: 'no-reply@kindred.local' },
    attendees: [
      { name: 'Zoë Ångström', email: `zoe-${id}@example.org` },
      { name: 'Priya Shah', email: 'priya@example.org' },
    ],
    stamp: new Date('2026-03-16T09:00:00.000Z'),
    ...overrides,
  });

  const reminder = (id: string, ics: string, method: 'REQUEST' | 'CANCEL', key: string): OutgoingEmail => ({
    key,
    to: `zoe-${id}@example.org`,
    content: {
      subject: method === 'REQUEST' ? 'Réunion demain: Zoë & Priya' : 'Meetings with Priya have ended',
      text: 'Your meeting is tomorrow.\nLog it: http://127.0.0.1/v1/meetings/log?token=abc\n',
      html: '<p>Your meeting is tomorrow.</p>\n<p><a href="http://127.0.0.1/v1/meetings/log?token=abc">Log it</a></p>',
    },
    headers: {
      'List-Unsubscribe': '<http://127.0.0.1/v1/unsubscribe?token=xyz>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
    calendar: { method, ics },
  });

  const emailsTo = async (address: string) => (await local.outbox()).filter((e) => e.to === address);

  it('sends the invite through SES and finds it in /_local/outbox with its calendar', async () => {
    // Prepare
    const id = fresh();
    const ics = calendarInvite(meeting(id));
    const email = reminder(id, ics, 'REQUEST', `MeetingDue:${id}:reminder:v1`);

    // Act
    const sent = await send(email);

    // Assess
    const [found] = await eventually(async () => {
      const emails = await emailsTo(email.to);
      return emails.length > 0 ? emails : undefined;
    });
    expect(found).toStrictEqual({
      messageId: sent.messageId,
      from: process.env.EMAIL_FROM,
      to: email.to,
      subject: email.content.subject,
      text: email.content.text,
      html: email.content.html,
      headers: email.headers,
      calendar: { method: 'REQUEST', ics },
      at: expect.any(String),
      sentAt: expect.any(String),
    });
    const event = new ICAL.Event(
      new ICAL.Component(ICAL.parse(found?.calendar?.ics ?? '')).getFirstSubcomponent('vevent') ?? undefined,
    );
    expect(event.uid).toBe(`${id}@kindred`);
    expect(event.startDate.toJSDate().toISOString()).toBe('2026-03-30T17:00:00.000Z');
  });

  it('sends it once per key, however often it is asked to', async () => {
    const id = fresh();
    const email = reminder(id, calendarInvite(meeting(id)), 'REQUEST', `MeetingDue:${id}:reminder:v1`);

    const first = await send(email);
    const second = await send(email);

    expect(second.messageId).toBe(first.messageId);
    expect((await emailsTo(email.to)).map((e) => e.messageId)).toStrictEqual([first.messageId]);
  });

  it('carries a cancellation with method CANCEL', async () => {
    const id = fresh();
    const ics = calendarInvite(meeting(id, { method: 'CANCEL', sequence: 1 }));

    await send(reminder(id, ics, 'CANCEL', `MatchEnded:${id}:calendar-cancel:v1`));

    const [found] = await emailsTo(`zoe-${id}@example.org`);
    expect(found?.calendar).toStrictEqual({ method: 'CANCEL', ics });
  });

  it('leaves a simple email as it was: no calendar', async () => {
    const id = fresh();
    const email = { ...reminder(id, '', 'REQUEST', `Plain:${id}:v1`), calendar: undefined };

    const sent = await send(email);

    const [found] = await emailsTo(email.to);
    expect(found).toStrictEqual({
      messageId: sent.messageId,
      from: process.env.EMAIL_FROM,
      to: email.to,
      subject: email.content.subject,
      text: email.content.text,
      html: email.content.html,
      headers: email.headers,
      at: expect.any(String),
      sentAt: expect.any(String),
    });
  });
});
