import { fileURLToPath } from 'node:url';
import { type CfnResource, Duration, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  FilterCriteria,
  type IFunction,
  Runtime,
  StartingPosition,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type ICommandHooks, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { envNames } from '../../shared/config';
import { outboxStreamFilter, outboxStreamPolicy } from '../../shared/data/table';
import { eventRules, scheduleRules } from '../../shared/events/rules';
import {
  type Access,
  type FunctionName,
  type FunctionSpec,
  functionEntry,
  functionSpecs,
} from '../functions';
import { DeadLetterQueue } from './dead-letter-queue';
import type { Email } from './email';
import { logRetentionFor, removalPolicyFor, resourceName } from './stage';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Lambda's ESM loader has no `require`; some bundled CommonJS dependencies still call it. */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export interface LambdaFunctionsProps {
  stage: string;
  table: TableV2;
  /** ARN of the due index (Query only). */
  dueIndexArn: string;
  /** ARN of the lookup index (Query only). */
  lookupIndexArn: string;
  bus: IEventBus;
  secret: ISecret;
  email: Email;
  /** Base URL of the public API, for links in emails. */
  publicApiUrl: string;
}

type EnvName = (typeof envNames)[number];

/**
 * The IAM actions of each table item access kind. TransactWriteItems is no IAM action: DynamoDB authorises each
 * Put/Update/Delete inside a transaction as PutItem/UpdateItem/DeleteItem (ConditionCheckItem for a
 * ConditionCheck, which no function uses).
 */
const tableItemActions: Partial<Record<Access, string[]>> = {
  'table:get': ['dynamodb:GetItem'],
  'table:put': ['dynamodb:PutItem'],
  'table:update': ['dynamodb:UpdateItem'],
  'table:delete': ['dynamodb:DeleteItem'],
  // BatchWriteItem is one IAM action for its puts and deletes alike; the functions use it to delete only.
  'table:batch-delete': ['dynamodb:BatchWriteItem'],
  // Query on the table itself, within the function's partitions (e.g. one organisation's matching pool).
  'table:query': ['dynamodb:Query'],
};

/**
 * Builds the browser files (web/build.ts, which also enforces their size budget) into the bundle beside the
 * function's code, where the handler reads them: the script ships with the function, no bucket needed.
 */
const webAssetHooks: ICommandHooks = {
  beforeBundling: () => [],
  beforeInstall: () => [],
  afterBundling: (inputDir, outputDir) => [
    `node "${inputDir}/node_modules/tsx/dist/cli.mjs" "${inputDir}/web/build.ts" "${outputDir}"`,
  ],
};

const PARTITION_PATTERN = /^[A-Z][A-Z0-9_]*#\*$/;

/** `ForAllValues:StringLike` on `dynamodb:LeadingKeys`: every partition key a request touches matches a pattern. */
const leadingKeys = (name: string, field: string, patterns: readonly string[] | undefined) => {
  if (!patterns || patterns.length === 0) {
    throw new Error(`Function ${name} has table access but no ${field} to limit it to.`);
  }
  const bad = patterns.find((pattern) => !PARTITION_PATTERN.test(pattern));
  if (bad) throw new Error(`Function ${name}: ${field} entry "${bad}" is not a key prefix such as ORG#*.`);
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...patterns] } };
};

/** PascalCase construct id of a function name (`create-signup` -> `CreateSignup`). */
const constructId = (name: string) =>
  name.replace(/(^|-)([a-z0-9])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());

/**
 * Every function of `infra/functions.ts`: bundled from `functions/<name>/handler.ts`, its own log group and role,
 * and exactly the IAM its `access` list names. Stream-fed functions get the outbox stream mapping; functions
 * that rules target get an on-failure destination for asynchronous invocations.
 */
export class LambdaFunctions extends Construct {
  readonly functions: Record<FunctionName, NodejsFunction>;
  /** Records the outbox relay gave up on (after retries and batch bisection). */
  readonly streamDeadLetterQueue: DeadLetterQueue;
  /** Asynchronous (rule-triggered) invocations that failed after Lambda's own retries. */
  readonly asyncDeadLetterQueue: DeadLetterQueue;
  private readonly props: LambdaFunctionsProps;

  constructor(scope: Construct, id: string, props: LambdaFunctionsProps) {
    super(scope, id);
    this.props = props;
    this.streamDeadLetterQueue = new DeadLetterQueue(this, 'StreamDlq', {
      stage: props.stage,
      kind: 'stream',
      holds: 'table stream records the outbox relay failed to publish after 10 attempts or 24 hours',
    });
    this.asyncDeadLetterQueue = new DeadLetterQueue(this, 'AsyncDlq', {
      stage: props.stage,
      kind: 'async',
      holds: 'events whose rule-triggered function invocation failed after Lambda\u2019s retries',
    });

    const ruleTargets = new Set<string>([...eventRules, ...scheduleRules].map((rule) => rule.target));
    const entries = Object.entries(functionSpecs) as [FunctionName, FunctionSpec][];
    this.functions = Object.fromEntries(
      entries.map(([name, spec]) => [name, this.createFunction(name, spec, ruleTargets.has(name))]),
    ) as Record<FunctionName, NodejsFunction>;
  }

  private createFunction(name: FunctionName, spec: FunctionSpec, ruleTarget: boolean): NodejsFunction {
    const { stage } = this.props;
    const id = constructId(name);
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: logRetentionFor(stage),
      removalPolicy: removalPolicyFor(stage),
    });
    // An own role instead of AWSLambdaBasicExecutionRole: logs go to this function's log group only.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `kindred ${name} (${stage})`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    const fn = new NodejsFunction(this, id, {
      functionName: resourceName(stage, name),
      description: spec.description,
      entry: `${repoRoot}${functionEntry(name)}`,
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: `${repoRoot}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb ?? 512,
      timeout: Duration.seconds(spec.timeoutSeconds ?? 10),
      role,
      logGroup,
      tracing: Tracing.ACTIVE,
      environment: this.environment(),
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // The SDK is bundled too, so Lambda runs the versions package-lock.json pins (as the local runtime does).
        externalModules: [],
        ...(spec.webAssets ? { commandHooks: webAssetHooks } : {}),
      },
    });

    for (const statement of this.statementsFor(name, spec)) role.addToPolicy(statement);
    if (spec.outboxStream) this.addOutboxStream(fn);
    if (ruleTarget) this.configureRuleTarget(fn);

    Validations.of(fn.node.defaultChild as CfnResource).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Deliberately pinned to nodejs22.x (supported until 2027): the bundle targets node22 and the handlers are tested on Node 20/22 only; moving to nodejs24.x is a tested upgrade, not a silent default.',
    });
    const policy = role.node.tryFindChild('DefaultPolicy')?.node.defaultChild;
    if (policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'The "*" resource is for xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), which support no resource-level permissions; every other action names its resource (SES identities apart, acknowledged on their own).',
      });
      if (spec.access.includes('email:send')) this.props.email.acknowledgeSendGrant(policy);
    }
    return fn;
  }

  /**
   * Makes a function that a rule outside the rules table targets (SES bounces and complaints on the default
   * bus, see email-events.ts) a rule target like the others: Lambda retries a failed asynchronous invocation
   * twice, then parks it in the same dead-letter queue.
   */
  addRuleTarget(name: FunctionName): void {
    this.configureRuleTarget(this.functions[name]);
  }

  private configureRuleTarget(fn: NodejsFunction): void {
    fn.configureAsyncInvoke({
      onFailure: new SqsDestination(this.asyncDeadLetterQueue.queue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
  }

  private environment(): Record<string, string> {
    const { table, bus, secret, email, publicApiUrl } = this.props;
    const app: Record<EnvName, string> = {
      TABLE_NAME: table.tableName,
      EVENT_BUS_NAME: bus.eventBusName,
      TOKEN_SECRET_ID: secret.secretArn,
      EMAIL_FROM: email.from,
      EMAIL_CONFIGURATION_SET: email.configurationSet.configurationSetName,
      PUBLIC_API_URL: publicApiUrl,
    };
    return {
      POWERTOOLS_SERVICE_NAME: 'kindred',
      POWERTOOLS_METRICS_NAMESPACE: 'kindred',
      // The business metrics' only dimension (shared/adapters/metrics.ts).
      STAGE: this.props.stage,
      NODE_OPTIONS: '--enable-source-maps',
      ...app,
    };
  }

  /**
   * The narrowest statements for a function's access list (see `Access` in infra/functions.ts). Table item
   * actions are one statement on the table, limited to the function's partitions; the due-index Query one on
   * that index, limited to its due partitions (for an index, `dynamodb:LeadingKeys` is the index's key).
   */
  private statementsFor(name: FunctionName, spec: FunctionSpec): PolicyStatement[] {
    const { table, dueIndexArn, lookupIndexArn, bus, secret, email } = this.props;
    const access = new Set<Access>(spec.access);
    const statements: PolicyStatement[] = [];

    const itemActions = Object.entries(tableItemActions)
      .filter(([kind]) => access.has(kind as Access))
      .flatMap(([, actions]) => actions);
    if (itemActions.length > 0) {
      statements.push(
        new PolicyStatement({
          actions: itemActions,
          resources: [table.tableArn],
          conditions: leadingKeys(name, 'partitions', spec.partitions),
        }),
      );
    } else if (spec.partitions) {
      throw new Error(`Function ${name} lists partitions but no table access to limit to them.`);
    }
    if (access.has('table:query-due')) {
      statements.push(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [dueIndexArn],
          conditions: leadingKeys(name, 'duePartitions', spec.duePartitions),
        }),
      );
    } else if (spec.duePartitions) {
      throw new Error(`Function ${name} lists duePartitions but has no table:query-due access.`);
    }
    if (access.has('table:query-lookup')) {
      statements.push(
        new PolicyStatement({
          actions: ['dynamodb:Query'],
          resources: [lookupIndexArn],
          conditions: leadingKeys(name, 'lookupPartitions', spec.lookupPartitions),
        }),
      );
    } else if (spec.lookupPartitions) {
      throw new Error(`Function ${name} lists lookupPartitions but has no table:query-lookup access.`);
    }
    if (access.has('bus:put')) {
      statements.push(new PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] }));
    }
    if (access.has('email:send')) statements.push(email.sendStatement());
    if (access.has('secret:read')) {
      statements.push(
        new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
      );
    }
    return statements;
  }

  private addOutboxStream(fn: IFunction): void {
    fn.addEventSource(
      new DynamoEventSource(this.props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: outboxStreamPolicy.batchSize,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: outboxStreamPolicy.retryAttempts,
        // Past this the sweep's redrive takes over, so a record is never published by both at once.
        maxRecordAge: Duration.seconds(outboxStreamPolicy.maxRecordAgeSeconds),
        onFailure: new SqsDlq(this.streamDeadLetterQueue.queue),
        // The same pattern the local relay matches with; only INSERTs of OUTBOX# items reach the function.
        filters: [FilterCriteria.filter(outboxStreamFilter)],
      }),
    );
  }
}
