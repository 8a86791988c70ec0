// Pieces shared by the paid-service screens: offering titles, order state badges, subsidy
// programme names, the split of an order (shown exactly as the API's decimal strings say), and
// the community a resident books in.
import { get, h, t, money, number, currentLang, account, myOrganizations, field, uid } from '../core.js';

/** An offering's title in the language in use. */
export function offeringTitle(offering) {
  return currentLang() === 'en' && offering.title_en ? offering.title_en : offering.title_zh;
}

/** An offering's description in the language in use. */
export function offeringText(offering) {
  return currentLang() === 'en' && offering.description_en ? offering.description_en : offering.description_zh;
}

/** An order's state as a badge. */
export function orderBadge(state) {
  return h('span', { class: `badge order-${state}`, 'data-order-state': state }, t(`order.state.${state}`));
}

/** "¥45.50 per hour". */
export function unitPrice(price, unit) {
  return t('offering.price_per', { price: money(price), unit: t(`unit.${unit}`) });
}

let programmes = null;

/** Subsidy programme names by id, fetched once per page life (every programme is listed to everyone). */
export async function programmeNames() {
  if (!programmes) {
    programmes = get('/subsidy-programs').then((list) => new Map(list.map((p) => [p.id, p])))
      .catch((error) => { programmes = null; throw error; });
  }
  return programmes;
}

function programmeName(names, id) {
  const found = names.get(id);
  if (!found) return t('split.programme_number', { id });
  return currentLang() === 'en' && found.name_en ? found.name_en : found.name_zh;
}

/**
 * The split of a quote or an order: gross, each programme's subsidy, the points and their value,
 * and the co-payment, as a table whose amounts are the API's own figures.
 */
export function splitTable(split, names, { id = 'split', caption } = {}) {
  const row = (key, label, value, extra = {}) => h('tr', { 'data-split': key, ...extra },
    h('th', { scope: 'row' }, label), h('td', { class: 'num' }, value));
  return h('div', { class: 'table-wrap', id },
    h('table', { class: 'split' },
      h('caption', {}, caption || t('split.title')),
      h('tbody', {},
        row('gross', t('split.gross'), money(split.gross)),
        split.subsidies.map((part) => row('subsidy', t('split.subsidy_of', { name: programmeName(names, part.program_id) }),
          `−${money(part.amount)}`, { 'data-program': part.program_id })),
        split.subsidies.length ? null : row('subsidy', t('split.no_subsidy'), money('0.00')),
        row('points', t('split.points', { points: number(split.points) }), `−${money(split.points_value)}`),
        h('tr', { 'data-split': 'copay', class: 'total' },
          h('th', { scope: 'row' }, t('split.copay')), h('td', { class: 'num' }, h('strong', {}, money(split.copay)))))));
}

/** The community of the signed-in person's home grid, or null. */
export async function homeCommunity() {
  const me = account();
  if (!me || !me.home_grid_id) return null;
  const areas = await get('/areas');
  const grid = areas.find((a) => a.id === me.home_grid_id);
  if (!grid) return null;
  return grid.level === 'community' ? grid : areas.find((a) => a.id === grid.parent_id) || null;
}

/** An organization's name in the language in use. */
export function organizationName(organization) {
  return currentLang() === 'en' && organization.name_en ? organization.name_en : organization.name_zh;
}

/**
 * A labelled picker of the organizations the account belongs to (of `kinds`, with one of
 * `roles`), or null when there is just one; `chosen()` gives the selected organization.
 */
export function organizationPicker(kinds, roles, onChange) {
  const mine = myOrganizations(kinds, roles);
  const select = h('select', { name: 'organization' },
    mine.map((o) => h('option', { value: o.id }, organizationName(o))));
  if (onChange) select.addEventListener('change', onChange);
  const chosen = () => mine.find((o) => String(o.id) === select.value) || mine[0];
  return { mine, chosen, element: mine.length > 1 ? h('div', { class: 'card' }, field(t('org.choose'), select)) : null };
}

/**
 * A labelled group of checkboxes named `name`, one per [value, label] option, with the slot for a
 * problem with the group named after the first box (so a field error finds it).
 */
export function checkGroup(legend, name, options, checked = () => false) {
  const ids = options.map(() => uid(name));
  const error = `${ids[0] || uid(name)}-error`;
  return h('fieldset', { class: 'checks', 'aria-describedby': error },
    h('legend', {}, legend),
    options.map(([value, label], i) => h('div', { class: 'check' },
      h('input', { type: 'checkbox', name, value, id: ids[i], checked: checked(value) }), h('label', { for: ids[i] }, label))),
    h('p', { class: 'field-error', id: error, hidden: true }));
}
