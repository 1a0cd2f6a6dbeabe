import { z } from 'zod';
import { Problem, problems } from '../http/problem';
import { findProgram, type Organisation, type Program, rolesOf } from './organisation';
import { type Participant, SignupRequest } from './participant';
import type { IdGenerator, OrganisationStore, Outbox, ParticipantStore } from './ports';

/** The form's hidden trap field: people never see it, form-filling bots fill it. */
export const HONEYPOT_FIELD = 'website';

/**
 * The signup body as the embedded form sends it: the signup plus the honeypot. A filled honeypot is refused
 * like any bad field (422, nothing stored or sent), as the issue asks; a person never meets this, because the
 * field is hidden from sight, from screen readers and from the tab order. The field is dropped once checked.
 */
export const SignupForm = SignupRequest.extend({
  [HONEYPOT_FIELD]: z
    .string()
    .max(200)
    .refine((value) => value === '', 'must be left empty')
    .optional(),
}).transform(({ [HONEYPOT_FIELD]: _trap, ...request }): SignupRequest => request);

export interface SignupDeps {
  organisations: OrganisationStore;
  participants: ParticipantStore;
  outbox: Outbox;
  ids: IdGenerator;
  /** Throws when the signup is over a rate limit; runs once the signup is valid, before anything is written. */
  admit?: (org: Organisation) => Promise<void>;
}

/**
 * Accepts a signup. A repeated address creates nothing new and looks exactly like a first signup to the
 * caller (so the form cannot tell whether someone is registered); the person gets an email saying so.
 */
export const signUp = async (deps: SignupDeps, orgId: string, request: SignupRequest, now: Date) => {
  const org = await deps.organisations.get(orgId);
  if (!org) throw problems.notFound('Organisation', '/orgId');
  const program = findProgram(org, request.programId);
  if (!program) {
    throw new Problem(422, 'invalid-body', 'The request body has invalid fields', undefined, [
      { pointer: '/programId', detail: 'Unknown program at this organisation' },
    ]);
  }
  const misfits = programMisfits(program, request);
  if (misfits.length > 0) {
    throw new Problem(422, 'invalid-body', 'The request body has invalid fields', undefined, misfits);
  }
  await deps.admit?.(org);

  const at = now.toISOString();
  const { email, name, role, timezone, programId: _ignored, consent: _agreed, ...profile } = request;
  const participant: Participant = {
    orgId,
    participantId: deps.ids.next(),
    programId: program.programId,
    role,
    status: 'pending',
    email: email.trim(),
    name,
    timezone,
    profile,
    consent: { version: org.consent.version, at },
    createdAt: at,
  };
  const common = { version: 1 as const, orgId, occurredAt: at, programId: program.programId };
  const result = await deps.participants.register(participant, {
    detailType: 'ParticipantSignedUp',
    detail: { ...common, participantId: participant.participantId, role },
  });
  if (!result.created) {
    await deps.outbox.publish(
      { detailType: 'SignupRepeated', detail: { ...common, participantId: result.existingParticipantId } },
      now,
    );
  }
  return {
    status: 'pending-verification',
    message: 'Thanks! Check your email to confirm your signup.',
  } as const;
};

/**
 * What a signup lacks for its program: a role the program has, and for mentoring what matching needs
 * (a language to meet in and some weekly time), so nobody waits in a pool they can never be matched from.
 */
const programMisfits = (program: Program, request: SignupRequest) => {
  const errors: { pointer: string; detail: string }[] = [];
  const roles: readonly string[] = rolesOf(program);
  if (!roles.includes(request.role)) {
    errors.push({ pointer: '/role', detail: `one of ${roles.join(', ')} for ${program.name}` });
    return errors;
  }
  if (program.kind !== 'mentoring') return errors;
  if (!request.languages?.length)
    errors.push({ pointer: '/languages', detail: 'at least one language you can meet in' });
  if (!request.availability?.length)
    errors.push({ pointer: '/availability', detail: 'at least one weekly time you are free' });
  if (request.capacity !== undefined && request.role !== 'mentor')
    errors.push({ pointer: '/capacity', detail: 'only mentors take mentees' });
  return errors;
};
