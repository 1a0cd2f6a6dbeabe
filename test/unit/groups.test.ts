import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyGroupState,
  type GroupChange,
  type GroupContext,
  type GroupSnapshot,
  type GroupState,
  MAX_PROMOTIONS,
  type Membership,
  MissingWaitEntry,
  planFill,
  planJoin,
  planLeave,
  type WaitEntry,
} from '../../shared/domain/groups';
import type { PeerGroup } from '../../shared/domain/organisation';
import { groupSeatEmail, groupWaitlistEmail, planGroupEmail } from '../../shared/email/group-templates';
import { type DetailType, type OutgoingEvent, parseDetail } from '../../shared/events/catalogue';

const ORG = 'riverside-mentors';
const NOW = new Date('2025-04-02T18:30:00.000Z');
const circle = (seats: number): PeerGroup => ({
  programId: 'grief-circle',
  name: 'Grief circle',
  kind: 'peer-group',
  seats,
});
const ctx = (seats: number, now = NOW): GroupContext => ({ orgId: ORG, group: circle(seats), now });

/**
 * The group as the table holds it, and a runner that does what the DynamoDB store does: gives a rule the
 * state and the subject's membership, hands over each waitlist entry it asks for, and stores the change.
 */
class Table {
  state: GroupState = emptyGroupState();
  members = new Map<string, Membership>();
  waits = new Map<number, WaitEntry>();
  events: OutgoingEvent[] = [];
  /** Waitlist entries each change asked for. */
  reads: number[][] = [];

  run<O>(subject: string | undefined, plan: (snapshot: GroupSnapshot) => GroupChange<O>): GroupChange<O> {
    const member = subject ? this.members.get(subject) : undefined;
    const snapshot = {
      state: this.state,
      members: new Map(member && subject ? [[subject, member]] : []),
      waits: new Map<number, WaitEntry>(),
    };
    const reads: number[] = [];
    for (;;) {
      try {
        const change = plan(snapshot);
        this.reads.push(reads);
        this.store(change);
        return change;
      } catch (error) {
        if (!(error instanceof MissingWaitEntry)) throw error;
        const entry = this.waits.get(error.seq);
        if (!entry) throw new Error(`asked for entry ${error.seq}, which is not stored`);
        reads.push(error.seq);
        snapshot.waits.set(error.seq, { ...entry });
      }
    }
  }

  private store(change: GroupChange<unknown>) {
    if (change.unchanged) {
      expect(change.events).toEqual([]);
      expect(change.members).toEqual([]);
      return;
    }
    // One DynamoDB transaction: the state, memberships, waitlist entries and outbox items.
    const items =
      1 + change.members.length + change.waitsPut.length + change.waitsDeleted.length + change.events.length;
    expect(items).toBeLessThanOrEqual(100);
    const written = [
      ...change.members.map((m) => `m:${m.membership.participantId}`),
      ...change.waitsPut.map((w) => `w:${w.seq}`),
      ...change.waitsDeleted.map((seq) => `w:${seq}`),
    ];
    expect(new Set(written).size, 'one operation per item').toBe(written.length);
    expect(change.expectedVersion).toBe(this.state.version);
    expect(change.state.version).toBe(this.state.version + 1);
    for (const { membership, expect: expected } of change.members) {
      const current = this.members.get(membership.participantId);
      if (expected === 'absent') expect(current).toBeUndefined();
      else expect(current?.place).toBe(expected);
      this.members.set(membership.participantId, membership);
    }
    for (const seq of change.waitsDeleted) expect(this.waits.delete(seq)).toBe(true);
    for (const entry of change.waitsPut) this.waits.set(entry.seq, { ...entry });
    for (const event of change.events) parseDetail(event.detailType, event.detail);
    this.events.push(...change.events);
    this.state = change.state;
  }

  join(seats: number, id: string, now = NOW) {
    return this.run(id, (s) => planJoin(ctx(seats, now), s, id));
  }
  leave(seats: number, id: string, now = NOW) {
    return this.run(id, (s) => planLeave(ctx(seats, now), s, id));
  }
  fill(seats: number) {
    return this.run(undefined, (s) => planFill(ctx(seats), s));
  }

  /** The waitlist from its head, checking every link both ways. */
  waitlist() {
    const order: string[] = [];
    let prev: number | undefined;
    for (let seq = this.state.headSeq; seq !== undefined; ) {
      const entry = this.waits.get(seq);
      if (!entry) throw new Error(`broken link to ${seq}`);
      expect(entry.prev).toBe(prev);
      if (prev !== undefined) expect(entry.seq).toBeGreaterThan(prev);
      order.push(entry.participantId);
      prev = seq;
      seq = entry.next;
    }
    expect(this.state.tailSeq).toBe(prev);
    return order;
  }

  /** Everything stored agrees with everything else. */
  checkConsistent() {
    const order = this.waitlist();
    expect(order).toHaveLength(this.state.waiting);
    expect(this.waits.size).toBe(this.state.waiting);
    const members = [...this.members.values()];
    expect(members.filter((m) => m.place === 'seat')).toHaveLength(this.state.seated);
    const waiting = members.filter((m) => m.place === 'waitlist');
    expect(new Set(waiting.map((m) => m.participantId))).toEqual(new Set(order));
    for (const m of waiting) expect(this.waits.get(m.seq ?? -1)?.participantId).toBe(m.participantId);
  }

  eventsOf(detailType: DetailType) {
    return this.events.filter((e) => e.detailType === detailType).map((e) => e.detail);
  }
}

const filled = (seats: number, people: string[]) => {
  const table = new Table();
  for (const id of people) table.join(seats, id);
  return table;
};

describe('joining a group', () => {
  it('seats members while seats are free, counting the seats left down to zero', () => {
    // Act
    const table = filled(3, ['ann', 'bo', 'cy']);

    // Assess
    expect(table.events).toEqual(
      ['ann', 'bo', 'cy'].map((participantId, i) => ({
        detailType: 'GroupJoined',
        detail: {
          version: 1,
          orgId: ORG,
          occurredAt: NOW.toISOString(),
          groupId: 'grief-circle',
          participantId,
          seatsLeft: 2 - i,
        },
      })),
    );
    expect(table.state).toEqual({ version: 3, seated: 3, waiting: 0, nextSeq: 1 });
    expect(table.members.get('bo')).toEqual({
      groupId: 'grief-circle',
      participantId: 'bo',
      place: 'seat',
      since: NOW.toISOString(),
    });
    table.checkConsistent();
  });

  it('puts members on the waitlist once every seat is taken, each told how many wait ahead of them', () => {
    // Act
    const table = filled(2, ['ann', 'bo', 'cy', 'di', 'ed']);

    // Assess
    expect(table.eventsOf('GroupWaitlisted')).toEqual([
      expect.objectContaining({ participantId: 'cy', position: 1 }),
      expect.objectContaining({ participantId: 'di', position: 2 }),
      expect.objectContaining({ participantId: 'ed', position: 3 }),
    ]);
    expect(table.waitlist()).toEqual(['cy', 'di', 'ed']);
    expect(table.members.get('di')).toMatchObject({ place: 'waitlist', seq: 2 });
    table.checkConsistent();
  });

  it('reads only the last entry of the waitlist to join its end', () => {
    // Prepare
    const table = filled(1, ['ann', 'bo', 'cy', 'di']);

    // Act
    table.join(1, 'ed');

    // Assess: the tail was entry 3 (di)
    expect(table.reads.at(-1)).toEqual([3]);
    expect(table.waits.get(3)).toMatchObject({ participantId: 'di', next: 4 });
    expect(table.waits.get(4)).toMatchObject({ participantId: 'ed', prev: 3 });
  });

  it('changes nothing when the same member joins again (a redelivered verification)', () => {
    // Prepare
    const table = filled(1, ['ann', 'bo']);

    // Act
    const seatedAgain = table.join(1, 'ann');
    const waitingAgain = table.join(1, 'bo');

    // Assess
    expect(seatedAgain).toMatchObject({ unchanged: true, outcome: { result: 'already', place: 'seat' } });
    expect(waitingAgain).toMatchObject({
      unchanged: true,
      outcome: { result: 'already', place: 'waitlist' },
    });
    expect(table.events).toHaveLength(2);
    expect(table.state.version).toBe(2);
  });

  it('does not seat again someone who has left, when their verification is replayed', () => {
    // Prepare
    const table = filled(2, ['ann']);
    table.leave(2, 'ann');

    // Act
    const replay = table.join(2, 'ann');

    // Assess
    expect(replay).toMatchObject({ unchanged: true, outcome: { result: 'already', place: 'left' } });
    expect(table.state.seated).toBe(0);
  });
});

describe('leaving a group', () => {
  it('gives a freed seat to the first waiting in the same change', () => {
    // Prepare
    const table = filled(2, ['ann', 'bo', 'cy', 'di']);
    const later = new Date('2025-04-09T10:00:00.000Z');

    // Act
    const change = table.leave(2, 'ann', later);

    // Assess
    expect(change.outcome).toEqual({ result: 'left', from: 'seat', promoted: ['cy'] });
    expect(change.events).toEqual([
      {
        detailType: 'GroupLeft',
        detail: expect.objectContaining({
          participantId: 'ann',
          from: 'seat',
          occurredAt: later.toISOString(),
        }),
      },
      { detailType: 'GroupJoined', detail: expect.objectContaining({ participantId: 'cy', seatsLeft: 0 }) },
    ]);
    expect(change.members).toEqual([
      {
        membership: {
          groupId: 'grief-circle',
          participantId: 'ann',
          place: 'left',
          since: later.toISOString(),
          leftFrom: 'seat',
        },
        expect: 'seat',
      },
      {
        membership: {
          groupId: 'grief-circle',
          participantId: 'cy',
          place: 'seat',
          since: later.toISOString(),
        },
        expect: 'waitlist',
      },
    ]);
    expect(change.waitsDeleted).toEqual([1]);
    expect(change.waitsPut).toEqual([{ seq: 2, participantId: 'di', since: NOW.toISOString() }]);
    expect(table.state).toMatchObject({ seated: 2, waiting: 1, headSeq: 2, tailSeq: 2 });
    table.checkConsistent();
  });

  it('frees the seat when nobody is waiting', () => {
    // Prepare
    const table = filled(3, ['ann', 'bo']);

    // Act
    const change = table.leave(3, 'bo');

    // Assess
    expect(change.outcome).toEqual({ result: 'left', from: 'seat', promoted: [] });
    expect(change.events.map((e) => e.detailType)).toEqual(['GroupLeft']);
    expect(table.state).toMatchObject({ seated: 1, waiting: 0 });
    expect(table.join(3, 'cy').outcome).toMatchObject({ result: 'seated', seatsLeft: 1 });
  });

  it('takes someone off the middle of the waitlist, linking their neighbours, and reads only those', () => {
    // Prepare
    const table = filled(1, ['ann', 'bo', 'cy', 'di']);

    // Act
    const change = table.leave(1, 'cy');

    // Assess
    expect(change.outcome).toEqual({ result: 'left', from: 'waitlist', promoted: [] });
    expect(change.events).toEqual([
      { detailType: 'GroupLeft', detail: expect.objectContaining({ participantId: 'cy', from: 'waitlist' }) },
    ]);
    expect(table.reads.at(-1)?.sort()).toEqual([1, 2, 3]);
    expect(table.waitlist()).toEqual(['bo', 'di']);
    expect(table.members.get('cy')).toMatchObject({ place: 'left', leftFrom: 'waitlist' });
    table.checkConsistent();

    // The next to join is told the line as it is now.
    expect(table.join(1, 'ed').outcome).toEqual({ result: 'waitlisted', position: 3, promoted: [] });
  });

  it.each([
    ['first', 'bo', ['cy', 'di']],
    ['last', 'di', ['bo', 'cy']],
  ])('takes the %s waiting off the waitlist', (_, who, rest) => {
    // Prepare
    const table = filled(1, ['ann', 'bo', 'cy', 'di']);

    // Act
    table.leave(1, who);

    // Assess
    expect(table.waitlist()).toEqual(rest);
    table.checkConsistent();
  });

  it('empties the waitlist when its only member leaves it', () => {
    // Prepare
    const table = filled(1, ['ann', 'bo']);

    // Act
    table.leave(1, 'bo');

    // Assess
    expect(table.state).toEqual({ version: 3, seated: 1, waiting: 0, nextSeq: 2 });
    expect(table.waits.size).toBe(0);
  });

  it('answers a second leave with already-left, and a stranger with not-member, changing nothing', () => {
    // Prepare
    const table = filled(1, ['ann']);
    table.leave(1, 'ann');
    const version = table.state.version;

    // Act
    const again = table.leave(1, 'ann');
    const stranger = table.leave(1, 'zed');

    // Assess
    expect(again).toMatchObject({ unchanged: true, outcome: { result: 'already-left' } });
    expect(stranger).toMatchObject({ unchanged: true, outcome: { result: 'not-member' } });
    expect(table.state.version).toBe(version);
  });
});

describe('when the organisation changes the seats', () => {
  it('unseats nobody when the seats are reduced, and gives no freed seat away while there are too many', () => {
    // Prepare: four seated, one waiting; then the group shrinks to two seats
    const table = filled(4, ['ann', 'bo', 'cy', 'di', 'ed']);

    // Act
    const newcomer = table.join(2, 'fay');
    const leaving = table.leave(2, 'ann');

    // Assess
    expect(newcomer.outcome).toEqual({ result: 'waitlisted', position: 2, promoted: [] });
    expect(leaving.outcome).toEqual({ result: 'left', from: 'seat', promoted: [] });
    expect(table.state).toMatchObject({ seated: 3, waiting: 2 });

    // Once the members seated are fewer than the seats, a freed seat goes to the first waiting again.
    table.leave(2, 'bo');
    expect(table.leave(2, 'cy').outcome).toEqual({ result: 'left', from: 'seat', promoted: ['ed'] });
    table.checkConsistent();
  });

  it('fills seats added later from the waitlist, in order, on the next fill', () => {
    // Prepare
    const table = filled(1, ['ann', 'bo', 'cy', 'di']);

    // Act
    const change = table.fill(3);

    // Assess
    expect(change.outcome).toEqual({ promoted: ['bo', 'cy'], more: false });
    expect(change.events).toEqual([
      { detailType: 'GroupJoined', detail: expect.objectContaining({ participantId: 'bo', seatsLeft: 1 }) },
      { detailType: 'GroupJoined', detail: expect.objectContaining({ participantId: 'cy', seatsLeft: 0 }) },
    ]);
    expect(table.waitlist()).toEqual(['di']);
    table.checkConsistent();
  });

  it('gives added seats to those waiting before a newcomer who joins', () => {
    // Prepare
    const table = filled(1, ['ann', 'bo', 'cy']);

    // Act: two seats more, one newcomer
    const change = table.join(3, 'di');

    // Assess
    expect(change.outcome).toEqual({ result: 'waitlisted', position: 1, promoted: ['bo', 'cy'] });
    expect(
      change.events.map((e) => [e.detailType, (e.detail as { participantId: string }).participantId]),
    ).toEqual([
      ['GroupJoined', 'bo'],
      ['GroupJoined', 'cy'],
      ['GroupWaitlisted', 'di'],
    ]);
    expect(table.waitlist()).toEqual(['di']);
    table.checkConsistent();
  });

  it('seats the newcomer too when the added seats outnumber those waiting', () => {
    // Prepare
    const table = filled(1, ['ann', 'bo']);

    // Act
    const change = table.join(4, 'cy');

    // Assess
    expect(change.outcome).toEqual({ result: 'seated', seatsLeft: 1, promoted: ['bo'] });
    expect(table.state).toMatchObject({ seated: 3, waiting: 0 });
    table.checkConsistent();
  });

  it('changes nothing when there is no free seat or nobody waits', () => {
    // Prepare
    const full = filled(1, ['ann', 'bo']);
    const empty = filled(5, ['ann']);

    // Act
    const noSeat = full.fill(1);
    const nobody = empty.fill(5);

    // Assess
    expect(noSeat).toMatchObject({ unchanged: true, outcome: { promoted: [], more: false } });
    expect(nobody).toMatchObject({ unchanged: true, outcome: { promoted: [], more: false } });
    expect(full.reads.at(-1)).toEqual([]);
  });

  it(`gives at most ${MAX_PROMOTIONS} seats in one change, and says when more remain`, () => {
    // Prepare: one seat, thirty waiting; then a hundred seats
    const table = filled(
      1,
      Array.from({ length: 31 }, (_, i) => `p${i}`),
    );

    // Act
    const first = table.fill(100);
    const second = table.fill(100);

    // Assess
    expect(first.outcome.promoted).toHaveLength(MAX_PROMOTIONS);
    expect(first.outcome.more).toBe(true);
    expect(second.outcome).toEqual({
      promoted: Array.from({ length: 30 - MAX_PROMOTIONS }, (_, i) => `p${i + 1 + MAX_PROMOTIONS}`),
      more: false,
    });
    expect(table.state).toMatchObject({ seated: 31, waiting: 0 });
    table.checkConsistent();
  });
});

describe('any sequence of joins, leaves and seat changes', () => {
  const step = fc.oneof(
    fc.record({ kind: fc.constant('join' as const), who: fc.integer({ min: 0, max: 11 }) }),
    fc.record({ kind: fc.constant('leave' as const), who: fc.integer({ min: 0, max: 11 }) }),
    fc.record({ kind: fc.constant('seats' as const), seats: fc.integer({ min: 0, max: 6 }) }),
    fc.record({ kind: fc.constant('fill' as const) }),
  );

  it('keeps the stored group consistent, never seats beyond the seats, and seats the waiting first come first', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.array(step, { maxLength: 60 }),
        (initialSeats, steps) => {
          const table = new Table();
          let seats = initialSeats;
          for (const s of steps) {
            if (s.kind === 'seats') {
              seats = s.seats;
              continue;
            }
            const waitingBefore = table.waitlist();
            const seatedBefore = table.state.seated;
            const change =
              s.kind === 'join'
                ? table.join(seats, `p${s.who}`)
                : s.kind === 'leave'
                  ? table.leave(seats, `p${s.who}`)
                  : table.fill(seats);

            // Nobody is seated beyond the seats (those seated before a reduction keep theirs).
            if (table.state.seated > seatedBefore) expect(table.state.seated).toBeLessThanOrEqual(seats);
            // Seats go to the longest waiting, in order.
            const outcome = change.outcome as { promoted?: string[] };
            const promoted = outcome.promoted ?? [];
            const stillWaiting = waitingBefore.filter((id) => id !== (s.kind === 'leave' ? `p${s.who}` : ''));
            expect(promoted).toEqual(stillWaiting.slice(0, promoted.length));
            // After any change, a seat is free only when nobody waits for it.
            if (!change.unchanged)
              expect(table.state.waiting === 0 || table.state.seated >= seats).toBe(true);
            table.checkConsistent();
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('group emails', () => {
  const vars = {
    brand: { orgName: 'Tom & Jerry <Club>', colour: '#116644' },
    firstName: 'Ada',
    groupName: 'Grief circle',
    leaveLink: 'https://api.kindred.test/v1/groups/leave?token=abc.def&x=1',
  };

  it.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [112, '112th'],
  ])('tells someone at position %i they are %s in line', (position, words) => {
    const email = groupWaitlistEmail.render({ ...vars, position });
    expect(email.subject).toBe(`You are number ${position} on the waitlist for Grief circle`);
    expect(email.text).toContain(`you are ${words} in line.`);
  });

  it('carries the leave link as is in the text part and escaped in the HTML part, with the names escaped', () => {
    const email = groupSeatEmail.render(vars);
    expect(email.text).toContain(`Give up my seat: ${vars.leaveLink}\n`);
    expect(email.html).toContain('href="https://api.kindred.test/v1/groups/leave?token=abc.def&#38;x=1"');
    expect(email.html).toContain('Tom &#38; Jerry &#60;Club&#62;');
    expect(email.html).not.toContain('<Club>');
  });

  const fact = { groupId: 'grief-circle', participantId: 'p-1', occurredAt: '2025-04-02T18:30:00.000Z' };

  it('keys each email on its fact, its time and its template version', () => {
    expect(planGroupEmail('GroupJoined', fact, 'seat')).toEqual({
      template: 'group-seat',
      key: 'GroupJoined:grief-circle:p-1:2025-04-02T18:30:00.000Z:group-seat:v1',
    });
    expect(planGroupEmail('GroupWaitlisted', fact, 'waitlist')).toEqual({
      template: 'group-waitlist',
      key: 'GroupWaitlisted:grief-circle:p-1:2025-04-02T18:30:00.000Z:group-waitlist:v1',
    });
  });

  it.each([
    ['GroupJoined', 'waitlist'],
    ['GroupJoined', 'left'],
    ['GroupJoined', undefined],
    ['GroupWaitlisted', 'seat'],
    ['GroupWaitlisted', 'left'],
  ] as const)('plans no %s email for someone whose place is now %s', (detailType, place) => {
    expect(planGroupEmail(detailType, fact, place)).toBeUndefined();
  });
});
