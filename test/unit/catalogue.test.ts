import { describe, expect, it } from 'vitest';
import {
  catalogue,
  type DetailType,
  detailTypes,
  EVENT_SOURCE,
  eventJsonSchema,
  isDetailType,
  parseDetail,
} from '../../shared/events/catalogue';
import { detailExamples } from '../fixtures/event-details';

const without = (value: object, key: string) =>
  Object.fromEntries(Object.entries(value).filter(([k]) => k !== key));

/** Every keyword a JSON Schema object uses, at any depth. */
const keywordsOf = (schema: unknown): Set<string> => {
  const found = new Set<string>();
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        found.add(key);
        if (key !== 'enum') walk(value);
      }
    }
  };
  walk(schema);
  return found;
};

describe('event catalogue', () => {
  it('has an example for every detail-type and nothing else', () => {
    expect(Object.keys(detailExamples).sort()).toEqual([...detailTypes].sort());
    expect(detailTypes.length).toBeGreaterThanOrEqual(13);
  });

  it('names detail-types it has and only those', () => {
    expect(isDetailType('ParticipantSignedUp')).toBe(true);
    expect(isDetailType('ParticipantSignedUpV2')).toBe(false);
    expect(isDetailType('toString')).toBe(false);
  });

  describe.each(detailTypes)('%s', (detailType: DetailType) => {
    const example = detailExamples[detailType];

    it('accepts a valid detail', () => {
      expect(parseDetail(detailType, example)).toEqual(example);
    });

    it('tolerates unknown fields, as consumers must', () => {
      expect(catalogue[detailType].safeParse({ ...example, addedLater: 'x' }).success).toBe(true);
    });

    it.each(['version', 'orgId', 'occurredAt'])('refuses a detail without %s', (field) => {
      const result = catalogue[detailType].safeParse(without(example, field));
      expect(result.success).toBe(false);
      expect(result.error?.issues.map((i) => i.path.join('/'))).toContain(field);
    });

    it('refuses another version, an orgId that is not an id, and a time that is not ISO 8601', () => {
      expect(catalogue[detailType].safeParse({ ...example, version: 2 }).success).toBe(false);
      expect(catalogue[detailType].safeParse({ ...example, orgId: 'Riverside Mentors' }).success).toBe(false);
      expect(catalogue[detailType].safeParse({ ...example, occurredAt: '14/03/2025 09:26' }).success).toBe(
        false,
      );
    });

    it('has a description', () => {
      expect(catalogue[detailType].description?.length).toBeGreaterThan(10);
    });

    it('publishes a draft-4 JSON Schema of the whole event, detail-type as a one-value enum', () => {
      const schema = eventJsonSchema(detailType) as {
        $schema: string;
        title: string;
        required: string[];
        properties: {
          source: { enum: string[] };
          'detail-type': { type: string; enum: string[] };
          detail: { type: string; required: string[]; properties: Record<string, unknown>; $schema?: string };
        };
      };
      expect(schema.$schema).toBe('http://json-schema.org/draft-04/schema#');
      expect(schema.title).toBe(detailType);
      expect(schema.required).toEqual(['source', 'detail-type', 'detail']);
      expect(schema.properties.source.enum).toEqual([EVENT_SOURCE]);
      expect(schema.properties['detail-type']).toEqual({ type: 'string', enum: [detailType] });
      expect(schema.properties.detail.type).toBe('object');
      expect(schema.properties.detail.$schema).toBeUndefined();
      expect(schema.properties.detail.required).toEqual(
        expect.arrayContaining(['version', 'orgId', 'occurredAt']),
      );
      expect(Object.keys(schema.properties.detail.properties)).toEqual(
        expect.arrayContaining(Object.keys(example)),
      );
    });

    it('uses no keyword draft 4 lacks', () => {
      const keywords = keywordsOf(eventJsonSchema(detailType));
      for (const later of ['const', 'examples', 'contains', 'propertyNames', 'if', 'then', 'else', '$defs']) {
        expect(keywords.has(later), later).toBe(false);
      }
    });
  });

  it('keeps personal data out of every detail: no field for an email, a name or free text', () => {
    const fields = detailTypes.flatMap((t) => Object.keys(catalogue[t].shape));
    for (const personal of ['email', 'name', 'firstName', 'comment', 'text', 'address']) {
      expect(fields).not.toContain(personal);
    }
  });
});
