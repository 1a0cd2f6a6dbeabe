/**
 * Amazon EventBridge's event-pattern grammar: validation and matching, with no dependencies.
 *
 * EventBridge runs aws/event-ruler, so where the user guide is silent or wrong this follows what ruler
 * does and what the real TestEventPattern answered (LocalStack's AWS-validated pattern suite):
 *
 * - A pattern is flattened to dotted paths (`{"a": {"b": [..]}}` is the path `a.b`, and so is the key
 *   `"a.b"`); every leaf is a non-empty array of alternatives, ORed. Paths AND together. `$or` forks the
 *   pattern into branches (a cross product when nested or parallel); a branch matches or it doesn't.
 *   A path written twice in one branch keeps its last value, as the service does with duplicate keys.
 * - The event is flattened the same way. Only leaves are fields: strings, numbers, booleans and null.
 *   Objects and empty arrays are not leaves, so `exists` and `anything-but` see nothing there.
 * - Arrays in the event are crushed: each element is a value at the array's own path. Matching is
 *   array-consistent (ruler's `rulesForJSONEvent`): two fields matched by one branch may not come from
 *   different elements of the same array. `exists: false` is judged against the fields that are
 *   consistent with what the branch has matched so far, in ruler's order (paths sorted).
 * - Numbers match numerically (300 matches 300.0 and 3e2, which the real service does despite the guide
 *   saying otherwise); numeric comparisons only see numbers within ±5e9. Types never cross: "5" is not 5.
 * - `anything-but` matches any value that is not excluded, including null, numbers and booleans when it
 *   lists strings, and any one element of an array; it never matches a missing field.
 * - A string pattern that is an IP address matches the same address however it is written.
 *
 * Known gaps: the service rejects wildcard patterns it finds too complex ("Rule is too complex");
 * that limit is not documented, so it is not enforced here. Number literals are compared as JavaScript
 * numbers, so beyond ±5e9 or 6 decimals two spellings of the same value match here and may not there.
 */

const ERROR_PREFIX = 'Event pattern is not valid. Reason: ';

export class InvalidEventPatternError extends Error {
  override readonly name = 'InvalidEventPatternError';
  /** The service's reason, without the common prefix. */
  readonly reason: string;

  constructor(reason: string) {
    super(`${ERROR_PREFIX}${reason}`);
    this.reason = reason;
  }
}

type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
type JsonObject = { [key: string]: JsonValue };

/** A compiled, validated event pattern. Obtain one from `parseEventPattern`. */
export interface EventPattern {
  /** The pattern as JSON, exactly as the service would receive it. */
  readonly pattern: Readonly<JsonObject>;
  /** True iff the event matches. A JSON string is parsed; anything but a JSON object never matches. */
  matches(event: unknown): boolean;
  toJSON(): JsonObject;
}

/** Validates a pattern (a JSON string or a value that serialises to one) and compiles it. */
export function parseEventPattern(pattern: string | unknown): EventPattern {
  if (pattern instanceof CompiledPattern) return pattern;
  if (typeof pattern === 'string') {
    const cached = cache.get(pattern);
    if (cached) return cached;
    const compiled = new CompiledPattern(compile(parseJson(pattern)));
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(pattern, compiled);
    return compiled;
  }
  // Round-trip through JSON so the pattern is judged as the service would receive it (no undefined, Dates as strings).
  let text: string | undefined;
  try {
    text = JSON.stringify(pattern);
  } catch (error) {
    throw new InvalidEventPatternError(error instanceof Error ? error.message : String(error));
  }
  if (text === undefined) throw new InvalidEventPatternError('Filter is not an object');
  return new CompiledPattern(compile(parseJson(text)));
}

/** True iff the event matches the pattern; an invalid pattern throws InvalidEventPatternError. */
export function matchesEventPattern(pattern: EventPattern | string | unknown, event: unknown): boolean {
  return parseEventPattern(pattern).matches(event);
}

// Rules are parsed once at start-up, but TestEventPattern and ad-hoc callers pass the same strings repeatedly.
const CACHE_LIMIT = 256;
const cache = new Map<string, CompiledPattern>();

// ---------------------------------------------------------------------------------------------------------
// Compiled form

type Leaf = string | number | boolean | null;
type Membership = readonly (readonly [arrayId: number, index: number])[];
type Field = { readonly value: Leaf; readonly membership: Membership };

interface Step {
  readonly path: string;
  /** OR of the value matchers other than `exists: false`. */
  readonly test: (value: Leaf) => boolean;
  readonly hasValueMatchers: boolean;
  /** The list holds `exists: false`. */
  readonly allowsAbsence: boolean;
}

type Branch = readonly Step[];

const NO_MEMBERSHIP: Membership = [];

class CompiledPattern implements EventPattern {
  readonly pattern: Readonly<JsonObject>;
  readonly #branches: readonly Branch[];
  readonly #leafPaths: ReadonlySet<string>;
  readonly #prefixes: ReadonlySet<string>;

  constructor(compiled: { pattern: JsonObject; branches: Branch[] }) {
    this.pattern = compiled.pattern;
    this.#branches = compiled.branches;
    const leafPaths = new Set<string>();
    const prefixes = new Set<string>();
    for (const branch of compiled.branches) {
      for (const step of branch) {
        leafPaths.add(step.path);
        prefixes.add(step.path);
        for (let dot = step.path.indexOf('.'); dot !== -1; dot = step.path.indexOf('.', dot + 1)) {
          prefixes.add(step.path.slice(0, dot));
        }
      }
    }
    this.#leafPaths = leafPaths;
    this.#prefixes = prefixes;
  }

  matches(event: unknown): boolean {
    let body = event;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        return false;
      }
    }
    body = toJsonValue(body, '');
    if (!isObject(body)) return false;
    const fields = this.#flatten(body);
    return this.#branches.some((branch) => matchBranch(branch, 0, fields, NO_MEMBERSHIP));
  }

  toJSON(): JsonObject {
    return this.pattern;
  }

  // Only the parts of the event the pattern can look at are walked.
  #flatten(event: Record<string, unknown>): Map<string, Field[]> {
    const fields = new Map<string, Field[]>();
    let nextArrayId = 0;
    const visit = (value: unknown, path: string, membership: Membership): void => {
      if (Array.isArray(value)) {
        const arrayId = nextArrayId++;
        value.forEach((element, index) => {
          const json = toJsonValue(element, String(index));
          visit(json === undefined ? null : json, path, [...membership, [arrayId, index]]);
        });
      } else if (isObject(value)) {
        visitObject(value, path, membership);
      } else if (this.#leafPaths.has(path)) {
        const list = fields.get(path);
        const field = { value: value as Leaf, membership };
        if (list) list.push(field);
        else fields.set(path, [field]);
      }
    };
    const visitObject = (object: Record<string, unknown>, path: string, membership: Membership): void => {
      for (const key of Object.keys(object)) {
        const childPath = path === '' ? key : `${path}.${key}`;
        if (!this.#prefixes.has(childPath)) continue;
        const json = toJsonValue(object[key], key);
        if (json !== undefined) visit(json, childPath, membership);
      }
    };
    visitObject(event, '', NO_MEMBERSHIP);
    return fields;
  }
}

// Depth-first over the branch's paths in sorted order, as ruler walks its state machine.
function matchBranch(
  steps: Branch,
  index: number,
  fields: Map<string, Field[]>,
  membership: Membership,
): boolean {
  const step = steps[index];
  if (step === undefined) return true;
  const candidates = fields.get(step.path) ?? [];
  if (step.allowsAbsence && !candidates.some((field) => consistent(membership, field.membership))) {
    if (matchBranch(steps, index + 1, fields, membership)) return true;
  }
  if (!step.hasValueMatchers) return false;
  for (const field of candidates) {
    if (!consistent(membership, field.membership) || !step.test(field.value)) continue;
    if (matchBranch(steps, index + 1, fields, merge(membership, field.membership))) return true;
  }
  return false;
}

function consistent(a: Membership, b: Membership): boolean {
  for (const [arrayA, indexA] of a) {
    for (const [arrayB, indexB] of b) {
      if (arrayA === arrayB && indexA !== indexB) return false;
    }
  }
  return true;
}

function merge(a: Membership, b: Membership): Membership {
  if (a.length === 0) return b;
  const extra = b.filter(([arrayB]) => !a.some(([arrayA]) => arrayA === arrayB));
  return extra.length === 0 ? a : [...a, ...extra];
}

/** JSON.stringify's view of a value: undefined for what it drops, null for non-finite numbers. */
function toJsonValue(value: unknown, key: string): unknown {
  let current = value;
  if (
    current !== null &&
    typeof current === 'object' &&
    typeof (current as { toJSON?: unknown }).toJSON === 'function'
  ) {
    current = (current as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof current) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'number':
      return Number.isFinite(current) ? current : null;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return current;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------
// Compilation and validation. Reasons are the service's own words (ruler's), typos included, so local
// errors read like the ones CloudFormation shows.

function fail(reason: string): never {
  throw new InvalidEventPatternError(reason);
}

function parseJson(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (!isObject(value)) fail('Filter is not an object');
  return value as JsonObject;
}

type Draft = Map<string, Step>;

function compile(pattern: JsonObject): { pattern: JsonObject; branches: Branch[] } {
  const drafts = compileObject(pattern, '', [], false);
  const branches = drafts.map((draft) =>
    [...draft.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  );
  return { pattern, branches };
}

// Field names ruler keeps for itself inside `$or`.
const RESERVED_IN_OR = new Set([
  'exactly',
  'equals-ignore-case',
  'prefix',
  'suffix',
  'anything-but',
  'exists',
  'wildcard',
  'numeric',
  'cidr',
  'html',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

function compileObject(object: JsonObject, path: string, drafts: Draft[], insideOr: boolean): Draft[] {
  const keys = Object.keys(object);
  if (keys.length === 0) fail('Empty objects are not allowed');
  let current = drafts;
  for (const key of keys) {
    const value = object[key] as JsonValue;
    if (key === '$or') {
      current = compileOr(value, path, current);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key))
      fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`);
    const childPath = path === '' ? key : `${path}.${key}`;
    if (Array.isArray(value)) {
      const step = compileLeaf(value, childPath);
      if (current.length === 0) current = [new Map()];
      for (const draft of current) draft.set(childPath, step);
    } else if (isObject(value)) {
      current = compileObject(value, childPath, current, insideOr);
    } else {
      fail(`"${key}" must be an object or an array`);
    }
  }
  return current;
}

function compileOr(value: JsonValue, path: string, drafts: Draft[]): Draft[] {
  if (!Array.isArray(value)) fail('It must be an Array followed with $or.');
  const result: Draft[] = [];
  for (const alternative of value) {
    if (!isObject(alternative)) fail('Only JSON object is allowed in array of $or relationship.');
    const copies = drafts.length === 0 ? [new Map()] : drafts.map((draft) => new Map(draft));
    result.push(...compileObject(alternative as JsonObject, path, copies, true));
  }
  if (value.length < 2) fail('There must have at least 2 Objects in $or relationship.');
  return result;
}

type Matcher = (value: Leaf) => boolean;

function compileLeaf(values: JsonValue[], path: string): Step {
  if (values.length === 0) fail('Empty arrays are not allowed');
  const matchers: Matcher[] = [];
  let allowsAbsence = false;
  for (const value of values) {
    if (isObject(value)) {
      const expression = compileExpression(value as JsonObject);
      if (expression === ABSENT) allowsAbsence = true;
      else matchers.push(expression);
    } else if (typeof value === 'string') {
      matchers.push(exactString(value));
    } else if (typeof value === 'number') {
      matchers.push((leaf) => leaf === value);
    } else if (typeof value === 'boolean' || value === null) {
      matchers.push((leaf) => leaf === value);
    } else {
      fail('Match value must be String, number, true, false, or null');
    }
  }
  const only = matchers.length === 1 ? matchers[0] : undefined;
  return {
    path,
    test: only ?? ((leaf) => matchers.some((matcher) => matcher(leaf))),
    hasValueMatchers: matchers.length > 0,
    allowsAbsence,
  };
}

// Ruler compiles a string that is an IP address into a range, so other spellings of the address match.
function exactString(text: string): Matcher {
  const ip = ipBytes(text);
  if (!ip) return (leaf) => leaf === text;
  return (leaf) => {
    if (typeof leaf !== 'string') return false;
    if (leaf === text) return true;
    const other = ipBytes(leaf);
    return other !== undefined && compareBytes(ip, other) === 0;
  };
}

const ABSENT = Symbol('exists: false');

function compileExpression(expression: JsonObject): Matcher | typeof ABSENT {
  const keys = Object.keys(expression);
  const name = keys[0];
  if (name === undefined) fail('Match expression name not found');
  const value = expression[name] as JsonValue;
  const oneKey = (): void => {
    if (keys.length > 1) fail('Only one key allowed in match expression');
  };
  // Ruler reports extra keys after numeric and anything-but with this (misleading) reason.
  const tooMany = (): void => {
    if (keys.length > 1) fail('Too many elements in numeric expression');
  };
  switch (name) {
    case 'prefix':
    case 'suffix': {
      const matcher = compileAffix(name, value);
      oneKey();
      return matcher;
    }
    case 'equals-ignore-case': {
      if (typeof value !== 'string') fail('equals-ignore-case match pattern must be a string');
      oneKey();
      const wanted = codePoints(value);
      return (leaf) => typeof leaf === 'string' && equalsIgnoreCase(codePoints(leaf), wanted);
    }
    case 'wildcard': {
      if (typeof value !== 'string') fail('wildcard match pattern must be a string');
      const segments = parseWildcard(value);
      oneKey();
      return (leaf) => typeof leaf === 'string' && wildcardMatches(segments, leaf);
    }
    case 'numeric': {
      if (!Array.isArray(value)) fail('Value of numeric must be an array.');
      const range = compileNumeric(value);
      tooMany();
      return range;
    }
    case 'anything-but': {
      const matcher = compileAnythingBut(value);
      tooMany();
      return matcher;
    }
    case 'exists': {
      if (typeof value !== 'boolean') fail('exists match pattern must be either true or false.');
      oneKey();
      return value ? () => true : ABSENT;
    }
    case 'cidr': {
      // Sic: the service says "prefix" here.
      if (typeof value !== 'string') fail('prefix match pattern must be a string');
      const { low, high } = parseCidr(value);
      oneKey();
      return (leaf) => {
        if (typeof leaf !== 'string') return false;
        const ip = ipBytes(leaf);
        return (
          ip !== undefined &&
          ip.length === low.length &&
          compareBytes(low, ip) <= 0 &&
          compareBytes(ip, high) <= 0
        );
      };
    }
    default:
      return fail(`Unrecognized match type ${name}`);
  }
}

function compileAffix(kind: 'prefix' | 'suffix', value: JsonValue): Matcher {
  const title = kind === 'prefix' ? 'Prefix' : 'Suffix';
  if (isObject(value)) {
    const keys = Object.keys(value);
    const op = keys[0];
    if (op === undefined) fail(`${title} expression name not found`);
    if (op !== 'equals-ignore-case') fail(`Unsupported ${kind} pattern: ${op}`);
    const text = value[op];
    if (typeof text !== 'string') fail('equals-ignore-case match pattern must be a string');
    if (keys.length > 1) fail('Only one key allowed in match expression');
    const wanted = codePoints(text);
    return (leaf) => {
      if (typeof leaf !== 'string') return false;
      const actual = codePoints(leaf);
      if (actual.length < wanted.length) return false;
      const part =
        kind === 'prefix' ? actual.slice(0, wanted.length) : actual.slice(actual.length - wanted.length);
      return equalsIgnoreCase(part, wanted);
    };
  }
  if (typeof value !== 'string') fail(`${kind} match pattern must be a string`);
  return kind === 'prefix'
    ? (leaf) => typeof leaf === 'string' && leaf.startsWith(value)
    : (leaf) => typeof leaf === 'string' && leaf.endsWith(value);
}

function compileAnythingBut(value: JsonValue): Matcher {
  const NOT_A_VALUE = 'Value of anything-but must be an array or single string/number value.';
  if (isObject(value)) {
    const keys = Object.keys(value);
    const op = keys[0];
    if (op === undefined) fail('Anything-But expression name not found');
    if (op !== 'equals-ignore-case' && op !== 'prefix' && op !== 'suffix' && op !== 'wildcard') {
      fail(`Unsupported anything-but pattern: ${op}`);
    }
    const inner = value[op] as JsonValue;
    if (!Array.isArray(inner) && typeof inner !== 'string' && typeof inner !== 'number') fail(NOT_A_VALUE);
    const texts = (Array.isArray(inner) ? inner : [inner]).map((item) => {
      if (typeof item !== 'string') {
        if (op === 'equals-ignore-case') {
          fail('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
        }
        fail(
          op === 'wildcard'
            ? 'wildcard match pattern must be a string'
            : 'prefix/suffix match pattern must be a string',
        );
      }
      if ((op === 'prefix' || op === 'suffix') && item === '') fail('Null prefix/suffix not allowed');
      return item;
    });
    if (keys.length > 1) fail('Too many elements in numeric expression');
    const excluded = excluder(op, texts);
    // Values of other types are never excluded by string matchers.
    return (leaf) => typeof leaf !== 'string' || !excluded(leaf);
  }
  if (typeof value === 'string') return (leaf) => leaf !== value;
  if (typeof value === 'number') {
    checkComparable(value);
    return (leaf) => leaf !== value;
  }
  if (!Array.isArray(value)) fail(NOT_A_VALUE);
  let strings = 0;
  let numbers = 0;
  for (const item of value) {
    if (typeof item === 'string') strings++;
    else if (typeof item === 'number') {
      checkComparable(item);
      numbers++;
    } else fail('Inside anything but list, start|null|boolean is not supported.');
  }
  if (strings > 0 === numbers > 0) {
    fail('Inside anything but list, either all values are number or string, mixed type is not supported');
  }
  const excludedValues = new Set<Leaf>(value as (string | number)[]);
  // Set membership is SameValueZero, so -0 and 0 are one value, as for the service.
  return (leaf) => !excludedValues.has(leaf);
}

function excluder(
  op: 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard',
  texts: string[],
): (leaf: string) => boolean {
  switch (op) {
    case 'equals-ignore-case': {
      const wanted = texts.map(codePoints);
      return (leaf) => {
        const actual = codePoints(leaf);
        return wanted.some((text) => equalsIgnoreCase(actual, text));
      };
    }
    case 'prefix':
      return (leaf) => texts.some((text) => leaf.startsWith(text));
    case 'suffix':
      return (leaf) => texts.some((text) => leaf.endsWith(text));
    case 'wildcard': {
      const patterns = texts.map(parseWildcard);
      return (leaf) => patterns.some((segments) => wildcardMatches(segments, leaf));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Numbers: ruler compares numbers as 6-decimal fixed point in [-5e9, 5e9].

const FIVE_BILLION = 5e9;

function checkComparable(value: number): void {
  if (decimalPlaces(value) > 6) fail('Only values upto 6 decimals are supported');
  if (value < -FIVE_BILLION || value > FIVE_BILLION)
    fail('Value must be between -5.0E9 and 5.0E9, inclusive');
}

function decimalPlaces(value: number): number {
  // The shortest round-trip spelling is what BigDecimal sees once trailing zeros are stripped.
  const [mantissa = '', exponent = '0'] = String(Math.abs(value)).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

function tokenText(value: JsonValue | undefined): string {
  if (value === undefined) return ']';
  if (Array.isArray(value)) return '[';
  if (isObject(value)) return '{';
  return String(value);
}

function compileNumeric(terms: JsonValue[]): Matcher {
  const [operator, operand] = terms;
  if (typeof operator !== 'string') fail(`Invalid member in numeric match: ${tokenText(operator)}`);
  switch (operator) {
    case '=': {
      if (typeof operand !== 'number') fail('Value of equals must be numeric');
      if (terms.length > 2) fail('Too many elements in numeric expression');
      checkComparable(operand);
      return (leaf) => leaf === operand;
    }
    case '<':
    case '<=': {
      if (typeof operand !== 'number') fail(`Value of ${operator} must be numeric`);
      if (terms.length > 2) fail('Too many elements in numeric expression');
      return range(-FIVE_BILLION, false, operand, operator === '<');
    }
    case '>':
    case '>=': {
      if (typeof operand !== 'number') fail(`Value of ${operator} must be numeric`);
      if (terms.length === 2) return range(operand, operator === '>', FIVE_BILLION, false);
      const upperOperator = terms[2];
      if (typeof upperOperator !== 'string') fail(`Bad value in numeric range: ${tokenText(upperOperator)}`);
      if (upperOperator !== '<' && upperOperator !== '<=')
        fail(`Bad numeric range operator: ${upperOperator}`);
      const upper = terms[3];
      if (typeof upper !== 'number') fail(`Value of ${upperOperator} must be numeric`);
      if (terms.length > 4) fail('Too many terms in numeric range expression');
      return range(operand, operator === '>', upper, upperOperator === '<');
    }
    default:
      return fail(`Unrecognized numeric range operator: ${operator}`);
  }
}

function range(bottom: number, openBottom: boolean, top: number, openTop: boolean): Matcher {
  if (bottom >= top) fail('Bottom must be less than top');
  checkComparable(bottom);
  checkComparable(top);
  return (leaf) =>
    typeof leaf === 'number' &&
    leaf >= -FIVE_BILLION &&
    leaf <= FIVE_BILLION &&
    (openBottom ? leaf > bottom : leaf >= bottom) &&
    (openTop ? leaf < top : leaf <= top);
}

// ---------------------------------------------------------------------------------------------------------
// Strings

function codePoints(text: string): string[] {
  return Array.from(text);
}

// Ruler folds case character by character, accepting either the lower- or the upper-case form.
function equalsIgnoreCase(actual: readonly string[], wanted: readonly string[]): boolean {
  if (actual.length !== wanted.length) return false;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i] as string;
    const b = wanted[i] as string;
    if (a !== b && a.toLowerCase() !== b.toLowerCase() && a.toUpperCase() !== b.toUpperCase()) return false;
  }
  return true;
}

const UTF8 = new TextEncoder();

/** Splits a wildcard on its unescaped `*`; positions in errors count UTF-8 bytes of the quoted value. */
function parseWildcard(text: string): string[] {
  const segments: string[] = [];
  let current = '';
  let position = 1;
  for (let i = 0; i < text.length; ) {
    const char = String.fromCodePoint(text.codePointAt(i) as number);
    if (char === '*') {
      if (text[i + 1] === '*') fail(`Consecutive wildcard characters at pos ${position}`);
      segments.push(current);
      current = '';
    } else if (char === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${position}`);
      current += next;
      i += 2;
      position += 2;
      continue;
    } else {
      current += char;
    }
    i += char.length;
    position += UTF8.encode(char).length;
  }
  segments.push(current);
  return segments;
}

function wildcardMatches(segments: readonly string[], value: string): boolean {
  const first = segments[0] as string;
  if (segments.length === 1) return value === first;
  const last = segments[segments.length - 1] as string;
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last))
    return false;
  const end = value.length - last.length;
  let position = first.length;
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i] as string;
    const found = value.indexOf(segment, position);
    if (found === -1 || found + segment.length > end) return false;
    position = found + segment.length;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// IP addresses, parsed the way java.net.InetAddress does behind ruler's shape checks.

const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

function ipBytes(text: string): Uint8Array | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

function parseIpv4(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(4);
  const parts = text.split('.');
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    // Current JDKs refuse leading zeros as ambiguous (octal or decimal).
    if (part.length > 3 || (part.length > 1 && part.startsWith('0'))) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    bytes[i] = octet;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (text.includes(':::')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): number[] | undefined => {
    if (part === '') return [];
    const groups: number[] = [];
    for (const group of part.split(':')) {
      if (group.length === 0 || group.length > 4) return undefined;
      groups.push(Number.parseInt(group, 16));
    }
    return groups;
  };
  const head = groupsOf(halves[0] as string);
  if (!head) return undefined;
  let groups = head;
  if (halves.length === 2) {
    const tail = groupsOf(halves[1] as string);
    if (!tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else if (head.length !== 8) {
    return undefined;
  }
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  // InetAddress hands back an IPv4-mapped address (::ffff:a.b.c.d) as the IPv4 address.
  if (bytes.subarray(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12);
  }
  return bytes;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    if (diff !== 0) return diff;
  }
  return 0;
}

// Ruler's range runs from the address as written (not masked) to the top of its block.
function parseCidr(text: string): { low: Uint8Array; high: Uint8Array } {
  const parts = text.split('/');
  // Java's String.split drops trailing empty strings.
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) fail("Malformed CIDR, one '/' required");
  const [address = '', maskText = ''] = parts;
  const maskBits = /^[+-]?\d+$/.test(maskText) ? Number(maskText) : Number.NaN;
  if (!Number.isSafeInteger(maskBits) || maskBits > 2 ** 31 - 1 || maskBits < -(2 ** 31)) {
    fail('Malformed CIDR, mask bits must be an integer');
  }
  if (maskBits < 0) fail('Malformed CIDR, mask bits must not be negative');
  const shapeOk = IPV4_SHAPE.test(address) || IPV6_SHAPE.test(address);
  const low = shapeOk ? ipBytes(address) : undefined;
  if (shapeOk && !low) fail(`Invalid IP address: ${address}`);
  if (!low) return fail(`Nonstandard IP address: ${address}`);
  if (low.length === 4 && maskBits > 31) fail('IPv4 mask bits must be < 32');
  if (low.length === 16 && maskBits > 127) fail('IPv6 mask bits must be < 128');
  const high = low.slice();
  let hostBits = low.length * 8 - maskBits;
  for (let i = high.length - 1; i >= 0 && hostBits > 0; i--, hostBits -= 8) {
    high[i] = (high[i] as number) | (hostBits >= 8 ? 0xff : (1 << hostBits) - 1);
  }
  return { low, high };
}
