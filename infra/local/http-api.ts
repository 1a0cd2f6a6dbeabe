import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
} from 'aws-lambda';
import { type FunctionName, functionSpecs, type HttpRoute } from '../functions';
import { routeThrottle, stageThrottle, type Throttle } from '../throttling';

/**
 * The HTTP API as API Gateway (HTTP API, payload 2.0) runs it: each request becomes the same event Lambda
 * receives, for the handler of the matching route.
 */

/** API Gateway's own payload limit; handlers apply their tighter ones. */
const API_GATEWAY_MAX_BYTES = 10 * 1024 * 1024;

interface Route {
  routeKey: string;
  method: string;
  pattern: RegExp;
  names: string[];
  target: FunctionName;
  throttle: Throttle;
  auth: HttpRoute['auth'];
}

const compile = (route: HttpRoute, target: FunctionName): Route => {
  const { method, path } = route;
  const names: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z0-9_]+)(\+)?\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1] as string);
      return param[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return {
    routeKey: `${method} ${path}`,
    method,
    pattern: new RegExp(`^${source}$`),
    names,
    target,
    throttle: routeThrottle(target, route) ?? stageThrottle,
    auth: route.auth,
  };
};

export const routes: Route[] = Object.entries(functionSpecs).flatMap(([name, spec]) =>
  ('http' in spec ? (spec.http as readonly HttpRoute[]) : []).map((r) => compile(r, name as FunctionName)),
);

/**
 * API Gateway's throttling as it works there: a token bucket per route, shared by all callers, holding
 * `burstLimit` tokens and refilled at `rateLimit` a second, on real time (the movable clock would refill it).
 */
export const routeThrottles = (elapsedMs: () => number = () => performance.now()) => {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (routeKey: string, throttle: Throttle) => {
    const now = elapsedMs();
    const bucket = buckets.get(routeKey) ?? { tokens: throttle.burstLimit, at: now };
    bucket.tokens = Math.min(
      throttle.burstLimit,
      bucket.tokens + ((now - bucket.at) / 1000) * throttle.rateLimit,
    );
    bucket.at = now;
    buckets.set(routeKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
};

export const matchRoute = (method: string, path: string) => {
  for (const route of routes) {
    if (route.method !== method) continue;
    const match = route.pattern.exec(path);
    if (match) {
      try {
        const params = Object.fromEntries(
          route.names.map((n, i) => [n, decodeURIComponent(match[i + 1] as string)]),
        );
        return { route, params };
      } catch {
        return 'malformed' as const;
      }
    }
  }
  return undefined;
};

/** What API Gateway passes as text; any other body (forms included) arrives base64-encoded. */
const TEXTUAL = /^(text\/|application\/([a-z.+-]*\+)?(json|xml|javascript)\b)/i;

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** API Gateway's request time format: `25/Nov/2026:21:40:03 +0000`. */
const requestTime = (d: Date) => {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
};

const toEvent = (
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  routeKey: string,
  params: Record<string, string>,
  now: Date,
): APIGatewayProxyEventV2 => {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (name === 'cookie') cookies.push(...String(value).split(/;\s*/));
    else headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const textual = TEXTUAL.test(headers['content-type'] ?? '');
  const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(params).length ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(body.length ? { body: textual ? body.toString('utf8') : body.toString('base64') } : {}),
    isBase64Encoded: body.length > 0 && !textual,
  };
};

/** The REQUEST authorizer event (payload 2.0) of a request, its identity source the Authorization header. */
const authorizerEvent = (
  event: APIGatewayProxyEventV2,
  authorization: string,
): APIGatewayRequestAuthorizerEventV2 => ({
  version: '2.0',
  type: 'REQUEST',
  routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${event.routeKey.replace(' ', '')}`,
  identitySource: [authorization],
  routeKey: event.routeKey,
  rawPath: event.rawPath,
  rawQueryString: event.rawQueryString,
  cookies: event.cookies ?? [],
  headers: event.headers,
  queryStringParameters: event.queryStringParameters,
  pathParameters: event.pathParameters,
  requestContext: event.requestContext,
});

/** Writes a handler's result the way API Gateway does, including its inference for bare values. */
const writeResult = (res: ServerResponse, result: unknown) => {
  // Without a statusCode, API Gateway answers 200 with the value as a JSON body (a string as it is).
  const structured =
    result && typeof result === 'object' && 'statusCode' in result
      ? (result as APIGatewayProxyStructuredResultV2)
      : {
          statusCode: 200,
          headers: { 'content-type': 'application/json' },
          body: typeof result === 'string' ? result : JSON.stringify(result ?? null),
        };
  const headers: Record<string, string | string[]> = { ...(structured.headers as Record<string, string>) };
  if (structured.cookies?.length) headers['set-cookie'] = structured.cookies;
  res.writeHead(structured.statusCode ?? 200, headers);
  res.end(
    structured.body
      ? Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8')
      : undefined,
  );
};

export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body, null, 2));
};

const readBody = (req: IncomingMessage, limit: number) =>
  new Promise<Buffer | undefined>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve(undefined);
        req.resume();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export type LocalRoutes = (
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
) => Promise<boolean>;

export const startHttpApi = async (options: {
  port: number;
  now: () => Date;
  invoke: (
    target: FunctionName,
    event: APIGatewayProxyEventV2 | APIGatewayRequestAuthorizerEventV2,
  ) => Promise<unknown>;
  /** Routes of the local runtime itself (`/_local/*`, `/health`); answers false when not theirs. */
  localRoutes: LocalRoutes;
}): Promise<{ url: string; server: Server; stop(): Promise<void> }> => {
  const admit = routeThrottles();
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const body = await readBody(req, API_GATEWAY_MAX_BYTES);
      if (body === undefined) return sendJson(res, 413, { message: 'Request Entity Too Large' });
      if (await options.localRoutes(req, res, url, body)) return;
      const matched = matchRoute(req.method ?? 'GET', url.pathname);
      if (!matched) return sendJson(res, 404, { message: 'Not Found' });
      if (matched === 'malformed') return sendJson(res, 400, { message: 'Bad Request' });
      if (!admit(matched.route.routeKey, matched.route.throttle)) {
        return sendJson(res, 429, { message: 'Too Many Requests' });
      }
      const event = toEvent(req, url, body, matched.route.routeKey, matched.params, options.now());
      if (matched.route.auth === 'org-key') {
        // As API Gateway does: no identity source, no authorizer call, a bare 401; no caching here.
        const { authorization } = event.headers;
        if (!authorization) return sendJson(res, 401, { message: 'Unauthorized' });
        const verdict = (await options.invoke(
          'org-key-authorizer',
          authorizerEvent(event, authorization),
        )) as {
          isAuthorized: boolean;
          context?: Record<string, unknown>;
        };
        if (!verdict.isAuthorized) return sendJson(res, 403, { message: 'Forbidden' });
        (event.requestContext as { authorizer?: unknown }).authorizer = { lambda: verdict.context ?? {} };
      }
      writeResult(res, await options.invoke(matched.route.target, event));
    } catch (error) {
      // What API Gateway answers when the function itself fails.
      console.error('handler failed:', error instanceof Error ? error.message : error);
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      else res.end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
