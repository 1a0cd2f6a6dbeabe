import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { dynamoOrganisationList, dynamoOrganisations } from '../../shared/data/organisations';
import { Organisation, type Program } from '../../shared/domain/organisation';
import { type Output, table } from './output';
import { type Target, UsageError } from './target';

/** What `orgs create` and `orgs update` take besides `--file`. */
export interface OrganisationFlags {
  id?: string;
  name?: string;
  kind?: string;
  consentVersion?: string;
  consentText?: string;
  program?: string[];
  defaultProgram?: string;
}

/** `id=Name` → a mentoring program; peer groups and the other settings are written in a --file. */
const mentoringProgram = (flag: string): Program => {
  const [programId = '', ...name] = flag.split('=');
  return { programId, name: name.join('='), kind: 'mentoring' };
};

const fromFlags = (flags: OrganisationFlags) => ({
  ...(flags.id !== undefined ? { orgId: flags.id } : {}),
  ...(flags.name !== undefined ? { name: flags.name } : {}),
  ...(flags.kind !== undefined ? { kind: flags.kind } : {}),
  ...(flags.consentVersion !== undefined || flags.consentText !== undefined
    ? {
        consent: {
          ...(flags.consentVersion !== undefined ? { version: flags.consentVersion } : {}),
          ...(flags.consentText !== undefined ? { text: flags.consentText } : {}),
        },
      }
    : {}),
  ...(flags.program?.length ? { programs: flags.program.map(mentoringProgram) } : {}),
  ...(flags.defaultProgram !== undefined || flags.program?.length
    ? { defaultProgramId: flags.defaultProgram ?? mentoringProgram(flags.program?.[0] ?? '').programId }
    : {}),
});

const readOrganisationFile = async (file: string) => {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
};

const describeIssues = (error: z.ZodError) =>
  error.issues
    .map((issue) => `  ${issue.path.join('.') || '(the organisation)'}: ${issue.message}`)
    .join('\n');

const validated = (input: unknown, source: string) => {
  const parsed = Organisation.safeParse(input);
  if (!parsed.success) {
    throw new UsageError(`The organisation ${source} is not valid:\n${describeIssues(parsed.error)}`);
  }
  return parsed.data;
};

export const organisationCommands = (target: Target, output: Output) => {
  const store = dynamoOrganisations(target.documents, target.tableName);
  return {
    async create(flags: OrganisationFlags & { file?: string }) {
      const given = flags.file ? await readOrganisationFile(flags.file) : {};
      const org = validated({ ...given, ...fromFlags(flags) }, flags.file ? `in ${flags.file}` : 'given');
      if (!(await store.create(org))) {
        throw new UsageError(
          `Organisation ${org.orgId} exists already on ${target.description}: change it with \`orgs update ${org.orgId}\`.`,
        );
      }
      output.out(`Created organisation ${org.orgId} (${org.name}) on ${target.description}.\n`);
    },

    async list(options: { json?: boolean }) {
      const orgs: Organisation[] = [];
      for await (const org of dynamoOrganisationList(target.documents, target.tableName).all())
        orgs.push(org);
      orgs.sort((a, b) => a.orgId.localeCompare(b.orgId));
      if (options.json) {
        output.out(`${JSON.stringify(orgs, null, 2)}\n`);
        return;
      }
      if (orgs.length === 0) {
        output.out(`No organisations on ${target.description}.\n`);
        return;
      }
      output.out(
        table(
          ['ORG ID', 'KIND', 'NAME', 'PROGRAMS'],
          orgs.map((org) => [org.orgId, org.kind, org.name, org.programs.map((p) => p.programId).join(', ')]),
        ),
      );
    },

    async show(orgId: string) {
      const org = await store.get(orgId);
      if (!org) throw unknownOrganisation(orgId, target);
      output.out(`${JSON.stringify(org, null, 2)}\n`);
    },

    async update(orgId: string, flags: OrganisationFlags & { file?: string }) {
      const given = flags.file ? await readOrganisationFile(flags.file) : {};
      if (given.orgId !== undefined && given.orgId !== orgId) {
        throw new UsageError(
          `${flags.file} describes ${String(given.orgId)}, not ${orgId}: an organisation keeps its id.`,
        );
      }
      const changes = fromFlags({ ...flags, id: undefined });
      if (!flags.file && Object.keys(changes).length === 0) {
        throw new UsageError(
          'Nothing to change: give --file or at least one of the organisation flags (see --help).',
        );
      }
      // A file is the whole organisation, as `orgs show` prints it; flags change single fields.
      const updated = await store.update(orgId, (current) => {
        const base = flags.file ? given : current;
        // One consent flag changes that field only; the other keeps its value.
        const consent = changes.consent && { ...(base.consent as object | undefined), ...changes.consent };
        return validated(
          { ...base, ...changes, ...(consent ? { consent } : {}), orgId },
          flags.file ? `in ${flags.file}` : 'after the change',
        );
      });
      if (!updated) throw unknownOrganisation(orgId, target);
      output.out(`Updated organisation ${orgId} on ${target.description}.\n`);
    },
  };
};

export const unknownOrganisation = (orgId: string, target: Target) =>
  new UsageError(
    `There is no organisation ${orgId} on ${target.description} (\`kindred orgs list\` names them).`,
  );
