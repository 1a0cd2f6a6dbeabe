import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DetailType, detailTypes, eventJsonSchema } from '../../shared/events/catalogue';
import { breakingChanges, type JsonSchema } from './schema-compat';

/**
 * Event schemas stay backward compatible. `event-schemas/<DetailType>.json` holds the last committed JSON Schema
 * of each detail type; the catalogue's current schema must be compatible with it (see schema-compat.ts).
 *
 * How to add a field legitimately:
 *  1. Add it to the detail in shared/events/catalogue.ts as OPTIONAL (`.optional()`): events already in the
 *     archive, in flight or from a not-yet-deployed producer do not have it.
 *  2. Run `UPDATE_EVENT_SCHEMAS=1 npx vitest run test/contract/event-schemas.test.ts`. It still refuses a breaking
 *     change and only then rewrites the snapshot; commit the snapshot with the catalogue change.
 * New detail types are added the same way (the run writes their first snapshot).
 *
 * A breaking change (remove, rename or retype a field, make one required, drop an enum value) is not made by
 * editing a snapshot: publish a new detail type next to the old one (or widen, e.g. `version: 1 | 2`) and retire
 * the old one once no consumer and no archived event needs it.
 */

const UPDATE = process.env.UPDATE_EVENT_SCHEMAS === '1';
const directory = fileURLToPath(new URL('./event-schemas/', import.meta.url));
const snapshotPath = (detailType: string) => `${directory}${detailType}.json`;
const HOW_TO_UPDATE = 'UPDATE_EVENT_SCHEMAS=1 npx vitest run test/contract/event-schemas.test.ts';

const readSnapshot = (detailType: string): JsonSchema | undefined =>
  existsSync(snapshotPath(detailType))
    ? (JSON.parse(readFileSync(snapshotPath(detailType), 'utf8')) as JsonSchema)
    : undefined;

const writeSnapshot = (detailType: DetailType) =>
  writeFileSync(snapshotPath(detailType), `${JSON.stringify(eventJsonSchema(detailType), null, 2)}\n`);

describe('event schema compatibility', () => {
  it.each(detailTypes)('%s: compatible with its committed schema', (detailType) => {
    const current = eventJsonSchema(detailType) as JsonSchema;
    const committed = readSnapshot(detailType);
    if (!committed) {
      if (UPDATE) writeSnapshot(detailType);
      expect(
        UPDATE,
        `No committed schema for ${detailType}; if it is a new detail type run ${HOW_TO_UPDATE}`,
      ).toBe(true);
      return;
    }
    expect(breakingChanges(committed, current)).toStrictEqual([]);
    if (UPDATE) writeSnapshot(detailType);
    else
      expect(
        current,
        `${detailType} changed compatibly; refresh its snapshot with ${HOW_TO_UPDATE}`,
      ).toStrictEqual(committed);
  });

  it('no detail type was removed from the catalogue', () => {
    const committed = readdirSync(directory)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length));
    expect(committed.filter((detailType) => !(detailTypes as string[]).includes(detailType))).toStrictEqual(
      [],
    );
  });
});

describe('compatibility rules', () => {
  const before: JsonSchema = {
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'string' },
      count: { type: 'integer' },
      kind: { type: 'string', enum: ['a', 'b'] },
      tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
    },
  };
  const withChange = (change: (schema: JsonSchema) => void): JsonSchema => {
    const schema = structuredClone(before);
    change(schema);
    return schema;
  };

  it('accepts the same schema, a new optional property, a widened type and a new enum value', () => {
    expect(breakingChanges(before, before)).toStrictEqual([]);
    const after = withChange((s) => {
      (s.properties as Record<string, JsonSchema>).note = { type: 'string' };
      (s.properties as Record<string, JsonSchema>).count = { type: 'number' };
      (s.properties as Record<string, JsonSchema>).kind = { type: 'string', enum: ['a', 'b', 'c'] };
    });
    expect(breakingChanges(before, after)).toStrictEqual([]);
  });

  it('rejects a property that disappears', () => {
    const after = withChange((s) => delete s.properties?.count);
    expect(breakingChanges(before, after)).toStrictEqual([{ path: 'count', change: 'property disappeared' }]);
  });

  it('rejects a changed type, also inside arrays', () => {
    const after = withChange((s) => {
      (s.properties as Record<string, JsonSchema>).id = { type: 'number' };
      const tag = (s.properties as Record<string, JsonSchema>).tags?.items as JsonSchema;
      (tag.properties as Record<string, JsonSchema>).name = { type: 'boolean' };
    });
    expect(breakingChanges(before, after)).toStrictEqual([
      { path: 'id', change: 'type changed from string to number' },
      { path: 'tags[].name', change: 'type changed from string to boolean' },
    ]);
  });

  it('rejects a newly required field, even one that existed', () => {
    const after = withChange((s) => {
      s.required = ['id', 'count', 'extra'];
      (s.properties as Record<string, JsonSchema>).extra = { type: 'string' };
    });
    expect(breakingChanges(before, after)).toStrictEqual([
      { path: 'count', change: 'became required' },
      { path: 'extra', change: 'became required' },
    ]);
  });

  it('rejects an enum that loses a value', () => {
    const after = withChange((s) => {
      (s.properties as Record<string, JsonSchema>).kind = { type: 'string', enum: ['a'] };
    });
    expect(breakingChanges(before, after)).toStrictEqual([{ path: 'kind', change: 'enum lost ["b"]' }]);
  });
});
