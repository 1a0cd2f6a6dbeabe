import { z } from 'zod';
import { type FunctionName, type FunctionSpec, functionSpecs, type HttpRoute } from '../../infra/functions';
import { SignupRequest } from '../domain/participant';
import { MatchingSettings } from '../matching/settings';
import {
  Alert,
  AlertsQuery,
  CheckInAlert,
  ErasureResult,
  GroupClosing,
  MatchEnding,
  MatchesQuery,
  MatchSummary,
  ParticipantSummary,
  ParticipantsQuery,
  ProgramChange,
  ProgramSummary,
  page,
  ReportLink,
} from './admin-api';
import { escapeHtml } from './html';

/**
 * The OpenAPI 3.1 document of the HTTP API: every route of infra/functions.ts, with the zod schemas the
 * handlers validate with (as JSON Schema, by zod's own `z.toJSONSchema`), and a plain page that renders it.
 */

interface Described {
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
  /** The success status, when not 200. */
  status?: 201 | 202;
}

/** What routes take and give, where a schema says more than the function's description. */
const described: Record<string, Described> = {
  'POST /v1/orgs/{orgId}/signups': { summary: 'Sign up for a program (double opt-in)', body: SignupRequest },
  'GET /v1/admin/orgs/{orgId}/participants': {
    summary: 'The organisation\u2019s participants by status, then signup time, paged',
    query: ParticipantsQuery,
    response: page(ParticipantSummary),
  },
  'GET /v1/admin/orgs/{orgId}/matches': {
    summary: 'The organisation\u2019s matches, paged',
    query: MatchesQuery,
    response: page(MatchSummary),
  },
  'PUT /v1/admin/orgs/{orgId}/matches/{matchId}/ending': {
    summary: 'End a match with a reason',
    body: MatchEnding,
    response: z.object({ matchId: z.string(), status: z.literal('ended'), ended: MatchSummary.shape.ended }),
  },
  'GET /v1/admin/orgs/{orgId}/alerts': {
    summary:
      'Alerts: flagged feedback (crisis language, low ratings in a row), or with ?kind=unanswered-check-in the mentors paused after an unanswered "still meeting?"',
    query: AlertsQuery,
    response: page(z.union([Alert, CheckInAlert])),
  },
  'GET /v1/admin/orgs/{orgId}/programs': {
    summary: 'The organisation\u2019s programs and groups',
    response: z.object({ items: z.array(ProgramSummary) }),
  },
  'GET /v1/admin/orgs/{orgId}/groups': {
    summary: 'The organisation\u2019s peer-support groups',
    response: z.object({ items: z.array(ProgramSummary) }),
  },
  'GET /v1/admin/orgs/{orgId}/programs/{programId}': {
    summary: 'One program or group',
    response: ProgramSummary,
  },
  'PUT /v1/admin/orgs/{orgId}/programs/{programId}': {
    summary: 'Rename a program or group',
    body: ProgramChange,
    response: ProgramSummary,
  },
  'GET /v1/admin/orgs/{orgId}/programs/{programId}/report': {
    summary:
      'A mentoring program\u2019s report: a page with charts, or the figures as JSON (Accept: application/json or ?format=json) or CSV (?format=csv)',
  },
  'GET /v1/admin/orgs/{orgId}/programs/{programId}/report.csv': {
    summary: 'A mentoring program\u2019s report figures as CSV, one row per figure',
  },
  'POST /v1/admin/orgs/{orgId}/programs/{programId}/report-links': {
    summary:
      'A link to the report page that works without the key for a day: to open in a browser, or to share',
    response: ReportLink,
    status: 201,
  },
  'PUT /v1/admin/orgs/{orgId}/programs/{programId}/matching': {
    summary:
      'A mentoring program\u2019s matching settings: weights, minimum score, capacity, objective, mode',
    body: MatchingSettings,
  },
  'POST /v1/admin/orgs/{orgId}/programs/{programId}/matching-runs': {
    summary: 'Match the program\u2019s whole waiting pool now; each pair made is announced as MatchMade',
    status: 202,
  },
  'PUT /v1/admin/orgs/{orgId}/participants/{participantId}/do-not-match/{otherId}': {
    summary: 'Never match these two people',
  },
  'GET /v1/reports': { summary: 'The report page (or ?format=csv) a report link opens' },
  'POST /v1/admin/orgs/{orgId}/groups/{groupId}/close': {
    summary: 'Close a peer group: nobody more is seated and the sessions ahead are cancelled',
    response: GroupClosing,
  },
  'POST /v1/admin/orgs/{orgId}/participants/{participantId}/export': {
    summary: 'Everything kept about a participant, as JSON, on their request',
  },
  'POST /v1/admin/orgs/{orgId}/participants/{participantId}/erasure': {
    summary:
      'Erase a participant on their request: matches end, groups are left, only anonymous counts remain',
    response: ErasureResult,
    status: 202,
  },
};

const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' });

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const operation = (name: FunctionName, spec: FunctionSpec, route: HttpRoute) => {
  const key = `${route.method} ${route.path}`;
  const about = described[key];
  const pathNames = [...route.path.matchAll(/\{([A-Za-z0-9_]+)\+?\}/g)].map((m) => m[1] as string);
  const queryShape = about?.query ? (jsonSchema(about.query) as { properties?: Record<string, object> }) : {};
  const parameters = [
    ...pathNames.map((n) => ({ name: n, in: 'path', required: true, schema: { type: 'string' } })),
    ...Object.entries(queryShape.properties ?? {}).map(([n, schema]) => ({
      name: n,
      in: 'query',
      required: false,
      schema,
    })),
  ];
  return {
    operationId: `${name}:${route.method.toLowerCase()}:${route.path}`,
    summary: about?.summary ?? spec.description,
    tags: [route.auth === 'org-key' ? 'admin' : route.auth === 'iam' ? 'operators' : 'public'],
    ...(parameters.length ? { parameters } : {}),
    ...(about?.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: jsonSchema(about.body) } },
          },
        }
      : {}),
    ...(route.auth === 'org-key' ? { security: [{ orgKey: [] }] } : {}),
    ...(route.auth === 'iam' ? { security: [{ sigv4: [] }] } : {}),
    responses: {
      [String(about?.status ?? 200)]: {
        description: about?.status === 202 ? 'Accepted' : about?.status === 201 ? 'Created' : 'Done',
        ...(about?.response
          ? { content: { 'application/json': { schema: jsonSchema(about.response) } } }
          : {}),
      },
      ...(route.auth === 'org-key'
        ? {
            '401': problemResponse('The API key is missing, unknown or revoked'),
            '404': problemResponse('No such resource at this organisation (another organisation\u2019s too)'),
          }
        : {}),
      ...(about?.body || about?.query ? { '4XX': problemResponse('The request is malformed') } : {}),
    },
  };
};

export const openApiDocument = () => {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, spec] of Object.entries(functionSpecs) as [FunctionName, FunctionSpec][]) {
    for (const route of spec.http ?? []) {
      if (route.method === 'OPTIONS') continue;
      paths[route.path] ??= {};
      (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = operation(
        name,
        spec,
        route,
      );
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'kindred API',
      version: '1',
      description:
        'Public routes (signup form, links in emails, directories) and the organisation admin API, which takes an organisation\u2019s API key as a bearer token and sees only that organisation.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      securitySchemes: {
        orgKey: { type: 'http', scheme: 'bearer', description: 'An organisation admin API key (kdk_\u2026)' },
        sigv4: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'AWS SigV4 (operators)' },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { pointer: { type: 'string' }, detail: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
};

type Document = ReturnType<typeof openApiDocument>;

/** The reference page: each operation with its parameters and schemas, server-rendered, no script. */
export const referencePage = (document: Document) => {
  const sections = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const o = op as ReturnType<typeof operation>;
      const parameters = (o.parameters ?? [])
        .map((p) => `<li><code>${escapeHtml(p.name)}</code> (${p.in})</li>`)
        .join('');
      const body = o.requestBody
        ? `<h4>Body</h4><pre>${escapeHtml(JSON.stringify(o.requestBody.content['application/json'].schema, null, 2))}</pre>`
        : '';
      const success = Object.entries(o.responses).find(([status]) => status.startsWith('2'))?.[1];
      const ok = (success as { content?: { 'application/json': { schema: unknown } } } | undefined)?.content;
      const response = ok
        ? `<h4>Response</h4><pre>${escapeHtml(JSON.stringify(ok['application/json'].schema, null, 2))}</pre>`
        : '';
      return `<section><h3><code>${method.toUpperCase()} ${escapeHtml(path)}</code> <small>${escapeHtml(o.tags.join(', '))}</small></h3><p>${escapeHtml(o.summary)}</p>${parameters ? `<h4>Parameters</h4><ul>${parameters}</ul>` : ''}${body}${response}</section>`;
    }),
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(document.info.title)} reference</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.5rem;overflow:auto;max-height:24rem}small{color:#666}</style></head><body><h1>${escapeHtml(document.info.title)}</h1><p>${escapeHtml(document.info.description)}</p><p>The machine-readable document: <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>${sections.join('')}</body></html>`;
};
