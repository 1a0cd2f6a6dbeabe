import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type EventDetail, Id, type OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import { dueSortKey, hourBucket } from './due-work';
import { type GroupScheduleInput, parseGroupSchedule, sessionAfter } from './group-sessions';
import { freeSeats } from './groups';
import {
  GroupFormat,
  type MentoringProgram,
  type Organisation,
  type OrgKind,
  type PeerGroup,
  peerGroupDetails,
} from './organisation';
import type { DueEntry, DueWorkStore } from './ports';

/**
 * The public nonprofit and university directories: one listing per peer group (and mentoring program) of the
 * organisations of that kind. A listing is a projection, recomputed from its sources (the organisation's
 * settings, the group's seat counts, the program's mentors) on every event that may change it, so a late,
 * repeated or reordered event can only write what is true now; DirectoryEntryChanged is emitted only when
 * what the directory shows changed. Groups check themselves: every 90 days their contact is asked "still
 * running?"; a listing left unconfirmed 30 days after the ask is hidden (not deleted) until someone confirms.
 */

export const DirectoryName = z.enum(['nonprofit', 'university']);
export type DirectoryName = z.infer<typeof DirectoryName>;
export type EntryKind = 'group' | 'program';
export type EntryChange = EventDetail<'DirectoryEntryChanged'>['change'];

/** Companies' programs are internal: they are in no public directory. */
export const directoryOf = (kind: OrgKind): DirectoryName | undefined =>
  kind === 'company' ? undefined : kind;

export const CHECK_EVERY_DAYS = 90;
export const HIDE_AFTER_DAYS = 30;
/** The answer links work past the hiding, so a late "yes" still brings the listing back. */
export const LISTING_CHECK_LINK_TTL_SECONDS = (CHECK_EVERY_DAYS + HIDE_AFTER_DAYS) * 24 * 3600;

const DAY_MS = 24 * 3_600_000;
const plusDays = (at: Date | string, days: number) => new Date(new Date(at).getTime() + days * DAY_MS);

/** What a listing says, as stored; `schedule` is kept to tell the next session when the directory is read. */
export interface Listing {
  entryId: string;
  kind: EntryKind;
  orgId: string;
  orgName: string;
  name: string;
  topics: string[];
  format?: GroupFormat;
  place?: string;
  language?: string;
  accessibility?: string;
  /** Groups: seats in all. */
  seats?: number;
  /** Groups: members seated; programs: none. */
  members?: number;
  /** Free seats (groups) or open mentor slots (programs). */
  seatsLeft: number;
  schedule?: GroupScheduleInput;
}

export type EntryStatus = 'listed' | 'hidden' | 'removed';

/** Where a group's "still running?" check stands. */
export interface ListingCheck {
  /** What falls due next: the ask, or the hiding of an ask left unanswered. */
  stage: 'ask' | 'hide';
  /** The latest confirmation (or the listing's creation). */
  confirmedAt: string;
  /** When "still running?" was last asked. */
  askedAt?: string;
  /** Hidden because an ask went unanswered. */
  unconfirmed?: boolean;
}

export interface DirectoryEntry {
  orgId: string;
  entryId: string;
  directory: DirectoryName;
  kind: EntryKind;
  status: EntryStatus;
  /** Absent once removed. */
  listing?: Listing;
  check?: ListingCheck;
  version: number;
}

/** Where the entry goes on the due index: left as it is, armed at a time, or taken off. */
export type Arm = { kind: 'keep' } | { kind: 'at'; dueAt: Date } | { kind: 'off' };

export interface EntryPlan {
  entry: DirectoryEntry;
  change?: EntryChange;
  arm: Arm;
  event?: OutgoingEvent<'DirectoryEntryChanged'>;
}

export type CheckAction = { type: 'confirm' } | { type: 'hide'; askedAt: string };

/** A peer group's listing, or undefined when it is not listed (a company's, closed, or without details). */
export const groupListing = (
  org: Organisation,
  group: PeerGroup,
  state: { seated: number; waiting: number; closedAt?: string },
): Listing | undefined => {
  if (!directoryOf(org.kind) || state.closedAt) return undefined;
  const details = peerGroupDetails(group);
  if (!details?.success) return undefined;
  const { topics, format, place, language, accessibility } = details.data;
  return defined({
    entryId: group.programId,
    kind: 'group' as const,
    orgId: org.orgId,
    orgName: org.name,
    name: group.name,
    topics,
    format,
    place,
    language,
    accessibility,
    seats: group.seats,
    members: state.seated,
    seatsLeft: freeSeats(group.seats, state),
    schedule: group.schedule,
  });
};

/** A mentoring program's listing: open while its mentors have free slots. */
export const programListing = (
  org: Organisation,
  program: MentoringProgram,
  openMentorSlots: number,
): Listing | undefined =>
  directoryOf(org.kind)
    ? {
        entryId: program.programId,
        kind: 'program',
        orgId: org.orgId,
        orgName: org.name,
        name: program.name,
        topics: [],
        seatsLeft: openMentorSlots,
      }
    : undefined;

const defined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/** Stable JSON (keys sorted), so two listings that say the same compare equal whatever their key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

export const sameListing = (a: Listing | undefined, b: Listing | undefined) => canonical(a) === canonical(b);

const sameCheck = (a: ListingCheck | undefined, b: ListingCheck | undefined) => canonical(a) === canonical(b);

/** When the next "still running?" falls due after a confirmation at `at`. */
export const checkDueAt = (at: Date | string) => plusDays(at, CHECK_EVERY_DAYS);
/** When an ask at `askedAt` left unanswered hides the listing. */
export const hideDueAt = (askedAt: Date | string) => plusDays(askedAt, HIDE_AFTER_DAYS);

/**
 * The entry after its sources were read (`listing`: what they say now, undefined when nothing is to be
 * listed) and, perhaps, a check was answered or left unanswered. Undefined when nothing is to be stored.
 */
export const planEntry = (
  current: DirectoryEntry | undefined,
  next: { orgId: string; entryId: string; directory?: DirectoryName; listing?: Listing },
  now: Date,
  action?: CheckAction,
): EntryPlan | undefined => {
  const at = now.toISOString();
  const was = current && current.status !== 'removed' ? current.status : undefined;
  const directory = next.directory ?? current?.directory;
  if (!next.listing || !directory) {
    if (!current || !was) return undefined;
    return withEvent(
      { ...current, status: 'removed', listing: undefined, check: undefined, version: current.version + 1 },
      'removed',
      { kind: 'off' },
      now,
    );
  }
  const isGroup = next.listing.kind === 'group';
  let check = isGroup && was ? current?.check : undefined;
  let arm: Arm = { kind: 'keep' };
  if (isGroup && (!check || action?.type === 'confirm')) {
    check = { stage: 'ask', confirmedAt: at };
    arm = { kind: 'at', dueAt: checkDueAt(now) };
  } else if (action?.type === 'hide' && check && leftUnanswered(check, action.askedAt)) {
    // The hand-over already took it off the due index: a confirmation arms it again.
    check = { ...check, unconfirmed: true };
  }
  const status: EntryStatus = check?.unconfirmed ? 'hidden' : 'listed';
  const sameContent = sameListing(current?.listing, next.listing) && current?.directory === directory;
  const change: EntryChange | undefined = !was
    ? 'created'
    : was !== status
      ? status === 'hidden'
        ? 'hidden'
        : 'shown'
      : status === 'listed' && !sameContent
        ? 'updated'
        : undefined;
  if (!change && sameContent && sameCheck(current?.check, check) && arm.kind === 'keep') return undefined;
  const entry: DirectoryEntry = defined({
    orgId: next.orgId,
    entryId: next.entryId,
    directory,
    kind: next.listing.kind,
    status,
    listing: next.listing,
    check,
    version: (current?.version ?? 0) + 1,
  });
  return change ? withEvent(entry, change, arm, now) : { entry, arm };
};

/** The ask being hidden for is the latest one, and nobody confirmed since it went out. */
const leftUnanswered = (check: ListingCheck, askedAt: string) =>
  check.stage === 'hide' &&
  check.askedAt === askedAt &&
  !check.unconfirmed &&
  Date.parse(check.confirmedAt) < Date.parse(askedAt);

const withEvent = (entry: DirectoryEntry, change: EntryChange, arm: Arm, now: Date): EntryPlan => ({
  entry,
  change,
  arm,
  event: {
    detailType: 'DirectoryEntryChanged',
    detail: {
      version: 1,
      orgId: entry.orgId,
      occurredAt: now.toISOString(),
      entryId: entry.entryId,
      directory: entry.directory,
      kind: entry.kind,
      change,
    },
  },
});

/**
 * The sweep's hand-over of a due check: the ask becomes ListingCheckDue 'ask' (the email) and the entry waits
 * 30 days for its hiding; the hiding becomes ListingCheckDue 'hide' and leaves the index. Conditioned on the
 * stage (the hiding also on its due key), so a confirmation that re-armed it meanwhile wins.
 */
export const handOverListingCheck = (store: DueWorkStore, entry: DueEntry, now: Date) => {
  const { orgId, entryId, checkStage, askedAt } = entry as DueEntry &
    Record<'orgId' | 'entryId', string> & { checkStage: ListingCheck['stage']; askedAt?: string };
  if (checkStage === 'ask') {
    const hideAt = hideDueAt(now);
    return store.handOver(
      entry,
      {
        detailType: 'ListingCheckDue',
        detail: {
          version: 1,
          orgId,
          occurredAt: now.toISOString(),
          groupId: entryId,
          stage: 'ask',
          askedAt: now.toISOString(),
        },
      },
      now,
      { expression: '#stage = :ask', values: { ':ask': 'ask' }, names: { '#stage': 'checkStage' } },
      {
        duePk: hourBucket(hideAt),
        dueSk: dueSortKey(hideAt, 'listing-check', orgId, entryId),
        set: { checkStage: 'hide', askedAt: now.toISOString() },
      },
    );
  }
  if (checkStage !== 'hide' || !askedAt) return Promise.resolve(undefined);
  return store.handOver(
    entry,
    {
      detailType: 'ListingCheckDue',
      detail: { version: 1, orgId, occurredAt: now.toISOString(), groupId: entryId, stage: 'hide', askedAt },
    },
    now,
    {
      expression: '#stage = :hide AND dueSk = :dueSk',
      values: { ':hide': 'hide', ':dueSk': entry.dueSk },
      names: { '#stage': 'checkStage' },
    },
  );
};

// ---------------------------------------------------------------------------------------------------------
// Reading a directory: filters, paging, what the widget is sent, its ETag.

const LanguageCode = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language code such as en or pt-BR');

/** A query string value, one of the given words. */
const flag = z
  .enum(['true', 'false'], 'true or false')
  .transform((value) => value === 'true')
  .optional();

export const MAX_PAGE = 50;
export const DEFAULT_PAGE = 20;

export const DirectoryQuery = z.strictObject({
  /** One organisation's listings (what an organisation's own page shows). */
  org: Id.optional(),
  topic: z.string().trim().min(1).max(60, 'at most 60 characters').optional(),
  format: GroupFormat.optional(),
  /** A city or campus. */
  place: z.string().trim().min(1).max(100, 'at most 100 characters').optional(),
  language: LanguageCode.optional(),
  openSeats: flag,
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `a whole number from 1 to ${MAX_PAGE}`)
    .transform(Number)
    .pipe(z.number().min(1, `at least 1`).max(MAX_PAGE, `at most ${MAX_PAGE}`))
    .optional(),
  cursor: z.string().min(1).max(600).optional(),
});
export type DirectoryQuery = z.output<typeof DirectoryQuery>;

const folded = (value: string) => value.trim().toLocaleLowerCase('en');

/**
 * Whether a listing passes the filters: a topic among its topics and the place, both ignoring case; a
 * language or any regional form of it (`pt` finds `pt-BR`); a hybrid group meets both online and in person.
 */
export const matchesFilters = (listing: Listing, query: DirectoryQuery) => {
  if (query.org && listing.orgId !== query.org) return false;
  if (query.topic && !listing.topics.some((t) => folded(t) === folded(query.topic as string))) return false;
  if (query.format && listing.format !== query.format && listing.format !== 'hybrid') return false;
  if (query.format === 'hybrid' && listing.format !== 'hybrid') return false;
  if (query.place && (!listing.place || folded(listing.place) !== folded(query.place))) return false;
  if (query.language) {
    const language = listing.language?.toLowerCase();
    const wanted = query.language.toLowerCase();
    if (!language || (language !== wanted && !language.startsWith(`${wanted}-`))) return false;
  }
  if (query.openSeats && listing.seatsLeft <= 0) return false;
  return true;
};

/** A place in a directory's listing order, as the lookup index keys it. */
export const Position = z.strictObject({
  lookupSk: z.string().max(400),
  pk: z.string().max(200),
  sk: z.string().max(200),
});
export type Position = z.infer<typeof Position>;

export const encodeCursor = (position: Position) =>
  Buffer.from(JSON.stringify(position)).toString('base64url');

/** The position a cursor names, or a 422 naming the cursor when it is not one this API gave out. */
export const decodeCursor = (cursor: string): Position => {
  try {
    return Position.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalidQuery([
      { pointer: '/cursor', detail: 'not a cursor from a previous page of this directory' },
    ]);
  }
};

export const invalidQuery = (errors: { pointer: string; detail: string }[]) =>
  new Problem(422, 'invalid-query', 'The query string has invalid parameters', undefined, errors);

/** One page of matching listings, and where the next starts (absent on the last page). */
export const pageOf = async (
  listed: AsyncIterable<{ listing: Listing; position: Position }>,
  query: DirectoryQuery,
): Promise<{ listings: Listing[]; next?: Position }> => {
  const limit = query.limit ?? DEFAULT_PAGE;
  const listings: Listing[] = [];
  let last: Position | undefined;
  for await (const { listing, position } of listed) {
    if (!matchesFilters(listing, query)) continue;
    // One more match than the page holds: there is a next page, starting after the page's last.
    if (listings.length === limit) return { listings, next: last };
    listings.push(listing);
    last = position;
  }
  return { listings };
};

/** What the directory (and its widget) shows of a listing; the next session is worked out as it is read. */
export const publicListing = (listing: Listing, now: Date, joinUrl: string) => {
  let nextSessionAt: string | undefined;
  if (listing.schedule) {
    try {
      nextSessionAt = sessionAfter(parseGroupSchedule(listing.schedule), now)?.toISOString();
    } catch {
      nextSessionAt = undefined; // a schedule the organisation must fix: no session to show
    }
  }
  return defined({
    id: `${listing.orgId}:${listing.entryId}`,
    kind: listing.kind,
    name: listing.name,
    orgId: listing.orgId,
    orgName: listing.orgName,
    topics: listing.topics,
    format: listing.format,
    place: listing.place,
    language: listing.language,
    seats: listing.seats,
    members: listing.members,
    seatsLeft: listing.seatsLeft,
    nextSessionAt,
    accessibility: listing.accessibility,
    joinUrl,
  });
};

/** A strong ETag of a response body: equal bodies, equal tags. */
export const etagOf = (body: string) =>
  `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;

/** Whether `If-None-Match` names the current representation (RFC 9110: weak comparison, or `*`). */
export const notModified = (ifNoneMatch: string | undefined, etag: string) => {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
};

// ---------------------------------------------------------------------------------------------------------
// Use cases.

export interface DirectoryStore {
  entry(orgId: string, entryId: string): Promise<(DirectoryEntry & { dueSk?: string }) | undefined>;
  /** The ids of the organisation's entries, including removed ones. */
  entriesOf(orgId: string): Promise<string[]>;
  /**
   * Stores the entry from the version read (0: new) and due key read (a sweep's hand-over moves it), with its
   * event, in one transaction; false when either changed meanwhile.
   */
  save(plan: EntryPlan, read: { version: number; dueSk?: string }, now: Date): Promise<boolean>;
  /** A directory's visible listings in order, from a position on. */
  listed(directory: DirectoryName, after?: Position): AsyncIterable<{ listing: Listing; position: Position }>;
}

export interface DirectorySources {
  organisations: { get(orgId: string): Promise<Organisation | undefined> };
  groupState(orgId: string, groupId: string): Promise<{ seated: number; waiting: number; closedAt?: string }>;
  /** Free slots of the program's mentors who take new mentees now. */
  openMentorSlots(orgId: string, program: MentoringProgram): Promise<number>;
}

export interface DirectoryDeps extends DirectorySources {
  directory: DirectoryStore;
}

/** What the sources say the entry's listing is now. */
const currentListing = async (deps: DirectorySources, org: Organisation | undefined, entryId: string) => {
  const program = org?.programs.find((p) => p.programId === entryId);
  if (!org || !program) return undefined;
  if (program.kind === 'peer-group') {
    return groupListing(org, program, await deps.groupState(org.orgId, program.programId));
  }
  return programListing(org, program, await deps.openMentorSlots(org.orgId, program));
};

const MAX_ATTEMPTS = 5;

export type RefreshOutcome = EntryChange | 'unchanged';

/**
 * Recomputes one entry from its sources (and applies a check's answer), storing it only when something changed;
 * read again and recomputed when another change came first.
 */
export const refreshEntry = async (
  deps: DirectoryDeps,
  ref: { orgId: string; entryId: string },
  now: Date,
  action?: CheckAction,
): Promise<RefreshOutcome> => {
  for (let attempt = 1; ; attempt++) {
    const [org, current] = await Promise.all([
      deps.organisations.get(ref.orgId),
      deps.directory.entry(ref.orgId, ref.entryId),
    ]);
    const listing = await currentListing(deps, org, ref.entryId);
    const plan = planEntry(
      current,
      { ...ref, directory: org && directoryOf(org.kind), listing },
      now,
      action,
    );
    if (!plan) return 'unchanged';
    if (await deps.directory.save(plan, { version: current?.version ?? 0, dueSk: current?.dueSk }, now)) {
      return plan.change ?? 'unchanged';
    }
    if (attempt >= MAX_ATTEMPTS) throw new Error('the directory entry kept changing while it was refreshed');
  }
};

/** Every entry of an organisation: its programs now, and those listed before (removed if gone). */
export const refreshOrganisation = async (deps: DirectoryDeps, org: Organisation, now: Date) => {
  const ids = new Set([
    ...org.programs.map((p) => p.programId),
    ...(await deps.directory.entriesOf(org.orgId)),
  ]);
  // The organisation is in hand: its entries are worked out from it, not from one more read of it each.
  const withOrg: DirectoryDeps = { ...deps, organisations: { get: async () => org } };
  const changes: Partial<Record<RefreshOutcome, number>> = {};
  for (const entryId of ids) {
    const outcome = await refreshEntry(withOrg, { orgId: org.orgId, entryId }, now);
    changes[outcome] = (changes[outcome] ?? 0) + 1;
  }
  return changes;
};

// ---------------------------------------------------------------------------------------------------------
// "Still running?" answers from the check email.

export const ListingCheckAnswer = z.enum(['yes', 'update', 'closed'], 'yes, update or closed');
export type ListingCheckAnswer = z.infer<typeof ListingCheckAnswer>;

export const listingGone = () =>
  new Problem(
    410,
    'listing-gone',
    'This group is no longer in the directory',
    'It was closed or removed, so there is nothing to confirm. To list it again, please contact kindred support through your organisation.',
  );

/** The group a check link names, while it is listed (or hidden); changes nothing. */
export const checkedGroup = async (deps: DirectoryDeps, ref: { orgId: string; groupId: string }) => {
  const [org, entry] = await Promise.all([
    deps.organisations.get(ref.orgId),
    deps.directory.entry(ref.orgId, ref.groupId),
  ]);
  const group = org?.programs.find((p) => p.programId === ref.groupId);
  if (!org || group?.kind !== 'peer-group' || !entry || entry.status === 'removed') throw listingGone();
  return { org, group, entry };
};

/** "Yes, still running" (or "update", which says so too): confirmed for 90 days, shown again if hidden. */
export const confirmListing = async (
  deps: DirectoryDeps,
  ref: { orgId: string; groupId: string },
  now: Date,
) => {
  await checkedGroup(deps, ref);
  return refreshEntry(deps, { orgId: ref.orgId, entryId: ref.groupId }, now, { type: 'confirm' });
};
