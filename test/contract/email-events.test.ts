import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchesEventPattern } from '../../infra/local/event-pattern';
import { SES_FEEDBACK_RULE } from '../../shared/domain/suppression';
import { eventRules } from '../../shared/events/rules';
import { complaint, delivered, permanentBounce, transientBounce } from '../fixtures/ses-events';
import {
  type CfnResourceJson,
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
 * SES bounces and complaints reach suppress-address: the configuration set publishes them to the default
 * bus, and a rule there (the shared SES_FEEDBACK_RULE, byte for byte) targets the function with the same
 * retries and dead-letter queues as every other rule target.
 */

const STAGE = 'dev';
let synthesized: Synthesized;
let template: TemplateJson;

interface RuleTarget {
  Arn: unknown;
  DeadLetterConfig?: { Arn: unknown };
  RetryPolicy?: unknown;
}

const rule = (): CfnResourceJson => {
  const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(
    ([, r]) => r.Properties?.Name === `kindred-${STAGE}-${SES_FEEDBACK_RULE.name}`,
  );
  expect(rules).toHaveLength(1);
  return (rules[0] as [string, CfnResourceJson])[1];
};
const ruleId = () =>
  (
    resourcesOfType(template, 'AWS::Events::Rule').find(
      ([, r]) => r.Properties?.Name === `kindred-${STAGE}-${SES_FEEDBACK_RULE.name}`,
    ) as [string, CfnResourceJson]
  )[0];
const targetsOf = (r: CfnResourceJson) => r.Properties?.Targets as RuleTarget[];

beforeAll(() => {
  synthesized = synthesize({ stage: STAGE });
  template = synthesized.json[0] as TemplateJson;
});
afterAll(() => synthesized?.cleanup());

describe('SES event destination', () => {
  it('publishes bounces and complaints, and nothing else, to the default bus of the stack’s account and region', () => {
    // Act
    const id = onlyResourceOfType(template, 'AWS::SES::ConfigurationSetEventDestination');
    const destination = template.Resources[id]?.Properties?.EventDestination;

    // Assess
    expect(dig(destination, 'Enabled')).toBe(true);
    expect(dig(destination, 'MatchingEventTypes')).toStrictEqual(['bounce', 'complaint']);
    expect(render(dig(destination, 'EventBridgeDestination', 'EventBusArn'))).toBe(
      'arn:{Ref:AWS::Partition}:events:eu-west-1:{Ref:AWS::AccountId}:event-bus/default',
    );
    expect(dig(destination, 'SnsDestination')).toBeUndefined();
  });

  it('belongs to the configuration set every mailer sends with', () => {
    // Prepare
    const configurationSet = onlyResourceOfType(template, 'AWS::SES::ConfigurationSet');
    const id = onlyResourceOfType(template, 'AWS::SES::ConfigurationSetEventDestination');
    const mailer = functionLogicalId(template, STAGE, 'send-meeting-email');

    // Assess
    expect(referencedId(template.Resources[id]?.Properties?.ConfigurationSetName)).toBe(configurationSet);
    expect(
      referencedId(
        dig(template.Resources[mailer], 'Properties', 'Environment', 'Variables', 'EMAIL_CONFIGURATION_SET'),
      ),
    ).toBe(configurationSet);
  });
});

describe('SES feedback rule', () => {
  it('runs on the default bus with exactly the shared pattern and description', () => {
    const deployed = rule();
    expect(deployed.Properties?.EventBusName).toBeUndefined();
    expect(deployed.Properties?.EventPattern).toStrictEqual(SES_FEEDBACK_RULE.eventPattern);
    expect(deployed.Properties?.Description).toBe(SES_FEEDBACK_RULE.description);
    expect(deployed.Properties?.State).toBe('ENABLED');
  });

  it('targets suppress-address only, retrying and dead-lettering like the platform bus’s rules', () => {
    // Prepare
    const [platformRule] = resourcesOfType(template, 'AWS::Events::Rule').filter(
      ([, r]) => r.Properties?.Name === `kindred-${STAGE}-${eventRules[0]?.name}`,
    );
    const platformTarget = targetsOf((platformRule as [string, CfnResourceJson])[1])[0];

    // Act
    const targets = targetsOf(rule());

    // Assess
    expect(targets).toHaveLength(1);
    expect(referencedId(targets[0]?.Arn)).toBe(functionLogicalId(template, STAGE, SES_FEEDBACK_RULE.target));
    expect(targets[0]?.RetryPolicy).toStrictEqual({
      MaximumEventAgeInSeconds: 86_400,
      MaximumRetryAttempts: 185,
    });
    expect(targets[0]?.RetryPolicy).toStrictEqual(platformTarget?.RetryPolicy);
    expect(referencedId(targets[0]?.DeadLetterConfig?.Arn)).toBe(
      referencedId(platformTarget?.DeadLetterConfig?.Arn),
    );
  });

  it('is the only rule allowed to invoke suppress-address', () => {
    const fn = functionLogicalId(template, STAGE, SES_FEEDBACK_RULE.target);
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').filter(
      ([, p]) => referencedId(p.Properties?.FunctionName) === fn,
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]?.[1].Properties?.Principal).toBe('events.amazonaws.com');
    expect(referencedId(permissions[0]?.[1].Properties?.SourceArn)).toBe(ruleId());
  });

  it('suppress-address parks failed invocations in the queue the other rule targets use', () => {
    const configOf = (name: string) =>
      resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
        ([, c]) => referencedId(c.Properties?.FunctionName) === functionLogicalId(template, STAGE, name),
      );
    const [suppress] = configOf(SES_FEEDBACK_RULE.target);
    const [other] = configOf(eventRules[0]?.target as string);
    expect(configOf(SES_FEEDBACK_RULE.target)).toHaveLength(1);
    expect(onFailureQueue(suppress?.[1])).toBe(onFailureQueue(other?.[1]));
    expect(suppress?.[1].Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21_600,
    });
  });

  it.each([
    ['a permanent bounce', permanentBounce(), true],
    ['a transient bounce (the function ignores it)', transientBounce(), true],
    ['a complaint', complaint(), true],
    ['a delivery', delivered(), false],
    ['a kindred event of the same detail-type', { ...permanentBounce(), source: 'kindred' }, false],
  ])('selects %s: %s', (_label, event, selected) => {
    expect(matchesEventPattern(rule().Properties?.EventPattern, event)).toBe(selected);
  });
});
