import type { AssignmentProblem, Candidate } from './assignment-types';
import { clockDistanceHours } from './availability';
import {
  evaluatePair,
  type MatchContext,
  mentorCapacity,
  OVERLAP_MEETINGS,
  type PairEvaluation,
  type PairScore,
  type PreparedProfile,
  SATURATION as SCORE_SATURATION,
  saturating,
} from './score';
import { CRITERIA, type Criterion, type MatchingSettings } from './settings';

/**
 * The candidate graph of a whole pool: for each mentee, its best `perMentee` eligible mentors (every hard filter
 * passed, score at or above the program's minimum), found without scoring every mentor × mentee.
 *
 * Blocking: tags, languages, places and programs are interned as integers. Per program, one flat CSR lists the
 * mentors under each (tag kind, language, format, normalised tag): a mentee walks only the lists of its own
 * tags in its own languages and in formats it can meet in, counting per mentor the shared experiences,
 * interests and goals (mentors sharing nothing are never touched). From the counts, two small per-mentee
 * tables (tag points by saturated counts and list sizes; clock points by UTC offset) give every touched mentor
 * a coarse upper bound on its score, bucketed (counting sort, no full sort). Buckets are then refined lazily,
 * best first — format and city, a bitset of the week's UTC hours (no common hour: the availability filter
 * fails; common hours also cap the overlap), the exact tag values and the clock — into a max-heap of tighter
 * bounds, and pairs are scored with {@link evaluatePair} (so scores and filters are exactly the scorer's) best
 * bound first, until the `perMentee`-th best score found beats every remaining bound, or `shortlist` pairs have
 * been scored for that mentee. Mentors sharing no tag are only looked at when their best possible score could
 * still make the list. Bounds mirror `scoreWith` in score.ts (same saturation, same arithmetic) plus a 1e-9
 * margin; `stats.boundViolations` counts any score above its bound, which would mean the two have drifted.
 *
 * When no mentee hits the `shortlist` cap (`stats.cappedMentees` is 0) the result is exactly "every eligible
 * pair, top `perMentee` per mentee by score", ties broken by the lower mentor index. Pure: no I/O.
 */

export interface CandidateOptions {
  /** Candidates kept per mentee (its best by score). Default 20. */
  perMentee?: number;
  /** At most this many pairs are scored per mentee (best upper bound first). Default 300. */
  shortlist?: number;
}

export interface CandidateStats {
  /** Pairs scored with `evaluatePair`. */
  evaluated: number;
  /** Of those, eligible (hard filters passed, minimum score reached). */
  eligible: number;
  /** Mentees whose search stopped at the `shortlist` cap before it was complete (their list may not be exact). */
  cappedMentees: number;
  /** Mentees with no candidate at all. */
  menteesWithoutCandidates: number;
  /** Scores above their computed upper bound: 0 unless the scorer changed without this module (a bug). */
  boundViolations: number;
}

/** A pair by pool indices (index into the `mentees` and `mentors` arrays given). */
export interface PairRef {
  mentee: number;
  mentor: number;
}

export interface CandidateSet {
  /** Mentee and mentor indices are positions in the arrays given; `objective` from the settings. */
  problem: AssignmentProblem;
  menteeIds: readonly string[];
  mentorIds: readonly string[];
  stats: CandidateStats;
  /** The pair's filters and score again (deterministic, so the same as when the candidates were built). */
  evaluate(pair: PairRef): PairEvaluation;
  /** The pair's score with its breakdown; throws a RangeError when a hard filter fails. */
  explain(pair: PairRef): PairScore;
}

/** The scorer's own saturation caps, by tag kind: the bounds must use the very same. */
const SATURATION = {
  experiences: SCORE_SATURATION['shared-experiences'],
  interests: SCORE_SATURATION['shared-interests'],
  goals: SCORE_SATURATION['goals-mentor-helps-with'],
} as const;
/** Bounds are nudged up by this much so float noise can never prune a pair that ties the threshold. */
const EPSILON = 1e-9;
/** Bound buckets per score point (a power of two, so bucketing is exact). */
const BUCKETS_PER_POINT = 4;
const BUCKETS = 100 * BUCKETS_PER_POINT + 1;

/** Compressed sparse rows: the items of key k are items[start[k] .. start[k + 1] - 1]. */
interface Csr {
  start: Int32Array;
  items: Int32Array;
}

const csr = (keyCount: number, rows: readonly (readonly number[])[], members: Int32Array): Csr => {
  const start = new Int32Array(keyCount + 1);
  for (const v of members)
    for (const k of rows[v] as readonly number[]) start[k + 1] = (start[k + 1] as number) + 1;
  for (let k = 0; k < keyCount; k++) start[k + 1] = (start[k + 1] as number) + (start[k] as number);
  const fill = start.slice(0, keyCount);
  const items = new Int32Array(start[keyCount] as number);
  for (const v of members) {
    for (const k of rows[v] as readonly number[]) {
      items[fill[k] as number] = v;
      fill[k] = (fill[k] as number) + 1;
    }
  }
  return { start, items };
};

const intern = <K>(dictionary: Map<K, number>, key: K) => {
  let id = dictionary.get(key);
  if (id === undefined) {
    id = dictionary.size;
    dictionary.set(key, id);
  }
  return id;
};

const totalMinutes = (profile: PreparedProfile) => {
  let total = 0;
  for (const [start, end] of profile.intervals) total += end - start;
  return total;
};

const FORMAT = { online: 0, either: 1, 'in-person': 2 } as const;

/** Weekly availability as a bitset of the week's 168 UTC hours: bit h when any free minute falls in hour h. */
const HOUR_WORDS = 6;
const hourMask = (profile: PreparedProfile, into: Uint32Array, at: number) => {
  into.fill(0, at, at + HOUR_WORDS);
  for (const [start, end] of profile.intervals) {
    if (end <= start) continue;
    const last = Math.floor((end - 1) / 60);
    for (let hour = Math.floor(start / 60); hour <= last; hour++) {
      const word = at + (hour >>> 5);
      into[word] = ((into[word] as number) | (1 << (hour & 31))) >>> 0;
    }
  }
};
const popcount = (word: number) => {
  let x = word - ((word >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
};

/**
 * What the tag criteria of a pair depend on: shared experiences (0, 1, 2+), interests (0–3+), goals (0, 1, 2+),
 * and the mentor's list sizes as far as saturation sees them (experiences 1–2+, interests 1–3+).
 */
interface TagKey {
  experiences: number;
  interests: number;
  goals: number;
  mentorExperiences: number;
  mentorInterests: number;
}
const TAG_KEYS = 3 * 4 * 3 * 6;
const TAG_KEY: readonly TagKey[] = Array.from({ length: TAG_KEYS }, (_, key) => {
  const sizes = key % 6;
  const rest = Math.floor(key / 6);
  return {
    experiences: Math.floor(rest / 12),
    interests: Math.floor(rest / 3) % 4,
    goals: rest % 3,
    mentorExperiences: Math.floor(sizes / 3) + 1,
    mentorInterests: (sizes % 3) + 1,
  };
});
const bucketOf = (bound: number) => Math.min(BUCKETS - 1, Math.floor(bound * BUCKETS_PER_POINT));

export const buildCandidates = (
  mentors: readonly PreparedProfile[],
  mentees: readonly PreparedProfile[],
  settings: MatchingSettings,
  context: MatchContext = {},
  options: CandidateOptions = {},
): CandidateSet => {
  const perMentee = options.perMentee ?? 20;
  const shortlist = options.shortlist ?? 300;
  if (!Number.isInteger(perMentee) || perMentee < 1)
    throw new RangeError(`perMentee must be ≥ 1, got ${perMentee}`);
  if (!Number.isInteger(shortlist) || shortlist < 1)
    throw new RangeError(`shortlist must be ≥ 1, got ${shortlist}`);
  const m = mentors.length;
  const n = mentees.length;

  // --- Interned, flat view of everyone -------------------------------------------------------------------
  const tags = new Map<string, number>();
  const languages = new Map<string, number>();
  const programs = new Map<string, number>();
  const places = new Map<string, number>();
  const tagIds = (keys: Iterable<string>) => Array.from(keys, (key) => intern(tags, key));
  const placeId = (value: string | undefined) => (value === undefined ? -1 : intern(places, value));

  const mentorExperiences = mentors.map((p) => tagIds(p.experiences.keys()));
  const mentorInterests = mentors.map((p) => tagIds(p.interests.keys()));
  const mentorHelps = mentors.map((p) => tagIds(p.helpsWith));
  const mentorLanguages = mentors.map((p) => Array.from(p.languages, (code) => intern(languages, code)));
  const menteeLanguages = mentees.map((p) =>
    Array.from(p.languages, (code) => languages.get(code) ?? -1).filter((id) => id >= 0),
  );
  const words = Math.max(1, Math.ceil(languages.size / 32));
  const languageMask = new Uint32Array(m * words);
  for (let v = 0; v < m; v++) {
    for (const id of mentorLanguages[v] as number[]) {
      const at = v * words + (id >>> 5);
      languageMask[at] = ((languageMask[at] as number) | (1 << (id & 31))) >>> 0;
    }
  }
  const mentorProgram = new Int32Array(m);
  const format = new Uint8Array(m);
  const city = new Int32Array(m);
  const campus = new Int32Array(m);
  const experienceCount = new Int32Array(m);
  const interestCount = new Int32Array(m);
  const mentorMinutes = new Float64Array(m);
  const mentorOffset = new Float64Array(m);
  const sizeClass = new Int32Array(m);
  const zones = new Map<number, number>();
  const mentorZone = new Int32Array(m);
  const hours = new Uint32Array(m * HOUR_WORDS);
  for (let v = 0; v < m; v++) {
    const p = mentors[v] as PreparedProfile;
    mentorProgram[v] = intern(programs, p.programId);
    format[v] = FORMAT[p.format];
    city[v] = placeId(p.city);
    campus[v] = placeId(p.campus);
    experienceCount[v] = p.experiences.size;
    interestCount[v] = p.interests.size;
    mentorMinutes[v] = totalMinutes(p);
    mentorOffset[v] = p.offsetMinutes;
    sizeClass[v] =
      (Math.min(2, Math.max(1, p.experiences.size)) - 1) * 3 +
      (Math.min(3, Math.max(1, p.interests.size)) - 1);
    hourMask(p, hours, v * HOUR_WORDS);
    mentorZone[v] = intern(zones, p.offsetMinutes);
  }
  const zoneCount = zones.size;
  const zoneOffset = Float64Array.from(zones.keys());

  // --- Per-program inverted indexes, built for programs that have mentees ------------------------------------
  // One CSR over (tag kind, language, format, tag): a mentor is listed under each language it speaks and its
  // format, so a mentee walks only the lists of its own languages and of formats it can meet in.
  const KINDS = 3; // experiences, interests, helps with
  const partitions = languages.size * 3;
  const listKey = (kind: number, partition: number, tag: number) =>
    (kind * partitions + partition) * tags.size + tag;
  interface ProgramIndex {
    lists: Csr;
    byLanguage: Csr;
  }
  const indexes = new Map<number, ProgramIndex>();
  const indexOf = (program: number): ProgramIndex => {
    let index = indexes.get(program);
    if (!index) {
      const members: number[] = [];
      for (let v = 0; v < m; v++) {
        // Only mentors can be paired as mentors (the `roles` filter); others are never indexed.
        if (mentorProgram[v] === program && (mentors[v] as PreparedProfile).role === 'mentor')
          members.push(v);
      }
      const ids = Int32Array.from(members);
      const keys: number[][] = mentors.map(() => []);
      for (const v of ids) {
        const row = keys[v] as number[];
        for (const language of mentorLanguages[v] as number[]) {
          const partition = language * 3 + (format[v] as number);
          for (const tag of mentorExperiences[v] as number[]) row.push(listKey(0, partition, tag));
          for (const tag of mentorInterests[v] as number[]) row.push(listKey(1, partition, tag));
          for (const tag of mentorHelps[v] as number[]) row.push(listKey(2, partition, tag));
        }
      }
      index = {
        lists: csr(KINDS * partitions * tags.size, keys, ids),
        byLanguage: csr(languages.size, mentorLanguages, ids),
      };
      indexes.set(program, index);
    }
    return index;
  };

  // --- Score bounds, mirroring scoreWith --------------------------------------------------------------------
  let totalWeight = 0;
  for (const criterion of CRITERIA) totalWeight += settings.weights[criterion];
  const weightOf = (criterion: Criterion) => {
    const weight = settings.weights[criterion];
    return weight > 0 && totalWeight > 0 ? weight : 0;
  };
  // Criterion slots in CRITERIA order; a criterion this module does not know is bounded by its best value, 1.
  const KNOWN: readonly string[] = [
    'shared-experiences',
    'shared-interests',
    'goals-mentor-helps-with',
    'availability-overlap',
    'timezone-distance',
  ];
  const criterionWeights = Float64Array.from(CRITERIA, weightOf);
  const criterionKind = Int32Array.from(CRITERIA, (criterion) => KNOWN.indexOf(criterion));
  const values = new Float64Array(KNOWN.length);
  const boundOf = () => {
    let score = 0;
    for (let c = 0; c < criterionWeights.length; c++) {
      const weight = criterionWeights[c] as number;
      if (weight === 0) continue;
      const kind = criterionKind[c] as number;
      const value = kind < 0 ? 1 : (values[kind] as number);
      score += ((weight * value) / totalWeight) * 100;
    }
    return Math.min(100, Math.max(0, score)) + EPSILON;
  };
  const meetingCap = OVERLAP_MEETINGS * settings.meetingMinutes;
  const minimumScore = settings.minimumScore;

  const tagIdsOf = (keys: Iterable<string>) => {
    const ids: number[] = [];
    for (const key of keys) {
      const id = tags.get(key);
      if (id !== undefined) ids.push(id);
    }
    return ids;
  };
  /** Whether mentor v speaks one of the mentee's languages before the k-th. */
  const speaksEarlier = (v: number, own: readonly number[], k: number) => {
    for (let j = 0; j < k; j++) {
      const id = own[j] as number;
      if (((languageMask[v * words + (id >>> 5)] as number) & (1 << (id & 31))) !== 0) return true;
    }
    return false;
  };

  // --- Scratch, reused across mentees ----------------------------------------------------------------------
  /** Per mentor, while a mentee is processed: shared experiences | interests << 8 | goals << 16; 0 untouched. */
  const counts = new Int32Array(m);
  /** Marks a mentor already looked at that shares no tag (never a real count: those stay below 1 << 24). */
  const SEEN = 1 << 30;
  const touched = new Int32Array(m);
  const touchedBucket = new Int32Array(m);
  const order = new Int32Array(m);
  const groupStart = new Int32Array(BUCKETS + 1);
  const heapMentor = new Int32Array(m);
  const heapBound = new Float64Array(m);
  const menteeHours = new Uint32Array(HOUR_WORDS);
  const keptMentor = new Int32Array(perMentee);
  const keptScore = new Float64Array(perMentee);
  const tagPoints = new Float64Array(TAG_KEYS);
  const restPoints = new Float64Array(zoneCount);

  const candidates: Candidate[] = [];
  const stats: CandidateStats = {
    evaluated: 0,
    eligible: 0,
    cappedMentees: 0,
    menteesWithoutCandidates: 0,
    boundViolations: 0,
  };

  for (let u = 0; u < n; u++) {
    const mentee = mentees[u] as PreparedProfile;
    const program = programs.get(mentee.programId);
    if (program === undefined || mentee.role !== 'mentee') {
      stats.menteesWithoutCandidates++;
      continue;
    }
    const index = indexOf(program);
    hourMask(mentee, menteeHours, 0);
    const menteeFormat = FORMAT[mentee.format];
    const menteeCity = mentee.city === undefined ? -2 : (places.get(mentee.city) ?? -2);
    const menteeCampus = mentee.campus === undefined ? -2 : (places.get(mentee.campus) ?? -2);
    const menteeMinutes = totalMinutes(mentee);
    const menteeOffset = mentee.offsetMinutes;
    const menteeExperiences = mentee.experiences.size;
    const menteeInterests = mentee.interests.size;
    const menteeGoals = mentee.goals.size;
    const bestOverlap = Math.min(1, menteeMinutes / meetingCap);

    // 1. Count shared tags per mentor from the inverted indexes (only mentors sharing something are touched).
    //    A mentor speaking two of the mentee's languages is counted under the first one only.
    let touchedCount = 0;
    const ownLanguages = menteeLanguages[u] as number[];
    const menteeTags = [
      tagIdsOf(mentee.experiences.keys()),
      tagIdsOf(mentee.interests.keys()),
      tagIdsOf(mentee.goals.keys()),
    ];
    for (let k = 0; k < ownLanguages.length; k++) {
      const language = ownLanguages[k] as number;
      for (let f = 0; f < 3; f++) {
        if (
          (menteeFormat === FORMAT.online && f === FORMAT['in-person']) ||
          (menteeFormat === FORMAT['in-person'] && f === FORMAT.online)
        )
          continue;
        const partition = language * 3 + f;
        for (let kind = 0; kind < KINDS; kind++) {
          const step = kind === 0 ? 1 : kind === 1 ? 1 << 8 : 1 << 16;
          for (const tag of menteeTags[kind] as number[]) {
            const key = listKey(kind, partition, tag);
            const end = index.lists.start[key + 1] as number;
            for (let at = index.lists.start[key] as number; at < end; at++) {
              const v = index.lists.items[at] as number;
              if (k > 0 && speaksEarlier(v, ownLanguages, k)) continue;
              const c = counts[v] as number;
              if (c === 0) touched[touchedCount++] = v;
              counts[v] = c + step;
            }
          }
        }
      }
    }

    // 2. A coarse bound per touched mentor, from two small tables: the tag criteria depend only on the
    //    (saturated) shared counts and the mentor's list sizes, the clock only on the mentor's UTC offset;
    //    availability is taken at its best. (Each part carries EPSILON, so their sum stays an upper bound.)
    for (let key = 0; key < TAG_KEYS; key++) {
      const { experiences, interests, goals, mentorExperiences, mentorInterests } = TAG_KEY[key] as TagKey;
      values[0] = saturating(experiences, mentorExperiences, menteeExperiences, SATURATION.experiences);
      values[1] = saturating(interests, mentorInterests, menteeInterests, SATURATION.interests);
      values[2] = saturating(goals, menteeGoals, menteeGoals, SATURATION.goals);
      values[3] = 0;
      values[4] = 0;
      tagPoints[key] = boundOf();
    }
    for (let z = 0; z < zoneCount; z++) {
      values[0] = 0;
      values[1] = 0;
      values[2] = 0;
      values[3] = bestOverlap;
      values[4] = 1 - clockDistanceHours(zoneOffset[z] as number, menteeOffset) / 12;
      restPoints[z] = boundOf();
    }
    groupStart.fill(0);
    for (let i = 0; i < touchedCount; i++) {
      const v = touched[i] as number;
      const c = counts[v] as number;
      const key =
        ((Math.min(c & 0xff, 2) * 4 + Math.min((c >>> 8) & 0xff, 3)) * 3 + Math.min(c >>> 16, 2)) * 6 +
        (sizeClass[v] as number);
      const coarse = (tagPoints[key] as number) + (restPoints[mentorZone[v] as number] as number);
      // Groups are laid out best bucket first.
      const group = BUCKETS - 1 - bucketOf(coarse);
      touchedBucket[i] = group;
      groupStart[group + 1] = (groupStart[group + 1] as number) + 1;
    }
    for (let g = 0; g < BUCKETS; g++)
      groupStart[g + 1] = (groupStart[g + 1] as number) + (groupStart[g] as number);
    for (let i = 0; i < touchedCount; i++) {
      const group = touchedBucket[i] as number;
      const at = groupStart[group] as number;
      order[at] = touched[i] as number;
      groupStart[group] = at + 1;
    }
    // groupStart[g] is now the end of group g (= the start of group g + 1); group g starts at groupStart[g - 1].

    // The best any mentor sharing no tag could score: no tag points, the best clock, the mentee's own minutes.
    values[0] = 0;
    values[1] = 0;
    values[2] = 0;
    values[3] = bestOverlap;
    values[4] = 1;
    const untaggedBound = boundOf();
    let untaggedPending = untaggedBound >= minimumScore;

    // 3. Lazily refine groups (filters, exact tag values, an availability bound, the clock) into a max-heap of
    //    bounds, and score best bound first until the kept list provably cannot change.
    let heapSize = 0;
    let kept = 0;
    let evaluated = 0;
    let capped = false;
    const push = (v: number, bound: number) => {
      let i = heapSize++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((heapBound[parent] as number) >= bound) break;
        heapBound[i] = heapBound[parent] as number;
        heapMentor[i] = heapMentor[parent] as number;
        i = parent;
      }
      heapBound[i] = bound;
      heapMentor[i] = v;
    };
    const pop = (): number => {
      const top = heapMentor[0] as number;
      heapSize--;
      if (heapSize > 0) {
        const bound = heapBound[heapSize] as number;
        const v = heapMentor[heapSize] as number;
        let i = 0;
        for (;;) {
          let child = 2 * i + 1;
          if (child >= heapSize) break;
          if (child + 1 < heapSize && (heapBound[child + 1] as number) > (heapBound[child] as number))
            child++;
          if ((heapBound[child] as number) <= bound) break;
          heapBound[i] = heapBound[child] as number;
          heapMentor[i] = heapMentor[child] as number;
          i = child;
        }
        heapBound[i] = bound;
        heapMentor[i] = v;
      }
      return top;
    };
    const refine = (v: number, shared: number, floor: number) => {
      // Hard filters that need no scoring (a shared language is given by the lists): a format both can meet
      // in, and a common hour.
      const f = format[v] as number;
      if (f === FORMAT['in-person'] || menteeFormat === FORMAT['in-person']) {
        if (f === FORMAT.online || menteeFormat === FORMAT.online) return;
        const place =
          (menteeCity >= 0 && city[v] === menteeCity) || (menteeCampus >= 0 && campus[v] === menteeCampus);
        if (!place) return;
      }
      let commonHours = 0;
      for (let w = 0; w < HOUR_WORDS; w++) {
        commonHours += popcount((hours[v * HOUR_WORDS + w] as number) & (menteeHours[w] as number));
      }
      if (commonHours === 0) return;
      values[0] = saturating(
        shared & 0xff,
        experienceCount[v] as number,
        menteeExperiences,
        SATURATION.experiences,
      );
      values[1] = saturating(
        (shared >>> 8) & 0xff,
        interestCount[v] as number,
        menteeInterests,
        SATURATION.interests,
      );
      values[2] = saturating(shared >>> 16, menteeGoals, menteeGoals, SATURATION.goals);
      const overlapMax = Math.min(menteeMinutes, mentorMinutes[v] as number, 60 * commonHours);
      values[3] = Math.min(1, overlapMax / meetingCap);
      values[4] = 1 - clockDistanceHours(mentorOffset[v] as number, menteeOffset) / 12;
      const bound = boundOf();
      if (bound >= floor) push(v, bound);
    };

    let group = 0;
    while (
      group < BUCKETS &&
      (groupStart[group] as number) === (group === 0 ? 0 : (groupStart[group - 1] as number))
    )
      group++;
    for (;;) {
      const full = kept === perMentee;
      const threshold = full ? (keptScore[perMentee - 1] as number) : Number.NEGATIVE_INFINITY;
      const floor = Math.max(minimumScore, threshold);
      // Bounds of the coarse group are below its bucket's top (exclusive); untagged bounds are ≤ untaggedBound.
      const groupTop = group < BUCKETS ? (BUCKETS - group) / BUCKETS_PER_POINT : Number.NEGATIVE_INFINITY;
      const untaggedTop = untaggedPending ? untaggedBound : Number.NEGATIVE_INFINITY;
      if (heapSize > 0 && (heapBound[0] as number) >= groupTop && (heapBound[0] as number) >= untaggedTop) {
        // Nothing unrefined can beat the heap's top: score it, or stop when even it cannot make the list.
        if ((heapBound[0] as number) < threshold) break;
        if (evaluated === shortlist) {
          capped = true;
          break;
        }
        const bound = heapBound[0] as number;
        const v = pop();
        const evaluation = evaluatePair(mentors[v] as PreparedProfile, mentee, settings, context);
        evaluated++;
        if (!evaluation.eligible) continue;
        const score = (evaluation.result as PairScore).score;
        if (score > bound) stats.boundViolations++;
        stats.eligible++;
        // Insert into the kept list (best first; ties: lower mentor index first).
        let at = full ? perMentee - 1 : kept;
        if (full) {
          const lastScore = keptScore[at] as number;
          if (score < lastScore || (score === lastScore && v > (keptMentor[at] as number))) continue;
        } else {
          kept++;
        }
        while (at > 0) {
          const s = keptScore[at - 1] as number;
          if (s > score || (s === score && (keptMentor[at - 1] as number) < v)) break;
          keptScore[at] = s;
          keptMentor[at] = keptMentor[at - 1] as number;
          at--;
        }
        keptScore[at] = score;
        keptMentor[at] = v;
        continue;
      }
      if (untaggedPending && untaggedTop >= groupTop) {
        untaggedPending = false;
        if (untaggedBound >= floor) {
          // Mentors sharing only a language: refine them all (rare: only when they could still make the list).
          for (const language of menteeLanguages[u] as number[]) {
            const end = index.byLanguage.start[language + 1] as number;
            for (let at = index.byLanguage.start[language] as number; at < end; at++) {
              const v = index.byLanguage.items[at] as number;
              if ((counts[v] as number) !== 0) continue;
              counts[v] = SEEN;
              touched[touchedCount++] = v;
              refine(v, 0, floor);
            }
          }
        }
        continue;
      }
      if (group === BUCKETS) break;
      if (full && groupTop <= threshold) {
        group = BUCKETS; // no coarse bound left reaches the threshold
        continue;
      }
      const end = groupStart[group] as number;
      for (let at = group === 0 ? 0 : (groupStart[group - 1] as number); at < end; at++) {
        const v = order[at] as number;
        refine(v, counts[v] as number, floor);
      }
      group++;
      while (group < BUCKETS && (groupStart[group] as number) === (groupStart[group - 1] as number)) group++;
    }
    for (let i = 0; i < touchedCount; i++) counts[touched[i] as number] = 0;
    stats.evaluated += evaluated;
    if (capped) stats.cappedMentees++;
    if (kept === 0) stats.menteesWithoutCandidates++;
    for (let k = 0; k < kept; k++) {
      candidates.push({ mentee: u, mentor: keptMentor[k] as number, score: keptScore[k] as number });
    }
  }

  const check = ({ mentee, mentor }: PairRef) => {
    if (!Number.isInteger(mentee) || mentee < 0 || mentee >= n) throw new RangeError(`No mentee ${mentee}`);
    if (!Number.isInteger(mentor) || mentor < 0 || mentor >= m) throw new RangeError(`No mentor ${mentor}`);
  };
  const evaluate = (pair: PairRef) => {
    check(pair);
    return evaluatePair(
      mentors[pair.mentor] as PreparedProfile,
      mentees[pair.mentee] as PreparedProfile,
      settings,
      context,
    );
  };
  return {
    problem: {
      menteeCount: n,
      mentorCapacity: mentors.map((mentor) => mentorCapacity(mentor, settings)),
      candidates,
      objective: settings.objective,
    },
    menteeIds: mentees.map((p) => p.id),
    mentorIds: mentors.map((p) => p.id),
    stats,
    evaluate,
    explain: (pair) => {
      const evaluation = evaluate(pair);
      if (!evaluation.result) {
        throw new RangeError(
          `Mentor ${pair.mentor} and mentee ${pair.mentee} fail hard filters: ${evaluation.failures.join(', ')}`,
        );
      }
      return evaluation.result;
    },
  };
};
