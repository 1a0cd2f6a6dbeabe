import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailTypes, EVENT_SOURCE, eventJsonSchema } from '../../shared/events/catalogue';
import {
  onlyResourceOfType,
  resourcesOfType,
  type Synthesized,
  synthesize,
  type TemplateJson,
} from './synth';

/** The registry publishes the catalogue: one draft-4 schema per detail type, generated from it. */

let synthesized: Synthesized;
let template: TemplateJson;

beforeAll(() => {
  synthesized = synthesize({ stage: 'dev' });
  template = synthesized.json[0] as TemplateJson;
});
afterAll(() => synthesized?.cleanup());

describe('schema registry', () => {
  it('is named after the stage', () => {
    const registry = template.Resources[onlyResourceOfType(template, 'AWS::EventSchemas::Registry')];
    expect(registry?.Properties?.RegistryName).toBe('kindred-dev');
  });

  it('holds one schema per detail type and no other', () => {
    const names = resourcesOfType(template, 'AWS::EventSchemas::Schema').map(
      ([, s]) => s.Properties?.SchemaName,
    );
    expect(names.sort()).toStrictEqual(detailTypes.map((dt) => `${EVENT_SOURCE}@${dt}`).sort());
  });

  it.each(detailTypes)('%s: content is the catalogue schema, in the registry', (detailType) => {
    const registryId = onlyResourceOfType(template, 'AWS::EventSchemas::Registry');
    const [[, schema] = []] = resourcesOfType(template, 'AWS::EventSchemas::Schema').filter(
      ([, s]) => s.Properties?.SchemaName === `${EVENT_SOURCE}@${detailType}`,
    );
    expect(schema?.Properties?.Type).toBe('JSONSchemaDraft4');
    expect(schema?.Properties?.RegistryName).toStrictEqual({ 'Fn::GetAtt': [registryId, 'RegistryName'] });
    expect(JSON.parse(schema?.Properties?.Content as string)).toStrictEqual(eventJsonSchema(detailType));
  });
});
