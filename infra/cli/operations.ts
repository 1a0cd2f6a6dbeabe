import { randomUUID } from 'node:crypto';
import { dynamoApiKeys } from '../../shared/data/api-keys';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { dynamoOutbox } from '../../shared/data/outbox';
import { dynamoProgramReport } from '../../shared/data/program-report';
import { findProgram } from '../../shared/domain/organisation';
import { programReport, reportRows } from '../../shared/domain/program-report';
import type { DeadLetterKind } from '../constructs/dead-letter-queue';
import type { Delivery } from '../local/eventbridge';
import { deployedDeadLetters } from './dead-letters';
import { unknownOrganisation } from './organisations';
import { type Output, table } from './output';
import { type Target, UsageError } from './target';

/** The organisation's mentoring program, or a UsageError naming what is missing. */
const mentoringProgram = async (target: Target, orgId: string, programId: string) => {
  const org = await dynamoOrganisations(target.documents, target.tableName).get(orgId);
  if (!org) throw unknownOrganisation(orgId, target);
  const program = findProgram(org, programId);
  if (!program) {
    throw new UsageError(
      `Organisation ${orgId} has no program ${programId}; its programs: ${org.programs.map((p) => p.programId).join(', ')}.`,
    );
  }
  if (program.kind !== 'mentoring') {
    throw new UsageError(
      `${programId} is a peer group: members take seats, nobody is matched or reported on.`,
    );
  }
  return program;
};

export const keyCommands = (target: Target, output: Output) => {
  const apiKeys = dynamoApiKeys(target.documents, target.tableName);
  const organisations = dynamoOrganisations(target.documents, target.tableName);
  return {
    async issue(orgId: string, label: string) {
      if (!(await organisations.get(orgId))) throw unknownOrganisation(orgId, target);
      const { keyId, token } = await apiKeys.issue(orgId, label, await target.now());
      output.out(
        `Issued key ${keyId} (${label}) for ${orgId} on ${target.description}.\n` +
          'The key is shown this once and cannot be read again; keep it in a password manager:\n\n' +
          `  ${token}\n\n` +
          `It manages ${orgId} only. Revoke it with \`kindred keys revoke --org ${orgId} --key ${keyId}\`.\n`,
      );
    },

    async list(orgId: string) {
      if (!(await organisations.get(orgId))) throw unknownOrganisation(orgId, target);
      const keys = await apiKeys.list(orgId);
      if (keys.length === 0) {
        output.out(`Organisation ${orgId} has no API keys.\n`);
        return;
      }
      output.out(
        table(
          ['KEY ID', 'LABEL', 'CREATED', 'REVOKED'],
          keys.map((key) => [key.keyId, key.label, key.createdAt, key.revokedAt ?? '']),
        ),
      );
    },

    async revoke(orgId: string, keyId: string) {
      if (!(await apiKeys.revoke(orgId, keyId, await target.now()))) {
        throw new UsageError(
          `Organisation ${orgId} has no live key ${keyId}: it is unknown, or revoked already.`,
        );
      }
      output.out(`Revoked key ${keyId} of ${orgId}: it is refused from now on.\n`);
    },
  };
};

/** Starts a matching run the way a coordinator's request does: MatchingRunRequested through the outbox. */
export const requestMatchingRun = async (
  target: Target,
  output: Output,
  orgId: string,
  programId: string,
) => {
  await mentoringProgram(target, orgId, programId);
  const now = await target.now();
  const runId = randomUUID();
  await dynamoOutbox(target.documents, target.tableName).publish(
    {
      detailType: 'MatchingRunRequested',
      detail: { version: 1, orgId, occurredAt: now.toISOString(), runId, programId, trigger: 'coordinator' },
    },
    now,
  );
  output.out(
    `Requested matching run ${runId} for ${orgId}/${programId}: each pair made is announced as MatchMade.\n`,
  );
};

/** `--queue` names a deployed stage's queue; the local runtime keeps its dead letters in one list. */
const localDeadLetters = (target: Target, queues: readonly DeadLetterKind[] | undefined) => {
  if (queues) {
    throw new UsageError(
      `--queue picks one of a deployed stage's dead-letter queues; ${target.description} keeps one list of dead letters.`,
    );
  }
  return target.localApi as string;
};

export const deadLetterCommands = (target: Target, output: Output) => ({
  async list(queues?: readonly DeadLetterKind[]) {
    if (target.deployed) return deployedDeadLetters(target, target.deployed, output).list(queues);
    const api = localDeadLetters(target, queues);
    const letters = (await (await fetch(new URL('/_local/dead-letters', api))).json()) as (Delivery & {
      event: { id: string; 'detail-type': string };
    })[];
    if (letters.length === 0) {
      output.out('No dead-lettered events.\n');
      return;
    }
    output.out(
      table(
        ['EVENT ID', 'EVENT', 'TARGET', 'ATTEMPTS', 'LAST ERROR'],
        letters.map((letter) => [
          letter.event.id,
          letter.event['detail-type'],
          letter.target,
          letter.attempts,
          letter.lastError ?? '',
        ]),
      ),
    );
  },

  async replay(queues?: readonly DeadLetterKind[]) {
    if (target.deployed) return deployedDeadLetters(target, target.deployed, output).replay(queues);
    const api = localDeadLetters(target, queues);
    const { replayed } = (await (
      await fetch(new URL('/_local/dead-letters/replay', api), { method: 'POST' })
    ).json()) as {
      replayed: number;
    };
    output.out(`Replayed ${replayed} dead-lettered deliver${replayed === 1 ? 'y' : 'ies'}.\n`);
  },
});

export const printReport = async (
  target: Target,
  output: Output,
  orgId: string,
  programId: string,
  format: { json?: boolean },
) => {
  await mentoringProgram(target, orgId, programId);
  const report = await programReport(
    dynamoProgramReport(target.documents, target.tableName),
    orgId,
    programId,
    await target.now(),
  );
  if (format.json) {
    output.out(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  output.out(`Report of ${orgId}/${programId}, generated ${report.generatedAt}\n\n`);
  output.out(table(['FIGURE', 'VALUE'], reportRows(report)));
};
