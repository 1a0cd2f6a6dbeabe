import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { openApiDocument, referencePage } from '../../shared/http/openapi';

/** Built once per container: the document only changes with a deployment. */
const document = openApiDocument();
const page = referencePage(document);
const body = JSON.stringify(document);

/** The OpenAPI document and its reference page; public and read-only. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
  event.routeKey === 'GET /v1/docs'
    ? {
        statusCode: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'public, max-age=300' },
        body: page,
      }
    : {
        statusCode: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
        body,
      };
