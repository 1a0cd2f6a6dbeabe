import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { careerMentoring, type DemoPair, demoPairs, demoPeople } from '../../infra/local/demo-history';
import type { ProgramReport } from '../../shared/domain/program-report';
import { MatchEndReason } from '../../shared/events/catalogue';
import { startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * `npm start`'s demo program with history: its report, read through the real API with the organisation's
 * key, shows the figures counted here from the cohort's own list of fates; its people are listed and can be
 * erased like anyone; and starting again on the kept state neither duplicates nor resets it.
 */

const ORG = 'demo-university';
const PROGRAM = careerMentoring.programId;

let local: TestRuntime;

beforeAll(async () => {
  local = await startTestRuntime({ demoHistory: true, restartable: true });
}, 60_000);
afterAll(async () => {
  await local?.stop();
});

const report = async () => {
  const response = await local.admin('GET', ORG, `programs/${PROGRAM}/report`, undefined, {
    accept: 'application/json',
  });
  expect(response.status).toBe(200);
  return (await response.json()) as ProgramReport;
};

/**
 * Whether `days` are at least `months` calendar months, for spans clear of the months' 28 to 31 days each:
 * the clock moves on by up to a day or two between seeding and reading, so a span near the edge is refused.
 */
const MONTH_DAYS = { 1: [28, 31], 3: [89, 92], 6: [181, 184], 12: [365, 366] } as const;
const DRIFT_DAYS = 2;
const lasted = (days: number, months: keyof typeof MONTH_DAYS, moving = true) => {
  const [shortest, longest] = MONTH_DAYS[months];
  if (days >= longest) return true;
  if (days + (moving ? DRIFT_DAYS : 0) < shortest) return false;
  throw new Error(`the cohort's ${days} days are too near ${months} months to count`);
};

const erased = new Set(demoPeople.filter((p) => p.erased).map((p) => p.id));
const present = demoPeople.filter((p) => !p.erased);
const held = (pair: DemoPair) => pair.meetings.count - (pair.meetings.skipped?.length ?? 0);
const daysTogether = (pair: DemoPair) => pair.matchedDaysAgo - (pair.ended?.daysAgo ?? 0);
const oneDecimal = (value: number) => Math.round(value * 10) / 10;

/** The report's figures, counted from the cohort. */
const expectedFigures = () => {
  const ratings = demoPairs.flatMap((pair) =>
    (pair.ratings ?? [])
      .filter((r) => !erased.has(r.by === 'mentor' ? pair.mentorId : pair.menteeId))
      .map((r) => r.rating),
  );
  const waits = present
    .flatMap((p) => {
      const firstMatch = Math.max(
        ...demoPairs
          .filter((pair) => pair.mentorId === p.id || pair.menteeId === p.id)
          .map((x) => x.matchedDaysAgo),
      );
      if (p.verifiedHoursLater === undefined || !Number.isFinite(firstMatch)) return [];
      return [p.signedUpDaysAgo - p.verifiedHoursLater / 24 - firstMatch];
    })
    .sort((a, b) => a - b);
  const mid = waits.length / 2;
  const milestones = [
    ['first-meeting', demoPairs.filter((pair) => held(pair) >= 1).length],
    ['meetings-3', demoPairs.filter((pair) => held(pair) >= 3).length],
    ['meetings-6', demoPairs.filter((pair) => held(pair) >= 6).length],
    ['meetings-12', demoPairs.filter((pair) => held(pair) >= 12).length],
    ...([1, 3, 6, 12] as const).map((months) => [
      `months-${months}`,
      demoPairs.filter((pair) => lasted(daysTogether(pair), months, false)).length,
    ]),
  ] as [string, number][];
  return {
    signups: present.length,
    verified: present.filter((p) => p.verifiedHoursLater !== undefined).length,
    matchedPeople: new Set(demoPairs.flatMap((pair) => [pair.mentorId, pair.menteeId])).size,
    matchedPairs: demoPairs.length,
    firstMeetingHeldPairs: demoPairs.filter((pair) => held(pair) > 0).length,
    activeAfter: ([1, 3, 6] as const).map((months) => {
      const eligible = demoPairs.filter((pair) => lasted(pair.matchedDaysAgo, months));
      return {
        months,
        active: eligible.filter((pair) => !pair.ended || lasted(daysTogether(pair), months, false)).length,
        eligible: eligible.length,
      };
    }),
    milestones: milestones
      .filter(([, count]) => count > 0)
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    rating: {
      average: oneDecimal(ratings.reduce((sum, r) => sum + r, 0) / ratings.length),
      count: ratings.length,
    },
    earlyClosures: MatchEndReason.options
      .filter((reason) => reason !== 'completed')
      .map((reason) => ({ reason, count: demoPairs.filter((pair) => pair.ended?.reason === reason).length })),
    timeToMatchDays: {
      median: oneDecimal(
        waits.length % 2
          ? (waits[Math.floor(mid)] as number)
          : ((waits[mid - 1] as number) + (waits[mid] as number)) / 2,
      ),
      p90: oneDecimal(waits[Math.ceil(0.9 * waits.length) - 1] as number),
      count: waits.length,
    },
    erasedParticipants: erased.size,
  };
};

const withoutTime = ({ generatedAt: _at, ...figures }: ProgramReport) => figures;

describe('demo program with history (local runtime)', () => {
  it('reports the cohort’s figures and lists its verified people', { timeout: 30_000 }, async () => {
    // Act
    const figures = await report();
    const listing = await local.admin('GET', ORG, 'participants?status=verified&limit=100');

    // Assess
    expect(figures).toMatchObject({ orgId: ORG, programId: PROGRAM, ...expectedFigures() });
    expect(figures.weekly.reduce((sum, week) => sum + week.signups, 0)).toBe(present.length);
    expect(figures.weekly.reduce((sum, week) => sum + week.matches, 0)).toBe(demoPairs.length);
    expect(listing.status).toBe(200);
    const { items } = (await listing.json()) as { items: { participantId: string; programId: string }[] };
    expect(
      items
        .filter((p) => p.programId === PROGRAM)
        .map((p) => p.participantId)
        .sort(),
    ).toStrictEqual(
      present
        .filter((p) => p.verifiedHoursLater !== undefined)
        .map((p) => p.id)
        .sort(),
    );
  });

  it('erases a seeded person, and a restart on the kept state changes nothing', {
    timeout: 60_000,
  }, async () => {
    // Prepare: a mentor whose only match ended, so erasing them ends nothing
    const mentor = 'career-mentor-3';
    expect(demoPairs.filter((pair) => pair.mentorId === mentor && !pair.ended)).toStrictEqual([]);
    const before = await report();

    // Act
    const erasure = await local.admin('POST', ORG, `participants/${mentor}/erasure`);
    const again = await local.admin('POST', ORG, `participants/${mentor}/erasure`);
    await local.settle();
    const afterErasure = await report();
    const { api, dynamodb, ses, eventbridge } = local.runtime.endpoints();
    const portOf = (url: string) => Number(new URL(url).port);
    await local.stop({ keepData: true });
    local = await startTestRuntime({
      demoHistory: true,
      restartable: true,
      dataDir: local.dataDir,
      port: portOf(api),
      ports: { dynamodb: portOf(dynamodb), ses: portOf(ses), aws: portOf(eventbridge) },
    });
    const afterRestart = await report();
    const listing = await local.admin('GET', ORG, 'participants?limit=100');

    // Assess
    expect(erasure.status).toBe(202);
    expect(await erasure.json()).toStrictEqual({ participantId: mentor, status: 'erased' });
    expect(await again.json()).toStrictEqual({ participantId: mentor, status: 'already-erased' });
    expect(afterErasure).toMatchObject({
      signups: before.signups - 1,
      verified: before.verified - 1,
      matchedPairs: before.matchedPairs,
      matchedPeople: before.matchedPeople,
      erasedParticipants: before.erasedParticipants + 1,
    });
    expect(withoutTime(afterRestart)).toStrictEqual(withoutTime(afterErasure));
    const { items } = (await listing.json()) as { items: { participantId: string; programId: string }[] };
    expect(items.filter((p) => p.programId === PROGRAM)).toHaveLength(present.length - 1);
    expect(items.map((p) => p.participantId)).not.toContain(mentor);
  });
});
