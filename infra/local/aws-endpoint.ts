import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError, type LocalBus } from './eventbridge';

/**
 * One loopback endpoint speaking the AWS JSON 1.1 protocol for the services the local runtime stands in
 * for: EventBridge (PutEvents, TestEventPattern) and Secrets Manager (GetSecretValue). The unchanged SDK
 * clients reach it through AWS_ENDPOINT_URL_EVENTBRIDGE and AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */

export interface LocalSecret {
  name: string;
  value: string;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) reject(new AwsError('ValidationException', 'Request is too large.'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

export const startAwsEndpoint = async (options: {
  port: number;
  bus: LocalBus;
  secrets: readonly LocalSecret[];
  region: string;
  account: string;
}): Promise<{ url: string; server: Server; stop(): Promise<void> }> => {
  const secretArn = (name: string) =>
    `arn:aws:secretsmanager:${options.region}:${options.account}:secret:${name}`;
  const findSecret = (id: string) => options.secrets.find((s) => s.name === id || secretArn(s.name) === id);

  const actions: Record<string, (input: Record<string, unknown>) => unknown> = {
    'AWSEvents.PutEvents': (input) => options.bus.putEvents(input.Entries as never),
    'AWSEvents.TestEventPattern': (input) => ({
      Result: options.bus.testEventPattern(input.EventPattern, input.Event),
    }),
    'secretsmanager.GetSecretValue': (input) => {
      const secret = findSecret(String(input.SecretId ?? ''));
      if (!secret)
        throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return {
        ARN: secretArn(secret.name),
        Name: secret.name,
        SecretString: secret.value,
        VersionId: '00000000-0000-0000-0000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 0,
      };
    },
  };

  const server = createServer(async (req, res) => {
    const reply = (status: number, body: unknown, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(body));
    };
    try {
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = actions[target];
      if (req.method !== 'POST' || !action) {
        return reply(
          400,
          { __type: 'UnknownOperationException', message: `Unknown operation ${target}` },
          'UnknownOperationException',
        );
      }
      const raw = await readBody(req);
      let input: Record<string, unknown>;
      try {
        input = raw ? JSON.parse(raw) : {};
      } catch {
        throw new AwsError('SerializationException', 'Request body is not valid JSON.');
      }
      reply(200, await action(input));
    } catch (error) {
      if (error instanceof AwsError)
        return reply(400, { __type: error.type, message: error.message }, error.type);
      reply(500, { __type: 'InternalException', message: String(error) }, 'InternalException');
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
