import type { MatchingStore, SideChange } from '../data/matching';
import type { OutgoingEvent } from '../events/catalogue';
import { Problem } from '../http/problem';
import { assign } from '../matching/assign';
import { referenceWeek } from '../matching/availability';
import { buildCandidates } from '../matching/candidates';
import {
  evaluatePair,
  type MatchContext,
  type PairScore,
  type PreparedProfile,
  pairSet,
  prepareProfile,
} from '../matching/score';
import { type MatchingSettings, parseMatchingSettings } from '../matching/settings';
import {
  defaultRejoining,
  type EndedBy,
  type EndReason,
  entryAfter,
  freeSlots,
  type Match,
  type MatchRole,
  type PoolEntry,
  poolEntryOf,
  withMatch,
  withoutMatch,
  withoutPause,
} from './match';
import { findProgram, type MentoringProgram } from './organisation';
import type { MatchingState, Participant } from './participant';
import type { IdGenerator, OrganisationStore, Outbox } from './ports';

/**
 * The matching use cases: rolling matching of one person, whole-pool runs, and endings. Pairs are chosen by
 * the pure engine in shared/matching; every write is one transaction conditioned on both people's matching
 * versions, so concurrent matchers can lose a race but never overfill a mentor or double-match a mentee.
 */

export interface MatchingDeps {
  organisations: OrganisationStore;
  matching: MatchingStore;
  outbox: Outbox;
  ids: IdGenerator;
  /** Ids and outcomes only. */
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** Reads again after a lost race at most this often; the daily run picks up anyone still waiting. */
const MAX_ATTEMPTS = 6;

const opposite = (role: MatchRole): MatchRole => (role === 'mentor' ? 'mentee' : 'mentor');
const round2 = (value: number) => Math.round(value * 100) / 100;

export interface ProgramContext {
  program: MentoringProgram;
  settings: MatchingSettings;
}

/** The mentoring program and its parsed settings, or undefined for groups and unknown programs. */
export const mentoringProgram = async (
  organisations: OrganisationStore,
  orgId: string,
  programId: string,
): Promise<ProgramContext | undefined> => {
  const org = await organisations.get(orgId);
  const program = org && findProgram(org, programId);
  if (program?.kind !== 'mentoring') return undefined;
  return { program, settings: parseMatchingSettings(program.matching, '/matching') };
};

/** Pairs never to be made: ended ones and "do not match" entries, from everyone involved. */
const contextOf = (entries: readonly PoolEntry[]): MatchContext => ({
  endedPairs: pairSet(entries.flatMap((e) => e.matching.endedWith.map((o) => [e.participantId, o] as const))),
  doNotMatch: pairSet(
    entries.flatMap((e) => e.matching.doNotMatch.map((o) => [e.participantId, o] as const)),
  ),
});

const weekOf = (now: Date) => referenceWeek(now.toISOString().slice(0, 10));

/** Profiles that cannot be prepared (say, a time zone this runtime no longer knows) are left out, by id. */
const prepareAll = (entries: readonly PoolEntry[], now: Date, deps: MatchingDeps) => {
  const week = weekOf(now);
  const prepared: { entry: PoolEntry; profile: PreparedProfile }[] = [];
  for (const entry of entries) {
    try {
      prepared.push({ entry, profile: prepareProfile(entry.profile, week) });
    } catch (error) {
      if (!(error instanceof Problem)) throw error;
      deps.log?.('profile left out of matching', { participantId: entry.participantId });
    }
  }
  return prepared;
};

interface PairToMake {
  mentor: PoolEntry;
  mentee: PoolEntry;
  explanation: PairScore;
  madeBy: Match['madeBy'];
  runId?: string;
}

/** Writes one pair; the ids of the match made, or undefined when either side changed in between. */
const makePair = async (
  deps: MatchingDeps,
  { settings }: ProgramContext,
  pair: PairToMake,
  now: Date,
): Promise<{ matchId: string; mentor: SideChange; mentee: SideChange } | undefined> => {
  const { mentor, mentee, explanation } = pair;
  const matchId = deps.ids.next();
  const side = (entry: PoolEntry): SideChange => {
    const after = withMatch(entry.matching, matchId);
    return {
      participantId: entry.participantId,
      role: entry.role,
      before: entry.matching,
      after,
      pool: entryAfter(entry, after, settings),
    };
  };
  const at = now.toISOString();
  const match: Match = {
    orgId: mentor.orgId,
    matchId,
    programId: mentor.programId,
    mentorId: mentor.participantId,
    menteeId: mentee.participantId,
    status: 'active',
    score: round2(explanation.score),
    explanation,
    madeBy: pair.madeBy,
    ...(pair.runId ? { runId: pair.runId } : {}),
    createdAt: at,
  };
  const event: OutgoingEvent<'MatchMade'> = {
    detailType: 'MatchMade',
    detail: {
      version: 1,
      orgId: match.orgId,
      occurredAt: at,
      matchId,
      programId: match.programId,
      mentorId: match.mentorId,
      menteeId: match.menteeId,
      score: match.score,
      reasons: explanation.breakdown.map((entry) => ({
        criterion: entry.criterion,
        score: round2(entry.points),
      })),
    },
  };
  const mentorSide = side(mentor);
  const menteeSide = side(mentee);
  const made = await deps.matching.makeMatch({
    orgId: match.orgId,
    programId: match.programId,
    mentor: mentorSide,
    mentee: menteeSide,
    match,
    event,
    now,
  });
  return made ? { matchId, mentor: mentorSide, mentee: menteeSide } : undefined;
};

export type RollingOutcome =
  | { outcome: 'matched'; matchIds: string[] }
  | { outcome: 'waiting' | 'not-in-pool' | 'not-mentoring' | 'cohort'; matchIds: string[] };

/**
 * Rolling matching of one person who just verified or came back to the pool: a mentee gets the best eligible
 * mentor with a free slot; a mentor takes the best eligible waiting mentees until their slots are full.
 */
export const matchParticipant = async (
  deps: MatchingDeps,
  ref: { orgId: string; participantId: string },
  now: Date,
): Promise<RollingOutcome> => {
  const matchIds: string[] = [];
  let context: ProgramContext | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const participant = await deps.matching.participant(ref.orgId, ref.participantId);
    if (!participant?.matching) return { outcome: 'not-in-pool', matchIds };
    context ??= await mentoringProgram(deps.organisations, ref.orgId, participant.programId);
    if (!context) return { outcome: 'not-mentoring', matchIds };
    const { settings } = context;
    if (settings.mode !== 'rolling') return { outcome: 'cohort', matchIds };
    const self = poolEntryOf(participant, participant.matching, settings);
    // A mentor with every slot taken stays in the pool (for a raised capacity) but takes nobody now.
    if (!self || freeSlots(self, settings) === 0) {
      return { outcome: matchIds.length > 0 ? 'matched' : 'not-in-pool', matchIds };
    }

    const others = await deps.matching.pool(ref.orgId, participant.programId, opposite(self.role));
    const [me] = prepareAll([self], now, deps);
    if (!me) return { outcome: 'not-in-pool', matchIds };
    const pairContext = contextOf([self, ...others]);
    const ranked = prepareAll(others, now, deps)
      .filter(({ entry }) => freeSlots(entry, settings) > 0)
      .map(({ entry, profile }) => {
        const [mentor, mentee] = self.role === 'mentor' ? [me.profile, profile] : [profile, me.profile];
        return { entry, evaluation: evaluatePair(mentor, mentee, settings, pairContext) };
      })
      .filter(({ evaluation }) => evaluation.eligible)
      // Best score first; on a tie, whoever has waited longest.
      .sort(
        (a, b) =>
          (b.evaluation.result?.score ?? 0) - (a.evaluation.result?.score ?? 0) ||
          a.entry.verifiedAt.localeCompare(b.entry.verifiedAt),
      );

    let current: PoolEntry | undefined = self;
    let lostRace = false;
    for (const { entry, evaluation } of ranked) {
      if (!current || freeSlots(current, settings) === 0) break;
      const made = await makePair(
        deps,
        context,
        {
          mentor: current.role === 'mentor' ? current : entry,
          mentee: current.role === 'mentee' ? current : entry,
          explanation: evaluation.result as PairScore,
          madeBy: 'rolling',
        },
        now,
      );
      if (!made) {
        lostRace = true; // someone else changed one of the two: read everything again
        break;
      }
      matchIds.push(made.matchId);
      current = current.role === 'mentor' ? made.mentor.pool : made.mentee.pool;
    }
    if (!lostRace) return { outcome: matchIds.length > 0 ? 'matched' : 'waiting', matchIds };
  }
  deps.log?.('rolling matching gave up after lost races', { participantId: ref.participantId });
  return { outcome: matchIds.length > 0 ? 'matched' : 'waiting', matchIds };
};

export interface RunSummary {
  runId: string;
  programId: string;
  mentees: number;
  mentors: number;
  matched: number;
  totalScore: number;
  exact: boolean;
}

/**
 * A whole-pool run: every waiting mentee and every mentor with a free slot, assigned at once by the exact
 * solver over the candidate graph (best `perMentee` mentors per mentee). Each pair is written on its own; a
 * pair that lost a race with rolling matching is skipped (its people are matched by whoever won, or next run).
 */
export const runMatching = async (
  deps: MatchingDeps,
  ref: { orgId: string; programId: string; runId: string },
  now: Date,
): Promise<RunSummary | undefined> => {
  const context = await mentoringProgram(deps.organisations, ref.orgId, ref.programId);
  if (!context) return undefined;
  // A redelivered request for a run that finished runs nothing again (one that crashed midway runs on).
  if (await deps.matching.runFinished(ref.orgId, ref.runId)) return undefined;
  const { settings } = context;
  const [mentorEntries, menteeEntries] = await Promise.all([
    deps.matching.pool(ref.orgId, ref.programId, 'mentor'),
    deps.matching.pool(ref.orgId, ref.programId, 'mentee'),
  ]);
  const mentors = prepareAll(mentorEntries, now, deps).filter(({ entry }) => freeSlots(entry, settings) > 0);
  const mentees = prepareAll(menteeEntries, now, deps);
  const candidates = buildCandidates(
    mentors.map((m) => m.profile),
    mentees.map((m) => m.profile),
    settings,
    contextOf([...mentorEntries, ...menteeEntries]),
  );
  const assignment = assign({
    ...candidates.problem,
    mentorCapacity: mentors.map(({ entry }) => freeSlots(entry, settings)),
  });

  // Each person's latest state: a mentor taking two mentees writes twice, the second on the first's version.
  const latest = new Map<string, PoolEntry>();
  for (const { entry } of [...mentors, ...mentees]) latest.set(entry.participantId, entry);
  let matched = 0;
  let totalScore = 0;
  let skipped = 0;
  const pairs = [...assignment.pairs].sort((a, b) => b.score - a.score);
  for (const pair of pairs) {
    const mentor = latest.get(candidates.mentorIds[pair.mentor] as string);
    const mentee = latest.get(candidates.menteeIds[pair.mentee] as string);
    if (!mentor || !mentee) {
      skipped++;
      continue;
    }
    const made = await makePair(
      deps,
      context,
      {
        mentor,
        mentee,
        explanation: candidates.explain(pair),
        madeBy: 'batch',
        runId: ref.runId,
      },
      now,
    );
    if (!made) {
      skipped++;
      latest.delete(mentor.participantId);
      latest.delete(mentee.participantId);
      continue;
    }
    matched++;
    totalScore += pair.score;
    if (made.mentor.pool) latest.set(mentor.participantId, made.mentor.pool);
    else latest.delete(mentor.participantId);
    latest.delete(mentee.participantId);
  }
  const summary: RunSummary = {
    runId: ref.runId,
    programId: ref.programId,
    mentees: mentees.length,
    mentors: mentors.length,
    matched,
    totalScore: round2(totalScore),
    exact: skipped === 0 && candidates.stats.cappedMentees === 0,
  };
  const finished = await deps.matching.finishRun(
    ref.orgId,
    ref.runId,
    {
      detailType: 'MatchingRunCompleted',
      detail: { version: 1, orgId: ref.orgId, occurredAt: now.toISOString(), ...summary },
    },
    now,
  );
  return finished ? summary : undefined;
};

/** Whether the daily run should match a program today. */
export const dueForDailyRun = (settings: MatchingSettings, now: Date) =>
  settings.mode === 'rolling' ||
  (settings.cohortMatchOn !== undefined && settings.cohortMatchOn <= now.toISOString().slice(0, 10));

export interface Ending {
  orgId: string;
  matchId: string;
  reason: EndReason;
  endedBy: EndedBy;
  /** Who goes back into the pool; by default as {@link defaultRejoining} says. */
  rejoining?: MatchRole[];
  /** The person asking, when a participant asks (their link names them). */
  participantId?: string;
  /** Events of the same fact, stored with the ending (say, the check-in answer that ended it). */
  alsoEvents?: OutgoingEvent[];
}

export const matchNotFound = () =>
  new Problem(404, 'match-not-found', 'There is no such match', undefined, [
    { pointer: '/matchId', detail: 'Unknown match at this organisation' },
  ]);

export const matchAlreadyEnded = () =>
  new Problem(
    410,
    'match-ended',
    'This match has already ended',
    'Nothing was changed. If you are waiting for a new match, we will email you when we find one.',
  );

/**
 * Ends an active match: the pair is never matched again, the mentor's slot is freed, and whoever rejoins goes
 * back into the pool (rolling matching picks them up from MatchEnded). A second ending is refused (410).
 */
export const endMatch = async (deps: MatchingDeps, ending: Ending, now: Date): Promise<Match> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const match = await deps.matching.match(ending.orgId, ending.matchId);
    if (!match) throw matchNotFound();
    if (ending.participantId && ![match.mentorId, match.menteeId].includes(ending.participantId)) {
      throw matchNotFound();
    }
    if (match.status !== 'active') throw matchAlreadyEnded();
    const context = await mentoringProgram(deps.organisations, match.orgId, match.programId);
    if (!context) throw matchNotFound();
    const [mentor, mentee] = await Promise.all([
      deps.matching.participant(match.orgId, match.mentorId),
      deps.matching.participant(match.orgId, match.menteeId),
    ]);
    if (!mentor?.matching || !mentee?.matching) throw matchNotFound();

    const rejoining = ending.rejoining ?? defaultRejoining(ending.reason, ending.endedBy);
    const side = (participant: typeof mentor, role: MatchRole, otherId: string): SideChange => {
      const before = participant.matching as NonNullable<typeof participant.matching>;
      // A mentor who does not rejoin keeps their other mentees but takes no new ones.
      const after = withoutMatch(before, match.matchId, otherId, rejoining.includes(role));
      return {
        participantId: participant.participantId,
        role,
        before,
        after,
        pool: poolEntryOf(participant, after, context.settings),
      };
    };
    const at = now.toISOString();
    const ended = { at, reason: ending.reason, endedBy: ending.endedBy, rejoining };
    const done = await deps.matching.endMatch({
      orgId: match.orgId,
      programId: match.programId,
      mentor: side(mentor, 'mentor', mentee.participantId),
      mentee: side(mentee, 'mentee', mentor.participantId),
      match,
      ended,
      ...(ending.alsoEvents ? { alsoEvents: ending.alsoEvents } : {}),
      event: {
        detailType: 'MatchEnded',
        detail: {
          version: 1,
          orgId: match.orgId,
          occurredAt: at,
          matchId: match.matchId,
          programId: match.programId,
          mentorId: match.mentorId,
          menteeId: match.menteeId,
          reason: ending.reason,
          endedBy: ending.endedBy,
          rejoining,
        },
      },
      now,
    });
    if (done) return { ...match, status: 'ended', ended };
  }
  throw new Problem(503, 'busy', 'Busy, please retry', 'Please try again in a moment.', undefined, {
    'retry-after': '1',
  });
};

/**
 * A coordinator's "never match these two": both people's states record it (either side's entry keeps the
 * pair apart), so no later rolling or whole-pool matching pairs them. Idempotent.
 */
export const addDoNotMatch = async (
  deps: MatchingDeps,
  ref: { orgId: string; participantId: string; otherId: string },
): Promise<{ participantId: string; doNotMatch: string[] }> => {
  if (ref.participantId === ref.otherId) {
    throw new Problem(422, 'invalid-path', 'A person cannot be kept apart from themselves', undefined, [
      { pointer: '/otherId', detail: 'another participant than /participantId' },
    ]);
  }
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const [one, other] = await Promise.all([
      deps.matching.participant(ref.orgId, ref.participantId),
      deps.matching.participant(ref.orgId, ref.otherId),
    ]);
    const missing = [...(one?.matching ? [] : ['/participantId']), ...(other?.matching ? [] : ['/otherId'])];
    if (!one?.matching || !other?.matching) {
      throw new Problem(
        404,
        'not-found',
        'Participant not found',
        'Both must be verified mentors or mentees of the organisation.',
        missing.map((pointer) => ({ pointer, detail: 'Unknown mentor or mentee at this organisation' })),
      );
    }
    if (one.programId !== other.programId) {
      // People of different programs are never paired: there is nothing to keep apart.
      throw new Problem(422, 'different-programs', 'These two are in different programs', undefined, [
        { pointer: '/otherId', detail: 'a mentor or mentee of the same program as /participantId' },
      ]);
    }
    const context = await mentoringProgram(deps.organisations, ref.orgId, one.programId);
    if (!context) {
      throw new Problem(409, 'not-a-mentoring-program', 'This program has no matching', undefined, [
        { pointer: '/participantId', detail: 'not in a mentoring program' },
      ]);
    }
    const side = (person: Participant, before: MatchingState, apartId: string): SideChange => {
      const after = before.doNotMatch.includes(apartId)
        ? before
        : { ...before, version: before.version + 1, doNotMatch: [...before.doNotMatch, apartId] };
      return {
        participantId: person.participantId,
        role: person.role as MatchRole,
        before,
        after,
        pool: poolEntryOf(person, after, context.settings),
      };
    };
    const sides = [
      side(one, one.matching, other.participantId),
      side(other, other.matching, one.participantId),
    ];
    const changed = sides.filter((side) => side.after !== side.before);
    if (changed.length === 0 || (await deps.matching.updateStates(ref.orgId, one.programId, changed))) {
      return { participantId: ref.participantId, doNotMatch: sides[0]?.after.doNotMatch ?? [] };
    }
  }
  deps.log?.('do-not-match gave up after lost races', { participantId: ref.participantId });
  throw new Problem(503, 'busy', 'Busy, please retry', 'Please try again in a moment.', undefined, {
    'retry-after': '1',
  });
};

export const participantNotFound = () =>
  new Problem(404, 'participant-not-found', 'There is no such participant', undefined, [
    { pointer: '/token', detail: 'The token names no mentor or mentee of this organisation' },
  ]);

/**
 * A paused mentor confirms they are still available: back in the pool with MatchingResumed in the same write
 * (rolling matching picks them up from it). Confirming again, or when not paused, changes nothing.
 */
export const resumeMatching = async (
  deps: MatchingDeps,
  ref: { orgId: string; participantId: string },
  now: Date,
): Promise<'resumed' | 'not-paused'> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const person = await deps.matching.participant(ref.orgId, ref.participantId);
    if (!person?.matching || !isMatchRoleOf(person)) throw participantNotFound();
    if (!person.matching.paused) return 'not-paused';
    const context = await mentoringProgram(deps.organisations, ref.orgId, person.programId);
    if (!context) throw participantNotFound();
    const after = withoutPause(person.matching);
    const side: SideChange = {
      participantId: person.participantId,
      role: person.role as MatchRole,
      before: person.matching,
      after,
      pool: poolEntryOf(person, after, context.settings),
    };
    const event: OutgoingEvent<'MatchingResumed'> = {
      detailType: 'MatchingResumed',
      detail: {
        version: 1,
        orgId: ref.orgId,
        occurredAt: now.toISOString(),
        participantId: person.participantId,
        programId: person.programId,
      },
    };
    if (await deps.matching.updateStates(ref.orgId, person.programId, [side], [event], now)) return 'resumed';
  }
  deps.log?.('resume gave up after lost races', { participantId: ref.participantId });
  throw new Problem(503, 'busy', 'Busy, please retry', 'Please try again in a moment.', undefined, {
    'retry-after': '1',
  });
};

const isMatchRoleOf = (person: Participant) => person.role === 'mentor' || person.role === 'mentee';
