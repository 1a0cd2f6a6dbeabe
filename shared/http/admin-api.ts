import { z } from 'zod';
import type { Organisation } from '../domain/organisation';
import { Id, MatchEndReason } from '../events/catalogue';
import { Problem, problems } from './problem';

/**
 * The organisation admin API's request and response shapes: the handlers validate with them and the OpenAPI
 * document (shared/http/openapi.ts) is generated from them, so the two cannot drift apart.
 */

export const OrgPath = z.object({ orgId: Id });
export const ProgramPath = z.object({ orgId: Id, programId: Id });
export const MatchPath = z.object({ orgId: Id, matchId: Id });

/** An opaque position in a listing, from the previous page's `next`. */
export const Cursor = z.string().regex(/^[A-Za-z0-9_-]{1,2048}$/, 'the `next` value of the previous page');
export const Limit = z.coerce.number().int().min(1).max(100).default(25);

export const ParticipantsQuery = z.strictObject({
  status: z.enum(['pending', 'verified']).optional(),
  limit: Limit,
  cursor: Cursor.optional(),
});

export const MatchesQuery = z.strictObject({
  status: z.enum(['active', 'ended']).optional(),
  limit: Limit,
  cursor: Cursor.optional(),
});

export const AlertsQuery = z.strictObject({
  /** Flagged feedback (the default), or mentors paused because nobody answered a "still meeting?" check-in. */
  kind: z.enum(['feedback', 'unanswered-check-in']).default('feedback'),
  limit: Limit,
  cursor: Cursor.optional(),
});

export const ParticipantSummary = z.object({
  participantId: z.string(),
  programId: z.string(),
  role: z.enum(['mentor', 'mentee', 'member']),
  status: z.enum(['pending', 'verified']),
  name: z.string(),
  createdAt: z.string(),
  verifiedAt: z.string().optional(),
});

export const MatchSummary = z.object({
  matchId: z.string(),
  programId: z.string(),
  mentorId: z.string(),
  menteeId: z.string(),
  status: z.enum(['active', 'ended']),
  score: z.number(),
  createdAt: z.string(),
  ended: z
    .object({ at: z.string(), reason: z.string(), endedBy: z.string(), rejoining: z.array(z.string()) })
    .optional(),
});

/** A rating that raised, or should raise, someone's attention: crisis language or low ones in a row. */
export const Alert = z.object({
  feedbackId: z.string(),
  kind: z.enum(['safeguarding', 'low-ratings']),
  matchId: z.string(),
  programId: z.string(),
  meetingId: z.string(),
  participantId: z.string(),
  rating: z.number(),
  comment: z.string().optional(),
  alerted: z.boolean(),
  givenAt: z.string(),
});

/** A mentor paused after an unanswered "still meeting?": matched with nobody new until they confirm. */
export const CheckInAlert = z.object({
  kind: z.literal('unanswered-check-in'),
  participantId: z.string(),
  programId: z.string(),
  matchId: z.string(),
  pausedAt: z.string(),
});

export const ProgramSummary = z.object({
  programId: z.string(),
  name: z.string(),
  kind: z.enum(['mentoring', 'peer-group']),
  seats: z.number().optional(),
});

export const ProgramChange = z.strictObject({ name: z.string().trim().min(1).max(100) });

export const MatchEnding = z.strictObject({
  reason: MatchEndReason,
  rejoining: z
    .array(z.enum(['mentor', 'mentee']))
    .max(2)
    .refine((roles) => new Set(roles).size === roles.length, 'each role at most once')
    .optional(),
});

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), next: z.string().optional() });

/** A link that shows a program's report without the key, for a day. */
export const ReportLink = z.object({
  url: z.string().describe('The report page; works without the API key until expiresAt'),
  csvUrl: z.string().describe('The same figures as CSV'),
  expiresAt: z.string(),
});

export const GroupClosing = z.object({
  groupId: z.string(),
  status: z.literal('closed'),
  closedAt: z.string(),
});

export const ErasureResult = z.object({ participantId: z.string(), status: z.string() });

/**
 * An organisation's mentoring program and its index, or the problem an admin request about it gets: 404 for
 * an unknown organisation or program, 409 for a peer group (`lacks`: what a peer group has none of).
 */
export const mentoringProgramIn = (org: Organisation | undefined, programId: string, lacks: string) => {
  if (!org) throw problems.notFound('Organisation', '/orgId');
  const index = org.programs.findIndex((p) => p.programId === programId);
  const program = org.programs[index];
  if (!program) throw problems.notFound('Program', '/programId');
  if (program.kind !== 'mentoring') {
    throw new Problem(
      409,
      'not-a-mentoring-program',
      `This program has no ${lacks}`,
      `${programId} is a peer group: members take seats, nobody is matched.`,
      [{ pointer: '/programId', detail: 'a peer group, not a mentoring program' }],
    );
  }
  return { org, index, program };
};
