import type { z } from 'zod';

/** One bad field of a request, as an RFC 6901 JSON pointer into the part it came from. */
export interface FieldError {
  pointer: string;
  detail: string;
}

/** An RFC 9457 problem. Thrown by use cases and middleware, rendered by the problem error handler. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: readonly FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'Problem';
  }

  get type(): string {
    return `urn:kindred:problem:${slug(this.slug)}`;
  }

  toJSON() {
    return {
      type: this.type,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(this.errors?.length ? { errors: this.errors } : {}),
    };
  }
}

const slug = (value: string) => value.replace(/[^a-z0-9-]/g, '-');

const escapePointer = (segment: PropertyKey) => String(segment).replace(/~/g, '~0').replace(/\//g, '~1');

/** The empty path points at the whole document (RFC 6901), not at a key named "". */
export const pointerOf = (path: readonly PropertyKey[], prefix = '') =>
  path.length === 0 ? prefix : `${prefix}/${path.map(escapePointer).join('/')}`;

/** Turns zod issues into field errors; an unknown key is named by its own pointer, not its parent's. */
export const fieldErrors = (error: z.ZodError, prefix = ''): FieldError[] =>
  error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          pointer: pointerOf([...issue.path, key], prefix),
          detail: 'Unknown field',
        }))
      : [{ pointer: pointerOf(issue.path, prefix), detail: issue.message }],
  );

export const problems = {
  invalidBody: (errors: FieldError[]) =>
    new Problem(422, 'invalid-body', 'The request body has invalid fields', undefined, errors),
  invalidQuery: (errors: FieldError[]) =>
    new Problem(400, 'invalid-query', 'The query string has invalid parameters', undefined, errors),
  invalidPath: (errors: FieldError[]) => new Problem(404, 'not-found', 'No such resource', undefined, errors),
  malformedJson: (detail: string) =>
    new Problem(400, 'malformed-json', 'The request body is not valid JSON', detail, [
      { pointer: '', detail },
    ]),
  unsupportedMediaType: (got: string | undefined) =>
    new Problem(
      415,
      'unsupported-media-type',
      'The request body must be JSON',
      `Send Content-Type: application/json${got ? `, not ${got}` : ''}`,
    ),
  tooLarge: (limit: number, size: number) =>
    new Problem(
      413,
      'body-too-large',
      'The request body is too large',
      `${size} bytes; the limit is ${limit}`,
    ),
  notFound: (what: string, pointer?: string) =>
    new Problem(
      404,
      'not-found',
      `${what} not found`,
      undefined,
      pointer ? [{ pointer, detail: `Unknown ${what.toLowerCase()}` }] : undefined,
    ),
};
