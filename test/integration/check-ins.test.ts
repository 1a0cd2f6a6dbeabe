import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, linkIn, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Check-ins for drifting pairs through the local runtime, by moving the clock (the demo program meets every
 * two weeks: "still meeting?" after six quiet weeks, escalation four weeks after an unanswered ask). Three
 * pairs matched at once: one answers "yes", one ignores the question, one logs its meetings.
 */

const ORG = 'demo-university';
const COORDINATOR = 'mentoring@northfield.example';
const DAY_MS = 24 * 3_600_000;

let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

// biome-ignore lint/suspicious/noExplicitAny: problem bodies are read loosely here
const body = async (response: Response): Promise<any> => response.json();
const emailsTo = (address: string) => local.emailsTo(address);
const eventsOf = (type: string) => local.eventsOf(type);
const clockNow = () => local.clockNow();
const advance = async (period: string) => {
  await local.advance(period);
  await local.settle();
};

const confirm = async (person: ReturnType<typeof signupBody>) => {
  expect((await local.post(`/v1/orgs/${ORG}/signups`, person)).status).toBe(202);
  const email = await eventually(async () => (await emailsTo(person.email))[0]);
  expect((await fetch(linkIn(email.text))).status).toBe(200);
  await local.settle();
};

const linkAfter = (text: string, pattern: string) => {
  const found = new RegExp(`(https?://\\S+${pattern})`).exec(text);
  if (!found) throw new Error(`no ${pattern} link in the email`);
  return found[1] as string;
};
const tokenOf = (link: string) => new URL(link).searchParams.get('token') ?? '';
const isStillMeeting = (email: { subject: string }) => /still meeting\?$/.test(email.subject);

/** A pair that meets (only) on one weekday, so each mentee can only be matched with their own mentor. */
const pair = (day: string, tag: string, capacity = 1) => ({
  mentee: signupBody({
    name: `Mentee ${tag}`,
    experiences: [`${tag} experience`],
    interests: [`${tag} interest`],
    availability: [{ day, from: '17:00', to: '21:00' }],
  }),
  mentor: signupBody({
    name: `Mentor ${tag}`,
    role: 'mentor',
    capacity,
    experiences: [`${tag} experience`],
    interests: [`${tag} interest`],
    availability: [{ day, from: '17:00', to: '21:00' }],
  }),
});

describe('check-ins for drifting pairs (local runtime)', () => {
  const answers = pair('mon', 'answers');
  const ignores = pair('wed', 'ignores', 2);
  const meets = pair('thu', 'meets');
  const matchOf: Record<string, string> = {};
  let matchedAt = 0;

  it('matches three pairs', { timeout: 120_000 }, async () => {
    for (const { mentee, mentor } of [answers, ignores, meets]) {
      await confirm(mentee);
      await confirm(mentor);
    }
    const made = await eventsOf('MatchMade');
    expect(made).toHaveLength(3);
    // Confirmed one after the other: each pair's mentee, then its mentor.
    const verified = (await eventsOf('ParticipantVerified')).map((e) => e.detail.participantId);
    ['answers', 'ignores', 'meets'].forEach((name, index) => {
      const found = made.find((e) => e.detail.mentorId === verified[2 * index + 1]);
      expect(found?.detail.menteeId).toBe(verified[2 * index]);
      matchOf[name] = found?.detail.matchId as string;
    });
    matchedAt = await clockNow();
  });

  it('asks both of a quiet pair "still meeting?" after three periods; a pair that logs meetings is never asked', {
    timeout: 600_000,
  }, async () => {
    const logged = new Set<string>();
    // Six weeks and a little: the pair that meets logs each meeting from its reminder once it has started.
    while ((await clockNow()) < matchedAt + 43 * DAY_MS) {
      await advance('P1D');
      const reminders = (await emailsTo(meets.mentee.email)).filter((e) => e.calendar);
      for (const reminder of reminders) {
        const held = linkAfter(reminder.text, '/v1/meetings/log\\?token=\\S+&status=held');
        if (logged.has(held)) continue;
        const status = (await local.post('/v1/meetings/log', { token: tokenOf(held), status: 'held' }))
          .status;
        if (status === 200 || status === 410) logged.add(held);
      }
      await local.settle();
    }
    expect(logged.size).toBeGreaterThanOrEqual(2);

    const asked = (await eventsOf('CheckInDue')).filter((e) => e.detail.stage === 'ask');
    expect(asked.map((e) => e.detail.matchId).sort()).toEqual([matchOf.answers, matchOf.ignores].sort());
    for (const person of [answers.mentee, answers.mentor, ignores.mentee, ignores.mentor]) {
      const emails = (await emailsTo(person.email)).filter(isStillMeeting);
      expect(emails).toHaveLength(1);
      expect(emails[0]?.text).toContain('/v1/check-ins?token=');
    }
    for (const person of [meets.mentee, meets.mentor]) {
      expect((await emailsTo(person.email)).filter(isStillMeeting)).toEqual([]);
    }
  });

  it('“yes, still meeting” opens a page first, then records the answer and re-arms the check-in', async () => {
    const [email] = (await emailsTo(answers.mentee.email)).filter(isStillMeeting);
    const yes = linkAfter(email?.text ?? '', '/v1/check-ins\\?token=\\S+&answer=still-meeting');

    const page = await fetch(yes, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect(await eventsOf('CheckInAnswered')).toEqual([]); // the page only asks

    const answered = await local.post('/v1/check-ins', { token: tokenOf(yes), answer: 'still-meeting' });
    expect(answered.status).toBe(200);
    expect(await body(answered)).toMatchObject({
      outcome: 'recorded',
      answer: 'still-meeting',
      role: 'mentee',
    });
    const again = await local.post('/v1/check-ins', { token: tokenOf(yes), answer: 'still-meeting' });
    expect(await body(again)).toMatchObject({ outcome: 'already-recorded' });
    await local.settle();
    const events = await eventsOf('CheckInAnswered');
    expect(events.map((e) => e.detail)).toEqual([
      expect.objectContaining({ matchId: matchOf.answers, answer: 'still-meeting' }),
    ]);
  });

  it('an ask nobody answers is escalated two periods on: the coordinator is alerted and the mentor paused', {
    timeout: 600_000,
  }, async () => {
    const [ask] = (await eventsOf('CheckInDue')).filter((e) => e.detail.matchId === matchOf.ignores);
    const askedAt = Date.parse(ask?.detail.occurredAt as string);
    while ((await clockNow()) < askedAt + 29 * DAY_MS) await advance('P1D');

    const alerts = await eventsOf('CoordinatorAlertRaised');
    expect(alerts.map((e) => e.detail)).toEqual([
      expect.objectContaining({ kind: 'drifting-pair', matchId: matchOf.ignores }),
    ]);
    const [paused] = await eventsOf('MatchingPaused');
    expect(paused?.detail).toMatchObject({ participantId: alerts[0]?.detail.participantId });
    expect(await eventsOf('MatchingPaused')).toHaveLength(1);
    // The coordinator's tools see it too, through the admin API.
    const listed = await local.admin('GET', ORG, 'alerts?kind=unanswered-check-in');
    expect(await listed.json()).toStrictEqual({
      items: [
        {
          kind: 'unanswered-check-in',
          participantId: paused?.detail.participantId,
          programId: expect.any(String),
          matchId: matchOf.ignores,
          pausedAt: expect.any(String),
        },
      ],
    });

    const alert = await eventually(async () =>
      (await emailsTo(COORDINATOR)).find((e) => /drifted apart/.test(e.subject)),
    );
    expect(alert.text).toContain('Mentor ignores (mentor)');
    expect(alert.text).toContain('Mentee ignores (mentee)');
    expect(alert.text).toContain(`Match ${matchOf.ignores}`);
    // The pair that answered is not escalated, nor asked again yet.
    const forAnswers = (await eventsOf('CheckInDue')).filter((e) => e.detail.matchId === matchOf.answers);
    expect(forAnswers.map((e) => e.detail.stage)).toEqual(['ask']);
  });

  it('a paused mentor gets no new mentee until they confirm, and then does', {
    timeout: 120_000,
  }, async () => {
    const newcomer = signupBody({
      name: 'Mentee newcomer',
      experiences: ['ignores experience'],
      interests: ['ignores interest'],
      availability: [{ day: 'wed', from: '17:00', to: '21:00' }],
    });
    await confirm(newcomer);
    await advance('P1D'); // the daily whole-pool run does not choose the paused mentor either
    expect(await eventsOf('MatchMade')).toHaveLength(3);

    const available = await eventually(async () =>
      (await emailsTo(ignores.mentor.email)).find((e) => /still available/.test(e.subject)),
    );
    const link = linkAfter(available.text, '/v1/check-ins/resume\\?token=\\S+');
    const page = await fetch(link, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect(await eventsOf('MatchingResumed')).toEqual([]);

    const resumed = await local.post('/v1/check-ins/resume', { token: tokenOf(link) });
    expect(resumed.status).toBe(200);
    expect(await body(resumed)).toMatchObject({ outcome: 'resumed' });
    await local.settle();

    const made = await eventually(async () => {
      const found = await eventsOf('MatchMade');
      return found.length === 4 ? found[3] : undefined;
    });
    const [paused] = await eventsOf('MatchingPaused');
    expect(made.detail.mentorId).toBe(paused?.detail.participantId);
    expect(await eventsOf('MatchingResumed')).toHaveLength(1);
  });

  it('refuses forged links and unknown answers; “end” ends the match, and the link then answers 410', async () => {
    const [email] = (await emailsTo(answers.mentor.email)).filter(isStillMeeting);
    const end = linkAfter(email?.text ?? '', '/v1/check-ins\\?token=\\S+&answer=end');
    const token = tokenOf(end);
    const [payload, signature] = token.split('.');
    const before = (await local.events()).length;

    const forged = await local.post('/v1/check-ins', {
      token: `${payload}.${signature?.slice(0, -2)}AA`,
      answer: 'end',
    });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await local.post('/v1/check-ins', { token, answer: 'maybe' });
    expect(wrong.status).toBe(422);
    expect((await body(wrong)).errors[0].pointer).toBe('/answer');
    await local.settle();
    expect((await local.events()).length).toBe(before);

    const ended = await local.post('/v1/check-ins', { token, answer: 'end' });
    expect(ended.status).toBe(200);
    await local.settle();
    const [matchEnded] = (await eventsOf('MatchEnded')).filter((e) => e.detail.matchId === matchOf.answers);
    expect(matchEnded?.detail).toMatchObject({ reason: 'inactivity', endedBy: 'mentor' });
    expect((await eventsOf('CheckInAnswered')).map((e) => e.detail.answer)).toEqual(['still-meeting', 'end']);

    const reused = await fetch(end, { headers: { accept: 'text/html' } });
    expect(reused.status).toBe(410);
    expect(reused.headers.get('content-type')).toContain('text/html');
  });
});
