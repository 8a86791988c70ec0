// Paid services: the offerings published for the person's community, each with its price and
// a way to book it (the quote and its split come before anything is booked).
import { get, h, t, load, isStaff } from '../core.js';
import { withCategories, categoryName } from './common.js';
import { offeringTitle, offeringText, unitPrice, homeCommunity } from './paid.js';

function card(offering) {
  const title = offeringTitle(offering);
  return h('li', { class: 'need', 'data-offering': offering.id },
    h('p', { class: 'need-link' }, h('span', { class: 'need-title' }, title), h('span', { class: 'badge' }, categoryName(offering.category_id))),
    h('p', {}, h('strong', {}, unitPrice(offering.unit_price, offering.unit))),
    h('p', { class: 'need-text' }, offeringText(offering)),
    h('a', { href: `#/services/${offering.id}`, class: 'button primary', 'data-book': offering.id, 'aria-label': t('services.book_named', { name: title }) }, t('services.book')));
}

export function render(main) {
  const holder = h('section', { 'aria-labelledby': 'offerings-h' });
  main.append(h('h1', {}, t('nav.services')),
    h('div', { class: 'buttons' }, h('a', { href: '#/orders', class: 'button secondary' }, t('nav.orders'))),
    isStaff() ? h('p', { class: 'hint' }, t('services.proxy_hint')) : null,
    holder);
  load(holder, async () => {
    const community = await homeCommunity();
    if (!community) return { community, offerings: [] };
    return { community, offerings: await withCategories(get('/offerings', { community_id: community.id, limit: 200 })) };
  }, ({ community, offerings }) => {
    holder.append(h('h2', { id: 'offerings-h' }, t('services.offered')));
    if (!community) { holder.append(h('p', { class: 'empty' }, t('services.no_community'))); return; }
    const bookable = offerings.filter((o) => o.published);
    holder.append(bookable.length ? h('ul', { class: 'needs' }, bookable.map(card)) : h('p', { class: 'empty' }, t('services.none')));
  });
}
