import { Problem } from '../http/problem';
import type { ParticipantStore } from './ports';

export const VERIFY_PURPOSE = 'verify';
/** As long as an unverified signup is kept. */
export const VERIFY_TOKEN_TTL_SECONDS = 7 * 24 * 3600;

export type VerifyOutcome = 'verified' | 'already-verified';

/** Marks the participant a verification link names as verified, once; following the link again is harmless. */
export const verifyParticipant = async (
  participants: ParticipantStore,
  claims: { orgId: string; participantId: string },
  now: Date,
): Promise<VerifyOutcome> => {
  const participant = await participants.get(claims.orgId, claims.participantId);
  if (!participant) throw gone();
  if (participant.status === 'verified') return 'already-verified';
  const at = now.toISOString();
  const result = await participants.markVerified(participant, at, {
    detailType: 'ParticipantVerified',
    detail: {
      version: 1,
      orgId: participant.orgId,
      occurredAt: at,
      participantId: participant.participantId,
      programId: participant.programId,
      role: participant.role,
    },
  });
  if (result === 'not-found') throw gone();
  return result === 'verified' ? 'verified' : 'already-verified';
};

// The link was genuine but its signup is gone (erased, or expired unverified).
const gone = () =>
  new Problem(
    410,
    'signup-gone',
    'This signup no longer exists',
    'Please sign up again on the organisation’s website.',
  );
