import { IANAZone } from 'luxon';

/**
 * The nudge policy: the one place that says whether, and when, an email may go to a person. Every mailer asks
 * `decide` before it sends and does what the answer says:
 *
 * - `send`: send now. A nudge first takes its slot: `recordNudge(...)` stored as the person's new
 *   `recentNudges`, conditional on the history it was decided on and on `capAllows` still holding, so emails
 *   released together (a morning, a pause's end) cannot together go over the cap.
 * - `defer`: put the email on the due index at `until` and ask `decide` again then; the person may have
 *   unsubscribed, paused or been sent other nudges in the meantime, so the answer may differ.
 * - `fold-into-digest`: add the email to the person's pending digest and make sure a `digest` email is due at
 *   `digestAt` (every email capped by the same history gets the same `digestAt`, so one digest collects them).
 *   When the digest falls due, `decide` it like any nudge and build it from the items `stillWanted` keeps.
 * - `drop`: record why and send nothing.
 *
 * The rules, in the order they are applied:
 *
 * 1. A suppressed address (hard bounce or complaint) gets nothing, transactional mail included: mailing an
 *    address that bounced or complained harms the sender's reputation and, for a complaint, the person.
 * 2. Transactional mail (verification, safeguarding) is sent at once: it answers something the person just
 *    did, or keeps someone safe, so no pause, cap, quiet hours, unsubscribe or `latest` holds it back.
 * 3. A nudge in a category the person unsubscribed from is dropped (RFC 8058: it takes effect at once).
 * 4. A nudge whose `latest` has passed is dropped as stale: a reminder after the meeting is noise.
 * 5. While paused, a nudge waits for the pause to end, then for quiet hours to end if the pause ends in them.
 * 6. In quiet hours a nudge waits for the first moment after them ("the email waits for morning"). If that is
 *    not before its `latest` it is dropped as stale: the promise that nothing lands in quiet hours is kept,
 *    and a reminder that arrives after the thing it reminds of helps no one. Sending early is the scheduler's
 *    job (a 24 h reminder lead leaves the evening before), not the policy's: the policy cannot send in the past.
 * 7. A nudge over the frequency cap is folded into a digest sent when the cap next allows one more nudge (and
 *    outside quiet hours); the digest itself is one nudge. A digest over the cap waits (it is never folded into
 *    itself). If the person unsubscribed from digests, a capped nudge is dropped: the cap is a promise too.
 *
 * Quiet hours are wall-clock times in the person's own zone: an instant is quiet when the local time of day
 * at that instant lies in [from, to). So on a spring-forward night 21:00–08:00 lasts 10 hours and on a
 * fall-back night 12. They may span midnight (21:00–08:00) or not (13:00–14:00); from == to means none.
 *
 * The cap counts the nudges actually sent (`recentNudges`) in the trailing `days × 24 h` before now. A new
 * nudge may go when fewer than `count` lie in that window, which keeps at most `count` nudges in every
 * window of that length.
 *
 * Unknown time zones: the zone was validated at signup, so an unknown one is a bug (or a runtime whose
 * time-zone data lacks the name). Deciding a nudge for it throws a RangeError rather than guessing UTC: a
 * guess could wake someone at 3 a.m., which is the harm this policy exists to prevent, while a thrown error
 * lands the email in the dead-letter queue where an operator sees it. Transactional mail never consults the
 * zone, so it is never held up by one.
 */

export const EMAIL_CATEGORIES = [
  'transactional',
  'safeguarding',
  'match',
  'meeting-reminders',
  'milestones',
  'feedback',
  'check-ins',
  'groups',
  'digest',
] as const;

export type EmailCategory = (typeof EMAIL_CATEGORIES)[number];

/** Mail a person needs whatever their preferences: exempt from pause, caps, quiet hours and unsubscribe. */
const TRANSACTIONAL: ReadonlySet<EmailCategory> = new Set<EmailCategory>(['transactional', 'safeguarding']);

export const isNudge = (category: EmailCategory) => !TRANSACTIONAL.has(category);

/** The categories a person can unsubscribe from (the others ignore `unsubscribed`). */
export const NUDGE_CATEGORIES: readonly EmailCategory[] = EMAIL_CATEGORIES.filter(isNudge);

export interface NudgePolicy {
  /** Wall-clock `HH:MM` in the recipient's zone; `from` inclusive, `to` exclusive; equal means no quiet hours. */
  quietHours: { from: string; to: string };
  /** At most `count` nudges in any `days × 24 h`. */
  cap: { count: number; days: number };
}

export const DEFAULT_NUDGE_POLICY: NudgePolicy = Object.freeze({
  quietHours: Object.freeze({ from: '21:00', to: '08:00' }),
  cap: Object.freeze({ count: 3, days: 7 }),
});

export interface RecipientState {
  /** IANA time zone, validated at signup. */
  timezone: string;
  /** A hard bounce or a complaint: nothing at all is sent, transactional mail included. */
  suppressed?: { reason: 'bounce' | 'complaint'; at: string };
  /** Categories unsubscribed from (one-click, per category). Transactional categories are ignored. */
  unsubscribed: readonly EmailCategory[];
  /** ISO instant the pause ends; nudges wait until then. */
  pausedUntil?: string;
  /** ISO instants of nudges (digests included) actually sent; `recordNudge` keeps it pruned to the window. */
  recentNudges: readonly string[];
}

export interface PendingEmail {
  category: EmailCategory;
  /** When the email stops being useful (e.g. the start of the meeting a reminder is for). */
  latest?: Date;
}

export type Decision =
  | { action: 'send' }
  | { action: 'defer'; until: Date; reason: 'quiet-hours' | 'paused' | 'frequency-cap' }
  | { action: 'fold-into-digest'; reason: 'frequency-cap'; digestAt: Date }
  | { action: 'drop'; reason: 'suppressed' | 'unsubscribed' | 'stale' | 'frequency-cap' };

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

interface Rules {
  /** Quiet hours as milliseconds into the local day. */
  from: number;
  to: number;
  count: number;
  windowMs: number;
}

const clockMs = (value: string, field: string) => {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!match)
    throw new RangeError(
      `quietHours.${field} must be HH:MM from 00:00 to 23:59, got ${JSON.stringify(value)}`,
    );
  return (Number(match[1]) * 60 + Number(match[2])) * MINUTE_MS;
};

const positiveInteger = (value: number, field: string) => {
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`${field} must be a whole number ≥ 1, got ${value}`);
  return value;
};

/** Throws a RangeError on a malformed policy (a configuration bug: no nudge should go out under it). */
const rulesOf = (policy: NudgePolicy): Rules => ({
  from: clockMs(policy.quietHours.from, 'from'),
  to: clockMs(policy.quietHours.to, 'to'),
  count: positiveInteger(policy.cap.count, 'cap.count'),
  windowMs: positiveInteger(policy.cap.days, 'cap.days') * DAY_MS,
});

const zoneOf = (timezone: string) => {
  const zone = IANAZone.create(timezone); // cached by luxon
  if (!zone.isValid) throw new RangeError(`Unknown time zone: ${JSON.stringify(timezone)}`);
  return zone;
};

const millisOf = (date: Date, field: string) => {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${field} is an invalid date`);
  return ms;
};

/** Stored instants are written by our own code; a malformed one is a bug to surface, not to guess around. */
const parseInstant = (iso: string, field: string) => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`${field} is not an ISO instant: ${JSON.stringify(iso)}`);
  return ms;
};

const timeOfDay = (localMs: number) => ((localMs % DAY_MS) + DAY_MS) % DAY_MS;

const quietAtLocal = (localMs: number, rules: Rules) => {
  const t = timeOfDay(localMs);
  if (rules.from === rules.to) return false;
  return rules.from < rules.to ? t >= rules.from && t < rules.to : t >= rules.from || t < rules.to;
};

/** The local wall-clock moment the quiet hours containing `localMs` end. */
const quietEndLocal = (localMs: number, rules: Rules) => {
  const t = timeOfDay(localMs);
  const midnight = localMs - t;
  return rules.from > rules.to && t >= rules.from ? midnight + DAY_MS + rules.to : midnight + rules.to;
};

const offsetMs = (zone: IANAZone, at: number) => zone.offset(at) * MINUTE_MS;

/**
 * The first instant in (start, end] at which the zone's UTC offset differs from the one at `start`, to the
 * millisecond, or undefined. Probes hourly, then bisects: no zone changes its offset twice within an hour.
 */
const firstOffsetChange = (zone: IANAZone, start: number, end: number) => {
  const offset = zone.offset(start);
  let same = start;
  while (same < end) {
    const probe = Math.min(same + HOUR_MS, end);
    if (zone.offset(probe) !== offset) {
      let changed = probe;
      while (changed - same > 1) {
        const mid = Math.floor((same + changed) / 2);
        if (zone.offset(mid) === offset) same = mid;
        else changed = mid;
      }
      return changed;
    }
    same = probe;
  }
  return undefined;
};

/**
 * The first instant at or after `start` that is outside quiet hours. Walks the stretches of constant UTC
 * offset: within one, local time runs straight, so the end of quiet hours is plain arithmetic; if the offset
 * changes first, start again from the change. That also covers quiet hours ending inside a spring-forward
 * gap (they end at the jump, not an hour later) and a fall-back that turns the clock back into them.
 */
const firstSendable = (start: number, zone: IANAZone, rules: Rules) => {
  if (rules.from === rules.to) return start;
  let at = start;
  // Each pass ends at an offset change or returns; quiet hours last under a day, holding at most two changes.
  for (let pass = 0; pass < 8; pass++) {
    const offset = offsetMs(zone, at);
    const local = at + offset;
    if (!quietAtLocal(local, rules)) return at;
    const end = quietEndLocal(local, rules) - offset;
    const change = firstOffsetChange(zone, at, end);
    if (change === undefined) return end;
    at = change;
  }
  throw new Error(`Quiet hours never end in ${zone.name} after ${new Date(start).toISOString()}`);
};

/** When the cap next allows a nudge, or undefined if it allows one now. */
const capFreesAt = (recentNudges: readonly string[], now: number, rules: Rules) => {
  // Future-dated entries (clock skew between writers) count too: erring towards fewer emails.
  const inWindow = recentNudges
    .map((iso) => parseInstant(iso, 'recentNudges[]'))
    .filter((sent) => sent > now - rules.windowMs)
    .sort((a, b) => a - b);
  // When this one leaves the window, `count - 1` remain in it.
  const freeing = inWindow[inWindow.length - rules.count];
  return freeing === undefined ? undefined : freeing + rules.windowMs;
};

/** Whether `at` falls in the recipient's quiet hours. Throws a RangeError on an unknown zone. */
export const isQuietHours = (at: Date, timezone: string, policy: NudgePolicy = DEFAULT_NUDGE_POLICY) => {
  const ms = millisOf(at, 'at');
  return quietAtLocal(ms + offsetMs(zoneOf(timezone), ms), rulesOf(policy));
};

/**
 * The first instant at or after `from` outside the recipient's quiet hours (`from` itself if it is outside).
 * Throws a RangeError on an unknown zone.
 */
export const nextSendableTime = (from: Date, timezone: string, policy: NudgePolicy = DEFAULT_NUDGE_POLICY) =>
  new Date(firstSendable(millisOf(from, 'from'), zoneOf(timezone), rulesOf(policy)));

/** What to do with `email` for `recipient` at `now`; see the rules at the top of this module. */
export const decide = (
  email: PendingEmail,
  recipient: RecipientState,
  now: Date,
  policy: NudgePolicy = DEFAULT_NUDGE_POLICY,
): Decision => {
  const at = millisOf(now, 'now');
  if (recipient.suppressed) return { action: 'drop', reason: 'suppressed' };
  // Neither the policy nor the zone is read for transactional mail, so neither can hold it up.
  if (!isNudge(email.category)) return { action: 'send' };
  const rules = rulesOf(policy);
  const zone = zoneOf(recipient.timezone);
  if (recipient.unsubscribed.includes(email.category)) return { action: 'drop', reason: 'unsubscribed' };

  const latest = email.latest ? millisOf(email.latest, 'latest') : Number.POSITIVE_INFINITY;
  const stale = { action: 'drop', reason: 'stale' } as const;
  if (at >= latest) return stale;

  const pausedUntil = recipient.pausedUntil ? parseInstant(recipient.pausedUntil, 'pausedUntil') : at;
  if (pausedUntil > at) {
    const until = firstSendable(pausedUntil, zone, rules);
    return until < latest ? { action: 'defer', until: new Date(until), reason: 'paused' } : stale;
  }

  const sendable = firstSendable(at, zone, rules);
  if (sendable > at) {
    return sendable < latest ? { action: 'defer', until: new Date(sendable), reason: 'quiet-hours' } : stale;
  }

  const frees = capFreesAt(recipient.recentNudges, at, rules);
  if (frees === undefined) return { action: 'send' };
  const next = firstSendable(frees, zone, rules);
  // A digest over the cap waits for room, unless that is past its own usefulness.
  if (email.category === 'digest') {
    return next < latest ? { action: 'defer', until: new Date(next), reason: 'frequency-cap' } : stale;
  }
  if (recipient.unsubscribed.includes('digest')) return { action: 'drop', reason: 'frequency-cap' };
  return next < latest
    ? { action: 'fold-into-digest', reason: 'frequency-cap', digestAt: new Date(next) }
    : stale;
};

/**
 * Whether the cap leaves room for one more nudge at `at`: what a sender checks again, against the stored
 * history, as it takes the slot (two senders deciding at once must not both take the last one).
 */
export const capAllows = (
  recentNudges: readonly string[],
  at: Date,
  policy: NudgePolicy = DEFAULT_NUDGE_POLICY,
) => capFreesAt(recentNudges, millisOf(at, 'at'), rulesOf(policy)) === undefined;

/**
 * The person's `recentNudges` after a nudge (or digest) was sent at `at`: entries that can no longer count
 * towards the cap are pruned, so the stored list stays at most `cap.count` long in steady state.
 */
export const recordNudge = (
  recentNudges: readonly string[],
  at: Date,
  policy: NudgePolicy = DEFAULT_NUDGE_POLICY,
): string[] => {
  const sent = millisOf(at, 'at');
  const { windowMs } = rulesOf(policy);
  return [...recentNudges.map((iso) => parseInstant(iso, 'recentNudges[]')), sent]
    .filter((t) => t > sent - windowMs)
    .sort((a, b) => a - b)
    .map((t) => new Date(t).toISOString());
};

/**
 * Whether a folded (or otherwise queued) email still belongs in what is sent at `at`: the person may have
 * been suppressed or unsubscribed since, or the email gone stale. A digest is built from the items that pass.
 */
export const stillWanted = (email: PendingEmail, recipient: RecipientState, at: Date) => {
  if (recipient.suppressed) return false;
  if (!isNudge(email.category)) return true;
  if (recipient.unsubscribed.includes(email.category)) return false;
  return !email.latest || millisOf(at, 'at') < millisOf(email.latest, 'latest');
};

/** `pausedUntil` for "pause my nudges for N weeks" asked at `now` (whole weeks of 7 × 24 h). */
export const pauseUntil = (now: Date, weeks: number) =>
  new Date(millisOf(now, 'now') + positiveInteger(weeks, 'weeks') * WEEK_MS).toISOString();

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * RFC 8058 one-click unsubscribe headers (with RFC 2369's `List-Unsubscribe`). The URL answers a POST of
 * `List-Unsubscribe=One-Click` by unsubscribing at once, with no further page; it must be HTTPS (plain HTTP
 * only on loopback, for the local runtime) and should carry a hard-to-forge token for the person and
 * category. An optional mailto is offered too, for clients without one-click. Both headers must be covered
 * by the DKIM signature, which SES does for headers set on the message.
 */
export const unsubscribeHeaders = (oneClickUrl: string, mailto?: string) => {
  let url: URL;
  try {
    url = new URL(oneClickUrl);
  } catch {
    throw new RangeError(`Not a URL: ${JSON.stringify(oneClickUrl)}`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new RangeError('The one-click unsubscribe URL must be HTTPS (RFC 8058)');
  }
  // RFC 2369: angle brackets delimit each URI and commas separate them, so a literal comma must be encoded.
  const uris = [`<${url.href.replaceAll(',', '%2C')}>`];
  if (mailto !== undefined) {
    const uri = mailto.startsWith('mailto:') ? mailto : `mailto:${mailto}`;
    if (!/^mailto:[^\s<>,@]+@[^\s<>,]+$/.test(uri)) {
      throw new RangeError(`Not a mailto address: ${JSON.stringify(mailto)}`);
    }
    uris.push(`<${uri}>`);
  }
  return {
    'List-Unsubscribe': uris.join(', '),
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  } as const;
};
