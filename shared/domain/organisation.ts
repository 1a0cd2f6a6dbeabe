import { z } from 'zod';
import type { MatchingSettingsInput } from '../matching/settings';
import type { GroupScheduleInput } from './group-sessions';
import type { MeetingSettingsInput } from './meetings';

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
