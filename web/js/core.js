// The core every screen uses, in one module so a phone on a slow network fetches it in one
// round trip: translations, Asia/Shanghai dates, the session, the API client, DOM helpers and
// forms that survive failures.

// ---- i18n ----
// Translations: every string a person reads comes from web/i18n/<lang>.json.

const LANGS = ['zh-CN', 'en'];
const KEY = 'linli.lang';
let messages = {};
let lang = 'zh-CN';

/** The language in use. */
export function currentLang() {
  return lang;
}

/** The languages offered. */
export function languages() {
  return LANGS;
}

/** Loads the remembered language (zh-CN by default) before the first screen is drawn. */
export async function loadLang(wanted) {
  const chosen = LANGS.includes(wanted) ? wanted : (localStorage.getItem(KEY) || 'zh-CN');
  lang = LANGS.includes(chosen) ? chosen : 'zh-CN';
  const url = new URL(`../i18n/${lang}.json`, import.meta.url);
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`cannot load ${lang}`);
  messages = await response.json();
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
  document.title = t('app.title');
}

/** The message for `key`, with `{name}` placeholders filled from `params`; the key itself when missing. */
export function t(key, params = {}) {
  const text = messages[key];
  if (typeof text !== 'string') return key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/** True when a message exists, so callers can fall back to a more general one. */
export function has(key) {
  return typeof messages[key] === 'string';
}

// ---- format ----
// Dates and numbers as people here read them: times in Asia/Shanghai, whatever the device says.

export const ZONE = 'Asia/Shanghai';

const DATE_TIME = {
  timeZone: ZONE, month: 'short', day: 'numeric', weekday: 'short', hour: '2-digit', minute: '2-digit', hour12: false,
};
const TIME = { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hour12: false };

/** Formatters by language and options: making one costs far more than using it (a phone's
 * slow CPU pays milliseconds each), and a list of needs formats every card the same way. */
const formatters = new Map();
function formatter(Kind, options) {
  const key = `${Kind.name}|${currentLang()}|${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Kind(currentLang(), options);
    formatters.set(key, found);
  }
  return found;
}

/** A date and time in Asia/Shanghai, e.g. 11月30日 09:00. */
export function dateTime(iso) {
  if (!iso) return '';
  return formatter(Intl.DateTimeFormat, DATE_TIME).format(new Date(iso));
}

/** A time window: start date and time to end time. */
export function timeWindow(start, end) {
  return `${dateTime(start)} – ${formatter(Intl.DateTimeFormat, TIME).format(new Date(end))}`;
}

/** Today's date in Asia/Shanghai as YYYY-MM-DD (for date inputs). */
export function todayInShanghai(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86400000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(d);
}

/** A Shanghai wall-clock date and time (YYYY-MM-DD, HH:MM) as an RFC 3339 UTC instant. */
export function shanghaiToUtc(date, time) {
  return new Date(`${date}T${time}:00+08:00`).toISOString();
}

/** A whole number with grouping. */
export function number(n) {
  return formatter(Intl.NumberFormat, {}).format(n);
}

/**
 * An amount of yuan from the API's decimal string ("35.5" → ¥35.50), worked on as text so no
 * float ever touches money; what is not a decimal string is shown as it came.
 */
export function money(decimal) {
  const found = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(decimal ?? '').trim());
  if (!found) return String(decimal ?? '');
  const [, sign, whole, fraction = ''] = found;
  const grouped = whole.replace(/^0+(?=\d)/, '').replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign ? '−' : ''}¥${grouped}.${fraction.padEnd(2, '0')}`;
}

// ---- session ----
// Who is signed in: the bearer token (sessionStorage, or localStorage when "keep me signed in"
// was ticked) and the account it belongs to, with its roles.

const TOKEN = 'linli.token';
const ACCOUNT = 'linli.account';
const ORGS = 'linli.orgs';
let me = null;

/** The storage holding the session: localStorage when remembered, else this tab's. */
function store() {
  return localStorage.getItem(TOKEN) ? localStorage : sessionStorage;
}

/** The stored token, if any. */
export function token() {
  return sessionStorage.getItem(TOKEN) || localStorage.getItem(TOKEN);
}

/** Keeps a new session's token and account; only in this tab unless `remember`. */
export function signIn(newToken, account, remember) {
  signOutLocally();
  const where = remember ? localStorage : sessionStorage;
  where.setItem(TOKEN, newToken);
  setAccount(account);
}

/** Forgets the token and the account. */
export function signOutLocally() {
  for (const where of [sessionStorage, localStorage]) {
    where.removeItem(TOKEN);
    where.removeItem(ACCOUNT);
    where.removeItem(ORGS);
  }
  me = null;
}

/**
 * The signed-in account (MeView): the one kept with the token, so a returning visitor's home
 * draws without waiting for `get_me`, which refreshes it in the background.
 */
export function account() {
  if (!me && token()) {
    try {
      me = JSON.parse(store().getItem(ACCOUNT) || 'null');
    } catch {
      me = null;
    }
  }
  return me;
}

/** Sets (and keeps beside the token) the account after `get_me` or a login. */
export function setAccount(account) {
  me = account;
  if (token()) store().setItem(ACCOUNT, JSON.stringify(account));
}

/**
 * The organizations the account is a member of ({id, kind, name_zh, name_en, role,
 * service_area_ids}), kept beside the token; null until they were looked up once.
 */
export function memberships() {
  try {
    return JSON.parse(store().getItem(ORGS) || 'null');
  } catch {
    return null;
  }
}

/** Keeps the organizations the account is a member of (from `list_organizations`' `my_role`). */
export function setMemberships(organizations) {
  if (!token()) return;
  store().setItem(ORGS, JSON.stringify(organizations.filter((o) => o.my_role).map((o) => ({
    id: o.id, kind: o.kind, name_zh: o.name_zh, name_en: o.name_en, role: o.my_role,
    service_area_ids: o.service_area_ids, verified: o.verified,
  }))));
}

/** The organizations of `kinds` (all when empty) where the account holds one of `roles`. */
export function myOrganizations(kinds = [], roles = ['admin', 'leader', 'member']) {
  return (memberships() || []).filter((o) => (!kinds.length || kinds.includes(o.kind)) && roles.includes(o.role));
}

const STAFF = ['grid_worker', 'community_staff', 'social_worker', 'street_admin', 'platform_admin'];

/** True when the account holds `role` anywhere. */
export function holds(role) {
  return Boolean(me && me.roles.some((held) => held.role === role));
}

/** True for volunteers. */
export function isVolunteer() {
  return holds('volunteer');
}

/** True for grid workers, community staff, social workers and admins. */
export function isStaff() {
  return Boolean(me && me.roles.some((held) => STAFF.includes(held.role)));
}

// ---- api ----
// The API client: JSON in and out, the bearer token, problem+json turned into ApiError (with its
// stable `code` for translation) and a failed connection into NetworkError (shown with a retry).

export const BASE = '/api/v1';

/** The API answered with a problem (RFC 9457 with Linli's `code`). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || 'internal';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.requestId = problem.request_id;
  }
}

/** The API could not be reached. */
export class NetworkError extends Error {}

/** Listeners told when the session is no longer valid (401), to send the person to log in. */
const unauthorized = new Set();
export function onUnauthorized(listener) {
  unauthorized.add(listener);
}

/**
 * Calls the API. `query` becomes the query string (undefined values skipped); `body` is sent as
 * JSON; `idempotencyKey` is sent as Idempotency-Key so a retried call is done once; `cookies`
 * lets the answer set or clear the session cookie (signing in and out) — every other call
 * leaves cookies out.
 */
export async function call(method, path, { query, body, idempotencyKey, cookies } = {}) {
  const url = new URL(BASE + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json', 'Accept-Language': currentLang() };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  let response;
  try {
    response = await fetch(url, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: cookies ? 'same-origin' : 'omit', cache: 'no-store',
    });
  } catch (cause) {
    throw new NetworkError(String(cause));
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data || { code: response.status >= 500 ? 'internal' : 'bad_request' });
    if (response.status === 401 && bearer) unauthorized.forEach((listener) => listener(error));
    throw error;
  }
  return data;
}

/**
 * Fetches a file the API draws or exports (SVG chart, CSV report) with the bearer token and
 * returns it as a Blob, so it can be shown as an image or saved without putting the token in a URL.
 */
export async function fetchBlob(path, query) {
  const url = new URL(BASE + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = { 'Accept-Language': currentLang() };
  const bearer = token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch(url, { headers, credentials: 'omit', cache: 'no-store' });
  } catch (cause) {
    throw new NetworkError(String(cause));
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { problem = null; }
    const error = new ApiError(response.status, problem || { code: response.status >= 500 ? 'internal' : 'bad_request' });
    if (response.status === 401 && bearer) unauthorized.forEach((listener) => listener(error));
    throw error;
  }
  return response.blob();
}

export const get = (path, query) => call('GET', path, { query });
export const post = (path, body, options = {}) => call('POST', path, { body, ...options });
export const put = (path, body) => call('PUT', path, { body });
export const del = (path) => call('DELETE', path);

/** A fresh idempotency key: one per intended action, reused when that action is retried. */
export function newKey() {
  return crypto.randomUUID();
}

// ---- dom ----
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

// ---- forms ----
// Forms and loads that can fail: problem codes become translated messages beside the field (or
// above the form), a lost connection offers a retry, and what was typed is never cleared.

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
