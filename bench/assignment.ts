/**
 * Batch matching: the exact whole-pool assignment against the greedy baseline, on seeded candidate graphs shaped
 * like the real thing (mentors = mentees / 4 with capacity 1–5; each mentee's best-scoring mentors, up to 24 and
 * at least the minimum score 60, out of a random shortlist of 60, ~20 on average; scores 0–100 from shared latent
 * interests, so scores correlate, popular mentors are oversubscribed and some mentees have few candidates). Each (size, solver) runs in its own child process so its peak memory (maxRSS) is its own.
 *
 *   npm run bench:assignment [-- 1000,10000,50000]
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { assign, optimumUpperBound } from '../shared/matching/assign';
import type { AssignmentProblem, Candidate, Objective } from '../shared/matching/assignment-types';
import { greedyAssign } from '../shared/matching/greedy';
import { seededRandom } from './profiles';

const INTERESTS = 12;
const SHORTLIST = 60;
/** Top candidates kept per mentee, of those at or above the program's minimum score. */
const CANDIDATES = 24;
const MIN_SCORE = 60;

const generate = (menteeCount: number, objective: Objective, seed = 42): AssignmentProblem => {
  const next = seededRandom(seed + menteeCount);
  const mentorCount = Math.max(1, Math.floor(menteeCount / 4));
  const profile = (count: number) => {
    const out = new Float64Array(count * INTERESTS);
    for (let i = 0; i < out.length; i++) out[i] = next() ** 2; // a few strong interests each
    return out;
  };
  const mentees = profile(menteeCount);
  const mentors = profile(mentorCount);
  const mentorCapacity = Array.from({ length: mentorCount }, () => 1 + Math.floor(next() * 5));
  const candidates: Candidate[] = [];
  const shortlist = new Int32Array(SHORTLIST);
  const scores = new Float64Array(SHORTLIST);
  const order = new Int32Array(SHORTLIST);
  for (let u = 0; u < menteeCount; u++) {
    for (let k = 0; k < SHORTLIST; k++) {
      const v = Math.floor(next() * mentorCount);
      shortlist[k] = v;
      let dot = 0;
      let nu = 0;
      let nv = 0;
      for (let d = 0; d < INTERESTS; d++) {
        const a = mentees[u * INTERESTS + d] as number;
        const b = mentors[v * INTERESTS + d] as number;
        dot += a * b;
        nu += a * a;
        nv += b * b;
      }
      const similarity = dot / Math.sqrt(nu * nv || 1);
      const raw = 100 * (0.85 * similarity + 0.15 * next());
      scores[k] = Math.round(Math.min(100, Math.max(0, raw)) * 100) / 100;
      order[k] = k;
    }
    order.sort((a, b) => (scores[b] as number) - (scores[a] as number));
    const seen = new Set<number>();
    for (let k = 0; k < SHORTLIST && seen.size < CANDIDATES; k++) {
      const at = order[k] as number;
      if ((scores[at] as number) < MIN_SCORE) break;
      const mentor = shortlist[at] as number;
      if (seen.has(mentor)) continue;
      seen.add(mentor);
      candidates.push({ mentee: u, mentor, score: scores[at] as number });
    }
  }
  return { menteeCount, mentorCapacity, candidates, objective };
};

type Solver = 'exact' | 'greedy';
interface Measured {
  size: number;
  solver: Solver;
  objective: Objective;
  ms: number;
  maxRssMb: number;
  rssBeforeMb: number;
  matched: number;
  total: number;
  bound: number;
}

const runCase = (size: number, solver: Solver, objective: Objective): Measured => {
  const problem = generate(size, objective);
  const bound = optimumUpperBound(problem);
  const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
  const started = performance.now();
  const result = solver === 'exact' ? assign(problem) : greedyAssign(problem);
  const ms = performance.now() - started;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  return {
    size,
    solver,
    objective,
    ms,
    maxRssMb,
    rssBeforeMb,
    matched: result.pairs.length,
    total: result.totalScore,
    bound,
  };
};

const caseFlag = process.argv.indexOf('--case');
if (caseFlag >= 0) {
  const [size, solver, objective] = process.argv.slice(caseFlag + 1);
  console.log(JSON.stringify(runCase(Number(size), solver as Solver, objective as Objective)));
} else {
  const sizes = (process.argv[2] ?? '1000,10000,50000').split(',').map(Number);
  const self = fileURLToPath(import.meta.url);
  const child = (size: number, solver: Solver, objective: Objective): Measured =>
    JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, self, '--case', String(size), solver, objective], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    ) as Measured;

  console.log(
    'Batch assignment: exact min-cost flow vs greedy; mentors = mentees / 4, capacity 1–5, ~20 candidates each (≥ 60)',
  );
  console.log('time = the solver alone; peak = the child process maxRSS (generation + bound + solver)\n');
  console.log(
    `${'mentees'.padStart(7)}  ${'objective'.padEnd(12)} ${'solver'.padEnd(6)} ${'time'.padStart(9)} ${'peak'.padStart(8)} ${'matched'.padStart(7)} ${'total'.padStart(12)}  share of optimum`,
  );
  for (const size of sizes) {
    for (const objective of ['best-score', 'most-matched'] as const) {
      const exact = child(size, 'exact', objective);
      const greedy = child(size, 'greedy', objective);
      for (const m of [exact, greedy]) {
        const share = `${((100 * m.total) / exact.total).toFixed(3)}% of exact, ${((100 * m.total) / m.bound).toFixed(2)}% of upper bound`;
        console.log(
          `${String(size).padStart(7)}  ${objective.padEnd(12)} ${m.solver.padEnd(6)} ${`${m.ms.toFixed(0)} ms`.padStart(9)} ${`${m.maxRssMb.toFixed(0)} MB`.padStart(8)} ${String(m.matched).padStart(7)} ${m.total.toFixed(2).padStart(12)}  ${share}`,
        );
      }
    }
  }
}
