import { PARTITIONS } from '../shared/data/table';
import type { TargetFunction } from '../shared/events/rules';

/**
 * Every Lambda function of the platform: where its code is, what starts it and what it may touch.
 * CDK builds functions, routes, stream mappings and least-privilege grants from this list; the local
 * runtime mounts the same handlers on the same routes.
 */

/**
 * What a function may reach; each maps to the narrowest IAM grant in CDK. DynamoDB authorises each action of a
 * TransactWriteItems on its own (a Put needs `table:put`, an Update `table:update`); the item kinds are scoped
 * to the function's `partitions`, `table:query-due` to its `duePartitions`.
 */
export type Access =
  | 'table:get' // dynamodb:GetItem
  | 'table:put' // dynamodb:PutItem (also a Put inside TransactWriteItems)
  | 'table:update' // dynamodb:UpdateItem (also an Update inside TransactWriteItems)
  | 'table:delete' // dynamodb:DeleteItem
  | 'table:batch-delete' // dynamodb:BatchWriteItem (one action for batch puts and deletes; used to delete only)
  | 'table:query' // dynamodb:Query on the table, within the function's partitions
  | 'table:query-due' // dynamodb:Query on the due index only, within its duePartitions
  | 'table:query-lookup' // dynamodb:Query on the lookup index only, within its lookupPartitions
  | 'bus:put' // events:PutEvents on the platform bus
  | 'email:send' // ses:SendEmail/SendRawEmail with the configuration set, only From the configured address
  | 'secret:read'; // secretsmanager:GetSecretValue on the token-signing secret

/** A partition key pattern (`dynamodb:LeadingKeys`, StringLike): a key prefix and `*`, e.g. `ORG#*`. */
export type PartitionPattern = `${Uppercase<string>}#*`;

export interface HttpRoute {
  /** OPTIONS: a CORS preflight the function answers itself (per-organisation origins, see shared/http/cors.ts). */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** API Gateway v2 route path, with `{name}` parameters. */
  path: string;
  /**
   * `iam`: only callers with AWS credentials allowed to invoke it (coordinators' and operators' tools sign
   * with SigV4). `org-key`: an organisation's admin API key (`Authorization: Bearer`), checked by the
   * `org-key-authorizer` function, which passes the key's organisation on. Absent: public, and the function
   * must be listed with its reason in http-api.ts.
   */
  auth?: 'iam' | 'org-key';
}

export interface FunctionSpec {
  description: string;
  access: readonly Access[];
  /** The table partitions (partition key patterns) its get/put/update/delete access is limited to. */
  partitions?: readonly PartitionPattern[];
  /** The due-index partitions (the index's own partition key, `DUE#<hour>`) `table:query-due` may read. */
  duePartitions?: readonly PartitionPattern[];
  /** The lookup-index partitions `table:query-lookup` may read. */
  lookupPartitions?: readonly PartitionPattern[];
  http?: readonly HttpRoute[];
  /** Fed by the table's stream through the outbox filter. */
  outboxStream?: true;
  /** Browser files built from web/ by web/build.ts into the function's bundle, beside its code (e.g. embed.js). */
  webAssets?: readonly 'embed.js'[];
  timeoutSeconds?: number;
  memoryMb?: number;
}

/** `ORG#*` and the like, from the table's own prefixes, so a renamed prefix cannot leave IAM behind. */
const anyIn = Object.fromEntries(
  Object.entries(PARTITIONS).map(([name, prefix]) => [name, `${prefix}*`]),
) as {
  [K in keyof typeof PARTITIONS]: `${(typeof PARTITIONS)[K]}*`;
};

/**
 * What a mailer built with `lambdaMailer` (shared/adapters/mailer.ts) touches: its organisation's items, the
 * send-once claims, the suppression list, SES and the secret that signs its links.
 */
const MAILER = {
  access: ['table:get', 'table:put', 'table:update', 'table:delete', 'email:send', 'secret:read'],
  partitions: [anyIn.organisation, anyIn.idempotency, anyIn.suppression],
} as const satisfies Pick<FunctionSpec, 'access' | 'partitions'>;

export const functionSpecs = {
  'create-signup': {
    description: 'Accepts a signup form: stores the participant and its consent, emits ParticipantSignedUp',
    access: ['table:get', 'table:put', 'table:update', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox, anyIn.rateLimit],
    http: [
      { method: 'POST', path: '/v1/orgs/{orgId}/signups' },
      { method: 'OPTIONS', path: '/v1/orgs/{orgId}/signups' },
    ],
  },
  'serve-signup-form': {
    description:
      'The embeddable signup form: embed.js, each organisation\u2019s form configuration, the iframe page, the snippets page',
    access: ['table:get'],
    partitions: [anyIn.organisation],
    http: [
      { method: 'GET', path: '/v1/orgs/{orgId}/form' },
      { method: 'OPTIONS', path: '/v1/orgs/{orgId}/form' },
      { method: 'GET', path: '/v1/orgs/{orgId}/form.html' },
      { method: 'GET', path: '/embed.js' },
      { method: 'GET', path: '/embed' },
    ],
    webAssets: ['embed.js'],
  },
  'verify-participant': {
    description: 'Follows a verification link: marks the participant verified, emits ParticipantVerified',
    access: ['table:get', 'table:update', 'table:put', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [{ method: 'GET', path: '/v1/verify' }],
  },
  'send-signup-email': {
    description: 'Sends the verification (or already-signed-up) email, exactly once per fact',
    ...MAILER,
  },
  'sweep-due-work': {
    description: 'Hourly: emits the events of work that has fallen due, from the time-bucketed due index',
    access: ['table:get', 'table:put', 'table:update', 'table:query-due'],
    partitions: [anyIn.organisation, anyIn.outbox, anyIn.sweep],
    duePartitions: [anyIn.due],
    timeoutSeconds: 60,
  },
  'relay-outbox': {
    description: 'Publishes outbox items from the table stream to the event bus',
    access: ['bus:put', 'table:batch-delete'],
    partitions: [anyIn.outbox],
    outboxStream: true,
    timeoutSeconds: 60,
  },
  'match-participant': {
    description:
      'Rolling matching: pairs a newly verified (or rematched) mentor or mentee with the best free candidate',
    access: ['table:get', 'table:put', 'table:update', 'table:delete', 'table:query'],
    partitions: [anyIn.organisation, anyIn.outbox],
    timeoutSeconds: 30,
  },
  'run-matching': {
    description:
      'Whole-pool matching of one program (cohorts, leftovers, on demand); daily, asks a run of every program',
    access: ['table:get', 'table:put', 'table:update', 'table:delete', 'table:query', 'table:query-lookup'],
    partitions: [anyIn.organisation, anyIn.outbox],
    lookupPartitions: [anyIn.organisations],
    timeoutSeconds: 900,
    memoryMb: 3008,
  },
  rematch: {
    description: 'A participant asks for a new match from the signed link in their emails: ends the match',
    access: ['table:get', 'table:put', 'table:update', 'table:delete', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/rematch' },
      { method: 'POST', path: '/v1/rematch' },
    ],
  },
  'admin-matching': {
    description: 'Coordinators: a program\u2019s matching settings, a matching run now, keeping two apart',
    access: ['table:get', 'table:put', 'table:update', 'table:delete'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'PUT', path: '/v1/admin/orgs/{orgId}/programs/{programId}/matching', auth: 'org-key' },
      { method: 'POST', path: '/v1/admin/orgs/{orgId}/programs/{programId}/matching-runs', auth: 'org-key' },
      {
        method: 'PUT',
        path: '/v1/admin/orgs/{orgId}/participants/{participantId}/do-not-match/{otherId}',
        auth: 'org-key',
      },
    ],
  },
  'program-report': {
    description:
      'Coordinators: a mentoring program\u2019s report from its own records, as a page with charts, CSV or JSON',
    access: ['table:get', 'table:query', 'secret:read'],
    partitions: [anyIn.organisation],
    http: [
      { method: 'GET', path: '/v1/admin/orgs/{orgId}/programs/{programId}/report', auth: 'org-key' },
      { method: 'GET', path: '/v1/admin/orgs/{orgId}/programs/{programId}/report.csv', auth: 'org-key' },
      { method: 'POST', path: '/v1/admin/orgs/{orgId}/programs/{programId}/report-links', auth: 'org-key' },
      { method: 'GET', path: '/v1/reports' },
    ],
  },
  'data-rights': {
    description:
      'A person\u2019s data rights from the link in every email (an export by email, or erasure), and the same for admins',
    access: [
      'table:get',
      'table:put',
      'table:update',
      'table:delete',
      'table:query',
      'email:send',
      'secret:read',
    ],
    partitions: [anyIn.organisation, anyIn.outbox, anyIn.idempotency, anyIn.suppression],
    http: [
      { method: 'GET', path: '/v1/my-data' },
      { method: 'POST', path: '/v1/my-data' },
      { method: 'GET', path: '/v1/my-data/export' },
      {
        method: 'POST',
        path: '/v1/admin/orgs/{orgId}/participants/{participantId}/erasure',
        auth: 'org-key',
      },
      { method: 'POST', path: '/v1/admin/orgs/{orgId}/participants/{participantId}/export', auth: 'org-key' },
    ],
  },
  'send-match-email': {
    description: 'Emails both people of a new match with the reasons, and each person when a match ends',
    ...MAILER,
  },
  'assign-group-seat': {
    description:
      'Peer groups: seats a verified member or waitlists them; a freed seat goes to the first waiting',
    access: ['table:get', 'table:put', 'table:delete'],
    partitions: [anyIn.organisation, anyIn.outbox],
  },
  'leave-group': {
    description: 'A member gives up their seat or waitlist place from the signed link in their emails',
    access: ['table:get', 'table:put', 'table:delete', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/groups/leave' },
      { method: 'POST', path: '/v1/groups/leave' },
    ],
  },
  'send-group-email': {
    description: 'Emails a member who took a seat or joined a waitlist',
    ...MAILER,
  },
  'plan-meetings': {
    description:
      'Meeting plans: starts one on MatchMade, plans the next meeting as one falls due, cancels on MatchEnded',
    access: ['table:get', 'table:put', 'table:update', 'table:query'],
    partitions: [anyIn.organisation, anyIn.outbox],
  },
  'send-meeting-email': {
    description: 'Meeting reminders with a calendar invite and one-click links; cancellations of invites',
    ...MAILER,
  },
  'log-meeting': {
    description:
      'One-click "we met" / "we skipped" from a reminder: records the meeting once, emits MeetingLogged; serves its invite',
    access: ['table:get', 'table:put', 'table:update', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/meetings/log' },
      { method: 'POST', path: '/v1/meetings/log' },
      { method: 'GET', path: '/v1/meetings/invite.ics' },
      { method: 'GET', path: '/v1/sessions/attend' },
      { method: 'POST', path: '/v1/sessions/attend' },
    ],
  },
  'reschedule-meeting': {
    description:
      'One-click "reschedule" from a meeting reminder: offers times that suit both, moves the meeting, emits MeetingRescheduled',
    access: ['table:get', 'table:put', 'table:update', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/meetings/reschedule' },
      { method: 'POST', path: '/v1/meetings/reschedule' },
    ],
  },
  'mark-goal': {
    description:
      'A pair marks one of its goals achieved from a signed link: the goal-achieved milestone, once per goal',
    access: ['table:get', 'table:put', 'table:query', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/goals' },
      { method: 'POST', path: '/v1/goals' },
    ],
  },
  'record-milestones': {
    description: 'Milestones from logged meetings, each reached once per pair, emitted as MilestoneReached',
    access: ['table:get', 'table:put', 'table:query'],
    partitions: [anyIn.organisation, anyIn.outbox],
  },
  'send-milestone-email': {
    description: 'Celebrates each milestone reached with an email naming it',
    ...MAILER,
  },
  unsubscribe: {
    description:
      'One-click unsubscribe (RFC 8058) from a category of nudges, or a pause, from the link in every nudge',
    access: ['table:get', 'table:put', 'table:update', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/unsubscribe' },
      { method: 'POST', path: '/v1/unsubscribe' },
    ],
  },
  'suppress-address': {
    description: 'SES bounces and complaints: the address gets nothing more, emits EmailSuppressed',
    access: ['table:get', 'table:put', 'table:update', 'secret:read'],
    partitions: [anyIn.suppression, anyIn.organisation, anyIn.outbox],
  },
  'send-feedback-request': {
    description: 'After a meeting is logged as held, asks each person for a one-click rating',
    ...MAILER,
  },
  'give-feedback': {
    description: 'One-click ratings and the optional comment page; crisis language shows help at once',
    access: ['table:get', 'table:put', 'table:update', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/feedback' },
      { method: 'POST', path: '/v1/feedback' },
    ],
  },
  'watch-drift': {
    description:
      'Drifting pairs: arms, moves on and stops each pair\u2019s check-in; escalates an unanswered one (alert, mentor paused)',
    access: ['table:get', 'table:put', 'table:update', 'table:delete'],
    partitions: [anyIn.organisation, anyIn.outbox],
  },
  'send-check-in-email': {
    description: '"Still meeting?" to both of a drifting pair; "still available?" to a paused mentor',
    ...MAILER,
  },
  'answer-check-in': {
    description:
      'One-click answers to "still meeting?" (yes, pause, end) and a paused mentor\u2019s "I am available"',
    access: ['table:get', 'table:put', 'table:update', 'table:delete', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/check-ins' },
      { method: 'POST', path: '/v1/check-ins' },
      { method: 'GET', path: '/v1/check-ins/resume' },
      { method: 'POST', path: '/v1/check-ins/resume' },
    ],
  },
  'alert-coordinator': {
    description:
      'Alerts a program coordinator (two low ratings, a drifting pair) or the safeguarding contact (crisis language)',
    ...MAILER,
  },
  'send-deferred-email': {
    description: 'Sends an email that waited for the morning, a pause or the frequency cap, if still wanted',
    ...MAILER,
  },
  'send-digest': {
    description:
      'Sends a digest of the nudges held back at the frequency cap, as one email of what is still wanted',
    ...MAILER,
  },
  'plan-group-sessions': {
    description:
      'Group sessions: plans the first when a member is seated, the next as one falls due, cancels on GroupClosed',
    access: ['table:get', 'table:put', 'table:update'],
    partitions: [anyIn.organisation, anyIn.outbox],
  },
  'send-session-email': {
    description:
      'Group session reminders with a calendar invite and attendance links; cancellations of invites',
    access: [
      'table:get',
      'table:put',
      'table:update',
      'table:delete',
      'table:query',
      'email:send',
      'secret:read',
    ],
    partitions: [anyIn.organisation, anyIn.idempotency, anyIn.suppression],
  },
  'org-key-authorizer': {
    description: 'The organisation admin API\u2019s authorizer: the organisation of a bearer API key',
    access: ['table:get'],
    partitions: [anyIn.apiKey],
  },
  'org-admin': {
    description:
      'The organisation admin API: its own participants, matches (and ending one), alerts, programs and groups',
    access: ['table:get', 'table:put', 'table:update', 'table:delete', 'table:query', 'table:query-lookup'],
    partitions: [anyIn.organisation, anyIn.outbox],
    lookupPartitions: [anyIn.organisation],
    http: [
      { method: 'GET', path: '/v1/admin/orgs/{orgId}/participants', auth: 'org-key' },
      { method: 'GET', path: '/v1/admin/orgs/{orgId}/matches', auth: 'org-key' },
      { method: 'PUT', path: '/v1/admin/orgs/{orgId}/matches/{matchId}/ending', auth: 'org-key' },
      { method: 'GET', path: '/v1/admin/orgs/{orgId}/alerts', auth: 'org-key' },
      { method: 'GET', path: '/v1/admin/orgs/{orgId}/programs', auth: 'org-key' },
      { method: 'GET', path: '/v1/admin/orgs/{orgId}/groups', auth: 'org-key' },
      { method: 'GET', path: '/v1/admin/orgs/{orgId}/programs/{programId}', auth: 'org-key' },
      { method: 'PUT', path: '/v1/admin/orgs/{orgId}/programs/{programId}', auth: 'org-key' },
    ],
  },
  'api-docs': {
    description: 'The API\u2019s OpenAPI document, generated from its zod schemas, and its reference page',
    access: [],
    http: [
      { method: 'GET', path: '/v1/openapi.json' },
      { method: 'GET', path: '/v1/docs' },
    ],
  },
  'close-group': {
    description: 'Coordinators close a peer group: nobody more is seated, emits GroupClosed',
    access: ['table:get', 'table:put'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [{ method: 'POST', path: '/v1/admin/orgs/{orgId}/groups/{groupId}/close', auth: 'org-key' }],
  },
  'update-directory': {
    description:
      'Directory listings: works a listing out again on each seat, match or closing (daily, every listing), emits DirectoryEntryChanged',
    access: ['table:get', 'table:put', 'table:query', 'table:query-lookup'],
    partitions: [anyIn.organisation, anyIn.outbox],
    lookupPartitions: [anyIn.organisations],
    timeoutSeconds: 300,
  },
  'list-directory': {
    description: 'The public nonprofit and university directories: filtered, paged, cacheable listings',
    access: ['table:get', 'table:query-lookup'],
    partitions: [anyIn.organisation],
    lookupPartitions: [anyIn.directory],
    http: [
      { method: 'GET', path: '/v1/directories/{directory}' },
      { method: 'OPTIONS', path: '/v1/directories/{directory}' },
    ],
  },
  'check-listing': {
    description: '"Still running?" to a listed group\u2019s contact every 90 days, with one-click answers',
    ...MAILER,
  },
  'answer-listing-check': {
    description:
      'One-click answers to "still running?": confirms the listing (shown again if hidden), or closes the group',
    access: ['table:get', 'table:put', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [
      { method: 'GET', path: '/v1/listing-checks' },
      { method: 'POST', path: '/v1/listing-checks' },
    ],
  },
  'deliver-webhook': {
    description:
      'Delivers each DirectoryEntryChanged to its organisation\u2019s webhook, signed with its key',
    access: ['table:get', 'secret:read'],
    partitions: [anyIn.organisation],
    timeoutSeconds: 15,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functionSpecs;

/** Every rule target must be a function of this list (checked by the type system). */
export const ruleTargetsExist: Record<TargetFunction, FunctionSpec> = functionSpecs;

export const functionEntry = (name: FunctionName) => `functions/${name}/handler.ts`;
