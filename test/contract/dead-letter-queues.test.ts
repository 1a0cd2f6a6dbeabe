import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterQueueName } from '../../infra/constructs/dead-letter-queue';
import {
  functionLogicalId,
  onFailureQueue,
  referencedId,
  resourcesOfType,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth';

/**
 * `kindred dead-letters` finds a deployed stage's queues by name alone: each of the three queues carries the
 * name the command line derives, and each failure path parks its messages in the queue of that name.
 */

const STAGE = 'prod';
let synthesized: Synthesized;
let template: TemplateJson;

const queueNamed = (name: string) => {
  const found = resourcesOfType(template, 'AWS::SQS::Queue').filter(
    ([, q]) => q.Properties?.QueueName === name,
  );
  expect(found, name).toHaveLength(1);
  return (found[0] as [string, unknown])[0];
};

beforeAll(() => {
  synthesized = synthesize({ stage: STAGE });
  template = synthesized.json[0] as TemplateJson;
});
afterAll(() => synthesized?.cleanup());

describe('dead-letter queues', () => {
  it('are named kindred-<stage>-target-dlq, -async-dlq and -stream-dlq, and are the only queues', () => {
    const names = resourcesOfType(template, 'AWS::SQS::Queue').map(([, q]) => q.Properties?.QueueName);
    expect(names.sort()).toStrictEqual([
      'kindred-prod-async-dlq',
      'kindred-prod-stream-dlq',
      'kindred-prod-target-dlq',
    ]);
    expect(deadLetterQueueName(STAGE, 'target')).toBe('kindred-prod-target-dlq');
  });

  it('the target queue receives every rule target\u2019s undelivered events', () => {
    const target = queueNamed(deadLetterQueueName(STAGE, 'target'));
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rules.length).toBeGreaterThan(0);
    for (const [id, rule] of rules) {
      const targets = (rule.Properties?.Targets ?? []) as { DeadLetterConfig?: { Arn: unknown } }[];
      expect(targets.length, id).toBeGreaterThan(0);
      for (const t of targets) expect(referencedId(t.DeadLetterConfig?.Arn), id).toBe(target);
    }
  });

  it('the async queue receives every failed asynchronous invocation', () => {
    const async = queueNamed(deadLetterQueueName(STAGE, 'async'));
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');
    expect(configs.length).toBeGreaterThan(0);
    for (const [id, config] of configs) expect(onFailureQueue(config), id).toBe(async);
  });

  it('the stream queue receives the outbox relay\u2019s failed batches', () => {
    const stream = queueNamed(deadLetterQueueName(STAGE, 'stream'));
    const relay = functionLogicalId(template, STAGE, 'relay-outbox');
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, m]) => referencedId(m.Properties?.FunctionName) === relay,
    );
    expect(mappings).toHaveLength(1);
    expect(onFailureQueue(mappings[0]?.[1])).toBe(stream);
  });
});
