import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { matchingDeps } from '../../shared/adapters/matching-deps';
import { readEnv } from '../../shared/config';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { addDoNotMatch } from '../../shared/domain/matching';
import { Id } from '../../shared/events/catalogue';
import { mentoringProgramIn } from '../../shared/http/admin-api';
import { orgKeyRoute, requireOrgKey } from '../../shared/http/org-key';
import { problems } from '../../shared/http/problem';
import { MatchingSettings } from '../../shared/matching/settings';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = matchingDeps(TABLE_NAME);
const organisations = dynamoOrganisations(documents, TABLE_NAME);

/**
 * Coordinators' matching tools, with their organisation's API key: a program's matching settings, a matching
 * run on demand, and keeping two people apart. (Ending a match is org-admin's `PUT …/matches/{id}/ending`.)
 */

const ProgramPath = z.object({ orgId: Id, programId: Id });

const mentoringProgramOf = async (orgId: string, programId: string) =>
  mentoringProgramIn(await organisations.get(orgId), programId, 'matching');

const putSettings = httpHandler(
  { path: ProgramPath, body: MatchingSettings },
  async ({ path, body, event }) => {
    requireOrgKey(event, path.orgId);
    const updated = await organisations.update(path.orgId, (org) => {
      const { index, program } = mentoringProgramIn(org, path.programId, 'matching');
      return { ...org, programs: org.programs.with(index, { ...program, matching: body }) };
    });
    if (!updated) throw problems.notFound('Organisation', '/orgId');
    return { status: 200, body: { programId: path.programId, matching: body } };
  },
);

const requestRun = httpHandler({ path: ProgramPath }, async ({ path, now, event }) => {
  requireOrgKey(event, path.orgId);
  const { program } = await mentoringProgramOf(path.orgId, path.programId);
  const runId = randomUUID();
  await deps.outbox.publish(
    {
      detailType: 'MatchingRunRequested',
      detail: {
        version: 1,
        orgId: path.orgId,
        occurredAt: now.toISOString(),
        runId,
        programId: program.programId,
        trigger: 'coordinator',
      },
    },
    now,
  );
  return {
    status: 202,
    body: { runId, status: 'requested', message: 'Each pair made is announced as MatchMade.' },
  };
});

const keepApart = httpHandler(
  { path: z.object({ orgId: Id, participantId: Id, otherId: Id }) },
  async ({ path, event }) => {
    requireOrgKey(event, path.orgId);
    return { status: 200, body: await addDoNotMatch(deps, path) };
  },
);

const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>> = {
  'PUT /v1/admin/orgs/{orgId}/programs/{programId}/matching': putSettings,
  'POST /v1/admin/orgs/{orgId}/programs/{programId}/matching-runs': requestRun,
  'PUT /v1/admin/orgs/{orgId}/participants/{participantId}/do-not-match/{otherId}': keepApart,
};

export const handler = orgKeyRoute((event: APIGatewayProxyEventV2, context: Context) => {
  const route = routes[event.routeKey];
  if (!route) throw new Error(`admin-matching has no route ${event.routeKey}`);
  return route(event, context);
});
