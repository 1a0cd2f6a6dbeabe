import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * Emails to members of peer-support groups. Each carries the person's own leave link, in small print: giving
 * up a seat is what lets the first person waiting have it, so it should be easy, but it is not the point.
 */

interface GroupEmailVars {
  brand: Branding;
  firstName: string;
  groupName: string;
  leaveLink: string;
}

const CARE =
  'Peer support sits alongside professional help and never replaces it. If you need urgent help, please contact your local emergency services.';

export const groupSeatEmail = {
  name: 'group-seat',
  version: 1,
  render: (v: GroupEmailVars): RenderedEmail => {
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      `Good news: you have a seat in ${v.groupName}. We are glad you are joining, and the group will be glad to meet you.`,
      `${v.brand.orgName} will be in touch about when and where the group meets. Come as you are: you can share as much or as little as feels right.`,
      CARE,
      {
        small: 'If your plans change, please give up your seat so the next person waiting can have it.',
        link: { label: 'Give up my seat', url: v.leaveLink },
      },
    ];
    return blocksEmail(v.brand, `You have a seat in ${v.groupName}`, blocks);
  },
};

const ordinal = (n: number) => {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${{ 1: 'st', 2: 'nd', 3: 'rd' }[n % 10] ?? 'th'}`;
};

export const groupWaitlistEmail = {
  name: 'group-waitlist',
  version: 1,
  render: (v: GroupEmailVars & { position: number }): RenderedEmail => {
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      `Thank you for signing up for ${v.groupName}. Every seat is taken at the moment, so we have put you on the waitlist: you are ${ordinal(v.position)} in line.`,
      'When a seat frees up it goes to the first person waiting, and we will email you as soon as it is yours. There is nothing you need to do until then.',
      CARE,
      {
        small: 'If you no longer want a seat, you can leave the waitlist at any time.',
        link: { label: 'Leave the waitlist', url: v.leaveLink },
      },
    ];
    return blocksEmail(v.brand, `You are number ${v.position} on the waitlist for ${v.groupName}`, blocks);
  },
};

export type GroupEmailFact = 'GroupJoined' | 'GroupWaitlisted';

export interface GroupEmailPlan {
  template: typeof groupSeatEmail.name | typeof groupWaitlistEmail.name;
  /**
   * The fact the email announces: `<fact>:<group>:<participant>:<occurredAt>:<template>:v<version>`. The time
   * tells apart two seats of one person (taken, given up, taken again); a redelivery sends nothing more.
   */
  key: string;
}

/**
 * Which email a group fact deserves, if any: none once the person's place has moved on (a waitlist email
 * arriving after the seat it waited for, or either after the person left).
 */
export const planGroupEmail = (
  fact: GroupEmailFact,
  detail: { groupId: string; participantId: string; occurredAt: string },
  currentPlace: 'seat' | 'waitlist' | 'left' | undefined,
): GroupEmailPlan | undefined => {
  const template = fact === 'GroupJoined' ? groupSeatEmail : groupWaitlistEmail;
  const expected = fact === 'GroupJoined' ? 'seat' : 'waitlist';
  if (currentPlace !== expected) return undefined;
  return {
    template: template.name,
    key: [
      fact,
      detail.groupId,
      detail.participantId,
      detail.occurredAt,
      template.name,
      `v${template.version}`,
    ].join(':'),
  };
};
