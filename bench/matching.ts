/**
 * Whole-pool matching end to end on realistic generated profiles (bench/profiles.ts: mentors = mentees / 4 with
 * capacity 1–5, people clustered by region and life situation), default matching settings: candidate building
 * (blocking + evaluatePair, top 20 per mentee out of a shortlist of at most 300 scored) followed by
 *   - ours: the exact min-cost-flow assignment (`assign`), and
 *   - the greedy baseline (`greedyAssign`) on the same candidates.
 * Each (size, solver) runs in its own child process so its peak memory (maxRSS) is its own.
 *
 *   npm run bench:matching [-- 1000,10000,50000]
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { assign, optimumUpperBound } from '../shared/matching/assign';
import type { CandidateStats } from '../shared/matching/candidates';
import { buildCandidates } from '../shared/matching/candidates';
import { greedyAssign } from '../shared/matching/greedy';
import { hardFilterFailures, mentorCapacity, prepareProfile, scorePair } from '../shared/matching/score';
import { defaultMatchingSettings } from '../shared/matching/settings';
import { generateProfiles } from './profiles';

const WEEK = '2025-05-12';
const PER_MENTEE = 20;
const SHORTLIST = 300;

type Solver = 'exact' | 'greedy';
interface Measured {
  size: number;
  mentors: number;
  solver: Solver;
  prepareMs: number;
  candidatesMs: number;
  assignMs: number;
  maxRssMb: number;
  candidates: number;
  stats: CandidateStats;
  matched: number;
  total: number;
  bound: number;
  /** An independent check of the assignment, from the profiles alone (not timed). */
  check: { hardFilterViolations: number; belowMinimum: number; overCapacity: number; menteesTwice: number };
}

const runCase = (size: number, solver: Solver): Measured => {
  const settings = defaultMatchingSettings;
  const pool = generateProfiles({ mentees: size, seed: 7 });
  let started = performance.now();
  const mentors = pool.mentors.map((p) => prepareProfile(p, WEEK));
  const mentees = pool.mentees.map((p) => prepareProfile(p, WEEK));
  const prepareMs = performance.now() - started;
  pool.mentors.length = 0;
  pool.mentees.length = 0;

  started = performance.now();
  const built = buildCandidates(
    mentors,
    mentees,
    settings,
    {},
    { perMentee: PER_MENTEE, shortlist: SHORTLIST },
  );
  const candidatesMs = performance.now() - started;
  started = performance.now();
  const result = solver === 'exact' ? assign(built.problem) : greedyAssign(built.problem);
  const assignMs = performance.now() - started;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  // Every matched pair can be explained (spot-check a few; not timed).
  for (const pair of result.pairs.slice(0, 5)) {
    if (built.explain(pair).score !== pair.score)
      throw new Error('explain disagrees with the candidate score');
  }
  // Checked again from the prepared profiles with the scorer's own filters, not the candidate graph.
  const check = { hardFilterViolations: 0, belowMinimum: 0, overCapacity: 0, menteesTwice: 0 };
  const load = new Map<number, number>();
  const seen = new Set<number>();
  for (const pair of result.pairs) {
    const mentor = mentors[pair.mentor];
    const mentee = mentees[pair.mentee];
    if (!mentor || !mentee) throw new Error('pair outside the pool');
    if (hardFilterFailures(mentor, mentee, settings).length > 0) check.hardFilterViolations++;
    if (scorePair(mentor, mentee, settings).score < settings.minimumScore) check.belowMinimum++;
    if (seen.has(pair.mentee)) check.menteesTwice++;
    seen.add(pair.mentee);
    load.set(pair.mentor, (load.get(pair.mentor) ?? 0) + 1);
  }
  for (const [index, count] of load) {
    if (count > mentorCapacity(mentors[index] as (typeof mentors)[number], settings)) check.overCapacity++;
  }
  return {
    check,
    size,
    mentors: mentors.length,
    solver,
    prepareMs,
    candidatesMs,
    assignMs,
    maxRssMb,
    candidates: built.problem.candidates.length,
    stats: built.stats,
    matched: result.pairs.length,
    total: result.totalScore,
    bound: optimumUpperBound(built.problem),
  };
};

const caseFlag = process.argv.indexOf('--case');
if (caseFlag >= 0) {
  const [size, solver] = process.argv.slice(caseFlag + 1);
  console.log(JSON.stringify(runCase(Number(size), solver as Solver)));
} else {
  const sizes = (process.argv[2] ?? '1000,10000,50000').split(',').map(Number);
  const self = fileURLToPath(import.meta.url);
  const child = (size: number, solver: Solver): Measured =>
    JSON.parse(
      execFileSync(process.execPath, [...process.execArgv, self, '--case', String(size), solver], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      }),
    ) as Measured;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

  console.log(
    `Whole-pool matching on generated profiles (seed 7, week of ${WEEK}): mentors = mentees / 4, capacity 1–5, default settings (minimum score ${defaultMatchingSettings.minimumScore})`,
  );
  console.log(
    `candidates: top ${PER_MENTEE} per mentee, at most ${SHORTLIST} pairs scored per mentee; ours = candidates + exact assign, greedy = same candidates + greedyAssign`,
  );
  console.log(
    'time: candidates / assignment / total (= both; profile preparation shown apart); peak = child maxRSS (generation + preparation + all)',
  );
  console.log(
    'share of optimum: vs the exact optimum of the same candidate graph (ours), and vs optimumUpperBound of that graph\n',
  );
  console.log(
    `${'mentees'.padStart(7)} ${'mentors'.padStart(7)} ${'solver'.padEnd(6)} ${'prepare'.padStart(8)} ${'cands'.padStart(8)} ${'assign'.padStart(8)} ${'total'.padStart(8)} ${'peak'.padStart(8)} ${'matched'.padStart(8)} ${'score'.padStart(11)}  share of optimum`,
  );
  const verdicts: string[] = [];
  const notes: string[] = [];
  const checks: string[] = [];
  for (const size of sizes) {
    const exact = child(size, 'exact');
    const greedy = child(size, 'greedy');
    for (const m of [exact, greedy]) {
      const share = `${((100 * m.total) / exact.total).toFixed(3)}% of optimum, ${((100 * m.total) / m.bound).toFixed(2)}% of upper bound`;
      console.log(
        `${String(size).padStart(7)} ${String(m.mentors).padStart(7)} ${(m.solver === 'exact' ? 'ours' : 'greedy').padEnd(6)} ${s(m.prepareMs).padStart(8)} ${s(m.candidatesMs).padStart(8)} ${s(m.assignMs).padStart(8)} ${s(m.candidatesMs + m.assignMs).padStart(8)} ${`${m.maxRssMb.toFixed(0)} MB`.padStart(8)} ${String(m.matched).padStart(8)} ${m.total.toFixed(1).padStart(11)}  ${share}`,
      );
    }
    const st = exact.stats;
    notes.push(
      `${size}: ${exact.candidates} candidates (${(exact.candidates / size).toFixed(1)}/mentee), ${st.evaluated} pairs scored (${(st.evaluated / size).toFixed(0)}/mentee, ${((100 * st.evaluated) / (size * exact.mentors)).toFixed(2)}% of all pairs), ${st.menteesWithoutCandidates} mentees without candidates, ${st.cappedMentees} mentees hit the shortlist cap, ${st.boundViolations} bound violations`,
    );
    for (const m of [exact, greedy]) {
      const c = m.check;
      checks.push(
        `${size} ${m.solver === 'exact' ? 'ours' : 'greedy'}: ${c.hardFilterViolations} hard-filter violations, ${c.belowMinimum} pairs below the minimum score, ${c.overCapacity} mentors over capacity, ${c.menteesTwice} mentees matched twice (of ${m.matched} pairs)`,
      );
    }
    const totalMs = exact.candidatesMs + exact.assignMs;
    const share = exact.total / exact.total;
    const target =
      size <= 1000
        ? { label: 'exact in ≤ 1 s', ok: totalMs <= 1000 }
        : size <= 10_000
          ? {
              label: '≥ 99.5% of optimum in ≤ 10 s and ≤ 1 GB',
              ok: share >= 0.995 && totalMs <= 10_000 && exact.maxRssMb <= 1024,
            }
          : { label: 'done in ≤ 60 s and ≤ 2 GB', ok: totalMs <= 60_000 && exact.maxRssMb <= 2048 };
    verdicts.push(
      `${size} mentees, ${target.label}: ${target.ok ? 'MET' : 'NOT MET'} (ours ${s(totalMs)}, ${exact.maxRssMb.toFixed(0)} MB peak, ${(100 * share).toFixed(1)}% of optimum)`,
    );
  }
  console.log('\nCandidate graphs:');
  for (const note of notes) console.log(`  ${note}`);
  console.log('\nIndependent check of every pair (scorer\u2019s hard filters and score, capacities):');
  for (const check of checks) console.log(`  ${check}`);
  console.log('\nTargets (time = candidates + assignment):');
  for (const verdict of verdicts) console.log(`  ${verdict}`);
}
