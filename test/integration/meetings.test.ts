import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * A matched pair's first weeks through the local runtime, by moving the clock: a reminder before each
 * meeting at a sensible local hour with a valid invite, one-click "we met" links from the emails, each
 * milestone once, a goal marked achieved, a meeting moved with an updated invite, and invites cancelled
 * when the match ends.
 */

const ORG = 'demo-university';
let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: problem bodies are read loosely here
const body = async (response: Response): Promise<any> => response.json();
const emailsTo = async (address: string) => (await local.outbox()).filter((e) => e.to === address);
const eventsOf = async (type: string) => (await local.events()).filter((e) => e.detailType === type);
const advance = (period: string) => local.post('/_local/clock', { advance: period });
const clockNow = async () => Date.parse((await local.json<{ now: string }>('/_local/clock')).now);

/** Moves the clock to just past a moment (the tests follow the plan, whatever the real time of day). */
const advanceTo = async (at: string, plusMinutes = 0) => {
  const ms = Date.parse(at) + plusMinutes * 60_000 - (await clockNow());
  if (ms > 0) await advance(`PT${Math.ceil(ms / 1000)}S`);
  await local.settle();
};

/** Moves the clock a step at a time until the pair's `count`-th reminder has fallen due; its event. */
const untilReminder = async (count: number, step = 'P1D') => {
  for (let steps = 0; steps < 4 * 31; steps++) {
    const due = await eventsOf('MeetingDue');
    if (due.length >= count) return due[count - 1] as (typeof due)[number];
    await advance(step);
    await local.settle();
  }
  throw new Error(`no reminder number ${count} within a month`);
};

const confirm = async (person: ReturnType<typeof signupBody>) => {
  expect((await local.post(`/v1/orgs/${ORG}/signups`, person)).status).toBe(202);
  const email = await eventually(async () => (await emailsTo(person.email))[0]);
  expect((await fetch(linkIn(email.text))).status).toBe(200);
};

const linkAt = (text: string, path: string) => {
  const match = new RegExp(`(https?://\\S+${path}\\?token=\\S+)`).exec(text);
  if (!match) throw new Error(`no ${path} link in the email`);
  return match[1] as string;
};
/** A nudge held back by the cap may arrive folded into a digest, which lists it by its subject. */
const nudgesTo = async (address: string, about: RegExp) =>
  (await emailsTo(address)).filter((e) => !e.calendar && (about.test(e.subject) || about.test(e.text)));
/** Moves the clock a day at a time (at most `days`) until `enough` holds. */
const daysUntil = async (enough: () => Promise<boolean>, days = 10) => {
  for (let day = 0; day < days && !(await enough()); day++) {
    await advance('P1D');
    await local.settle();
  }
};
const tokenOf = (link: string) => new URL(link).searchParams.get('token') ?? '';
const radioValues = (html: string, name: string) =>
  [...html.matchAll(new RegExp(`name="${name}" value="([^"]+)"`, 'g'))].map((m) => m[1] as string);

const linkTo = (text: string, status: 'held' | 'skipped') => {
  const match = new RegExp(`(https?://\\S+/v1/meetings/log\\?token=\\S+&status=${status})`).exec(text);
  if (!match) throw new Error(`no ${status} link in the email`);
  return match[1] as string;
};

/** The invite's VEVENT, parsed back with an iCalendar library. */
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
  };
};

describe('a pair’s meetings over the weeks (local runtime)', () => {
  // Weekly Tuesday evenings in London; the mentor in New York, free on Tuesday afternoons.
  const mentee = signupBody({
    name: 'Sam Okafor',
    experiences: ['moving to a new city alone'],
    interests: ['poetry'],
    goals: ['make friends in a new city'],
    availability: [{ day: 'tue', from: '17:00', to: '21:00' }],
  });
  const mentor = signupBody({
    name: 'Priya Natarajan',
    role: 'mentor',
    timezone: 'America/New_York',
    experiences: ['moving to a new city alone'],
    interests: ['poetry'],
    availability: [{ day: 'tue', from: '11:00', to: '17:00' }],
  });

  it('plans the first meeting in both people’s free time and reminds both a day before, with an invite', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    await confirm(mentee);
    await confirm(mentor);
    await local.settle();
    const [made] = await eventsOf('MatchMade');
    expect(made).toBeDefined();

    // Act: time passes until the first reminder (in small steps, so the meeting is still ahead)
    const due = await untilReminder(1, 'PT6H');

    // Assess
    expect(due.detail).toMatchObject({ matchId: made?.detail.matchId, sequence: 0 });
    const startsAt = due?.detail.startsAt as string;
    const reminders = await eventually(async () => {
      const found = [...(await emailsTo(mentee.email)), ...(await emailsTo(mentor.email))].filter(
        (e) => e.calendar,
      );
      return found.length === 2 ? found : undefined;
    });
    for (const reminder of reminders) {
      const zone = reminder.to === mentee.email ? 'Europe/London' : 'America/New_York';
      const local = DateTime.fromISO(startsAt, { zone });
      // Tuesday, at a sociable hour for the reader, in their own zone.
      expect(local.weekday).toBe(2);
      expect(local.hour).toBeGreaterThanOrEqual(9);
      expect(local.hour).toBeLessThan(21);
      expect(reminder.text).toContain(local.toFormat('HH:mm'));
      // The reminder went out about the lead (24 h) before, not in the reader's night.
      const sent = DateTime.fromISO(due.detail.occurredAt as string, { zone });
      expect(sent.hour).toBeGreaterThanOrEqual(8);
      expect(sent.hour).toBeLessThan(21);
      expect(Date.parse(startsAt) - sent.toMillis()).toBeGreaterThan(22 * 3_600_000);
      const invite = parseInvite(reminder.calendar?.ics ?? '');
      expect(invite).toMatchObject({
        method: 'REQUEST',
        uid: `${due?.detail.meetingId}@kindred`,
        sequence: 0,
      });
      expect(invite.start).toBe(startsAt);
      // "Add it to your calendar" answers the very same event, for a calendar that lacks the invite.
      const added = /Add it to your calendar: (\S+)/.exec(reminder.text)?.[1] ?? '';
      const download = await fetch(added);
      expect(download.headers.get('content-type')).toMatch(/^text\/calendar/);
      expect(parseInvite(await download.text())).toStrictEqual(invite);
    }
    // The next meeting was planned as this one fell due, a week on at the same London time.
    expect((await eventsOf('MeetingDue')).length).toBe(1);
  });

  it('one click on “we met” records the meeting once, and the first meeting is celebrated once', async () => {
    const reminder = (await emailsTo(mentee.email)).find((e) => e.calendar);
    const held = linkTo(reminder?.text ?? '', 'held');
    const token = new URL(held).searchParams.get('token') ?? '';

    // Before the meeting the link explains when it opens, and records nothing.
    const tooEarly = await fetch(held, { headers: { accept: 'text/html' } });
    expect(tooEarly.status).toBe(409);
    expect(tooEarly.headers.get('content-type')).toContain('text/html');
    const early = await local.post('/v1/meetings/log', { token, status: 'held' });
    expect(early.status).toBe(409);
    const [due] = await eventsOf('MeetingDue');
    await advanceTo(due?.detail.startsAt as string, 90);
    const page = await fetch(held, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect(await eventsOf('MeetingLogged')).toEqual([]); // the page only asks
    const logged = await local.post('/v1/meetings/log', { token, status: 'held' });
    expect(logged.status).toBe(200);
    const again = await local.post('/v1/meetings/log', { token, status: 'held' });
    expect(again.status).toBe(410);
    await local.settle();

    const milestones = await eventually(async () => {
      const found = await eventsOf('MilestoneReached');
      return found.length > 0 ? found : undefined;
    });
    expect(milestones.map((e) => e.detail.milestone)).toEqual(['first-meeting']);
    // Match, reminder and rating request make three nudges this week: the celebration waits for the cap.
    const celebrations = () => nudgesTo(mentee.email, /first meeting with/i);
    await daysUntil(async () => (await celebrations()).length > 0);
    expect(await celebrations()).toHaveLength(1);
  });

  it('three held meetings reach “three meetings” once, a month together is celebrated; forged and reused links change nothing', {
    timeout: 120_000,
  }, async () => {
    // The demo program meets every two weeks.
    for (let meeting = 2; meeting <= 3; meeting++) {
      const due = await untilReminder(meeting);
      const reminders = (await emailsTo(mentor.email)).filter((e) => e.calendar);
      const held = linkTo(reminders[reminders.length - 1]?.text ?? '', 'held');
      await advanceTo(due.detail.startsAt as string, 90);
      const token = new URL(held).searchParams.get('token') ?? '';
      expect((await local.post('/v1/meetings/log', { token, status: 'held' })).status).toBe(200);
      await local.settle();
    }
    const reached = await eventually(async () => {
      const found = (await eventsOf('MilestoneReached')).map((e) => e.detail.milestone);
      return found.includes('meetings-3') ? found : undefined;
    });
    // Each once; a month together has passed by the third meeting (every two weeks from about day 6).
    expect(reached.sort()).toEqual(['first-meeting', 'meetings-3', 'months-1']);

    const before = (await local.events()).length;
    const reminder = (await emailsTo(mentee.email)).find((e) => e.calendar);
    const token = new URL(linkTo(reminder?.text ?? '', 'held')).searchParams.get('token') ?? '';
    const [payload, signature] = token.split('.');
    const forged = await local.post('/v1/meetings/log', {
      token: `${payload}.${signature?.slice(0, -2)}AA`,
      status: 'held',
    });
    expect(forged.status).toBe(400);
    const wrong = await local.post('/v1/meetings/log', { token, status: 'maybe' });
    expect(wrong.status).toBe(422);
    expect((await body(wrong)).errors[0].pointer).toBe('/status');
    await local.settle();
    expect((await local.events()).length).toBe(before);
  });

  it('“we reached a goal” from a reminder celebrates the goal once with each of the pair', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const reminders = (await emailsTo(mentor.email)).filter((e) => e.calendar);
    const link = linkAt(reminders[reminders.length - 1]?.text ?? '', '/v1/goals');

    // Act: the mentor opens the page (it only asks) and presses the button
    const page = await fetch(link, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('make friends in a new city');
    const [goal] = radioValues(html, 'goal');
    expect(goal).toBeDefined();
    expect((await eventsOf('MilestoneReached')).some((e) => e.detail.milestone === 'goal-achieved')).toBe(
      false,
    );
    const marked = await local.post('/v1/goals', { token: tokenOf(link), goal });
    const again = await local.post('/v1/goals', { token: tokenOf(link), goal });

    // Assess
    expect(marked.status).toBe(200);
    expect(again.status).toBe(410);
    await local.settle();
    const reached = (await eventsOf('MilestoneReached')).filter(
      (e) => e.detail.milestone === 'goal-achieved',
    );
    expect(reached.map((e) => e.detail.goalId)).toEqual([goal]);
    expect(JSON.stringify(reached[0]?.detail)).not.toContain('friends');
    // Celebrations wait for room under the nudge cap: time passes until both have theirs.
    const celebrated = async () => [
      ...(await nudgesTo(mentee.email, /reached a goal/i)),
      ...(await nudgesTo(mentor.email, /reached a goal/i)),
    ];
    await daysUntil(async () => (await celebrated()).length >= 2);
    expect((await celebrated()).map((e) => e.to).sort()).toEqual([mentee.email, mentor.email].sort());
  });

  it('“reschedule” moves a meeting to a time that suits both: an updated invite to both, the reminder for the new time, the next meeting on the regular slot', {
    timeout: 180_000,
  }, async () => {
    // Prepare: the next reminder, with its reschedule link
    const due = await untilReminder(4);
    const meetingId = due.detail.meetingId as string;
    const original = due.detail.startsAt as string;
    const reminder = await eventually(async () =>
      (await emailsTo(mentee.email)).find(
        (e) => e.calendar && parseInvite(e.calendar.ics).uid === `${meetingId}@kindred`,
      ),
    );
    const link = linkAt(reminder.text, '/v1/meetings/reschedule');

    // Act: Sam opens the page and chooses the last time offered
    const page = await fetch(link, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const offered = radioValues(await page.text(), 'startsAt');
    expect(offered.length).toBeGreaterThan(0);
    expect(offered).not.toContain(original);
    const chosen = offered[offered.length - 1] as string;
    const notOffered = await local.post('/v1/meetings/reschedule', {
      token: tokenOf(link),
      startsAt: new Date(Date.parse(chosen) + 15 * 60_000).toISOString(),
    });
    expect(notOffered.status).toBe(422);
    const moved = await local.post('/v1/meetings/reschedule', { token: tokenOf(link), startsAt: chosen });
    expect(moved.status).toBe(200);
    await local.settle();

    // Assess: the move, once, and both get the updated invite (same UID, a higher SEQUENCE)
    const [rescheduled] = await eventsOf('MeetingRescheduled');
    expect(rescheduled?.detail).toMatchObject({
      meetingId,
      startsAt: chosen,
      previousStartsAt: original,
      sequence: 1,
    });
    const updates = await eventually(async () => {
      const found = (await local.outbox()).filter((e) => /^Moved by Sam/.test(e.subject));
      return found.length === 2 ? found : undefined;
    });
    expect(updates.map((e) => e.to).sort()).toEqual([mentee.email, mentor.email].sort());
    for (const update of updates) {
      expect(parseInvite(update.calendar?.ics ?? '')).toMatchObject({
        method: 'REQUEST',
        uid: `${meetingId}@kindred`,
        sequence: 1,
        start: chosen,
      });
    }
    // The old link is stale now: it opens nothing and moves nothing.
    const stale = await fetch(link, { headers: { accept: 'text/html' } });
    expect(stale.status).toBe(409);
    const second = await local.post('/v1/meetings/reschedule', { token: tokenOf(link), startsAt: chosen });
    expect(second.status).toBe(409);

    // The reminder comes again, for the new time, with the invite at the new sequence.
    const again = await eventually(async () => {
      const found = (await eventsOf('MeetingDue')).find(
        (e) => e.detail.meetingId === meetingId && e.detail.sequence === 1,
      );
      if (!found) {
        await advance('PT6H');
        await local.settle();
      }
      return found;
    }, 60_000);
    expect(again.detail.startsAt).toBe(chosen);
    const newReminders = await eventually(async () => {
      const found = (await local.outbox()).filter(
        (e) =>
          e.calendar &&
          !/^Moved by/.test(e.subject) &&
          parseInvite(e.calendar.ics).uid === `${meetingId}@kindred` &&
          Number(parseInvite(e.calendar.ics).sequence) === 1,
      );
      return found.length === 2 ? found : undefined;
    });
    for (const email of newReminders) expect(parseInvite(email.calendar?.ics ?? '').start).toBe(chosen);

    // The next meeting keeps the regular slot: two weeks after the planned time, at the same London time.
    const next = await untilReminder(6);
    expect(next.detail.meetingId).not.toBe(meetingId);
    expect(next.detail.startsAt).toBe(
      DateTime.fromISO(original, { zone: 'Europe/London' }).plus({ weeks: 2 }).toUTC().toISO(),
    );
  });

  it('ending the match cancels the next meeting’s invite in both calendars', {
    timeout: 120_000,
  }, async () => {
    // Prepare: the next reminder (and invite) has gone out
    const reminded = await eventsOf('MeetingDue');
    const invited = reminded[reminded.length - 1] as (typeof reminded)[number];
    expect(Date.parse(invited.detail.startsAt as string)).toBeGreaterThan(await clockNow());
    const [made] = await eventsOf('MatchMade');

    // Act
    const ended = await local.admin('PUT', ORG, `matches/${made?.detail.matchId}/ending`, {
      reason: 'completed',
    });
    expect(ended.status).toBe(200);
    await local.settle();

    // Assess
    const cancelled = (await eventsOf('MeetingCancelled')).find(
      (e) => e.detail.meetingId === invited.detail.meetingId,
    );
    expect(cancelled?.detail).toMatchObject({
      meetingId: invited?.detail.meetingId,
      invited: true,
      sequence: 1,
    });
    const cancellations = await eventually(async () => {
      const found = (await local.outbox()).filter((e) => e.calendar?.method === 'CANCEL');
      return found.length === 2 ? found : undefined;
    });
    for (const email of cancellations) {
      expect(parseInvite(email.calendar?.ics ?? '')).toMatchObject({
        method: 'CANCEL',
        uid: `${invited.detail.meetingId}@kindred`,
        sequence: 1,
        status: 'CANCELLED',
      });
    }
    // Nothing more is planned or sent for the pair.
    const dueBefore = (await eventsOf('MeetingDue')).length;
    await advance('P14D');
    await local.settle();
    expect((await eventsOf('MeetingDue')).length).toBe(dueBefore);
  });
});
