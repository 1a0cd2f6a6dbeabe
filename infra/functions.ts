import type { TargetFunction } from '../shared/events/rules';

/**
 * Every Lambda function of the platform: where its code is, what starts it and what it may touch.
 * CDK builds functions, routes, stream mappings and least-privilege grants from this list; the local
 * runtime mounts the same handlers on the same routes.
 */

/** What a function may reach; each maps to the narrowest IAM grant in CDK. */
export type Access =
  | 'table:read' // GetItem, Query, BatchGetItem
  | 'table:write' // PutItem, UpdateItem, DeleteItem, TransactWriteItems (needs ConditionCheck too)
  | 'bus:put' // events:PutEvents on the platform bus
  | 'email:send' // ses:SendEmail from the verified identity with the configuration set
  | 'secret:read'; // secretsmanager:GetSecretValue on the token-signing secret

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway v2 route path, with `{name}` parameters. */
  path: string;
}

export interface FunctionSpec {
  description: string;
  access: readonly Access[];
  http?: readonly HttpRoute[];
  /** Fed by the table's stream through the outbox filter. */
  outboxStream?: true;
  timeoutSeconds?: number;
  memoryMb?: number;
}

export const functionSpecs = {
  'create-signup': {
    description: 'Accepts a signup form: stores the participant and its consent, emits ParticipantSignedUp',
    access: ['table:read', 'table:write'],
    http: [{ method: 'POST', path: '/v1/orgs/{orgId}/signups' }],
  },
  'verify-participant': {
    description: 'Follows a verification link: marks the participant verified, emits ParticipantVerified',
    access: ['table:read', 'table:write', 'secret:read'],
    http: [{ method: 'GET', path: '/v1/verify' }],
  },
  'send-signup-email': {
    description: 'Sends the verification (or already-signed-up) email, exactly once per fact',
    access: ['table:read', 'table:write', 'email:send', 'secret:read'],
  },
  'sweep-due-work': {
    description: 'Hourly: emits the events of work that has fallen due, from the time-bucketed due index',
    access: ['table:read', 'table:write'],
    timeoutSeconds: 60,
  },
  'relay-outbox': {
    description: 'Publishes outbox items from the table stream to the event bus',
    access: ['bus:put'],
    outboxStream: true,
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functionSpecs;

/** Every rule target must be a function of this list (checked by the type system). */
export const ruleTargetsExist: Record<TargetFunction, FunctionSpec> = functionSpecs;

export const functionEntry = (name: FunctionName) => `functions/${name}/handler.ts`;
