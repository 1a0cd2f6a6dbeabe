import { DomUtils, parseDocument } from 'htmlparser2';
import { type Block, type Branding, blocksEmail, type RenderedEmail } from './templates';

/**
 * The digest: the nudges held back while a person was at the frequency cap, in one email. Each held email is
 * listed by its own subject line with its own links (what it asked the reader to do), so nothing it offered
 * is lost by being folded. Every string is text, never markup.
 */

/** A link a folded email offered, with the words before it ("Not the right match?"), if any. */
export interface DigestAction {
  lead: string;
  label: string;
  url: string;
}

export interface DigestItem {
  subject: string;
  actions: DigestAction[];
}

export interface DigestVars {
  brand: Branding;
  firstName: string;
  items: DigestItem[];
}

const whitespace = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * The links of a rendered email (the calls to action of its body), in order, each once. Read from the HTML
 * part, where every template writes its links as anchors with their labels.
 */
export const callsToAction = (html: string): DigestAction[] => {
  const document = parseDocument(html);
  const actions: DigestAction[] = [];
  for (const anchor of DomUtils.getElementsByTagName('a', document)) {
    const url = DomUtils.getAttributeValue(anchor, 'href') ?? '';
    if (!/^https?:\/\//.test(url) || actions.some((a) => a.url === url)) continue;
    const parent = anchor.parent;
    const before = parent ? parent.children.slice(0, parent.children.indexOf(anchor)) : [];
    actions.push({
      lead: whitespace(before.map((node) => DomUtils.textContent(node)).join('')),
      label: whitespace(DomUtils.textContent(anchor)),
      url,
    });
  }
  return actions;
};

const count = (n: number) => (n === 1 ? 'one email' : `${n} emails`);

export const digestEmail = {
  name: 'digest',
  version: 1,
  render: (v: DigestVars): RenderedEmail => {
    const subject = `${v.brand.orgName}: ${count(v.items.length)} we held back for you`;
    const blocks: Block[] = [
      `Hi ${v.firstName},`,
      `So that you don't hear from us too often, we held back ${count(v.items.length)}. ${v.items.length === 1 ? 'Here it is:' : 'Here they are, together:'}`,
      ...v.items.flatMap((item): Block[] => [
        { list: [item.subject] },
        ...item.actions.map(
          (action): Block => ({ small: action.lead || '→', link: { label: action.label, url: action.url } }),
        ),
      ]),
    ];
    return blocksEmail(v.brand, subject, blocks);
  },
};
