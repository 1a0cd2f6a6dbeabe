import type { FunctionName, HttpRoute } from './functions';

/**
 * API Gateway throttling of the public API, for CDK (stage and route settings) and the local runtime's token
 * buckets alike. HTTP APIs throttle each route for all callers together (a token bucket: `burstLimit` tokens,
 * refilled at `rateLimit` per second) and cannot limit a single client; the per-address and per-organisation
 * signup limits are create-signup's (shared/http/rate-limit.ts).
 */
export interface Throttle {
  /** Steady-state requests per second. */
  rateLimit: number;
  /** Requests absorbed at once above the rate. */
  burstLimit: number;
}

/** Every route that has no tighter setting below (the form's files, the directories, the IAM routes). */
export const stageThrottle: Throttle = { rateLimit: 50, burstLimit: 100 };

/**
 * Each accepted signup sends an email. 10 a second is far above a real peak (a lecture hall signing up after
 * an announcement is a few a second); the burst lets a class submit at once.
 */
const signupThrottle: Throttle = { rateLimit: 10, burstLimit: 50 };

/**
 * Links from emails: a person clicks one now and then, and a valid signed token is needed to change anything;
 * this bounds what forged-token floods cost.
 */
const emailLinkThrottle: Throttle = { rateLimit: 20, burstLimit: 50 };

const emailLinkFunctions = new Set<FunctionName>([
  'verify-participant',
  'answer-check-in',
  'rematch',
  'log-meeting',
  'reschedule-meeting',
  'mark-goal',
  'unsubscribe',
  'give-feedback',
  'leave-group',
  'answer-listing-check',
  // Their link routes only (the "Your data" page, a shared report); their admin routes take an API key.
  'data-rights',
  'program-report',
]);

/** The route's own throttle, when tighter than the stage's. */
export const routeThrottle = (functionName: FunctionName, route: HttpRoute): Throttle | undefined => {
  if (route.auth === 'iam') return undefined;
  if (functionName === 'create-signup' && route.method === 'POST') return signupThrottle;
  if (emailLinkFunctions.has(functionName) && !route.auth) return emailLinkThrottle;
  return undefined;
};
