import { escapeHtml } from '../http/html';

/**
 * Email templates: one definition per email, rendered to a subject, a plain-text part and an HTML part.
 * The version is part of each email's idempotency key, so a changed template is a new fact, not a resend.
 */

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export interface Branding {
  orgName: string;
  colour?: string;
}

/**
 * A piece of an email's body: a paragraph, a bulleted list (after a lead-in line), or a line of small print
 * ending in a link. Every string is text (escaped in the HTML part), never markup.
 */
export type Block =
  | string
  | { lead?: string; list: string[] }
  | { small: string; link: { label: string; url: string } };

/** A block as HTML. */
export const blockHtml = (block: Block) => {
  if (typeof block === 'string') return `<p>${escapeHtml(block)}</p>`;
  if ('list' in block) {
    const lead = block.lead === undefined ? '' : `<p>${escapeHtml(block.lead)}</p>`;
    return `${lead}<ul>${block.list.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
  }
  return `<p style="font-size:14px;color:#555">${escapeHtml(block.small)} <a href="${escapeHtml(block.link.url)}">${escapeHtml(block.link.label)}</a></p>`;
};

/** A block as plain text: list items on lines of their own, a link's address written out after its label. */
export const blockText = (block: Block) => {
  if (typeof block === 'string') return block;
  if ('list' in block)
    return [block.lead, ...block.list.map((item) => `- ${item}`)].filter(Boolean).join('\n');
  return `${block.small} ${block.link.label}: ${block.link.url}`;
};

/** A short, accessible layout: real text, one clear button, nothing that needs images to make sense. */
export const layout = (
  brand: Branding,
  title: string,
  paragraphs: Block[],
  action?: { label: string; url: string },
) => {
  const colour = brand.colour && /^#[0-9a-f]{6}$/i.test(brand.colour) ? brand.colour : '#2f5d8a';
  const button = action
    ? `<p style="margin:24px 0"><a href="${escapeHtml(action.url)}" style="background:${colour};color:#fff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600;display:inline-block">${escapeHtml(action.label)}</a></p><p style="font-size:14px;color:#555">If the button does not work, copy this address into your browser:<br>${escapeHtml(action.url)}</p>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title></head><body style="margin:0;padding:24px;font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a"><main style="max-width:560px;margin:0 auto"><p style="font-weight:600;color:${colour}">${escapeHtml(brand.orgName)}</p>${paragraphs.map(blockHtml).join('')}${button}</main></body></html>`;
};

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);

type ConfirmVars = { brand: Branding; firstName: string; link: string; validDays: number };

/** An email whose one action is the verification link: the first one and its reminder. */
const confirmEmail = (
  brand: Branding,
  subject: string,
  paragraphs: [greeting: string, ask: string, small: string],
  link: string,
): RenderedEmail => ({
  subject,
  text: `${paragraphs.slice(0, 2).join('\n\n')}\n\nConfirm your email: ${link}\n\n${paragraphs[2]}\n`,
  html: layout(brand, subject, paragraphs, { label: 'Confirm my email', url: link }),
});

export const verificationEmail = {
  name: 'verification',
  version: 1,
  render: (v: ConfirmVars): RenderedEmail =>
    confirmEmail(
      v.brand,
      `Please confirm your email for ${v.brand.orgName}`,
      [
        `Hi ${v.firstName},`,
        `Thanks for signing up with ${v.brand.orgName}. Please confirm this is your email address so we can start looking for your match.`,
        `The link works for ${days(v.validDays)}. If you did not sign up, ignore this email and we will forget your details.`,
      ],
      v.link,
    ),
};

export const verificationReminderEmail = {
  name: 'verification-reminder',
  version: 1,
  render: (v: ConfirmVars): RenderedEmail =>
    confirmEmail(
      v.brand,
      `A reminder to confirm your email for ${v.brand.orgName}`,
      [
        `Hi ${v.firstName},`,
        `A couple of days ago you signed up with ${v.brand.orgName}, but your email is not confirmed yet. We can only look for your match once it is.`,
        `The link works for another ${days(v.validDays)}. This is the only reminder we send; if you did not sign up, ignore it and we will forget your details.`,
      ],
      v.link,
    ),
};

export const alreadySignedUpEmail = {
  name: 'already-signed-up',
  version: 1,
  render: (v: { brand: Branding; firstName: string }): RenderedEmail => {
    const subject = `You are already signed up with ${v.brand.orgName}`;
    const paragraphs = [
      `Hi ${v.firstName},`,
      `Someone (probably you) just used this address on ${v.brand.orgName}'s signup form. You are already signed up and confirmed, so there is nothing more to do.`,
      'If this was not you, you can ignore this email: nothing has changed.',
    ];
    return { subject, text: `${paragraphs.join('\n\n')}\n`, html: layout(v.brand, subject, paragraphs) };
  },
};

export const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? name;

/** An email whose text and HTML parts are the same blocks, so the two never say different things. */
export const blocksEmail = (brand: Branding, subject: string, blocks: Block[]): RenderedEmail => ({
  subject,
  text: `${blocks.map(blockText).join('\n\n')}\n`,
  html: layout(brand, subject, blocks),
});
