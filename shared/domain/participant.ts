import { z } from 'zod';
import { Id, Role } from '../events/catalogue';

/** Whether a string is an IANA time zone this runtime knows (Intl rejects unknown zones). */
export const isTimeZone = (value: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.includes('/') || value === 'UTC';
  } catch {
    return false;
  }
};

/**
 * Letters and marks, spaces, and the punctuation of names across scripts: apostrophes, hyphens (ASCII,
 * U+2010/2011, Hebrew maqaf), dots and middle dots (Catalan, Chinese, Japanese), Hebrew geresh/gershayim,
 * commas (", Jr."), and the zero-width (non-)joiners Persian and Sinhala need.
 */
const NAME = /^[\p{L}'’][\p{L}\p{M}\p{Zs}.,'’\-\u2010\u2011\u05BE\u05F3\u05F4\u00B7\u30FB\u200C\u200D]*$/u;
/** `://`, `www.`, or a dot followed by two letters (a domain), which "J.R.R." and "Smith, Jr." are not. */
const LINK_LIKE = /:\/\/|www\.|\.\p{L}{2,}/iu;

const Tag = z.string().trim().min(1).max(80);
const Tags = z.array(Tag).max(20);
const Time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time as HH:MM (24-hour)');
export const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);

export const AvailabilitySlot = z
  .strictObject({ day: Weekday, from: Time, to: Time })
  .refine((slot) => slot.from < slot.to, {
    message: '`from` must be before `to`',
    path: ['to'],
    // Only once both times are valid, so a bad `from` is not blamed on `to` too.
    when: (payload) => payload.issues.length === 0,
  });

/** What the signup form sends. Strict: an unknown field is a mistake worth naming, not something to drop. */
export const SignupRequest = z.strictObject({
  email: z.email('a valid email address').max(254),
  // Letters, marks and the joiners and punctuation real names use; a name is greeted in an email from
  // the organisation, so anything that reads as a link is refused.
  name: z
    .string()
    .trim()
    .min(1, { message: 'your name', abort: true })
    .max(100, { abort: true })
    .regex(NAME, { message: 'a name in letters (with spaces, hyphens, apostrophes or dots)', abort: true })
    .refine((name) => !LINK_LIKE.test(name), 'a name, not a web address'),
  role: Role,
  timezone: z
    .string()
    .refine(isTimeZone, 'an IANA time zone such as Europe/London')
    // Stored as the canonical name (europe/london -> Europe/London) so later scheduling compares like with like.
    .transform((zone) => new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone),
  consent: z.literal(true, 'consent must be true to sign up'),
  programId: Id.optional(),
  interests: Tags.optional(),
  experiences: Tags.optional(),
  goals: Tags.optional(),
  languages: z
    .array(z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language code such as en or pt-BR'))
    .max(10)
    .optional(),
  availability: z.array(AvailabilitySlot).max(28).optional(),
  format: z.enum(['online', 'in-person', 'either']).optional(),
  city: z.string().trim().min(1).max(100).optional(),
  /** A university campus, for meeting in person on the same one. */
  campus: z.string().trim().min(1).max(100).optional(),
  /** Mentors: how many mentees they can take at once (the program's default when absent). */
  capacity: z.int('a whole number from 1 to 10').min(1, 'at least 1').max(10, 'at most 10').optional(),
});
export type SignupRequest = z.infer<typeof SignupRequest>;

export type ParticipantStatus = 'pending' | 'verified';

/**
 * A mentoring participant's place in matching, changed only by versioned transactions (the version is the
 * condition), so concurrent matchers never both use the same free slot.
 */
export interface MatchingState {
  version: number;
  activeMatchIds: string[];
  /** People this participant was matched with before: never matched again. */
  endedWith: string[];
  /** People this participant must never be matched with. */
  doNotMatch: string[];
  /** Wants (more) matches: false once they leave or a match ends without them continuing. */
  seeking: boolean;
  /** Kept out of new matches until they confirm they are still available (see shared/domain/check-ins.ts). */
  paused?: { reason: 'unanswered-check-in'; at: string; matchId: string };
}

export interface Participant {
  orgId: string;
  participantId: string;
  programId: string;
  role: z.infer<typeof Role>;
  status: ParticipantStatus;
  email: string;
  name: string;
  timezone: string;
  profile: Pick<
    SignupRequest,
    | 'interests'
    | 'experiences'
    | 'goals'
    | 'languages'
    | 'availability'
    | 'format'
    | 'city'
    | 'campus'
    | 'capacity'
  >;
  /** Which consent text the person agreed to, and when: the record privacy law asks for. */
  consent: { version: string; at: string };
  createdAt: string;
  verifiedAt?: string;
  /** Mentors and mentees, from verification on. */
  matching?: MatchingState;
  /** Set when their erasure began: from then on nobody is matched with them and emails name them by role. */
  erasingSince?: string;
}

export const initialMatchingState = (): MatchingState => ({
  version: 0,
  activeMatchIds: [],
  endedWith: [],
  doNotMatch: [],
  seeking: true,
});

/** The form of an address used to recognise the same person twice; mailbox case is kept for sending. */
export const normaliseEmail = (email: string) => email.trim().toLowerCase();
