import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { renderProblem } from '../middleware';
import { Problem, problems } from './problem';

/** What the org-key authorizer passes to the function: empty ids when the key was missing or bad. */
export interface OrgKeyContext {
  orgId: string;
  keyId: string;
}

export const bearerToken = (header: string | undefined) => /^Bearer +(\S+)\s*$/i.exec(header ?? '')?.[1];

export const unauthenticated = () =>
  new Problem(
    401,
    'unauthenticated',
    'A valid API key is required',
    'Send Authorization: Bearer <your organisation\u2019s API key>; this one is missing, unknown or revoked.',
    undefined,
    { 'www-authenticate': 'Bearer realm="kindred"' },
  );

const authorizerContext = (event: APIGatewayProxyEventV2) =>
  (event.requestContext as { authorizer?: { lambda?: Partial<OrgKeyContext> } }).authorizer?.lambda;

/**
 * The organisation the request's API key belongs to, which must be the one in the path. Another organisation's
 * path is answered exactly as an unknown organisation: a key never learns what else exists.
 */
export const requireOrgKey = (event: APIGatewayProxyEventV2, pathOrgId: string) => {
  const context = authorizerContext(event);
  if (!context?.orgId) throw unauthenticated();
  if (context.orgId !== pathOrgId) throw problems.notFound('Organisation', '/orgId');
  return { orgId: context.orgId, keyId: context.keyId ?? '' };
};

type Route = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

/**
 * An org-key route: without a valid key nothing about the path is answered, not even whether it is well formed
 * (a 401 problem); with one, the route still checks the path's organisation with `requireOrgKey`.
 */
export const orgKeyRoute =
  (route: Route): Route =>
  async (event, context) => {
    if (!authorizerContext(event)?.orgId) return renderProblem(unauthenticated(), event.headers?.accept);
    return route(event, context);
  };
