export type OrgKind = 'nonprofit' | 'university' | 'company';

export interface Program {
  programId: string;
  name: string;
  kind: 'mentoring' | 'peer-group';
}

export interface Organisation {
  orgId: string;
  kind: OrgKind;
  name: string;
  /** The consent text people agree to on the form, versioned so each participant's record names it. */
  consent: { version: string; text: string };
  defaultProgramId: string;
  programs: Program[];
  branding?: { colour?: string; logoUrl?: string };
}

export const findProgram = (org: Organisation, programId = org.defaultProgramId) =>
  org.programs.find((p) => p.programId === programId);
