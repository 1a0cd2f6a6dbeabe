import { directoryOf } from '../domain/directory';
import type { Organisation } from '../domain/organisation';
import { escapeHtml } from './html';

/**
 * The pages around the embedded form: the iframe variant (a whole page holding the same element, for sites
 * that allow no third-party scripts) and the copy-paste snippets page for organisations, which also gives the
 * directory widget's tag.
 */

const PAGE_STYLE =
  'body{font:1rem/1.5 system-ui,sans-serif;color:#1a1a1a;margin:0;padding:1rem}main{max-width:48rem;margin:0 auto}pre{background:#f4f4f4;border:1px solid #c8c8c8;border-radius:6px;padding:.75rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}code{font:.9rem/1.4 ui-monospace,Menlo,Consolas,monospace}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}a{color:#1f4e79}a:focus-visible{outline:3px solid #1f4e79;outline-offset:2px}';

export const scriptSnippet = (apiUrl: string, orgId: string) =>
  `<script src="${apiUrl}/embed.js" data-org="${orgId}" async></script>`;

/** The directory widget: the organisation's own listings (or the whole directory without `orgId`). */
export const directorySnippet = (apiUrl: string, directory: string, orgId?: string) =>
  `<script src="${apiUrl}/embed.js" data-directory="${directory}"${orgId ? ` data-org="${orgId}"` : ''} async></script>`;

export const iframeSnippet = (apiUrl: string, orgId: string, orgName = 'our organisation') =>
  `<iframe src="${apiUrl}/v1/orgs/${orgId}/form.html" title="Sign up with ${orgName}" style="width:100%;max-width:42rem;height:70rem;border:0" loading="lazy"></iframe>`;

/**
 * The iframe variant. Its CSP allows only the platform's own script and API, and `frame-ancestors` only the
 * organisation's allowed origins, so other sites cannot frame it.
 */
export const framePage = (org: Organisation, apiUrl: string) => {
  const api = new URL(apiUrl).origin;
  const ancestors = ["'self'", ...(org.allowedOrigins ?? [])].join(' ');
  const csp = [
    "default-src 'none'",
    `script-src ${api}`,
    `connect-src ${api}`,
    // The form's styles live in a <style> element inside its shadow root.
    "style-src 'unsafe-inline'",
    'img-src https:',
    `frame-ancestors ${ancestors}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Sign up with ${escapeHtml(org.name)}</title><style>body{margin:0;padding:.5rem;background:#fff}</style></head><body><main><kindred-signup org="${escapeHtml(org.orgId)}" api="${escapeHtml(api)}"></kindred-signup></main><script src="${escapeHtml(api)}/embed.js" async></script></body></html>`;
  return { html, csp };
};

/** Copy-paste snippets for an organisation (or a placeholder id when none is named). */
export const snippetsPage = (apiUrl: string, org: Organisation | undefined) => {
  const orgId = org?.orgId ?? 'ORG_ID';
  const origins = org?.allowedOrigins ?? [];
  const code = (text: string) => `<pre><code>${escapeHtml(text)}</code></pre>`;
  const originsText = org
    ? origins.length
      ? `Pages on these origins may show the form now: ${origins.join(', ')}. Ask us to add any other site you use.`
      : 'No website may show the form yet: tell us the origins of your site (such as https://www.example.org) to add them.'
    : 'Add ?org=YOUR_ID to this page’s address to see the snippets with your organisation filled in.';
  const title = org ? `Embed the signup form of ${org.name}` : 'Embed a kindred signup form';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(originsText)}</p>
<h2>With a script tag (recommended)</h2>
<p>Paste this where the form should appear. The form sits in its own shadow DOM: your site’s styles do not change it, and it does not change your site.</p>
${code(scriptSnippet(apiUrl, orgId))}
<p>If your site sends a Content-Security-Policy, allow <code>${escapeHtml(new URL(apiUrl).origin)}</code> in <code>script-src</code> and <code>connect-src</code>, and <code>'unsafe-inline'</code> in <code>style-src</code>.</p>
<h2>With an iframe (for sites that allow no third-party scripts)</h2>
${code(iframeSnippet(apiUrl, orgId, org?.name))}
<p>The framed page may only be shown on your allowed origins.${org ? ` <a href="${escapeHtml(`${apiUrl}/v1/orgs/${orgId}/form.html`)}">Open it on its own</a>.` : ''}</p>
<h2>Your own element</h2>
<p>Load the script once without <code>data-org</code>, then place the element wherever you like:</p>
${code(`<script src="${apiUrl}/embed.js" async></script>\n<kindred-signup org="${orgId}"></kindred-signup>`)}
${directorySection(apiUrl, org)}
</main></body></html>`;
};

/** The directory widget's part of the snippets page: its tag, or why an organisation has none. */
const directorySection = (apiUrl: string, org: Organisation | undefined) => {
  const directory = org ? directoryOf(org.kind) : 'university';
  if (!directory) {
    return '<h2>The directory of your groups</h2>\n<p>Company programs are internal: they are in no public directory.</p>';
  }
  const code = (text: string) => `<pre><code>${escapeHtml(text)}</code></pre>`;
  return `<h2>The directory of your groups</h2>
<p>Paste this where your peer-support groups and programs should be listed, with their open seats, next session and a join link. It needs no allowed origin: the directory is public. The seat counts refresh every minute while the page is open.</p>
${code(directorySnippet(apiUrl, directory, org?.orgId ?? 'ORG_ID'))}
<p>Leave out <code>data-org</code> to show every organisation in the ${escapeHtml(directory)} directory${org ? '' : ' (or use <code>data-directory="nonprofit"</code>)'}. The widget can be placed as an element too: <code>${escapeHtml(`<kindred-directory directory="${directory}" org="${org?.orgId ?? 'ORG_ID'}"></kindred-directory>`)}</code>.</p>`;
};
