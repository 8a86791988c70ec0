// Pieces shared by the need screens: status badges, category names, need cards.
import { get, h, t, currentLang, timeWindow } from '../core.js';

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
