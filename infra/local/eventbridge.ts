import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import type { EventRule } from '../../shared/events/rules';
import { InvalidEventPatternError, matchesEventPattern, parseEventPattern } from './event-pattern';
import { jsonStore } from './json-store';

/**
 * The local EventBridge: accepts PutEvents, routes each event through the rules table with the full
 * pattern grammar, delivers asynchronously with retries and backoff, and parks what still fails in a
 * dead-letter list that can be replayed. Its state is on disk, so a restart loses no delivery.
 */

export type AnyEvent = EventBridgeEvent<string, unknown>;

export interface Delivery {
  rule: string;
  target: string;
  status: 'pending' | 'delivered' | 'dead-lettered';
  attempts: number;
  lastError?: string;
}

export interface LoggedEvent {
  event: AnyEvent;
  deliveries: Delivery[];
}

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: number | string;
  Resources?: string[];
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: ({ EventId: string } | { ErrorCode: string; ErrorMessage: string })[];
}

export interface LocalBusOptions {
  busName: string;
  region: string;
  account: string;
  rules: readonly EventRule[];
  deliver: (target: string, event: AnyEvent) => Promise<unknown>;
  now: () => Date;
  storePath?: string;
  /**
   * Attempts before a delivery is dead-lettered, and the first retry's delay (doubled each time). The
   * default mirrors a Lambda target in AWS: EventBridge hands the event over once, Lambda runs it and
   * retries twice, then sends it to the function's on-failure queue (the dead letters here); minutes there
   * are fractions of a second here.
   */
  retry?: { attempts: number; baseDelayMs: number };
  /** How many events the log keeps (oldest settled ones go first). */
  keep?: number;
}

export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** EventBridge's timestamps carry whole seconds. */
const isoSeconds = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

const entryError = (entry: PutEventsEntry, busName: string): [string, string] | undefined => {
  if (!entry.Source)
    return ['InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.'];
  if (!entry.DetailType)
    return [
      'InvalidArgument',
      'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    ];
  if (entry.Detail === undefined)
    return ['InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.'];
  const bus = entry.EventBusName ?? 'default';
  if (bus !== busName && !bus.endsWith(`:event-bus/${busName}`)) {
    return ['NotAuthorizedForDestination', `Event bus ${bus} does not exist.`];
  }
  try {
    const detail = JSON.parse(entry.Detail);
    if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
      throw new Error('not an object');
  } catch {
    return ['MalformedDetail', 'Detail is malformed.'];
  }
  return undefined;
};

export const createLocalBus = (options: LocalBusOptions) => {
  const retry = options.retry ?? { attempts: 3, baseDelayMs: 250 };
  const keep = options.keep ?? 2000;
  const store = jsonStore<{ events: LoggedEvent[] }>(options.storePath, () => ({ events: [] }));
  const rules = options.rules.map((rule) => ({ ...rule, pattern: parseEventPattern(rule.eventPattern) }));
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const leftover = store
    .get()
    .events.flatMap((logged) =>
      logged.deliveries.filter((d) => d.status === 'pending').map((d) => [logged, d] as const),
    );

  const trim = () => {
    const { events } = store.get();
    while (events.length > keep) {
      const index = events.findIndex((e) => e.deliveries.every((d) => d.status !== 'pending'));
      if (index === -1) break;
      events.splice(index, 1);
    }
  };

  const attempt = (logged: LoggedEvent, delivery: Delivery) => {
    const run = (async () => {
      delivery.attempts += 1;
      try {
        await options.deliver(delivery.target, logged.event);
        delivery.status = 'delivered';
        delivery.lastError = undefined;
      } catch (error) {
        delivery.lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        if (delivery.attempts >= retry.attempts) delivery.status = 'dead-lettered';
      }
      if (stopped) return;
      store.save();
      if (delivery.status === 'pending')
        schedule(logged, delivery, retry.baseDelayMs * 2 ** (delivery.attempts - 1));
    })();
    inFlight.add(run);
    run.finally(() => inFlight.delete(run));
  };

  const schedule = (logged: LoggedEvent, delivery: Delivery, delayMs: number) => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      attempt(logged, delivery);
    }, delayMs);
    timers.add(timer);
  };

  /** Routes one event through every rule, as the bus does; returns the deliveries it started. */
  const publish = (event: AnyEvent) => {
    const deliveries: Delivery[] = rules
      .filter((rule) => matchesEventPattern(rule.pattern, event))
      .map((rule) => ({ rule: rule.name, target: rule.target, status: 'pending', attempts: 0 }));
    const logged: LoggedEvent = { event, deliveries };
    store.get().events.push(logged);
    trim();
    store.save();
    for (const delivery of deliveries) schedule(logged, delivery, 0);
    return logged;
  };

  const envelope = (entry: PutEventsEntry, time: Date): AnyEvent => ({
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType as string,
    source: entry.Source as string,
    account: options.account,
    time: isoSeconds(time),
    region: options.region,
    resources: entry.Resources ?? [],
    detail: JSON.parse(entry.Detail as string),
  });

  return {
    busName: options.busName,

    putEvents(entries: PutEventsEntry[] | undefined): PutEventsResult {
      if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10) {
        throw new AwsError('ValidationException', 'Entries must hold between 1 and 10 entries.');
      }
      const results = entries.map((entry) => {
        const error = entryError(entry, options.busName);
        if (error) return { ErrorCode: error[0], ErrorMessage: error[1] };
        const time =
          entry.Time === undefined
            ? options.now()
            : new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time);
        return { EventId: publish(envelope(entry, time)).event.id };
      });
      return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
    },

    /** The real service's TestEventPattern: an invalid pattern is an InvalidEventPatternException. */
    testEventPattern(pattern: unknown, event: unknown): boolean {
      if (typeof pattern !== 'string' || typeof event !== 'string') {
        throw new AwsError('ValidationException', 'EventPattern and Event are required strings.');
      }
      let parsed: ReturnType<typeof parseEventPattern>;
      try {
        parsed = parseEventPattern(pattern);
      } catch (error) {
        if (error instanceof InvalidEventPatternError)
          throw new AwsError('InvalidEventPatternException', error.message);
        throw error;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(event);
      } catch {
        throw new AwsError('InvalidEventPatternException', 'Event is not valid JSON.');
      }
      for (const field of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
        if (!(field in body))
          throw new AwsError('InvalidEventPatternException', `Event is missing field ${field}.`);
      }
      return matchesEventPattern(parsed, body);
    },

    /** A scheduled rule firing: EventBridge sends `Scheduled Event` from `aws.events` to the target alone. */
    fireSchedule(rule: { name: string; target: string }, time: Date) {
      const event: AnyEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: options.account,
        time: isoSeconds(time),
        region: options.region,
        resources: [`arn:aws:events:${options.region}:${options.account}:rule/${rule.name}`],
        detail: {},
      };
      const logged: LoggedEvent = {
        event,
        deliveries: [{ rule: rule.name, target: rule.target, status: 'pending', attempts: 0 }],
      };
      store.get().events.push(logged);
      store.save();
      schedule(logged, logged.deliveries[0] as Delivery, 0);
    },

    /** Sends what was still on its way when the runtime last stopped. */
    resume() {
      for (const [logged, delivery] of leftover.splice(0)) schedule(logged, delivery, 0);
    },

    events: () => store.get().events,

    deadLetters: () =>
      store
        .get()
        .events.flatMap((logged) =>
          logged.deliveries
            .filter((d) => d.status === 'dead-lettered')
            .map((d) => ({ ...d, event: logged.event })),
        ),

    /** Sends every dead-lettered delivery again, from a fresh attempt count. */
    replayDeadLetters() {
      let count = 0;
      for (const logged of store.get().events) {
        for (const delivery of logged.deliveries) {
          if (delivery.status !== 'dead-lettered') continue;
          delivery.status = 'pending';
          delivery.attempts = 0;
          schedule(logged, delivery, 0);
          count += 1;
        }
      }
      store.save();
      return count;
    },

    /** Resolves once no delivery is pending (tests and the clock use it to let the platform settle). */
    async idle(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (timers.size > 0 || inFlight.size > 0) {
        if (Date.now() > deadline) throw new Error('the local bus did not settle');
        await Promise.race([...inFlight, new Promise((r) => setTimeout(r, 2))]);
      }
    },

    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...inFlight]);
      store.save();
    },
  };
};

export type LocalBus = ReturnType<typeof createLocalBus>;
