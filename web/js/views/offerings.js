// A provider's offerings, unpublished ones too: publish or unpublish each, change one (orders
// already placed keep their price), or offer a new one. Prices are typed as decimal strings and
// sent as typed; the API checks them (at most 2 decimals).
import { get, post, call, h, append, t, field, bindForm, replace, load, number, uid, currentLang, alertBox } from '../core.js';
import { loadCategories, categoryName } from './common.js';
import { organizationPicker, offeringTitle, unitPrice, checkGroup } from './paid.js';
import { availability } from './book.js';

const UNITS = ['hour', 'visit', 'item'];
const MONDAY = Date.UTC(2024, 0, 1);

function minutes(clock) {
  const [hours, mins] = String(clock || '').split(':').map(Number);
  return (hours || 0) * 60 + (mins || 0);
}

function clock(minute) {
  const m = minute >= 1440 ? 0 : minute;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** The offering form, blank or filled from `offering`; `send(body)` creates or changes it. */
function offeringForm(org, categories, areas, offering, send, heading) {
  const o = offering || {};
  const headingId = uid('offering-h');
  const day = new Intl.DateTimeFormat(currentLang(), { weekday: 'long', timeZone: 'UTC' });
  const paid = categories.filter((c) => c.mode !== 'volunteer');
  const served = areas.filter((a) => org.service_area_ids.includes(a.id));
  const areaName = (a) => (currentLang() === 'en' ? a.name_en : a.name_zh);
  const num = (name, min, max, value, hint) => field(t(`offering.field.${name}`),
    h('input', { name, type: 'number', min, max, inputmode: 'numeric', required: true, value }), hint);
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': headingId },
    h('h2', { id: headingId }, heading),
    field(t('offering.category'), h('select', { name: 'category_id' },
      paid.map((c) => h('option', { value: c.id, selected: c.id === o.category_id }, categoryName(c.id))))),
    field(t('offering.field.title_zh'), h('input', { name: 'title_zh', required: true, maxlength: 64, value: o.title_zh || '' })),
    field(t('offering.field.title_en'), h('input', { name: 'title_en', maxlength: 128, lang: 'en', value: o.title_en || '' })),
    field(t('offering.field.description_zh'), h('textarea', { name: 'description_zh', rows: 3, maxlength: 2000 }, o.description_zh || '')),
    h('div', { class: 'row' },
      field(t('offering.field.unit'), h('select', { name: 'unit' }, UNITS.map((u) => h('option', { value: u, selected: u === o.unit }, t(`unit.${u}`))))),
      field(t('offering.field.unit_price'), h('input', { name: 'unit_price', required: true, inputmode: 'decimal', pattern: '[0-9]+([.][0-9]{1,2})?', value: o.unit_price || '' }), t('offering.price_hint'))),
    h('div', { class: 'row' },
      num('min_quantity', 1, 1000, o.min_quantity ?? 1),
      num('max_quantity', 1, 1000, o.max_quantity ?? 4)),
    checkGroup(t('offering.field.area_ids'), 'area_ids', served.map((a) => [a.id, areaName(a)]),
      (id) => (o.area_ids ? o.area_ids.includes(id) : true)),
    checkGroup(t('offering.field.available_weekdays'), 'available_weekdays',
      [0, 1, 2, 3, 4, 5, 6].map((d) => [1 << d, day.format(new Date(MONDAY + d * 86400000))]),
      (bit) => ((o.available_weekdays ?? 127) & bit) !== 0),
    h('div', { class: 'row' },
      field(t('offering.field.available_from_minute'), h('input', { name: 'available_from_minute', type: 'time', required: true, value: clock(o.available_from_minute ?? 480) })),
      field(t('offering.field.available_to_minute'), h('input', { name: 'available_to_minute', type: 'time', required: true, value: clock(o.available_to_minute ?? 1080) }), t('offering.midnight_hint'))),
    num('response_minutes', 5, 10080, o.response_minutes ?? 120),
    h('div', { class: 'row' },
      num('cancellation_notice_hours', 0, 720, o.cancellation_notice_hours ?? 0),
      num('cancellation_fee_percent', 0, 100, o.cancellation_fee_percent ?? 0)),
    offering ? null : h('div', { class: 'check' },
      h('input', { type: 'checkbox', name: 'published', id: `${headingId}-published`, checked: true }),
      h('label', { for: `${headingId}-published` }, t('offering.publish_now'))),
    h('button', { type: 'submit', class: 'primary' }, t(offering ? 'offering.save' : 'offering.create')));
  return bindForm(form, async (values) => {
    const data = new FormData(form);
    const to = minutes(values.available_to_minute);
    const body = {
      organization_id: org.id,
      category_id: Number(values.category_id),
      title_zh: values.title_zh,
      title_en: values.title_en || undefined,
      description_zh: values.description_zh || '',
      unit: values.unit,
      unit_price: (values.unit_price || '').trim(),
      min_quantity: Number(values.min_quantity),
      max_quantity: Number(values.max_quantity),
      area_ids: data.getAll('area_ids').map(Number),
      available_weekdays: data.getAll('available_weekdays').reduce((bits, bit) => bits | Number(bit), 0),
      available_from_minute: minutes(values.available_from_minute),
      available_to_minute: to === 0 ? 1440 : to,
      response_minutes: Number(values.response_minutes),
      cancellation_notice_hours: Number(values.cancellation_notice_hours),
      cancellation_fee_percent: Number(values.cancellation_fee_percent),
    };
    if (!offering) body.published = values.published === 'on';
    await send(body);
  }, { fieldFor: { area_not_served: 'area_ids', category_not_paid: 'category_id' } });
}

function offeringRow(org, categories, areas, offering, redraw) {
  const name = offeringTitle(offering);
  const slot = h('div', { 'aria-live': 'assertive' });
  const toggle = h('button', {
    type: 'button', class: 'secondary', 'data-toggle-offering': offering.id,
    'aria-label': t(offering.published ? 'offering.unpublish_named' : 'offering.publish_named', { name }),
  }, t(offering.published ? 'offering.unpublish' : 'offering.publish'));
  toggle.addEventListener('click', async () => {
    toggle.disabled = true;
    try {
      await call('PATCH', `/offerings/${offering.id}`, { body: { published: !offering.published } });
      redraw(t(offering.published ? 'offering.unpublished_done' : 'offering.published_done', { name }));
    } catch (error) {
      replace(slot, alertBox(error, () => toggle.click()));
      toggle.disabled = false;
    }
  });
  const edit = offeringForm(org, categories, areas, offering, async (body) => {
    await call('PATCH', `/offerings/${offering.id}`, { body: { offering: body } });
    redraw(t('offering.saved', { name }));
  }, t('offering.edit_named', { name }));
  return h('li', { class: 'need', 'data-offering': offering.id },
    h('p', { class: 'need-link' }, h('span', { class: 'need-title' }, name),
      h('span', { class: `badge ${offering.published ? 'order-confirmed' : ''}` }, t(offering.published ? 'offering.published' : 'offering.unpublished_badge'))),
    h('p', {}, h('strong', {}, unitPrice(offering.unit_price, offering.unit)), ' · ', categoryName(offering.category_id)),
    h('p', { class: 'small' }, availability(offering), ' · ', t('offering.quantities', { min: number(offering.min_quantity), max: number(offering.max_quantity) })),
    h('div', { class: 'buttons' }, toggle), slot,
    h('details', {}, h('summary', {}, t('offering.edit')), edit));
}

export function render(main) {
  main.append(h('h1', {}, t('provider.offerings')),
    h('p', {}, h('a', { href: '#/provider' }, t('provider.back'))));
  const picker = organizationPicker(['provider'], ['admin', 'leader', 'member'], () => draw());
  if (!picker.mine.length) { main.append(h('p', { class: 'empty' }, t('provider.not_a_member'))); return; }
  const notice = h('div', { 'aria-live': 'polite' });
  const holder = h('div');
  main.append(picker.element || '', notice, holder);
  const draw = (message) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'offering-notice' }, message) : null);
    const org = picker.chosen();
    load(holder, () => Promise.all([get('/offerings', { organization_id: org.id, limit: 200 }), loadCategories(), get('/areas')]),
      ([offerings, categories, areas]) => {
        append(holder, [
          h('h2', { id: 'offerings-h' }, t('provider.offerings')),
          offerings.length ? h('ul', { class: 'needs', 'aria-labelledby': 'offerings-h' }, offerings.map((o) => offeringRow(org, categories, areas, o, draw)))
            : h('p', { class: 'empty' }, t('offering.none')),
          org.role === 'admin' ? offeringForm(org, categories, areas, null, async (body) => {
            const created = await post('/offerings', body);
            draw(t('offering.created', { name: offeringTitle(created) }));
          }, t('offering.new')) : null]);
      });
  };
  draw();
}
