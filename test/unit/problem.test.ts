import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrors, Problem, pointerOf, problems } from '../../shared/http/problem';

const errorsOf = (schema: z.ZodType, value: unknown, prefix?: string) => {
  const result = schema.safeParse(value);
  if (result.success) throw new Error('expected the value to be refused');
  return fieldErrors(result.error, prefix);
};

describe('pointerOf', () => {
  it('points at the whole document for the empty path', () => {
    expect(pointerOf([])).toBe('');
  });

  it('keeps the prefix for the empty path', () => {
    expect(pointerOf([], '/body')).toBe('/body');
  });

  it('joins segments, numbers included', () => {
    expect(pointerOf(['availability', 0, 'from'])).toBe('/availability/0/from');
  });

  it('escapes ~ as ~0 and / as ~1 (RFC 6901), in that order', () => {
    expect(pointerOf(['a/b', 'm~n', '~1'])).toBe('/a~1b/m~0n/~01');
  });

  it('points at a key named "" distinctly from the whole document', () => {
    expect(pointerOf([''])).toBe('/');
  });
});

describe('fieldErrors', () => {
  const schema = z.strictObject({
    name: z.string().min(1, 'your name'),
    address: z.strictObject({ city: z.string(), 'post/code': z.string().length(5, 'five digits') }),
    tags: z.array(z.string().max(3, 'three letters at most')),
  });
  const valid = { name: 'Ada', address: { city: 'Bristol', 'post/code': '12345' }, tags: ['a'] };

  it('names a nested field with its message', () => {
    expect(errorsOf(schema, { ...valid, address: { ...valid.address, 'post/code': '1' } })).toEqual([
      { pointer: '/address/post~1code', detail: 'five digits' },
    ]);
  });

  it('names an array element by index', () => {
    expect(errorsOf(schema, { ...valid, tags: ['ok', 'toolong'] })).toEqual([
      { pointer: '/tags/1', detail: 'three letters at most' },
    ]);
  });

  it('names each unknown key by its own pointer, nested ones included', () => {
    const errors = errorsOf(schema, {
      ...valid,
      admin: true,
      'x~y': 1,
      address: { ...valid.address, floor: 3 },
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { pointer: '/admin', detail: 'Unknown field' },
        { pointer: '/x~0y', detail: 'Unknown field' },
        { pointer: '/address/floor', detail: 'Unknown field' },
      ]),
    );
    expect(errors).toHaveLength(3);
  });

  it('points at the root with the empty pointer when the whole value is wrong', () => {
    expect(errorsOf(schema, 'text').map((e) => e.pointer)).toEqual(['']);
  });

  it('puts the prefix in front of every pointer', () => {
    expect(errorsOf(schema, { ...valid, name: '' }, '/body').map((e) => e.pointer)).toEqual(['/body/name']);
    expect(errorsOf(schema, null, '/body').map((e) => e.pointer)).toEqual(['/body']);
  });
});

describe('Problem', () => {
  it('renders RFC 9457 JSON with a urn type, leaving out empty detail and errors', () => {
    expect(new Problem(404, 'not-found', 'Organisation not found').toJSON()).toEqual({
      type: 'urn:kindred:problem:not-found',
      title: 'Organisation not found',
      status: 404,
    });
  });

  it('keeps the slug safe inside the type', () => {
    expect(new Problem(400, 'Bad Thing/1', 'x').type).toBe('urn:kindred:problem:-ad--hing-1');
  });

  it('builds the usual problems with their statuses', () => {
    expect(problems.invalidBody([{ pointer: '/a', detail: 'x' }]).toJSON()).toEqual({
      type: 'urn:kindred:problem:invalid-body',
      title: 'The request body has invalid fields',
      status: 422,
      errors: [{ pointer: '/a', detail: 'x' }],
    });
    expect(problems.malformedJson('Unexpected end').errors).toEqual([
      { pointer: '', detail: 'Unexpected end' },
    ]);
    expect(problems.tooLarge(16384, 20000).toJSON()).toMatchObject({
      status: 413,
      detail: '20000 bytes; the limit is 16384',
    });
    expect(problems.unsupportedMediaType('text/plain').detail).toBe(
      'Send Content-Type: application/json, not text/plain',
    );
    expect(problems.unsupportedMediaType(undefined).detail).toBe('Send Content-Type: application/json');
    expect(problems.notFound('Organisation', '/orgId').toJSON()).toMatchObject({
      status: 404,
      errors: [{ pointer: '/orgId', detail: 'Unknown organisation' }],
    });
  });
});
