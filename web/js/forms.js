// Forms and loads that can fail: problem codes become translated messages beside the field (or
// above the form), a lost connection offers a retry, and what was typed is never cleared.
import { ApiError, NetworkError } from './api.js';
import { h, replace } from './dom.js';
import { t, has } from './i18n.js';

/** The translated message for a problem. */
export function problemMessage(error) {
  if (error instanceof NetworkError) return t('network.failed');
  if (error instanceof ApiError) {
    if (has(`problem.${error.code}`)) return t(`problem.${error.code}`);
    return t('problem.unknown', { status: error.status });
  }
  return t('problem.unknown', { status: '?' });
}

/** The message for one offending field, by the rule it broke. */
function fieldMessage(fieldError) {
  if (has(`rule.${fieldError.code}`)) return t(`rule.${fieldError.code}`);
  return t('rule.invalid');
}

/** An alert box: the message, the request id to quote, and a retry button when one helps. */
export function alertBox(error, retry) {
  const box = h('div', { class: 'alert', role: 'alert' }, h('p', {}, problemMessage(error)));
  if (error instanceof ApiError && error.requestId) {
    box.append(h('p', { class: 'small' }, t('problem.request_id', { id: error.requestId })));
  }
  if (retry && (error instanceof NetworkError || (error instanceof ApiError && error.status >= 500))) {
    box.append(h('button', { type: 'button', class: 'secondary', onclick: retry }, t('action.retry')));
  }
  return box;
}

function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((el) => { el.hidden = true; el.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
  form.querySelector(':scope > .form-alert')?.replaceChildren();
}

/** The control named `name` (the first of a radio group) and the slot for its error message. */
function locate(form, name) {
  let control = form.elements.namedItem(name);
  if (control && !(control instanceof Element)) control = control[0];
  if (!control) return null;
  const slot = document.getElementById(`${control.id}-error`) || document.getElementById(`${name}-error`);
  return slot ? { control, slot } : null;
}

/** Shows each field error under its control; false when none of them matched a control. */
function showFieldErrors(form, errors) {
  let shown = false;
  let first = null;
  for (const fieldError of errors) {
    const names = [fieldError.field, String(fieldError.field).split('.').pop()];
    const found = names.map((name) => locate(form, name)).find(Boolean);
    if (!found) continue;
    const { control, slot } = found;
    slot.textContent = fieldMessage(fieldError);
    slot.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    first = first || control;
    shown = true;
  }
  first?.focus();
  return shown;
}

/** Shows a problem on a single named field (used for codes that concern one field). */
export function showOnField(form, name, message) {
  const found = locate(form, name);
  if (!found) return false;
  const { control, slot } = found;
  slot.textContent = message;
  slot.hidden = false;
  control.setAttribute('aria-invalid', 'true');
  control.focus();
  return true;
}

/**
 * Runs `action(values, form)` on submit. `fieldFor` maps problem codes to the field they concern
 * (e.g. {wrong_check_code: 'code'}), so the message appears next to it.
 */
export function bindForm(form, action, { fieldFor = {} } = {}) {
  if (!form.querySelector(':scope > .form-alert')) {
    form.prepend(h('div', { class: 'form-alert', 'aria-live': 'assertive' }));
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    clearErrors(form);
    const values = Object.fromEntries(new FormData(form).entries());
    const buttons = form.querySelectorAll('button[type=submit]');
    form.setAttribute('aria-busy', 'true');
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action(values, form);
    } catch (error) {
      const alert = form.querySelector(':scope > .form-alert');
      const handled = error instanceof ApiError && (
        (error.errors.length && showFieldErrors(form, error.errors))
        || (fieldFor[error.code] && showOnField(form, fieldFor[error.code], problemMessage(error))));
      if (!handled) {
        replace(alert, alertBox(error, () => form.requestSubmit()));
        alert.querySelector('button')?.focus();
      }
      if (!(error instanceof ApiError) && !(error instanceof NetworkError)) console.error(error);
    } finally {
      form.removeAttribute('aria-busy');
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
  return form;
}

/** Loads data into `container`: a loading line, then `draw(data)`, or an alert with a retry. */
export async function load(container, loader, draw) {
  replace(container, h('p', { class: 'loading', role: 'status' }, t('status.loading')));
  try {
    const data = await loader();
    replace(container);
    await draw(data);
  } catch (error) {
    replace(container, alertBox(error, () => load(container, loader, draw)));
    if (!(error instanceof ApiError) && !(error instanceof NetworkError)) console.error(error);
  }
}
