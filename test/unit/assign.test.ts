import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign, optimumUpperBound } from '../../shared/matching/assign';
import type {
  Assignment,
  AssignmentProblem,
  Candidate,
  Objective,
} from '../../shared/matching/assignment-types';
import { greedyAssign } from '../../shared/matching/greedy';

const key = (mentee: number, mentor: number) => `${mentee}:${mentor}`;

/** The best score of each candidate pair (duplicates collapse to their best). */
const bestScores = (problem: AssignmentProblem) => {
  const best = new Map<string, number>();
  for (const { mentee, mentor, score } of problem.candidates) {
    const k = key(mentee, mentor);
    best.set(k, Math.max(best.get(k) ?? Number.NEGATIVE_INFINITY, score));
  }
  return best;
};

/** Every assignment, by trying each mentee unmatched or with each of its candidate mentors. */
const bruteForce = (problem: AssignmentProblem) => {
  const options: { mentor: number; score: number }[][] = Array.from(
    { length: problem.menteeCount },
    () => [],
  );
  for (const [k, score] of bestScores(problem)) {
    const [mentee, mentor] = k.split(':').map(Number) as [number, number];
    options[mentee]?.push({ mentor, score });
  }
  const left = problem.mentorCapacity.map((c) => c);
  let bestCount = 0;
  let bestTotal = 0;
  const better = (count: number, total: number) =>
    problem.objective === 'best-score'
      ? total > bestTotal + 1e-12
      : count > bestCount || (count === bestCount && total > bestTotal + 1e-12);
  const walk = (u: number, count: number, total: number) => {
    if (u === problem.menteeCount) {
      if (better(count, total)) {
        bestCount = count;
        bestTotal = total;
      }
      return;
    }
    walk(u + 1, count, total);
    for (const { mentor, score } of options[u] ?? []) {
      if ((left[mentor] as number) <= 0) continue;
      left[mentor] = (left[mentor] as number) - 1;
      walk(u + 1, count + 1, total + score);
      left[mentor] = (left[mentor] as number) + 1;
    }
  };
  walk(0, 0, 0);
  return { count: bestCount, total: bestTotal };
};

/** Problems with at most a given size; scores with two decimals, as the scorer gives them. */
const pool = (maxMentees: number, maxMentors: number, maxCapacity: number, minScore = 0) =>
  fc
    .record({
      menteeCount: fc.integer({ min: 0, max: maxMentees }),
      mentorCapacity: fc.array(fc.integer({ min: 0, max: maxCapacity }), {
        minLength: 0,
        maxLength: maxMentors,
      }),
    })
    .chain(({ menteeCount, mentorCapacity }) =>
      fc.record({
        menteeCount: fc.constant(menteeCount),
        mentorCapacity: fc.constant(mentorCapacity),
        candidates:
          menteeCount === 0 || mentorCapacity.length === 0
            ? fc.constant([] as Candidate[])
            : fc.array(
                fc.record({
                  mentee: fc.integer({ min: 0, max: menteeCount - 1 }),
                  mentor: fc.integer({ min: 0, max: mentorCapacity.length - 1 }),
                  score: fc.integer({ min: minScore * 100, max: 10_000 }).map((s) => s / 100),
                }),
                { maxLength: menteeCount * mentorCapacity.length + 3, size: 'max' },
              ),
      }),
    );

const small = (objective: Objective, minScore = 0) =>
  pool(7, 4, 3, minScore).map((p): AssignmentProblem => ({ ...p, objective }));
const anyObjective = fc.constantFrom<Objective>('best-score', 'most-matched');

/** Why `result` is not a valid assignment of `problem`, or undefined. */
const defect = (problem: AssignmentProblem, result: Assignment): string | undefined => {
  const best = bestScores(problem);
  const load = new Map<number, number>();
  const seen = new Set<number>();
  let total = 0;
  for (const { mentee, mentor, score } of result.pairs) {
    if (seen.has(mentee)) return `mentee ${mentee} matched twice`;
    seen.add(mentee);
    const candidateScore = best.get(key(mentee, mentor));
    if (candidateScore === undefined) return `${mentee}-${mentor} is not a candidate pair`;
    if (score !== candidateScore)
      return `${mentee}-${mentor} scored ${score}, best candidate ${candidateScore}`;
    load.set(mentor, (load.get(mentor) ?? 0) + 1);
    if ((load.get(mentor) as number) > (problem.mentorCapacity[mentor] as number)) {
      return `mentor ${mentor} over capacity`;
    }
    total += score;
  }
  if (Math.abs(total - result.totalScore) > 1e-9) return `totalScore ${result.totalScore} ≠ Σ pairs ${total}`;
  return undefined;
};

/**
 * An independent reference for pools too big to brute-force: successive shortest paths with Bellman–Ford from
 * one source over an explicit residual graph (source → mentee → mentor → sink).
 */
const referenceOptimum = (problem: AssignmentProblem) => {
  const n = problem.menteeCount;
  const m = problem.mentorCapacity.length;
  const source = n + m;
  const sink = source + 1;
  const to: number[] = [];
  const cap: number[] = [];
  const cost: number[] = [];
  const out: number[][] = Array.from({ length: sink + 1 }, () => []);
  const edge = (a: number, b: number, c: number, w: number) => {
    out[a]?.push(to.length);
    to.push(b, a);
    cap.push(c, 0);
    cost.push(w, -w);
  };
  for (let u = 0; u < n; u++) edge(source, u, 1, 0);
  for (let v = 0; v < m; v++) edge(n + v, sink, problem.mentorCapacity[v] as number, 0);
  for (const [k, score] of bestScores(problem)) {
    const [mentee, mentor] = k.split(':').map(Number) as [number, number];
    edge(mentee, n + mentor, 1, -score);
  }
  for (let e = 1; e < to.length; e += 2) out[to[e ^ 1] as number]?.push(e);
  let count = 0;
  let total = 0;
  for (;;) {
    const dist = new Array<number>(sink + 1).fill(Number.POSITIVE_INFINITY);
    const via = new Array<number>(sink + 1).fill(-1);
    dist[source] = 0;
    for (let round = 0, changed = true; changed && round <= sink; round++) {
      changed = false;
      for (let a = 0; a <= sink; a++) {
        if (dist[a] === Number.POSITIVE_INFINITY) continue;
        for (const e of out[a] ?? []) {
          const b = to[e] as number;
          const d = (dist[a] as number) + (cost[e] as number);
          if ((cap[e] as number) > 0 && d < (dist[b] as number) - 1e-9) {
            dist[b] = d;
            via[b] = e;
            changed = true;
          }
        }
      }
    }
    if (dist[sink] === Number.POSITIVE_INFINITY) break;
    if (problem.objective === 'best-score' && (dist[sink] as number) >= -1e-9) break;
    for (let b = sink; b !== source; b = to[(via[b] as number) ^ 1] as number) {
      const e = via[b] as number;
      cap[e] = (cap[e] as number) - 1;
      cap[e ^ 1] = (cap[e ^ 1] as number) + 1;
    }
    count++;
    total -= dist[sink] as number;
  }
  return { count, total };
};

describe('assign (exact)', () => {
  it('equals the brute-force optimum under best-score on small random pools', () => {
    // Prepare: pools of ≤ 7 mentees and ≤ 4 mentors with capacities 0–3.
    fc.assert(
      fc.property(small('best-score'), (problem) => {
        // Act
        const result = assign(problem);
        // Assess
        expect(result.totalScore).toBeCloseTo(bruteForce(problem).total, 9);
      }),
      { numRuns: 400 },
    );
  });

  it('equals the brute-force optimum under most-matched: most pairs, then the best total', () => {
    fc.assert(
      fc.property(small('most-matched', -50), (problem) => {
        const result = assign(problem);
        const optimum = bruteForce(problem);
        expect(result.pairs.length).toBe(optimum.count);
        expect(result.totalScore).toBeCloseTo(optimum.total, 9);
      }),
      { numRuns: 400 },
    );
  });

  it('gives valid assignments: capacity kept, each mentee at most once, only candidate pairs', () => {
    fc.assert(
      fc.property(pool(30, 10, 5, -20), anyObjective, (shape, objective) => {
        const problem = { ...shape, objective };
        expect(defect(problem, assign(problem))).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with an independent min-cost-flow reference on medium pools', () => {
    fc.assert(
      fc.property(pool(40, 12, 5, -10), anyObjective, (shape, objective) => {
        const problem = { ...shape, objective };
        const result = assign(problem);
        const reference = referenceOptimum(problem);
        if (objective === 'most-matched') expect(result.pairs.length).toBe(reference.count);
        expect(result.totalScore).toBeCloseTo(reference.total, 6);
      }),
      { numRuns: 60 },
    );
  });

  it('matches at least as many people under most-matched, and scores at least as much under best-score', () => {
    fc.assert(
      fc.property(pool(30, 10, 5), (shape) => {
        const byScore = assign({ ...shape, objective: 'best-score' });
        const byCount = assign({ ...shape, objective: 'most-matched' });
        expect(byCount.pairs.length).toBeGreaterThanOrEqual(byScore.pairs.length);
        expect(byScore.totalScore).toBeGreaterThanOrEqual(byCount.totalScore - 1e-9);
      }),
      { numRuns: 300 },
    );
  });

  it('stays within optimumUpperBound', () => {
    fc.assert(
      fc.property(pool(30, 10, 5), anyObjective, (shape, objective) => {
        const problem = { ...shape, objective };
        expect(assign(problem).totalScore).toBeLessThanOrEqual(optimumUpperBound(problem) + 1e-9);
      }),
      { numRuns: 200 },
    );
  });

  it('moves a mentee to its second choice when that frees a better pair', () => {
    // Prepare: greedy would give mentor 0 to mentee 0 (90) and leave mentee 1 unmatched.
    const problem: AssignmentProblem = {
      menteeCount: 2,
      mentorCapacity: [1, 1],
      candidates: [
        { mentee: 0, mentor: 0, score: 90 },
        { mentee: 0, mentor: 1, score: 80 },
        { mentee: 1, mentor: 0, score: 85 },
      ],
      objective: 'best-score',
    };
    // Act
    const result = assign(problem);
    // Assess
    expect(result.pairs).toEqual([
      { mentee: 0, mentor: 1, score: 80 },
      { mentee: 1, mentor: 0, score: 85 },
    ]);
    expect(result.totalScore).toBe(165);
    expect(greedyAssign(problem).totalScore).toBe(90);
  });

  it('trades score for an extra pair only under most-matched', () => {
    const shape = {
      menteeCount: 2,
      mentorCapacity: [1, 1],
      candidates: [
        { mentee: 0, mentor: 0, score: 100 },
        { mentee: 0, mentor: 1, score: 1 },
        { mentee: 1, mentor: 0, score: 60 },
      ],
    };
    expect(assign({ ...shape, objective: 'best-score' })).toEqual({
      pairs: [{ mentee: 0, mentor: 0, score: 100 }],
      totalScore: 100,
    });
    expect(assign({ ...shape, objective: 'most-matched' })).toEqual({
      pairs: [
        { mentee: 0, mentor: 1, score: 1 },
        { mentee: 1, mentor: 0, score: 60 },
      ],
      totalScore: 61,
    });
  });

  it('takes a pair with a negative score only under most-matched', () => {
    const shape = {
      menteeCount: 1,
      mentorCapacity: [1],
      candidates: [{ mentee: 0, mentor: 0, score: -3.5 }],
    };
    expect(assign({ ...shape, objective: 'best-score' }).pairs).toEqual([]);
    expect(assign({ ...shape, objective: 'most-matched' }).pairs).toEqual([
      { mentee: 0, mentor: 0, score: -3.5 },
    ]);
  });

  it('gives nothing for empty pools', () => {
    for (const objective of ['best-score', 'most-matched'] as const) {
      expect(assign({ menteeCount: 0, mentorCapacity: [], candidates: [], objective })).toEqual({
        pairs: [],
        totalScore: 0,
      });
      expect(assign({ menteeCount: 3, mentorCapacity: [], candidates: [], objective }).pairs).toEqual([]);
      expect(assign({ menteeCount: 0, mentorCapacity: [2], candidates: [], objective }).pairs).toEqual([]);
      expect(assign({ menteeCount: 3, mentorCapacity: [2, 1], candidates: [], objective }).pairs).toEqual([]);
    }
  });

  it('gives a mentor with capacity 0 nobody', () => {
    const problem: AssignmentProblem = {
      menteeCount: 2,
      mentorCapacity: [0, 1],
      candidates: [
        { mentee: 0, mentor: 0, score: 99 },
        { mentee: 1, mentor: 0, score: 98 },
        { mentee: 1, mentor: 1, score: 10 },
      ],
      objective: 'most-matched',
    };
    expect(assign(problem).pairs).toEqual([{ mentee: 1, mentor: 1, score: 10 }]);
  });

  it('counts a duplicated candidate pair once, with its best score', () => {
    const problem: AssignmentProblem = {
      menteeCount: 2,
      mentorCapacity: [2],
      candidates: [
        { mentee: 0, mentor: 0, score: 40 },
        { mentee: 0, mentor: 0, score: 70.25 },
        { mentee: 0, mentor: 0, score: 55 },
        { mentee: 1, mentor: 0, score: 5 },
      ],
      objective: 'best-score',
    };
    const result = assign(problem);
    expect(result.pairs).toEqual([
      { mentee: 0, mentor: 0, score: 70.25 },
      { mentee: 1, mentor: 0, score: 5 },
    ]);
    expect(result.totalScore).toBe(75.25);
  });

  it('handles unrounded float scores', () => {
    fc.assert(
      fc.property(
        pool(6, 3, 2).chain((shape) =>
          fc
            .array(fc.double({ min: 0, max: 100, noNaN: true }), {
              minLength: shape.candidates.length,
              maxLength: shape.candidates.length,
            })
            .map((scores) => ({
              ...shape,
              candidates: shape.candidates.map((c, i) => ({ ...c, score: scores[i] as number })),
            })),
        ),
        anyObjective,
        (shape, objective) => {
          const problem = { ...shape, objective };
          const optimum = bruteForce(problem);
          const result = assign(problem);
          if (objective === 'most-matched') expect(result.pairs.length).toBe(optimum.count);
          expect(Math.abs(result.totalScore - optimum.total)).toBeLessThanOrEqual(1e-9);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects candidates outside the pool and non-finite scores', () => {
    const base = { menteeCount: 1, mentorCapacity: [1], objective: 'best-score' as const };
    expect(() => assign({ ...base, candidates: [{ mentee: 1, mentor: 0, score: 1 }] })).toThrow(RangeError);
    expect(() => assign({ ...base, candidates: [{ mentee: 0, mentor: 1, score: 1 }] })).toThrow(RangeError);
    expect(() => assign({ ...base, candidates: [{ mentee: 0, mentor: 0, score: Number.NaN }] })).toThrow(
      RangeError,
    );
  });
});

describe('greedyAssign', () => {
  it('gives valid assignments never better than the exact optimum', () => {
    fc.assert(
      fc.property(pool(30, 10, 5, -20), anyObjective, (shape, objective) => {
        const problem = { ...shape, objective };
        const greedy = greedyAssign(problem);
        const exact = assign(problem);
        expect(defect(problem, greedy)).toBeUndefined();
        if (objective === 'best-score')
          expect(greedy.totalScore).toBeLessThanOrEqual(exact.totalScore + 1e-9);
        else expect(greedy.pairs.length).toBeLessThanOrEqual(exact.pairs.length);
      }),
      { numRuns: 300 },
    );
  });

  it('takes the best-scored pair first', () => {
    const problem: AssignmentProblem = {
      menteeCount: 2,
      mentorCapacity: [1],
      candidates: [
        { mentee: 0, mentor: 0, score: 50 },
        { mentee: 1, mentor: 0, score: 60 },
      ],
      objective: 'best-score',
    };
    expect(greedyAssign(problem)).toEqual({ pairs: [{ mentee: 1, mentor: 0, score: 60 }], totalScore: 60 });
  });
});
