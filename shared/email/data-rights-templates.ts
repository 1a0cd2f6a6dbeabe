import { type Branding, blocksEmail, type RenderedEmail } from './templates';

/** The download link of a person's data export, sent because they asked (transactional, never capped). */
export const dataExportEmail = {
  name: 'data-export',
  version: 1,
  render: (v: { brand: Branding; firstName: string; link: string; validDays: number }): RenderedEmail =>
    blocksEmail(v.brand, `Your data from ${v.brand.orgName}`, [
      `Hi ${v.firstName},`,
      `You asked for a copy of the data ${v.brand.orgName} holds about you. It is ready as a JSON file: your profile, your matches and meetings, your milestones, the feedback you gave and your email preferences.`,
      { small: `The link works for ${v.validDays} days.`, link: { label: 'Download my data', url: v.link } },
      'If you did not ask for this, you can ignore this email: the file is only sent to this address.',
    ]),
};
