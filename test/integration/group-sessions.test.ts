import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * A peer group's sessions through the local runtime, by moving the clock: a seated member is reminded before
 * each session with an invite at the group's local time, "I was there" records attendance and celebrates the
 * 1st and 5th session once each, and closing the group cancels the invite out and stops the reminders.
 */

const ORG = 'demo-nonprofit';
const GROUP = 'new-parents-circle';
let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

const emailsTo = (address: string) => local.emailsTo(address);
const eventsOf = (type: string) => local.eventsOf(type);
const sessionsDue = async () => (await eventsOf('MeetingDue')).filter((e) => e.detail.groupId === GROUP);
const advance = (period: string) => local.advance(period);

/** Moves the clock in steps until the group's `count`-th session has fallen due; its MeetingDue. */
const untilSessionDue = async (count: number) => {
  for (let steps = 0; steps < 4 * 15; steps++) {
    const due = await sessionsDue();
    if (due.length >= count) return due[count - 1] as (typeof due)[number];
    await advance('PT6H');
    await local.settle();
  }
  throw new Error(`no session number ${count} within two weeks`);
};

const attendLink = (text: string, status: 'held' | 'skipped') => {
  const match = new RegExp(`(https?://\\S+/v1/sessions/attend\\?token=\\S+&status=${status})`).exec(text);
  if (!match) throw new Error(`no ${status} link in the email`);
  return match[1] as string;
};

const parseInvite = (ics: string) => {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  const event = calendar.getFirstSubcomponent('vevent');
  if (!event) throw new Error('no VEVENT');
  return {
    method: calendar.getFirstPropertyValue('method'),
    uid: event.getFirstPropertyValue('uid'),
    sequence: event.getFirstPropertyValue('sequence'),
    start: (event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
    status: event.getFirstPropertyValue('status'),
    attendees: event.getAllProperties('attendee').length,
  };
};

describe('a peer group’s sessions (local runtime)', () => {
  const member = signupBody({
    name: 'Ada Mensah',
    role: 'member',
    programId: GROUP,
    timezone: 'America/New_York',
  });

  /** The reminder (with invite) of the member's `n`-th session. */
  const reminder = async (n: number) =>
    eventually(
      async () => (await emailsTo(member.email)).filter((e) => e.calendar?.method === 'REQUEST')[n - 1],
    );

  it('reminds a seated member before the session with an invite at 18:30 London time, shown in their own zone', {
    timeout: 120_000,
  }, async () => {
    // Prepare: the member signs up, confirms and is seated
    expect((await local.post(`/v1/orgs/${ORG}/signups`, member)).status).toBe(202);
    const verification = await eventually(async () => (await emailsTo(member.email))[0]);
    expect((await fetch(linkIn(verification.text))).status).toBe(200);
    await local.settle();
    expect((await eventsOf('GroupJoined')).length).toBe(1);

    // Act
    const due = await untilSessionDue(1);

    // Assess
    const startsAt = due.detail.startsAt as string;
    const london = DateTime.fromISO(startsAt, { zone: 'Europe/London' });
    expect([london.weekday, london.toFormat('HH:mm')]).toEqual([2, '18:30']);
    const email = await reminder(1);
    const invite = parseInvite(email.calendar?.ics ?? '');
    expect(invite).toMatchObject({ method: 'REQUEST', uid: `${due.detail.meetingId}@kindred`, sequence: 0 });
    expect(invite.start).toBe(startsAt);
    expect(invite.attendees).toBe(1); // nobody else's address
    // The text reads in the member's own zone.
    expect(email.text).toContain(DateTime.fromISO(startsAt, { zone: 'America/New_York' }).toFormat('HH:mm'));
    expect(email.text).toContain('America/New York');
  });

  it('“I was there” records each session once; the 1st and 5th are celebrated once each', {
    timeout: 300_000,
  }, async () => {
    for (let n = 1; n <= 5; n++) {
      // Prepare
      const due = await untilSessionDue(n);
      const email = await reminder(n);
      const held = attendLink(email.text, 'held');
      const token = new URL(held).searchParams.get('token') ?? '';
      await local.advanceTo(due.detail.startsAt as string, 60);

      // Act: the link opens a page that only asks; its button records
      const page = await fetch(held, { headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<form method="post"');
      const recorded = await local.post('/v1/sessions/attend', { token, status: 'held' });
      expect(recorded.status).toBe(200);
      const again = await local.post('/v1/sessions/attend', { token, status: 'held' });
      expect(again.status).toBe(410);
      await local.settle();
    }

    // Assess
    const logged = await eventsOf('MeetingLogged');
    expect(logged.map((e) => [e.detail.groupId, e.detail.status])).toEqual(Array(5).fill([GROUP, 'held']));
    const reached = await eventually(async () => {
      const found = (await eventsOf('MilestoneReached')).map((e) => e.detail.milestone);
      return found.includes('sessions-5') ? found : undefined;
    });
    expect(reached).toEqual(['sessions-1', 'sessions-5']);
    await advance('P1D');
    await local.settle();
    const celebrations = (await emailsTo(member.email)).filter(
      (e) => !e.calendar && /session/i.test(e.subject),
    );
    expect(celebrations.map((e) => e.subject)).toEqual([
      'Your first session with New parents’ support circle — welcome!',
      'Five sessions with New parents’ support circle',
    ]);
  });

  it('refuses a forged token and a wrong answer, changing nothing', async () => {
    const email = await reminder(1);
    const token = new URL(attendLink(email.text, 'held')).searchParams.get('token') ?? '';
    const before = (await local.events()).length;
    const [payload, signature] = token.split('.');
    const forged = await local.post('/v1/sessions/attend', {
      token: `${payload}.${signature?.slice(0, -2)}AA`,
      status: 'held',
    });
    expect(forged.status).toBe(400);
    const wrong = await local.post('/v1/sessions/attend', { token, status: 'maybe' });
    expect(wrong.status).toBe(422);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    await local.settle();
    expect((await local.events()).length).toBe(before);
  });

  it('closing the group cancels the invite that went out and stops further reminders; nobody new is seated', {
    timeout: 120_000,
  }, async () => {
    // Prepare: the next session's reminder (and invite) is out
    const invited = await untilSessionDue(6);
    await reminder(6);

    // Act
    const closed = await local.post(
      `/v1/admin/orgs/${ORG}/groups/${GROUP}/close`,
      '',
      await local.orgKey(ORG),
    );
    expect(closed.status).toBe(200);
    expect(await closed.json()).toMatchObject({ groupId: GROUP, status: 'closed' });
    await local.settle();

    // Assess
    const [groupClosed] = await eventsOf('GroupClosed');
    expect(groupClosed?.detail).toMatchObject({ groupId: GROUP, closedBy: 'coordinator' });
    const cancelled = await eventually(async () => {
      const found = await eventsOf('MeetingCancelled');
      return found.length === 2 ? found : undefined;
    });
    expect(cancelled.map((e) => [e.detail.meetingId, e.detail.invited, e.detail.reason])).toEqual(
      expect.arrayContaining([
        [invited.detail.meetingId, true, 'group-closed'],
        [`${GROUP}-7`, false, 'group-closed'],
      ]),
    );
    const cancellation = await eventually(async () =>
      (await emailsTo(member.email)).find((e) => e.calendar?.method === 'CANCEL'),
    );
    expect(parseInvite(cancellation.calendar?.ics ?? '')).toMatchObject({
      method: 'CANCEL',
      uid: `${invited.detail.meetingId}@kindred`,
      sequence: 1,
      status: 'CANCELLED',
    });
    expect((await emailsTo(member.email)).filter((e) => e.calendar?.method === 'CANCEL')).toHaveLength(1);

    // Closing again changes nothing.
    expect(
      (await local.post(`/v1/admin/orgs/${ORG}/groups/${GROUP}/close`, '', await local.orgKey(ORG))).status,
    ).toBe(200);
    // Nobody new is seated, and nothing more is planned or sent.
    const latecomer = signupBody({ role: 'member', programId: GROUP });
    expect((await local.post(`/v1/orgs/${ORG}/signups`, latecomer)).status).toBe(202);
    const verification = await eventually(async () => (await emailsTo(latecomer.email))[0]);
    expect((await fetch(linkIn(verification.text))).status).toBe(200);
    const dueBefore = (await sessionsDue()).length;
    await advance('P14D');
    await local.settle();
    expect((await sessionsDue()).length).toBe(dueBefore);
    expect(await eventsOf('GroupClosed')).toHaveLength(1);
    expect(await eventsOf('GroupJoined')).toHaveLength(1);
    expect(await emailsTo(latecomer.email)).toHaveLength(1);
  });
});
