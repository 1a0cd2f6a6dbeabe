import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { htmlPage } from './http/html';
import { fieldErrors, Problem, problems } from './http/problem';

/** One logger per function. Log ids and outcomes only: never bodies, emails, names or free text. */
export const logger = new Logger({ serviceName: 'kindred' });

export const MAX_BODY_BYTES = 16 * 1024;

export interface HttpRequest<B, Q, P> {
  body: B;
  query: Q;
  path: P;
  headers: Record<string, string | undefined>;
  /** The time API Gateway received the request: the one clock every use case of this request sees. */
  now: Date;
  event: APIGatewayProxyEventV2;
}

export interface HttpResponse {
  status: number;
  body?: unknown;
  /** Sent as text/html when set, instead of the JSON body. */
  html?: string;
  headers?: Record<string, string>;
}

interface HttpOptions<B extends z.ZodType, Q extends z.ZodType, P extends z.ZodType> {
  body?: B;
  query?: Q;
  path?: P;
  maxBodyBytes?: number;
  /** Also accept an HTML form's `application/x-www-form-urlencoded` body (fields become strings). */
  form?: true;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

const wantsHtml = (accept: string | undefined) => {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.search(/application\/(problem\+)?json/);
  return html !== -1 && (json === -1 || html < json);
};

const render = (response: HttpResponse): APIGatewayProxyStructuredResultV2 => {
  if (response.html !== undefined) {
    return {
      statusCode: response.status,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        ...response.headers,
      },
      body: response.html,
    };
  }
  return {
    statusCode: response.status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...response.headers },
    body: response.body === undefined ? '' : JSON.stringify(response.body),
  };
};

export const renderProblem = (problem: Problem, accept?: string): APIGatewayProxyStructuredResultV2 => {
  const headers = { 'cache-control': 'no-store', ...problem.headers };
  if (wantsHtml(accept)) {
    const lines = [problem.detail ?? '', ...(problem.errors ?? []).map((e) => e.detail)].filter(Boolean);
    return {
      statusCode: problem.status,
      headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
      body: htmlPage(problem.title, lines),
    };
  }
  return {
    statusCode: problem.status,
    headers: { ...headers, 'content-type': 'application/problem+json' },
    body: JSON.stringify(problem.toJSON()),
  };
};

const rawBody = (event: APIGatewayProxyEventV2): Buffer | undefined =>
  event.body === undefined || event.body === null
    ? undefined
    : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');

const FORM = /^application\/x-www-form-urlencoded\b/i;

const parseBody = (event: APIGatewayProxyEventV2, maxBytes: number, form: boolean): unknown => {
  const bytes = rawBody(event);
  if (bytes === undefined || bytes.length === 0) throw problems.malformedJson('The body is empty');
  if (bytes.length > maxBytes) throw problems.tooLarge(maxBytes, bytes.length);
  const contentType = event.headers['content-type'];
  if (form && contentType && FORM.test(contentType)) {
    return Object.fromEntries(new URLSearchParams(bytes.toString('utf8')));
  }
  if (!contentType || !/^application\/([a-z.+-]+\+)?json\b/i.test(contentType)) {
    throw problems.unsupportedMediaType(contentType?.split(';')[0]);
  }
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw problems.malformedJson((error as Error).message);
  }
};

const isContention = (error: unknown) => {
  const { name, CancellationReasons } = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  return (
    name === 'ThrottlingException' ||
    name === 'ProvisionedThroughputExceededException' ||
    name === 'RequestLimitExceeded' ||
    (name === 'TransactionCanceledException' &&
      (CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict'))
  );
};

/** Maps what a handler throws to a problem response: 4xx for the caller's mistakes, 500 for ours. */
const problemResponses = (): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> => ({
  onError: async (request) => {
    const { error } = request;
    const accept = request.event.headers?.accept;
    if (error instanceof Problem) {
      logger.info('request refused', { status: error.status, problem: error.slug });
      request.response = renderProblem(error, accept);
      return;
    }
    if (isContention(error)) {
      // Passing contention (say, the same address submitted twice at once): the caller should just retry.
      logger.warn('request contended', { error: (error as Error).name });
      request.response = renderProblem(
        new Problem(503, 'busy', 'Busy, please retry', 'Please try again in a moment.', undefined, {
          'retry-after': '1',
        }),
        accept,
      );
      return;
    }
    logger.error('request failed', error as Error);
    request.response = renderProblem(
      new Problem(500, 'internal', 'Something went wrong on our side', 'Please try again in a moment.'),
      accept,
    );
  },
});

/**
 * Builds an API Gateway v2 handler: validates path, query and body with zod (every bad field named),
 * enforces the body limit, and renders problems. The use case only ever sees valid input.
 */
export const httpHandler = <
  B extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodUndefined,
>(
  options: HttpOptions<B, Q, P>,
  handle: (request: HttpRequest<Parsed<B>, Parsed<Q>, Parsed<P>>) => Promise<HttpResponse>,
) =>
  middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpHeaderNormalizer())
    .use(problemResponses())
    .handler(async (event) => {
      const parse = <S extends z.ZodType>(
        schema: S | undefined,
        value: unknown,
        fail: typeof problems.invalidBody,
      ) => {
        if (!schema) return undefined;
        const result = schema.safeParse(value);
        if (!result.success) throw fail(fieldErrors(result.error));
        return result.data;
      };
      const path = parse(options.path, event.pathParameters ?? {}, problems.invalidPath);
      const query = parse(options.query, event.queryStringParameters ?? {}, problems.invalidQuery);
      const body = options.body
        ? parse(
            options.body,
            parseBody(event, options.maxBodyBytes ?? MAX_BODY_BYTES, options.form === true),
            problems.invalidBody,
          )
        : undefined;
      const response = await handle({
        body: body as Parsed<B>,
        query: query as Parsed<Q>,
        path: path as Parsed<P>,
        headers: event.headers,
        now: new Date(event.requestContext.timeEpoch),
        event,
      });
      return render(response);
    });
