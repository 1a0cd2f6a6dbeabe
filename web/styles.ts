/**
 * The form's own styles, inside its shadow root: the host page's CSS cannot reach in, and these cannot leak
 * out. `all: initial` stops inherited host styles (fonts, colours, line heights) at the boundary.
 */
export const styles = (accent: string) => `
:host{all:initial;display:block;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;--accent:${accent};--error:#b00020;max-width:40rem}
*{box-sizing:border-box}
.card{background:#fff;border:1px solid #c8c8c8;border-radius:8px;padding:1.25rem 1.5rem}
header{display:flex;gap:.75rem;align-items:center;margin-bottom:.5rem}
header img{max-height:3rem;max-width:8rem}
h2{font-size:1.4rem;margin:0 0 .5rem;line-height:1.25}
h3{font-size:1.1rem;margin:0 0 .5rem}
p{margin:.25rem 0 .75rem}
.field,fieldset{margin:0 0 1rem;padding:0;border:0;min-width:0}
fieldset.box{border:1px solid #c8c8c8;border-radius:6px;padding:.5rem .75rem .75rem}
label,legend{display:block;font-weight:600;padding:0}
.hint{display:block;color:#4a4a4a;font-weight:400;font-size:.9rem}
.opt{display:flex;gap:.5rem;align-items:flex-start;font-weight:400;margin:.25rem 0}
.opt input{margin-top:.3rem;width:1.1rem;height:1.1rem;flex:none;accent-color:var(--accent)}
.choices{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:0 1rem}
input[type=text],input[type=email],input[type=number],select{font:inherit;color:inherit;background:#fff;border:2px solid #6b6b6b;border-radius:4px;padding:.4rem .5rem;width:100%;max-width:24rem;margin-top:.25rem}
input[type=number]{max-width:6rem}
.slot{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end;margin:.25rem 0 .5rem}
.slot label{font-weight:400}
.slot select{width:9rem}.slot input{width:6rem}
[aria-invalid=true]{border-color:var(--error)}
.error{color:var(--error);font-weight:600;margin:.25rem 0 0}
.error:empty{display:none}
button{font:inherit;font-weight:600;border-radius:4px;padding:.55rem 1.1rem;cursor:pointer;border:2px solid var(--accent)}
button.primary{background:var(--accent);color:#fff}
button.secondary{background:#fff;color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px;box-shadow:0 0 0 5px #fff}
.summary{border:3px solid var(--error);border-radius:6px;padding:.75rem 1rem;margin-bottom:1rem}
.summary a{color:var(--error);font-weight:600}
.consent{background:#f4f4f4;border-radius:6px;padding:.75rem}
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}
.status{min-height:1.5rem}
[hidden]{display:none!important}
@media (prefers-reduced-motion:no-preference){button,input,select{transition:border-color .15s,box-shadow .15s}}
`;

/** The directory widget: the form's look, plus the filter grid and the result cards. */
export const directoryStyles = (accent: string) => `${styles(accent)}
:host{max-width:none}
.filters{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:0 1rem}
.filters input[type=text],.filters select{max-width:none}
.results{list-style:none;margin:0 0 1rem;padding:0;display:grid;gap:.75rem}
article{border:1px solid #c8c8c8;border-left:6px solid var(--accent);border-radius:6px;padding:.75rem 1rem}
.org{color:#4a4a4a;margin:0}
.seats{font-weight:700}
.seats.full{color:#8a1c00}
dl{margin:.25rem 0 .75rem}
dl div{display:flex;flex-wrap:wrap;gap:0 .5rem}
dt{font-weight:600}
dt::after{content:":"}
dd{margin:0}
a.join{display:inline-block;background:var(--accent);color:#fff;font-weight:600;border-radius:4px;padding:.45rem .9rem;text-decoration:underline}
`;
