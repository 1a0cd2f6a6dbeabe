import { beforeEach, describe, expect, it } from 'vitest';
import { UNVERIFIED_TTL_SECONDS } from '../../shared/data/participants';
import type { Participant } from '../../shared/domain/participant';
import type { ParticipantStore, RegisterResult } from '../../shared/domain/ports';
import { VERIFY_TOKEN_TTL_SECONDS, verifyParticipant } from '../../shared/domain/verify';
import { catalogue, type OutgoingEvent } from '../../shared/events/catalogue';
import { Problem } from '../../shared/http/problem';
import { ORG_ID, participant } from '../fixtures/domain';

/** An in-memory participant store that behaves like the DynamoDB one: verifies a pending participant once. */
class MemoryParticipants implements ParticipantStore {
  readonly participants = new Map<string, Participant>();
  readonly events: OutgoingEvent[] = [];
  markVerifiedCalls = 0;
  /** Lets a test play a concurrent change between `get` and `markVerified`. */
  beforeMark?: () => void;

  async register(): Promise<RegisterResult> {
    throw new Error('not used by verifyParticipant');
  }

  async get(orgId: string, participantId: string) {
    const found = this.participants.get(participantId);
    return found?.orgId === orgId ? found : undefined;
  }

  async markVerified(p: Participant, verifiedAt: string, event: OutgoingEvent) {
    this.markVerifiedCalls++;
    this.beforeMark?.();
    const current = this.participants.get(p.participantId);
    if (!current) return 'not-found' as const;
    if (current.status === 'verified') return 'unchanged' as const;
    this.participants.set(p.participantId, { ...current, status: 'verified', verifiedAt });
    this.events.push(event);
    return 'verified' as const;
  }
}

const NOW = new Date('2025-03-15T07:00:00.000Z');
let store: MemoryParticipants;
const pending = participant({ role: 'mentor', programId: 'grief-circle' });
const claims = { orgId: ORG_ID, participantId: pending.participantId };

beforeEach(() => {
  store = new MemoryParticipants();
});

describe('verifyParticipant', () => {
  it('marks a pending participant verified and emits ParticipantVerified with ids only', async () => {
    // Prepare
    store.participants.set(pending.participantId, pending);

    // Act
    const outcome = await verifyParticipant(store, claims, NOW);

    // Assess
    expect(outcome).toBe('verified');
    expect(store.participants.get(pending.participantId)).toMatchObject({
      status: 'verified',
      verifiedAt: NOW.toISOString(),
    });
    expect(store.events).toEqual([
      {
        detailType: 'ParticipantVerified',
        detail: {
          version: 1,
          orgId: ORG_ID,
          occurredAt: NOW.toISOString(),
          participantId: pending.participantId,
          programId: 'grief-circle',
          role: 'mentor',
        },
      },
    ]);
    expect(catalogue.ParticipantVerified.safeParse(store.events[0]?.detail).success).toBe(true);
    expect(JSON.stringify(store.events)).not.toContain(pending.email);
  });

  it('answers already-verified for a verified participant without writing or emitting anything', async () => {
    // Prepare
    store.participants.set(pending.participantId, {
      ...pending,
      status: 'verified',
      verifiedAt: '2025-03-14T10:00:00.000Z',
    });

    // Act
    const outcome = await verifyParticipant(store, claims, NOW);

    // Assess
    expect(outcome).toBe('already-verified');
    expect(store.markVerifiedCalls).toBe(0);
    expect(store.events).toEqual([]);
    expect(store.participants.get(pending.participantId)?.verifiedAt).toBe('2025-03-14T10:00:00.000Z');
  });

  it('answers already-verified when a concurrent click verified the participant first', async () => {
    // Prepare
    store.participants.set(pending.participantId, pending);
    store.beforeMark = () =>
      store.participants.set(pending.participantId, { ...pending, status: 'verified' });

    // Act
    const outcome = await verifyParticipant(store, claims, NOW);

    // Assess
    expect(outcome).toBe('already-verified');
    expect(store.events).toEqual([]);
  });

  it('refuses a link whose signup is gone with a 410 problem', async () => {
    // Act
    const error = await verifyParticipant(store, claims, NOW).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).status).toBe(410);
    expect((error as Problem).toJSON().type).toBe('urn:kindred:problem:signup-gone');
    expect(store.markVerifiedCalls).toBe(0);
  });

  it('refuses with 410 when the signup disappears between reading and verifying', async () => {
    // Prepare
    store.participants.set(pending.participantId, pending);
    store.beforeMark = () => store.participants.delete(pending.participantId);

    // Act
    const error = await verifyParticipant(store, claims, NOW).catch((e: unknown) => e);

    // Assess
    expect((error as Problem).status).toBe(410);
    expect(store.events).toEqual([]);
  });

  it('does not verify a participant of another organisation with the same id', async () => {
    // Prepare
    store.participants.set(pending.participantId, pending);

    // Act
    const error = await verifyParticipant(store, { ...claims, orgId: 'another-org' }, NOW).catch(
      (e: unknown) => e,
    );

    // Assess
    expect((error as Problem).status).toBe(410);
    expect(store.participants.get(pending.participantId)?.status).toBe('pending');
  });

  it('keeps a link valid exactly as long as an unverified signup is kept', () => {
    expect(VERIFY_TOKEN_TTL_SECONDS).toBe(UNVERIFIED_TTL_SECONDS);
  });
});
