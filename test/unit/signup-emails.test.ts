import { describe, expect, it } from 'vitest';
import { planSignupEmail } from '../../shared/domain/signup-emails';

const id = 'p-42';
// Signed up the day before the repeats below, so the double-submit grace does not apply to them.
const createdAt = '2025-03-13T09:00:00.000Z';
const pending = { participantId: id, status: 'pending', createdAt } as const;
const verified = { participantId: id, status: 'verified', createdAt } as const;

describe('planSignupEmail', () => {
  it('sends the verification email for a new pending signup, keyed on the participant alone', () => {
    expect(planSignupEmail('ParticipantSignedUp', pending, '2025-03-14T09:26:53.000Z')).toEqual({
      template: 'verification',
      key: 'ParticipantSignedUp:p-42:verification:v1',
    });
  });

  it('gives a redelivered ParticipantSignedUp the same key whatever its time', () => {
    const first = planSignupEmail('ParticipantSignedUp', pending, '2025-03-14T09:26:53.000Z');
    const redelivered = planSignupEmail('ParticipantSignedUp', pending, '2025-03-15T23:59:59.000Z');
    expect(redelivered?.key).toBe(first?.key);
  });

  it('sends nothing for ParticipantSignedUp once the participant is verified', () => {
    expect(planSignupEmail('ParticipantSignedUp', verified, '2025-03-14T09:26:53.000Z')).toBeUndefined();
  });

  it('re-sends the verification email for a repeated signup of a pending participant, keyed by day', () => {
    expect(planSignupEmail('SignupRepeated', pending, '2025-03-14T09:26:53.000Z')).toEqual({
      template: 'verification',
      key: 'SignupRepeated:p-42:2025-03-14:verification:v1',
    });
  });

  it('sends already-signed-up for a repeated signup of a verified participant, keyed by day', () => {
    expect(planSignupEmail('SignupRepeated', verified, '2025-03-14T09:26:53.000Z')).toEqual({
      template: 'already-signed-up',
      key: 'SignupRepeated:p-42:2025-03-14:already-signed-up:v1',
    });
  });

  it('answers repeated signups at most once a (UTC) day per person and template', () => {
    const morning = planSignupEmail('SignupRepeated', verified, '2025-03-14T00:00:00.000Z');
    const night = planSignupEmail('SignupRepeated', verified, '2025-03-14T23:59:59.999Z');
    const nextDay = planSignupEmail('SignupRepeated', verified, '2025-03-15T00:00:00.000Z');
    const otherPerson = planSignupEmail(
      'SignupRepeated',
      { ...verified, participantId: 'p-43' },
      '2025-03-14T12:00:00Z',
    );

    expect(night?.key).toBe(morning?.key);
    expect(nextDay?.key).not.toBe(morning?.key);
    expect(otherPerson?.key).not.toBe(morning?.key);
  });

  it('keys the verification and already-signed-up emails of one day differently', () => {
    const asPending = planSignupEmail('SignupRepeated', pending, '2025-03-14T08:00:00Z');
    const asVerified = planSignupEmail('SignupRepeated', verified, '2025-03-14T09:00:00Z');
    expect(asPending?.key).not.toBe(asVerified?.key);
  });

  it('sends one verification reminder to a pending participant, keyed on the participant alone', () => {
    expect(planSignupEmail('VerificationReminderDue', pending, '2025-03-16T09:26:53.000Z')).toEqual({
      template: 'verification-reminder',
      key: 'VerificationReminderDue:p-42:verification-reminder:v1',
    });
    expect(planSignupEmail('VerificationReminderDue', pending, '2025-03-17T10:00:00.000Z')?.key).toBe(
      'VerificationReminderDue:p-42:verification-reminder:v1',
    );
  });

  it('sends no reminder to a participant verified meanwhile', () => {
    expect(planSignupEmail('VerificationReminderDue', verified, '2025-03-16T09:26:53.000Z')).toBeUndefined();
  });

  it('treats a repeat within 15 minutes of the signup as a double submit and sends nothing more', () => {
    const signedUp = { ...pending, createdAt: '2025-03-14T09:00:00.000Z' };
    expect(planSignupEmail('SignupRepeated', signedUp, '2025-03-14T09:14:59.999Z')).toBeUndefined();
    expect(planSignupEmail('SignupRepeated', signedUp, '2025-03-14T09:15:00.000Z')?.template).toBe(
      'verification',
    );
  });

  it('answers a verified person even straight after signing up', () => {
    const justVerified = { ...verified, createdAt: '2025-03-14T09:00:00.000Z' };
    expect(planSignupEmail('SignupRepeated', justVerified, '2025-03-14T09:05:00.000Z')?.template).toBe(
      'already-signed-up',
    );
  });
});
