import { freeSeats } from './groups';
import { type Organisation, type OrgKind, rolesOf } from './organisation';

/**
 * What the embedded signup form shows for one organisation (`GET /v1/orgs/{orgId}/form`): public facts only,
 * never anything about participants beyond whether a group has a free seat.
 */

export interface FormChoices {
  experiences: string[];
  interests: string[];
  goals: string[];
  /** Language codes (BCP 47), e.g. `en`, `pt-BR`. */
  languages: string[];
}

/** Choices for an organisation that has not set its own, by kind: the tags matching compares. */
export const defaultChoices: Record<OrgKind, FormChoices> = {
  university: {
    experiences: [
      'first in my family at university',
      'moving to a new city alone',
      'studying in a second language',
      'international student',
      'mature student',
      'student parent',
      'changing course',
      'living with a disability',
    ],
    interests: ['music', 'sport', 'gaming', 'poetry', 'cooking', 'volunteering', 'hiking', 'film'],
    goals: [
      'make friends',
      'find my way around campus',
      'study habits',
      'exam stress',
      'find a part-time job',
      'plan my career',
    ],
    languages: ['en', 'es', 'fr', 'de', 'pt', 'zh', 'ar', 'hi'],
  },
  nonprofit: {
    experiences: [
      'becoming a parent',
      'grief and loss',
      'job loss',
      'moving to a new country',
      'caring for a family member',
      'living with a long-term illness',
      'recovery',
      'leaving care',
    ],
    interests: ['walking', 'cooking', 'crafts', 'music', 'reading', 'gardening', 'faith', 'sport'],
    goals: [
      'someone to talk to',
      'feel less alone',
      'practical tips',
      'build confidence',
      'get back to work',
      'find local services',
    ],
    languages: ['en', 'es', 'fr', 'pl', 'ar', 'ur', 'pt', 'ro'],
  },
  company: {
    experiences: [
      'new to the company',
      'first management role',
      'returning from parental leave',
      'changing careers',
      'working remotely',
      'relocating for work',
    ],
    interests: ['public speaking', 'writing', 'data', 'design', 'sport', 'volunteering'],
    goals: [
      'grow as a leader',
      'plan my career',
      'build a network',
      'work-life balance',
      'learn a new skill',
    ],
    languages: ['en', 'es', 'fr', 'de', 'pt', 'zh'],
  },
};

export interface FormProgram {
  programId: string;
  name: string;
  kind: 'mentoring' | 'peer-group';
  roles: readonly ('mentor' | 'mentee' | 'member')[];
  /** `full`: a peer group with no free seat; a signup joins its waitlist. */
  status: 'open' | 'full';
}

export interface FormConfig {
  orgId: string;
  name: string;
  kind: OrgKind;
  branding: { colour?: string; logoUrl?: string };
  defaultProgramId: string;
  programs: FormProgram[];
  experiences: string[];
  interests: string[];
  goals: string[];
  languages: { code: string; name: string }[];
  consent: { version: string; text: string };
}

/** How many seats of a peer group are taken, for its open/full status. */
export interface GroupSeatCounts {
  seated(orgId: string, groupId: string): Promise<number>;
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'code' });

const languageName = (code: string) => {
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code;
  }
};

export const formConfig = async (org: Organisation, seats: GroupSeatCounts): Promise<FormConfig> => {
  const defaults = defaultChoices[org.kind];
  const programs = await Promise.all(
    org.programs.map(async (program): Promise<FormProgram> => {
      const full =
        program.kind === 'peer-group' &&
        freeSeats(program.seats, { seated: await seats.seated(org.orgId, program.programId) }) === 0;
      return {
        programId: program.programId,
        name: program.name,
        kind: program.kind,
        roles: rolesOf(program),
        status: full ? 'full' : 'open',
      };
    }),
  );
  return {
    orgId: org.orgId,
    name: org.name,
    kind: org.kind,
    branding: { ...org.branding },
    defaultProgramId: org.defaultProgramId,
    programs,
    experiences: org.form?.experiences ?? defaults.experiences,
    interests: org.form?.interests ?? defaults.interests,
    goals: org.form?.goals ?? defaults.goals,
    languages: (org.form?.languages ?? defaults.languages).map((code) => ({
      code,
      name: languageName(code),
    })),
    consent: { version: org.consent.version, text: org.consent.text },
  };
};
