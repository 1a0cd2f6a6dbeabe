import { backInPoolEmail, matchEndedEmail, matchMadeEmail } from '../email/match-templates';
import { type Branding, firstName, type RenderedEmail } from '../email/templates';
import type { EventDetail } from '../events/catalogue';
import { matchReasons } from '../matching/reasons';
import type { PairScore } from '../matching/score';
import type { MatchRole } from './match';
import type { Participant } from './participant';

/**
 * Which emails a match fact deserves, and their content. One email per person, each under its own key, so a
 * failure to send one is retried without sending the other again.
 */

export type MatchEmailFact = 'MatchMade' | 'MatchEnded';

const templates = {
  'match-made': matchMadeEmail,
  'back-in-pool': backInPoolEmail,
  'match-ended': matchEndedEmail,
} as const;

export type MatchTemplate = keyof typeof templates;

export interface MatchEmailPlan<T extends MatchTemplate = MatchTemplate> {
  template: T;
  /** The reader. */
  role: MatchRole;
  participantId: string;
  /** `<fact>:<matchId>:<participantId>:<template>:v<version>`: the same fact never emails a person twice. */
  key: string;
}

type Pair = Pick<EventDetail<'MatchMade'>, 'matchId' | 'mentorId' | 'menteeId'>;

const ROLES: readonly MatchRole[] = ['mentor', 'mentee'];

const idOf = (pair: Pair, role: MatchRole) => (role === 'mentor' ? pair.mentorId : pair.menteeId);

const plan = <T extends MatchTemplate>(
  fact: MatchEmailFact,
  pair: Pair,
  role: MatchRole,
  template: T,
): MatchEmailPlan<T> => {
  const participantId = idOf(pair, role);
  return {
    template,
    role,
    participantId,
    key: [fact, pair.matchId, participantId, template, `v${templates[template].version}`].join(':'),
  };
};

/** Both people get an introduction. */
export const planMatchMade = (pair: Pair): MatchEmailPlan<'match-made'>[] =>
  ROLES.map((role) => plan('MatchMade', pair, role, 'match-made'));

/** Each person hears that the match ended: whoever rejoins that they are back on the list. */
export const planMatchEnded = (
  ended: Pair & Pick<EventDetail<'MatchEnded'>, 'rejoining'>,
): MatchEmailPlan<'back-in-pool' | 'match-ended'>[] =>
  ROLES.map((role) =>
    plan('MatchEnded', ended, role, ended.rejoining?.includes(role) ? 'back-in-pool' : 'match-ended'),
  );

export type MatchPerson = Pick<Participant, 'participantId' | 'name' | 'email' | 'timezone' | 'erasingSince'>;

export interface MatchEmailContext {
  brand: Branding;
  programName?: string;
  mentor: MatchPerson;
  mentee: MatchPerson;
}

export interface ComposedMatchEmail extends MatchEmailPlan {
  to: string;
  content: RenderedEmail;
}

const other = (role: MatchRole): MatchRole => (role === 'mentor' ? 'mentee' : 'mentor');

const checkPeople = (pair: Pair, context: MatchEmailContext) => {
  if (context.mentor.participantId !== pair.mentorId || context.mentee.participantId !== pair.menteeId) {
    throw new Error(`the people given are not the pair of match ${pair.matchId}`);
  }
};

/**
 * The two introductions of a new match: who the other person is, how to reach them, why they were matched
 * (from the stored explanation, in each reader's own time zone) and a link to ask for a new match.
 */
export const composeMatchMade = (
  made: Pair,
  explanation: PairScore,
  context: MatchEmailContext,
  rematchLink: (participantId: string) => string,
): ComposedMatchEmail[] => {
  checkPeople(made, context);
  const names = { mentor: firstName(context.mentor.name), mentee: firstName(context.mentee.name) };
  const reasons = matchReasons(explanation, {
    mentor: { name: names.mentor, timezone: context.mentor.timezone },
    mentee: { name: names.mentee, timezone: context.mentee.timezone },
  });
  return planMatchMade(made).map((p) => {
    const reader = context[p.role];
    const them = context[other(p.role)];
    return {
      ...p,
      to: reader.email,
      content: matchMadeEmail.render({
        brand: context.brand,
        programName: context.programName,
        role: p.role,
        firstName: names[p.role],
        other: { firstName: names[other(p.role)], email: them.email },
        reasons: reasons[p.role],
        rematchLink: rematchLink(p.participantId),
      }),
    };
  });
};

/**
 * The note each person gets when a match ends. A person being erased gets none, and is named to the other by
 * role, as the erasure itself tells them (shared/domain/erasure.ts): whichever sends first, the email is the same.
 */
export const composeMatchEnded = (
  ended: Pair & Pick<EventDetail<'MatchEnded'>, 'rejoining' | 'reason' | 'endedBy'>,
  context: MatchEmailContext,
): ComposedMatchEmail[] => {
  checkPeople(ended, context);
  return planMatchEnded(ended)
    .filter((p) => !context[p.role].erasingSince)
    .map((p) => {
      const them = context[other(p.role)];
      return {
        ...p,
        to: context[p.role].email,
        content: templates[p.template].render({
          brand: context.brand,
          programName: context.programName,
          role: p.role,
          firstName: firstName(context[p.role].name),
          otherFirstName: them.erasingSince ? `your ${other(p.role)}` : firstName(them.name),
          reason: ended.reason,
          endedBy: ended.endedBy,
        }),
      };
    });
};
