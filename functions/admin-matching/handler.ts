import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { documents } from '../../shared/adapters/aws';
import { matchingDeps } from '../../shared/adapters/matching-deps';
import { readEnv } from '../../shared/config';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { addDoNotMatch, endMatch } from '../../shared/domain/matching';
import type { Organisation } from '../../shared/domain/organisation';
import { Id, MatchEndReason } from '../../shared/events/catalogue';
import { Problem, problems } from '../../shared/http/problem';
import { MatchingSettings } from '../../shared/matching/settings';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = matchingDeps(TABLE_NAME);
const organisations = dynamoOrganisations(documents, TABLE_NAME);

/**
 * Coordinators' matching tools, behind IAM authorisation in AWS: a program's matching settings, a matching
 * run on demand, ending a match with a reason, and keeping two people apart.
 */

const ProgramPath = z.object({ orgId: Id, programId: Id });

/** The program's index in the organisation, when it is a mentoring program; a problem otherwise. */
const mentoringProgramIn = (org: Organisation | undefined, programId: string) => {
  if (!org) throw problems.notFound('Organisation', '/orgId');
  const index = org.programs.findIndex((p) => p.programId === programId);
  const program = org.programs[index];
  if (!program) throw problems.notFound('Program', '/programId');
  if (program.kind !== 'mentoring') {
    throw new Problem(
      409,
      'not-a-mentoring-program',
      'This program has no matching',
      `${programId} is a peer group: members take seats, nobody is matched.`,
      [{ pointer: '/programId', detail: 'a peer group, not a mentoring program' }],
    );
  }
  return { index, program };
};

const mentoringProgramOf = async (orgId: string, programId: string) =>
  mentoringProgramIn(await organisations.get(orgId), programId);

const putSettings = httpHandler({ path: ProgramPath, body: MatchingSettings }, async ({ path, body }) => {
  const updated = await organisations.update(path.orgId, (org) => {
    const { index, program } = mentoringProgramIn(org, path.programId);
    return { ...org, programs: org.programs.with(index, { ...program, matching: body }) };
  });
  if (!updated) throw problems.notFound('Organisation', '/orgId');
  return { status: 200, body: { programId: path.programId, matching: body } };
});

const requestRun = httpHandler({ path: ProgramPath }, async ({ path, now }) => {
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

const Ending = z.strictObject({
  reason: MatchEndReason,
  /** Who goes back into the pool; by default it depends on the reason. */
  rejoining: z
    .array(z.enum(['mentor', 'mentee']))
    .max(2)
    .refine((roles) => new Set(roles).size === roles.length, 'each role at most once')
    .optional(),
});

const end = httpHandler(
  { path: z.object({ orgId: Id, matchId: Id }), body: Ending },
  async ({ path, body, now }) => {
    const match = await endMatch(
      deps,
      {
        orgId: path.orgId,
        matchId: path.matchId,
        reason: body.reason,
        endedBy: 'coordinator',
        rejoining: body.rejoining,
      },
      now,
    );
    return {
      status: 200,
      body: { matchId: match.matchId, status: match.status, ended: match.ended },
    };
  },
);

const keepApart = httpHandler(
  { path: z.object({ orgId: Id, participantId: Id, otherId: Id }) },
  async ({ path }) => ({ status: 200, body: await addDoNotMatch(deps, path) }),
);

const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>> = {
  'PUT /v1/admin/orgs/{orgId}/programs/{programId}/matching': putSettings,
  'POST /v1/admin/orgs/{orgId}/programs/{programId}/matching-runs': requestRun,
  'POST /v1/admin/orgs/{orgId}/matches/{matchId}/end': end,
  'PUT /v1/admin/orgs/{orgId}/participants/{participantId}/do-not-match/{otherId}': keepApart,
};

export const handler = (event: APIGatewayProxyEventV2, context: Context) => {
  const route = routes[event.routeKey];
  if (!route) throw new Error(`admin-matching has no route ${event.routeKey}`);
  return route(event, context);
};
