import { escapeHtml } from './html';

/**
 * A page that asks before it acts: links in emails only ever open it (a GET changes nothing, because mail
 * scanners follow links), and the person's button press POSTs the form. Plain HTML, no script, labelled
 * controls in a fieldset, so it works with a keyboard and a screen reader.
 */
export interface ConfirmForm {
  title: string;
  paragraphs: string[];
  action: string;
  hidden: Record<string, string>;
  /** A required choice, shown as radio buttons; the first is preselected. */
  choice?: { name: string; legend: string; options: { value: string; label: string }[] };
  submit: string;
  colour?: string;
}

export const confirmFormPage = (form: ConfirmForm) => {
  const colour = form.colour && /^#[0-9a-f]{6}$/i.test(form.colour) ? form.colour : '#2f5d8a';
  const hidden = Object.entries(form.hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  const choice = form.choice
    ? `<fieldset><legend>${escapeHtml(form.choice.legend)}</legend>${form.choice.options
        .map(
          (option, index) =>
            `<div><input type="radio" id="choice-${index}" name="${escapeHtml(form.choice?.name ?? '')}" value="${escapeHtml(option.value)}"${index === 0 ? ' checked' : ''}> <label for="choice-${index}">${escapeHtml(option.label)}</label></div>`,
        )
        .join('')}</fieldset>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(form.title)}</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}fieldset{border:1px solid #bbb;border-radius:6px;margin:1.5rem 0;padding:.5rem 1rem 1rem}fieldset div{margin:.5rem 0}input[type=radio]{width:1.1rem;height:1.1rem}button{font:inherit;font-weight:600;background:${colour};color:#fff;border:0;border-radius:6px;padding:.75rem 1.25rem;cursor:pointer}button:focus-visible,input:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}</style></head><body><main><h1>${escapeHtml(form.title)}</h1>${form.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('')}<form method="post" action="${escapeHtml(form.action)}">${hidden}${choice}<button type="submit">${escapeHtml(form.submit)}</button></form></main></body></html>`;
};

/** The options with the one the person clicked in the email first, so the page preselects their answer. */
export const clickedFirst = <T extends { value: string }>(options: readonly T[], clicked: string): T[] =>
  [...options].sort((a, b) => Number(b.value === clicked) - Number(a.value === clicked));
