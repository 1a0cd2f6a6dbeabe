import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FunctionName, type FunctionSpec, functionSpecs } from '../../infra/functions';
import { OUTBOX_REDRIVE_AFTER_MS } from '../../shared/data/outbox';
import { outboxStreamFilter, outboxStreamPolicy, tableDefinition } from '../../shared/data/table';
import {
  type CfnResourceJson,
  dig,
  functionLogicalId,
  onFailureQueue,
  onlyResourceOfType,
  referencedId,
  resourcesOfType,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth';

/** The table and its stream as the outbox relay needs them: the filter is `outboxStreamFilter` itself. */

const STAGE = 'dev';
const streamFed = (Object.entries(functionSpecs) as [FunctionName, FunctionSpec][]).filter(
  ([, s]) => s.outboxStream,
);

let synthesized: Synthesized;
let template: TemplateJson;

const mappingOf = (name: FunctionName): CfnResourceJson => {
  const fnId = functionLogicalId(template, STAGE, name);
  const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, m]) => referencedId(m.Properties?.FunctionName) === fnId,
  );
  expect(mappings).toHaveLength(1);
  return (mappings[0] as [string, CfnResourceJson])[1];
};

beforeAll(() => {
  synthesized = synthesize({ stage: STAGE });
  template = synthesized.json[0] as TemplateJson;
});
afterAll(() => synthesized?.cleanup());

describe('outbox stream', () => {
  it('the table streams new images, as the relay expects', () => {
    const table = template.Resources[onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable')];
    expect(table?.Properties?.StreamSpecification).toStrictEqual({
      StreamViewType: tableDefinition.streamView,
    });
  });

  it('has one event-source mapping per stream-fed function and no other', () => {
    expect(streamFed.length).toBeGreaterThan(0);
    expect(resourcesOfType(template, 'AWS::Lambda::EventSourceMapping')).toHaveLength(streamFed.length);
  });

  it.each(streamFed)('%s: filter equals outboxStreamFilter', (name) => {
    const filters = dig(mappingOf(name), 'Properties', 'FilterCriteria', 'Filters') as { Pattern: string }[];
    expect(filters).toHaveLength(1);
    expect(JSON.parse(filters[0]?.Pattern ?? 'null')).toStrictEqual(outboxStreamFilter);
  });

  it.each(streamFed)(
    '%s: reads the table stream from the start, in bisectable batches with partial failures',
    (name) => {
      const mapping = mappingOf(name).Properties ?? {};
      expect(mapping.EventSourceArn).toStrictEqual({
        'Fn::GetAtt': [onlyResourceOfType(template, 'AWS::DynamoDB::GlobalTable'), 'StreamArn'],
      });
      expect(mapping).toMatchObject({
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 3600,
      });
      expect(template.Resources[onFailureQueue(mappingOf(name))]?.Type).toBe('AWS::SQS::Queue');
    },
  );

  it('gives up on a record before the sweep redrives its outbox item, so the two never overlap', () => {
    expect(OUTBOX_REDRIVE_AFTER_MS).toBeGreaterThan(outboxStreamPolicy.maxRecordAgeSeconds * 1000);
  });
});
