import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type LocalRuntimeOptions, startLocalRuntime } from '../../infra/local/runtime';
import type { OutboxEmail } from '../../infra/local/ses-local';
import { dynamoApiKeys } from '../../shared/data/api-keys';

/**
 * Test files start runtimes in parallel: a port found free can be taken by another before it is bound.
 * Such a start is tried again on other free ports.
 */
const startWithFreePorts = async (options: LocalRuntimeOptions) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startLocalRuntime(options);
    } catch (error) {
      const inUse =
        (error as { code?: string }).code === 'EADDRINUSE' || /EADDRINUSE|in use/.test(String(error));
      if (!inUse || attempt >= 3 || options.port !== 0) throw error;
    }
  }
};

/**
 * Nudges wait for the recipient's morning, so a test that reads emails at once must run in the daytime of its
 * people (Europe and the Americas): the local clock is moved on to the next 15:00 UTC unless it is already
 * between 12:00 and 17:00 UTC. Tests of their own timing pass `daytime: false`.
 */
const toDaytime = async (base: string) => {
  const { now } = (await (await fetch(new URL('/_local/clock', base))).json()) as { now: string };
  const at = new Date(now);
  if (at.getUTCHours() >= 12 && at.getUTCHours() < 17) return;
  const target = new Date(at);
  target.setUTCHours(15, 0, 0, 0);
  if (target <= at) target.setUTCDate(target.getUTCDate() + 1);
  const seconds = Math.ceil((target.getTime() - at.getTime()) / 1000);
  await fetch(new URL('/_local/clock', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance: `PT${seconds}S` }),
  });
};

/**
 * Every test signs its people up from 127.0.0.1, dozens in a file: the per-address limit (5 in 10 minutes)
 * would refuse them, so suites run with a high one. The per-organisation limit stays the platform's, and
 * test/integration/signup-limits.test.ts runs with the real per-address one.
 */
const MANY_SIGNUPS_FROM_LOOPBACK = { perAddress: { limit: 10_000, windowSeconds: 600 } };

/** Starts the local runtime inside the test, on free ports and a temporary state folder. */
export const startTestRuntime = async (
  options: LocalRuntimeOptions & {
    daytime?: boolean;
    /** The test stops and starts again on the same state: keep the table on disk too. */
    restartable?: boolean;
  } = {},
) => {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kindred-test-'));
  const runtime = await startWithFreePorts({
    port: 0,
    retry: { attempts: 3, baseDelayMs: 20 },
    tableInMemory: !options.restartable,
    signupLimits: MANY_SIGNUPS_FROM_LOOPBACK,
    ...options,
    dataDir,
  });
  const base = runtime.endpoints().api;
  const api = (path: string, init?: RequestInit) => fetch(new URL(path, base), init);
  if (options.daytime !== false) await toDaytime(base);
  const json = async <T = unknown>(path: string, init?: RequestInit) =>
    (await (await api(path, init)).json()) as T;
  const base_ = {
    runtime,
    dataDir,
    base,
    api,
    json,
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      api(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    outbox: () => json<OutboxEmail[]>('/_local/outbox'),
    events: () =>
      json<
        {
          id: string;
          detailType: string;
          detail: Record<string, unknown>;
          deliveries: { status: string }[];
        }[]
      >('/_local/events'),
    settle: () => runtime.settle(),
    async stop(options: { keepData?: boolean } = {}) {
      await runtime.stop();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const clockNow = async () => Date.parse((await json<{ now: string }>('/_local/clock')).now);
  const apiKeys = dynamoApiKeys(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.endpoints().dynamodb,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    ),
    'kindred-local',
  );
  const orgKeys = new Map<string, Promise<string>>();
  const advance = (period: string) => base_.post('/_local/clock', { advance: period });
  return {
    ...base_,
    emailsTo: async (address: string) => (await base_.outbox()).filter((e) => e.to === address),
    eventsOf: async (detailType: string) => (await base_.events()).filter((e) => e.detailType === detailType),
    /** The local clock's now, in epoch ms. */
    clockNow,
    /** Moves the local clock on by an ISO 8601 duration (`PT6H`, `P1D`). */
    advance,
    /** Moves the clock to just past a moment (plus some minutes), then lets the platform settle. */
    async advanceTo(at: string, plusMinutes = 0) {
      const ms = Date.parse(at) + plusMinutes * 60_000 - (await clockNow());
      if (ms > 0) await advance(`PT${Math.ceil(ms / 1000)}S`);
      await runtime.settle();
    },
    /** The `Authorization` header of an API key of the organisation, issued once per runtime as `kindred keys issue` does. */
    async orgKey(orgId: string) {
      if (!orgKeys.has(orgId))
        orgKeys.set(
          orgId,
          apiKeys.issue(orgId, 'test').then((key) => key.token),
        );
      return { authorization: `Bearer ${await orgKeys.get(orgId)}` };
    },
    /** A call to the organisation admin API (`/v1/admin/orgs/{orgId}/…`) with the organisation's key. */
    async admin(
      method: 'GET' | 'POST' | 'PUT',
      orgId: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) {
      return api(`/v1/admin/orgs/${orgId}/${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers, ...(await this.orgKey(orgId)) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    },
    /** Signs a person up at an organisation and follows the verification link from their email. */
    async confirm(orgId: string, person: { email: string }) {
      const accepted = await base_.post(`/v1/orgs/${orgId}/signups`, person);
      if (accepted.status !== 202) throw new Error(`signup answered ${accepted.status}`);
      const email = await eventually(async () => (await base_.outbox()).find((e) => e.to === person.email));
      const verified = await fetch(linkIn(email.text));
      if (verified.status !== 200) throw new Error(`verification answered ${verified.status}`);
    },
  };
};

export type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export const eventually = async <T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

export const linkIn = (text: string) => {
  const match = /(https?:\/\/\S+\/v1\/verify\?token=\S+)/.exec(text);
  if (!match) throw new Error('no verification link in the email');
  return match[1] as string;
};

let counter = 0;
/** A fresh signup body with a unique address. */
export const signupBody = (overrides: Record<string, unknown> = {}) => ({
  email: `person-${process.pid}-${Date.now()}-${++counter}@example.org`,
  name: 'Grace Hopper',
  role: 'mentee',
  timezone: 'Europe/London',
  consent: true,
  languages: ['en'],
  availability: [{ day: 'tue', from: '18:00', to: '20:00' }],
  ...overrides,
});

const decodeEntities = (text: string) =>
  text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/**
 * Follows a link from an email as a person would: opens the page it leads to, then submits the page's form
 * (its hidden fields and the preselected choice, or `choose` to pick another option of a radio group).
 */
export const followForm = async (url: string, choose: Record<string, string> = {}) => {
  const page = await fetch(url, { headers: { accept: 'text/html' } });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`${url} answered ${page.status}: ${html.slice(0, 300)}`);
  const form = /<form method="post" action="([^"]*)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) throw new Error(`no form on the page of ${url}`);
  const fields = new URLSearchParams();
  for (const input of (form[2] ?? '').matchAll(/<(?:input|textarea) ([^>]*)>/g)) {
    const attrs = Object.fromEntries(
      [...(input[1] ?? '').matchAll(/([a-z-]+)(?:="([^"]*)")?/g)].map((a) => [
        a[1],
        decodeEntities(a[2] ?? ''),
      ]),
    );
    if (!attrs.name) continue;
    if (
      attrs.type === 'radio' &&
      (attrs.name in choose ? attrs.value !== choose[attrs.name] : !('checked' in attrs))
    )
      continue;
    fields.append(
      attrs.name,
      attrs.type === 'radio' ? (attrs.value ?? '') : (choose[attrs.name] ?? attrs.value ?? ''),
    );
  }
  return fetch(new URL(decodeEntities(form[1] ?? ''), url), {
    method: 'POST',
    headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
};
