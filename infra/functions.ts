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
  | 'table:query-due' // dynamodb:Query on the due index only (not the table, not the lookup index)
  | 'bus:put' // events:PutEvents on the platform bus
  | 'email:send' // ses:SendEmail/SendRawEmail with the configuration set, only From the configured address
  | 'secret:read'; // secretsmanager:GetSecretValue on the token-signing secret

/** A partition key pattern (`dynamodb:LeadingKeys`, StringLike): a key prefix and `*`, e.g. `ORG#*`. */
export type PartitionPattern = `${Uppercase<string>}#*`;

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway v2 route path, with `{name}` parameters. */
  path: string;
}

export interface FunctionSpec {
  description: string;
  access: readonly Access[];
  /** The table partitions (partition key patterns) its get/put/update/delete access is limited to. */
  partitions?: readonly PartitionPattern[];
  /** The due-index partitions (the index's own partition key, `DUE#<hour>`) `table:query-due` may read. */
  duePartitions?: readonly PartitionPattern[];
  http?: readonly HttpRoute[];
  /** Fed by the table's stream through the outbox filter. */
  outboxStream?: true;
  timeoutSeconds?: number;
  memoryMb?: number;
}

/** `ORG#*` and the like, from the table's own prefixes, so a renamed prefix cannot leave IAM behind. */
const anyIn = Object.fromEntries(
  Object.entries(PARTITIONS).map(([name, prefix]) => [name, `${prefix}*`]),
) as {
  [K in keyof typeof PARTITIONS]: `${(typeof PARTITIONS)[K]}*`;
};

export const functionSpecs = {
  'create-signup': {
    description: 'Accepts a signup form: stores the participant and its consent, emits ParticipantSignedUp',
    access: ['table:get', 'table:put', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [{ method: 'POST', path: '/v1/orgs/{orgId}/signups' }],
  },
  'verify-participant': {
    description: 'Follows a verification link: marks the participant verified, emits ParticipantVerified',
    access: ['table:get', 'table:update', 'table:put', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.outbox],
    http: [{ method: 'GET', path: '/v1/verify' }],
  },
  'send-signup-email': {
    description: 'Sends the verification (or already-signed-up) email, exactly once per fact',
    access: ['table:get', 'table:put', 'table:update', 'table:delete', 'email:send', 'secret:read'],
    partitions: [anyIn.organisation, anyIn.idempotency],
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
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof functionSpecs;

/** Every rule target must be a function of this list (checked by the type system). */
export const ruleTargetsExist: Record<TargetFunction, FunctionSpec> = functionSpecs;

export const functionEntry = (name: FunctionName) => `functions/${name}/handler.ts`;
