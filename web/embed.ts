import { KindredSignup } from './signup-element';

/**
 * embed.js: `<script src="https://API/embed.js" data-org="ORG_ID" async></script>` puts the organisation's
 * signup form where the tag stands. The API is the origin the script came from.
 */
const script = document.currentScript as HTMLScriptElement | null;
if (!KindredSignup.apiBase)
  KindredSignup.apiBase = script?.src ? new URL(script.src).origin : location.origin;
if (!customElements.get('kindred-signup')) customElements.define('kindred-signup', KindredSignup);

const org = script?.dataset.org;
if (script && org) {
  const form = document.createElement('kindred-signup');
  form.setAttribute('org', org);
  form.setAttribute('api', new URL(script.src).origin);
  // A tag in <head> has no place to stand in: the form goes at the end of the body instead.
  if (script.parentElement && script.parentElement !== document.head) script.before(form);
  else if (document.body) document.body.append(form);
  else document.addEventListener('DOMContentLoaded', () => document.body.append(form));
}
