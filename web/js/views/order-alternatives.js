// After a provider declined an order or let it lapse: other providers' offerings that serve the
// resident, cheapest first, each rebooked in one step — its quote (the split) is shown first,
// then one confirmation places the ready order the API prepared, once (idempotency key).
import { get, post, newKey, h, t, bindForm, replace, load, money, number, alertBox, currentLang } from '../core.js';
import { go } from '../app.js';
import { offeringTitle, unitPrice, splitTable } from './paid.js';

function providerName(alternative) {
  return currentLang() === 'en' && alternative.provider_name_en ? alternative.provider_name_en : alternative.provider_name_zh;
}

function card(alternative, index, names) {
  const title = offeringTitle(alternative.offering);
  const quoteHolder = h('div', { 'aria-live': 'polite', id: `alternative-quote-${index}` });
  const headingId = `alternative-${index}-h`;
  let key = newKey();
  const showQuote = async (button) => {
    replace(quoteHolder);
    button.disabled = true;
    try {
      const quote = await post('/orders/quote', alternative.order);
      const confirm = bindForm(h('form', { novalidate: true, 'aria-labelledby': headingId },
        h('button', { type: 'submit', class: 'primary', 'data-rebook': alternative.offering.id }, t('alternatives.confirm', { copay: money(quote.copay) }))), async () => {
        const order = await post('/orders', alternative.order, { idempotencyKey: key });
        key = newKey();
        go(`/orders/${order.id}`);
      });
      replace(quoteHolder,
        splitTable(quote, names, { id: `alternative-split-${index}`, caption: t('alternatives.split_caption', { title }) }),
        h('p', { class: 'status-line' }, t('book.you_pay', { copay: money(quote.copay) })),
        confirm);
      quoteHolder.querySelector('button')?.focus();
    } catch (error) {
      replace(quoteHolder, alertBox(error, () => showQuote(button)));
    } finally {
      button.disabled = false;
    }
  };
  const quoteButton = h('button', {
    type: 'button', class: 'secondary', 'data-quote-alternative': alternative.offering.id, 'aria-describedby': headingId,
  }, t('alternatives.quote'));
  quoteButton.addEventListener('click', () => showQuote(quoteButton));
  return h('li', { class: 'need', 'data-alternative': alternative.offering.id },
    h('p', { class: 'need-link' }, h('span', { class: 'need-title', id: headingId }, title),
      alternative.fits_window ? h('span', { class: 'badge' }, t('alternatives.fits')) : h('span', { class: 'badge' }, t('alternatives.other_hours'))),
    h('p', {}, providerName(alternative)),
    h('p', {}, h('strong', {}, unitPrice(alternative.offering.unit_price, alternative.offering.unit)),
      ' ', h('span', { class: 'small' }, t('alternatives.quantity', { n: number(alternative.order.quantity), unit: t(`unit.${alternative.offering.unit}`) }))),
    h('div', { class: 'buttons' }, quoteButton),
    quoteHolder);
}

/** The alternatives to a declined or lapsed order, as a section that loads itself. */
export function alternativesSection(order, names) {
  const holder = h('div');
  const section = h('section', { class: 'card', 'aria-labelledby': 'alternatives-h', id: 'alternatives' },
    h('h2', { id: 'alternatives-h' }, t('alternatives.title')),
    h('p', { class: 'hint' }, t('alternatives.hint')),
    holder);
  load(holder, () => get(`/orders/${order.id}/alternatives`), (found) => {
    holder.append(found.alternatives.length
      ? h('ol', { class: 'needs' }, found.alternatives.map((alternative, i) => card(alternative, i, names)))
      : h('p', { class: 'empty' }, t('alternatives.none')));
  });
  return section;
}
