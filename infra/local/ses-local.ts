import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type startServer from 'aws-ses-v2-local';
import type * as SesStore from 'aws-ses-v2-local/dist/store.js';
import type * as SesUtil from 'aws-ses-v2-local/dist/util.js';
import { type AddressObject, simpleParser } from 'mailparser';
import { z } from 'zod';
import { jsonStore } from './json-store';

/**
 * SES from `aws-ses-v2-local`, on loopback. Its store lives in memory, so the emails are copied to disk
 * and put back on start: the local outbox survives a restart like everything else.
 */

// A CommonJS package: required, so the server and its store are the same module instances.
const require = createRequire(import.meta.url);
const startSesServer: typeof startServer = require('aws-ses-v2-local').default;
const { getStoreReadonly, saveEmail }: typeof SesStore = require('aws-ses-v2-local/dist/store.js');
const { getMessageId, getCurrentTimestamp }: typeof SesUtil = require('aws-ses-v2-local/dist/util.js');
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
  /** The calendar invite a raw email carries (its `text/calendar` part), absent otherwise. */
  calendar?: { method: string; ics: string };
  /** When SES took it, by the wall clock. */
  at: string;
  /** When SES took it, by the local runtime's (movable) clock: what quiet hours and caps are judged by. */
  sentAt: string;
}

/**
 * SESv2 SendEmail with `Content.Raw`. aws-ses-v2-local parses such a message too, but keeps neither its
 * extra headers (List-Unsubscribe) nor the sender's `FromEmailAddress` and `Destination`; this keeps them, so
 * a raw email's outbox entry reads like a simple one.
 */
const rawSendSchema = z.object({
  FromEmailAddress: z.string().optional(),
  Destination: z
    .object({
      ToAddresses: z.array(z.string()).optional(),
      CcAddresses: z.array(z.string()).optional(),
      BccAddresses: z.array(z.string()).optional(),
    })
    .optional(),
  ReplyToAddresses: z.array(z.string()).optional(),
  Content: z.object({ Raw: z.object({ Data: z.string().min(1) }) }),
});

/** Headers every message has; the rest (List-Unsubscribe, …) are the extra headers a sender gave. */
const STANDARD_HEADERS = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
]);

const addresses = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

/** The extra headers by their written name, unfolded (RFC 5322 2.2.3), values as written. */
const extraHeaders = (lines: ReadonlyArray<{ key: string; line: string }>) =>
  lines
    .filter(({ key }) => !STANDARD_HEADERS.has(key))
    .map(({ line }) => {
      const unfolded = line.replace(/\r?\n(?=[ \t])/g, '');
      const colon = unfolded.indexOf(':');
      return { name: unfolded.slice(0, colon).trim(), value: unfolded.slice(colon + 1).trim() };
    });

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

const saveRaw = async (send: z.infer<typeof rawSendSchema>) => {
  const message = await simpleParser(Buffer.from(send.Content.Raw.Data, 'base64'));
  const from = send.FromEmailAddress ?? message.from?.text;
  if (!from) return undefined;
  const messageId = getMessageId();
  saveEmail({
    messageId,
    from,
    replyTo: send.ReplyToAddresses ?? addresses(message.replyTo),
    destination: {
      to: send.Destination?.ToAddresses ?? addresses(message.to),
      cc: send.Destination?.CcAddresses ?? addresses(message.cc),
      bcc: send.Destination?.BccAddresses ?? addresses(message.bcc),
    },
    subject: message.subject ?? '',
    body: { text: message.text, html: message.html || undefined },
    attachments: message.attachments.map((a) => {
      // The iMIP method is a parameter of the calendar part's type: kept, as the client reading it would.
      const type = a.headers.get('content-type') as { params?: Record<string, string> } | undefined;
      const method = a.contentType === 'text/calendar' ? type?.params?.method : undefined;
      return {
        content: a.content.toString('base64'),
        contentType: method ? `${a.contentType}; method=${method}` : a.contentType,
        filename: a.filename,
        size: a.size,
      };
    }),
    headers: extraHeaders(message.headerLines),
    at: getCurrentTimestamp(),
  });
  return messageId;
};

/**
 * Puts a handler for raw sends in front of the aws-ses-v2-local app; every other request, simple sends
 * included, goes to the app as before. A body read here is handed on as `req.body`, which the app's JSON
 * body parser leaves as it is once the request has been read.
 */
const interceptRawSends = (server: Server, stampNew: () => void) => {
  const app = server.listeners('request')[0] as RequestListener;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // The movable clock stands still while a send is handled, so its time at the answer is the send's time.
    res.once('finish', stampNew);
    const signed = req.headers.authorization?.startsWith('AWS') ?? false;
    if (req.method !== 'POST' || req.url !== '/v2/email/outbound-emails' || !signed) {
      app(req, res);
      return;
    }
    void (async () => {
      const body = await readBody(req);
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        json = undefined;
      }
      const raw = rawSendSchema.safeParse(json);
      if (!raw.success) {
        Object.assign(req, { body: json });
        app(req, res);
        return;
      }
      const messageId = await saveRaw(raw.data);
      if (messageId) sendJson(res, 200, { MessageId: messageId });
      else
        sendJson(res, 400, { message: 'Bad Request Exception', detail: 'ses-local: raw email has no from' });
    })().catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 400, { message: 'Bad Request Exception', detail: `ses-local: ${String(error)}` });
    });
  });
};

const calendarOf = (email: Email): OutboxEmail['calendar'] => {
  const part = email.attachments?.find((a) => a.contentType.startsWith('text/calendar'));
  if (!part) return undefined;
  const method = /;\s*method=([^;\s]+)/i.exec(part.contentType)?.[1] ?? '';
  return { method: method.toUpperCase(), ics: Buffer.from(part.content, 'base64').toString('utf8') };
};

export const startSesLocal = async (options: { port: number; storePath?: string; now?: () => Date }) => {
  const now = options.now ?? (() => new Date());
  type Saved = Email & { sentAt?: string };
  const saved = jsonStore<{ emails: Saved[] }>(options.storePath, () => ({ emails: [] }));
  const known = new Set(getStoreReadonly().emails.map((e) => e.messageId));
  for (const email of saved.get().emails) if (!known.has(email.messageId)) saveEmail(email);
  const sentAt = new Map(
    saved.get().emails.map((e) => [e.messageId, e.sentAt ?? new Date(e.at * 1000).toISOString()]),
  );
  const stampNew = () => {
    for (const email of getStoreReadonly().emails)
      if (!sentAt.has(email.messageId)) sentAt.set(email.messageId, now().toISOString());
  };

  const server: Server = await startSesServer({ host: '127.0.0.1', port: options.port });
  interceptRawSends(server, stampNew);
  const { port } = server.address() as AddressInfo;

  let persisted = getStoreReadonly().emails.length;
  const persist = () => {
    const emails = getStoreReadonly().emails;
    if (emails.length === persisted) return;
    persisted = emails.length;
    stampNew();
    saved.save({ emails: emails.map((e) => ({ ...e, sentAt: sentAt.get(e.messageId) })) });
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
        calendar: calendarOf(e),
        at: new Date(e.at * 1000).toISOString(),
        sentAt: sentAt.get(e.messageId) ?? now().toISOString(),
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
