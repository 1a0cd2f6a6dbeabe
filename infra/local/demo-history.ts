import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import { emailPseudonym } from '../../shared/adapters/email-hash';
import { epochSeconds, keys } from '../../shared/data/keys';
import { UNVERIFIED_TTL_SECONDS } from '../../shared/data/participants';
import type { Tombstone } from '../../shared/domain/erasure';
import { lowRatingRun, type RatingRecord } from '../../shared/domain/feedback';
import {
  defaultRejoining,
  type EndedBy,
  type EndReason,
  type Match,
  type MatchRole,
  matchProfileOf,
  poolEntryOf,
  withMatch,
  withoutMatch,
} from '../../shared/domain/match';
import { meetingId, parseMeetingSettings } from '../../shared/domain/meetings';
import {
  MEETING_MILESTONES,
  MONTH_MILESTONES,
  milestonesDue,
  monthsBetween,
} from '../../shared/domain/milestones';
import type { MentoringProgram, Organisation } from '../../shared/domain/organisation';
import { initialMatchingState, type MatchingState, type Participant } from '../../shared/domain/participant';
import { prepareProfile, scorePair } from '../../shared/matching/score';
import { parseMatchingSettings } from '../../shared/matching/settings';

/**
 * `npm start`'s demo mentoring program with seven months of history, so its report shows real figures: a
 * cohort (people and pairs with their fates, in days before the local clock's now) turned into the very items
 * the stores write. No outbox or due-work items: nothing is emailed or announced about the past.
 */

const DEMO_HISTORY_ORG = 'demo-university';

export const careerMentoring: MentoringProgram = {
  programId: 'career-mentoring',
  name: 'Career mentoring (2026 cohort)',
  kind: 'mentoring',
  matching: { defaultMentorCapacity: 1 },
};

/** The demo organisations with the program added where its history goes. */
export const withDemoHistoryProgram = (organisations: readonly Organisation[]): Organisation[] =>
  organisations.map((org) =>
    org.orgId === DEMO_HISTORY_ORG && !org.programs.some((p) => p.programId === careerMentoring.programId)
      ? { ...org, programs: [...org.programs, careerMentoring] }
      : org,
  );

export interface DemoPerson {
  id: string;
  name: string;
  role: MatchRole;
  signedUpDaysAgo: number;
  /** Absent: never confirmed their address. */
  verifiedHoursLater?: number;
  /** Erased on request; only the tombstone is left. */
  erased?: boolean;
  languages?: string[];
  capacity?: number;
}

export interface DemoPair {
  matchId: string;
  mentorId: string;
  menteeId: string;
  matchedDaysAgo: number;
  /** Fortnightly meetings from a week after the match; the numbers listed were skipped, the rest held. */
  meetings: { count: number; skipped?: number[] };
  ratings?: { seq: number; by: MatchRole; rating: number }[];
  ended?: { daysAgo: number; reason: EndReason; endedBy: EndedBy };
}

const person = (
  id: string,
  name: string,
  role: MatchRole,
  signedUpDaysAgo: number,
  more: Partial<DemoPerson> = {},
): DemoPerson => ({ id: `career-${id}`, name, role, signedUpDaysAgo, verifiedHoursLater: 4, ...more });

export const demoPeople: DemoPerson[] = [
  person('mentor-1', 'Amara Okafor', 'mentor', 209),
  person('mentor-2', 'Bastian Keller', 'mentor', 200, { capacity: 2, verifiedHoursLater: 20 }),
  person('mentor-3', 'Chiara Rossi', 'mentor', 187),
  person('mentor-4', 'Dmitri Volkov', 'mentor', 172, { verifiedHoursLater: 30 }),
  person('mentor-5', 'Eleni Papadaki', 'mentor', 161),
  person('mentor-6', 'Farid Haddad', 'mentor', 100, { verifiedHoursLater: 9 }),
  person('mentor-7', 'Grete Lindqvist', 'mentor', 73),
  person('mentee-1', 'Hana Sato', 'mentee', 202, { verifiedHoursLater: 1 }),
  person('mentee-2', 'Idris Bello', 'mentee', 197, { verifiedHoursLater: 2 }),
  person('mentee-3', 'Jonas Weber', 'mentee', 179),
  person('mentee-4', 'Kofi Mensah', 'mentee', 164, { verifiedHoursLater: 6 }),
  person('mentee-5', 'Leila Nasser', 'mentee', 89, { verifiedHoursLater: 12 }),
  person('mentee-6', 'Mireille Dubois', 'mentee', 153, { erased: true }),
  // Waits for a Portuguese-speaking mentor, whom the program does not have yet.
  person('mentee-7', 'Rafaela Costa', 'mentee', 26, { languages: ['pt'], verifiedHoursLater: 5 }),
  person('mentee-8', 'Sven Aalto', 'mentee', 1, { verifiedHoursLater: undefined }),
  person('mentor-8', 'Tomás Ruiz', 'mentor', 3, { verifiedHoursLater: undefined }),
];

export const demoPairs: DemoPair[] = [
  {
    matchId: 'career-pair-1',
    mentorId: 'career-mentor-1',
    menteeId: 'career-mentee-1',
    matchedDaysAgo: 200,
    meetings: { count: 11, skipped: [4] },
    ratings: [
      { seq: 1, by: 'mentee', rating: 5 },
      { seq: 1, by: 'mentor', rating: 4 },
      { seq: 3, by: 'mentee', rating: 4 },
      { seq: 10, by: 'mentee', rating: 5 },
    ],
    ended: { daysAgo: 10, reason: 'completed', endedBy: 'coordinator' },
  },
  {
    matchId: 'career-pair-2',
    mentorId: 'career-mentor-2',
    menteeId: 'career-mentee-2',
    matchedDaysAgo: 195,
    meetings: { count: 12, skipped: [8] },
    ratings: [
      { seq: 2, by: 'mentee', rating: 4 },
      { seq: 2, by: 'mentor', rating: 5 },
      { seq: 6, by: 'mentee', rating: 5 },
    ],
  },
  {
    matchId: 'career-pair-3',
    mentorId: 'career-mentor-3',
    menteeId: 'career-mentee-3',
    matchedDaysAgo: 175,
    meetings: { count: 1 },
    ratings: [{ seq: 1, by: 'mentee', rating: 2 }],
    ended: { daysAgo: 160, reason: 'schedule-conflict', endedBy: 'mentee' },
  },
  {
    matchId: 'career-pair-4',
    mentorId: 'career-mentor-4',
    menteeId: 'career-mentee-6',
    matchedDaysAgo: 150,
    meetings: { count: 6 },
    ratings: [
      { seq: 1, by: 'mentee', rating: 4 },
      { seq: 1, by: 'mentor', rating: 4 },
      { seq: 4, by: 'mentee', rating: 3 },
    ],
    // The mentee asked to be erased: erasure ends a match as 'participant-left'.
    ended: { daysAgo: 50, reason: 'participant-left', endedBy: 'mentee' },
  },
  {
    matchId: 'career-pair-5',
    mentorId: 'career-mentor-2',
    menteeId: 'career-mentee-4',
    matchedDaysAgo: 158,
    meetings: { count: 1, skipped: [1] },
    ended: { daysAgo: 138, reason: 'not-a-good-fit', endedBy: 'mentor' },
  },
  {
    matchId: 'career-pair-6',
    mentorId: 'career-mentor-5',
    menteeId: 'career-mentee-3',
    matchedDaysAgo: 118,
    meetings: { count: 7 },
    ratings: [
      { seq: 1, by: 'mentee', rating: 5 },
      { seq: 5, by: 'mentee', rating: 4 },
    ],
  },
  {
    matchId: 'career-pair-7',
    mentorId: 'career-mentor-6',
    menteeId: 'career-mentee-4',
    matchedDaysAgo: 97,
    meetings: { count: 6, skipped: [2] },
    ratings: [
      { seq: 1, by: 'mentee', rating: 3 },
      { seq: 3, by: 'mentor', rating: 4 },
    ],
  },
  {
    matchId: 'career-pair-8',
    mentorId: 'career-mentor-7',
    menteeId: 'career-mentee-5',
    matchedDaysAgo: 58,
    meetings: { count: 3 },
    ratings: [{ seq: 2, by: 'mentee', rating: 5 }],
  },
];

type Item = Record<string, unknown> & { pk: string; sk: string };

const TIMEZONE = 'Europe/London';
const MEETING_MINUTES = 60;
const FIRST_MEETING_AFTER_DAYS = 7;
const FORTNIGHT_DAYS = 14;

const emailOf = (name: string) =>
  `${name
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '.')}@example.org`;

/** The history's items for an organisation, dated back from `now`; `secret` keys the address claims. */
const demoHistoryItems = (orgId: string, now: Date, secret: string): Item[] => {
  const programId = careerMentoring.programId;
  const settings = parseMatchingSettings(careerMentoring.matching);
  const meetingSettings = parseMeetingSettings(careerMentoring.meetings);
  const daysAgo = (days: number) => DateTime.fromJSDate(now, { zone: 'utc' }).minus({ days });
  const iso = (at: DateTime) => at.toISO({ suppressMilliseconds: true }) as string;
  const items: Item[] = [];
  const erased = new Set(demoPeople.filter((p) => p.erased).map((p) => p.id));

  const participants = new Map<string, Participant>();
  for (const p of demoPeople) {
    const createdAt = daysAgo(p.signedUpDaysAgo);
    const verifiedAt =
      p.verifiedHoursLater === undefined ? undefined : iso(createdAt.plus({ hours: p.verifiedHoursLater }));
    participants.set(p.id, {
      orgId,
      participantId: p.id,
      programId,
      role: p.role,
      status: verifiedAt ? 'verified' : 'pending',
      email: emailOf(p.name),
      name: p.name,
      timezone: TIMEZONE,
      profile: {
        languages: p.languages ?? ['en'],
        availability: [
          { day: 'tue', from: '17:00', to: '20:00' },
          { day: 'thu', from: '12:00', to: '14:00' },
        ],
        format: 'online',
        campus: 'Northfield main campus',
        interests: p.role === 'mentor' ? ['careers', 'interviews', 'networking'] : ['careers', 'internships'],
        goals: ['find an internship', 'prepare for interviews'],
        ...(p.capacity ? { capacity: p.capacity } : {}),
      },
      consent: { version: 'demo-university-2026-11', at: iso(createdAt) },
      createdAt: iso(createdAt),
      ...(verifiedAt ? { verifiedAt, matching: initialMatchingState() } : {}),
    });
  }
  const participant = (id: string) => {
    const found = participants.get(id);
    if (!found) throw new Error(`demo history: no person ${id}`);
    return found;
  };

  // Matching states change in the order things happened, as the matcher and endings changed them.
  const changes = demoPairs
    .flatMap((pair) => [
      { at: pair.matchedDaysAgo, pair, ending: false },
      ...(pair.ended ? [{ at: pair.ended.daysAgo, pair, ending: true }] : []),
    ])
    .sort((a, b) => b.at - a.at);
  const ratingsBy = new Map<string, number[]>();
  for (const { pair, ending } of changes) {
    const mentor = participant(pair.mentorId);
    const mentee = participant(pair.menteeId);
    const state = (p: Participant) => p.matching as MatchingState;
    if (!ending) {
      mentor.matching = withMatch(state(mentor), pair.matchId);
      mentee.matching = withMatch(state(mentee), pair.matchId);
      continue;
    }
    const { reason, endedBy } = pair.ended as NonNullable<DemoPair['ended']>;
    const rejoining = defaultRejoining(reason, endedBy);
    mentor.matching = withoutMatch(
      state(mentor),
      pair.matchId,
      mentee.participantId,
      rejoining.includes('mentor'),
    );
    mentee.matching = withoutMatch(
      state(mentee),
      pair.matchId,
      mentor.participantId,
      rejoining.includes('mentee'),
    );
  }

  for (const pair of demoPairs) {
    const mentor = participant(pair.mentorId);
    const mentee = participant(pair.menteeId);
    const matchedAt = daysAgo(pair.matchedDaysAgo);
    const endsAt = daysAgo(pair.ended?.daysAgo ?? 0);
    const week = iso(matchedAt).slice(0, 10);
    const explanation = scorePair(
      prepareProfile(matchProfileOf(mentor), week),
      prepareProfile(matchProfileOf(mentee), week),
      settings,
    );
    const starts = Array.from({ length: pair.meetings.count }, (_, index) =>
      matchedAt.plus({ days: FIRST_MEETING_AFTER_DAYS + index * FORTNIGHT_DAYS }),
    );
    const last = starts.at(-1);
    if (last && last.plus({ hours: 2 }) >= endsAt)
      throw new Error(`demo history: ${pair.matchId} meets too late`);
    const first = (starts[0] ?? matchedAt).setZone(TIMEZONE);
    const ended: Match['ended'] = pair.ended
      ? {
          at: iso(endsAt),
          reason: pair.ended.reason,
          endedBy: pair.ended.endedBy,
          rejoining: defaultRejoining(pair.ended.reason, pair.ended.endedBy),
        }
      : undefined;
    const match: Match = {
      orgId,
      matchId: pair.matchId,
      programId,
      mentorId: mentor.participantId,
      menteeId: mentee.participantId,
      status: ended ? 'ended' : 'active',
      score: Math.round(explanation.score * 100) / 100,
      // What erasure leaves on a match: the ids, without the erased person's words.
      explanation:
        erased.has(mentor.participantId) || erased.has(mentee.participantId)
          ? {
              ...explanation,
              shared: { experiences: [], interests: [], goals: [] },
              overlap: { ...explanation.overlap, windows: [] },
            }
          : explanation,
      madeBy: 'rolling',
      createdAt: iso(matchedAt),
      ...(ended ? { ended } : {}),
    };
    items.push({
      ...keys.match(orgId, pair.matchId),
      ...match,
      plan: {
        slot: {
          weekday: first.weekday,
          time: first.toFormat('HH:mm'),
          timezone: TIMEZONE,
          durationMinutes: MEETING_MINUTES,
        },
        cadence: meetingSettings.cadence,
        reminderLeadHours: meetingSettings.reminderLeadHours,
      },
      lastMeetingSeq: pair.meetings.count,
    });

    const held: DateTime[] = [];
    starts.forEach((startsAt, index) => {
      const seq = index + 1;
      const status = pair.meetings.skipped?.includes(seq) ? 'skipped' : 'held';
      const loggedAt = startsAt.plus({ hours: 2 });
      if (status === 'held') held.push(loggedAt);
      items.push({
        ...keys.meeting(orgId, meetingId(pair.matchId, seq)),
        orgId,
        meetingId: meetingId(pair.matchId, seq),
        matchId: pair.matchId,
        programId,
        seq,
        startsAt: iso(startsAt),
        durationMinutes: MEETING_MINUTES,
        sequence: 0,
        status,
        loggedBy: mentee.participantId,
        loggedAt: iso(loggedAt),
      });
    });

    const milestone = (name: string, at: DateTime) =>
      items.push({ ...keys.milestone(orgId, pair.matchId, name), reachedAt: iso(at) });
    for (const name of milestonesDue(MEETING_MILESTONES, held.length)) {
      const threshold = MEETING_MILESTONES.find((m) => m.milestone === name)?.at ?? 1;
      milestone(name, held[threshold - 1] as DateTime);
    }
    const months = monthsBetween(matchedAt.toJSDate(), endsAt.toJSDate(), TIMEZONE);
    for (const name of milestonesDue(MONTH_MILESTONES, months)) {
      const threshold = MONTH_MILESTONES.find((m) => m.milestone === name)?.at ?? 1;
      milestone(name, matchedAt.plus({ months: threshold }));
    }

    for (const role of ['mentor', 'mentee'] as const) {
      const by = role === 'mentor' ? mentor : mentee;
      const given = (pair.ratings ?? []).filter((r) => r.by === role).sort((a, b) => a.seq - b.seq);
      if (given.length === 0) continue;
      // An erased person's ratings live on in their tombstone only.
      if (erased.has(by.participantId)) {
        ratingsBy.set(
          by.participantId,
          given.map((r) => r.rating),
        );
        continue;
      }
      const history: RatingRecord[] = [];
      for (const { seq, rating } of given) {
        const id = meetingId(pair.matchId, seq);
        const givenAt = (starts[seq - 1] as DateTime).plus({ hours: 5 });
        history.push({ meetingId: id, seq, rating });
        const lowInARow = lowRatingRun(history) >= 2;
        items.push({
          ...keys.feedback(orgId, pair.matchId, by.participantId, id),
          orgId,
          feedbackId: `${id}-${role}`,
          matchId: pair.matchId,
          programId,
          meetingId: id,
          participantId: by.participantId,
          seq,
          startsAt: iso(starts[seq - 1] as DateTime),
          rating,
          concern: false,
          lowInARow,
          alerted: lowInARow,
          givenAt: iso(givenAt),
        });
      }
      items.push({
        ...keys.feedbackHistory(orgId, pair.matchId, by.participantId),
        orgId,
        matchId: pair.matchId,
        participantId: by.participantId,
        ratings: history,
        version: history.length,
        updatedAt: iso((starts[(given.at(-1)?.seq ?? 1) - 1] as DateTime).plus({ hours: 5 })),
      });
    }
  }

  for (const p of demoPeople) {
    const stored = participant(p.id);
    if (p.erased) {
      // What erasure leaves of the person: the tombstone.
      const matchIds = demoPairs.filter((pair) => pair.mentorId === p.id || pair.menteeId === p.id);
      const erasedAt = Math.min(...matchIds.map((pair) => pair.ended?.daysAgo ?? 0));
      const tombstone: Tombstone = {
        programId,
        role: p.role,
        reached: matchIds.length > 0 ? 'matched' : stored.verifiedAt ? 'verified' : 'signed-up',
        matches: matchIds.length,
        ratings: ratingsBy.get(p.id) ?? [],
        signedUpOn: stored.createdAt.slice(0, 10),
        ...(stored.verifiedAt ? { verifiedOn: stored.verifiedAt.slice(0, 10) } : {}),
        erasedOn: iso(daysAgo(erasedAt)).slice(0, 10),
      };
      items.push({ ...keys.erased(orgId, p.id), programId, tombstone });
      continue;
    }
    const claim = keys.emailClaim(orgId, emailPseudonym(secret, stored.email));
    // Unconfirmed signups expire as the signup store has them expire; a confirmed one's claim is kept.
    const expiry = stored.verifiedAt
      ? {}
      : { expiresAt: epochSeconds(new Date(stored.createdAt)) + UNVERIFIED_TTL_SECONDS };
    items.push({ ...claim, participantId: p.id, ...expiry });
    items.push({
      ...keys.participant(orgId, p.id),
      lookupPk: keys.participantsByStatus(orgId),
      lookupSk: `${stored.status}#${stored.createdAt}#${p.id}`,
      ...stored,
      claimSk: claim.sk,
      ...expiry,
    });
    const pool = stored.matching ? poolEntryOf(stored, stored.matching, settings) : undefined;
    if (pool) items.push({ ...keys.poolEntry(orgId, programId, pool.role, p.id), ...pool });
  }
  return items;
};

const BATCH = 25;

/**
 * Writes the history once: the last item written marks it done, so a restart on kept state neither
 * duplicates nor resets it (an erased or changed person stays as they are).
 */
export const seedDemoHistory = async (
  client: DynamoDBDocumentClient,
  tableName: string,
  options: { now: Date; secret: string; orgId?: string },
) => {
  const orgId = options.orgId ?? DEMO_HISTORY_ORG;
  const marker = keys.match(orgId, demoPairs[0]?.matchId ?? '');
  const { Item } = await client.send(
    new GetCommand({ TableName: tableName, Key: marker, ConsistentRead: true }),
  );
  if (Item) return false;
  const items = demoHistoryItems(orgId, options.now, options.secret);
  const rest = items.filter((item) => item.sk !== marker.sk);
  for (let start = 0; start < rest.length; start += BATCH) {
    let requests = rest.slice(start, start + BATCH).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const { UnprocessedItems } = await client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
  // Written alone and last: a start interrupted before it writes the whole history again.
  await client.send(
    new PutCommand({ TableName: tableName, Item: items.find((item) => item.sk === marker.sk) }),
  );
  return true;
};
