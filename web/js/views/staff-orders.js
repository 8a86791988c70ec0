// Community staff and street admins: the paid orders of a community they look after, disputed
// ones first to hand, filtered by state; each opens on the order screen, where a dispute is
// decided and payments or refunds are recorded.
import { get, h, t, load, field, account, currentLang } from '../core.js';
import { offeringTitles, orderCard } from './orders.js';

const STATES = ['disputed', 'placed', 'accepted', 'started', 'completed', 'confirmed', 'declined', 'cancelled'];

/** Roles that see a community's orders. */
export const OVERSEERS = ['community_staff', 'street_admin', 'platform_admin'];

/** An area's name in the language in use. */
export function areaName(area) {
  return currentLang() === 'en' && area.name_en ? area.name_en : area.name_zh;
}

/** The communities within the areas where the account holds one of `roles`. */
export async function communitiesOverseen(roles = OVERSEERS) {
  const areas = await get('/areas');
  const held = (account()?.roles || []).filter((r) => roles.includes(r.role));
  const everywhere = held.some((r) => r.role === 'platform_admin');
  const byId = new Map(areas.map((a) => [a.id, a]));
  const within = (area) => {
    for (let a = area; a; a = byId.get(a.parent_id)) if (held.some((r) => r.area_id === a.id)) return true;
    return false;
  };
  return areas.filter((a) => a.level === 'community' && (everywhere || within(a)));
}

export async function render(main) {
  main.append(h('h1', {}, t('staff_orders.title')));
  const holder = h('div');
  const controls = h('form', { class: 'card', novalidate: true, 'aria-label': t('staff_orders.filter') });
  main.append(controls, holder);
  await load(holder, () => communitiesOverseen(), (communities) => {
    if (!communities.length) { holder.append(h('p', { class: 'empty' }, t('staff_orders.no_community'))); return; }
    const community = h('select', { name: 'community_id', id: 'orders-community' },
      communities.map((c) => h('option', { value: c.id }, areaName(c))));
    const state = h('select', { name: 'state', id: 'orders-state' },
      h('option', { value: '' }, t('staff_orders.all_states')),
      STATES.map((s) => h('option', { value: s, selected: s === 'disputed' }, t(`order.state.${s}`))));
    controls.append(field(t('staff_orders.community'), community), field(t('staff_orders.state'), state));
    const list = h('section', { 'aria-labelledby': 'staff-orders-h' });
    holder.append(list);
    const draw = () => load(list, async () => {
      const orders = await get('/orders', { community_id: community.value, state: state.value || undefined, limit: 100 });
      return { orders, titles: await offeringTitles(orders) };
    }, ({ orders, titles }) => {
      list.append(h('h2', { id: 'staff-orders-h' }, t('staff_orders.count', { n: orders.length })),
        orders.length
          ? h('ul', { class: 'needs', id: 'community-orders' }, orders.map((o) => orderCard(o, titles)))
          : h('p', { class: 'empty' }, t('staff_orders.none')));
    });
    community.addEventListener('change', draw);
    state.addEventListener('change', draw);
    controls.addEventListener('submit', (event) => event.preventDefault());
    draw();
  });
}
