/**
 * The assignment problem kindred's matcher solves, independent of how pairs are scored: mentees on one
 * side (one mentor each at most), mentors on the other (each up to its capacity), and scored candidate
 * pairs between them (only pairs that pass every hard filter are candidates).
 */

export interface Candidate {
  mentee: number;
  mentor: number;
  /** Higher is better; only candidates at or above the program's minimum score are given. */
  score: number;
}

export type Objective = 'best-score' | 'most-matched';

export interface AssignmentProblem {
  menteeCount: number;
  /** Free slots of each mentor (index = mentor). */
  mentorCapacity: readonly number[];
  candidates: readonly Candidate[];
  /**
   * `best-score`: the largest total score (a mentee stays unmatched rather than lower the total);
   * `most-matched`: as many pairs as possible, and among those the largest total score.
   */
  objective: Objective;
}

export interface Assignment {
  pairs: Candidate[];
  totalScore: number;
}
