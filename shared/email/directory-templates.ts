import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * "Is <group> still running?" to a listed group's contact, every 90 days: three one-click answers. The contact
 * is an organisation's facilitator, not a participant, so this is no nudge (no unsubscribe): it keeps the public
 * directory true, and an unanswered one hides the listing after 30 days.
 */

export interface ListingCheckVars {
  brand: Branding;
  groupName: string;
  directory: 'nonprofit' | 'university';
  hideAfterDays: number;
  links: { yes: string; update: string; closed: string };
}

export const listingCheckEmail = {
  name: 'listing-check',
  version: 1,
  render: (v: ListingCheckVars): RenderedEmail => {
    const blocks: Block[] = [
      'Hello,',
      `${v.groupName} is listed in the public ${v.directory} directory of peer-support groups, so people looking for support can find it and join. We check every listing every three months so the directory stays true.`,
      `Is ${v.groupName} still running? One click answers:`,
      {
        small: 'It is still running and the listing is right.',
        link: { label: 'Yes, still running', url: v.links.yes },
      },
      {
        small: 'It is running, but something in the listing needs changing.',
        link: { label: 'It needs an update', url: v.links.update },
      },
      {
        small: 'It has stopped meeting: take it out of the directory.',
        link: { label: 'It has closed', url: v.links.closed },
      },
      `If we hear nothing within ${v.hideAfterDays} days, the listing is hidden from the directory until someone confirms it is still running. Nothing is deleted.`,
    ];
    return blocksEmail(v.brand, `Is ${v.groupName} still running?`, blocks);
  },
};

/** The email's idempotency key: one per ask (its time), per template version. */
export const listingCheckKey = (orgId: string, groupId: string, askedAt: string) =>
  `ListingCheckDue:${orgId}:${groupId}:${askedAt}:${listingCheckEmail.name}:v${listingCheckEmail.version}`;
