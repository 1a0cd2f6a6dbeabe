import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgramReport } from '../../shared/domain/program-report';
import { eventually, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * A program's report from what the platform itself recorded: people sign up and verify through the public
 * routes, the pair is matched as the second verifies, meets, both rate the meeting, and a coordinator ends
 * the match for a schedule conflict. The report's figures are then checked exactly, as JSON and as CSV, and
 * again once the clock is past the pair's first month.
 */

const ORG = 'demo-university';
const PROGRAM = 'first-year-mentoring';
const REPORT = `/v1/admin/orgs/${ORG}/programs/${PROGRAM}/report`;

let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime();
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? '';

const report = async () => {
  const response = await local.api(REPORT, {
    headers: { accept: 'application/json', ...(await local.orgKey(ORG)) },
  });
  expect(response.status).toBe(200);
  return (await response.json()) as ProgramReport;
};

/** Moves the clock a step at a time until the pair's first reminder falls due; its event. */
const firstReminder = async () => {
  for (let steps = 0; steps < 4 * 31; steps++) {
    const [due] = await local.eventsOf('MeetingDue');
    if (due) return due;
    await local.advance('PT6H');
    await local.settle();
  }
  throw new Error('no reminder within a month');
};

/** The link in the latest email to `address` matching `pattern`. */
const linkIn = async (address: string, pattern: RegExp) => {
  const emails = (await local.emailsTo(address)).reverse();
  for (const email of emails) {
    const found = pattern.exec(email.text)?.[1];
    if (found) return found;
  }
  return undefined;
};

/**
 * The link, from its own email or, when that email raced another nudge for the week's last place under the
 * cap, from the digest that carries it once the cap allows (days later).
 */
const linkTo = async (address: string, pattern: RegExp) => {
  for (let day = 0; day < 8; day++) {
    const found = await linkIn(address, pattern);
    if (found) return found;
    await local.advance('P1D');
    await local.settle();
  }
  return eventually(() => linkIn(address, pattern));
};

describe('program report (local runtime)', () => {
  const mentee = signupBody({
    experiences: ['moving to a new city alone'],
    interests: ['poetry'],
    availability: [{ day: 'tue', from: '17:00', to: '21:00' }],
  });
  const mentor = signupBody({
    role: 'mentor',
    timezone: 'America/New_York',
    experiences: ['moving to a new city alone'],
    interests: ['poetry'],
    availability: [{ day: 'tue', from: '11:00', to: '17:00' }],
  });
  const undecided = signupBody();

  it('reports a seeded program’s funnel, meeting, ratings and early closure exactly', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    await local.confirm(ORG, mentee);
    await local.confirm(ORG, mentor);
    await local.settle();
    const made = await eventually(async () => (await local.eventsOf('MatchMade'))[0]);
    const due = await firstReminder();
    const held = await linkTo(mentee.email, /(https?:\/\/\S+\/v1\/meetings\/log\?token=\S+&status=held)/);
    await local.advanceTo(due.detail.startsAt as string, 90);
    expect((await local.post('/v1/meetings/log', { token: tokenOf(held), status: 'held' })).status).toBe(200);
    await local.settle();
    for (const [person, rating] of [
      [mentee, 4],
      [mentor, 2],
    ] as const) {
      const link = await linkTo(
        person.email,
        new RegExp(`(https?://\\S+/v1/feedback\\?token=\\S+&rating=${rating})`),
      );
      expect((await local.post('/v1/feedback', { token: tokenOf(link), rating })).status).toBe(200);
    }
    const ended = await local.admin('PUT', ORG, `matches/${made.detail.matchId}/ending`, {
      reason: 'schedule-conflict',
    });
    expect(ended.status).toBe(200);
    // Someone who never confirms, signed up late enough that their signup has not expired (7 days).
    expect((await local.post(`/v1/orgs/${ORG}/signups`, undecided)).status).toBe(202);
    await local.settle();

    // Act
    const figures = await report();
    const csv = await (await local.api(`${REPORT}.csv`, { headers: await local.orgKey(ORG) })).text();

    // Assess
    expect(figures).toMatchObject({
      orgId: ORG,
      programId: PROGRAM,
      signups: 3,
      verified: 2,
      matchedPeople: 2,
      matchedPairs: 1,
      firstMeetingHeldPairs: 1,
      activeAfter: [
        { months: 1, active: 0, eligible: 0 },
        { months: 3, active: 0, eligible: 0 },
        { months: 6, active: 0, eligible: 0 },
      ],
      milestones: [{ name: 'first-meeting', count: 1 }],
      rating: { average: 3, count: 2 },
      // Matched as the second verified, moments later.
      timeToMatchDays: { median: 0, p90: 0, count: 2 },
    });
    expect(figures.earlyClosures.filter((c) => c.count > 0)).toStrictEqual([
      { reason: 'schedule-conflict', count: 1 },
    ]);
    expect(figures.weekly.reduce((sum, w) => sum + w.signups, 0)).toBe(3);
    expect(figures.weekly.reduce((sum, w) => sum + w.matches, 0)).toBe(1);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toContain('signups,3');
    expect(rows).toContain('first_meeting_held_pairs,1');
    expect(rows).toContain('average_rating,3');
    expect(rows).toContain('early_closures:schedule-conflict,1');
  });

  it('counts the ended pair as matched over a month ago but not active after one', {
    timeout: 60_000,
  }, async () => {
    // Act
    const [made] = await local.eventsOf('MatchMade');
    const monthLater = new Date(Date.parse(made?.detail.occurredAt as string) + 32 * 24 * 3600_000);
    await local.advanceTo(monthLater.toISOString());
    const figures = await report();

    // Assess
    expect(figures.activeAfter[0]).toStrictEqual({ months: 1, active: 0, eligible: 1 });
    expect(figures).toMatchObject({ verified: 2, matchedPairs: 1, firstMeetingHeldPairs: 1 });
  });

  it('refuses an unknown program and a peer group with a problem', async () => {
    // Act
    const unknown = await local.api(`/v1/admin/orgs/${ORG}/programs/no-such-program/report`, {
      headers: await local.orgKey(ORG),
    });
    const group = await local.api(`/v1/admin/orgs/${ORG}/programs/exam-stress-circle/report`, {
      headers: await local.orgKey(ORG),
    });

    // Assess
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(group.status).toBe(409);
  });
});
