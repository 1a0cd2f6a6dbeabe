import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../functions/assign-group-seat/handler';
import type { EventDetail } from '../../shared/events/catalogue';
import { ORG_ID, organisation, participant } from '../fixtures/domain';
import { eventBridgeEvent, lambdaContext } from '../helpers/events';

const TABLE = 'kindred-test';
const ddb = mockClient(DynamoDBDocumentClient);

const GROUP = 'grief-circle';
const VERIFIED_AT = '2025-03-15T07:00:00.000Z';
const member = participant({ programId: GROUP, role: 'member', status: 'verified', verifiedAt: VERIFIED_AT });
const pk = `ORG#${ORG_ID}`;
const orgKey = { pk, sk: 'ORG' };
const participantKey = { pk, sk: `PARTICIPANT#${member.participantId}` };
const stateKey = { pk, sk: `GROUP#${GROUP}` };
const memberKey = (id: string) => ({ pk, sk: `GROUP#${GROUP}#MEMBER#${id}` });
const waitKey = (seq: number) => ({ pk, sk: `GROUP#${GROUP}#WAIT#${String(seq).padStart(12, '0')}` });

const verified = (overrides: Partial<EventDetail<'ParticipantVerified'>> = {}) =>
  eventBridgeEvent('ParticipantVerified', {
    version: 1,
    orgId: ORG_ID,
    occurredAt: VERIFIED_AT,
    participantId: member.participantId,
    programId: GROUP,
    role: 'member',
    ...overrides,
  } satisfies EventDetail<'ParticipantVerified'>);

const groupLeft = () =>
  eventBridgeEvent('GroupLeft', {
    version: 1,
    orgId: ORG_ID,
    occurredAt: '2025-03-20T10:00:00.000Z',
    groupId: GROUP,
    participantId: 'someone-who-left',
    from: 'seat',
  } satisfies EventDetail<'GroupLeft'>);

const invoke = (event: unknown) =>
  (handler as unknown as (e: unknown, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext('kindred-test-assign-group-seat'),
  );

/** The org with the group's seats set. */
const orgWithSeats = (seats: number) => ({
  ...orgKey,
  ...organisation,
  programs: organisation.programs.map((p) => (p.kind === 'peer-group' ? { ...p, seats } : p)),
});

const storedState = (state: object) => ({ ...stateKey, groupId: GROUP, ...state });

const transactions = () =>
  ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

const outboxEvents = (items: ReturnType<typeof transactions>[number]) =>
  items
    .filter((i) => i.Put?.Item?.sk === 'EVENT')
    .map((i) => ({ detailType: i.Put?.Item?.detailType, detail: JSON.parse(i.Put?.Item?.detail) }));

beforeEach(() => {
  ddb.reset();
  ddb.on(GetCommand).resolves({});
  ddb.on(GetCommand, { Key: orgKey }).resolves({ Item: orgWithSeats(8) });
  ddb.on(GetCommand, { Key: participantKey }).resolves({ Item: { ...participantKey, ...member } });
  ddb.on(TransactWriteCommand).resolves({});
});

describe('assign-group-seat', () => {
  it('seats a verified member while seats are free: state, membership and event in one transaction', async () => {
    // Act
    await invoke(verified());

    // Assess
    const all = transactions();
    expect(all).toHaveLength(1);
    const [state, membership, outbox, ...rest] = all[0] ?? [];
    expect(rest).toEqual([]);
    expect(state?.Put).toMatchObject({
      TableName: TABLE,
      Item: { ...stateKey, groupId: GROUP, version: 1, seated: 1, waiting: 0, nextSeq: 1 },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(membership?.Put).toEqual({
      TableName: TABLE,
      Item: {
        ...memberKey(member.participantId),
        groupId: GROUP,
        participantId: member.participantId,
        place: 'seat',
        since: expect.any(String),
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(outbox?.Put?.Item).toMatchObject({ detailType: 'GroupJoined' });
    expect(outboxEvents(all[0] ?? [])[0]?.detail).toEqual({
      version: 1,
      orgId: ORG_ID,
      occurredAt: expect.any(String),
      groupId: GROUP,
      participantId: member.participantId,
      seatsLeft: 7,
    });
    // The group reads are consistent: a stale read would give a taken seat away.
    for (const call of ddb.commandCalls(GetCommand)) {
      if (call.args[0].input.Key?.sk?.startsWith('GROUP#'))
        expect(call.args[0].input.ConsistentRead).toBe(true);
    }
  });

  it('puts a member at the end of a full group’s waitlist, linked after the last waiting', async () => {
    // Prepare: eight seated, two waiting (entries 4 and 7)
    ddb.on(GetCommand, { Key: stateKey }).resolves({
      Item: storedState({ version: 12, seated: 8, waiting: 2, nextSeq: 8, headSeq: 4, tailSeq: 7 }),
    });
    ddb.on(GetCommand, { Key: waitKey(7) }).resolves({
      Item: {
        ...waitKey(7),
        groupId: GROUP,
        seq: 7,
        participantId: 'waiting-2',
        since: VERIFIED_AT,
        prev: 4,
      },
    });

    // Act
    await invoke(verified());

    // Assess
    const [items = []] = transactions();
    expect(items[0]?.Put).toMatchObject({
      Item: { version: 13, seated: 8, waiting: 3, nextSeq: 9, headSeq: 4, tailSeq: 8 },
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': 12 },
    });
    expect(items[1]?.Put?.Item).toMatchObject({ place: 'waitlist', seq: 8 });
    expect(items.slice(2, 4).map((i) => i.Put?.Item)).toEqual([
      {
        ...waitKey(7),
        groupId: GROUP,
        seq: 7,
        participantId: 'waiting-2',
        since: VERIFIED_AT,
        prev: 4,
        next: 8,
      },
      {
        ...waitKey(8),
        groupId: GROUP,
        seq: 8,
        participantId: member.participantId,
        since: expect.any(String),
        prev: 7,
      },
    ]);
    expect(outboxEvents(items)).toEqual([
      { detailType: 'GroupWaitlisted', detail: expect.objectContaining({ position: 3 }) },
    ]);
    expect(items).toHaveLength(5);
  });

  it('changes nothing when the verification is delivered again', async () => {
    // Prepare
    ddb
      .on(GetCommand, { Key: stateKey })
      .resolves({ Item: storedState({ version: 1, seated: 1, waiting: 0, nextSeq: 1 }) });
    ddb.on(GetCommand, { Key: memberKey(member.participantId) }).resolves({
      Item: {
        ...memberKey(member.participantId),
        groupId: GROUP,
        participantId: member.participantId,
        place: 'seat',
      },
    });

    // Act
    await invoke(verified());

    // Assess
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('reads again and takes the next place when another member took the last seat first', async () => {
    // Prepare: the read sees one seat left; by the write, it is gone
    ddb
      .on(GetCommand, { Key: orgKey })
      .resolves({ Item: orgWithSeats(2) })
      .on(GetCommand, { Key: stateKey })
      .resolvesOnce({ Item: storedState({ version: 1, seated: 1, waiting: 0, nextSeq: 1 }) })
      .resolves({ Item: storedState({ version: 2, seated: 2, waiting: 0, nextSeq: 1 }) });
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'Transaction cancelled',
          $metadata: {},
          CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }, { Code: 'None' }],
        }),
      )
      .resolves({});

    // Act
    await invoke(verified());

    // Assess
    const [lost, won] = transactions();
    expect(outboxEvents(lost ?? [])[0]?.detailType).toBe('GroupJoined');
    expect(won?.[0]?.Put?.ExpressionAttributeValues).toEqual({ ':version': 2 });
    expect(outboxEvents(won ?? [])).toEqual([
      { detailType: 'GroupWaitlisted', detail: expect.objectContaining({ position: 1 }) },
    ]);
  });

  it('fails (to be retried) when the transaction is refused for another reason', async () => {
    // Prepare
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ValidationError' }, { Code: 'None' }, { Code: 'None' }],
      }),
    );

    // Act
    const outcome = invoke(verified());

    // Assess
    await expect(outcome).rejects.toThrow(TransactionCanceledException);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('ignores a verified participant of a program that is not a group', async () => {
    // Act
    await invoke(verified({ programId: 'youth-mentoring' }));

    // Assess
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('ignores a mentor or mentee, whatever the program', async () => {
    // Act
    await invoke(verified({ role: 'mentee' }));

    // Assess
    expect(ddb.calls()).toHaveLength(0);
  });

  it('ignores a participant who is gone', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: participantKey }).resolves({});

    // Act
    await invoke(verified());

    // Assess
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('gives seats the organisation added to the first waiting when someone leaves', async () => {
    // Prepare: raised from 6 to 8 seats; three waiting (entries 2, 5, 9)
    ddb.on(GetCommand, { Key: stateKey }).resolves({
      Item: storedState({ version: 30, seated: 6, waiting: 3, nextSeq: 10, headSeq: 2, tailSeq: 9 }),
    });
    const entry = (seq: number, id: string, prev?: number, next?: number) => ({
      Item: { ...waitKey(seq), groupId: GROUP, seq, participantId: id, since: VERIFIED_AT, prev, next },
    });
    ddb.on(GetCommand, { Key: waitKey(2) }).resolves(entry(2, 'first', undefined, 5));
    ddb.on(GetCommand, { Key: waitKey(5) }).resolves(entry(5, 'second', 2, 9));
    ddb.on(GetCommand, { Key: waitKey(9) }).resolves(entry(9, 'third', 5, undefined));

    // Act
    await invoke(groupLeft());

    // Assess
    const all = transactions();
    expect(all).toHaveLength(1);
    const items = all[0] ?? [];
    expect(items[0]?.Put?.Item).toMatchObject({ version: 31, seated: 8, waiting: 1, headSeq: 9, tailSeq: 9 });
    expect(
      items
        .filter((i) => i.Put?.Item?.place)
        .map((i) => [
          i.Put?.Item?.participantId,
          i.Put?.ConditionExpression,
          i.Put?.ExpressionAttributeValues,
        ]),
    ).toEqual([
      ['first', 'place = :place', { ':place': 'waitlist' }],
      ['second', 'place = :place', { ':place': 'waitlist' }],
    ]);
    expect(items.filter((i) => i.Delete).map((i) => i.Delete?.Key)).toEqual([waitKey(2), waitKey(5)]);
    expect(items.find((i) => i.Put?.Item?.seq === 9)?.Put?.Item).not.toHaveProperty('prev');
    expect(outboxEvents(items)).toEqual([
      {
        detailType: 'GroupJoined',
        detail: expect.objectContaining({ participantId: 'first', seatsLeft: 1 }),
      },
      {
        detailType: 'GroupJoined',
        detail: expect.objectContaining({ participantId: 'second', seatsLeft: 0 }),
      },
    ]);
  });

  it('changes nothing after a leave when no seat is free (the leave already gave it away)', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: stateKey }).resolves({
      Item: storedState({ version: 30, seated: 8, waiting: 1, nextSeq: 10, headSeq: 9, tailSeq: 9 }),
    });

    // Act
    await invoke(groupLeft());

    // Assess
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it('refuses an event whose detail breaks the catalogue, touching nothing', async () => {
    // Act
    const outcome = invoke(verified({ participantId: 'Not An Id' }));

    // Assess
    await expect(outcome).rejects.toThrow();
    expect(ddb.calls()).toHaveLength(0);
  });
});
