// Street admins: each provider's settlement batches, a draft approved and an approved one marked
// paid with the bank reference (on the batch's statement), and the subsidy programmes they fund,
// each with the claim statement to see and download.
import { get, post, h, t, load, bindForm, field, money, number, currentLang } from '../core.js';
import { detail, period, stateBadge } from './settlements.js';
import { organizationName } from './paid.js';

function approveForm(batch, redraw) {
  return bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'approve-h', id: 'approve-settlement' },
    h('h2', { id: 'approve-h' }, t('settlement.approve_title')),
    h('p', { class: 'hint' }, t('settlement.approve_hint', { net: money(batch.totals.net) })),
    h('button', { type: 'submit', class: 'primary' }, t('settlement.approve'))), async () => {
    await post(`/settlements/${batch.id}/approval`, {});
    redraw(t('settlement.approved'));
  });
}

function payForm(batch, redraw) {
  return bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'pay-h', id: 'pay-settlement' },
    h('h2', { id: 'pay-h' }, t('settlement.pay_title')),
    h('p', { class: 'hint' }, t('settlement.pay_hint', { net: money(batch.totals.net) })),
    field(t('settlement.reference'), h('input', { name: 'reference', maxlength: 64, required: true, autocomplete: 'off' })),
    h('button', { type: 'submit', class: 'primary' }, t('settlement.mark_paid'))), async (values) => {
    await post(`/settlements/${batch.id}/payment`, { reference: (values.reference || '').trim() });
    redraw(t('settlement.marked_paid'));
  }, { fieldFor: { invalid_reference: 'reference' } });
}

function actions(batch, redraw) {
  if (batch.state === 'draft') return approveForm(batch, redraw);
  if (batch.state === 'approved') return payForm(batch, redraw);
  return null;
}

function programmeName(programme) {
  return currentLang() === 'en' && programme.name_en ? programme.name_en : programme.name_zh;
}

function batchList(batches) {
  if (!batches.length) return h('p', { class: 'empty' }, t('settlement.none'));
  return h('ul', { class: 'needs', id: 'settlements' }, batches.map((b) => h('li', { class: 'need', 'data-settlement': b.id },
    h('p', { class: 'need-link' }, h('a', { href: `#/staff/settlements/${b.id}` }, t('settlement.title', { id: b.id })), stateBadge(b.state)),
    h('p', {}, period(b)),
    h('p', {}, t('settlement.summary', { lines: number(b.line_count), gross: money(b.totals.gross), net: money(b.totals.net) })))));
}

function list(main) {
  const providers = h('section', { 'aria-labelledby': 'batches-h' });
  const claims = h('section', { 'aria-labelledby': 'claims-h' });
  main.append(h('h1', {}, t('staff_settlements.title')), providers, claims);
  load(providers, () => get('/organizations', { kind: 'provider', limit: 200 }), (organizations) => {
    providers.append(h('h2', { id: 'batches-h' }, t('staff_settlements.batches')));
    if (!organizations.length) { providers.append(h('p', { class: 'empty' }, t('staff_settlements.no_providers'))); return; }
    const select = h('select', { name: 'organization_id', id: 'settlement-provider' },
      organizations.map((o) => h('option', { value: o.id }, organizationName(o))));
    const holder = h('div');
    providers.append(field(t('staff_settlements.provider'), select), holder);
    const draw = () => load(holder, () => get('/settlements', { organization_id: select.value }), (batches) => holder.append(batchList(batches)));
    select.addEventListener('change', draw);
    draw();
  });
  load(claims, () => get('/subsidy-programs'), (programmes) => {
    // The funding body sees each programme's budget: those are the ones whose claim it may read.
    const funded = programmes.filter((p) => p.budget !== undefined && p.budget !== null);
    claims.append(h('h2', { id: 'claims-h' }, t('claim.programmes')),
      funded.length ? h('ul', { class: 'needs', id: 'programmes' }, funded.map((p) => h('li', { class: 'need', 'data-programme': p.id },
        h('p', { class: 'need-link' }, h('a', { href: `#/staff/claims/${p.id}` }, programmeName(p))),
        h('p', { class: 'small' }, t('claim.budget_line', { budget: money(p.budget), remaining: money(p.remaining ?? p.budget) })))))
        : h('p', { class: 'empty' }, t('claim.no_programmes')));
  });
}

export function render(main, { id }) {
  if (id) detail(main, id, { back: '#/staff/settlements', actions });
  else list(main);
}
