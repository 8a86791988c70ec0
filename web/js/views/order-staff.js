// What staff over an order's community (and a provider's admins and leaders, for money) do
// with one order: decide a disputed order — uphold it, or refund all or part with a reason —
// and record a co-payment received or a refund. Loaded only for those who may.
import { post, newKey, h, t, field, bindForm, money, uid } from '../core.js';

/** States in which a co-payment received may be recorded. */
const PAYABLE = ['accepted', 'started', 'completed', 'confirmed', 'disputed'];

function amountInput(name, required) {
  return h('input', { name, inputmode: 'decimal', autocomplete: 'off', pattern: '[0-9]+(\\.[0-9]{1,2})?', maxlength: 12, required });
}

function outcomeChoice(id) {
  const ids = [uid('outcome'), uid('outcome')];
  return h('fieldset', { class: 'checks', 'aria-describedby': `${ids[0]}-error` },
    h('legend', {}, t('resolve.outcome')),
    ['uphold', 'refund'].map((value, i) => h('div', { class: 'check' },
      h('input', { type: 'radio', name: 'outcome', value, id: ids[i], checked: value === 'uphold', 'data-outcome': value }),
      h('label', { for: ids[i] }, t(`resolve.${value}`)))),
    h('p', { class: 'hint', id: `${id}-outcome-hint` }, t('resolve.outcome_hint')),
    h('p', { class: 'field-error', id: `${ids[0]}-error`, hidden: true }));
}

/** Uphold or refund a disputed order, with the reason kept in the audit log. */
export function resolveForm(order, redraw) {
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'resolve-h', id: 'resolve-dispute' },
    h('h2', { id: 'resolve-h' }, t('resolve.title')),
    outcomeChoice('resolve'),
    field(t('resolve.amount'), amountInput('refund_amount', false), t('resolve.amount_hint', { gross: money(order.gross) })),
    field(t('resolve.reason'), h('textarea', { name: 'reason', rows: 3, maxlength: 500, required: true }), t('resolve.reason_hint')),
    h('button', { type: 'submit', class: 'primary', id: 'resolve-submit' }, t('resolve.submit')));
  return bindForm(form, async (values) => {
    const body = { outcome: values.outcome, reason: (values.reason || '').trim() };
    const amount = (values.refund_amount || '').trim();
    if (values.outcome === 'refund' && amount) body.refund_amount = amount;
    const resolution = await post(`/orders/${order.id}/dispute-resolution`, body);
    redraw(resolution.refund
      ? t('resolve.refunded', { amount: money(resolution.refund.amount) })
      : t('resolve.upheld'));
  }, { fieldFor: { refund_exceeds_paid: 'refund_amount', refund_not_whole_points: 'refund_amount', invalid_reason: 'reason', order_not_disputed: 'outcome' } });
}

/**
 * A form that records money against the order once: its idempotency key is kept across retries
 * of the same input and renewed when the input changes or the call succeeds.
 */
function moneyForm(form, path, body, done, fieldFor) {
  let key = newKey();
  form.addEventListener('input', () => { key = newKey(); });
  return bindForm(form, async (values) => {
    const result = await post(path, body(values), { idempotencyKey: key });
    key = newKey();
    done(result);
  }, { fieldFor });
}

const trimmed = (value) => (value || '').trim();

/** Record cash or a transfer received for the co-payment, with its receipt reference. */
export function paymentForm(order, redraw) {
  return moneyForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'payment-h', id: 'record-payment' },
    h('h2', { id: 'payment-h' }, t('payment.title')),
    h('p', { class: 'hint' }, t('payment.hint', { copay: money(order.copay), paid: money(order.paid) })),
    field(t('payment.amount'), amountInput('amount', true)),
    field(t('payment.reference'), h('input', { name: 'reference', maxlength: 64, required: true, autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'primary' }, t('payment.submit'))),
  `/orders/${order.id}/payments`, (values) => ({ amount: trimmed(values.amount), reference: trimmed(values.reference) }),
  () => redraw(t('payment.recorded')), { payment_above_due: 'amount', invalid_reference: 'reference' });
}

/** Refund part or all of a confirmed order; each funder gets its part back. */
export function refundForm(order, redraw) {
  return moneyForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'refund-h', id: 'refund-order' },
    h('h2', { id: 'refund-h' }, t('refund.title')),
    h('p', { class: 'hint' }, t('refund.hint', { gross: money(order.gross), refunded: money(order.refunded) })),
    field(t('refund.amount'), amountInput('amount', true)),
    field(t('refund.reason'), h('textarea', { name: 'reason', rows: 2, maxlength: 500, required: true })),
    h('button', { type: 'submit', class: 'secondary' }, t('refund.submit'))),
  `/orders/${order.id}/refunds`, (values) => ({ amount: trimmed(values.amount), reason: trimmed(values.reason) }),
  (refund) => redraw(t('refund.recorded', { amount: money(refund.amount) })),
  { refund_exceeds_paid: 'amount', refund_not_whole_points: 'amount', invalid_reason: 'reason' });
}

/** The forms for this order and state: a dispute to decide, then money to record. */
export function staffActions(order, redraw, { decide }) {
  const blocks = [];
  if (decide && order.state === 'disputed') blocks.push(resolveForm(order, redraw));
  if (PAYABLE.includes(order.state)) blocks.push(h('details', {}, h('summary', {}, t('payment.link')), paymentForm(order, redraw)));
  if (order.state === 'confirmed') blocks.push(h('details', {}, h('summary', {}, t('refund.link')), refundForm(order, redraw)));
  return blocks;
}
