import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { CfnRule } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { BUSINESS_STEPS, METRICS_NAMESPACE } from '../../shared/adapters/metrics';
import { DeadLetterQueue } from './dead-letter-queue';
import { resourceName } from './stage';

export interface ObservabilityProps {
  stage: string;
  /** Subscribed to the alarm topic when given (the operator confirms the subscription by email). */
  alarmEmail?: string;
  functions: Record<string, IFunction>;
  table: TableV2;
  /** The table's global secondary indexes: each throttles on its own. */
  indexNames: readonly string[];
}

/** CloudWatch's hard limit of metrics one metric-math alarm may read. */
export const MAX_METRICS_PER_ALARM = 10;

/** SES puts an account under review at a 5% bounce rate and at a 0.1% complaint rate. */
export const SES_BOUNCE_RATE_LIMIT = 0.05;
export const SES_COMPLAINT_RATE_LIMIT = 0.001;

const FIVE_MINUTES = Duration.minutes(5);

interface Member {
  /** What the metric is about, in the alarm's description and the graph's legend. */
  label: string;
  metric: Metric;
}

/** An alarm over several metrics of one kind: named by its kind and, past ten metrics, its part. */
interface AlarmGroup {
  kind: string;
  description: string;
  members: Member[];
}

const chunk = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );

/** `Functions/StreamDlq` -> `functions-stream-dlq`. */
const kebab = (path: string) =>
  path
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toLowerCase();

/** One time series, the sum of the members' (missing points count as none), readable by an alarm or a graph. */
const sumOf = (prefix: string, members: readonly Member[], label: string) =>
  new MathExpression({
    // METRICS("<prefix>") and not METRICS(): a graph holds several sums, each must add up its own metrics.
    expression: `SUM(METRICS("${prefix}"))`,
    usingMetrics: Object.fromEntries(members.map((member, index) => [`${prefix}${index}`, member.metric])),
    label,
    period: FIVE_MINUTES,
  });

/**
 * What an operator watches in one region: an SNS topic (KMS-encrypted, TLS only) that every alarm notifies,
 * alarms on everything that means a participant is let down (a dead-lettered message, a function error or
 * throttle, an event EventBridge could not deliver, SES reputation, DynamoDB throttling), and a dashboard with
 * the business steps beside those health metrics.
 *
 * Dead-letter queues and EventBridge rules are found in the stack, so one added later is watched too: create
 * this construct after everything else.
 */
export class Observability extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  private readonly stage: string;
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    this.stage = props.stage;
    const stack = Stack.of(this);

    this.topic = this.alarmTopic(props.alarmEmail);
    this.action = new SnsAction(this.topic);

    const dlqs = this.deadLetterQueueAlarms();
    const functions = Object.entries(props.functions).sort(([a], [b]) => a.localeCompare(b));
    const errors = functions.map(([name, fn]) => ({
      label: name,
      metric: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
    }));
    const throttles = functions.map(([name, fn]) => ({
      label: name,
      metric: fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
    }));
    this.groupAlarms({ kind: 'function-errors', description: 'Lambda functions failed', members: errors });
    this.groupAlarms({
      kind: 'function-throttles',
      description: 'Lambda throttled invocations (concurrency limit)',
      members: throttles,
    });

    const rules = this.ruleMetrics();
    this.groupAlarms({
      kind: 'rule-failed-invocations',
      description: 'EventBridge gave up invoking a target of these rules',
      members: rules.map((rule) => rule.failed),
    });
    this.groupAlarms({
      kind: 'rule-sent-to-dlq',
      description: 'EventBridge parked events of these rules in their dead-letter queue',
      members: rules.map((rule) => rule.sentToDlq),
    });

    const bounceRate = new Metric({
      namespace: 'AWS/SES',
      metricName: 'Reputation.BounceRate',
      statistic: 'Maximum',
      period: Duration.minutes(15),
      label: 'bounce rate',
    });
    const complaintRate = new Metric({
      namespace: 'AWS/SES',
      metricName: 'Reputation.ComplaintRate',
      statistic: 'Maximum',
      period: Duration.minutes(15),
      label: 'complaint rate',
    });
    // The account's own reputation in this region is what SES reviews and pauses, whichever stage sent.
    this.alarm('ses-bounce-rate', {
      metric: bounceRate,
      threshold: SES_BOUNCE_RATE_LIMIT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `SES bounce rate of the account in this region is over ${SES_BOUNCE_RATE_LIMIT * 100}%: SES reviews the account at 5% and may pause sending at 10%`,
    });
    this.alarm('ses-complaint-rate', {
      metric: complaintRate,
      threshold: SES_COMPLAINT_RATE_LIMIT,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `SES complaint rate of the account in this region is over ${SES_COMPLAINT_RATE_LIMIT * 100}%: SES reviews the account at 0.1% and may pause sending at 0.5%`,
    });

    const tableThrottles = this.tableThrottleMetrics(props.table, props.indexNames);
    this.groupAlarms({
      kind: 'table-throttles',
      description: 'DynamoDB throttled reads or writes on the table or its indexes',
      members: tableThrottles,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${resourceName(props.stage)}-${stack.region}`,
      defaultInterval: Duration.days(7),
    });
    this.addDashboardWidgets(stack.region, {
      dlqs,
      errors,
      throttles,
      rules,
      bounceRate,
      complaintRate,
      tableThrottles,
    });
  }

  private alarmTopic(alarmEmail: string | undefined): Topic {
    const stack = Stack.of(this);
    // CloudWatch publishes to an encrypted topic only with a customer managed key whose policy lets it.
    const key = new Key(this, 'AlarmTopicKey', {
      description: `kindred ${this.stage}: encrypts alarm notifications`,
      enableKeyRotation: true,
      // It protects notifications in flight only; no data at rest depends on it.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new Topic(this, 'AlarmTopic', {
      topicName: resourceName(this.stage, 'alarms'),
      displayName: `kindred ${this.stage} alarms`,
      masterKey: key,
      enforceSSL: true,
    });
    // The topic policy replaces SNS's default one, so CloudWatch is let in explicitly, for this stage's alarms.
    topic.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: `${resourceName(this.stage)}-*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (alarmEmail) topic.addSubscription(new EmailSubscription(alarmEmail));
    return topic;
  }

  /** One alarm per dead-letter queue: any message there is an event or record that needs an operator. */
  private deadLetterQueueAlarms(): Member[] {
    const stack = Stack.of(this);
    const queues = stack.node
      .findAll()
      .filter((construct): construct is DeadLetterQueue => construct instanceof DeadLetterQueue);
    return queues.map((dlq) => {
      const path = dlq.node.path.slice(stack.node.path.length + 1);
      const metric = dlq.queue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: FIVE_MINUTES,
        label: path,
      });
      this.alarm(`dlq-${kebab(path)}`, {
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `Messages are waiting in the dead-letter queue ${path}: inspect them, fix the cause, then redrive`,
      });
      return { label: path, metric };
    });
  }

  /** Every EventBridge rule of the stack, on the platform bus or the default one, with its delivery metrics. */
  private ruleMetrics() {
    const stack = Stack.of(this);
    const rules = stack.node.findAll().filter((construct) => construct instanceof CfnRule);
    return rules
      .map((rule) => {
        const ruleName = rule.name;
        if (!ruleName)
          throw new Error(`Rule ${rule.node.path} has no name; its alarm could not find its metrics.`);
        // Rules on a custom bus report under EventBusName and RuleName, those on the default bus under RuleName.
        const dimensionsMap: Record<string, string> = rule.eventBusName
          ? { EventBusName: rule.eventBusName, RuleName: ruleName }
          : { RuleName: ruleName };
        const metric = (metricName: string) =>
          new Metric({
            namespace: 'AWS/Events',
            metricName,
            dimensionsMap,
            statistic: 'Sum',
            period: FIVE_MINUTES,
            label: ruleName,
          });
        return {
          ruleName,
          failed: { label: ruleName, metric: metric('FailedInvocations') },
          sentToDlq: { label: ruleName, metric: metric('InvocationsSentToDlq') },
        };
      })
      .sort((a, b) => a.ruleName.localeCompare(b.ruleName));
  }

  private tableThrottleMetrics(table: TableV2, indexNames: readonly string[]): Member[] {
    const targets = [
      { label: 'table', dimensionsMap: { TableName: table.tableName } },
      ...indexNames.map((index) => ({
        label: `index ${index}`,
        dimensionsMap: { TableName: table.tableName, GlobalSecondaryIndexName: index },
      })),
    ];
    return targets.flatMap(({ label, dimensionsMap }) =>
      ['ReadThrottleEvents', 'WriteThrottleEvents'].map((metricName) => ({
        label: `${label} ${metricName}`,
        metric: new Metric({
          namespace: 'AWS/DynamoDB',
          metricName,
          dimensionsMap,
          statistic: 'Sum',
          period: FIVE_MINUTES,
          label: `${label} ${metricName}`,
        }),
      })),
    );
  }

  /**
   * Alarms on the sum of a kind's metrics: one when there are ten or fewer, else one per ten (CloudWatch's
   * limit per metric-math alarm), so a stack with dozens of functions stays far below CloudFormation's 500
   * resources. Each alarm's description names what it covers.
   */
  private groupAlarms(group: AlarmGroup): void {
    const parts = chunk(group.members, MAX_METRICS_PER_ALARM);
    parts.forEach((members, index) => {
      const name = parts.length > 1 ? `${group.kind}-${index + 1}` : group.kind;
      const covered = members.map((member) => member.label).join(', ');
      this.alarm(name, {
        metric: sumOf('m', members, name),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        description: `${group.description} (${covered})`,
      });
    });
  }

  private alarm(
    name: string,
    props: {
      metric: IMetric;
      threshold: number;
      comparisonOperator: ComparisonOperator;
      description: string;
    },
  ): Alarm {
    const alarm = new Alarm(this, `Alarm-${name}`, {
      alarmName: resourceName(this.stage, name),
      alarmDescription: `kindred ${this.stage}: ${props.description}.`,
      metric: props.metric,
      threshold: props.threshold,
      comparisonOperator: props.comparisonOperator,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      // Most of these metrics are only reported when something happens (an error, a bounce, a message).
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.action);
    // Told when it clears too, so nobody keeps chasing a problem that has gone.
    alarm.addOkAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  private addDashboardWidgets(
    region: string,
    health: {
      dlqs: Member[];
      errors: Member[];
      throttles: Member[];
      rules: { failed: Member; sentToDlq: Member }[];
      bounceRate: Metric;
      complaintRate: Metric;
      tableThrottles: Member[];
    },
  ): void {
    const step = (name: (typeof BUSINESS_STEPS)[number]) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { stage: this.stage },
        statistic: 'Sum',
        period: Duration.hours(1),
        label: name,
      });
    const journey = BUSINESS_STEPS.filter((name) => !name.startsWith('Email')).map(step);
    const emails = BUSINESS_STEPS.filter((name) => name.startsWith('Email')).map(step);
    const metricsOf = (members: readonly Member[]) => members.map((member) => member.metric);

    this.dashboard.addWidgets(
      new TextWidget({
        markdown: [
          `# kindred ${this.stage} (${region})`,
          `Business steps (namespace \`${METRICS_NAMESPACE}\`, dimension \`stage\`) above; health and the alarms below. Every alarm notifies the SNS topic \`${resourceName(this.stage, 'alarms')}\`.`,
        ].join('\n\n'),
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({
        title: 'Business steps in the time range',
        metrics: [...journey, ...emails],
        setPeriodToTimeRange: true,
        width: 24,
        height: 3,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Participants: signups to milestones (per hour)', left: journey, width: 12 }),
      new GraphWidget({ title: 'Emails sent and withheld (per hour)', left: emails, width: 12 }),
    );
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Lambda errors', left: metricsOf(health.errors), width: 12 }),
      new GraphWidget({ title: 'Lambda throttles', left: metricsOf(health.throttles), width: 12 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Dead-letter queues: messages waiting',
        left: metricsOf(health.dlqs),
        width: 8,
      }),
      new GraphWidget({
        title: 'EventBridge: failed and dead-lettered deliveries',
        left: [
          sumOf(
            'failed',
            health.rules.map((rule) => rule.failed),
            'FailedInvocations',
          ),
          sumOf(
            'dlq',
            health.rules.map((rule) => rule.sentToDlq),
            'InvocationsSentToDlq',
          ),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'DynamoDB throttle events',
        left: metricsOf(health.tableThrottles),
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'SES reputation (account, this region)',
        left: [health.bounceRate, health.complaintRate],
        leftAnnotations: [
          { value: SES_BOUNCE_RATE_LIMIT, label: 'bounce alarm' },
          { value: SES_COMPLAINT_RATE_LIMIT, label: 'complaint alarm' },
        ],
        width: 24,
      }),
    );
  }
}
