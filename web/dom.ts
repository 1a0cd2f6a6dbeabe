/** A small element builder for the widgets: attributes (true: present, false/undefined: absent) and children. */

export type Attrs = Record<string, string | boolean | undefined>;
export type Child = Node | string | undefined | false;

export const h = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]) => {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === true) el.setAttribute(name, '');
    else if (typeof value === 'string') el.setAttribute(name, value);
  }
  for (const child of children) if (child) el.append(child);
  return el;
};
