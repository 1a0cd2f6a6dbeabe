import { COMMENT_MAX_CHARS, RATING_WORDS, RATINGS } from '../../shared/domain/feedback';
import { escapeHtml } from '../../shared/http/html';

/**
 * The pages of a rating link: the form the link opens (the rating clicked preselected, an optional comment)
 * and the page after it is sent. Plain HTML, no script, labelled controls, so they work with a keyboard and a
 * screen reader. Every string is text (escaped), never markup.
 */

const colourOf = (colour: string | undefined) =>
  colour && /^#[0-9a-f]{6}$/i.test(colour) ? colour : '#2f5d8a';

const page = (title: string, colour: string | undefined, body: string) => {
  const c = colourOf(colour);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a}fieldset{border:1px solid #bbb;border-radius:6px;margin:1.5rem 0;padding:.5rem 1rem 1rem}fieldset div{margin:.5rem 0}input[type=radio]{width:1.1rem;height:1.1rem}label{font-weight:600}textarea{font:inherit;width:100%;box-sizing:border-box;min-height:8rem;margin:.5rem 0;padding:.5rem;border:1px solid #888;border-radius:6px}.hint{font-size:.95rem;color:#444;font-weight:400}.small{font-size:.95rem;color:#444}.help{border:3px solid #a4161a;border-radius:6px;padding:.75rem 1rem;margin:1.5rem 0;background:#fff5f5}.help h2{margin-top:0;font-size:1.25rem}a.button,button{display:inline-block;font:inherit;font-weight:600;background:${c};color:#fff;border:0;border-radius:6px;padding:.75rem 1.25rem;cursor:pointer;text-decoration:none}button:focus-visible,input:focus-visible,textarea:focus-visible,a:focus-visible{outline:3px solid #1a1a1a;outline-offset:2px}</style></head><body><main>${body}</main></body></html>`;
};

const paragraph = (text: string, attributes: { class?: string; id?: string } = {}) => {
  const attrs = Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escapeHtml(value)}"`)
    .join('');
  return `<p${attrs}>${escapeHtml(text)}</p>`;
};

/** What to do in danger when the organisation has set up no crisis information of its own. */
export const DEFAULT_CRISIS_HELP =
  'If you are in danger or thinking about harming yourself, please call your local emergency number now.';

/** Said wherever crisis help is shown: kindred is peer support, not a crisis service. */
export const NOT_A_CRISIS_SERVICE =
  'This mentoring program (run on kindred) is peer support, not a crisis service: nobody may read what you write here straight away, so please do not wait for a reply.';

export interface FeedbackFormVars {
  orgName: string;
  colour?: string;
  otherFirstName: string;
  when: string;
  action: string;
  token: string;
  /** The rating clicked in the email, preselected. */
  rating?: number;
  crisisHelp?: string;
}

/** The form a rating link opens; it records nothing until the person presses the button. */
export const feedbackFormPage = (v: FeedbackFormVars) => {
  const title = `How was your meeting with ${v.otherFirstName}?`;
  const options = RATINGS.map(
    (rating) =>
      `<div><input type="radio" id="rating-${rating}" name="rating" value="${rating}" required${rating === v.rating ? ' checked' : ''}> <label for="rating-${rating}">${rating}: ${escapeHtml(RATING_WORDS[rating])}</label></div>`,
  ).join('');
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    paragraph(`Your meeting on ${v.when}.`),
    `<form method="post" action="${escapeHtml(v.action)}">`,
    `<input type="hidden" name="token" value="${escapeHtml(v.token)}">`,
    `<fieldset><legend>How did it go, from 1 (not good at all) to 5 (really good)?</legend>${options}</fieldset>`,
    `<p><label for="comment">Anything you would like to add? <span class="hint">(optional, up to ${COMMENT_MAX_CHARS.toLocaleString('en')} characters)</span></label>`,
    `<textarea id="comment" name="comment" maxlength="${COMMENT_MAX_CHARS}" aria-describedby="who-reads"></textarea></p>`,
    paragraph(`Your rating and comment go to the program team at ${v.orgName}, not to ${v.otherFirstName}.`, {
      class: 'small',
      id: 'who-reads',
    }),
    '<button type="submit">Send my rating</button></form>',
    paragraph(`${NOT_A_CRISIS_SERVICE} ${v.crisisHelp ?? DEFAULT_CRISIS_HELP}`, { class: 'small' }),
  ].join('');
  return page(title, v.colour, body);
};

export interface FeedbackThanksVars {
  orgName: string;
  colour?: string;
  otherFirstName: string;
  hasComment: boolean;
  /** Crisis language in the comment: the organisation's crisis information, shown first. */
  crisisHelp?: string;
  concern: boolean;
  /** Someone at the organisation is alerted to a concern (it has a safeguarding contact or a coordinator). */
  safeguardingAlerted: boolean;
  lowInARow: boolean;
  /** The program coordinator knows about the low ratings (the match is going on and it has a coordinator). */
  coordinatorAlerted: boolean;
  /** The link that asks for a new match, when one is offered. */
  rematchUrl?: string;
}

/** The page after a rating is recorded. */
export const feedbackThanksPage = (v: FeedbackThanksVars) => {
  const parts: string[] = [];
  if (v.concern) {
    // Shown before anything else: what to do now matters more than the thanks.
    parts.push(
      '<h1>Thank you for telling us</h1>',
      '<section class="help" role="alert" aria-labelledby="help-now"><h2 id="help-now">If you need help now</h2>',
      paragraph(v.crisisHelp ?? DEFAULT_CRISIS_HELP),
      paragraph(NOT_A_CRISIS_SERVICE),
      '</section>',
      paragraph(
        v.safeguardingAlerted
          ? `We have passed what you wrote to the people at ${v.orgName} who look after participants’ safety, and they will get in touch with you.`
          : `Please also tell someone at ${v.orgName}, or someone you trust, how you are feeling.`,
      ),
      paragraph('Your rating is recorded.'),
    );
  } else {
    parts.push(
      '<h1>Thank you: your rating is recorded</h1>',
      paragraph(
        v.hasComment
          ? `Your comment goes to the program team at ${v.orgName}. It helps them support you both.`
          : `It helps the program team at ${v.orgName} support you both.`,
      ),
    );
  }
  if (v.lowInARow) {
    parts.push(
      paragraph(
        `We are sorry your meetings with ${v.otherFirstName} have not been going well.${v.coordinatorAlerted ? ' We have let the program coordinator know, so they can check in with you.' : ''}`,
      ),
    );
    if (v.rematchUrl) {
      parts.push(
        paragraph(
          'If this match is not working, you can ask for a new one. It happens, and nobody is blamed: the other person is told only that the match has ended.',
        ),
        `<p><a class="button" href="${escapeHtml(v.rematchUrl)}">Ask for a new match</a></p>`,
      );
    }
  }
  parts.push(paragraph('You can close this page.', { class: 'small' }));
  return page(
    v.concern ? 'Thank you for telling us' : 'Thank you: your rating is recorded',
    v.colour,
    parts.join(''),
  );
};
