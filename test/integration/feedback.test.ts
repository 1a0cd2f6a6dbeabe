import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Feedback on a pair's meetings through the local runtime: after a meeting is logged as held each person gets
 * a rating email; the link opens a page that asks; a comment with crisis language shows the organisation's
 * crisis help at once and alerts its safeguarding contact; two low ratings in a row alert the coordinator and
 * offer a rematch. Bad links and bad input record nothing.
 */

const ORG = 'demo-university';
/** The demo university's contacts and crisis help (infra/local/seed.ts). */
const COORDINATOR = 'mentoring@northfield.example';
const SAFEGUARDING = 'wellbeing@northfield.example';
const CRISIS_HELP_PART = 'Samaritans free on 116 123';
const LOW_COMMENT = 'We struggled to find things to talk about.';
const CRISIS_COMMENT = 'Some days I just want to end it all, honestly.';

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

/** Moves the clock to just past a moment. */
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

const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';

/** Logs the `count`-th meeting as held from the mentee's latest reminder, once it has started. */
const holdMeeting = async (count: number, menteeEmail: string) => {
  const due = await untilReminder(count);
  const reminders = (await emailsTo(menteeEmail)).filter((e) => e.calendar);
  const held = /(https?:\/\/\S+\/v1\/meetings\/log\?token=\S+&status=held)/.exec(
    reminders[reminders.length - 1]?.text ?? '',
  )?.[1];
  if (!held) throw new Error('no "we met" link in the reminder');
  await advanceTo(due.detail.startsAt as string, 90);
  expect((await local.post('/v1/meetings/log', { token: tokenOf(held), status: 'held' })).status).toBe(200);
  await local.settle();
};

/** The rating link for `rating` in the latest feedback request `count` to the address. */
/** Rating requests to the address: on their own, or inside a digest when one raced another nudge for the cap. */
const ratingRequests = async (address: string) =>
  (await emailsTo(address)).filter(
    (e) =>
      /^How was your meeting with/.test(e.subject) ||
      (/held back for you/.test(e.subject) && /How was your meeting with/.test(e.text)),
  );

const ratingLink = async (address: string, count: number, rating: number) => {
  // A request folded into a digest goes out once the week's cap allows: move the clock on until it has.
  for (let day = 0; day < 8 && (await ratingRequests(address)).length < count; day++) {
    await local.settle();
    if ((await ratingRequests(address)).length >= count) break;
    await local.post('/_local/clock', { advance: 'P1D' });
    await local.settle();
  }
  const requests = await eventually(async () => {
    const found = await ratingRequests(address);
    return found.length >= count ? found : undefined;
  });
  const link = new RegExp(`(https?://\\S+/v1/feedback\\?token=\\S+&rating=${rating})`).exec(
    requests[count - 1]?.text ?? '',
  )?.[1];
  if (!link) throw new Error(`no rating ${rating} link in the email`);
  return link;
};

/** What a browser sends when the person presses the page's button. */
const press = (fields: Record<string, string>) =>
  local.api('/v1/feedback', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams(fields).toString(),
  });

describe('feedback on a pair’s meetings (local runtime)', () => {
  const mentee = signupBody({
    name: 'Sam Okafor',
    experiences: ['moving to a new city alone'],
    interests: ['poetry'],
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

  it('asks both people for a rating once a meeting is logged as held; the link opens a page that asks', {
    timeout: 120_000,
  }, async () => {
    // Prepare
    await confirm(mentee);
    await confirm(mentor);
    await local.settle();
    await untilReminder(1, 'PT6H');

    // Act
    await holdMeeting(1, mentee.email);

    // Assess
    const link = await ratingLink(mentee.email, 1, 2);
    await ratingLink(mentor.email, 1, 3);
    expect(await ratingRequests(mentor.email)).toHaveLength(1);
    const page = await fetch(link, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>How was your meeting with Priya?</title>');
    expect(html).toContain('name="rating" value="2" required checked>');
    expect(html).toContain('<textarea id="comment" name="comment"');
    await local.settle();
    expect(await eventsOf('FeedbackGiven')).toEqual([]); // the page only asks
  });

  it('refuses bad input and bad links, recording nothing', async () => {
    // Prepare
    const token = tokenOf(await ratingLink(mentee.email, 1, 2));
    const [payload, signature] = token.split('.');

    // Act
    const seven = await local.post('/v1/feedback', { token, rating: 7 });
    const oversize = await local.post('/v1/feedback', { token, rating: 3, comment: 'a'.repeat(2001) });
    const forged = await local.post('/v1/feedback', {
      token: `${payload}.${signature?.slice(0, -2)}AA`,
      rating: 3,
    });
    const sevenPage = await press({ token, rating: '7' });

    // Assess
    expect(seven.status).toBe(422);
    expect((await body(seven)).errors[0].pointer).toBe('/rating');
    expect(oversize.status).toBe(422);
    expect((await body(oversize)).errors[0].pointer).toBe('/comment');
    expect(forged.status).toBe(400);
    expect((await body(forged)).type).toBe('urn:kindred:problem:invalid-link');
    expect(sevenPage.status).toBe(422);
    expect(sevenPage.headers.get('content-type')).toContain('text/html');
    await local.settle();
    expect(await eventsOf('FeedbackGiven')).toEqual([]);
  });

  it('records a rating once; the same link again answers 410', async () => {
    // Prepare
    const token = tokenOf(await ratingLink(mentee.email, 1, 2));

    // Act
    const recorded = await press({ token, rating: '2', comment: LOW_COMMENT });
    const again = await local.post('/v1/feedback', { token, rating: 5 });

    // Assess
    expect(recorded.status).toBe(200);
    const html = await recorded.text();
    expect(html).toContain('Thank you: your rating is recorded');
    expect(html).not.toContain('/v1/rematch'); // one low rating is not two in a row
    expect(again.status).toBe(410);
    expect((await body(again)).type).toBe('urn:kindred:problem:feedback-already-given');
    await local.settle();
    const given = await eventsOf('FeedbackGiven');
    expect(given.map((e) => [e.detail.rating, e.detail.hasComment])).toEqual([[2, true]]);
  });

  it('a comment with crisis language shows the crisis help at once and alerts the safeguarding contact', async () => {
    // Prepare
    const token = tokenOf(await ratingLink(mentor.email, 1, 3));

    // Act
    const response = await press({ token, rating: '3', comment: CRISIS_COMMENT });

    // Assess
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(CRISIS_HELP_PART);
    expect(html).toContain('peer support, not a crisis service');
    await local.settle();
    expect((await eventsOf('SafeguardingConcernRaised')).map((e) => e.detail.source)).toEqual([
      'feedback-comment',
    ]);
    const alerts = await eventually(async () => {
      const found = await emailsTo(SAFEGUARDING);
      return found.length > 0 ? found : undefined;
    });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.subject).toMatch(/^Urgent: a safeguarding concern/);
    expect(alerts[0]?.text).toContain(CRISIS_COMMENT);
    expect(alerts[0]?.headers).toMatchObject({ Importance: 'high' });
  });

  it('a second low rating in a row alerts the coordinator and offers a rematch that works', {
    timeout: 120_000,
  }, async () => {
    // Prepare: the second meeting, two weeks on, is held.
    await holdMeeting(2, mentee.email);
    const token = tokenOf(await ratingLink(mentee.email, 2, 1));

    // Act
    const response = await press({ token, rating: '1' });

    // Assess
    expect(response.status).toBe(200);
    const html = await response.text();
    const rematch = /href="([^"]*\/v1\/rematch\?token=[^"]+)"/.exec(html)?.[1];
    expect(rematch).toBeDefined();
    expect((await fetch(rematch ?? '', { headers: { accept: 'text/html' } })).status).toBe(200);
    await local.settle();
    const [alert] = await eventsOf('CoordinatorAlertRaised');
    expect(alert?.detail).toMatchObject({ kind: 'low-ratings', participantId: expect.any(String) });
    expect(alert?.detail.meetingIds).toHaveLength(2);
    const emails = await eventually(async () => {
      const found = await emailsTo(COORDINATOR);
      return found.length > 0 ? found : undefined;
    });
    expect(emails).toHaveLength(1);
    expect(emails[0]?.subject).toMatch(/^Two low ratings in a row/);
    expect(emails[0]?.text).toContain(LOW_COMMENT);
  });

  it('no comment reached any event', async () => {
    // Assess
    const published = JSON.stringify(await local.events());
    for (const words of [LOW_COMMENT, CRISIS_COMMENT, 'end it all']) expect(published).not.toContain(words);
    expect((await eventsOf('FeedbackGiven')).map((e) => e.detail.rating)).toEqual([2, 3, 1]);
  });
});
