import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type startServer from 'aws-ses-v2-local';
import type * as SesStore from 'aws-ses-v2-local/dist/store.js';
import { jsonStore } from './json-store';

/**
 * SES from `aws-ses-v2-local`, on loopback. Its store lives in memory, so the emails are copied to disk
 * and put back on start: the local outbox survives a restart like everything else.
 */

// A CommonJS package: required, so the server and its store are the same module instances.
const require = createRequire(import.meta.url);
const startSesServer: typeof startServer = require('aws-ses-v2-local').default;
const { getStoreReadonly, saveEmail }: typeof SesStore = require('aws-ses-v2-local/dist/store.js');
type Email = SesStore.Email;

export interface OutboxEmail {
  messageId: string;
  from: string;
  /** kindred writes to one person per email (never a shared To or CC), so this is one address. */
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
  at: string;
}

export const startSesLocal = async (options: { port: number; storePath?: string }) => {
  const saved = jsonStore<{ emails: Email[] }>(options.storePath, () => ({ emails: [] }));
  const known = new Set(getStoreReadonly().emails.map((e) => e.messageId));
  for (const email of saved.get().emails) if (!known.has(email.messageId)) saveEmail(email);

  const server: Server = await startSesServer({ host: '127.0.0.1', port: options.port });
  const { port } = server.address() as AddressInfo;

  let persisted = getStoreReadonly().emails.length;
  const persist = () => {
    const emails = getStoreReadonly().emails;
    if (emails.length === persisted) return;
    persisted = emails.length;
    saved.save({ emails: [...emails] });
  };
  const timer = setInterval(persist, 250);
  timer.unref();

  return {
    url: `http://127.0.0.1:${port}`,
    outbox: (): OutboxEmail[] =>
      getStoreReadonly().emails.map((e) => ({
        messageId: e.messageId,
        from: e.from,
        to: e.destination.to.join(', '),
        subject: e.subject,
        text: e.body.text ?? '',
        html: e.body.html ?? '',
        headers: Object.fromEntries((e.headers ?? []).map((h) => [h.name, h.value])),
        at: new Date(e.at * 1000).toISOString(),
      })),
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        persist();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
