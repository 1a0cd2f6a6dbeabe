import type { Participant } from './participant';

export type SignupEmailFact = 'ParticipantSignedUp' | 'SignupRepeated' | 'VerificationReminderDue';

export interface SignupEmailPlan {
  template: 'verification' | 'verification-reminder' | 'already-signed-up';
  /** The business fact the email announces; the same fact never produces a second email. */
  key: string;
}

/**
 * Which email a signup fact deserves. A repeated signup is answered at most once a day per person, so the
 * public form cannot be used to flood someone's inbox.
 */
export const planSignupEmail = (
  fact: SignupEmailFact,
  participant: Pick<Participant, 'participantId' | 'status'>,
  occurredAt: string,
): SignupEmailPlan | undefined => {
  const id = participant.participantId;
  if (fact === 'VerificationReminderDue') {
    return participant.status === 'pending'
      ? { template: 'verification-reminder', key: `${fact}:${id}:verification-reminder:v1` }
      : undefined;
  }
  if (fact === 'ParticipantSignedUp') {
    return participant.status === 'pending'
      ? { template: 'verification', key: `${fact}:${id}:verification:v1` }
      : undefined;
  }
  const day = occurredAt.slice(0, 10);
  return participant.status === 'pending'
    ? { template: 'verification', key: `${fact}:${id}:${day}:verification:v1` }
    : { template: 'already-signed-up', key: `${fact}:${id}:${day}:already-signed-up:v1` };
};
