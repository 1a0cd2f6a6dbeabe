import type {
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';
import { documents } from '../../shared/adapters/aws';
import { readEnv } from '../../shared/config';
import { dynamoApiKeys } from '../../shared/data/api-keys';
import { bearerToken, type OrgKeyContext } from '../../shared/http/org-key';
import { logger } from '../../shared/middleware';

const { TABLE_NAME } = readEnv(['TABLE_NAME']);
const apiKeys = dynamoApiKeys(documents, TABLE_NAME);

/**
 * The organisation admin API's authorizer: which organisation a bearer API key belongs to. A bad key is still
 * let through, without an organisation, so the function answers a 401 problem with `WWW-Authenticate` (an HTTP
 * API authorizer that refuses can only answer a bare 403).
 */
export const handler = async (
  event: APIGatewayRequestAuthorizerEventV2,
): Promise<APIGatewaySimpleAuthorizerWithContextResult<OrgKeyContext>> => {
  const token = bearerToken(event.headers?.authorization);
  const identity = token ? await apiKeys.verify(token, new Date(event.requestContext.timeEpoch)) : undefined;
  logger.info('api key checked', { keyId: identity?.keyId, valid: identity !== undefined });
  return {
    isAuthorized: true,
    context: identity ? { orgId: identity.orgId, keyId: identity.keyId } : { orgId: '', keyId: '' },
  };
};
