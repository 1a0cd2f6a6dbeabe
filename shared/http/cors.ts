import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { allowsOrigin } from '../domain/organisation';
import type { OrganisationStore } from '../domain/ports';
import { Id } from '../events/catalogue';
import { logger, renderProblem } from '../middleware';
import { Problem, problems } from './problem';

/**
 * Per-organisation CORS for the routes the embedded form calls (`/v1/orgs/{orgId}/…`). API Gateway's CORS
 * configuration is one list for the whole API, so each organisation's own origins are checked here, in the
 * function, for preflights (OPTIONS routes) and real requests alike.
 *
 * - No `Origin` header: not a browser on another site (curl, a server); CORS does not apply.
 * - The organisation's allowed origins, or the platform's own (the iframe variant's page): allowed, echoed
 *   back in `Access-Control-Allow-Origin`.
 * - Any other origin (including `null`): a 403 problem before the handler runs, so nothing is stored or sent.
 */

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface OrgCorsOptions {
  organisations: OrganisationStore;
  /** The platform's own public URL; its origin serves the iframe variant of the form. */
  platformUrl: string;
  /** The methods of the route besides OPTIONS, e.g. `['POST']`. */
  methods: readonly string[];
}

/** Preflight answers are cached by browsers this long (Chromium caps it at 2 h). */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

export const originRefused = (origin: string) =>
  new Problem(
    403,
    'origin-not-allowed',
    'This website may not use this organisation\u2019s form',
    `Pages on ${origin} are not among the organisation\u2019s allowed origins.`,
    [{ pointer: '/headers/origin', detail: 'not an allowed origin of this organisation' }],
  );

const header = (event: APIGatewayProxyEventV2, name: string) => {
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
};

const withVary = (headers: APIGatewayProxyStructuredResultV2['headers'], value: string) => {
  const existing = headers?.vary;
  return existing ? `${existing}, ${value}` : value;
};

/** Wraps an HTTP handler of an organisation route with the organisation's CORS policy. */
export const withOrgCors = (options: OrgCorsOptions, handler: Handler): Handler => {
  const platformOrigin = new URL(options.platformUrl).origin;
  const allowMethods = [...options.methods, 'OPTIONS'].join(', ');
  return async (event, context) => {
    const preflight = event.requestContext.http.method === 'OPTIONS';
    const origin = header(event, 'origin');
    const accept = header(event, 'accept');
    try {
      if (origin === undefined) {
        if (!preflight) return await handler(event, context);
        throw new Problem(
          400,
          'not-a-preflight',
          'Not a CORS preflight request',
          'An Origin header is required.',
        );
      }
      const orgId = Id.safeParse(event.pathParameters?.orgId);
      // A malformed id is the handler's to refuse (its path validation names it); it stores nothing.
      if (!orgId.success && !preflight) return await handler(event, context);
      const org = orgId.success ? await options.organisations.get(orgId.data) : undefined;
      if (!org) throw problems.notFound('Organisation', '/orgId');
      if (origin !== platformOrigin && !allowsOrigin(org, origin)) {
        logger.info('origin refused', { orgId: org.orgId, origin });
        throw originRefused(origin);
      }
      const cors = { 'access-control-allow-origin': origin };
      if (preflight) {
        return {
          statusCode: 204,
          headers: {
            ...cors,
            'access-control-allow-methods': allowMethods,
            'access-control-allow-headers': 'content-type',
            'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
            vary: 'Origin',
          },
        };
      }
      const response = await handler(event, context);
      return {
        ...response,
        headers: {
          ...response.headers,
          ...cors,
          // The form tells a person how long to wait after a 429: a page may only read headers exposed to it.
          'access-control-expose-headers': 'retry-after',
          vary: withVary(response.headers, 'Origin'),
        },
      };
    } catch (error) {
      if (error instanceof Problem) return { ...renderProblem(error, accept) };
      logger.error('cors check failed', error as Error);
      return renderProblem(
        new Problem(500, 'internal', 'Something went wrong on our side', 'Please try again in a moment.'),
        accept,
      );
    }
  };
};
