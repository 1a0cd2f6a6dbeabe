import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Access, type FunctionName, type FunctionSpec, functionSpecs } from '../../infra/functions';
import { envNames } from '../../shared/config';
import { tableDefinition } from '../../shared/data/table';
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
const ruleTargets = new Set<string>([...eventRules, ...scheduleRules].map((rule) => rule.target));

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

/** Every statement of every policy attached to the function's role. */
const statementsOf = (fnId: string): Statement[] => {
  const roleId = referencedId(template.Resources[fnId]?.Properties?.Role);
  const role = template.Resources[roleId];
  expect(role?.Properties?.ManagedPolicyArns, 'managed policies on the role').toBeUndefined();
  expect(role?.Properties?.Policies, 'inline policies on the role').toBeUndefined();
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, policy]) => list(policy.Properties?.Roles).some((r) => referencedId(r) === roleId))
    .flatMap(([, policy]) => dig(policy, 'Properties', 'PolicyDocument', 'Statement') as Statement[]);
};

/** `action resource` pairs a set of statements allows. */
const allowedPairs = (statements: Statement[]): string[] =>
  statements.flatMap((s) =>
    list(s.Action).flatMap((action) => list(s.Resource).map((r) => `${action} ${render(r)}`)),
  );

const pairs = (actions: string[], resources: string[]) =>
  actions.flatMap((action) => resources.map((resource) => `${action} ${resource}`));

/** What each access kind means, on the resources of this template. */
const expectedFor = (access: Access): string[] => {
  const table = onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable');
  const tableArn = `{GetAtt:${table}.Arn}`;
  const arn = (resource: string) => `arn:{Ref:AWS::Partition}:ses:${REGION}:{Ref:AWS::AccountId}:${resource}`;
  switch (access) {
    case 'table:read':
      return [
        ...pairs(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], [tableArn]),
        ...pairs(
          ['dynamodb:Query'],
          [tableDefinition.lookupIndex.name, tableDefinition.dueIndex.name].map(
            (index) => `${tableArn}/index/${index}`,
          ),
        ),
      ];
    case 'table:write':
      return pairs(
        ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
        [tableArn],
      );
    case 'bus:put':
      return pairs(
        ['events:PutEvents'],
        [`{GetAtt:${onlyResourceOfType(template, 'AWS::Events::EventBus')}.Arn}`],
      );
    case 'email:send':
      return pairs(
        ['ses:SendEmail', 'ses:SendRawEmail'],
        [
          arn('identity/example.org'),
          arn(`identity/${EMAIL_FROM}`),
          arn(`configuration-set/{Ref:${onlyResourceOfType(template, 'AWS::SES::ConfigurationSet')}}`),
        ],
      );
    case 'secret:read':
      return pairs(
        ['secretsmanager:GetSecretValue'],
        [`{Ref:${onlyResourceOfType(template, 'AWS::SecretsManager::Secret')}}`],
      );
  }
};

const SEND_TO_QUEUE = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];

const expectedPairs = (name: FunctionName, spec: FunctionSpec, fnId: string): string[] => {
  const fn = template.Resources[fnId]?.Properties ?? {};
  const logGroup = referencedId((fn.LoggingConfig as { LogGroup: unknown }).LogGroup);
  const expected = [
    ...pairs(['logs:CreateLogStream', 'logs:PutLogEvents'], [`{GetAtt:${logGroup}.Arn}`]),
    ...pairs(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], ['*']),
    ...spec.access.flatMap(expectedFor),
  ];
  if (spec.outboxStream) {
    const table = onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable');
    const [[, mapping] = []] = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => referencedId(m.Properties?.FunctionName) === fnId,
    );
    const dlq = onFailureQueue(mapping);
    expected.push(
      ...pairs(
        [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        [`{GetAtt:${table}.StreamArn}`],
      ),
      ...pairs(SEND_TO_QUEUE, [`{GetAtt:${dlq}.Arn}`]),
    );
  }
  if (ruleTargets.has(name)) {
    const [[, config] = []] = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, c]) => referencedId(c.Properties?.FunctionName) === fnId,
    );
    const dlq = onFailureQueue(config);
    expected.push(...pairs(SEND_TO_QUEUE, [`{GetAtt:${dlq}.Arn}`]));
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
      [...envNames, 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE', 'NODE_OPTIONS'].sort(),
    );
    expect(variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'kindred',
      POWERTOOLS_METRICS_NAMESPACE: 'kindred',
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
    const actual = allowedPairs(statementsOf(fnId));
    expect([...new Set(actual)].sort()).toStrictEqual([...new Set(expectedPairs(name, spec, fnId))].sort());
  });

  it.each(entries)('%s: no wildcard actions, no Deny tricks, no NotAction/NotResource', (name) => {
    for (const statement of statementsOf(functionLogicalId(template, STAGE, name))) {
      expect(statement.Effect).toBe('Allow');
      expect(statement.NotAction).toBeUndefined();
      expect(statement.NotResource).toBeUndefined();
      for (const action of list(statement.Action)) expect(action).not.toContain('*');
    }
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
