/**
 * Whole-pool assignment: the exact optimum of a (max-weight or max-cardinality-then-max-weight) bipartite
 * b-matching between mentees (one mentor each) and mentors (each up to its capacity), over the sparse graph of
 * candidate pairs.
 *
 * Method: min-cost flow by successive shortest paths, one mentee at a time (the Hungarian method for sparse,
 * rectangular, capacitated problems). Every mentee has, besides its candidate mentors, a "stay unmatched" edge
 * to the sink, so each mentee is always routed somewhere and the flow after mentee k is the min-cost flow for
 * mentees 0..k. Each step is a Dijkstra on reduced costs (Johnson potentials keep them non-negative) from the
 * new mentee, with a binary heap, that stops as soon as the sink is settled; only the nodes it settled get
 * their potentials moved. Residual edges are not materialised: a mentee's forward edges are its candidate row,
 * a mentor's backward edges are the mentees it currently holds (kept in fixed slots), so the graph is a handful
 * of flat typed arrays.
 *
 * - `best-score`: profit = score; the unmatched edge costs 0, so a mentee is matched only where that raises the
 *   total. Pairs with a score ≤ 0 can never raise it and are dropped up front.
 * - `most-matched`: profit = score shifted up by M > (score range) × (most pairs possible), so one more pair
 *   always outweighs any difference in score; among the largest matchings the total score is then maximal.
 *
 * Scores are used as floats (no rounding); reduced costs a rounding error pushes below zero are clamped, so the
 * result is optimal up to float error (≈1e-12 of the scores' size on small pools). The same exact solver is used
 * for every pool size; the candidate graph is expected to be sparse already (top candidates per mentee).
 */
import type { Assignment, AssignmentProblem, Candidate } from './assignment-types';

interface Graph {
  menteeCount: number;
  mentorCount: number;
  /** CSR by mentee: edges of mentee u are rowStart[u] .. rowStart[u + 1] - 1. */
  rowStart: Int32Array;
  edgeMentor: Int32Array;
  edgeScore: Float64Array;
  /** Usable capacity of each mentor: min(given capacity, its number of candidate mentees). */
  capacity: Int32Array;
}

const checkProblem = (problem: AssignmentProblem): void => {
  const { menteeCount, mentorCapacity, candidates } = problem;
  if (!Number.isInteger(menteeCount) || menteeCount < 0) {
    throw new RangeError(`menteeCount must be a non-negative integer, got ${menteeCount}`);
  }
  for (let v = 0; v < mentorCapacity.length; v++) {
    const c = mentorCapacity[v] as number;
    if (Number.isNaN(c) || c < 0) throw new RangeError(`mentorCapacity[${v}] must be ≥ 0, got ${c}`);
  }
  for (let i = 0; i < candidates.length; i++) {
    const { mentee, mentor, score } = candidates[i] as Candidate;
    if (!Number.isInteger(mentee) || mentee < 0 || mentee >= menteeCount) {
      throw new RangeError(`candidates[${i}].mentee ${mentee} is not a mentee index`);
    }
    if (!Number.isInteger(mentor) || mentor < 0 || mentor >= mentorCapacity.length) {
      throw new RangeError(`candidates[${i}].mentor ${mentor} is not a mentor index`);
    }
    if (!Number.isFinite(score)) throw new RangeError(`candidates[${i}].score must be finite, got ${score}`);
  }
};

/** The candidate graph in CSR form, one edge per (mentee, mentor) with its best score, filtered by `keep`. */
const buildGraph = (problem: AssignmentProblem, keep: (score: number) => boolean): Graph => {
  const n = problem.menteeCount;
  const m = problem.mentorCapacity.length;
  const { candidates } = problem;
  const rowStart = new Int32Array(n + 1);
  for (const c of candidates)
    if (keep(c.score)) rowStart[c.mentee + 1] = (rowStart[c.mentee + 1] as number) + 1;
  for (let u = 0; u < n; u++) rowStart[u + 1] = (rowStart[u + 1] as number) + (rowStart[u] as number);
  const total = rowStart[n] as number;
  const rawMentor = new Int32Array(total);
  const rawScore = new Float64Array(total);
  const fill = rowStart.slice(0, n);
  for (const c of candidates) {
    if (!keep(c.score)) continue;
    const at = fill[c.mentee] as number;
    fill[c.mentee] = at + 1;
    rawMentor[at] = c.mentor;
    rawScore[at] = c.score;
  }
  // Deduplicate each row in place, keeping the best score of a repeated (mentee, mentor).
  const seenIn = new Int32Array(m).fill(-1);
  const seenAt = new Int32Array(m);
  const outStart = new Int32Array(n + 1);
  let out = 0;
  for (let u = 0; u < n; u++) {
    outStart[u] = out;
    const rowEnd = rowStart[u + 1] as number;
    for (let k = rowStart[u] as number; k < rowEnd; k++) {
      const v = rawMentor[k] as number;
      const s = rawScore[k] as number;
      if (seenIn[v] === u) {
        const at = seenAt[v] as number;
        if (s > (rawScore[at] as number)) rawScore[at] = s;
      } else {
        seenIn[v] = u;
        seenAt[v] = out;
        rawMentor[out] = v;
        rawScore[out] = s;
        out++;
      }
    }
  }
  outStart[n] = out;
  const edgeMentor = rawMentor.slice(0, out);
  const edgeScore = rawScore.slice(0, out);
  const degree = new Int32Array(m);
  for (let e = 0; e < out; e++) {
    const v = edgeMentor[e] as number;
    degree[v] = (degree[v] as number) + 1;
  }
  const capacity = new Int32Array(m);
  for (let v = 0; v < m; v++) {
    capacity[v] = Math.min(Math.floor(problem.mentorCapacity[v] as number), degree[v] as number);
  }
  return { menteeCount: n, mentorCount: m, rowStart: outStart, edgeMentor, edgeScore, capacity };
};

/** The min-cost flow itself; returns, per mentee, the edge it is matched by, or -1. */
const solve = (graph: Graph, profit: Float64Array, order: Int32Array): Int32Array => {
  const { menteeCount: n, mentorCount: m, rowStart, edgeMentor, capacity } = graph;
  // Nodes: mentees 0..n-1, mentors n..n+m-1, sink n+m.
  const sink = n + m;
  const nodeCount = n + m + 1;
  const potential = new Float64Array(nodeCount);
  const dist = new Float64Array(nodeCount);
  const prevNode = new Int32Array(nodeCount);
  const prevEdge = new Int32Array(nodeCount);
  /** 0 untouched, 1 in heap, 2 settled (this search). */
  const state = new Uint8Array(nodeCount);
  const touched = new Int32Array(nodeCount);
  const heap = new Int32Array(nodeCount);
  const heapPos = new Int32Array(nodeCount);

  const matchedEdge = new Int32Array(n).fill(-1);
  const slotStart = new Int32Array(m + 1);
  for (let v = 0; v < m; v++) slotStart[v + 1] = (slotStart[v] as number) + (capacity[v] as number);
  const slotMentee = new Int32Array(slotStart[m] as number);
  const used = new Int32Array(m);
  const slotOf = new Int32Array(n);

  let heapSize = 0;
  let touchedCount = 0;
  const siftUp = (start: number) => {
    let i = start;
    const node = heap[i] as number;
    const key = dist[node] as number;
    while (i > 0) {
      const parentAt = (i - 1) >> 1;
      const parent = heap[parentAt] as number;
      if ((dist[parent] as number) <= key) break;
      heap[i] = parent;
      heapPos[parent] = i;
      i = parentAt;
    }
    heap[i] = node;
    heapPos[node] = i;
  };
  const popMin = (): number => {
    const top = heap[0] as number;
    heapSize--;
    if (heapSize > 0) {
      const node = heap[heapSize] as number;
      const key = dist[node] as number;
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= heapSize) break;
        const right = child + 1;
        if (
          right < heapSize &&
          (dist[heap[right] as number] as number) < (dist[heap[child] as number] as number)
        ) {
          child = right;
        }
        const childNode = heap[child] as number;
        if ((dist[childNode] as number) >= key) break;
        heap[i] = childNode;
        heapPos[childNode] = i;
        i = child;
      }
      heap[i] = node;
      heapPos[node] = i;
    }
    return top;
  };
  const relax = (from: number, to: number, reducedCost: number, edge: number) => {
    const d = (dist[from] as number) + Math.max(reducedCost, 0);
    const s = state[to] as number;
    if (s === 0) {
      state[to] = 1;
      touched[touchedCount++] = to;
      dist[to] = d;
      prevNode[to] = from;
      prevEdge[to] = edge;
      heap[heapSize] = to;
      siftUp(heapSize++);
    } else if (s === 1 && d < (dist[to] as number)) {
      dist[to] = d;
      prevNode[to] = from;
      prevEdge[to] = edge;
      siftUp(heapPos[to] as number);
    }
  };

  for (let k = 0; k < order.length; k++) {
    const source = order[k] as number;
    const rowEnd = rowStart[source + 1] as number;
    // A fresh mentee has only outgoing edges: give it the smallest potential that keeps them non-negative.
    let p = potential[sink] as number;
    for (let e = rowStart[source] as number; e < rowEnd; e++) {
      const q = (potential[n + (edgeMentor[e] as number)] as number) + (profit[e] as number);
      if (q > p) p = q;
    }
    potential[source] = p;

    dist[source] = 0;
    state[source] = 1;
    touched[0] = source;
    touchedCount = 1;
    heap[0] = source;
    heapPos[source] = 0;
    heapSize = 1;
    while (heapSize > 0) {
      const x = popMin();
      state[x] = 2;
      if (x === sink) break;
      const px = potential[x] as number;
      if (x < n) {
        const own = matchedEdge[x] as number;
        const end = rowStart[x + 1] as number;
        for (let e = rowStart[x] as number; e < end; e++) {
          if (e === own) continue;
          const v = n + (edgeMentor[e] as number);
          if (state[v] === 2) continue;
          relax(x, v, px - (profit[e] as number) - (potential[v] as number), e);
        }
        // Leaving for "unmatched": open to the new mentee and to any matched one.
        if (own >= 0 || x === source) relax(x, sink, px - (potential[sink] as number), -1);
      } else {
        const v = x - n;
        const first = slotStart[v] as number;
        const end = first + (used[v] as number);
        for (let at = first; at < end; at++) {
          const y = slotMentee[at] as number;
          if (state[y] === 2) continue;
          const e = matchedEdge[y] as number;
          relax(x, y, (profit[e] as number) + px - (potential[y] as number), e);
        }
        if ((used[v] as number) < (capacity[v] as number) && state[sink] !== 2) {
          relax(x, sink, px - (potential[sink] as number), -1);
        }
      }
    }

    // Augment along the path ending at the sink (it is always reachable: the new mentee may stay unmatched).
    let freeMentor: number;
    let freeSlot: number;
    const last = prevNode[sink] as number;
    if (last >= n) {
      freeMentor = last;
      freeSlot = (slotStart[last - n] as number) + (used[last - n] as number);
      used[last - n] = (used[last - n] as number) + 1;
    } else if (last === source) {
      freeMentor = -1;
      freeSlot = -1;
    } else {
      // `last` leaves its mentor for "unmatched"; its slot goes to whoever the path brings to that mentor.
      freeMentor = prevNode[last] as number;
      freeSlot = slotOf[last] as number;
      matchedEdge[last] = -1;
    }
    while (freeMentor >= 0) {
      const y = prevNode[freeMentor] as number;
      const e = prevEdge[freeMentor] as number;
      const nextMentor = y === source ? -1 : (prevNode[y] as number);
      const nextSlot = y === source ? -1 : (slotOf[y] as number);
      slotMentee[freeSlot] = y;
      slotOf[y] = freeSlot;
      matchedEdge[y] = e;
      freeMentor = nextMentor;
      freeSlot = nextSlot;
    }

    // Potentials: settled nodes move by (their distance − the sink's); the rest stay (all shifted by −D).
    const sinkDist = dist[sink] as number;
    for (let i = 0; i < touchedCount; i++) {
      const x = touched[i] as number;
      if (state[x] === 2) potential[x] = (potential[x] as number) + (dist[x] as number) - sinkDist;
      state[x] = 0;
    }
  }
  return matchedEdge;
};

const toAssignment = (graph: Graph, matchedEdge: Int32Array): Assignment => {
  const pairs: Candidate[] = [];
  let totalScore = 0;
  for (let u = 0; u < graph.menteeCount; u++) {
    const e = matchedEdge[u] as number;
    if (e < 0) continue;
    const score = graph.edgeScore[e] as number;
    pairs.push({ mentee: u, mentor: graph.edgeMentor[e] as number, score });
    totalScore += score;
  }
  return { pairs, totalScore };
};

/**
 * The exact optimum of `problem` for its objective. Duplicate candidate pairs count once, with their best
 * score. Throws a RangeError on indices outside the pool or non-finite scores.
 */
export const assign = (problem: AssignmentProblem): Assignment => {
  checkProblem(problem);
  const mostMatched = problem.objective === 'most-matched';
  const graph = buildGraph(problem, mostMatched ? () => true : (score) => score > 0);
  const edgeCount = graph.edgeScore.length;
  const profit = new Float64Array(edgeCount);
  if (mostMatched && edgeCount > 0) {
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    for (const s of graph.edgeScore) {
      if (s < low) low = s;
      if (s > high) high = s;
    }
    let slots = 0;
    for (const c of graph.capacity) slots += c;
    const most = Math.min(graph.menteeCount, slots);
    // One more pair must outweigh any score difference between matchings: M > range × most pairs.
    const shift = (high - low) * most + 1;
    for (let e = 0; e < edgeCount; e++) profit[e] = (graph.edgeScore[e] as number) - low + shift;
  } else {
    profit.set(graph.edgeScore);
  }
  // Mentees with their best candidate first: early paths are then short and rarely undone.
  const n = graph.menteeCount;
  const best = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  let withEdges = 0;
  for (let u = 0; u < n; u++) {
    const end = graph.rowStart[u + 1] as number;
    const start = graph.rowStart[u] as number;
    if (end > start) withEdges++;
    for (let e = start; e < end; e++)
      if ((profit[e] as number) > (best[u] as number)) best[u] = profit[e] as number;
  }
  const order = new Int32Array(withEdges);
  let at = 0;
  for (let u = 0; u < n; u++)
    if ((graph.rowStart[u + 1] as number) > (graph.rowStart[u] as number)) order[at++] = u;
  order.sort((a, b) => (best[b] as number) - (best[a] as number));
  return toAssignment(graph, solve(graph, profit, order));
};

/**
 * A cheap upper bound on the best total score any assignment of `problem` can reach (for either objective):
 * the smaller of Σ over mentees of their best positive score and Σ over mentors of their top-`capacity`
 * positive scores.
 */
export const optimumUpperBound = (problem: AssignmentProblem): number => {
  checkProblem(problem);
  const graph = buildGraph(problem, (score) => score > 0);
  const { menteeCount: n, mentorCount: m, rowStart, edgeMentor, edgeScore, capacity } = graph;
  let byMentee = 0;
  for (let u = 0; u < n; u++) {
    let top = 0;
    for (let e = rowStart[u] as number; e < (rowStart[u + 1] as number); e++) {
      if ((edgeScore[e] as number) > top) top = edgeScore[e] as number;
    }
    byMentee += top;
  }
  const colStart = new Int32Array(m + 1);
  for (const v of edgeMentor) colStart[v + 1] = (colStart[v + 1] as number) + 1;
  for (let v = 0; v < m; v++) colStart[v + 1] = (colStart[v + 1] as number) + (colStart[v] as number);
  const fill = colStart.slice(0, m);
  const column = new Float64Array(edgeScore.length);
  for (let e = 0; e < edgeScore.length; e++) {
    const v = edgeMentor[e] as number;
    const at = fill[v] as number;
    fill[v] = at + 1;
    column[at] = edgeScore[e] as number;
  }
  let byMentor = 0;
  for (let v = 0; v < m; v++) {
    const scores = column.subarray(colStart[v] as number, colStart[v + 1] as number).sort();
    for (let i = 0; i < (capacity[v] as number); i++) byMentor += scores[scores.length - 1 - i] as number;
  }
  return Math.min(byMentee, byMentor);
};
