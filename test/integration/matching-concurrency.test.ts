import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../shared/data/keys';
import { dynamoMatching } from '../../shared/data/matching';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoOutbox } from '../../shared/data/outbox';
import { freeSlots, type Match, matchProfileOf, poolEntryOf } from '../../shared/domain/match';
import { type MatchingDeps, matchParticipant, runMatching } from '../../shared/domain/matching';
import type { Organisation } from '../../shared/domain/organisation';
import { initialMatchingState, type Participant } from '../../shared/domain/participant';
import { assign } from '../../shared/matching/assign';
import { referenceWeek } from '../../shared/matching/availability';
import { buildCandidates } from '../../shared/matching/candidates';
import { prepareProfile } from '../../shared/matching/score';
import { type MatchingSettings, parseMatchingSettings } from '../../shared/matching/settings';
import { startTestRuntime, type TestRuntime } from '../helpers/local';

/**
 * Many matchers at the same moment against DynamoDB Local: every write is conditioned on both people's
 * matching versions, so races are lost and retried, never won twice. Checked from the table afterwards.
 */

const TABLE = 'kindred-local';
const NOW = new Date('2026-11-24T10:00:00.000Z');
let local: TestRuntime;
let client: DynamoDBDocumentClient;
let deps: MatchingDeps;

const organisation = (
  orgId: string,
  defaultMentorCapacity: number,
  mode: 'rolling' | 'cohort' = 'rolling',
): Organisation => ({
  orgId,
  kind: 'university',
  name: 'Concurrency University',
  consent: { version: 'c-1', text: 'I agree.' },
  defaultProgramId: 'mentoring',
  programs: [
    {
      programId: 'mentoring',
      name: 'Mentoring',
      kind: 'mentoring',
      matching: { defaultMentorCapacity, mode },
    },
  ],
});

/** A verified participant with their pool entry, written straight to the table. */
const enrol = async (
  orgId: string,
  role: 'mentor' | 'mentee',
  index: number,
  extra: Partial<Participant['profile']> = {},
) => {
  const at = new Date(NOW.getTime() - 3_600_000 + index * 1000).toISOString();
  const person: Participant = {
    orgId,
    participantId: `${role}-${index}`,
    programId: 'mentoring',
    role,
    status: 'verified',
    email: `${role}-${index}@example.org`,
    name: 'Test Person',
    timezone: 'Europe/London',
    profile: {
      languages: ['en'],
      availability: [{ day: 'tue', from: '17:00', to: '21:00' }],
      interests: ['chess', index % 2 === 0 ? 'poetry' : 'hiking'],
      experiences: ['moving to a new city alone'],
      ...extra,
    },
    consent: { version: 'c-1', at },
    createdAt: at,
    verifiedAt: at,
    matching: initialMatchingState(),
  };
  const entry = poolEntryOf(person, initialMatchingState(), { defaultMentorCapacity: 1 });
  await client.send(
    new PutCommand({
      TableName: TABLE,
      Item: { ...keys.participant(orgId, person.participantId), ...person },
    }),
  );
  if (entry) {
    await client.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...keys.poolEntry(orgId, 'mentoring', role, person.participantId), ...entry },
      }),
    );
  }
  return person.participantId;
};

const itemsWith = async (orgId: string, prefix: string) => {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `ORG#${orgId}`, ':prefix': prefix },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
};

/** The invariants, from the table: capacities, one match per mentee, state and pool agree with the matches. */
const checkInvariants = async (orgId: string, capacityOf: (mentorId: string) => number) => {
  const matches = (await itemsWith(orgId, 'MATCH#')).filter((m) => m.status === 'active');
  const participants = await itemsWith(orgId, 'PARTICIPANT#');
  const pool = new Set((await itemsWith(orgId, 'POOL#')).map((e) => e.participantId as string));
  const perMentor = new Map<string, number>();
  const perMentee = new Map<string, number>();
  for (const match of matches) {
    perMentor.set(match.mentorId as string, (perMentor.get(match.mentorId as string) ?? 0) + 1);
    perMentee.set(match.menteeId as string, (perMentee.get(match.menteeId as string) ?? 0) + 1);
  }
  for (const [mentorId, count] of perMentor) expect(count).toBeLessThanOrEqual(capacityOf(mentorId));
  for (const count of perMentee.values()) expect(count).toBe(1);
  for (const person of participants) {
    const id = person.participantId as string;
    const active = (person.matching as { activeMatchIds: string[] }).activeMatchIds;
    const expected = person.role === 'mentor' ? (perMentor.get(id) ?? 0) : (perMentee.get(id) ?? 0);
    expect(active).toHaveLength(expected);
    // Mentors stay in the pool while seeking; mentees leave it once matched.
    expect(pool.has(id)).toBe(person.role === 'mentor' || expected === 0);
  }
  return { matches: matches.length, perMentor, perMentee };
};

beforeAll(async () => {
  local = await startTestRuntime();
  client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: local.runtime.endpoints().dynamodb,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  deps = {
    organisations: dynamoOrganisations(client, TABLE),
    matching: dynamoMatching(client, TABLE),
    outbox: dynamoOutbox(client, TABLE),
    ids: { next: () => randomUUID() },
  };
}, 60_000);

afterAll(async () => {
  await local?.stop();
});

describe('matching under concurrency (DynamoDB Local)', () => {
  it('twelve mentees verifying at once fill a mentor of capacity 2 exactly, never beyond', async () => {
    const orgId = 'race-one-mentor';
    await dynamoOrganisations(client, TABLE).put(organisation(orgId, 2));
    const mentor = await enrol(orgId, 'mentor', 0);
    const mentees = await Promise.all(Array.from({ length: 12 }, (_, i) => enrol(orgId, 'mentee', i + 1)));

    const outcomes = await Promise.all(
      [mentor, ...mentees].map((participantId) => matchParticipant(deps, { orgId, participantId }, NOW)),
    );

    const { matches, perMentor } = await checkInvariants(orgId, () => 2);
    expect(matches).toBe(2);
    expect(perMentor.get(mentor)).toBe(2);
    // Every match made was reported by exactly one matcher.
    expect(outcomes.flatMap((o) => o.matchIds)).toHaveLength(2);
  });

  it('a mentee whom three free mentors pick at once ends up in exactly one match', async () => {
    const orgId = 'race-one-mentee';
    await dynamoOrganisations(client, TABLE).put(organisation(orgId, 1));
    const mentee = await enrol(orgId, 'mentee', 0);
    const mentors = await Promise.all([1, 2, 3].map((i) => enrol(orgId, 'mentor', i)));

    await Promise.all(
      [...mentors, mentee].map((participantId) => matchParticipant(deps, { orgId, participantId }, NOW)),
    );

    const { matches, perMentee } = await checkInvariants(orgId, () => 1);
    expect(matches).toBe(1);
    expect(perMentee.get(mentee)).toBe(1);
  });

  it('rolling matchers and a whole-pool run racing over one pool keep every capacity', async () => {
    const orgId = 'race-mixed';
    await dynamoOrganisations(client, TABLE).put(organisation(orgId, 1));
    const capacities = [1, 2, 3, 1, 2];
    const mentors = await Promise.all(
      capacities.map((capacity, i) => enrol(orgId, 'mentor', i, { capacity })),
    );
    const mentees = await Promise.all(Array.from({ length: 20 }, (_, i) => enrol(orgId, 'mentee', i + 10)));
    const capacity = (id: string) => capacities[mentors.indexOf(id)] ?? 0;

    await Promise.all([
      ...[...mentees, ...mentors].map((participantId) =>
        matchParticipant(deps, { orgId, participantId }, NOW),
      ),
      runMatching(deps, { orgId, programId: 'mentoring', runId: 'run-1' }, NOW),
    ]);

    const { matches } = await checkInvariants(orgId, capacity);
    // Every mentor slot is filled: there are more eligible mentees than slots.
    expect(matches).toBe(capacities.reduce((a, b) => a + b, 0));
  });

  it('a raised capacity lets a full mentor take another mentee at once', async () => {
    const orgId = 'capacity-raised';
    await dynamoOrganisations(client, TABLE).put(organisation(orgId, 1));
    const mentor = await enrol(orgId, 'mentor', 0);
    const first = await enrol(orgId, 'mentee', 1);
    expect((await matchParticipant(deps, { orgId, participantId: first }, NOW)).outcome).toBe('matched');
    const second = await enrol(orgId, 'mentee', 2);
    expect((await matchParticipant(deps, { orgId, participantId: second }, NOW)).outcome).toBe('waiting');

    await dynamoOrganisations(client, TABLE).put(organisation(orgId, 2));
    const outcome = await matchParticipant(deps, { orgId, participantId: second }, NOW);

    expect(outcome.outcome).toBe('matched');
    const { perMentor } = await checkInvariants(orgId, () => 2);
    expect(perMentor.get(mentor)).toBe(2);
  });

  it('two coordinators saving settings of two programs at once both keep their change', async () => {
    const orgId = 'two-coordinators';
    const org = organisation(orgId, 1);
    const second = { programId: 'evening', name: 'Evening mentoring', kind: 'mentoring' as const };
    const store = dynamoOrganisations(client, TABLE);
    await store.put({ ...org, programs: [...org.programs, second] });

    await Promise.all(
      [
        ['mentoring', 3],
        ['evening', 4],
      ].map(([programId, capacity]) =>
        store.update(orgId, (current) => ({
          ...current,
          programs: current.programs.map((p) =>
            p.programId === programId && p.kind === 'mentoring'
              ? { ...p, matching: { defaultMentorCapacity: capacity as number } }
              : p,
          ),
        })),
      ),
    );

    const saved = await store.get(orgId);
    expect(saved?.programs.map((p) => (p.kind === 'mentoring' ? p.matching : undefined))).toEqual([
      { defaultMentorCapacity: 3 },
      { defaultMentorCapacity: 4 },
    ]);
  });

  it('a cohort waits for its run, which makes the optimal assignment of the whole pool', async () => {
    const orgId = 'cohort-run';
    await dynamoOrganisations(client, TABLE).put(organisation(orgId, 2, 'cohort'));
    const topics = ['chess', 'poetry', 'hiking', 'football', 'cooking', 'film'];
    const mentors = await Promise.all(
      [0, 1, 2].map((i) => enrol(orgId, 'mentor', i, { interests: topics.slice(i, i + 3), capacity: i + 1 })),
    );
    const mentees = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        enrol(orgId, 'mentee', i + 10, {
          interests: [topics[i % 6] as string, topics[(i * 5) % 6] as string],
        }),
      ),
    );

    const waiting = await matchParticipant(deps, { orgId, participantId: mentees[0] as string }, NOW);
    expect(waiting.outcome).toBe('cohort');
    const summary = await runMatching(deps, { orgId, programId: 'mentoring', runId: 'cohort-1' }, NOW);

    // The same pool through the pure engine: the run's pairs are its exact optimum.
    const settings = parseMatchingSettings({ defaultMentorCapacity: 2, mode: 'cohort' });
    const week = referenceWeek(NOW.toISOString().slice(0, 10));
    const pool = async (role: 'mentor' | 'mentee') =>
      (await deps.matching.pool(orgId, 'mentoring', role)).map((e) => prepareProfile(e.profile, week));
    expect(summary).toMatchObject({ mentors: 3, mentees: 8, exact: true });
    const { matches } = await checkInvariants(orgId, (id) => mentors.indexOf(id) + 1);
    expect(summary?.matched).toBe(matches);
    // 1 + 2 + 3 = 6 slots, all filled.
    const mentorEntries = await deps.matching.pool(orgId, 'mentoring', 'mentor');
    expect(mentorEntries.map((e) => freeSlots(e, settings))).toEqual([0, 0, 0]);
    expect(await pool('mentee')).toHaveLength(2);
    const stored = (await itemsWith(orgId, 'MATCH#')) as unknown as Match[];
    const total = stored.reduce((sum, m) => sum + m.explanation.score, 0);
    const optimum = await optimumOf(orgId, settings, week);
    expect(total).toBeCloseTo(optimum, 6);
  });
});

/** The exact optimum of the pool as it was before the run (everyone verified, nobody matched). */
const optimumOf = async (
  orgId: string,
  settings: MatchingSettings,
  week: ReturnType<typeof referenceWeek>,
) => {
  const participants = (await itemsWith(orgId, 'PARTICIPANT#')) as unknown as Participant[];
  const profiles = participants.map((p) => prepareProfile(matchProfileOf(p), week));
  const mentors = profiles.filter((p) => p.role === 'mentor');
  const mentees = profiles.filter((p) => p.role === 'mentee');
  const built = buildCandidates(mentors, mentees, settings, {}, { perMentee: mentors.length });
  return assign(built.problem).totalScore;
};
