// One order, as the caller may see it. The resident (or their proxy) sees the split, the
// 4-digit code to read out at the start and the end, cancels, and confirms or disputes a
// completed order; the provider's members accept or decline it and record its start and
// completion with the resident's code. After a decline or a lapse the resident sees the
// alternatives and rebooks one; staff over the community decide a dispute and, with the
// provider's admins, record payments and refunds (those forms load only for them).
import { get, post, h, append, t, field, bindForm, load, money, number, dateTime, timeWindow, account, myOrganizations, holds } from '../core.js';
import { orderBadge, offeringTitle, organizationName, programmeNames, splitTable } from './paid.js';

const OPEN = ['placed', 'accepted', 'started'];

/** Roles that decide disputed orders over their area. */
const DECIDERS = ['community_staff', 'street_admin', 'platform_admin'];

function isZero(decimal) {
  return /^0*(\.0*)?$/.test(String(decimal));
}

function facts(order, offering, provider) {
  const row = (key, value) => [h('dt', {}, t(key)), h('dd', {}, value)];
  return h('dl', { class: 'facts' },
    row('order.provider', provider ? organizationName(provider) : t('order.provider_number', { id: order.organization_id })),
    row('order.when', timeWindow(order.window_start, order.window_end)),
    row('order.quantity', t('order.quantity_line', { quantity: number(order.quantity), unit: t(`unit.${order.unit}`), price: money(order.unit_price) })),
    row('order.placed_at', dateTime(order.created_at)),
    order.state === 'placed' ? row('order.respond_by', dateTime(order.respond_by)) : null,
    order.completed_at ? row('order.completed_at', dateTime(order.completed_at)) : null,
    order.confirmed_at ? row('order.confirmed_at', dateTime(order.confirmed_at)) : null,
    order.lapsed ? row('order.lapsed', t('order.lapsed_text')) : null,
    order.reason ? row('order.reason', order.reason) : null,
    isZero(order.paid) ? null : row('order.paid', money(order.paid)),
    isZero(order.refunded) ? null : row('order.refunded', money(order.refunded)),
    isZero(order.cancellation_fee) ? null : row('order.cancellation_fee', money(order.cancellation_fee)),
    offering ? null : row('order.offering', t('order.offering_number', { id: order.offering_id })));
}

function residentActions(order, redraw) {
  const blocks = [];
  if (order.check_code && OPEN.includes(order.state)) {
    blocks.push(h('section', { class: 'card code-card', 'aria-labelledby': 'code-h' },
      h('h2', { id: 'code-h' }, t('order.code_title')),
      h('p', { class: 'check-code', id: 'order-code', 'aria-describedby': 'order-code-hint' }, order.check_code),
      h('p', { class: 'hint', id: 'order-code-hint' }, t('order.code_hint'))));
  }
  if (order.state === 'completed') {
    blocks.push(bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'order-confirm-h' },
      h('h2', { id: 'order-confirm-h' }, t('order.confirm_title')),
      h('p', { class: 'hint' }, t('order.confirm_hint')),
      h('button', { type: 'submit', class: 'primary', id: 'confirm-order' }, t('action.confirm'))), async () => {
      await post(`/orders/${order.id}/confirmation`, {});
      redraw();
    }));
    const dispute = bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'order-dispute-h' },
      h('h2', { id: 'order-dispute-h' }, t('dispute.title')),
      field(t('dispute.reason'), h('textarea', { name: 'dispute_reason', rows: 3, maxlength: 500, required: true })),
      h('button', { type: 'submit', class: 'secondary' }, t('action.dispute'))), async (values) => {
      await post(`/orders/${order.id}/confirmation`, { dispute_reason: (values.dispute_reason || '').trim() });
      redraw();
    });
    blocks.push(h('details', {}, h('summary', {}, t('dispute.open_link')), dispute));
  }
  if (['placed', 'accepted'].includes(order.state)) {
    const cancel = bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'order-cancel-h' },
      h('h2', { id: 'order-cancel-h' }, t('order.cancel_title')),
      h('p', { class: 'hint' }, t(order.state === 'placed' ? 'order.cancel_free' : 'order.cancel_fee_may_apply')),
      field(t('order.cancel_reason'), h('textarea', { name: 'reason', rows: 2, maxlength: 500 })),
      h('button', { type: 'submit', class: 'secondary', id: 'cancel-order' }, t('order.cancel'))), async (values) => {
      const body = {};
      if (values.reason && values.reason.trim()) body.reason = values.reason.trim();
      await post(`/orders/${order.id}/cancellation`, body);
      redraw();
    });
    blocks.push(h('details', {}, h('summary', {}, t('order.cancel_link')), cancel));
  }
  return blocks;
}

function codeForm(order, step, redraw) {
  const path = step === 'start' ? 'start' : 'completion';
  return bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': `order-${step}-h` },
    h('h2', { id: `order-${step}-h` }, t(`order.${step}_title`)),
    field(t('field.check_code'), h('input', {
      name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{4}', maxlength: 4, required: true, class: 'code-input',
    }), t(`order.${step}_hint`)),
    h('button', { type: 'submit', class: 'primary', id: `order-${step}` }, t(`order.${step}`))), async (values) => {
    await post(`/orders/${order.id}/${path}`, { code: (values.code || '').trim() });
    redraw();
  }, { fieldFor: { wrong_code: 'code', too_many_attempts: 'code' } });
}

/** Accept, or decline with a reason: what a provider does with a placed order. */
export function answerForms(order, redraw) {
  const accept = bindForm(h('form', { novalidate: true, class: 'inline' },
    h('button', { type: 'submit', class: 'primary', 'data-accept': order.id, 'aria-label': t('provider.accept_named', { id: order.id }) }, t('provider.accept'))), async () => {
    await post(`/orders/${order.id}/response`, { accept: true });
    redraw(t('provider.accepted', { id: order.id }));
  });
  const decline = bindForm(h('form', { novalidate: true, 'aria-label': t('provider.decline_named', { id: order.id }) },
    field(t('provider.decline_reason'), h('textarea', { name: 'reason', rows: 2, maxlength: 500, id: `decline-${order.id}` })),
    h('button', { type: 'submit', class: 'secondary', 'data-decline': order.id }, t('provider.decline'))), async (values) => {
    const body = { accept: false };
    if (values.reason && values.reason.trim()) body.reason = values.reason.trim();
    await post(`/orders/${order.id}/response`, body);
    redraw(t('provider.declined', { id: order.id }));
  });
  return [accept, h('details', {}, h('summary', {}, t('provider.decline_link')), decline)];
}

function providerActions(order, redraw) {
  if (order.state === 'placed') return h('section', { class: 'card', 'aria-labelledby': 'answer-h' }, h('h2', { id: 'answer-h' }, t('provider.answer_title')), answerForms(order, redraw));
  if (order.state === 'accepted') return codeForm(order, 'start', redraw);
  if (order.state === 'started') return codeForm(order, 'complete', redraw);
  return null;
}

export function render(main, { id }) {
  const holder = h('div');
  const notice = h('div', { 'aria-live': 'polite' });
  main.append(holder);
  const draw = (message) => load(holder, async () => {
    const order = await get(`/orders/${Number(id)}`);
    const [names, offerings, provider] = await Promise.allSettled([
      programmeNames(),
      get('/offerings', { organization_id: order.organization_id, limit: 200 }),
      get(`/organizations/${order.organization_id}`),
    ]);
    const value = (settled, fallback) => (settled.status === 'fulfilled' ? settled.value : fallback);
    const me = account();
    const residentSide = Boolean(order.check_code) || order.resident_id === me.id;
    const decide = DECIDERS.some(holds);
    const treasurer = decide || myOrganizations(['provider'], ['admin', 'leader']).some((o) => o.id === order.organization_id);
    const [staff, alternatives] = await Promise.all([
      treasurer ? import('./order-staff.js') : null,
      residentSide && (order.state === 'declined' || order.lapsed) ? import('./order-alternatives.js') : null,
    ]);
    return {
      order, names: value(names, new Map()), offering: value(offerings, []).find((o) => o.id === order.offering_id), provider: value(provider, null),
      residentSide, decide, staff, alternatives,
    };
  }, ({ order, names, offering, provider, residentSide, decide, staff, alternatives }) => {
    const providerSide = myOrganizations(['provider']).some((o) => o.id === order.organization_id);
    append(holder, [
      h('h1', {}, offering ? offeringTitle(offering) : t('order.number', { id: order.id })),
      h('p', {}, orderBadge(order.state), ' ', h('span', { class: 'small' }, t('order.number', { id: order.id }))),
      notice,
      facts(order, offering, provider),
      splitTable(order, names),
      residentSide ? residentActions(order, draw) : null,
      alternatives ? alternatives.alternativesSection(order, names) : null,
      providerSide ? providerActions(order, draw) : null,
      staff ? staff.staffActions(order, draw, { decide }) : null]);
    notice.replaceChildren(...(message ? [h('p', { class: 'status-line', id: 'order-notice' }, message)] : []));
    holder.querySelector('h1')?.setAttribute('tabindex', '-1');
  });
  draw();
}
