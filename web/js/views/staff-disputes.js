// Disputed volunteer tasks of the areas staff look after (`list_needs` with `listing=area` and
// `disputed=true`): what was disputed and by whom, each helper's recorded minutes, and a
// decision — uphold the delivery, adjust the minutes credited to each helper, or void it —
// with a reason kept in the audit log.
import { get, post, h, t, load, replace, dateTime, field, bindForm, uid } from '../core.js';
import { withCategories, needCard, categoryName } from './common.js';

const RESOLUTIONS = ['uphold', 'adjust', 'void'];

function resolutionChoice() {
  const ids = RESOLUTIONS.map(() => uid('resolution'));
  const hint = uid('resolution-hint');
  return h('fieldset', { class: 'checks', 'aria-describedby': `${ids[0]}-error ${hint}` },
    h('legend', {}, t('need_dispute.resolution')),
    RESOLUTIONS.map((value, i) => h('div', { class: 'check' },
      h('input', { type: 'radio', name: 'resolution', value, id: ids[i], checked: value === 'uphold', 'data-resolution': value }),
      h('label', { for: ids[i] }, t(`need_dispute.${value}`)))),
    h('p', { class: 'hint', id: hint }, t('need_dispute.resolution_hint')),
    h('p', { class: 'field-error', id: `${ids[0]}-error`, hidden: true }));
}

function helpers(need) {
  const claims = need.claims.filter((c) => !['withdrawn', 'cancelled', 'waitlisted'].includes(c.status));
  if (!claims.length) return null;
  return h('ul', { class: 'plain small' }, claims.map((c, i) => h('li', {},
    t('need.helper_n', { n: i + 1 }), ' — ', t(`claim.${c.status}`),
    c.minutes !== undefined && c.minutes !== null ? ` · ${t('need_dispute.minutes_recorded', { minutes: c.minutes })}` : '',
    c.flagged_for_review ? ` · ${t('need_dispute.flagged')}` : '')));
}

function resolveForm(need, dispute, done) {
  const heading = uid('resolve-h');
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': heading, 'data-resolve-dispute': dispute.id },
    h('h3', { id: heading }, t('need_dispute.decide', { what: `${categoryName(need.category_id)} · ${dateTime(need.window_start)}` })),
    resolutionChoice(),
    field(t('need_dispute.minutes'), h('input', { name: 'minutes', type: 'number', inputmode: 'numeric', min: 0, max: 1440, step: 1 }),
      t('need_dispute.minutes_hint', { estimate: need.duration_minutes })),
    field(t('need_dispute.reason'), h('textarea', { name: 'reason', rows: 3, maxlength: 500, required: true }), t('need_dispute.reason_hint')),
    h('button', { type: 'submit', class: 'primary' }, t('need_dispute.submit')));
  return bindForm(form, async (values) => {
    const body = { resolution: values.resolution, reason: (values.reason || '').trim() };
    const minutes = (values.minutes || '').trim();
    if (values.resolution === 'adjust' && minutes) body.minutes = Number(minutes);
    const resolved = await post(`/needs/${need.id}/disputes/${dispute.id}/resolution`, body);
    done(t(`need_dispute.done_${resolved.resolution}`, { minutes: resolved.adjusted_minutes ?? '' }));
  }, { fieldFor: { invalid_minutes: 'minutes', invalid_reason: 'reason', dispute_resolved: 'resolution' } });
}

function disputeCard(need, redraw) {
  const dispute = need.disputes.find((d) => d.status === 'open');
  if (!dispute) return null;
  let who = 'need_dispute.by_proxy';
  if (need.resident_id && dispute.opened_by === need.resident_id) who = 'need_dispute.by_resident';
  else if (need.claims.some((c) => c.helper_id === dispute.opened_by)) who = 'need_dispute.by_helper';
  const card = needCard(need, [
    h('div', { class: 'card dispute' },
      h('p', { class: 'note-title' }, t(who), ' · ', dateTime(dispute.created_at)),
      h('p', { class: 'need-text' }, dispute.reason)),
    helpers(need),
    resolveForm(need, dispute, redraw),
  ]);
  card.dataset.disputedNeed = need.id;
  return card;
}

export function render(main) {
  const notice = h('div', { 'aria-live': 'polite' });
  const list = h('section', { 'aria-labelledby': 'disputes-h' });
  main.append(h('h1', {}, t('need_dispute.title')), h('p', { class: 'lead' }, t('need_dispute.lead')), notice, list);
  const draw = (message) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'dispute-notice' }, message) : null);
    load(list, async () => {
      const needs = await withCategories(get('/needs', { listing: 'area', disputed: true, limit: 100 }));
      return Promise.all(needs.map((need) => get(`/needs/${need.id}`)));
    }, (needs) => {
      const cards = needs.map((need) => disputeCard(need, draw)).filter(Boolean);
      list.append(h('h2', { id: 'disputes-h' }, t('need_dispute.open', { count: cards.length })));
      if (!cards.length) list.append(h('p', { class: 'empty' }, t('need_dispute.none')));
      else list.append(h('ul', { class: 'needs', id: 'disputed-needs' }, cards));
    });
  };
  draw();
}
