// A provider's incoming orders: those waiting for an answer (accept, or decline with a reason),
// those to carry out (start and complete with the resident's code on the order's screen), and
// the latest finished ones; with the way to its offerings and settlements.
import { get, h, t, load, replace } from '../core.js';
import { refreshMemberships } from '../app.js';
import { organizationPicker, offeringTitle } from './paid.js';
import { orderCard } from './orders.js';
import { answerForms } from './order.js';

const TO_DO = ['accepted', 'started'];
const DONE = ['completed', 'confirmed', 'disputed', 'declined', 'cancelled'];

function section(id, heading, orders, titles, empty, extra) {
  return h('section', { 'aria-labelledby': id },
    h('h2', { id }, t(heading, { n: orders.length })),
    orders.length ? h('ul', { class: 'needs' }, orders.map((o) => orderCard(o, titles, extra(o)))) : h('p', { class: 'empty' }, t(empty)));
}

export async function render(main) {
  main.append(h('h1', {}, t('nav.provider')));
  let picker = organizationPicker(['provider'], ['admin', 'leader', 'member'], () => draw());
  if (!picker.mine.length) {
    await refreshMemberships();
    picker = organizationPicker(['provider'], ['admin', 'leader', 'member'], () => draw());
  }
  if (!picker.mine.length) { main.append(h('p', { class: 'empty' }, t('provider.not_a_member'))); return; }
  const notice = h('div', { 'aria-live': 'polite' });
  const holder = h('div');
  main.append(picker.element || '',
    h('div', { class: 'buttons' },
      h('a', { href: '#/provider/offerings', class: 'button secondary' }, t('provider.offerings')),
      h('a', { href: '#/provider/settlements', class: 'button secondary' }, t('provider.settlements'))),
    notice, holder);
  const draw = (message) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'provider-notice' }, message) : null);
    const org = picker.chosen();
    load(holder, () => Promise.all([
      get('/orders', { organization_id: org.id, limit: 200 }),
      get('/offerings', { organization_id: org.id, limit: 200 }),
    ]), ([orders, offerings]) => {
      const titles = new Map(offerings.map((o) => [o.id, offeringTitle(o)]));
      holder.append(
        section('incoming-h', 'provider.incoming', orders.filter((o) => o.state === 'placed'), titles, 'provider.none_incoming', (o) => answerForms(o, draw)),
        section('to-do-h', 'provider.to_do', orders.filter((o) => TO_DO.includes(o.state)), titles, 'provider.none_to_do',
          (o) => {
            const action = t(o.state === 'accepted' ? 'order.start' : 'order.complete');
            return h('a', { href: `#/orders/${o.id}`, class: 'button primary', 'data-carry-out': o.id, 'aria-label': t('provider.carry_out_named', { action, id: o.id }) }, action);
          }),
        section('done-h', 'provider.done', orders.filter((o) => DONE.includes(o.state)).slice(0, 20), titles, 'provider.none_done', () => []));
    });
  };
  draw();
}
