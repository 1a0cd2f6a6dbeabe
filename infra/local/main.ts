import '../quiet-sdk-warning';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalRuntime } from './runtime';

/** `npm start`: the platform on this machine. `npm start -- --fresh` starts from an empty state. */
const { values } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(
    'Usage: npm start [-- --fresh]\n  --fresh  forget the state kept in .kindred/ and start empty\n  PORT     HTTP API port (default 3000)',
  );
  process.exit(0);
}

const port = Number(process.env.PORT ?? 3000);
const dataDir = resolve(import.meta.dirname, '../../.kindred');
console.log(`kindred: starting the local platform${values.fresh ? ' from an empty state' : ''}…`);
const started = Date.now();
// DynamoDB Local's and aws-ses-v2-local's usual ports, when free, so the addresses stay the same run to run.
const runtime = await startLocalRuntime({
  dataDir,
  fresh: values.fresh,
  port,
  ports: { dynamodb: 8000, ses: 8005, aws: 4010, demo: port + 1 },
  demoHistory: true,
}).catch((error: NodeJS.ErrnoException) => {
  const reason =
    error.code === 'EADDRINUSE'
      ? `port ${port} is already in use (is kindred already running?). Start on another one with PORT=${port + 1} npm start`
      : error.message;
  console.error(`kindred could not start: ${reason}`);
  process.exit(1);
});
const e = runtime.endpoints();

console.log(`
kindred is running (${((Date.now() - started) / 1000).toFixed(1)} s). State is kept in .kindred/ (npm start -- --fresh to start empty).

  Demo site      ${e.demo}   (an organisation's page on another origin, with the signup form and directory embedded)
  API            ${e.api}
  Embed snippets ${e.embedSnippets}?org=demo-university
  Try a signup   curl -X POST ${e.api}/v1/orgs/demo-university/signups \\
                   -H 'content-type: application/json' \\
                   -d '{"email":"ada@example.org","name":"Ada","role":"mentee","timezone":"Europe/London","consent":true,
                        "languages":["en"],"availability":[{"day":"tue","from":"18:00","to":"20:00"}],"interests":["poetry"]}'
                 (then a mentor, "role":"mentor": once both confirm, both get a match email saying why)
  Sent emails    ${e.api}/_local/outbox      (or the SES viewer: ${e.sesViewer})
  Events         ${e.api}/_local/events
  Move the clock curl -X POST ${e.api}/_local/clock -H 'content-type: application/json' -d '{"advance":"P7D"}'
  Endpoints      ${e.api}/_local/endpoints   (DynamoDB Local ${e.dynamodb}, EventBridge ${e.eventbridge})

Demo organisations: demo-university, demo-nonprofit. demo-university's career-mentoring program has seven
months of history for its report: see "Program reports" in README.md. Press Ctrl-C to stop.
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) {
    console.log('stopping at once.');
    process.exit(130);
  }
  stopping = true;
  console.log(`\n${signal}: stopping kindred…`);
  await runtime.stop();
  console.log('stopped.');
  process.exit(0);
};
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
