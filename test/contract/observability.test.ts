import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSINESS_STEPS } from '../../shared/adapters/metrics';
import {
  type CfnResourceJson,
  dig,
  onlyResourceOfType,
  referencedId,
  render,
  resourcesOfType,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth';

/**
 * What an operator watches, read from the synthesized template: the alarm topic, one dashboard per region, and
 * an alarm for everything that can fail quietly (each dead-letter queue, every function's errors and
 * throttles, every rule's failed and dead-lettered deliveries, SES reputation, DynamoDB throttling), each
 * notifying the topic. What must be covered is taken from the template's own queues, functions, rules and
 * indexes, so a resource added without its alarm fails here.
 */

const ALARM_EMAIL = 'ops@kindred.example';

interface MetricJson {
  Namespace: string;
  MetricName: string;
  Dimensions?: { Name: string; Value: unknown }[];
  /** The statistic the alarm reads it with. */
  Stat?: string;
}

let prod: Synthesized;
let dev: Synthesized;
let template: TemplateJson;

beforeAll(() => {
  prod = synthesize({ stage: 'prod', regions: 'eu-west-1,us-east-1', alarmEmail: ALARM_EMAIL });
  dev = synthesize({ stage: 'dev' });
  template = prod.json[0] as TemplateJson;
});
afterAll(() => {
  prod?.cleanup();
  dev?.cleanup();
});

const alarms = () => resourcesOfType(template, 'AWS::CloudWatch::Alarm');

/** The metrics an alarm reads: its one metric, or every metric of its math expression. */
const metricsOf = (alarm: CfnResourceJson): MetricJson[] => {
  const props = alarm.Properties ?? {};
  if (typeof props.MetricName === 'string') {
    return [
      {
        Namespace: props.Namespace as string,
        MetricName: props.MetricName,
        Dimensions: props.Dimensions as MetricJson['Dimensions'],
        Stat: props.Statistic as string,
      },
    ];
  }
  return ((props.Metrics ?? []) as { MetricStat?: { Metric: MetricJson; Stat: string } }[]).flatMap(
    (query) => (query.MetricStat ? [{ ...query.MetricStat.Metric, Stat: query.MetricStat.Stat }] : []),
  );
};

const dimension = (metric: MetricJson, name: string) =>
  metric.Dimensions?.find((d) => d.Name === name)?.Value;

/** Alarms reading a metric that satisfies `match`. */
const alarmsWatching = (match: (metric: MetricJson) => boolean) =>
  alarms().filter(([, alarm]) => metricsOf(alarm).some(match));

const topicId = () => onlyResourceOfType(template, 'AWS::SNS::Topic');

describe('alarm topic', () => {
  it('is encrypted with a rotated key that CloudWatch may use, and takes TLS only', () => {
    const topic = template.Resources[topicId()];
    expect(topic?.Properties?.TopicName).toBe('kindred-prod-alarms');
    const keyId = referencedId(topic?.Properties?.KmsMasterKeyId);
    const key = template.Resources[keyId];
    expect(key?.Type).toBe('AWS::KMS::Key');
    expect(key?.Properties?.EnableKeyRotation).toBe(true);
    const keyStatements = dig(key, 'Properties', 'KeyPolicy', 'Statement') as Record<string, unknown>[];
    expect(keyStatements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      }),
    );

    const [[, policy]] = resourcesOfType(template, 'AWS::SNS::TopicPolicy') as [[string, CfnResourceJson]];
    const statements = dig(policy, 'Properties', 'PolicyDocument', 'Statement') as Record<string, unknown>[];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const allow = statements.find((s) => s.Effect === 'Allow') as Record<string, unknown>;
    expect(allow).toMatchObject({
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Action: 'sns:Publish',
    });
    expect(render(dig(allow, 'Condition', 'ArnLike', 'aws:SourceArn'))).toMatch(
      /:cloudwatch:eu-west-1:\{Ref:AWS::AccountId\}:alarm:kindred-prod-\*$/,
    );
  });

  it('subscribes the operator’s address when given, and nobody otherwise', () => {
    const subscriptions = resourcesOfType(template, 'AWS::SNS::Subscription');
    expect(subscriptions.map(([, s]) => s.Properties)).toStrictEqual([
      { Protocol: 'email', Endpoint: ALARM_EMAIL, TopicArn: { Ref: topicId() } },
    ]);
    expect(resourcesOfType(dev.json[0] as TemplateJson, 'AWS::SNS::Subscription')).toStrictEqual([]);
  });

  it('is the action of every alarm, when it fires and when it clears', () => {
    expect(alarms().length).toBeGreaterThan(0);
    for (const [id, alarm] of alarms()) {
      expect(alarm.Properties?.AlarmActions, id).toStrictEqual([{ Ref: topicId() }]);
      expect(alarm.Properties?.OKActions, id).toStrictEqual([{ Ref: topicId() }]);
      expect(alarm.Properties?.AlarmName, id).toMatch(/^kindred-prod-[a-z0-9-]+$/);
    }
  });
});

describe('alarms', () => {
  it('each reads at most 10 metrics (CloudWatch’s limit for a metric-math alarm)', () => {
    for (const [id, alarm] of alarms()) expect(metricsOf(alarm).length, id).toBeLessThanOrEqual(10);
  });

  it('fire on the first message in each dead-letter queue', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThanOrEqual(3);
    for (const [queueId] of queues) {
      const watching = alarmsWatching(
        (m) =>
          m.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          render(dimension(m, 'QueueName')) === `{GetAtt:${queueId}.QueueName}`,
      );
      expect(watching, queueId).toHaveLength(1);
      const [[, alarm]] = watching as [[string, CfnResourceJson]];
      expect(metricsOf(alarm)).toMatchObject([{ Namespace: 'AWS/SQS', Stat: 'Maximum' }]);
      expect(alarm.Properties).toMatchObject({
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
      });
    }
  });

  it.each(['Errors', 'Throttles'])(
    'fire on any %s of every function, each watched by exactly one alarm',
    (name) => {
      const functions = resourcesOfType(template, 'AWS::Lambda::Function');
      expect(functions.length).toBeGreaterThan(30);
      for (const [fnId] of functions) {
        const watching = alarmsWatching(
          (m) =>
            m.Namespace === 'AWS/Lambda' &&
            m.MetricName === name &&
            render(dimension(m, 'FunctionName')) === `{Ref:${fnId}}`,
        );
        expect(watching, fnId).toHaveLength(1);
        const [[, alarm]] = watching as [[string, CfnResourceJson]];
        expect(alarm.Properties).toMatchObject({
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
        const expression = (
          (alarm.Properties?.Metrics ?? []) as { Expression?: string; ReturnData?: boolean }[]
        ).find((query) => query.ReturnData !== false);
        expect(expression?.Expression).toBe('SUM(METRICS("m"))');
      }
    },
  );

  it.each(['FailedInvocations', 'InvocationsSentToDlq'])(
    'fire on %s of every EventBridge rule, on its own bus',
    (name) => {
      const rules = resourcesOfType(template, 'AWS::Events::Rule');
      expect(rules.length).toBeGreaterThan(20);
      const busId = onlyResourceOfType(template, 'AWS::Events::EventBus');
      for (const [ruleId, rule] of rules) {
        const ruleName = rule.Properties?.Name as string;
        const watching = alarmsWatching(
          (m) =>
            m.Namespace === 'AWS/Events' && m.MetricName === name && dimension(m, 'RuleName') === ruleName,
        );
        expect(watching, ruleId).toHaveLength(1);
        const [[, alarm]] = watching as [[string, CfnResourceJson]];
        const metric = metricsOf(alarm).find((m) => dimension(m, 'RuleName') === ruleName) as MetricJson;
        // Custom-bus rules report under EventBusName and RuleName; default-bus ones (schedules, SES) under RuleName.
        if (rule.Properties?.EventBusName) {
          expect(referencedId(rule.Properties.EventBusName)).toBe(busId);
          expect(metric.Dimensions?.map((d) => d.Name).sort()).toStrictEqual(['EventBusName', 'RuleName']);
          expect(referencedId(dimension(metric, 'EventBusName'))).toBe(busId);
        } else {
          expect(metric.Dimensions?.map((d) => d.Name)).toStrictEqual(['RuleName']);
        }
        expect(alarm.Properties?.AlarmDescription).toContain(ruleName);
      }
    },
  );

  it.each([
    ['Reputation.BounceRate', 0.05],
    ['Reputation.ComplaintRate', 0.001],
  ])('fire when the SES %s goes over %s', (name, threshold) => {
    const watching = alarmsWatching((m) => m.Namespace === 'AWS/SES' && m.MetricName === name);
    expect(watching).toHaveLength(1);
    const [[, alarm]] = watching as [[string, CfnResourceJson]];
    expect(metricsOf(alarm)).toMatchObject([{ Stat: 'Maximum' }]);
    expect(alarm.Properties).toMatchObject({
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('fire on read or write throttling of the table and of each of its indexes', () => {
    const tableId = onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable');
    const indexes = (
      (template.Resources[tableId]?.Properties?.GlobalSecondaryIndexes ?? []) as { IndexName: string }[]
    ).map((index) => index.IndexName);
    expect(indexes.length).toBeGreaterThanOrEqual(2);
    for (const metricName of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      for (const index of [undefined, ...indexes]) {
        const watching = alarmsWatching(
          (m) =>
            m.Namespace === 'AWS/DynamoDB' &&
            m.MetricName === metricName &&
            referencedId(dimension(m, 'TableName')) === tableId &&
            dimension(m, 'GlobalSecondaryIndexName') === index,
        );
        expect(watching, `${metricName} ${index ?? 'table'}`).toHaveLength(1);
      }
    }
  });
});

describe('dashboard', () => {
  const bodyOf = (json: TemplateJson) => {
    const [[, dashboard]] = resourcesOfType(json, 'AWS::CloudWatch::Dashboard') as [
      [string, CfnResourceJson],
    ];
    return {
      name: dashboard.Properties?.DashboardName,
      body: JSON.stringify(dashboard.Properties?.DashboardBody),
    };
  };

  it('one per region, named with the stage and the region', () => {
    expect(prod.json.map((json) => bodyOf(json).name)).toStrictEqual([
      'kindred-prod-eu-west-1',
      'kindred-prod-us-east-1',
    ]);
  });

  it('shows every business step of its stage, and the health metrics the alarms watch', () => {
    const { body } = bodyOf(template);
    for (const step of BUSINESS_STEPS) {
      expect(body).toContain(`\\"kindred\\",\\"${step}\\",\\"stage\\",\\"prod\\"`);
    }
    for (const metric of [
      'Errors',
      'Throttles',
      'ApproximateNumberOfMessagesVisible',
      'FailedInvocations',
      'InvocationsSentToDlq',
      'Reputation.BounceRate',
      'Reputation.ComplaintRate',
      'ReadThrottleEvents',
      'WriteThrottleEvents',
    ]) {
      expect(body, metric).toContain(`\\"${metric}\\"`);
    }
    // The alarm status widget lists every alarm.
    expect(body).toContain('\\"type\\":\\"alarm\\"');
    for (const [id] of alarms()) expect(body, id).toContain(`"Fn::GetAtt":["${id}","Arn"]`);
  });
});

describe('stack size', () => {
  // The alarms are grouped (ten metrics each) to keep their share small; the limit itself is CloudFormation's.
  it('stays under CloudFormation’s 500 resources per stack', () => {
    expect(Object.keys(template.Resources).length).toBeLessThan(500);
  });
});
