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
