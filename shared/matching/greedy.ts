/**
 * The baseline the exact assignment is measured against: take candidate pairs best score first, keeping a pair
 * when its mentee is still free and its mentor has a slot left. Fast (one sort) and often good, never better
 * than `assign`. Under `best-score` pairs with a score ≤ 0 are skipped (they cannot raise the total); under
 * `most-matched` every candidate is eligible.
 */
import type { Assignment, AssignmentProblem, Candidate } from './assignment-types';

export const greedyAssign = (problem: AssignmentProblem): Assignment => {
  const { menteeCount, mentorCapacity, candidates, objective } = problem;
  const eligible: number[] = [];
  for (let i = 0; i < candidates.length; i++) {
    if (objective === 'most-matched' || (candidates[i] as Candidate).score > 0) eligible.push(i);
  }
  const order = Int32Array.from(eligible);
  const scores = new Float64Array(candidates.length);
  for (let i = 0; i < candidates.length; i++) scores[i] = (candidates[i] as Candidate).score;
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);

  const taken = new Uint8Array(menteeCount);
  const left = Float64Array.from(mentorCapacity, (c) => Math.max(0, Math.floor(c)));
  const pairs: Candidate[] = [];
  let totalScore = 0;
  for (const i of order) {
    const { mentee, mentor, score } = candidates[i] as Candidate;
    if (taken[mentee] || !((left[mentor] as number) > 0)) continue;
    taken[mentee] = 1;
    left[mentor] = (left[mentor] as number) - 1;
    pairs.push({ mentee, mentor, score });
    totalScore += score;
  }
  pairs.sort((a, b) => a.mentee - b.mentee);
  return { pairs, totalScore };
};
