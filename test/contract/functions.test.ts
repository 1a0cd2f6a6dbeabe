import { CfnResource, type Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Access, type FunctionName, type FunctionSpec, functionSpecs } from '../../infra/functions';
import { envNames } from '../../shared/config';
import { PARTITIONS, tableDefinition } from '../../shared/data/table';
import { SES_FEEDBACK_RULE } from '../../shared/domain/suppression';
import { eventRules, scheduleRules } from '../../shared/events/rules';
import {
  dig,
  functionLogicalId,
  onFailureQueue,
  onlyResourceOfType,
  referencedId,
  render,
  resourcesOfType,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth';

/**
 * Least privilege: each function's role allows exactly what its `access` list implies (plus logging, tracing
 * and the wiring of its triggers), on exactly the right resources. The expected grants are spelled out here,
 * from the meaning of each access kind, not taken from the construct that creates them.
 */

const STAGE = 'dev';
const REGION = 'eu-west-1';
const EMAIL_FROM = 'no-reply@example.org';
const entries = Object.entries(functionSpecs) as [FunctionName, FunctionSpec][];
const ruleTargets = new Set<string>(
  [...eventRules, ...scheduleRules, SES_FEEDBACK_RULE].map((rule) => rule.target),
);

let synthesized: Synthesized;
let template: TemplateJson;

interface Statement {
  Effect: string;
  Action?: string | string[];
  Resource?: unknown;
  NotAction?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Logical ids of the policies attached to the function's role (the role itself has none). */
const policiesOf = (fnId: string): string[] => {
  const roleId = referencedId(template.Resources[fnId]?.Properties?.Role);
  const role = template.Resources[roleId];
  expect(role?.Properties?.ManagedPolicyArns, 'managed policies on the role').toBeUndefined();
  expect(role?.Properties?.Policies, 'inline policies on the role').toBeUndefined();
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => list(policy.Properties?.Roles).some((r) => referencedId(r) === roleId))
    .map(([id]) => id);
};

/** Every statement of every policy attached to the function's role. */
const statementsOf = (fnId: string): Statement[] =>
  policiesOf(fnId).flatMap(
    (id) => dig(template.Resources[id], 'Properties', 'PolicyDocument', 'Statement') as Statement[],
  );

/** The cdk-nag rules acknowledged on a resource (or any construct above it), by logical id. */
const acknowledgedOn = (logicalId: string): string[] => {
  const stack = synthesized.stacks[0] as Stack;
  const resource = stack.node
    .findAll()
    .find((c) => CfnResource.isCfnResource(c) && stack.resolve(c.logicalId) === logicalId);
  const ids: string[] = [];
  for (let scope: IConstruct | undefined = resource; scope; scope = scope.node.scope) {
    for (const entry of scope.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      ids.push(...Object.keys(entry.data as object).map((key) => key.replace(/^annotation::/i, '')));
    }
  }
  return ids;
};

/** A partition key pattern: one upper-case key prefix ending in `#`, then `*` (never `*` alone). */
const PARTITION_PATTERN = /^[A-Z][A-Z0-9_]*#\*$/;
const STREAM_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
];
const ITEM_ACCESS: Access[] = [
  'table:get',
  'table:put',
  'table:update',
  'table:delete',
  'table:batch-delete',
];

/** An IAM condition as a stable string: operators and keys sorted, each key's values as a sorted list. */
const canonicalCondition = (condition: Statement['Condition']): string => {
  if (condition === undefined) return '';
  const operators = Object.keys(condition).sort();
  return JSON.stringify(
    operators.map((operator) => {
      const keys = condition[operator] ?? {};
      return [
        operator,
        Object.keys(keys)
          .sort()
          .map((key) => [
            key,
            list(keys[key] as unknown)
              .map(String)
              .sort(),
          ]),
      ];
    }),
  );
};

/** `action resource [if condition]` grants a set of statements allows. */
const allowedGrants = (statements: Statement[]): string[] =>
  statements.flatMap((s) =>
    list(s.Action).flatMap((action) => list(s.Resource).map((r) => grant(action, render(r), s.Condition))),
  );

const grant = (action: string, resource: string, condition?: Statement['Condition']) =>
  condition === undefined
    ? `${action} ${resource}`
    : `${action} ${resource} if ${canonicalCondition(condition)}`;

const grants = (actions: string[], resources: string[], condition?: Statement['Condition']) =>
  actions.flatMap((action) => resources.map((resource) => grant(action, resource, condition)));

/** Every partition key a request touches must match one of the patterns (for an index: the index's key). */
const leadingKeys = (name: string, patterns: readonly string[] | undefined) => {
  if (!patterns || patterns.length === 0) throw new Error(`${name}: table access without partitions`);
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } };
};

const tableArn = () => `{GetAtt:${onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable')}.Arn}`;
const sesArn = (resource: string) =>
  `arn:{Ref:AWS::Partition}:ses:${REGION}:{Ref:AWS::AccountId}:${resource}`;

/** What each access kind means, on the resources of this template, for one function. */
const expectedFor = (name: FunctionName, spec: FunctionSpec, access: Access): string[] => {
  const item = (actions: string[]) => grants(actions, [tableArn()], leadingKeys(name, spec.partitions));
  switch (access) {
    case 'table:get':
      return item(['dynamodb:GetItem']);
    case 'table:put':
      return item(['dynamodb:PutItem']);
    case 'table:update':
      return item(['dynamodb:UpdateItem']);
    case 'table:delete':
      return item(['dynamodb:DeleteItem']);
    case 'table:batch-delete':
      return item(['dynamodb:BatchWriteItem']);
    case 'table:query':
      return item(['dynamodb:Query']);
    case 'table:query-lookup':
      return grants(
        ['dynamodb:Query'],
        [`${tableArn()}/index/${tableDefinition.lookupIndex.name}`],
        leadingKeys(name, spec.lookupPartitions),
      );
    case 'table:query-due':
      return grants(
        ['dynamodb:Query'],
        [`${tableArn()}/index/${tableDefinition.dueIndex.name}`],
        leadingKeys(name, spec.duePartitions),
      );
    case 'bus:put':
      return grants(
        ['events:PutEvents'],
        [`{GetAtt:${onlyResourceOfType(template, 'AWS::Events::EventBus')}.Arn}`],
      );
    case 'email:send':
      // Every identity (the SES sandbox also checks the recipient's), but only From the configured address.
      return grants(
        ['ses:SendEmail', 'ses:SendRawEmail'],
        [
          sesArn('identity/*'),
          sesArn(`configuration-set/{Ref:${onlyResourceOfType(template, 'AWS::SES::ConfigurationSet')}}`),
        ],
        { StringEquals: { 'ses:FromAddress': EMAIL_FROM } },
      );
    case 'secret:read':
      return grants(
        ['secretsmanager:GetSecretValue'],
        [`{Ref:${onlyResourceOfType(template, 'AWS::SecretsManager::Secret')}}`],
      );
  }
};

const SEND_TO_QUEUE = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];

const expectedGrants = (name: FunctionName, spec: FunctionSpec, fnId: string): string[] => {
  const fn = template.Resources[fnId]?.Properties ?? {};
  const logGroup = referencedId((fn.LoggingConfig as { LogGroup: unknown }).LogGroup);
  const expected = [
    ...grants(['logs:CreateLogStream', 'logs:PutLogEvents'], [`{GetAtt:${logGroup}.Arn}`]),
    ...grants(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']),
    ...spec.access.flatMap((access) => expectedFor(name, spec, access)),
  ];
  if (spec.outboxStream) {
    const table = onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable');
    const [[, mapping] = []] = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => referencedId(m.Properties?.FunctionName) === fnId,
    );
    const dlq = onFailureQueue(mapping);
    expected.push(
      ...grants(
        [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        [`{GetAtt:${table}.StreamArn}`],
      ),
      ...grants(SEND_TO_QUEUE, [`{GetAtt:${dlq}.Arn}`]),
    );
  }
  if (ruleTargets.has(name)) {
    const [[, config] = []] = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => referencedId(c.Properties?.FunctionName) === fnId,
    );
    const dlq = onFailureQueue(config);
    expected.push(...grants(SEND_TO_QUEUE, [`{GetAtt:${dlq}.Arn}`]));
  }
  return expected;
};

beforeAll(() => {
  synthesized = synthesize({ stage: STAGE, emailFrom: EMAIL_FROM });
  template = synthesized.json[0] as TemplateJson;
});
afterAll(() => synthesized?.cleanup());

describe('functions', () => {
  it('deploys one Lambda function per entry of functionSpecs', () => {
    expect(resourcesOfType(template, 'AWS::Lambda::Function')).toHaveLength(entries.length);
    for (const [name] of entries) expect(() => functionLogicalId(template, STAGE, name)).not.toThrow();
  });

  it.each(entries)('%s: runtime, architecture, limits, tracing', (name, spec) => {
    const fn = template.Resources[functionLogicalId(template, STAGE, name)]?.Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: spec.memoryMb ?? 512,
      Timeout: spec.timeoutSeconds ?? 10,
      TracingConfig: { Mode: 'Active' },
      Description: spec.description,
    });
  });

  it.each(entries)('%s: gets every configuration variable the functions read', (name) => {
    const fnId = functionLogicalId(template, STAGE, name);
    const variables = dig(template.Resources[fnId], 'Properties', 'Environment', 'Variables') as Record<
      string,
      unknown
    >;
    expect(Object.keys(variables).sort()).toStrictEqual(
      [
        ...envNames,
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_METRICS_NAMESPACE',
        'STAGE',
        'NODE_OPTIONS',
      ].sort(),
    );
    expect(variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'kindred',
      POWERTOOLS_METRICS_NAMESPACE: 'kindred',
      STAGE,
      NODE_OPTIONS: '--enable-source-maps',
      EMAIL_FROM,
    });
    expect(referencedId(variables.TABLE_NAME)).toBe(
      onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable'),
    );
    expect(referencedId(variables.EVENT_BUS_NAME)).toBe(
      onlyResourceOfType(template, 'AWS::Events::EventBus'),
    );
    expect(referencedId(variables.TOKEN_SECRET_ID)).toBe(
      onlyResourceOfType(template, 'AWS::SecretsManager::Secret'),
    );
    expect(render(variables.PUBLIC_API_URL)).toBe(
      `{GetAtt:${onlyResourceOfType(template, 'AWS::ApiGatewayV2::Api')}.ApiEndpoint}`,
    );
  });

  it.each(entries)('%s: logs to its own log group, kept a month in dev', (name) => {
    const fn = template.Resources[functionLogicalId(template, STAGE, name)]?.Properties ?? {};
    const logGroup = template.Resources[referencedId((fn.LoggingConfig as { LogGroup: unknown }).LogGroup)];
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties?.RetentionInDays).toBe(30);
  });
});

describe('least privilege', () => {
  it.each(entries)('%s: allows exactly what its access list implies', (name, spec) => {
    const fnId = functionLogicalId(template, STAGE, name);
    const actual = allowedGrants(statementsOf(fnId));
    expect([...new Set(actual)].sort()).toStrictEqual([...new Set(expectedGrants(name, spec, fnId))].sort());
  });

  it.each(entries)('%s: no wildcard actions, no Deny tricks, no NotAction/NotResource', (name) => {
    for (const statement of statementsOf(functionLogicalId(template, STAGE, name))) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
      for (const action of list(statement.Action)) expect(action).not.toContain('*');
    }
  });

  // What the review found each function's code to call (the access lists must not quietly grow past it).
  const reviewed: Record<FunctionName, string[]> = {
    'org-key-authorizer': ['dynamodb:GetItem'],
    'org-admin': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ],
    'api-docs': [],
    'create-signup': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ],
    'serve-signup-form': ['dynamodb:GetItem'],
    'verify-participant': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ],
    'send-signup-email': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'sweep-due-work': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    'watch-drift': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    'send-check-in-email': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'answer-check-in': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'secretsmanager:GetSecretValue',
    ],
    'relay-outbox': ['dynamodb:BatchWriteItem', 'events:PutEvents'],
    'match-participant': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ],
    'run-matching': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
    ],
    rematch: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'secretsmanager:GetSecretValue',
    ],
    'admin-matching': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    'program-report': ['dynamodb:GetItem', 'dynamodb:Query', 'secretsmanager:GetSecretValue'],
    'send-match-email': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'assign-group-seat': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    'plan-meetings': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
    'reschedule-meeting': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ],
    'mark-goal': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'secretsmanager:GetSecretValue'],
    'send-meeting-email': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'log-meeting': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ],
    'record-milestones': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    unsubscribe: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ],
    'suppress-address': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ],
    'send-feedback-request': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'give-feedback': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'secretsmanager:GetSecretValue',
    ],
    'alert-coordinator': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'send-milestone-email': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'send-deferred-email': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'send-digest': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'data-rights': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'leave-group': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'secretsmanager:GetSecretValue',
    ],
    'send-group-email': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'plan-group-sessions': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    'send-session-email': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:Query',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'close-group': ['dynamodb:GetItem', 'dynamodb:PutItem'],
    'update-directory': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
    'list-directory': ['dynamodb:GetItem', 'dynamodb:Query'],
    'check-listing': [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'ses:SendEmail',
      'ses:SendRawEmail',
      'secretsmanager:GetSecretValue',
    ],
    'answer-listing-check': ['dynamodb:GetItem', 'dynamodb:PutItem', 'secretsmanager:GetSecretValue'],
    'deliver-webhook': ['dynamodb:GetItem', 'secretsmanager:GetSecretValue'],
  };

  it.each(entries)('%s: its actions are the reviewed ones', (name) => {
    const wiring = /^(logs|xray|sqs):/;
    const actions = statementsOf(functionLogicalId(template, STAGE, name))
      .flatMap((statement) => list(statement.Action))
      .filter((action) => !wiring.test(action) && !STREAM_ACTIONS.includes(action));
    expect([...new Set(actions)].sort()).toStrictEqual([...reviewed[name]].sort());
  });

  it.each(entries)(
    '%s: partitions are given exactly where table access is limited by them',
    (_name, spec) => {
      const access = spec.access as readonly Access[];
      const { partitions, duePartitions } = spec as FunctionSpec;
      if (access.some((kind) => ITEM_ACCESS.includes(kind))) {
        expect(partitions?.length).toBeGreaterThan(0);
        for (const pattern of partitions ?? []) expect(pattern).toMatch(PARTITION_PATTERN);
        expect(new Set(partitions).size).toBe(partitions?.length);
      } else {
        expect(partitions).toBeUndefined();
      }
      if (access.includes('table:query-due')) {
        expect(duePartitions?.length).toBeGreaterThan(0);
        for (const pattern of duePartitions ?? []) expect(pattern).toMatch(PARTITION_PATTERN);
      } else {
        expect(duePartitions).toBeUndefined();
      }
    },
  );

  it.each(entries)('%s: every grant on the table or an index is limited by partition key', (name) => {
    const table = tableArn();
    for (const statement of statementsOf(functionLogicalId(template, STAGE, name))) {
      const resources = list(statement.Resource).map(render);
      if (!resources.some((resource) => resource.startsWith(table))) continue;
      // The outbox stream's actions are on the stream, which has no items to limit.
      if (resources.every((resource) => resource === `${table.slice(0, -'.Arn}'.length)}.StreamArn}`)) {
        for (const action of list(statement.Action)) expect(STREAM_ACTIONS).toContain(action);
        continue;
      }
      expect(Object.keys(statement.Condition ?? {})).toStrictEqual(['ForAllValues:StringLike']);
      const keys = statement.Condition?.['ForAllValues:StringLike'] ?? {};
      expect(Object.keys(keys)).toStrictEqual(['dynamodb:LeadingKeys']);
      const patterns = list(keys['dynamodb:LeadingKeys'] as string | string[]);
      expect(patterns.length).toBeGreaterThan(0);
      for (const pattern of patterns) expect(pattern).toMatch(PARTITION_PATTERN);
    }
  });

  it('no function scans, reads in batches or checks conditions; queries stay within partitions', () => {
    const table = tableArn();
    const granted = entries.flatMap(([name]) =>
      allowedGrants(statementsOf(functionLogicalId(template, STAGE, name))),
    );
    const forbidden = granted.filter((line) =>
      /^dynamodb:(Scan|BatchGetItem|ConditionCheckItem|PartiQL\w*|\w*Table\w*)/.test(line),
    );
    expect(forbidden).toStrictEqual([]);
    // Every Query names the table or one index and carries a LeadingKeys condition (checked per function above).
    const queries = granted.filter((line) => line.startsWith('dynamodb:Query '));
    expect(queries.length).toBeGreaterThan(0);
    for (const line of queries) expect(line).toMatch(/LeadingKeys/);
    // The lookup index is read only in the organisation list's partition, the public directories', or (the
    // org-admin API) an organisation's participants by status.
    const lookupPartitions = [
      `${PARTITIONS.organisations}*`,
      `${PARTITIONS.directory}*`,
      `${PARTITIONS.organisation}*`,
    ];
    for (const line of queries.filter((l) =>
      l.includes(`${table}/index/${tableDefinition.lookupIndex.name}`),
    ))
      expect(lookupPartitions.some((p) => line.includes(p))).toBe(true);
  });

  it.each(entries)('%s: acknowledges only the wildcards it explains', (name, spec) => {
    const acknowledged = policiesOf(functionLogicalId(template, STAGE, name)).flatMap(acknowledgedOn);
    const expected = ['AwsSolutions-IAM5[Resource::*]'];
    if ((spec.access as readonly Access[]).includes('email:send')) {
      expected.push(
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ses:${REGION}:<AWS::AccountId>:identity/*]`,
      );
    }
    expect(acknowledged.sort()).toStrictEqual(expected.sort());
  });

  it.each(entries.filter(([, spec]) => (spec.access as readonly Access[]).includes('email:send')))(
    '%s: may send only from the configured address',
    (name) => {
      const sesStatements = statementsOf(functionLogicalId(template, STAGE, name)).filter((s) =>
        list(s.Action).some((action) => action.startsWith('ses:')),
      );
      expect(sesStatements.length).toBeGreaterThan(0);
      for (const statement of sesStatements) {
        expect(statement.Condition).toStrictEqual({ StringEquals: { 'ses:FromAddress': EMAIL_FROM } });
      }
    },
  );

  it.each(entries.filter(([name]) => ruleTargets.has(name)))(
    '%s: failed asynchronous invocations go to a dead-letter queue',
    (name) => {
      const fnId = functionLogicalId(template, STAGE, name);
      const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
        ([, c]) => referencedId(c.Properties?.FunctionName) === fnId,
      );
      expect(configs).toHaveLength(1);
      expect(template.Resources[onFailureQueue(configs[0]?.[1])]?.Type).toBe('AWS::SQS::Queue');
    },
  );
});
