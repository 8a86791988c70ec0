// Pieces shared by the need screens: status badges, category names, need cards.
import { get, h, t, currentLang, timeWindow, ZONE } from '../core.js';

let categories = null;
let pending = null;

/** The service categories, fetched once per page life (they change rarely); a failure is retried next time. */
export function loadCategories() {
  pending ||= get('/service-categories').then((list) => { categories = list; return list; })
    .catch((error) => { pending = null; throw error; });
  return pending;
}

/** Takes the categories from a read that carried them (the home's), sparing a request. */
export function setCategories(list) {
  categories = list;
  pending = Promise.resolve(list);
}

/** `request`'s result once the categories are loaded too, both in flight at once. */
export async function withCategories(request) {
  const [result] = await Promise.all([request, loadCategories()]);
  return result;
}

/** A category's name in the language in use, by id or code. */
export function categoryName(idOrCode) {
  const found = (categories || []).find((c) => c.id === idOrCode || c.code === idOrCode);
  if (!found) return String(idOrCode);
  return currentLang() === 'en' ? found.name_en : found.name_zh;
}

/** A need's status as a badge. */
export function statusBadge(status) {
  return h('span', { class: `badge status-${status}` }, t(`status.${status}`));
}

/** A card for a need in a list, linking to its detail. */
export function needCard(need, extra = []) {
  return h('li', { class: 'need' },
    h('a', { href: `#/needs/${need.id}`, class: 'need-link' },
      h('span', { class: 'need-title' }, categoryName(need.category_id)),
      ' ', statusBadge(need.status),
      need.urgency === 'urgent' ? h('span', { class: 'badge urgent' }, t('urgency.urgent')) : null,
      need.escalated ? h('span', { class: 'badge escalated' }, t('need.escalated')) : null),
    h('p', { class: 'need-when' }, timeWindow(need.window_start, need.window_end)),
    h('p', { class: 'need-text' }, need.description),
    h('p', { class: 'small' }, t('need.helpers', { assigned: need.assigned_count, headcount: need.headcount })),
    extra);
}

/** A list of needs, or a line saying there are none. */
export function needList(needs, emptyKey, extra = () => []) {
  if (!needs.length) return h('p', { class: 'empty' }, t(emptyKey));
  return h('ul', { class: 'needs' }, needs.map((n) => needCard(n, extra(n))));
}

/** Explanations worth telling a volunteer as a reason a need suits them. */
const REASONS = [
  'skills_all_held', 'skills_some_held', 'continuity_regular_helper', 'continuity_helped_before',
  'distance_same_grid', 'distance_same_community', 'distance_same_street',
  'availability_whole_window', 'availability_part_of_window',
];

/**
 * Why a need is recommended: the score's favourable parts, biggest contribution first, as chips
 * in the reader's language ("you have the skills for 陪伴", "same community", …).
 */
export function reasonChips(need, score, label) {
  const chosen = score.parts
    .filter((part) => REASONS.includes(part.explanation))
    .sort((a, b) => b.contribution - a.contribution);
  if (!chosen.length) return null;
  return h('ul', { class: 'reasons', 'aria-label': label },
    chosen.map((part) => h('li', { class: 'reason', 'data-reason': part.explanation },
      t(`why.${part.explanation}`, { category: categoryName(need.category_id) }))));
}

const HOUR = 3600000;

/** The Shanghai calendar date of an instant (YYYY-MM-DD), to tell today from tomorrow. */
function shanghaiDate(ms) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: ZONE }).format(new Date(ms));
}

/** A time of day in Shanghai (HH:MM). */
function clock(iso) {
  return new Intl.DateTimeFormat(currentLang(), { timeZone: ZONE, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));
}

/**
 * A reminder for a task that starts within a day ("starts in 2 h (today 14:00)", "tomorrow
 * 09:00"), or while its window runs; null when it is further away or over.
 */
export function startsIn(start, end, now = Date.now()) {
  const from = new Date(start).getTime();
  const until = new Date(end).getTime();
  if (now >= until) return null;
  if (now >= from) return t('tasks.under_way', { end: clock(end) });
  const ahead = from - now;
  if (ahead > 24 * HOUR) return null;
  const time = clock(start);
  if (ahead < HOUR) return t('tasks.in_minutes', { minutes: Math.max(1, Math.round(ahead / 60000)), time });
  if (shanghaiDate(from) === shanghaiDate(now)) return t('tasks.in_hours', { hours: Math.floor(ahead / HOUR), time });
  return t('tasks.tomorrow', { hours: Math.floor(ahead / HOUR), time });
}

/** An organization's name in the language in use. */
export function organizationLabel(organization) {
  return currentLang() === 'en' && organization.name_en ? organization.name_en : organization.name_zh;
}
