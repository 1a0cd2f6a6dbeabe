/**
 * Erasure of one participant ("delete my data", or an organisation admin on request).
 *
 * Where a person's data is stored, by item kind (all in the organisation's partition `ORG#<org>` unless said):
 * - `PARTICIPANT#<id>`: profile, address, name, consent, matching state. Deleted.
 * - `EMAIL#<hash>`: the claim on their address, by its pseudonym, naming them. Deleted.
 * - `POOL#<program>#<role>#<id>`: their matching profile (tags, availability, city). Deleted.
 * - `MATCH#<id>`: ids of both people and the explanation, whose `shared` tags are the mentee's own words.
 *   Kept for the other person and for reports; the shared tags and availability windows are emptied.
 * - `MEETING#…`, `ANNIVERSARY#…`, `CHECKIN#…`, `MILESTONE#<match>#…`: ids, times and counts only. Kept.
 * - `MILESTONE#<id>#…`: their own milestones. Deleted.
 * - `FEEDBACK#<match>#<id>#…`: their ratings with free-text comments, and the rating history. Deleted; the
 *   ratings are kept in the tombstone, anonymously.
 * - `RECIPIENT#<id>`, `RECIPIENT#<id>#DIGESTS`, `RECIPIENT#<id>#DIGEST#…`: preferences, recent nudges and their
 *   digests (subjects and links of folded emails). Deleted.
 * - `DEFERRED#…`: emails waiting for their time, rendered, with the address. Theirs are deleted; another
 *   person's waiting email that names them (an email about the ended match) is deleted too: it is stale.
 * - Another person's digest entries that name them are dropped from that digest.
 * - `GROUP#<g>#MEMBER#<id>` and `GROUP#<g>#WAIT#…`: seats and waitlist places. Left through the group rules
 *   first (the next waiting person takes the seat), then deleted.
 * - `ERASED#<id>`: the tombstone this writes: program, role, the status reached, days and rating counts only.
 * Outside the organisation's partition:
 * - `IDEMPOTENCY#email`: Powertools records of sent emails: an MD5 of the email's key (ids), the SES message
 *   id and the send time. No personal data, and deleting them would let a redelivery send again: kept (TTL).
 * - `OUTBOX#…`: ids only, deleted by the relay or by TTL within days. Kept.
 * - `SUPPRESSION#<hash>`: a bounced or complaining address by its pseudonym: kept, a legal interest (never
 *   mailing an address that asked not to be mailed outlives the person's record).
 * - `RATE#…`: counters by a client address's pseudonym, expiring within the hour. Not linkable to them.
 */
import type { OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import { type LeaveClaims, leaveGroup } from './groups';
import type { Match, MatchRole } from './match';
import { endMatch, type MatchingDeps } from './matching';
import type { Participant } from './participant';
import type { OrganisationStore, ParticipantStore } from './ports';

/** A stored item as the erasure reads it. */
export type StoredItem = { pk: string; sk: string } & Record<string, unknown>;
export type ItemKey = { pk: string; sk: string };

/** What a reader of reports may still count about an erased person: nothing that names or describes them. */
export interface Tombstone {
  programId: string;
  role: Participant['role'];
  /** How far they got: signed up, verified, or matched at least once. */
  reached: 'signed-up' | 'verified' | 'matched';
  matches: number;
  /** Their ratings of meetings, without who or which. */
  ratings: number[];
  signedUpOn: string;
  verifiedOn?: string;
  erasedOn: string;
}

export interface ErasurePlan {
  deletes: ItemKey[];
  /** Items kept in their new form (shared items with the person's words taken out). */
  rewrites: StoredItem[];
  tombstone: Tombstone;
}

export interface ErasureStore {
  /** Every item of the organisation that may hold the person's data (see the map above). */
  itemsNaming(orgId: string, participantId: string): Promise<StoredItem[]>;
  erased(orgId: string, participantId: string): Promise<Tombstone | undefined>;
  /**
   * Marks the person as being erased, before anything else changes: they stop seeking (a matcher that read them
   * before loses its conditional write) and emails rendered meanwhile name them by role only.
   */
  markErasing(person: Participant, now: Date): Promise<void>;
  /** Deletes and rewrites, then the tombstone with its event in one write; false when already erased. */
  apply(
    orgId: string,
    participantId: string,
    plan: ErasurePlan,
    event: OutgoingEvent,
    now: Date,
  ): Promise<boolean>;
}

export interface ErasureDeps extends MatchingDeps {
  participants: Pick<ParticipantStore, 'get'>;
  organisations: OrganisationStore;
  groups: Parameters<typeof leaveGroup>[0]['groups'];
  erasure: ErasureStore;
}

const day = (iso: string | undefined) => iso?.slice(0, 10);

/** The person's words as they could appear anywhere: address, full name and each part of it. */
const identifiers = (person: Participant) => {
  const words = person.name.split(/\s+/).filter((word) => word.length >= 2);
  return [person.email, person.email.toLowerCase(), person.name, ...words];
};

export const mentions = (item: unknown, person: Participant) => {
  const text = JSON.stringify(item);
  return identifiers(person).some((value) => text.includes(value));
};

const ownSk = (sk: string, id: string) =>
  sk === `PARTICIPANT#${id}` ||
  sk === `RECIPIENT#${id}` ||
  sk.startsWith(`RECIPIENT#${id}#`) ||
  sk.startsWith(`MILESTONE#${id}#`) ||
  (sk.startsWith('POOL#') && sk.endsWith(`#${id}`)) ||
  (sk.startsWith('FEEDBACK#') && sk.includes(`#${id}#`)) ||
  (sk.startsWith('GROUP#') && sk.endsWith(`#MEMBER#${id}`));

/** Which of the items go, which are kept in a new form, and the anonymous tombstone left behind. */
export const planErasure = (person: Participant, items: readonly StoredItem[], now: Date): ErasurePlan => {
  const id = person.participantId;
  const deletes: ItemKey[] = [];
  const rewrites: StoredItem[] = [];
  const ratings: number[] = [];
  const matchIds = new Set<string>();
  for (const item of items) {
    const { pk, sk } = item;
    if (sk.startsWith('FEEDBACK#') && sk.includes(`#${id}#MEETING#`) && typeof item.rating === 'number') {
      ratings.push(item.rating);
    }
    if (sk.startsWith('MATCH#') && (item.mentorId === id || item.menteeId === id)) {
      matchIds.add(String(item.matchId ?? sk.slice('MATCH#'.length)));
      rewrites.push(withoutTheirWords(item));
      continue;
    }
    const theirs =
      ownSk(sk, id) ||
      item.participantId === id ||
      // Another person's waiting email about them (say, their ended match) is stale now.
      (sk.startsWith('DEFERRED#') && mentions(item, person));
    if (theirs) {
      deletes.push({ pk, sk });
      continue;
    }
    // A digest keeps its entries as a map by fold id (shared/data/digests.ts).
    if (sk.startsWith('RECIPIENT#') && sk.includes('#DIGEST#') && isMap(item.entries)) {
      const kept = Object.entries(item.entries).filter(([, entry]) => !mentions(entry, person));
      if (kept.length !== Object.keys(item.entries).length) {
        rewrites.push({ ...item, entries: Object.fromEntries(kept) });
      }
    }
  }
  const matched = matchIds.size > 0 || (person.matching?.endedWith.length ?? 0) > 0;
  return {
    deletes,
    rewrites,
    tombstone: {
      programId: person.programId,
      role: person.role,
      reached: matched ? 'matched' : person.status === 'verified' ? 'verified' : 'signed-up',
      matches: matchIds.size,
      ratings,
      signedUpOn: day(person.createdAt) ?? '',
      ...(person.verifiedAt ? { verifiedOn: day(person.verifiedAt) } : {}),
      erasedOn: day(now.toISOString()) ?? '',
    },
  };
};

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A match keeps both ids (the other person's history) but not what the mentee wrote about themselves. */
const withoutTheirWords = (item: StoredItem): StoredItem => {
  const explanation = item.explanation as Record<string, unknown> | undefined;
  if (!explanation) return item;
  const overlap = explanation.overlap as Record<string, unknown> | undefined;
  return {
    ...item,
    explanation: {
      ...explanation,
      shared: { experiences: [], interests: [], goals: [] },
      ...(overlap ? { overlap: { ...overlap, windows: [] } } : {}),
    },
  };
};

export const erasureParticipantNotFound = () =>
  new Problem(404, 'participant-not-found', 'There is no such participant', undefined, [
    { pointer: '/participantId', detail: 'Unknown participant at this organisation' },
  ]);

/** Problems a step may raise when another request got there first: the state we want already holds. */
const settled = (error: unknown) => error instanceof Problem && error.status === 410;

/**
 * Erases a person: their active matches end ('participant-left', so the other person is told and goes back
 * to the pool), they leave their groups (the next waiting person takes the seat), then every item holding
 * their data is deleted or rewritten and an anonymous tombstone is left with ParticipantErased. Erasing again
 * changes nothing.
 */
export const eraseParticipant = async (
  deps: ErasureDeps,
  ref: { orgId: string; participantId: string },
  now: Date,
): Promise<{ status: 'erased' | 'already-erased'; person?: Participant; endedMatches: Match[] }> => {
  const person = await deps.matching.participant(ref.orgId, ref.participantId);
  if (!person) {
    if (await deps.erasure.erased(ref.orgId, ref.participantId)) {
      return { status: 'already-erased', endedMatches: [] };
    }
    throw erasureParticipantNotFound();
  }
  await deps.erasure.markErasing(person, now);
  // Read again after the mark: a match made before it is ended too, and none can be made after it.
  const marked = (await deps.matching.participant(ref.orgId, ref.participantId)) ?? person;
  const role = person.role;
  const endedMatches: Match[] = [];
  for (const matchId of marked.matching?.activeMatchIds ?? []) {
    const ended = await endMatch(
      deps,
      {
        orgId: ref.orgId,
        matchId,
        reason: 'participant-left',
        endedBy: role as MatchRole,
        participantId: ref.participantId,
      },
      now,
    ).catch((error) => {
      if (!settled(error)) throw error;
    });
    if (ended) endedMatches.push(ended);
  }
  for (const item of await deps.erasure.itemsNaming(ref.orgId, ref.participantId)) {
    const member = /^GROUP#(.+)#MEMBER#(.+)$/.exec(item.sk);
    if (!member?.[1] || member[2] !== ref.participantId || item.place === 'left') continue;
    const claims: LeaveClaims = { orgId: ref.orgId, groupId: member[1], participantId: ref.participantId };
    await leaveGroup(deps, claims, now).catch((error) => {
      if (!settled(error)) throw error;
    });
  }
  // Read again: ending and leaving changed the items.
  const items = await deps.erasure.itemsNaming(ref.orgId, ref.participantId);
  const plan = planErasure(person, items, now);
  const event: OutgoingEvent<'ParticipantErased'> = {
    detailType: 'ParticipantErased',
    detail: {
      version: 1,
      orgId: ref.orgId,
      occurredAt: now.toISOString(),
      participantId: ref.participantId,
      programId: person.programId,
    },
  };
  const done = await deps.erasure.apply(ref.orgId, ref.participantId, plan, event, now);
  return { status: done ? 'erased' : 'already-erased', person, endedMatches };
};
