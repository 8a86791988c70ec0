// DOM helpers: every piece of text goes in through textContent, never through HTML parsing,
// so nothing a person typed can become markup.

/** Builds an element: h('p', {class: 'x'}, 'text', child). Attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

/** Appends text (as text nodes) and elements, flattening arrays and skipping empty values. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces everything inside `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let serial = 0;

/** A unique id for label/control pairs. */
export function uid(prefix = 'f') {
  serial += 1;
  return `${prefix}-${serial}`;
}

/**
 * A labelled control with a slot for its error message, linked by aria-describedby.
 * `control` is an element (input, select, textarea) that already has a `name`.
 */
export function field(label, control, hint) {
  const id = control.id || uid(control.name || 'f');
  control.id = id;
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const described = [`${id}-error`];
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    described.push(`${id}-hint`);
  }
  control.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: 'field', dataset: { field: control.name } },
    h('label', { for: id }, label), hintEl, control, error);
}
