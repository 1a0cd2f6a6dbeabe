import type { MatchingSettingsInput } from '../matching/settings';
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
export interface PeerGroup {
  programId: string;
  name: string;
  kind: 'peer-group';
  seats: number;
}

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
  /** Who the platform alerts: the program coordinator (drifting or unhappy pairs) and safeguarding. */
  contacts?: { coordinator?: string; safeguarding?: string };
  /**
   * Where to find help in a crisis (helplines, emergency numbers), shown to anyone whose words suggest one:
   * kindred is peer support, not a crisis service.
   */
  crisisHelp?: string;
}

export const findProgram = (org: Organisation, programId = org.defaultProgramId) =>
  org.programs.find((p) => p.programId === programId);

/** The roles a signup for a program may take. */
export const rolesOf = (program: Program) =>
  program.kind === 'mentoring' ? (['mentor', 'mentee'] as const) : (['member'] as const);
