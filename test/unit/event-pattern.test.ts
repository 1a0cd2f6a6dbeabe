import { describe, expect, it } from 'vitest';
import {
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from '../../infra/local/event-pattern';

import {
  patternCases as cases,
  ec2Event,
  ec2Termination,
  invalidPatterns as invalid,
} from '../fixtures/event-patterns';

describe('matchesEventPattern', () => {
  it.each(cases)('%s', (_name, pattern, event, expected) => {
    // Prepare
    const compiled = parseEventPattern(pattern);
    const asText = JSON.stringify(pattern);

    // Act
    const results = [compiled.matches(event), matchesEventPattern(asText, event)];

    // Assess
    expect(results).toEqual([expected, expected]);
  });

  it('keeps the last of duplicate keys, as the guide says', () => {
    // Prepare: only a JSON string can carry a duplicate key.
    const pattern =
      '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}';

    // Act
    const results = ['eu-west', 'us-east'].map((location) =>
      matchesEventPattern(pattern, { detail: { location } }),
    );

    // Assess
    expect(results).toEqual([true, false]);
  });

  it('parses an event given as a JSON string', () => {
    // Prepare
    const event = JSON.stringify(ec2Event);

    // Act
    const result = matchesEventPattern(ec2Termination, event);

    // Assess
    expect(result).toBe(true);
  });

  it.each([
    ['invalid JSON text', '{"source": '],
    ['a JSON array', '[{"source": "aws.ec2"}]'],
    ['null', null],
    ['a number', 42],
    ['an array', [ec2Event]],
  ])('never matches an event that is %s', (_name, event) => {
    // Prepare
    const pattern = parseEventPattern({ source: [{ exists: false }] });

    // Act
    const result = pattern.matches(event);

    // Assess
    expect(result).toBe(false);
  });

  it('reads an event object the way JSON.stringify would', () => {
    // Prepare: undefined fields vanish and Dates become strings, as on the wire.
    const event = { when: new Date('2024-05-01T10:00:00Z'), gone: undefined, items: [undefined] };
    const pattern = { when: [{ prefix: '2024-05-01T' }], gone: [{ exists: false }], items: [null] };

    // Act
    const result = matchesEventPattern(pattern, event);

    // Assess
    expect(result).toBe(true);
  });

  it('throws InvalidEventPatternError for an invalid pattern', () => {
    // Prepare
    const pattern = { source: 'aws.ec2' };

    // Act
    const act = () => matchesEventPattern(pattern, ec2Event);

    // Assess
    expect(act).toThrow(InvalidEventPatternError);
  });
});

describe('parseEventPattern', () => {
  it('returns a compiled pattern unchanged', () => {
    // Prepare
    const compiled = parseEventPattern(ec2Termination);

    // Act
    const again = parseEventPattern(compiled);

    // Assess
    expect(again).toBe(compiled);
  });

  it('keeps the pattern as the JSON the service would receive', () => {
    // Prepare
    const pattern = { source: ['aws.ec2'], detail: { state: ['terminated'], skipped: undefined } };

    // Act
    const compiled = parseEventPattern(pattern);

    // Assess
    expect(JSON.parse(JSON.stringify(compiled))).toEqual({
      source: ['aws.ec2'],
      detail: { state: ['terminated'] },
    });
  });

  it.each([
    ['a wildcard that is empty', { s: [{ wildcard: '' }] }],
    ['an empty prefix', { s: [{ prefix: '' }] }],
    ['an empty suffix', { s: [{ suffix: '' }] }],
    ['escaped wildcard characters', { s: [{ wildcard: 'a\\**\\\\' }] }],
    ['numeric = 5e9', { n: [{ numeric: ['=', 5e9] }] }],
    ['numeric with six decimals', { n: [{ numeric: ['>', 0.123456] }] }],
    ['a number beyond the numeric range as an exact value', { n: [123456789012] }],
    ['cidr /0', { ip: [{ cidr: '0.0.0.0/0' }] }],
    ['cidr /127 for IPv6', { ip: [{ cidr: '2001:db8::/127' }] }],
    ['$or with exactly two branches', { $or: [{ a: ['1'] }, { b: ['2'] }] }],
    ['$or as an ordinary key next to fields', { a: ['1'], $or: [{ b: ['2'] }, { c: ['3'] }] }],
    ['anything-but with an empty wildcard', { s: [{ 'anything-but': { wildcard: '' } }] }],
    [
      'anything-but equals-ignore-case list',
      { s: [{ 'anything-but': { 'equals-ignore-case': ['a', 'b'] } }] },
    ],
  ])('accepts %s', (_name, pattern) => {
    // Act
    const compiled = parseEventPattern(pattern);

    // Assess
    expect(compiled.pattern).toEqual(pattern);
  });

  it.each(invalid)('rejects %s', (_name, pattern, reason) => {
    // Act
    let error: unknown;
    try {
      parseEventPattern(pattern);
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(InvalidEventPatternError);
    expect((error as Error).message).toBe(`Event pattern is not valid. Reason: ${reason}`);
  });

  it.each([
    ['text that is not JSON', "{'bad': 'quotation'}"],
    ['unterminated JSON', '{"a": ['],
    ['a value JSON cannot carry', { big: 1n }],
  ])('rejects %s with the parser reason', (_name, pattern) => {
    // Act
    const act = () => parseEventPattern(pattern);

    // Assess
    expect(act).toThrow(/^Event pattern is not valid\. Reason: \S/);
  });
});
