import { EventBridgeClient, PutEventsCommand, TestEventPatternCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidPatterns, patternCases } from '../fixtures/event-patterns';
import { eventually, signupBody, startTestRuntime, type TestRuntime } from '../helpers/local';

const client = (endpoint: string) =>
  new EventBridgeClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });

describe('a stop and a start lose nothing (local runtime)', () => {
  it('delivers an event whose item was stored before the stop, exactly once', {
    timeout: 90_000,
  }, async () => {
    // Prepare: a signup accepted, then the platform stopped at once, mid-flow
    const first = await startTestRuntime({ restartable: true });
    const body = signupBody();
    const response = await first.post('/v1/orgs/demo-university/signups', body);
    expect(response.status).toBe(202);
    await first.stop({ keepData: true });

    // Act: start again on the same state (and ports: the handlers loaded in this process keep their clients)
    const { api, dynamodb, ses, eventbridge } = first.runtime.endpoints();
    const portOf = (url: string) => Number(new URL(url).port);
    const second = await startTestRuntime({
      restartable: true,
      dataDir: first.dataDir,
      port: portOf(api),
      ports: { dynamodb: portOf(dynamodb), ses: portOf(ses), aws: portOf(eventbridge) },
    });
    try {
      await second.settle();

      // Assess
      const emails = (await second.outbox()).filter((e) => e.to === body.email);
      expect(emails.map((e) => e.subject)).toEqual(['Please confirm your email for Northfield University']);
      const signedUp = (await second.events()).filter((e) => e.detailType === 'ParticipantSignedUp');
      expect(signedUp).toHaveLength(1);
      expect(signedUp[0]?.deliveries).toEqual([expect.objectContaining({ status: 'delivered' })]);
    } finally {
      await second.stop();
    }
  });
});

describe('the local EventBridge endpoint', () => {
  let local: TestRuntime;
  let events: EventBridgeClient;
  beforeAll(async () => {
    local = await startTestRuntime();
    events = client(local.runtime.endpoints().eventbridge);
  });
  afterAll(async () => {
    await local?.stop();
  });

  it('parks a delivery that keeps failing in the dead letters, and replays it on request', async () => {
    // Prepare: a detail the consumer's schema refuses, so the target fails every time
    const detail = {
      version: 1,
      orgId: 'demo-university',
      occurredAt: 'yesterday',
      participantId: 'X',
      programId: 'p',
      role: 'mentee',
    };

    // Act
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'kindred',
            DetailType: 'ParticipantSignedUp',
            Detail: JSON.stringify(detail),
            EventBusName: 'kindred-local',
          },
        ],
      }),
    );

    // Assess
    expect(put.FailedEntryCount).toBe(0);
    const eventId = put.Entries?.[0]?.EventId;
    const dead = await eventually(async () => {
      const letters =
        await local.json<{ event: { id: string }; attempts: number; target: string }[]>(
          '/_local/dead-letters',
        );
      return letters.find((l) => l.event.id === eventId);
    });
    expect(dead).toMatchObject({ target: 'send-signup-email', attempts: 3 });
    const replay = await local.json<{ replayed: number }>('/_local/dead-letters/replay', { method: 'POST' });
    expect(replay.replayed).toBeGreaterThanOrEqual(1);
  });

  it('reports malformed entries per entry, as PutEvents does', async () => {
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'kindred', DetailType: 'X', Detail: 'not json', EventBusName: 'kindred-local' },
          { Source: 'kindred', DetailType: 'Unrouted', Detail: '{}', EventBusName: 'kindred-local' },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(1);
    expect(put.Entries?.[0]).toMatchObject({ ErrorCode: 'MalformedDetail' });
    expect(put.Entries?.[1]?.EventId).toEqual(expect.any(String));
    const logged = (await local.events()).find((e) => e.id === put.Entries?.[1]?.EventId);
    expect(logged?.deliveries).toEqual([]);
  });

  it('answers TestEventPattern through the unchanged SDK client', async () => {
    const event = JSON.stringify({
      id: '1',
      account: '123456789012',
      source: 'kindred',
      time: '2026-11-25T10:00:00Z',
      region: 'eu-west-1',
      resources: [],
      'detail-type': 'MatchMade',
      detail: { orgId: 'demo-university', score: 87.5, reasons: [{ criterion: 'shared-experience' }] },
    });
    const test = async (pattern: unknown) =>
      (
        await events.send(
          new TestEventPatternCommand({ EventPattern: JSON.stringify(pattern), Event: event }),
        )
      ).Result;

    expect(await test({ source: ['kindred'], detail: { score: [{ numeric: ['>', 80] }] } })).toBe(true);
    expect(
      await test({ detail: { orgId: [{ prefix: 'demo-' }], reasons: { criterion: ['shared-experience'] } } }),
    ).toBe(true);
    expect(await test({ $or: [{ source: ['other'] }, { 'detail-type': [{ suffix: 'Made' }] }] })).toBe(true);
    expect(await test({ detail: { orgId: [{ 'anything-but': { prefix: 'demo-' } }] } })).toBe(false);
    await expect(test({ source: 'kindred' })).rejects.toMatchObject({ name: 'InvalidEventPatternException' });
  });

  // TestEventPattern insists on these envelope fields; cases whose pattern looks at one they lack are left out.
  const mandatory = {
    id: 'e1',
    account: '123456789012',
    source: 'test.source',
    time: '2026-01-01T00:00:00Z',
    region: 'eu-west-1',
    resources: [],
    'detail-type': 'Test',
  };
  const asObject = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value);
  const runnable = patternCases.filter(([, pattern, event]) => {
    const p = asObject(pattern);
    return (
      event !== null &&
      typeof event === 'object' &&
      !Array.isArray(event) &&
      Object.keys(mandatory).every((k) => k in (event as object) || !(k in p))
    );
  });

  it('can run most of the documented cases through the SDK', () => {
    expect(runnable.length).toBeGreaterThan(patternCases.length * 0.8);
  });

  it.each(runnable)('TestEventPattern answers %s', async (_name, pattern, event, expected) => {
    const out = await events.send(
      new TestEventPatternCommand({
        EventPattern: typeof pattern === 'string' ? pattern : JSON.stringify(pattern),
        Event: JSON.stringify({ ...mandatory, ...(event as object) }),
      }),
    );
    expect(out.Result).toBe(expected);
  });

  // A pattern the SDK cannot even send (undefined) is the matcher's own unit test's business.
  const sendable = invalidPatterns.filter(([, pattern]) => pattern !== undefined);
  it.each(sendable)('TestEventPattern refuses %s', async (_name, pattern, reason) => {
    const act = events.send(
      new TestEventPatternCommand({
        EventPattern: typeof pattern === 'string' ? pattern : JSON.stringify(pattern),
        Event: JSON.stringify(mandatory),
      }),
    );
    await expect(act).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: `Event pattern is not valid. Reason: ${reason}`,
    });
  });
});
