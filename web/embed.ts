import { KindredDirectory } from './directory-element';
import { KindredSignup } from './signup-element';

/**
 * embed.js: `<script src="https://API/embed.js" data-org="ORG_ID" async></script>` puts the organisation's
 * signup form where the tag stands; with `data-directory="university"` (and `data-org` to show only its own
 * groups) it puts the directory there instead. The API is the origin the script came from.
 */
const script = document.currentScript as HTMLScriptElement | null;
const api = script?.src ? new URL(script.src).origin : location.origin;
KindredSignup.apiBase ||= api;
KindredDirectory.apiBase ||= api;
if (!customElements.get('kindred-signup')) customElements.define('kindred-signup', KindredSignup);
if (!customElements.get('kindred-directory')) customElements.define('kindred-directory', KindredDirectory);

const place = (element: HTMLElement) => {
  element.setAttribute('api', api);
  // A tag in <head> has no place to stand in: the element goes at the end of the body instead.
  if (script?.parentElement && script.parentElement !== document.head) script.before(element);
  else if (document.body) document.body.append(element);
  else document.addEventListener('DOMContentLoaded', () => document.body.append(element));
};

const { org, directory, pageSize } = script?.dataset ?? {};
if (directory) {
  const widget = document.createElement('kindred-directory');
  widget.setAttribute('directory', directory);
  if (org) widget.setAttribute('org', org);
  if (pageSize) widget.setAttribute('page-size', pageSize);
  place(widget);
} else if (org) {
  const form = document.createElement('kindred-signup');
  form.setAttribute('org', org);
  place(form);
}
