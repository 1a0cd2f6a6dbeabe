import { z } from 'zod';
import { Id } from '../events/catalogue';
import { MatchingSettings, type MatchingSettingsInput } from '../matching/settings';
import { GroupSchedule, type GroupScheduleInput } from './group-sessions';
import { MeetingSettings, type MeetingSettingsInput } from './meetings';

export type OrgKind = 'nonprofit' | 'university' | 'company';

/** A mentoring program: mentors and mentees, matched by kindred's matcher under the program's settings. */
export interface MentoringProgram {
  programId: string;
  name: string;
  kind: 'mentoring';
  /** The program's matching settings; absent fields take the defaults (see shared/matching/settings.ts). */
  matching?: MatchingSettingsInput;
  /** How often pairs meet and when they are reminded (see shared/domain/meetings.ts). */
  meetings?: MeetingSettingsInput;
}

/** A peer-support group: members take one of its seats, or wait for one. */
export interface PeerGroup extends Partial<PeerGroupDetails> {
  programId: string;
  name: string;
  kind: 'peer-group';
  seats: number;
  /** When the group meets (see shared/domain/group-sessions.ts); without one no sessions are planned. */
  schedule?: GroupScheduleInput;
}

export const GroupFormat = z.enum(['online', 'in-person', 'hybrid'], 'online, in-person or hybrid');
export type GroupFormat = z.infer<typeof GroupFormat>;

/**
 * What a group's public directory listing says about it. A group with these details (and the organisation a
 * nonprofit or university) is listed; the contact is mailed "still running?" and is never shown.
 */
export const PeerGroupDetails = z
  .strictObject({
    topics: z.array(z.string().trim().min(1).max(60)).min(1, 'at least one topic').max(10, 'at most 10'),
    format: GroupFormat,
    /** A city, or a campus: where an in-person or hybrid group meets. */
    place: z.string().trim().min(1).max(100).optional(),
    language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a language code such as en or pt-BR'),
    /** The facilitator's address: the directory's "still running?" emails go there. */
    contact: z.email('an email address'),
    accessibility: z.string().trim().max(500).optional(),
  })
  .refine((details) => details.format === 'online' || details.place !== undefined, {
    path: ['place'],
    message: 'the city or campus where an in-person or hybrid group meets',
  });
export type PeerGroupDetails = z.infer<typeof PeerGroupDetails>;

const DETAIL_FIELDS = ['topics', 'format', 'place', 'language', 'contact', 'accessibility'] as const;

/** The group's listing details, validated; undefined when it has none (it is then not listed). */
export const peerGroupDetails = (group: PeerGroup) => {
  const given = Object.fromEntries(
    DETAIL_FIELDS.filter((field) => group[field] !== undefined).map((field) => [field, group[field]]),
  );
  if (Object.keys(given).length === 0) return undefined;
  return PeerGroupDetails.safeParse(given);
};

export type Program = MentoringProgram | PeerGroup;

export interface Organisation {
  orgId: string;
  kind: OrgKind;
  name: string;
  /**
   * The AWS region whose stack keeps the organisation's data (each region's stack is separate: an
   * organisation lives in one, e.g. to keep its people's data in the EU).
   */
  homeRegion?: string;
  /** The consent text people agree to on the form, versioned so each participant's record names it. */
  consent: { version: string; text: string };
  defaultProgramId: string;
  programs: Program[];
  branding?: { colour?: string; logoUrl?: string };
  /**
   * The web origins (`https://www.example.org`) whose pages may show the embedded signup form: browsers on
   * any other origin are refused. See `AllowedOrigin`.
   */
  allowedOrigins?: string[];
  /** The choices the signup form offers; absent lists take the defaults for the organisation's kind. */
  form?: { experiences?: string[]; interests?: string[]; goals?: string[]; languages?: string[] };
  /** Who the platform alerts: the program coordinator (drifting or unhappy pairs) and safeguarding. */
  contacts?: { coordinator?: string; safeguarding?: string };
  /**
   * Where to find help in a crisis (helplines, emergency numbers), shown to anyone whose words suggest one:
   * kindred is peer support, not a crisis service.
   */
  crisisHelp?: string;
  /**
   * Where the organisation's DirectoryEntryChanged events are delivered (its own website's directory page),
   * signed with its webhook key: `secretRef` names the key (see shared/domain/directory-webhooks.ts).
   */
  webhook?: { url: string; secretRef: string };
  /**
   * Signups per window in place of the platform's (see shared/http/rate-limit.ts): for a campus network or a
   * signup desk, where many people share one address.
   */
  signupLimits?: { perAddress?: number; perOrganisation?: number };
}

export const findProgram = (org: Organisation, programId = org.defaultProgramId) =>
  org.programs.find((p) => p.programId === programId);

/** The roles a signup for a program may take. */
export const rolesOf = (program: Program) =>
  program.kind === 'mentoring' ? (['mentor', 'mentee'] as const) : (['member'] as const);

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An origin as browsers send it (scheme, host, optional port; no path): https, or plain http on this machine's
 * loopback for the local demo. Stored as the URL standard serialises it, so comparison is exact.
 */
export const AllowedOrigin = z
  .string()
  .max(200)
  .refine((value) => {
    try {
      const url = new URL(value);
      const secure =
        url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
      // Exact hosts only: the URL standard lets `*` through in a host, and a wildcard is no origin.
      return secure && url.origin === value && /^[a-z0-9.-]+$|^\[[0-9a-f:]+\]$/.test(url.hostname);
    } catch {
      return false;
    }
  }, 'an origin such as https://www.example.org (https; http only for localhost), with no path or trailing slash');

export const AllowedOrigins = z.array(AllowedOrigin).max(20);

/** Whether a page on `origin` may use the organisation's form: exact match, never a pattern. */
export const allowsOrigin = (org: Pick<Organisation, 'allowedOrigins'>, origin: string) =>
  (org.allowedOrigins ?? []).includes(origin);

/**
 * A nested settings object checked against its schema but kept as given, so fields left out go on taking the
 * platform's defaults. The schema is named lazily: group-sessions.ts reaches this module through groups.ts.
 */
const keptAsGiven = <T>(schema: () => z.ZodType<unknown, T>) =>
  z.custom<T>().superRefine((value, ctx) => {
    const result = schema().safeParse(value);
    for (const issue of result.error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  });

const DisplayName = z.string().trim().min(1, 'a name').max(120, 'at most 120 characters');

const MentoringProgramInput = z.strictObject({
  programId: Id,
  name: DisplayName,
  kind: z.literal('mentoring'),
  matching: keptAsGiven<MatchingSettingsInput>(() => MatchingSettings).optional(),
  meetings: keptAsGiven<MeetingSettingsInput>(() => MeetingSettings).optional(),
});

const PeerGroupInput = z
  .strictObject({
    programId: Id,
    name: DisplayName,
    kind: z.literal('peer-group'),
    seats: z.int('a whole number of seats').min(1, 'at least 1').max(1000, 'at most 1000'),
    schedule: keptAsGiven<GroupScheduleInput>(() => GroupSchedule).optional(),
    ...Object.fromEntries(DETAIL_FIELDS.map((field) => [field, z.unknown().optional()])),
  })
  .superRefine((group, ctx) => {
    const details = peerGroupDetails(group as PeerGroup);
    for (const issue of details?.error?.issues ?? []) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
  })
  .transform((group) => group as PeerGroup);

const Choices = z.array(z.string().trim().min(1).max(80)).min(1).max(50);

const hasIds = (value: unknown): value is { programs: { programId: unknown }[] } => {
  const programs = (value as { programs?: unknown } | undefined)?.programs;
  return (
    Array.isArray(programs) && programs.every((program) => typeof program === 'object' && program !== null)
  );
};

/** An organisation as an operator writes it (see `Organisation`): every field checked, nothing added. */
export const Organisation = z
  .strictObject({
    orgId: Id,
    kind: z.enum(['nonprofit', 'university', 'company'] as const satisfies readonly OrgKind[]),
    name: DisplayName,
    homeRegion: z
      .string()
      .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region code, e.g. eu-west-1')
      .optional(),
    consent: z.strictObject({
      version: z.string().trim().min(1).max(100),
      text: z.string().trim().min(1).max(5000),
    }),
    defaultProgramId: Id,
    programs: z
      .array(z.discriminatedUnion('kind', [MentoringProgramInput, PeerGroupInput]))
      .min(1)
      .max(200),
    branding: z
      .strictObject({
        colour: z
          .string()
          .regex(/^#[0-9a-fA-F]{6}$/, 'a colour such as #1f4e79')
          .optional(),
        logoUrl: z.url({ protocol: /^https$/, error: 'an https URL' }).optional(),
      })
      .optional(),
    allowedOrigins: AllowedOrigins.optional(),
    form: z
      .strictObject({ experiences: Choices, interests: Choices, goals: Choices, languages: Choices })
      .partial()
      .optional(),
    contacts: z
      .strictObject({ coordinator: z.email('an email address'), safeguarding: z.email('an email address') })
      .partial()
      .optional(),
    crisisHelp: z.string().trim().min(1).max(2000).optional(),
    webhook: z
      .strictObject({
        url: z.url({ protocol: /^https$/, error: 'an https URL' }),
        secretRef: z.string().min(1).max(200),
      })
      .optional(),
    signupLimits: z
      .strictObject({
        perAddress: z.int().min(1).max(100_000),
        perOrganisation: z.int().min(1).max(1_000_000),
      })
      .partial()
      .optional(),
  })
  .refine((org) => org.programs.some((program) => program.programId === org.defaultProgramId), {
    path: ['defaultProgramId'],
    message: 'one of the programs\u2019 ids',
    // Also when other fields are wrong, so one run names every mistake.
    when: ({ value }) => hasIds(value),
  })
  .refine((org) => new Set(org.programs.map((p) => p.programId)).size === org.programs.length, {
    path: ['programs'],
    message: 'each program id once',
    when: ({ value }) => hasIds(value),
  }) satisfies z.ZodType<Organisation>;
