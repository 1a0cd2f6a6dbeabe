import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { documents } from '../../shared/adapters/aws';
import { matchingDeps } from '../../shared/adapters/matching-deps';
import { readEnv } from '../../shared/config';
import { keys } from '../../shared/data/keys';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { tableDefinition } from '../../shared/data/table';
import { endMatch } from '../../shared/domain/matching';
import type { Program } from '../../shared/domain/organisation';
import {
  AlertsQuery,
  MatchEnding,
  MatchesQuery,
  MatchPath,
  OrgPath,
  ParticipantsQuery,
  ProgramChange,
  ProgramPath,
} from '../../shared/http/admin-api';
import { orgKeyRoute, requireOrgKey } from '../../shared/http/org-key';
import { problems } from '../../shared/http/problem';
import { httpHandler } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const deps = matchingDeps(TABLE_NAME);
const organisations = dynamoOrganisations(documents, TABLE_NAME);

/**
 * The organisation admin API, behind the org-key authorizer: an organisation's own participants, matches,
 * alerts and programs. Every route checks the path's organisation against the key's first.
 */

const badCursor = () =>
  problems.invalidQuery([{ pointer: '/cursor', detail: 'Not a `next` value of this listing' }]);

const encodeCursor = (key: Record<string, unknown> | undefined) =>
  key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;

/** The cursor's start key, only if it lies in the partition being listed: a cursor cannot cross organisations. */
const decodeCursor = (cursor: string | undefined, belongs: (key: Record<string, string>) => boolean) => {
  if (cursor === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (!key || typeof key !== 'object' || Array.isArray(key)) throw badCursor();
  const values = Object.values(key);
  if (!values.every((v) => typeof v === 'string') || !belongs(key as Record<string, string>))
    throw badCursor();
  return key as Record<string, string>;
};

const query = async (input: Omit<QueryCommandInput, 'TableName'>) => {
  const page = await documents.send(new QueryCommand({ TableName: TABLE_NAME, ...input }));
  return { items: page.Items ?? [], next: encodeCursor(page.LastEvaluatedKey) };
};

const orgPk = (orgId: string) => keys.organisation(orgId).pk;

const listParticipants = httpHandler(
  { path: OrgPath, query: ParticipantsQuery },
  async ({ path, query: q, event }) => {
    const { orgId } = requireOrgKey(event, path.orgId);
    const partition = keys.participantsByStatus(orgId);
    const page = await query({
      IndexName: tableDefinition.lookupIndex.name,
      KeyConditionExpression: q.status
        ? 'lookupPk = :pk AND begins_with(lookupSk, :status)'
        : 'lookupPk = :pk',
      ExpressionAttributeValues: { ':pk': partition, ...(q.status ? { ':status': `${q.status}#` } : {}) },
      Limit: q.limit,
      ExclusiveStartKey: decodeCursor(q.cursor, (k) => k.lookupPk === partition && k.pk === orgPk(orgId)),
    });
    const items = page.items.map((p) => ({
      participantId: p.participantId,
      programId: p.programId,
      role: p.role,
      status: p.status,
      name: p.name,
      createdAt: p.createdAt,
      ...(p.verifiedAt ? { verifiedAt: p.verifiedAt } : {}),
    }));
    return { status: 200, body: { items, ...(page.next ? { next: page.next } : {}) } };
  },
);

const listMatches = httpHandler({ path: OrgPath, query: MatchesQuery }, async ({ path, query: q, event }) => {
  const { orgId } = requireOrgKey(event, path.orgId);
  const page = await query({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ...(q.status
      ? { FilterExpression: '#status = :status', ExpressionAttributeNames: { '#status': 'status' } }
      : {}),
    ExpressionAttributeValues: {
      ':pk': orgPk(orgId),
      ':prefix': 'MATCH#',
      ...(q.status ? { ':status': q.status } : {}),
    },
    Limit: q.limit,
    ExclusiveStartKey: decodeCursor(
      q.cursor,
      (k) => k.pk === orgPk(orgId) && k.sk?.startsWith('MATCH#') === true,
    ),
  });
  const items = page.items.map((m) => ({
    matchId: m.matchId,
    programId: m.programId,
    mentorId: m.mentorId,
    menteeId: m.menteeId,
    status: m.status,
    score: m.score,
    createdAt: m.createdAt,
    ...(m.ended ? { ended: m.ended } : {}),
  }));
  return { status: 200, body: { items, ...(page.next ? { next: page.next } : {}) } };
});

const endOne = httpHandler({ path: MatchPath, body: MatchEnding }, async ({ path, body, now, event }) => {
  const { orgId } = requireOrgKey(event, path.orgId);
  const match = await endMatch(
    deps,
    { orgId, matchId: path.matchId, reason: body.reason, endedBy: 'coordinator', rejoining: body.rejoining },
    now,
  );
  return { status: 200, body: { matchId: match.matchId, status: match.status, ended: match.ended } };
});

/** Ratings with crisis language (safeguarding) or that made low ones in a row (the coordinator's). */
const feedbackAlerts = async (orgId: string, q: { limit: number; cursor?: string }) => {
  const page = await query({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: 'attribute_exists(feedbackId) AND (concern = :yes OR lowInARow = :yes)',
    ExpressionAttributeValues: { ':pk': orgPk(orgId), ':prefix': 'FEEDBACK#', ':yes': true },
    Limit: q.limit,
    ExclusiveStartKey: decodeCursor(
      q.cursor,
      (k) => k.pk === orgPk(orgId) && k.sk?.startsWith('FEEDBACK#') === true,
    ),
  });
  const items = page.items.map((f) => ({
    feedbackId: f.feedbackId,
    kind: f.concern ? 'safeguarding' : 'low-ratings',
    matchId: f.matchId,
    programId: f.programId,
    meetingId: f.meetingId,
    participantId: f.participantId,
    rating: f.rating,
    ...(f.comment ? { comment: f.comment } : {}),
    alerted: f.alerted === true,
    givenAt: f.givenAt,
  }));
  return { items, next: page.next };
};

/** Mentors paused because nobody answered their pair's "still meeting?": they wait for the coordinator. */
const checkInAlerts = async (orgId: string, q: { limit: number; cursor?: string }) => {
  const page = await query({
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    FilterExpression: 'matching.paused.reason = :reason',
    ExpressionAttributeValues: {
      ':pk': orgPk(orgId),
      ':prefix': 'PARTICIPANT#',
      ':reason': 'unanswered-check-in',
    },
    Limit: q.limit,
    ExclusiveStartKey: decodeCursor(
      q.cursor,
      (k) => k.pk === orgPk(orgId) && k.sk?.startsWith('PARTICIPANT#') === true,
    ),
  });
  const items = page.items.map((p) => ({
    kind: 'unanswered-check-in',
    participantId: p.participantId,
    programId: p.programId,
    matchId: p.matching.paused.matchId,
    pausedAt: p.matching.paused.at,
  }));
  return { items, next: page.next };
};

const listAlerts = httpHandler({ path: OrgPath, query: AlertsQuery }, async ({ path, query: q, event }) => {
  const { orgId } = requireOrgKey(event, path.orgId);
  const page =
    q.kind === 'unanswered-check-in' ? await checkInAlerts(orgId, q) : await feedbackAlerts(orgId, q);
  return { status: 200, body: { items: page.items, ...(page.next ? { next: page.next } : {}) } };
});

const summary = (program: Program) => ({
  programId: program.programId,
  name: program.name,
  kind: program.kind,
  ...(program.kind === 'peer-group' ? { seats: program.seats } : {}),
});

const organisationOf = async (orgId: string) => {
  const org = await organisations.get(orgId);
  if (!org) throw problems.notFound('Organisation', '/orgId');
  return org;
};

const listPrograms = httpHandler({ path: OrgPath }, async ({ path, event }) => {
  const { orgId } = requireOrgKey(event, path.orgId);
  return { status: 200, body: { items: (await organisationOf(orgId)).programs.map(summary) } };
});

const listGroups = httpHandler({ path: OrgPath }, async ({ path, event }) => {
  const { orgId } = requireOrgKey(event, path.orgId);
  const groups = (await organisationOf(orgId)).programs.filter((p) => p.kind === 'peer-group');
  return { status: 200, body: { items: groups.map(summary) } };
});

const getProgram = httpHandler({ path: ProgramPath }, async ({ path, event }) => {
  const { orgId } = requireOrgKey(event, path.orgId);
  const program = (await organisationOf(orgId)).programs.find((p) => p.programId === path.programId);
  if (!program) throw problems.notFound('Program', '/programId');
  return { status: 200, body: summary(program) };
});

const putProgram = httpHandler({ path: ProgramPath, body: ProgramChange }, async ({ path, body, event }) => {
  const { orgId } = requireOrgKey(event, path.orgId);
  let changed: Program | undefined;
  const updated = await organisations.update(orgId, (org) => {
    const index = org.programs.findIndex((p) => p.programId === path.programId);
    const program = org.programs[index];
    if (!program) throw problems.notFound('Program', '/programId');
    changed = { ...program, name: body.name };
    return { ...org, programs: org.programs.with(index, changed) };
  });
  if (!updated || !changed) throw problems.notFound('Organisation', '/orgId');
  return { status: 200, body: summary(changed) };
});

const routes: Record<string, (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>> = {
  'GET /v1/admin/orgs/{orgId}/participants': listParticipants,
  'GET /v1/admin/orgs/{orgId}/matches': listMatches,
  'PUT /v1/admin/orgs/{orgId}/matches/{matchId}/ending': endOne,
  'GET /v1/admin/orgs/{orgId}/alerts': listAlerts,
  'GET /v1/admin/orgs/{orgId}/programs': listPrograms,
  'GET /v1/admin/orgs/{orgId}/groups': listGroups,
  'GET /v1/admin/orgs/{orgId}/programs/{programId}': getProgram,
  'PUT /v1/admin/orgs/{orgId}/programs/{programId}': putProgram,
};

export const handler = orgKeyRoute(async (event: APIGatewayProxyEventV2, context: Context) => {
  const route = routes[event.routeKey];
  if (!route) throw new Error(`org-admin has no route ${event.routeKey}`);
  return route(event, context);
});
