/**
 * Backward compatibility of event JSON Schemas (draft 4, as `eventJsonSchema` writes them).
 *
 * A change is breaking when an event that was valid before may now be rejected (archived events are replayed,
 * producers and consumers deploy apart), or when a consumer may miss a field it relied on:
 *  - a property that was there disappears,
 *  - a property's type changes (other than widening, e.g. integer -> number),
 *  - a field becomes required that was optional or unknown before,
 *  - an enum loses a value.
 * Adding optional properties and enum values, or relaxing a rule, is compatible.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  items?: JsonSchema | JsonSchema[];
  [keyword: string]: unknown;
}

export interface BreakingChange {
  /** JSON path of the schema node, e.g. `detail.reasons[].score`. */
  path: string;
  change: string;
}

const types = (schema: JsonSchema): string[] | undefined =>
  schema.type === undefined ? undefined : Array.isArray(schema.type) ? schema.type : [schema.type];

/** Whether a value of type `before` is still valid under the types `after` (no types = anything). */
const typeKept = (before: string, after: string[] | undefined) =>
  after === undefined || after.includes(before) || (before === 'integer' && after.includes('number'));

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

export const breakingChanges = (before: JsonSchema, after: JsonSchema, path = ''): BreakingChange[] => {
  const changes: BreakingChange[] = [];
  const at = path === '' ? '(root)' : path;

  const beforeTypes = types(before);
  const afterTypes = types(after);
  const lost = (beforeTypes ?? []).filter((type) => !typeKept(type, afterTypes));
  if (beforeTypes && lost.length > 0) {
    changes.push({
      path: at,
      change: `type changed from ${beforeTypes.join('|')} to ${afterTypes?.join('|')}`,
    });
  }

  if (before.enum && after.enum) {
    const removed = before.enum.filter(
      (value) => !after.enum?.some((v) => JSON.stringify(v) === JSON.stringify(value)),
    );
    if (removed.length > 0) changes.push({ path: at, change: `enum lost ${JSON.stringify(removed)}` });
  } else if (!before.enum && after.enum) {
    changes.push({ path: at, change: `restricted to enum ${JSON.stringify(after.enum)}` });
  }

  const beforeRequired = new Set(before.required ?? []);
  for (const field of after.required ?? []) {
    if (!beforeRequired.has(field)) changes.push({ path: join(path, field), change: 'became required' });
  }

  for (const [key, property] of Object.entries(before.properties ?? {})) {
    const next = after.properties?.[key];
    if (!next) changes.push({ path: join(path, key), change: 'property disappeared' });
    else changes.push(...breakingChanges(property, next, join(path, key)));
  }

  if (before.items && after.items && !Array.isArray(before.items) && !Array.isArray(after.items)) {
    changes.push(...breakingChanges(before.items, after.items, `${path}[]`));
  }
  return changes;
};
