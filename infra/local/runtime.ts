import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse } from 'aws-lambda';
import { dynamoOrganisations } from '../../shared/data/organisations';
import { tableDefinition } from '../../shared/data/table';
import { SES_FEEDBACK_RULE, SimulatedFeedback, sesFeedbackEvent } from '../../shared/domain/suppression';
import { eventRules, scheduleRules } from '../../shared/events/rules';
import { SIGNUP_LIMITS_VARIABLE, type SignupLimits } from '../../shared/http/rate-limit';
import { buildEmbed } from '../../web/build';
import { startAwsEndpoint } from './aws-endpoint';
import { createLocalClock, parseAdvance } from './clock';
import { seedDemoHistory, withDemoHistoryProgram } from './demo-history';
import { startDemoSite } from './demo-site';
import { ensureTable, startDynamoLocal } from './dynamodb-local';
import { emailPreviewRoute } from './email-previews';
import { matchesEventPattern } from './event-pattern';
import { createLocalBus } from './eventbridge';
import { sendJson, startHttpApi } from './http-api';
import { jsonStore } from './json-store';
import { invoke, isFunctionName } from './lambda';
import { demoOrganisations } from './seed';
import { startSesLocal } from './ses-local';
import { startStreamRelay } from './stream-relay';
import { createTtlReaper } from './ttl-reaper';

/**
 * The whole platform on one machine: DynamoDB Local, a local SES, the local EventBridge (and Secrets
 * Manager), the HTTP API, the outbox relay on the table's stream and the scheduled rules, all on loopback.
 * The handlers are the ones Lambda runs; they find these services through AWS_ENDPOINT_URL_* only.
 */

export interface LocalRuntimeOptions {
  /** Where state is kept between runs; in memory when absent. */
  dataDir?: string;
  /** Start empty. */
  fresh?: boolean;
  /** HTTP API port (0 picks a free one). Other services take their given port when free, else a free one. */
  port?: number;
  /** `demo`: the demo organisations' website, a different origin from the API that embeds their forms. */
  ports?: { dynamodb?: number; ses?: number; aws?: number; demo?: number };
  /** Local EventBridge retry policy; tests shorten it. */
  retry?: { attempts: number; baseDelayMs: number };
  /**
   * Keep the table in DynamoDB Local's memory even with a `dataDir` (the rest of the state stays on disk):
   * about a sixth faster, for tests that never start twice on the same state.
   */
  tableInMemory?: boolean;
  /**
   * create-signup's per-address and per-organisation limits in place of the platform's defaults (which
   * `npm start` keeps); test suites that sign many people up from this one address raise them.
   */
  signupLimits?: Partial<SignupLimits>;
  /**
   * A demo mentoring program with seven months of history (infra/local/demo-history.ts), written once per
   * state; `npm start` has it, tests that count the demo organisations' programs and people do not.
   */
  demoHistory?: boolean;
}

const REGION = 'eu-west-1';
const ACCOUNT = '000000000000';
const TABLE_NAME = 'kindred-local';
const BUS_NAME = 'kindred-local';
const TOKEN_SECRET_ID = 'kindred-local/token-signing';

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

/** The preferred port when it is free (stable addresses for a person), else any free one. */
const portOr = async (preferred: number | undefined) =>
  preferred !== undefined && (await isFree(preferred)) ? preferred : freePort();

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const readJson = (body: Buffer): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(body.toString('utf8') || '{}');
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
};

export const startLocalRuntime = async (options: LocalRuntimeOptions = {}) => {
  const dataDir = options.dataDir;
  // Checked before anything starts: a second runtime must not open the first one's database.
  if (options.port && !(await isFree(options.port))) {
    throw Object.assign(new Error(`port ${options.port} is in use`), { code: 'EADDRINUSE' });
  }
  if (dataDir) {
    if (options.fresh) rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(join(dataDir, 'dynamodb'), { recursive: true });
  }
  const file = (name: string) => (dataDir ? join(dataDir, name) : undefined);
  const secret = jsonStore(file('secrets.json'), () => ({
    tokenSigning: randomBytes(32).toString('base64url'),
  }));
  secret.save();

  const stoppers: (() => Promise<void> | void)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s();
  };

  let clockNow = () => new Date();
  try {
    const dynamo = await startDynamoLocal({
      port: await portOr(options.ports?.dynamodb),
      dbPath: dataDir && !options.tableInMemory ? join(dataDir, 'dynamodb') : undefined,
    });
    stoppers.push(() => dynamo.stop());
    const ses = await startSesLocal({
      port: await portOr(options.ports?.ses),
      storePath: file('ses-outbox.json'),
      // The movable clock, once it exists: emails are stamped with the time the platform believes it is.
      now: () => clockNow(),
    });
    stoppers.push(() => ses.stop());

    const apiPort = options.port === 0 ? await freePort() : (options.port ?? 3000);
    const awsPort = await portOr(options.ports?.aws);
    const awsUrl = `http://127.0.0.1:${awsPort}`;
    // The handlers' whole view of "local": the SDK's own endpoint variables and the function config.
    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: awsUrl,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: awsUrl,
      AWS_ENDPOINT_URL_SESV2: ses.url,
      PUBLIC_API_URL: `http://127.0.0.1:${apiPort}`,
      TABLE_NAME,
      EVENT_BUS_NAME: BUS_NAME,
      TOKEN_SECRET_ID,
      EMAIL_FROM: 'kindred (local) <no-reply@kindred.local>',
      POWERTOOLS_SERVICE_NAME: 'kindred',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
      [SIGNUP_LIMITS_VARIABLE]: options.signupLimits ? JSON.stringify(options.signupLimits) : '',
    });

    const sdk = {
      endpoint: dynamo.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    };
    const dynamodb = new DynamoDBClient(sdk);
    await ensureTable(dynamodb, TABLE_NAME);
    // The stores' own marshalling (shared/adapters/aws.ts): absent optional fields are left out.
    const documents = DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const organisations = dynamoOrganisations(documents, TABLE_NAME);
    // The demo site's origin (its port may differ run to run) is one the demo organisations allow.
    const demoPort = await portOr(options.ports?.demo);
    const demoOrigin = `http://127.0.0.1:${demoPort}`;
    for (const org of options.demoHistory ? withDemoHistoryProgram(demoOrganisations) : demoOrganisations) {
      const allowedOrigins = [...new Set([...(org.allowedOrigins ?? []), demoOrigin])];
      await organisations.put({ ...org, allowedOrigins });
    }
    // The form's script, served by serve-signup-form from web/dist/ as Lambda serves it from its bundle.
    await buildEmbed();

    const deliver = async (target: string, event: unknown) => {
      if (!isFunctionName(target)) throw new Error(`no function ${target}`);
      return invoke(target, event);
    };
    let settle = async () => {};
    /** The earliest time anything on the due index falls due (the index is sparse: only due items). */
    const nextDueAt = async () => {
      let earliest: number | undefined;
      let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
      do {
        const page = await dynamodb.send(
          new ScanCommand({
            TableName: TABLE_NAME,
            IndexName: tableDefinition.dueIndex.name,
            ProjectionExpression: '#sk',
            ExpressionAttributeNames: { '#sk': tableDefinition.dueIndex.sortKey },
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const at = Date.parse(item[tableDefinition.dueIndex.sortKey]?.S?.split('#')[0] ?? '');
          if (!Number.isNaN(at) && (earliest === undefined || at < earliest)) earliest = at;
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return earliest;
    };
    const bus = createLocalBus({
      busName: BUS_NAME,
      region: REGION,
      account: ACCOUNT,
      rules: eventRules,
      deliver,
      now: () => clockNow(),
      storePath: file('eventbridge.json'),
      retry: options.retry,
    });
    const clock = createLocalClock({
      rules: scheduleRules,
      fire: (rule, at) => bus.fireSchedule(rule, at),
      settle: () => settle(),
      storePath: file('clock.json'),
      idle: { rule: 'sweep-due-work', maxGapMs: 24 * 3_600_000, nextDueAt: () => nextDueAt() },
    });
    clockNow = clock.now;
    if (options.demoHistory) {
      await seedDemoHistory(documents, TABLE_NAME, {
        now: clock.now(),
        secret: secret.get().tokenSigning,
      });
    }

    const aws = await startAwsEndpoint({
      port: awsPort,
      bus,
      secrets: [{ name: TOKEN_SECRET_ID, value: secret.get().tokenSigning }],
      region: REGION,
      account: ACCOUNT,
    });
    stoppers.push(() => aws.stop());
    // Stopped before the services it calls, so deliveries under way finish rather than fail.
    stoppers.push(() => bus.stop());

    const relay = startStreamRelay({
      dynamodb,
      streams: new DynamoDBStreamsClient(sdk),
      tableName: TABLE_NAME,
      region: REGION,
      relay: (event) => invoke('relay-outbox', event) as Promise<DynamoDBBatchResponse>,
      checkpointPath: file('stream-checkpoints.json'),
    });
    stoppers.push(() => relay.stop());
    stoppers.push(() => clock.stop());

    const reaper = createTtlReaper({ dynamodb, tableName: TABLE_NAME, now: () => clockNow() });
    const reaping = setInterval(() => void reaper.reap().catch(() => {}), 5000);
    stoppers.push(() => clearInterval(reaping));

    /** Waits until everything stored has been relayed and every delivery has run (a delivery may store more). */
    settle = async () => {
      // DynamoDB deletes expired items within days, not at once: a pass per local day is as faithful.
      await reaper.reapEvery(24 * 3_600_000);
      for (let round = 0; round < 10; round++) {
        await relay.drained();
        await bus.idle();
        await relay.drained();
        const pending = bus.events().some((e) => e.deliveries.some((d) => d.status === 'pending'));
        if (!pending) return;
      }
    };

    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const endpoints = () => ({
      api: apiUrl,
      dynamodb: dynamo.endpoint,
      ses: ses.url,
      sesViewer: `${ses.url}/`,
      eventbridge: awsUrl,
      secretsmanager: awsUrl,
      demo: `${demoOrigin}/`,
      embedSnippets: `${apiUrl}/embed`,
    });

    const localRoutes = async (req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer) => {
      const route = `${req.method} ${url.pathname}`;
      switch (route) {
        case 'GET /health':
          sendJson(res, 200, { status: 'ok' });
          return true;
        case 'GET /_local/endpoints':
          sendJson(res, 200, endpoints());
          return true;
        case 'GET /_local/outbox':
          sendJson(res, 200, ses.outbox());
          return true;
        case 'GET /_local/events':
          sendJson(
            res,
            200,
            bus.events().map(({ event, deliveries }) => ({
              id: event.id,
              source: event.source,
              detailType: event['detail-type'],
              time: event.time,
              detail: event.detail,
              deliveries,
            })),
          );
          return true;
        case 'GET /_local/dead-letters':
          sendJson(res, 200, bus.deadLetters());
          return true;
        case 'POST /_local/dead-letters/replay':
          sendJson(res, 200, { replayed: bus.replayDeadLetters() });
          return true;
        case 'POST /_local/settle':
          await settle();
          sendJson(res, 200, { settled: true });
          return true;
        case 'GET /_local/clock':
          sendJson(res, 200, clock.state());
          return true;
        case 'POST /_local/clock': {
          const input = readJson(body);
          let ms: number;
          try {
            ms = parseAdvance(input?.advance);
          } catch (error) {
            sendJson(
              res,
              400,
              { title: 'Invalid clock request', detail: (error as Error).message },
              {
                'content-type': 'application/problem+json',
              },
            );
            return true;
          }
          const moved = await clock.advance(ms, { exact: input?.exact === true });
          // Whoever moved the clock sees what has expired by now gone.
          await reaper.reap();
          await settle();
          sendJson(res, 200, moved);
          return true;
        }
        case 'POST /_local/ses/bounce': {
          // SES cannot reach this machine: this sends suppress-address the event SES would put on the default
          // bus for a bounce or complaint, through the rule's own pattern, as the rule there would.
          const input = SimulatedFeedback.safeParse(readJson(body));
          if (!input.success) {
            sendJson(
              res,
              400,
              {
                title: 'Invalid SES feedback request',
                detail: 'Send {"email":"…","type":"Permanent"|"Transient"|"Complaint"}',
                errors: input.error.issues.map((i) => ({
                  pointer: `/${i.path.join('/')}`,
                  detail: i.message,
                })),
              },
              { 'content-type': 'application/problem+json' },
            );
            return true;
          }
          const event = sesFeedbackEvent(input.data, clock.now(), {
            account: ACCOUNT,
            region: REGION,
            from: process.env.EMAIL_FROM ?? 'no-reply@kindred.local',
            configurationSet: 'kindred-local',
          });
          const matched = matchesEventPattern(SES_FEEDBACK_RULE.eventPattern, event);
          try {
            const result = matched ? await invoke(SES_FEEDBACK_RULE.target, event) : undefined;
            await settle();
            sendJson(res, 200, { rule: SES_FEEDBACK_RULE.name, matched, result });
          } catch (error) {
            sendJson(res, 500, { title: 'suppress-address failed', detail: (error as Error).message });
          }
          return true;
        }
        default: {
          // GET /_local/emails (the email previews' index) and each preview under /_local/emails/<name>.
          const preview = req.method === 'GET' ? emailPreviewRoute(url, apiUrl) : undefined;
          if (!preview) return false;
          res.writeHead(preview.status, preview.headers);
          res.end(preview.body);
          return true;
        }
      }
    };

    const api = await startHttpApi({
      port: apiPort,
      now: clock.now,
      invoke: (target, event) => invoke(target, event),
      localRoutes,
    });
    stoppers.push(() => api.stop());
    const demo = await startDemoSite({ port: demoPort, apiUrl });
    stoppers.push(() => demo.stop());
    // Only now, with every service up, does what a previous run left undelivered go out.
    bus.resume();
    // The demo organisations were just written: list them in the directories now, not at the first daily sync.
    for (const rule of scheduleRules.filter((r) => r.name === 'directory-sync'))
      bus.fireSchedule(rule, clock.now());

    return { endpoints, bus, clock, settle, stop };
  } catch (error) {
    await stop();
    throw error;
  }
};
