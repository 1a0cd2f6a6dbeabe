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
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { envNames } from '../../shared/config';
import { outboxStreamFilter } from '../../shared/data/table';
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
  /** ARNs of the table's indexes (Query only). */
  indexArns: string[];
  bus: IEventBus;
  secret: ISecret;
  email: Email;
  /** Base URL of the public API, for links in emails. */
  publicApiUrl: string;
}

type EnvName = (typeof envNames)[number];

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
      holds: 'table stream records the outbox relay failed to publish after 10 attempts or 24 hours',
    });
    this.asyncDeadLetterQueue = new DeadLetterQueue(this, 'AsyncDlq', {
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
      },
    });

    for (const access of spec.access) {
      for (const statement of this.statementsFor(access)) role.addToPolicy(statement);
    }
    if (spec.outboxStream) this.addOutboxStream(fn);
    if (ruleTarget) {
      fn.configureAsyncInvoke({
        onFailure: new SqsDestination(this.asyncDeadLetterQueue.queue),
        retryAttempts: 2,
        maxEventAge: Duration.hours(6),
      });
    }

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
          'The only "*" resource is for xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing), which support no resource-level permissions; every other action names its resource.',
      });
    }
    return fn;
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
      NODE_OPTIONS: '--enable-source-maps',
      ...app,
    };
  }

  /** The narrowest statements for one entry of a function's access list (see `Access` in infra/functions.ts). */
  private statementsFor(access: Access): PolicyStatement[] {
    const { table, indexArns, bus, secret, email } = this.props;
    switch (access) {
      case 'table:read':
        return [
          new PolicyStatement({
            actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
            resources: [table.tableArn],
          }),
          new PolicyStatement({ actions: ['dynamodb:Query'], resources: indexArns }),
        ];
      case 'table:write':
        // TransactWriteItems is no IAM action: DynamoDB authorises each item action inside the transaction.
        return [
          new PolicyStatement({
            actions: [
              'dynamodb:PutItem',
              'dynamodb:UpdateItem',
              'dynamodb:DeleteItem',
              'dynamodb:ConditionCheckItem',
            ],
            resources: [table.tableArn],
          }),
        ];
      case 'bus:put':
        return [new PolicyStatement({ actions: ['events:PutEvents'], resources: [bus.eventBusArn] })];
      case 'email:send':
        return [email.sendStatement()];
      case 'secret:read':
        return [
          new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [secret.secretArn] }),
        ];
    }
  }

  private addOutboxStream(fn: IFunction): void {
    fn.addEventSource(
      new DynamoEventSource(this.props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        onFailure: new SqsDlq(this.streamDeadLetterQueue.queue),
        // The same pattern the local relay matches with; only INSERTs of OUTBOX# items reach the function.
        filters: [FilterCriteria.filter(outboxStreamFilter)],
      }),
    );
  }
}
