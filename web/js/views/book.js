// Book a paid service: quantity, day and time window and points to use; then the quote's split
// — gross, each subsidy programme's part, the points' value and the co-payment — is shown
// BEFORE anything is booked, and only a quote of exactly what is on the form can be confirmed.
// The booking carries an idempotency key kept across retries, so it is placed once. Grid workers
// and family members the resident consented to book for them by giving the resident's number.
import { get, post, newKey, h, append, t, field, bindForm, showOnField, replace, load, number, money, currentLang, isStaff, todayInShanghai, shanghaiToUtc, ApiError } from '../core.js';
import { go } from '../app.js';
import { withCategories, categoryName } from './common.js';
import { offeringTitle, offeringText, unitPrice, homeCommunity, programmeNames, splitTable } from './paid.js';

const MONDAY = Date.UTC(2024, 0, 1);

function clock(minute) {
  const hours = String(Math.floor(minute / 60)).padStart(2, '0');
  return `${hours}:${String(minute % 60).padStart(2, '0')}`;
}

/** When the offering is served: its weekdays and hours (in Asia/Shanghai). */
export function availability(offering) {
  const names = new Intl.DateTimeFormat(currentLang(), { weekday: 'short', timeZone: 'UTC' });
  const days = offering.available_weekdays === 127 ? t('offering.every_day')
    : [0, 1, 2, 3, 4, 5, 6].filter((d) => offering.available_weekdays & (1 << d))
      .map((d) => names.format(new Date(MONDAY + d * 86400000))).join(currentLang() === 'en' ? ', ' : '、');
  return t('offering.available', { days, from: clock(offering.available_from_minute), to: clock(offering.available_to_minute) });
}

function facts(offering) {
  return h('dl', { class: 'facts' },
    h('dt', {}, t('offering.category')), h('dd', {}, categoryName(offering.category_id)),
    h('dt', {}, t('offering.price')), h('dd', { id: 'offering-price' }, unitPrice(offering.unit_price, offering.unit)),
    h('dt', {}, t('offering.when')), h('dd', {}, availability(offering)),
    h('dt', {}, t('offering.answer_within')), h('dd', {}, t('offering.minutes', { n: number(offering.response_minutes) })),
    h('dt', {}, t('offering.cancellation')), h('dd', {}, offering.cancellation_fee_percent && offering.cancellation_notice_hours
      ? t('offering.cancellation_fee', { hours: number(offering.cancellation_notice_hours), percent: number(offering.cancellation_fee_percent) })
      : t('offering.cancellation_free')));
}

function request(offering, values) {
  const body = {
    offering_id: offering.id,
    quantity: Number(values.quantity),
    window_start: shanghaiToUtc(values.date, values.from),
    window_end: shanghaiToUtc(values.date, values.to),
    points: values.points === '' || values.points === undefined ? 0 : Number(values.points),
  };
  if (values.for_user_id) body.for_user_id = Number(values.for_user_id);
  return body;
}

function bookingForm(offering, balance, names) {
  const quantities = [];
  for (let n = offering.min_quantity; n <= offering.max_quantity; n += 1) quantities.push(n);
  const quoteHolder = h('section', { 'aria-live': 'polite', 'aria-labelledby': 'quote-h', id: 'quote' });
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'book-h' },
    h('h2', { id: 'book-h' }, t('book.title')),
    h('details', { open: isStaff() }, h('summary', {}, t('book.for_someone')),
      field(t('book.for_resident'), h('input', { name: 'for_user_id', type: 'number', min: 1, inputmode: 'numeric' }), t('book.for_resident_hint'))),
    field(t('book.quantity', { unit: t(`unit.${offering.unit}`) }), h('select', { name: 'quantity' },
      quantities.map((n) => h('option', { value: n }, number(n))))),
    field(t('field.date'), h('input', { name: 'date', type: 'date', required: true, value: todayInShanghai(1), min: todayInShanghai(0) })),
    h('div', { class: 'row' },
      field(t('field.from'), h('input', { name: 'from', type: 'time', required: true, value: '09:00' })),
      field(t('field.to'), h('input', { name: 'to', type: 'time', required: true, value: '11:00' }))),
    field(t('book.points'), h('input', { name: 'points', type: 'number', min: 0, value: 0, inputmode: 'numeric' }),
      t('book.points_hint', { balance: number(balance.available) })),
    h('p', { class: 'hint' }, t('post.timezone')),
    h('button', { type: 'submit', class: 'primary', id: 'get-quote' }, t('book.get_quote')));
  let key = newKey();
  let quoted = null;
  // Anything changed on the form makes the quote shown stale: it goes, and a new booking key with it.
  form.addEventListener('input', () => {
    if (quoted) replace(quoteHolder);
    quoted = null;
    key = newKey();
  });
  const confirmForm = (body, quote) => bindForm(h('form', { novalidate: true, 'aria-labelledby': 'quote-h' },
    h('button', { type: 'submit', class: 'primary', id: 'confirm-booking' }, t('book.confirm', { copay: money(quote.copay) }))), async () => {
    const order = await post('/orders', body, { idempotencyKey: key });
    key = newKey();
    go(`/orders/${order.id}`);
  });
  bindForm(form, async (values) => {
    replace(quoteHolder);
    const body = request(offering, values);
    // More points than the balance: said at once, beside the points, sparing a round trip
    // (the quote would refuse them too, as `insufficient_points`).
    if (!body.for_user_id && body.points > balance.available) {
      showOnField(form, 'points', t('problem.insufficient_points'));
      return;
    }
    const quote = await post('/orders/quote', body);
    quoted = quote;
    replace(quoteHolder,
      h('h2', { id: 'quote-h', tabindex: '-1' }, t('book.quote_title')),
      splitTable(quote, names, { caption: t('book.split_caption', { n: number(body.quantity), unit: t(`unit.${offering.unit}`) }) }),
      h('p', { class: 'hint', id: 'quote-points' }, t('book.max_points', { max: number(quote.max_points), value: money(quote.point_value) })),
      h('p', { class: 'status-line' }, t('book.you_pay', { copay: money(quote.copay) })),
      confirmForm(body, quote));
    quoteHolder.querySelector('h2').focus();
  }, {
    fieldFor: {
      quantity_out_of_range: 'quantity', outside_availability: 'from', window_in_past: 'date',
      window_ends_before_start: 'to', points_above_cap: 'points', insufficient_points: 'points',
      no_proxy_consent: 'for_user_id', resident_not_found: 'for_user_id', unknown_resident: 'for_user_id',
      subsidy_not_eligible: 'for_user_id', order_too_large: 'quantity',
    },
  });
  return [form, quoteHolder];
}

export function render(main, { id }) {
  const holder = h('div');
  main.append(holder);
  load(holder, async () => {
    const community = await homeCommunity();
    const [offerings, balance, names] = await Promise.all([
      withCategories(get('/offerings', { community_id: community ? community.id : undefined, limit: 200 })),
      get('/points/balance'),
      programmeNames(),
    ]);
    const offering = offerings.find((o) => o.id === Number(id));
    if (!offering) throw new ApiError(404, { code: 'offering_not_found' });
    return { offering, balance, names };
  }, ({ offering, balance, names }) => {
    append(holder, [
      h('h1', {}, offeringTitle(offering)),
      h('p', { class: 'need-text' }, offeringText(offering)),
      facts(offering),
      bookingForm(offering, balance, names)]);
    holder.querySelector('h1')?.setAttribute('tabindex', '-1');
  });
}
