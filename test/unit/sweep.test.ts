import { beforeEach, describe, expect, it } from 'vitest';
import { outboxItem } from '../../shared/data/outbox';
import type { DueEntry, DueWorkStore } from '../../shared/domain/ports';
import { sweepDueWork } from '../../shared/domain/sweep';
import { type OutgoingEvent, parseDetail } from '../../shared/events/catalogue';
import { ORG_ID } from '../fixtures/domain';
import { detailExamples } from '../fixtures/event-details';

type Item = { pk: string; sk: string; [attribute: string]: unknown };
type Condition = Parameters<DueWorkStore['handOver']>[3];

/**
 * The due index in memory, keeping the promises the port makes: `due` gives a bucket's items due by a moment,
 * `handOver` takes an item off the index and records its event only while the item is still in that bucket
 * and its condition holds, and the cursor only moves forward.
 */
class MemoryDueWork implements DueWorkStore {
  readonly items = new Map<string, Item>();
  readonly handedOver: { event: OutgoingEvent; now: Date; sk: string }[] = [];
  readonly finished: string[] = [];
  cursor: string | undefined;

  constructor(items: Item[] = [], cursor?: string) {
    for (const item of items) this.items.set(`${item.pk}|${item.sk}`, structuredClone(item));
    this.cursor = cursor;
  }

  async lastFinishedBucket() {
    return this.cursor;
  }

  async finishBucket(bucket: string) {
    this.finished.push(bucket);
    if (this.cursor === undefined || this.cursor < bucket) this.cursor = bucket;
  }

  async *due(bucket: string, until: Date): AsyncGenerator<DueEntry> {
    const due = [...this.items.values()]
      .filter((item) => item.duePk === bucket && dueAt(item) <= until.getTime())
      .sort((a, b) => dueAt(a) - dueAt(b));
    for (const item of due) yield structuredClone(item) as DueEntry;
  }

  async handOver(
    entry: DueEntry,
    event: OutgoingEvent,
    now: Date,
    condition?: Condition,
    rearm?: Parameters<DueWorkStore['handOver']>[4],
  ) {
    const item = this.items.get(`${entry.pk}|${entry.sk}`);
    if (!item || item.duePk !== entry.duePk || item.dueSk !== entry.dueSk) return false;
    if (condition && !holds(condition, item)) return false;
    if (rearm) {
      Object.assign(item, rearm.set, { duePk: rearm.duePk, dueSk: rearm.dueSk });
    } else {
      delete item.duePk;
      delete item.dueSk;
      delete item.dueKind;
    }
    this.handedOver.push({ event, now, sk: item.sk });
    return true;
  }

  stillDue() {
    return [...this.items.values()].filter((item) => item.duePk !== undefined).map((item) => item.sk);
  }
}

const dueAt = (item: Item) => Date.parse(String(item.dueSk).split('#')[0] ?? '');

/** Evaluates the conditions this fake understands (`a = b AND ...`), and refuses any other. */
const holds = ({ expression, values, names = {} }: NonNullable<Condition>, item: Item) =>
  expression.split(' AND ').every((clause) => {
    const match = /^\(?\s*([#:]?\w+)\s*=\s*([#:]?\w+)\s*\)?$/.exec(clause);
    if (!match) throw new Error(`the fake cannot evaluate ${clause}`);
    const operand = (token: string) => {
      if (token.startsWith(':')) {
        if (!(token in values)) throw new Error(`no value for ${token}`);
        return values[token];
      }
      const name = token.startsWith('#') ? names[token] : token;
      if (name === undefined) throw new Error(`no name for ${token}`);
      return item[name];
    };
    return operand(match[1] as string) === operand(match[2] as string);
  });

/** A participant as stored, still unconfirmed, with its reminder on the due index. */
const pendingParticipant = (participantId: string, due: string, overrides: Partial<Item> = {}): Item => ({
  pk: `ORG#${ORG_ID}`,
  sk: `PARTICIPANT#${participantId}`,
  orgId: ORG_ID,
  participantId,
  programId: 'youth-mentoring',
  role: 'mentee',
  status: 'pending',
  email: `${participantId}@example.org`,
  createdAt: new Date(Date.parse(due) - 48 * 3_600_000).toISOString(),
  duePk: `DUE#${due.slice(0, 13)}`,
  dueSk: `${due}#verify-reminder#${ORG_ID}#${participantId}`,
  dueKind: 'verify-reminder',
  ...overrides,
});

/** An item of a kind this code does not know yet, e.g. written by a newer version. */
const futureKind = (id: string, due: string): Item => ({
  pk: `ORG#${ORG_ID}`,
  sk: `MEETING#${id}`,
  duePk: `DUE#${due.slice(0, 13)}`,
  dueSk: `${due}#survey-due#${ORG_ID}#${id}`,
  dueKind: 'survey-due',
});

const NOW = new Date('2026-03-10T12:20:00.000Z');

let store: MemoryDueWork;

beforeEach(() => {
  store = new MemoryDueWork();
});

describe('sweepDueWork', () => {
  it('hands each item due by now over to its event, from every unfinished bucket', async () => {
    // Prepare
    store = new MemoryDueWork(
      [
        pendingParticipant('p-10', '2026-03-10T10:15:00.000Z'),
        pendingParticipant('p-11', '2026-03-10T11:59:59.999Z'),
        pendingParticipant('p-12', '2026-03-10T12:20:00.000Z'),
      ],
      'DUE#2026-03-10T09',
    );

    // Act
    const counts = await sweepDueWork(store, NOW);

    // Assess
    expect(counts).toEqual({ due: 3, handedOver: 3, unknown: 0 });
    expect(store.handedOver.map((h) => h.sk)).toEqual([
      'PARTICIPANT#p-10',
      'PARTICIPANT#p-11',
      'PARTICIPANT#p-12',
    ]);
    expect(store.stillDue()).toEqual([]);
  });

  it('announces a reminder as VerificationReminderDue, version 1, occurring at the time of the sweep', async () => {
    // Prepare
    store = new MemoryDueWork([pendingParticipant('p-1', '2026-03-10T11:00:00.000Z')], 'DUE#2026-03-10T10');

    // Act
    await sweepDueWork(store, NOW);

    // Assess
    expect(store.handedOver).toHaveLength(1);
    const [{ event, now }] = store.handedOver as [(typeof store.handedOver)[number]];
    expect(now).toEqual(NOW);
    expect(event).toEqual({
      detailType: 'VerificationReminderDue',
      detail: {
        version: 1,
        orgId: ORG_ID,
        participantId: 'p-1',
        programId: 'youth-mentoring',
        occurredAt: '2026-03-10T12:20:00.000Z',
      },
    });
    expect(() => parseDetail(event.detailType, event.detail)).not.toThrow();
  });

  it('leaves items due later in the current hour for the next sweep, which hands them over', async () => {
    // Prepare
    store = new MemoryDueWork(
      [
        pendingParticipant('p-now', '2026-03-10T12:20:00.000Z'),
        pendingParticipant('p-next-ms', '2026-03-10T12:20:00.001Z'),
        pendingParticipant('p-later', '2026-03-10T12:45:00.000Z'),
      ],
      'DUE#2026-03-10T11',
    );

    // Act
    const first = await sweepDueWork(store, NOW);
    const stillDueAfterFirst = store.stillDue();
    const second = await sweepDueWork(store, new Date('2026-03-10T13:00:00.000Z'));

    // Assess
    expect(first).toEqual({ due: 1, handedOver: 1, unknown: 0 });
    expect(stillDueAfterFirst.sort()).toEqual(['PARTICIPANT#p-later', 'PARTICIPANT#p-next-ms']);
    expect(second).toEqual({ due: 2, handedOver: 2, unknown: 0 });
    expect(store.handedOver.map((h) => h.sk)).toEqual([
      'PARTICIPANT#p-now',
      'PARTICIPANT#p-next-ms',
      'PARTICIPANT#p-later',
    ]);
  });

  it('moves the cursor over every finished hour but never over the current one, in one write', async () => {
    // Prepare
    store = new MemoryDueWork([], 'DUE#2026-03-10T08');

    // Act
    await sweepDueWork(store, NOW);

    // Assess
    expect(store.finished).toEqual(['DUE#2026-03-10T11']);
    expect(store.cursor).toBe('DUE#2026-03-10T11');
  });

  it('on its first run reads back a day, and finishes those hours', async () => {
    // Prepare
    store = new MemoryDueWork([
      pendingParticipant('p-too-old', '2026-03-09T11:59:59.999Z'),
      pendingParticipant('p-a-day-ago', '2026-03-09T12:00:00.000Z'),
    ]);

    // Act
    const counts = await sweepDueWork(store, NOW);

    // Assess
    expect(counts).toEqual({ due: 1, handedOver: 1, unknown: 0 });
    expect(store.handedOver.map((h) => h.sk)).toEqual(['PARTICIPANT#p-a-day-ago']);
    expect(store.finished).toEqual(['DUE#2026-03-10T11']);
  });

  it('does not remind someone who confirmed meanwhile, and still finishes the bucket', async () => {
    // Prepare: the confirmation and the sweep raced; the item is still on the index
    store = new MemoryDueWork(
      [pendingParticipant('p-1', '2026-03-10T11:00:00.000Z', { status: 'verified' })],
      'DUE#2026-03-10T10',
    );

    // Act
    const counts = await sweepDueWork(store, NOW);

    // Assess
    expect(counts).toEqual({ due: 1, handedOver: 0, unknown: 0 });
    expect(store.handedOver).toEqual([]);
    expect(store.cursor).toBe('DUE#2026-03-10T11');
  });

  it('hands nothing over twice when it runs again', async () => {
    // Prepare
    store = new MemoryDueWork(
      [
        pendingParticipant('p-1', '2026-03-10T09:30:00.000Z'),
        pendingParticipant('p-2', '2026-03-10T12:00:00.000Z'),
      ],
      'DUE#2026-03-10T08',
    );
    await sweepDueWork(store, NOW);

    // Act: the same schedule delivered again, and a sweep whose cursor write was lost
    const again = await sweepDueWork(store, NOW);
    store.cursor = 'DUE#2026-03-10T08';
    const fromOldCursor = await sweepDueWork(store, NOW);

    // Assess
    expect(again).toEqual({ due: 0, handedOver: 0, unknown: 0 });
    expect(fromOldCursor).toEqual({ due: 0, handedOver: 0, unknown: 0 });
    expect(store.handedOver.map((h) => h.sk)).toEqual(['PARTICIPANT#p-1', 'PARTICIPANT#p-2']);
  });

  describe('an item of a kind it does not know', () => {
    it('is counted and left on the index', async () => {
      // Prepare
      store = new MemoryDueWork([futureKind('m-1', '2026-03-10T11:00:00.000Z')], 'DUE#2026-03-10T10');

      // Act
      const counts = await sweepDueWork(store, NOW);

      // Assess
      expect(counts).toEqual({ due: 1, handedOver: 0, unknown: 1 });
      expect(store.handedOver).toEqual([]);
      expect(store.stillDue()).toEqual(['MEETING#m-1']);
    });

    it('keeps its bucket open: the cursor stays before it', async () => {
      // Prepare
      store = new MemoryDueWork([futureKind('m-1', '2026-03-10T11:00:00.000Z')], 'DUE#2026-03-10T09');

      // Act
      await sweepDueWork(store, NOW);

      // Assess
      expect(store.finished).not.toContain('DUE#2026-03-10T11');
      expect(store.cursor).toBe('DUE#2026-03-10T10');
    });

    it('keeps its bucket open even when later buckets finish, so the next sweep reads it again', async () => {
      // Prepare
      store = new MemoryDueWork(
        [
          futureKind('m-1', '2026-03-10T10:00:00.000Z'),
          pendingParticipant('p-1', '2026-03-10T11:00:00.000Z'),
        ],
        'DUE#2026-03-10T08',
      );

      // Act
      const first = await sweepDueWork(store, NOW);
      const cursorAfterFirst = store.cursor;
      const next = await sweepDueWork(store, new Date('2026-03-10T13:00:00.000Z'));

      // Assess
      expect(first).toEqual({ due: 2, handedOver: 1, unknown: 1 });
      expect(cursorAfterFirst).toBe('DUE#2026-03-10T09');
      expect(next).toEqual({ due: 1, handedOver: 0, unknown: 1 });
      expect(store.cursor).toBe('DUE#2026-03-10T09');
      expect(store.handedOver.map((h) => h.sk)).toEqual(['PARTICIPANT#p-1']);
    });
  });

  it('writes again an outbox item the relay never published, after the stream gave up on it, with the same event', async () => {
    // Prepare: an outbox item written at 09:00 and never deleted by the relay
    const written = new Date('2026-03-10T09:00:00.000Z');
    const event = { detailType: 'ParticipantVerified', detail: detailExamples.ParticipantVerified } as const;
    const item = outboxItem(event, written);
    const store = new MemoryDueWork([item], 'DUE#2026-03-10T08');

    // Act: a sweep while the stream may still publish it (its mapping gives up after an hour), and one after
    const early = await sweepDueWork(store, new Date('2026-03-10T10:14:00.000Z'));
    const late = await sweepDueWork(store, new Date('2026-03-10T11:00:00.000Z'));

    // Assess
    expect(early.handedOver).toBe(0);
    expect(late.handedOver).toBe(1);
    expect(store.handedOver).toEqual([
      {
        event: { detailType: 'ParticipantVerified', detail: event.detail },
        now: expect.any(Date),
        sk: 'EVENT',
      },
    ]);
    expect(store.stillDue()).toEqual([]);
  });
});

describe('anniversaries', () => {
  it('a pair reaches one, three, six and twelve months together, each once, however often the sweep runs', async () => {
    // Prepare
    const matchedAt = '2026-01-31T10:00:00.000Z';
    const store = new MemoryDueWork([
      {
        pk: `ORG#${ORG_ID}`,
        sk: 'ANNIVERSARY#m-1',
        orgId: ORG_ID,
        matchId: 'm-1',
        mentorId: 'p-2',
        menteeId: 'p-1',
        matchedAt,
        months: 1,
        duePk: 'DUE#2026-02-28T10',
        dueSk: `2026-02-28T10:00:00.000Z#anniversary#${ORG_ID}#m-1`,
        dueKind: 'anniversary',
      },
    ]);

    // Act: daily sweeps for a year and a bit, each one twice
    for (let day = 1; day <= 400; day++) {
      const now = new Date(Date.parse(matchedAt) + day * 86_400_000);
      await sweepDueWork(store, now);
      await sweepDueWork(store, now);
    }

    // Assess
    const reached = store.handedOver.map(({ event, now }) => [
      (event.detail as { milestone: string }).milestone,
      now.toISOString().slice(0, 10),
    ]);
    expect(reached).toEqual([
      ['months-1', '2026-02-28'],
      ['months-3', '2026-04-30'], // 31 January plus three months: the end of the shorter April
      ['months-6', '2026-07-31'],
      ['months-12', '2027-01-31'],
    ]);
    for (const { event } of store.handedOver) {
      expect(parseDetail('MilestoneReached', event.detail).participantIds).toEqual(['p-2', 'p-1']);
    }
    expect(store.stillDue()).toEqual([]);
  });
});
