/**
 * Function configuration for tests that import handlers in-process (handlers validate it at import).
 * The local runtime, started by integration tests, replaces these with its own endpoints.
 */
Object.assign(process.env, {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  TABLE_NAME: 'kindred-test',
  EVENT_BUS_NAME: 'kindred-test',
  TOKEN_SECRET_ID: 'kindred-test/token-signing',
  EMAIL_FROM: 'kindred <no-reply@kindred.test>',
  PUBLIC_API_URL: 'https://api.kindred.test',
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  // Node 20 is this project's runtime: the SDK's note about 2027 releases is noise in every test's output.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});
