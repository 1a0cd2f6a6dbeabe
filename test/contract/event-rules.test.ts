import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SES_FEEDBACK_RULE } from '../../shared/domain/suppression';
import { eventRules, scheduleRules } from '../../shared/events/rules';
import {
  type CfnResourceJson,
  functionLogicalId,
  onlyResourceOfType,
  referencedId,
  resourcesOfType,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth';

/**
 * The deployed rules are the rules table: same patterns, same targets, nothing more and nothing less. The
 * patterns are compared with the table itself, never with a copy written here.
 */

const STAGE = 'dev';
let synthesized: Synthesized;
let template: TemplateJson;

interface RuleTarget {
  Arn: unknown;
  DeadLetterConfig?: { Arn: unknown };
  RetryPolicy?: { MaximumEventAgeInSeconds: number; MaximumRetryAttempts: number };
}

const rulesNamed = (name: string): CfnResourceJson[] =>
  resourcesOfType(template, 'AWS::Events::Rule')
    .map(([, rule]) => rule)
    .filter((rule) => rule.Properties?.Name === `kindred-${STAGE}-${name}`);

const targetsOf = (rule: CfnResourceJson) => rule.Properties?.Targets as RuleTarget[];

beforeAll(() => {
  synthesized = synthesize({ stage: STAGE });
  template = synthesized.json[0] as TemplateJson;
});
afterAll(() => synthesized?.cleanup());

describe('event rules', () => {
  it('deploys exactly one pattern rule per row of eventRules', () => {
    // The platform bus's rules; SES's bounces and complaints arrive on the default bus (email-events.test.ts).
    const patternRules = resourcesOfType(template, 'AWS::Events::Rule').filter(
      ([, r]) => r.Properties?.EventPattern && r.Properties?.EventBusName,
    );
    expect(patternRules).toHaveLength(eventRules.length);
    for (const row of eventRules) expect(rulesNamed(row.name), row.name).toHaveLength(1);
  });

  it.each(eventRules.map((row) => [row.name, row] as const))(
    '%s: pattern equals the table row',
    (_name, row) => {
      const [rule] = rulesNamed(row.name);
      expect(rule?.Properties?.EventPattern).toStrictEqual(row.eventPattern);
      expect(rule?.Properties?.Description).toBe(row.description);
    },
  );

  it.each(eventRules.map((row) => [row.name, row] as const))('%s: runs on the platform bus', (_name, row) => {
    const [rule] = rulesNamed(row.name);
    const bus = onlyResourceOfType(template, 'AWS::Events::EventBus');
    expect(referencedId(rule?.Properties?.EventBusName)).toBe(bus);
  });

  it.each(eventRules.map((row) => [row.name, row] as const))(
    '%s: targets its function only',
    (_name, row) => {
      const [rule] = rulesNamed(row.name);
      const targets = targetsOf(rule as CfnResourceJson);
      expect(targets).toHaveLength(1);
      expect(referencedId(targets[0]?.Arn)).toBe(functionLogicalId(template, STAGE, row.target));
    },
  );
});

describe('schedule rules', () => {
  it('deploys exactly one scheduled rule per row of scheduleRules', () => {
    const scheduled = resourcesOfType(template, 'AWS::Events::Rule').filter(
      ([, r]) => r.Properties?.ScheduleExpression,
    );
    expect(scheduled).toHaveLength(scheduleRules.length);
  });

  it.each(scheduleRules.map((row) => [row.name, row] as const))('%s: schedule and target', (_name, row) => {
    const matching = rulesNamed(row.name);
    expect(matching).toHaveLength(1);
    const rule = matching[0] as CfnResourceJson;
    expect(rule.Properties?.ScheduleExpression).toBe(row.schedule);
    expect(rule.Properties?.EventBusName).toBeUndefined(); // schedules run on the default bus
    const targets = targetsOf(rule);
    expect(targets).toHaveLength(1);
    expect(referencedId(targets[0]?.Arn)).toBe(functionLogicalId(template, STAGE, row.target));
  });
});

describe('rule targets', () => {
  const allRows = [...eventRules, ...scheduleRules, SES_FEEDBACK_RULE];

  it('retry for 24 hours, 185 times, then park the event in the bus dead-letter queue', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rules.length).toBe(allRows.length);
    const dlqs = new Set<string>();
    for (const [, rule] of rules) {
      for (const target of targetsOf(rule)) {
        expect(target.RetryPolicy).toStrictEqual({
          MaximumEventAgeInSeconds: 86_400,
          MaximumRetryAttempts: 185,
        });
        expect(target.DeadLetterConfig).toBeDefined();
        dlqs.add(referencedId(target.DeadLetterConfig?.Arn));
      }
    }
    expect(dlqs.size).toBe(allRows.length > 0 ? 1 : 0);
    for (const dlq of dlqs) expect(template.Resources[dlq]?.Type).toBe('AWS::SQS::Queue');
  });

  it('each target function lets exactly its rule invoke it', () => {
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => p.Properties?.Principal === 'events.amazonaws.com',
    );
    expect(permissions).toHaveLength(allRows.length);
    for (const row of allRows) {
      const [rule] = resourcesOfType(template, 'AWS::Events::Rule').filter(
        ([, r]) => r.Properties?.Name === `kindred-${STAGE}-${row.name}`,
      );
      const allowed = permissions.filter(([, p]) => referencedId(p.Properties?.SourceArn) === rule?.[0]);
      expect(allowed, row.name).toHaveLength(1);
      expect(referencedId(allowed[0]?.[1].Properties?.FunctionName)).toBe(
        functionLogicalId(template, STAGE, row.target),
      );
    }
  });
});
