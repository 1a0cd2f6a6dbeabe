import { createHmac } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { Problem } from './problem';

/**
 * Rate limits of the public signup path, per client address and per organisation. API Gateway's HTTP API
 * throttles a route for all callers together (infra/throttling.ts) and takes no WAF, so these two are kept in
 * the table by create-signup itself, before anything is stored or sent.
 */

/** At most `limit` hits in each fixed window of `windowSeconds`. */
export const RateRule = z.strictObject({
  limit: z.number().int().min(1).max(1_000_000),
  windowSeconds: z.number().int().min(1).max(86_400),
});
export type RateRule = z.infer<typeof RateRule>;

export const SignupLimits = z.strictObject({ perAddress: RateRule, perOrganisation: RateRule });
export type SignupLimits = z.infer<typeof SignupLimits>;

/**
 * - 5 per address per 10 minutes: a person signs up once, perhaps again after a typo or for a second program,
 *   a household a few times; a script on one address gets 5 emails sent in 10 minutes, not thousands.
 * - 300 per organisation per hour: well above a big real day (a university announcing its program to a
 *   lecture hall), and a cap on what a spread-out attack can make the platform send in one organisation's name.
 *
 * Campus networks and signup desks put many people behind one address: such an organisation raises its own
 * limits (`Organisation.signupLimits`).
 */
export const DEFAULT_SIGNUP_LIMITS: SignupLimits = {
  perAddress: { limit: 5, windowSeconds: 600 },
  perOrganisation: { limit: 300, windowSeconds: 3600 },
};

/** The variable that replaces the defaults (JSON, either rule or both); the local runtime sets it for tests. */
export const SIGNUP_LIMITS_VARIABLE = 'SIGNUP_RATE_LIMITS';

/** The platform's signup limits: the defaults, or as configured; a bad configuration fails at cold start. */
export const readSignupLimits = (env: NodeJS.ProcessEnv = process.env): SignupLimits => {
  const raw = env[SIGNUP_LIMITS_VARIABLE];
  if (raw === undefined || raw === '') return DEFAULT_SIGNUP_LIMITS;
  let configured: z.ZodSafeParseResult<Partial<SignupLimits>>;
  try {
    configured = SignupLimits.partial().safeParse(JSON.parse(raw));
  } catch {
    configured = { success: false } as typeof configured;
  }
  if (!configured.success) throw new Error(`Invalid function configuration: ${SIGNUP_LIMITS_VARIABLE}`);
  return { ...DEFAULT_SIGNUP_LIMITS, ...configured.data };
};

/** An organisation's own counts (per window) in place of the platform's. */
export interface OrganisationSignupLimits {
  perAddress?: number;
  perOrganisation?: number;
}

export const limitsFor = (
  platform: SignupLimits,
  own: OrganisationSignupLimits | undefined,
): SignupLimits => ({
  perAddress: { ...platform.perAddress, limit: own?.perAddress ?? platform.perAddress.limit },
  perOrganisation: {
    ...platform.perOrganisation,
    limit: own?.perOrganisation ?? platform.perOrganisation.limit,
  },
});

/** The fixed window `at` falls in, aligned to the epoch so every instance of the function agrees on it. */
export const windowOf = (rule: RateRule, at: Date) => {
  const length = rule.windowSeconds * 1000;
  const start = Math.floor(at.getTime() / length) * length;
  return { start: new Date(start), end: new Date(start + length) };
};

/** Whole seconds until the window ends, at least 1: what Retry-After says. */
export const secondsUntil = (end: Date, now: Date) =>
  Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));

/**
 * The address a limit counts: IPv4 as it is, an IPv4-mapped IPv6 address as its IPv4 one, and IPv6 by its /64
 * (one subscriber's network: a host picks any address in it at will).
 */
export const limitedAddress = (sourceIp: string) => {
  if (!ipaddr.isValid(sourceIp)) return sourceIp;
  const address = ipaddr.process(sourceIp);
  if (address.kind() === 'ipv4') return address.toString();
  const prefix = (address as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${prefix.join(':')}::/64`;
};

/**
 * The pseudonym of a client address in keys: an HMAC under a key derived from the platform secret, so no raw
 * or reversible address is stored (the IPv4 space is small enough to hash exhaustively).
 */
export const addressPseudonym = (secret: string, sourceIp: string) => {
  const key = createHmac('sha256', secret).update('kindred:rate-limit-address:v1').digest();
  return createHmac('sha256', key).update(limitedAddress(sourceIp)).digest('hex').slice(0, 32);
};

export type LimitScope = 'address' | 'organisation';

const inMinutes = (seconds: number) => {
  const minutes = Math.ceil(seconds / 60);
  return minutes <= 1 ? 'a minute' : `${minutes} minutes`;
};

export const rateLimited = (scope: LimitScope, retryAfterSeconds: number) =>
  new Problem(
    429,
    'rate-limited',
    'Too many signups',
    scope === 'address'
      ? `Too many signups have come from your network in a short time. Please try again in ${inMinutes(retryAfterSeconds)}.`
      : `This organisation is receiving more signups than it allows right now. Please try again in ${inMinutes(retryAfterSeconds)}.`,
    undefined,
    { 'retry-after': String(retryAfterSeconds) },
  );

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts one hit against a rule for a subject (an organisation, an address's pseudonym). */
export interface RateLimiter {
  take(scope: LimitScope, subject: string, rule: RateRule, now: Date): Promise<RateDecision>;
}

export interface SignupAdmissionDeps {
  limiter: RateLimiter;
  limits: SignupLimits;
  /** The platform secret, which keys the address pseudonyms. */
  secret: () => Promise<string>;
}

/**
 * Lets a signup through both limits or throws the 429. The address is counted first, so one address that is
 * over its limit cannot use up the organisation's.
 */
export const admitSignup = async (
  deps: SignupAdmissionDeps,
  request: { sourceIp: string; orgId: string; own?: OrganisationSignupLimits; now: Date },
) => {
  const limits = limitsFor(deps.limits, request.own);
  const address = addressPseudonym(await deps.secret(), request.sourceIp);
  const checks = [
    ['address', address, limits.perAddress],
    ['organisation', request.orgId, limits.perOrganisation],
  ] as const;
  for (const [scope, subject, rule] of checks) {
    const decision = await deps.limiter.take(scope, subject, rule, request.now);
    if (!decision.allowed) throw rateLimited(scope, decision.retryAfterSeconds);
  }
};
