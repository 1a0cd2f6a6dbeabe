import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../functions/record-milestones/handler';
import type { MeetingStatus } from '../../shared/data/meetings';
import type { Match } from '../../shared/domain/match';
import type { EventDetail } from '../../shared/events/catalogue';
import { ORG_ID } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';
import { captureOutput } from '../helpers/output';

vi.hoisted(() => {
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'DEBUG');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

const ddb = mockClient(DynamoDBDocumentClient);

const MATCH_ID = 'c0ffee00-1a2b-4c3d-8e9f-0a1b2c3d4e5f';
const MENTOR_ID = 'b7e0c6a2-4d1f-4c8e-9a3b-5f6e7d8c9b0a';
const MENTEE_ID = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
const LOGGED_AT = '2025-04-01T19:30:00.000Z';

const pk = `ORG#${ORG_ID}`;
const matchKey = { pk, sk: `MATCH#${MATCH_ID}` };
const meetingId = (seq: number) => `${MATCH_ID}-${seq}`;

const match = (overrides: Partial<Match> = {}) => ({
  ...matchKey,
  orgId: ORG_ID,
  matchId: MATCH_ID,
  programId: 'youth-mentoring',
  mentorId: MENTOR_ID,
  menteeId: MENTEE_ID,
  status: 'active',
  score: 80,
  madeBy: 'rolling',
  createdAt: '2025-03-01T09:00:00.000Z',
  ...overrides,
});

/**
 * The table as far as this function sees it: the match, its meetings, and milestone and outbox items. A
 * milestone put is conditional, as in DynamoDB: an existing one cancels the transaction.
 */
let items: Map<string, Record<string, unknown>>;

const setMeetings = (...statuses: MeetingStatus[]) => {
  for (const [sk] of items) if (sk.startsWith('MEETING#')) items.delete(sk);
  statuses.forEach((status, i) => {
    const seq = i + 1;
    items.set(`MEETING#${meetingId(seq)}`, {
      pk,
      sk: `MEETING#${meetingId(seq)}`,
      orgId: ORG_ID,
      meetingId: meetingId(seq),
      matchId: MATCH_ID,
      programId: 'youth-mentoring',
      seq,
      startsAt: new Date(Date.parse('2025-03-04T18:00:00.000Z') + i * 14 * 86_400_000).toISOString(),
      durationMinutes: 60,
      sequence: 0,
      status,
    });
  });
};

const held = (n: number) => Array.from({ length: n }, () => 'held' as const);

const meetingLogged = (seq: number, overrides: Partial<EventDetail<'MeetingLogged'>> = {}) =>
  eventBridgeEvent('MeetingLogged', {
    version: 1,
    orgId: ORG_ID,
    occurredAt: LOGGED_AT,
    meetingId: meetingId(seq),
    matchId: MATCH_ID,
    participantId: MENTEE_ID,
    status: 'held',
    ...overrides,
  } satisfies EventDetail<'MeetingLogged'>);

const invoke = (event: unknown) =>
  (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-record-milestones'),
  );

/** The MilestoneReached events written to the outbox, in order. */
const reachedEvents = () =>
  ddb
    .commandCalls(TransactWriteCommand)
    .flatMap((c) => c.args[0].input.TransactItems ?? [])
    .map((i) => i.Put?.Item)
    .filter((item) => item?.sk === 'EVENT' && items.has(`OUTBOX:${item.eventId}`))
    .map((item) => JSON.parse(item?.detail));

const reachedMilestones = () => reachedEvents().map((d) => d.milestone);

let output: string[];
const logLines = () => output.join('').split('\n').filter(Boolean);

beforeEach(() => {
  ddb.reset();
  items = new Map([[matchKey.sk, match()]]);
  ddb.on(GetCommand).callsFake((input) => ({ Item: items.get(input.Key.sk) }));
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
    const prefix = String(input.ExpressionAttributeValues?.[':prefix']);
    return {
      Items: [...items.values()]
        .filter(
          (item) =>
            item.pk === input.ExpressionAttributeValues?.[':pk'] && String(item.sk).startsWith(prefix),
        )
        .sort((a, b) => String(a.sk).localeCompare(String(b.sk))),
    };
  });
  ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    const puts = (input.TransactItems ?? []).map((i) => i.Put);
    const reasons = puts.map((put) =>
      put?.ConditionExpression === 'attribute_not_exists(pk)' && items.has(String(put.Item?.sk))
        ? { Code: 'ConditionalCheckFailed' }
        : { Code: 'None' },
    );
    if (reasons.some((r) => r.Code !== 'None')) {
      throw new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: reasons,
      });
    }
    for (const put of puts) {
      const item = put?.Item ?? {};
      items.set(item.sk === 'EVENT' ? `OUTBOX:${item.eventId}` : String(item.sk), item);
    }
    return {};
  });

  output = captureOutput();
});

describe('record-milestones', () => {
  it('reaches the first meeting for the pair: the milestone item and its MilestoneReached in one write', async () => {
    // Prepare
    setMeetings('held', 'planned');

    // Act
    await invoke(meetingLogged(1));

    // Assess
    const writes = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);
    expect(writes).toHaveLength(1);
    const [milestone, outbox] = writes[0] ?? [];
    expect(milestone?.Put).toMatchObject({
      TableName: 'kindred-test',
      Item: { pk, sk: `MILESTONE#${MATCH_ID}#first-meeting` },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(outbox?.Put?.Item).toMatchObject({ sk: 'EVENT', detailType: 'MilestoneReached' });
    expect(reachedEvents()).toEqual([
      {
        version: 1,
        orgId: ORG_ID,
        occurredAt: expect.any(String),
        milestone: 'first-meeting',
        participantIds: [MENTOR_ID, MENTEE_ID],
        matchId: MATCH_ID,
      },
    ]);
    // Reached no earlier than the meeting was logged.
    expect(Date.parse(reachedEvents()[0].occurredAt)).toBeGreaterThanOrEqual(Date.parse(LOGGED_AT));
  });

  it('reaches nothing twice when the event is delivered again', async () => {
    // Prepare
    setMeetings('held');
    await invoke(meetingLogged(1));

    // Act
    await invoke(meetingLogged(1));
    await invoke(meetingLogged(1));

    // Assess: the reached milestone is read, so no write is even tried again.
    expect(reachedMilestones()).toEqual(['first-meeting']);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('reaches nothing when a concurrent delivery reached it between the read and the write', async () => {
    // Prepare: the milestone query misses the other delivery's write, which lands just before this one.
    setMeetings('held');
    ddb
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': pk, ':prefix': `MILESTONE#${MATCH_ID}#` } })
      .resolvesOnce({
        Items: [],
      });
    items.set(`MILESTONE#${MATCH_ID}#first-meeting`, { pk, sk: `MILESTONE#${MATCH_ID}#first-meeting` });

    // Act
    const result = await invoke(meetingLogged(1));

    // Assess
    expect(result).toEqual({ outcome: 'recorded', held: 1, reached: [], alreadyReached: ['first-meeting'] });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    expect(reachedMilestones()).toEqual([]);
  });

  it('counts only held meetings: skipped, cancelled and planned ones are not milestones', async () => {
    // Prepare
    setMeetings('held', 'skipped', 'held', 'cancelled', 'skipped', 'planned');

    // Act
    await invoke(meetingLogged(3));

    // Assess
    expect(reachedMilestones()).toEqual(['first-meeting']);
  });

  it('reaches three when the fourth meeting’s event is the first to see three held (late delivery)', async () => {
    // Prepare: meetings 1, 3, 4 held and 2 skipped; first-meeting reached long ago.
    setMeetings('held', 'skipped', 'held', 'held');
    items.set(`MILESTONE#${MATCH_ID}#first-meeting`, { pk, sk: `MILESTONE#${MATCH_ID}#first-meeting` });

    // Act
    await invoke(meetingLogged(4));

    // Assess
    expect(reachedMilestones()).toEqual(['meetings-3']);
  });

  it('reaches every passed threshold it has not reached, in order, when it sees a count jump', async () => {
    // Prepare
    setMeetings(...held(12));

    // Act
    await invoke(meetingLogged(12));

    // Assess
    expect(reachedMilestones()).toEqual(['first-meeting', 'meetings-3', 'meetings-6', 'meetings-12']);
  });

  it('reaches nothing new between thresholds', async () => {
    // Prepare
    setMeetings(...held(5));
    for (const m of ['first-meeting', 'meetings-3'])
      items.set(`MILESTONE#${MATCH_ID}#${m}`, { pk, sk: `MILESTONE#${MATCH_ID}#${m}` });

    // Act
    const result = await invoke(meetingLogged(5));

    // Assess
    expect(result).toEqual({
      outcome: 'recorded',
      held: 5,
      reached: [],
      alreadyReached: ['first-meeting', 'meetings-3'],
    });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('delivering each meeting’s event one to three times, in random order, reaches each milestone once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 13 })
          .chain((n) =>
            fc.tuple(
              fc.constant(n),
              fc.array(fc.integer({ min: 1, max: 3 }), { minLength: n, maxLength: n }),
              fc.infiniteStream(fc.nat()),
            ),
          ),
        async ([n, times, shuffle]) => {
          // Prepare: all n meetings were held before any event arrives (the worst case of lateness).
          items = new Map([[matchKey.sk, match()]]);
          ddb.resetHistory();
          setMeetings(...held(n));
          const deliveries = times.flatMap((count, i) => Array.from({ length: count }, () => i + 1));
          const order = deliveries
            .map((seq) => ({ seq, key: shuffle.next().value }))
            .sort((a, b) => a.key - b.key)
            .map((d) => d.seq);

          // Act
          for (const seq of order) await invoke(meetingLogged(seq));

          // Assess
          const reached = reachedMilestones();
          expect(new Set(reached).size).toBe(reached.length);
          expect([...reached].sort()).toEqual(
            (
              [
                [1, 'first-meeting'],
                [3, 'meetings-3'],
                [6, 'meetings-6'],
                [12, 'meetings-12'],
              ] as const
            )
              .filter(([at]) => at <= n)
              .map(([, m]) => m)
              .sort(),
          );
        },
      ),
      { numRuns: 30 },
    );
  });

  it('reads the meetings and milestones consistently', async () => {
    // Prepare
    setMeetings('held');

    // Act
    await invoke(meetingLogged(1));

    // Assess
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.map((q) => [q.ExpressionAttributeValues?.[':prefix'], q.ConsistentRead])).toEqual(
      expect.arrayContaining([
        [`MEETING#${MATCH_ID}-`, true],
        [`MILESTONE#${MATCH_ID}#`, true],
      ]),
    );
    expect(ddb.commandCalls(GetCommand).map((c) => c.args[0].input)).toContainEqual(
      expect.objectContaining({ Key: matchKey, ConsistentRead: true }),
    );
  });

  it('celebrates nothing more for a pair whose match has ended', async () => {
    // Prepare
    setMeetings(...held(3));
    items.set(matchKey.sk, match({ status: 'ended' }));

    // Act
    const result = await invoke(meetingLogged(3));

    // Assess
    expect(result).toEqual({ outcome: 'match-not-active' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('reaches nothing when the match is gone', async () => {
    // Prepare
    items.delete(matchKey.sk);

    // Act
    const result = await invoke(meetingLogged(1));

    // Assess
    expect(result).toEqual({ outcome: 'match-not-found' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('ignores a skipped meeting and a meeting of neither a pair nor a group, reading nothing', async () => {
    // Act
    await invoke(meetingLogged(1, { status: 'skipped' }));
    await invoke(meetingLogged(1, { matchId: undefined, groupId: 'grief-circle', status: 'skipped' }));
    await invoke(meetingLogged(1, { matchId: undefined }));

    // Assess
    expect(ddb.calls()).toHaveLength(0);
  });

  it('reaches a member’s first group session once, counting their own attended sessions', async () => {
    // Prepare: the member said they were at one session and could not make another
    const attended = (meeting: string, status: string) => {
      const sk = `GROUP#grief-circle#ATTENDED#${MENTEE_ID}#${meeting}`;
      items.set(sk, { pk, sk, status });
    };
    attended('grief-circle-1', 'held');
    attended('grief-circle-2', 'skipped');
    ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => {
      const prefix = String(input.ExpressionAttributeValues?.[':prefix']);
      const found = [...items.values()].filter((item) => String(item.sk).startsWith(prefix));
      if (input.Select === 'COUNT') return { Count: found.filter((item) => item.status === 'held').length };
      return { Items: found };
    });
    const group = { matchId: undefined, groupId: 'grief-circle', meetingId: 'grief-circle-1' };

    // Act
    await invoke(meetingLogged(1, group));
    await invoke(meetingLogged(1, group));

    // Assess
    expect(reachedEvents()).toEqual([
      {
        version: 1,
        orgId: ORG_ID,
        occurredAt: expect.any(String),
        milestone: 'sessions-1',
        participantIds: [MENTEE_ID],
        groupId: 'grief-circle',
      },
    ]);
    expect(items.has(`MILESTONE#grief-circle#${MENTEE_ID}#sessions-1`)).toBe(true);
  });

  it('reaches “program completed” once for a pair that ended completed, and nothing for other endings', async () => {
    // Prepare
    const ended = (reason: EventDetail<'MatchEnded'>['reason']) =>
      eventBridgeEvent('MatchEnded', {
        version: 1,
        orgId: ORG_ID,
        occurredAt: LOGGED_AT,
        matchId: MATCH_ID,
        programId: 'youth-mentoring',
        mentorId: MENTOR_ID,
        menteeId: MENTEE_ID,
        reason,
        endedBy: 'coordinator',
      } satisfies EventDetail<'MatchEnded'>);

    // Act
    await invoke(ended('not-a-good-fit'));
    await invoke(ended('completed'));
    await invoke(ended('completed'));

    // Assess
    expect(reachedMilestones()).toEqual(['program-completed']);
    expect(reachedEvents()[0]).toMatchObject({ participantIds: [MENTOR_ID, MENTEE_ID], matchId: MATCH_ID });
  });

  it('refuses an event whose detail breaks the catalogue, touching nothing', async () => {
    // Act
    const outcome = invoke({ ...meetingLogged(1), detail: { ...meetingLogged(1).detail, status: 'maybe' } });

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(ddb.calls()).toHaveLength(0);
  });

  it('throws (so EventBridge retries) when a write fails for another reason, and the retry reaches it', async () => {
    // Prepare
    setMeetings('held');
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(Object.assign(new Error('Service unavailable'), { name: 'InternalServerError' }));

    // Act
    await expect(invoke(meetingLogged(1))).rejects.toThrow('Service unavailable');
    ddb.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      for (const put of (input.TransactItems ?? []).map((i) => i.Put)) {
        const item = put?.Item ?? {};
        items.set(item.sk === 'EVENT' ? `OUTBOX:${item.eventId}` : String(item.sk), item);
      }
      return {};
    });
    await invoke(meetingLogged(1));

    // Assess
    expect(reachedMilestones()).toEqual(['first-meeting']);
  });

  it('logs ids and outcomes only', async () => {
    // Prepare
    setMeetings(...held(3));

    // Act
    await invoke(meetingLogged(3));
    await invoke(meetingLogged(3));

    // Assess
    const lines = logLines().filter((l) => l.includes('"milestones"'));
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      orgId: ORG_ID,
      matchId: MATCH_ID,
      meetingId: meetingId(3),
      outcome: 'recorded',
      held: 3,
      reached: ['first-meeting', 'meetings-3'],
    });
    expect(JSON.parse(lines[1] ?? '')).toMatchObject({
      reached: [],
      alreadyReached: ['first-meeting', 'meetings-3'],
    });
    for (const line of logLines()) {
      expect(() => JSON.parse(line), line).not.toThrow();
      expect(line).not.toMatch(/@|"detail"|"name"/);
    }
  });
});
