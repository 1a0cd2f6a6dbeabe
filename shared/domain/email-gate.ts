import type { Recipient } from '../data/recipients';
import {
  DEFAULT_NUDGE_POLICY,
  type Decision,
  decide,
  type EmailCategory,
  type NudgePolicy,
  type RecipientState,
} from './nudge-policy';

/**
 * The question every mailer asks before it sends: may this email go to this person now? It reads the
 * person's state (preferences, pause, recent nudges, and whether their address is suppressed) and lets the
 * nudge policy decide. The mailer then does what the decision says (see nudge-policy.ts).
 */

export interface GateDeps {
  recipients: { recipientState(orgId: string, recipient: Recipient): Promise<RecipientState> };
  /** The organisation's policy; the default when absent. */
  policy?: NudgePolicy;
}

export interface GateRequest {
  orgId: string;
  /** The person the email is for, as stored (their address finds its suppression, their zone the morning). */
  participant: Recipient;
  category: EmailCategory;
  /** When the email stops being useful (e.g. the start of the meeting a reminder is for). */
  latest?: Date;
}

/** The decision with the state it was made on (a digest keeps, of its entries, what that state still wants). */
export const assess = async (
  deps: GateDeps,
  request: GateRequest,
  now: Date,
): Promise<{ decision: Decision; state: RecipientState }> => {
  const state = await deps.recipients.recipientState(request.orgId, request.participant);
  const decision = decide(
    { category: request.category, ...(request.latest ? { latest: request.latest } : {}) },
    state,
    now,
    deps.policy ?? DEFAULT_NUDGE_POLICY,
  );
  return { decision, state };
};

export const gate = async (deps: GateDeps, request: GateRequest, now: Date): Promise<Decision> =>
  (await assess(deps, request, now)).decision;
