import type { EventDetail, OutgoingEvent } from '../events/catalogue';
import { Problem, problems } from '../http/problem';
import { findProgram, type Organisation, type PeerGroup } from './organisation';
import type { OrganisationStore, ParticipantStore } from './ports';

/**
 * Peer-support groups: a member takes a free seat or joins the waitlist, and a freed seat goes to the first
 * waiting. Pure rules: given what is stored about one group, each use case works out the group's next state,
 * the items it changes and the events it emits; shared/data/groups.ts stores all of it in one transaction.
 *
 * The waitlist is a doubly linked list of entries numbered in the order people joined it: the group's state
 * knows its head and tail, and each entry its neighbours. So the first waiting, the last, and whoever leaves
 * from the middle are all found by key, without a query.
 */

/** A group's counters, changed only by transactions conditioned on `version`. */
export interface GroupState {
  /** 0 until the group's first change is stored. */
  version: number;
  seated: number;
  waiting: number;
  /** The number the next waitlist entry gets. */
  nextSeq: number;
  /** The first and last waiting (waitlist entry numbers); absent when nobody waits. */
  headSeq?: number;
  tailSeq?: number;
  /** Once closed, nobody is seated any more and no sessions are planned. */
  closedAt?: string;
  closedBy?: ClosedBy;
}

export type ClosedBy = EventDetail<'GroupClosed'>['closedBy'];

export type Place = 'seat' | 'waitlist' | 'left';

/** One person's place in one group. A `left` membership is kept a while, so a replayed signup seats nobody. */
export interface Membership {
  groupId: string;
  participantId: string;
  place: Place;
  /** When the person took this place. */
  since: string;
  /** Their waitlist entry, while waiting. */
  seq?: number;
  /** Where they left from, once left. */
  leftFrom?: 'seat' | 'waitlist';
}

/** One place on the waitlist. */
export interface WaitEntry {
  seq: number;
  participantId: string;
  since: string;
  prev?: number;
  next?: number;
}

/** What is known of a group when a use case runs: its state, the memberships and waitlist entries read. */
export interface GroupSnapshot {
  state: GroupState;
  members: ReadonlyMap<string, Membership>;
  waits: ReadonlyMap<number, WaitEntry>;
}

export interface GroupContext {
  orgId: string;
  group: PeerGroup;
  now: Date;
}

/** Thrown when a rule needs a waitlist entry the snapshot does not hold: read it and run the rule again. */
export class MissingWaitEntry extends Error {
  constructor(readonly seq: number) {
    super(`waitlist entry ${seq} was not read`);
    this.name = 'MissingWaitEntry';
  }
}

/** What a membership write expects to find, so a change made on a stale read cannot land. */
export type MembershipExpectation = 'absent' | Exclude<Place, 'left'>;

export interface GroupChange<O> {
  outcome: O;
  /** Nothing to store (the outcome says why). */
  unchanged: boolean;
  /** The state to store, its version one above the one read. */
  state: GroupState;
  /** The state's version as read (0: never stored). */
  expectedVersion: number;
  members: { membership: Membership; expect: MembershipExpectation }[];
  waitsPut: WaitEntry[];
  waitsDeleted: number[];
  events: OutgoingEvent[];
}

export type JoinOutcome =
  | { result: 'seated'; seatsLeft: number; promoted: string[] }
  | { result: 'waitlisted'; position: number; promoted: string[] }
  | { result: 'already'; place: Place }
  | { result: 'group-closed' };

export type LeaveOutcome =
  | { result: 'left'; from: 'seat' | 'waitlist'; promoted: string[] }
  | { result: 'already-left' }
  | { result: 'not-member' };

export type CloseOutcome = { result: 'closed' | 'already-closed'; closedAt: string };

export interface FillOutcome {
  promoted: string[];
  /** More seats may be filled by another change (a change gives at most MAX_PROMOTIONS seats). */
  more: boolean;
}

/** Seats one change gives from the waitlist, so a transaction stays well within DynamoDB's 100 items. */
export const MAX_PROMOTIONS = 20;

/** Seats free now; none when the organisation reduced the seats below the members seated. */
export const freeSeats = (seats: number, state: Pick<GroupState, 'seated'>) =>
  Math.max(0, seats - state.seated);

export const emptyGroupState = (): GroupState => ({ version: 0, seated: 0, waiting: 0, nextSeq: 1 });

type GroupEvent = 'GroupJoined' | 'GroupWaitlisted' | 'GroupLeft' | 'GroupClosed';

/** A working copy of the snapshot that records what it changes. */
class Draft {
  readonly state: GroupState;
  readonly events: OutgoingEvent[] = [];
  readonly promoted: string[] = [];
  private readonly waits: Map<number, WaitEntry>;
  private readonly touchedWaits = new Set<number>();
  private readonly deletedWaits = new Set<number>();
  private readonly members = new Map<string, { membership: Membership; expect: MembershipExpectation }>();
  private readonly at: string;

  constructor(
    private readonly ctx: GroupContext,
    private readonly snapshot: GroupSnapshot,
  ) {
    this.state = { ...snapshot.state };
    this.waits = new Map([...snapshot.waits].map(([seq, entry]) => [seq, { ...entry }]));
    this.at = ctx.now.toISOString();
  }

  get seats() {
    return this.ctx.group.seats;
  }

  member(participantId: string) {
    return this.snapshot.members.get(participantId);
  }

  private wait(seq: number) {
    const entry = this.waits.get(seq);
    if (!entry || this.deletedWaits.has(seq)) throw new MissingWaitEntry(seq);
    return entry;
  }

  private touch(entry: WaitEntry) {
    this.touchedWaits.add(entry.seq);
  }

  private setMember(membership: Membership, expect: MembershipExpectation) {
    this.members.set(membership.participantId, { membership, expect });
  }

  private emit<T extends GroupEvent>(
    detailType: T,
    detail: Omit<EventDetail<T>, 'version' | 'orgId' | 'occurredAt'>,
  ) {
    this.events.push({
      detailType,
      detail: { version: 1, orgId: this.ctx.orgId, occurredAt: this.at, ...detail } as EventDetail<T>,
    });
  }

  private unlink(entry: WaitEntry) {
    if (entry.prev === undefined) this.state.headSeq = entry.next;
    else {
      const prev = this.wait(entry.prev);
      prev.next = entry.next;
      this.touch(prev);
    }
    if (entry.next === undefined) this.state.tailSeq = entry.prev;
    else {
      const next = this.wait(entry.next);
      next.prev = entry.prev;
      this.touch(next);
    }
    this.deletedWaits.add(entry.seq);
    this.touchedWaits.delete(entry.seq);
    this.state.waiting -= 1;
  }

  private append(participantId: string): WaitEntry {
    const entry: WaitEntry = { seq: this.state.nextSeq, participantId, since: this.at };
    this.state.nextSeq += 1;
    if (this.state.tailSeq === undefined) this.state.headSeq = entry.seq;
    else {
      const tail = this.wait(this.state.tailSeq);
      tail.next = entry.seq;
      entry.prev = tail.seq;
      this.touch(tail);
    }
    this.state.tailSeq = entry.seq;
    this.state.waiting += 1;
    this.waits.set(entry.seq, entry);
    this.touch(entry);
    return entry;
  }

  get closed() {
    return this.state.closedAt !== undefined;
  }

  /** Gives free seats to the first waiting, in order, at most MAX_PROMOTIONS in one change. */
  fill() {
    if (this.closed) return false;
    while (
      freeSeats(this.seats, this.state) > 0 &&
      this.state.headSeq !== undefined &&
      this.promoted.length < MAX_PROMOTIONS
    ) {
      const head = this.wait(this.state.headSeq);
      this.unlink(head);
      this.state.seated += 1;
      this.setMember(
        {
          groupId: this.ctx.group.programId,
          participantId: head.participantId,
          place: 'seat',
          since: this.at,
        },
        'waitlist',
      );
      this.promoted.push(head.participantId);
      this.emit('GroupJoined', {
        groupId: this.ctx.group.programId,
        participantId: head.participantId,
        seatsLeft: freeSeats(this.seats, this.state),
      });
    }
    return this.state.headSeq !== undefined && freeSeats(this.seats, this.state) > 0;
  }

  seat(participantId: string) {
    this.state.seated += 1;
    this.setMember(
      { groupId: this.ctx.group.programId, participantId, place: 'seat', since: this.at },
      'absent',
    );
    const seatsLeft = freeSeats(this.seats, this.state);
    this.emit('GroupJoined', { groupId: this.ctx.group.programId, participantId, seatsLeft });
    return seatsLeft;
  }

  waitlist(participantId: string) {
    const position = this.state.waiting + 1;
    const entry = this.append(participantId);
    this.setMember(
      { groupId: this.ctx.group.programId, participantId, place: 'waitlist', since: this.at, seq: entry.seq },
      'absent',
    );
    this.emit('GroupWaitlisted', { groupId: this.ctx.group.programId, participantId, position });
    return position;
  }

  leave(membership: Membership & { place: 'seat' | 'waitlist' }) {
    const { participantId, place } = membership;
    if (place === 'seat') this.state.seated -= 1;
    else {
      if (membership.seq === undefined) throw new Error('a waiting membership without its waitlist entry');
      this.unlink(this.wait(membership.seq));
    }
    this.setMember(
      { groupId: this.ctx.group.programId, participantId, place: 'left', since: this.at, leftFrom: place },
      place,
    );
    this.emit('GroupLeft', { groupId: this.ctx.group.programId, participantId, from: place });
  }

  close(closedBy: ClosedBy) {
    this.state.closedAt = this.at;
    this.state.closedBy = closedBy;
    this.emit('GroupClosed', { groupId: this.ctx.group.programId, closedBy });
    return this.at;
  }

  change<O>(outcome: O): GroupChange<O> {
    const unchanged = this.events.length === 0;
    return {
      outcome,
      unchanged,
      state: unchanged ? this.snapshot.state : { ...this.state, version: this.snapshot.state.version + 1 },
      expectedVersion: this.snapshot.state.version,
      members: [...this.members.values()],
      waitsPut: [...this.touchedWaits].map((seq) => this.wait(seq)),
      waitsDeleted: [...this.deletedWaits],
      events: this.events,
    };
  }
}

/**
 * A verified member joins: the first waiting get any free seats first (seats the organisation added), then
 * the member takes a seat if one is still free, else the end of the waitlist. Joining twice changes nothing.
 */
export const planJoin = (ctx: GroupContext, snapshot: GroupSnapshot, participantId: string) => {
  const draft = new Draft(ctx, snapshot);
  const existing = draft.member(participantId);
  if (existing) return draft.change<JoinOutcome>({ result: 'already', place: existing.place });
  if (draft.closed) return draft.change<JoinOutcome>({ result: 'group-closed' });
  draft.fill();
  const canSit = freeSeats(draft.seats, draft.state) > 0 && draft.state.waiting === 0;
  return draft.change<JoinOutcome>(
    canSit
      ? { result: 'seated', seatsLeft: draft.seat(participantId), promoted: draft.promoted }
      : { result: 'waitlisted', position: draft.waitlist(participantId), promoted: draft.promoted },
  );
};

/** A member leaves their seat (it goes to the first waiting) or their place on the waitlist. */
export const planLeave = (ctx: GroupContext, snapshot: GroupSnapshot, participantId: string) => {
  const draft = new Draft(ctx, snapshot);
  const membership = draft.member(participantId);
  if (!membership) return draft.change<LeaveOutcome>({ result: 'not-member' });
  if (membership.place === 'left') return draft.change<LeaveOutcome>({ result: 'already-left' });
  const from = membership.place;
  draft.leave({ ...membership, place: from });
  draft.fill();
  return draft.change<LeaveOutcome>({ result: 'left', from, promoted: draft.promoted });
};

/** Gives every free seat to the first waiting; nothing to do is the usual case, and changes nothing. */
export const planFill = (ctx: GroupContext, snapshot: GroupSnapshot) => {
  const draft = new Draft(ctx, snapshot);
  const more = draft.fill();
  return draft.change<FillOutcome>({ promoted: draft.promoted, more });
};

/** The group stops running: nobody is seated after this, and GroupClosed cancels its sessions. Once. */
export const planClose = (ctx: GroupContext, snapshot: GroupSnapshot, closedBy: ClosedBy) => {
  const draft = new Draft(ctx, snapshot);
  const { closedAt } = draft.state;
  if (closedAt) return draft.change<CloseOutcome>({ result: 'already-closed', closedAt });
  return draft.change<CloseOutcome>({ result: 'closed', closedAt: draft.close(closedBy) });
};

/** What the group use cases need from storage (shared/data/groups.ts). */
export interface GroupStore {
  membership(orgId: string, groupId: string, participantId: string): Promise<Membership | undefined>;
  join(ctx: GroupContext, participantId: string): Promise<JoinOutcome>;
  leave(ctx: GroupContext, participantId: string): Promise<LeaveOutcome>;
  /** Fills every free seat from the waitlist, in as many changes as it takes. */
  fill(ctx: GroupContext): Promise<FillOutcome>;
  close(ctx: GroupContext, closedBy: ClosedBy): Promise<CloseOutcome>;
}

export interface GroupDeps {
  organisations: OrganisationStore;
  participants: Pick<ParticipantStore, 'get'>;
  groups: GroupStore;
}

/** The peer group a program id names at an organisation, if it is one. */
export const peerGroupOf = (org: Organisation | undefined, groupId: string): PeerGroup | undefined => {
  const program = org && findProgram(org, groupId);
  return program?.kind === 'peer-group' ? program : undefined;
};

export type SeatOutcome = JoinOutcome | { result: 'not-a-group' } | { result: 'participant-gone' };

/** A member confirmed their email: seat them, or put them on the waitlist. Safe to run twice. */
export const seatVerifiedMember = async (
  deps: GroupDeps,
  fact: { orgId: string; participantId: string; programId: string },
  now: Date,
): Promise<SeatOutcome> => {
  const group = peerGroupOf(await deps.organisations.get(fact.orgId), fact.programId);
  if (!group) return { result: 'not-a-group' };
  const participant = await deps.participants.get(fact.orgId, fact.participantId);
  if (participant?.status !== 'verified') return { result: 'participant-gone' };
  const ctx = { orgId: fact.orgId, group, now };
  const outcome = await deps.groups.join(ctx, fact.participantId);
  if ('promoted' in outcome && outcome.promoted.length >= MAX_PROMOTIONS) await deps.groups.fill(ctx);
  return outcome;
};

/** Someone left a group: any seat still free (the organisation may have added seats) goes to the first waiting. */
export const fillFreeSeats = async (
  deps: Pick<GroupDeps, 'organisations' | 'groups'>,
  fact: { orgId: string; groupId: string },
  now: Date,
): Promise<FillOutcome | { result: 'not-a-group' }> => {
  const group = peerGroupOf(await deps.organisations.get(fact.orgId), fact.groupId);
  if (!group) return { result: 'not-a-group' };
  return deps.groups.fill({ orgId: fact.orgId, group, now });
};

/** A leave link, once its token is verified: whose place in which group. */
export interface LeaveClaims {
  orgId: string;
  groupId: string;
  participantId: string;
}

const alreadyLeft = (group: PeerGroup) =>
  new Problem(
    410,
    'already-left',
    'You have already left this group',
    `You no longer have a seat or a place on the waitlist in ${group.name}, so there is nothing more to do.`,
  );

const groupGone = () =>
  new Problem(410, 'group-gone', 'This group no longer exists', 'There is nothing to leave any more.');

const participantGone = () =>
  new Problem(
    410,
    'participant-gone',
    'This signup no longer exists',
    'We hold no seat or waitlist place for you, so there is nothing to leave.',
  );

/** Where the person of a leave link stands, for the page that asks them to confirm; changes nothing. */
export const placeToLeave = async (deps: GroupDeps, claims: LeaveClaims) => {
  const group = peerGroupOf(await deps.organisations.get(claims.orgId), claims.groupId);
  if (!group) throw groupGone();
  if (!(await deps.participants.get(claims.orgId, claims.participantId))) throw participantGone();
  const membership = await deps.groups.membership(claims.orgId, claims.groupId, claims.participantId);
  if (!membership || membership.place === 'left') throw alreadyLeft(group);
  return { group, place: membership.place };
};

/** The person of a leave link gives up their seat (to the first waiting) or their place on the waitlist. */
export const leaveGroup = async (deps: GroupDeps, claims: LeaveClaims, now: Date) => {
  const group = peerGroupOf(await deps.organisations.get(claims.orgId), claims.groupId);
  if (!group) throw groupGone();
  if (!(await deps.participants.get(claims.orgId, claims.participantId))) throw participantGone();
  const outcome = await deps.groups.leave({ orgId: claims.orgId, group, now }, claims.participantId);
  if (outcome.result !== 'left') throw alreadyLeft(group);
  return { group, from: outcome.from, promoted: outcome.promoted };
};

/** Who closes a group, and which: the coordinator's admin route now, a directory contact later. */
export interface CloseRequest {
  orgId: string;
  groupId: string;
  closedBy: ClosedBy;
}

/**
 * Closes a group: the closing and its GroupClosed are one write (the group's state, conditioned on its version,
 * so no seat lands after it). Closing a closed group changes nothing and says when it closed.
 */
export const closeGroup = async (
  deps: Pick<GroupDeps, 'organisations' | 'groups'>,
  request: CloseRequest,
  now: Date,
) => {
  const org = await deps.organisations.get(request.orgId);
  if (!org) throw problems.notFound('Organisation', '/orgId');
  const program = findProgram(org, request.groupId);
  if (!program) throw problems.notFound('Group', '/groupId');
  if (program.kind !== 'peer-group') {
    throw new Problem(
      409,
      'not-a-group',
      'This program is not a peer group',
      `${request.groupId} is a mentoring program: it has no sessions or seats to close.`,
      [{ pointer: '/groupId', detail: 'a mentoring program, not a peer group' }],
    );
  }
  const outcome = await deps.groups.close({ orgId: request.orgId, group: program, now }, request.closedBy);
  return { group: program, ...outcome };
};
