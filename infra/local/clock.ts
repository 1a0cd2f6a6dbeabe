import { Duration } from 'luxon';
import type { ScheduleRule } from '../../shared/events/rules';
import { jsonStore } from './json-store';

/**
 * The local clock: real time plus an offset that `POST /_local/clock {"advance":"P7D"}` moves forward.
 * Scheduled rules fire from it: as real time passes, and for every moment skipped over by an advance, in
 * order, so a week moved in one call runs what a week would have run.
 */

const UNITS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** The period of a `rate(...)` expression, as EventBridge reads it (`rate(1 hour)`, `rate(5 minutes)`). */
export const ratePeriodMs = (expression: string) => {
  const match = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression);
  if (!match || Number(match[1]) < 1) throw new Error(`Unsupported schedule expression: ${expression}`);
  const [, count, unit] = match as unknown as [string, string, string];
  if ((Number(count) === 1) !== !expression.endsWith('s)')) {
    throw new Error(`EventBridge wants the singular unit for 1 and the plural otherwise: ${expression}`);
  }
  return Number(count) * (UNITS[unit] as number);
};

/** The firing times of a rule after `after`, up to and including `until`. */
export const firingsBetween = (periodMs: number, anchor: number, after: number, until: number) => {
  const times: number[] = [];
  let next = anchor + Math.max(1, Math.floor((after - anchor) / periodMs) + 1) * periodMs;
  for (; next <= until; next += periodMs) times.push(next);
  return times;
};

export const parseAdvance = (value: unknown): number => {
  if (typeof value !== 'string') throw new Error('advance must be an ISO 8601 duration such as P7D or PT2H');
  const duration = Duration.fromISO(value);
  if (!duration.isValid) throw new Error(`advance is not an ISO 8601 duration: ${value}`);
  const ms = duration.as('milliseconds');
  if (!/\d/.test(value)) throw new Error(`advance is not an ISO 8601 duration: ${value}`);
  if (ms <= 0) throw new Error('advance must move the clock forward');
  return ms;
};

interface ClockState {
  offsetMs: number;
  /** When the schedule was anchored (local time, ms); rules fire at anchor + k × period. */
  anchor?: number;
  lastTick?: number;
}

export const createLocalClock = (options: {
  rules: readonly ScheduleRule[];
  fire: (rule: ScheduleRule, at: Date) => void;
  /** Awaited after each firing of an advance, so later firings see what earlier ones caused. */
  settle?: () => Promise<void>;
  storePath?: string;
  tickMs?: number;
  /**
   * A rule that does nothing while no work is due (the hourly sweep of the due index): an advance skips its
   * firings before the next due time, but fires it at least every `maxGapMs`. What is due still runs at the
   * hour it falls due, and the sweep catches up from its cursor as in AWS after a quiet spell; only the empty
   * runs are left out, which makes moving months ahead take seconds instead of minutes.
   */
  idle?: { rule: string; maxGapMs: number; nextDueAt: () => Promise<number | undefined> };
}) => {
  const store = jsonStore<ClockState>(options.storePath, () => ({ offsetMs: 0 }));
  const rules = options.rules.map((rule) => ({ rule, periodMs: ratePeriodMs(rule.schedule) }));
  const now = () => new Date(Date.now() + store.get().offsetMs);
  const setNow = (at: number) => store.save({ ...store.get(), offsetMs: at - Date.now() });
  if (store.get().anchor === undefined) {
    store.save({ ...store.get(), anchor: now().getTime(), lastTick: now().getTime() });
  }

  /** Everything due after the last tick and up to `until`, in time order. */
  const dueUntil = (until: number) => {
    const state = store.get();
    const after = state.lastTick ?? until;
    return rules
      .flatMap(({ rule, periodMs }) =>
        firingsBetween(periodMs, state.anchor ?? after, after, until).map((at) => ({ rule, at })),
      )
      .sort((a, b) => a.at - b.at);
  };

  let advancing: Promise<unknown> = Promise.resolve();
  let busy = false;

  // Real time passing fires rules too, unless an advance is stepping through time.
  const timer = setInterval(() => {
    if (busy) return;
    const until = now().getTime();
    for (const { rule, at } of dueUntil(until)) options.fire(rule, new Date(at));
    store.save({ ...store.get(), lastTick: until });
  }, options.tickMs ?? 1000);
  timer.unref();

  /**
   * Steps the clock through each firing up to `now + durationMs`, settling the platform after each. Unless
   * `exact`, firings of the idle rule with nothing due are skipped (see `idle`).
   */
  const advance = async (durationMs: number, exact: boolean) => {
    busy = true;
    try {
      const from = now();
      const target = from.getTime() + durationMs;
      const fired: { rule: string; at: string }[] = [];
      const idle = exact ? undefined : options.idle;
      let nextDue = await idle?.nextDueAt();
      let lastIdleRun = from.getTime();
      for (const { rule, at } of dueUntil(target)) {
        if (idle && rule.name === idle.rule) {
          const quiet = nextDue === undefined || nextDue > at;
          if (quiet && at - lastIdleRun < idle.maxGapMs) continue;
          lastIdleRun = at;
        }
        setNow(at);
        options.fire(rule, new Date(at));
        store.save({ ...store.get(), lastTick: at });
        fired.push({ rule: rule.name, at: new Date(at).toISOString() });
        await options.settle?.();
        // What ran may have put new work on the index (the next meeting, a re-armed anniversary).
        if (idle) nextDue = await idle.nextDueAt();
      }
      setNow(target);
      store.save({ ...store.get(), lastTick: target });
      return { from: from.toISOString(), now: now().toISOString(), fired };
    } finally {
      busy = false;
    }
  };

  return {
    now,
    /** Advances run one after another, never interleaved. `exact` fires every firing, idle ones too. */
    advance(durationMs: number, options: { exact?: boolean } = {}) {
      const run = advancing.then(() => advance(durationMs, options.exact === true));
      advancing = run.catch(() => {});
      return run;
    },
    state: () => ({
      now: now().toISOString(),
      offset: Duration.fromMillis(store.get().offsetMs).rescale().toISO(),
    }),
    stop: () => clearInterval(timer),
  };
};
