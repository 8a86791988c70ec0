// My orders of paid services (and those placed for someone as their proxy), newest first, each
// with its state and what the resident pays.
import { get, h, t, load, money, number, timeWindow } from '../core.js';
import { orderBadge, offeringTitle } from './paid.js';

/** A card for an order in a list, linking to its detail. */
export function orderCard(order, titles, extra = []) {
  const title = titles.get(order.offering_id) || t('order.offering_number', { id: order.offering_id });
  return h('li', { class: 'need', 'data-order': order.id },
    h('p', { class: 'need-link' }, h('a', { href: `#/orders/${order.id}` }, t('order.numbered', { id: order.id, title })), orderBadge(order.state)),
    h('p', { class: 'need-when' }, timeWindow(order.window_start, order.window_end)),
    h('p', { class: 'small' }, t('order.line', { quantity: number(order.quantity), unit: t(`unit.${order.unit}`), gross: money(order.gross), copay: money(order.copay) })),
    extra);
}

/** Titles of the offerings behind `orders`, by offering id (what cannot be found keeps its number). */
export async function offeringTitles(orders) {
  const providers = [...new Set(orders.map((o) => o.organization_id))];
  const lists = await Promise.allSettled(providers.map((id) => get('/offerings', { organization_id: id, limit: 200 })));
  const titles = new Map();
  for (const list of lists) if (list.status === 'fulfilled') for (const o of list.value) titles.set(o.id, offeringTitle(o));
  return titles;
}

export function render(main) {
  const holder = h('div');
  main.append(h('h1', {}, t('nav.orders')),
    h('div', { class: 'buttons' }, h('a', { href: '#/services', class: 'button primary' }, t('orders.book_more'))),
    holder);
  load(holder, async () => {
    const orders = await get('/orders', { limit: 100 });
    return { orders, titles: await offeringTitles(orders) };
  }, ({ orders, titles }) => {
    holder.append(orders.length
      ? h('ul', { class: 'needs', id: 'my-orders' }, orders.map((o) => orderCard(o, titles)))
      : h('p', { class: 'empty' }, t('orders.none')));
  });
}
