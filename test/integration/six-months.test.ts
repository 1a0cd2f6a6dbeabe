import ICAL from 'ical.js';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEmail } from '../../infra/local/ses-local';
import { escapeHtml } from '../../shared/http/html';
import { followForm, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Six months of one mentoring pair and one peer-group member through the local runtime, a day at a time, with the people doing what
 * the emails ask as a person would: opening each link, reading the page it opens and pressing its button.
 * Then the whole record is judged: every meeting reminded once with a valid invite at a sociable hour for
 * both (across the spring daylight-saving changes of both zones), every milestone celebrated once, no nudge
 * in anyone's quiet hours, never more than three nudges in a week, and no email twice.
 */

const ORG = 'demo-university';
const MENTEE_ZONE = 'Europe/London';
const MENTOR_ZONE = 'America/New_York';
const DAYS = 183;

let local: TestRuntime;
let emails: OutboxEmail[] = [];

const mentee = signupBody({
  name: 'Amara Osei',
  timezone: MENTEE_ZONE,
  experiences: ['first in family at university'],
  interests: ['football'],
  availability: [
    { day: 'mon', from: '17:00', to: '20:00' },
    { day: 'thu', from: '16:00', to: '20:00' },
  ],
});
const mentor = signupBody({
  name: 'Lucía Fernández',
  role: 'mentor',
  timezone: MENTOR_ZONE,
  experiences: ['first in family at university'],
  interests: ['football'],
  availability: [
    { day: 'mon', from: '09:00', to: '15:00' },
    { day: 'thu', from: '10:00', to: '16:00' },
  ],
});
/** A new parent in the demo nonprofit's circle, which meets on Tuesdays at 18:30 London time. */
const GROUP_ORG = 'demo-nonprofit';
const GROUP = 'new-parents-circle';
const MEMBER_ZONE = 'Europe/Dublin';
const member = signupBody({ name: 'Siobhán Byrne', role: 'member', programId: GROUP, timezone: MEMBER_ZONE });
const zoneOf: Record<string, string> = {
  [mentee.email]: MENTEE_ZONE,
  [mentor.email]: MENTOR_ZONE,
  [member.email]: MEMBER_ZONE,
};

const linkMatching = (text: string, pattern: string) =>
  new RegExp(`(https?://\\S+${pattern}\\S*)`).exec(text)?.[1];

const invite = (email: OutboxEmail) => {
  const calendar = new ICAL.Component(ICAL.parse(email.calendar?.ics ?? ''));
  const event = calendar.getFirstSubcomponent('vevent');
  if (!event) throw new Error('no VEVENT');
  return {
    method: String(calendar.getFirstPropertyValue('method')),
    uid: String(event.getFirstPropertyValue('uid')),
    sequence: Number(event.getFirstPropertyValue('sequence')),
    start: (event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
  };
};

const nudgesOf = (address: string) =>
  emails.filter((e) => e.to === address && isNudge(e)).sort((a, b) => a.sentAt.localeCompare(b.sentAt));

/** A nudge carries the RFC 8058 one-click header; transactional mail does not. */
const isNudge = (email: OutboxEmail) => 'List-Unsubscribe-Post' in email.headers;

beforeAll(async () => {
  local = await startTestRuntime();
  for (const person of [mentee, mentor]) await local.confirm(ORG, person);
  await local.confirm(GROUP_ORG, member);
  await local.settle();

  // What the people still mean to do, and when (a link clicked once its meeting has begun).
  const todo: { after: number; url: string }[] = [];
  const handled = new Set<string>();
  let sessions = 0;
  for (let day = 0; day < DAYS; day++) {
    await local.advance('P1D');
    await local.settle();
    const now = await local.clockNow();
    for (const email of await local.outbox()) {
      if (handled.has(email.messageId)) continue;
      handled.add(email.messageId);
      // The mentee logs each meeting from its reminder, an hour after it starts.
      if (email.to === mentee.email && email.calendar?.method === 'REQUEST') {
        const held = linkMatching(email.text, '/v1/meetings/log\\?token=\\S+&status=held');
        if (!held) throw new Error('a reminder without a "we met" link');
        todo.push({ after: Date.parse(invite(email).start) + 3_600_000, url: held });
      }
      // The member says "I was there" after each session but every fourth, which they miss.
      if (email.to === member.email && email.calendar?.method === 'REQUEST') {
        sessions += 1;
        const status = sessions % 4 === 0 ? 'skipped' : 'held';
        const answer = linkMatching(email.text, `/v1/sessions/attend\\?token=\\S+&status=${status}`);
        if (!answer) throw new Error('a session reminder without its attendance links');
        todo.push({ after: Date.parse(invite(email).start) + 3_600_000, url: answer });
      }
      // Both rate each meeting they are asked about.
      const rating = linkMatching(email.text, '/v1/feedback\\?token=\\S+&rating=5');
      if (rating) todo.push({ after: now, url: rating });
    }
    for (const item of todo.filter((t) => t.after <= now)) {
      todo.splice(todo.indexOf(item), 1);
      const answer = await followForm(item.url);
      expect(answer.status, item.url).toBe(200);
    }
    await local.settle();
  }
  emails = await local.outbox();
}, 600_000);

afterAll(async () => {
  await local?.stop();
});

describe('six months of a mentoring pair and a peer group (local runtime, one-click links followed from the emails)', () => {
  it('the pair met every two weeks: each meeting reminded once to each, with its own stable invite', async () => {
    const [made] = await local.eventsOf('MatchMade');
    const due = (await local.eventsOf('MeetingDue')).filter((e) => e.detail.matchId === made?.detail.matchId);
    const held = (await local.eventsOf('MeetingLogged')).filter((e) => e.detail.status === 'held');
    // Biweekly over six months: about thirteen meetings, every one of them logged from its reminder.
    expect(due.length).toBeGreaterThanOrEqual(12);
    expect(held.length).toBeGreaterThanOrEqual(due.length - 1);
    expect(new Set(held.map((e) => e.detail.meetingId)).size).toBe(held.length);

    for (const address of [mentee.email, mentor.email]) {
      const invites = emails.filter((e) => e.to === address && e.calendar?.method === 'REQUEST').map(invite);
      const uids = invites.map((i) => i.uid);
      expect(new Set(uids).size).toBe(uids.length);
      expect(uids.sort()).toEqual(due.map((e) => `${e.detail.meetingId}@kindred`).sort());
      for (const { start } of invites) {
        // A sociable hour for both, whatever daylight-saving time either zone is in that week.
        for (const zone of [MENTEE_ZONE, MENTOR_ZONE]) {
          const hour = DateTime.fromISO(start, { zone }).hour;
          expect(hour, `${start} in ${zone}`).toBeGreaterThanOrEqual(9);
          expect(hour, `${start} in ${zone}`).toBeLessThan(21);
        }
      }
    }
  });

  it('each milestone was reached once and celebrated once to each of the pair', async () => {
    const [made] = await local.eventsOf('MatchMade');
    const reached = (await local.eventsOf('MilestoneReached'))
      .filter((e) => e.detail.matchId === made?.detail.matchId)
      .map((e) => e.detail.milestone as string);
    expect(reached.sort()).toEqual(
      ['first-meeting', 'meetings-3', 'meetings-6', 'meetings-12', 'months-1', 'months-3', 'months-6'].sort(),
    );
    // A celebration comes on its own, or inside a digest when the week's nudges were used up.
    const celebrations = [
      /Your first meeting with \S+ — well done!/,
      /Three meetings together/,
      /Six meetings together/,
      /Twelve meetings together/,
      /A month together/,
      /Three months together/,
      /Six months together/,
    ];
    for (const address of [mentee.email, mentor.email]) {
      const mine = emails.filter((e) => e.to === address);
      for (const celebration of celebrations) {
        const carrying = mine.filter(
          (e) =>
            celebration.test(e.subject) || (/held back for you/.test(e.subject) && celebration.test(e.text)),
        );
        expect(carrying, `${celebration} to ${address}`).toHaveLength(1);
      }
    }
  });

  it('the member was reminded of each weekly session at 18:30 London time and celebrated at 1, 5 and 10', async () => {
    const invites = emails
      .filter((e) => e.to === member.email && e.calendar?.method === 'REQUEST')
      .map(invite);
    // Weekly for six months, across the spring clock change: 18:30 in London (and Dublin) every time.
    expect(invites.length).toBeGreaterThanOrEqual(25);
    expect(new Set(invites.map((i) => i.uid)).size).toBe(invites.length);
    for (const { start } of invites) {
      const there = DateTime.fromISO(start, { zone: 'Europe/London' });
      expect(there.toFormat('ccc HH:mm'), start).toBe('Tue 18:30');
    }
    const attended = (await local.eventsOf('MeetingLogged')).filter(
      (e) => e.detail.groupId === GROUP && e.detail.status === 'held',
    );
    expect(attended.length).toBeGreaterThanOrEqual(15);
    const reached = (await local.eventsOf('MilestoneReached'))
      .filter((e) => e.detail.groupId === GROUP)
      .map((e) => e.detail.milestone);
    expect(reached.sort()).toEqual(['sessions-1', 'sessions-10', 'sessions-5']);
    const mine = emails.filter((e) => e.to === member.email);
    for (const celebration of [/Your first session with/, /Five sessions with/, /Ten sessions with/]) {
      const carrying = mine.filter(
        (e) =>
          celebration.test(e.subject) || (/held back for you/.test(e.subject) && celebration.test(e.text)),
      );
      expect(carrying, String(celebration)).toHaveLength(1);
    }
  });

  it('no nudge landed in anyone’s quiet hours (21:00–08:00 their time)', () => {
    const nudges = emails.filter((e) => isNudge(e) && zoneOf[e.to]);
    expect(nudges.length).toBeGreaterThan(40);
    for (const email of nudges) {
      const hour = DateTime.fromISO(email.sentAt, { zone: zoneOf[email.to] }).hour;
      expect(hour, `${email.subject} at ${email.sentAt}`).toBeGreaterThanOrEqual(8);
      expect(hour, `${email.subject} at ${email.sentAt}`).toBeLessThan(21);
    }
  });

  it('nobody got more than three nudges in any seven days', () => {
    // The cap is judged when each nudge is decided; SES takes it a few seconds later, so a minute's grace.
    const week = 7 * 24 * 3_600_000 - 60_000;
    for (const address of Object.keys(zoneOf)) {
      const times = nudgesOf(address).map((e) => Date.parse(e.sentAt));
      for (let i = 0; i + 3 < times.length; i++)
        expect(
          (times[i + 3] as number) - (times[i] as number),
          nudgesOf(address)
            .slice(i, i + 4)
            .map((e) => `${e.sentAt} ${e.subject}`)
            .join('\n'),
        ).toBeGreaterThanOrEqual(week);
    }
  });

  it('every email carried the person\u2019s own "Your data" link, in both parts', () => {
    const people = new Map([
      [mentee.email, 'mentee'],
      [mentor.email, 'mentor'],
      [member.email, 'member'],
    ]);
    const without = emails
      .filter((email) => people.has(email.to))
      .filter((email) => {
        const link = /Your data: (\S+)/.exec(email.text)?.[1];
        return !link || !email.html.includes(`href="${escapeHtml(link)}"`);
      });
    expect(without.map((email) => email.subject)).toEqual([]);
  });

  it('no email was sent twice', () => {
    const seen = new Map<string, number>();
    for (const email of emails) {
      const key = `${email.to}\n${email.subject}\n${email.text}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect([...seen.entries()].filter(([, count]) => count > 1).map(([key]) => key.split('\n')[1])).toEqual(
      [],
    );
  });
});
