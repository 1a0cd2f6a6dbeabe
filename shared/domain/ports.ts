import type { OutgoingEvent } from '../events/catalogue';
import type { Organisation } from './organisation';
import type { Participant } from './participant';

/** What the use cases need from the outside world; adapters in shared/adapters implement them. */

export interface OrganisationStore {
  get(orgId: string): Promise<Organisation | undefined>;
}

export type RegisterResult = { created: true } | { created: false; existingParticipantId: string };

export interface ParticipantStore {
  /**
   * Stores the participant, the claim on its address and its event in one transaction; when the address is
   * already claimed at the organisation nothing is written and the holder's id comes back.
   */
  register(participant: Participant, event: OutgoingEvent): Promise<RegisterResult>;
  get(orgId: string, participantId: string): Promise<Participant | undefined>;
  /** Marks a pending participant verified together with its event; 'unchanged' if it already was. */
  markVerified(
    participant: Participant,
    verifiedAt: string,
    event: OutgoingEvent,
  ): Promise<'verified' | 'unchanged' | 'not-found'>;
}

export interface Outbox {
  /** An event with no state change of its own (e.g. a repeated signup), still published via the outbox. */
  publish(event: OutgoingEvent, now: Date): Promise<void>;
}

export interface IdGenerator {
  next(): string;
}

/** An item of the due index, as the sweep sees it. */
export interface DueEntry {
  pk: string;
  sk: string;
  duePk: string;
  dueKind: string;
  [attribute: string]: unknown;
}

export interface DueWorkStore {
  lastFinishedBucket(): Promise<string | undefined>;
  finishBucket(bucket: string): Promise<void>;
  due(bucket: string, until: Date): AsyncIterable<DueEntry>;
  handOver(
    entry: DueEntry,
    event: OutgoingEvent,
    now: Date,
    condition?: { expression: string; values: Record<string, unknown>; names?: Record<string, string> },
    /** Recurring work: the item's next due time (and attributes to set), instead of leaving the index. */
    rearm?: { duePk: string; dueSk: string; set: Record<string, unknown> },
  ): Promise<boolean>;
}
