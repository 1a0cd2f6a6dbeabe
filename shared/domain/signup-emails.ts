import { alreadySignedUpEmail, verificationEmail, verificationReminderEmail } from '../email/templates';
import type { Participant } from './participant';

export type SignupEmailFact = 'ParticipantSignedUp' | 'SignupRepeated' | 'VerificationReminderDue';

const templates = {
  verification: verificationEmail,
  'verification-reminder': verificationReminderEmail,
  'already-signed-up': alreadySignedUpEmail,
} as const;

export type SignupTemplate = keyof typeof templates;

export interface SignupEmailPlan {
  template: SignupTemplate;
  /** The business fact the email announces; the same fact never produces a second email. */
  key: string;
}

/** `<fact>:<participant>[:<day>]:<template>:v<template version>` — a new template version is a new email. */
const plan = (template: SignupTemplate, ...fact: string[]): SignupEmailPlan => ({
  template,
  key: [...fact, template, `v${templates[template].version}`].join(':'),
});

/** A repeat this soon after the signup is a double submit: the first verification email is on its way. */
export const REPEAT_GRACE_MS = 15 * 60 * 1000;

/**
 * Which email a signup fact deserves. A repeated signup is answered at most once a day per person, so the
 * public form cannot be used to flood someone's inbox.
 */
export const planSignupEmail = (
  fact: SignupEmailFact,
  participant: Pick<Participant, 'participantId' | 'status' | 'createdAt'>,
  occurredAt: string,
): SignupEmailPlan | undefined => {
  const id = participant.participantId;
  const pending = participant.status === 'pending';
  switch (fact) {
    case 'ParticipantSignedUp':
      return pending ? plan('verification', fact, id) : undefined;
    case 'VerificationReminderDue':
      return pending ? plan('verification-reminder', fact, id) : undefined;
    case 'SignupRepeated': {
      if (pending && Date.parse(occurredAt) - Date.parse(participant.createdAt) < REPEAT_GRACE_MS)
        return undefined;
      const day = occurredAt.slice(0, 10);
      return pending ? plan('verification', fact, id, day) : plan('already-signed-up', fact, id, day);
    }
  }
};
