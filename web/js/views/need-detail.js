// One need, as the caller may see it: the resident sees the check-in code, who is coming, and
// confirms and rates or disputes; a helper claims, sees the contact while assigned, and checks
// in and out with the resident's code.
import { get, post, h, field, replace, t, dateTime, timeWindow, bindForm, load, account, isVolunteer } from '../core.js';
import { withCategories, categoryName, statusBadge } from './common.js';

const CLAIMABLE = ['open', 'partially_assigned'];

function facts(need) {
  return h('dl', { class: 'facts' },
    h('dt', {}, t('need.when')), h('dd', {}, timeWindow(need.window_start, need.window_end)),
    h('dt', {}, t('need.duration')), h('dd', {}, t('post.minutes', { minutes: need.duration_minutes })),
    h('dt', {}, t('need.helpers_label')), h('dd', {}, t('need.helpers', { assigned: need.assigned_count, headcount: need.headcount })),
    h('dt', {}, t('need.posted')), h('dd', {}, dateTime(need.created_at)),
    need.rating ? [h('dt', {}, t('need.rating')), h('dd', {}, t('need.stars', { rating: need.rating }))] : null,
    need.cancel_reason ? [h('dt', {}, t('need.cancel_reason')), h('dd', {}, need.cancel_reason)] : null);
}

function contactBlock(contact) {
  if (!contact) return null;
  return h('section', { class: 'card', 'aria-labelledby': 'contact-h' },
    h('h2', { id: 'contact-h' }, t('need.contact')),
    h('dl', { class: 'facts' },
      h('dt', {}, t('field.display_name')), h('dd', {}, contact.name),
      contact.phone ? [h('dt', {}, t('field.phone')), h('dd', {}, h('a', { href: `tel:${contact.phone}` }, contact.phone))] : null,
      contact.address ? [h('dt', {}, t('field.address')), h('dd', {}, contact.address)] : null));
}

function helpersBlock(need) {
  const claims = need.claims.filter((c) => !['withdrawn', 'cancelled'].includes(c.status));
  return h('section', { class: 'card', 'aria-labelledby': 'helpers-h' },
    h('h2', { id: 'helpers-h' }, t('need.who_is_coming')),
    claims.length
      ? h('ul', { class: 'plain' }, claims.map((c, i) => h('li', {},
        t('need.helper_n', { n: i + 1 }), ' — ', t(`claim.${c.status}`),
        c.checked_in_at ? ` · ${t('claim.in_at', { at: dateTime(c.checked_in_at) })}` : '',
        c.checked_out_at ? ` · ${t('claim.out_at', { at: dateTime(c.checked_out_at) })}` : '')))
      : h('p', { class: 'empty' }, t('need.nobody_yet')));
}

function residentActions(need, redraw) {
  const blocks = [];
  if (need.check_code && !['completed', 'cancelled', 'expired'].includes(need.status)) {
    blocks.push(h('section', { class: 'card code-card', 'aria-labelledby': 'code-h' },
      h('h2', { id: 'code-h' }, t('need.code_title')),
      h('p', { class: 'check-code', id: 'check-code', 'aria-describedby': 'code-hint' }, need.check_code),
      h('p', { class: 'hint', id: 'code-hint' }, t('need.code_hint'))));
  }
  if (need.status === 'awaiting_confirmation') {
    const stars = h('fieldset', { class: 'stars' }, h('legend', {}, t('confirm.rating')),
      [5, 4, 3, 2, 1].map((n) => h('label', { class: 'choice' },
        h('input', { type: 'radio', name: 'rating', value: n, checked: n === 5 }), t('need.stars', { rating: n }))),
      h('p', { class: 'field-error', id: 'rating-error', hidden: true }));
    const confirm = bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'confirm-h' },
      h('h2', { id: 'confirm-h' }, t('confirm.title')),
      stars,
      field(t('confirm.comment'), h('textarea', { name: 'comment', rows: 2, maxlength: 500 })),
      h('button', { type: 'submit', class: 'primary' }, t('action.confirm'))), async (values) => {
      const body = { rating: Number(values.rating) };
      if (values.comment && values.comment.trim()) body.comment = values.comment.trim();
      await post(`/needs/${need.id}/confirmation`, body);
      redraw();
    }, { fieldFor: { invalid_rating: 'rating' } });
    blocks.push(confirm);
  }
  if (['awaiting_confirmation', 'completed'].includes(need.status) && !need.disputes.some((d) => d.status === 'open')) {
    const dispute = bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'dispute-h' },
      h('h2', { id: 'dispute-h' }, t('dispute.title')),
      field(t('dispute.reason'), h('textarea', { name: 'reason', rows: 3, maxlength: 500, required: true })),
      h('button', { type: 'submit', class: 'secondary' }, t('action.dispute'))), async (values) => {
      await post(`/needs/${need.id}/disputes`, { reason: (values.reason || '').trim() });
      redraw();
    });
    blocks.push(h('details', {}, h('summary', {}, t('dispute.open_link')), dispute));
  }
  if (need.disputes.length) {
    blocks.push(h('section', { class: 'card' }, h('h2', {}, t('dispute.list')),
      h('ul', { class: 'plain' }, need.disputes.map((d) => h('li', {},
        `${dateTime(d.created_at)} · ${t(`dispute.status.${d.status}`)} — `, d.reason)))));
  }
  return blocks;
}

function codeForm(need, kind, redraw) {
  return bindForm(h('form', { class: 'card', novalidate: true, 'aria-labelledby': `${kind}-h` },
    h('h2', { id: `${kind}-h` }, t(`${kind}.title`)),
    field(t('field.check_code'), h('input', {
      name: 'code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{4}', maxlength: 4, required: true, class: 'code-input',
    }), t(`${kind}.hint`)),
    h('button', { type: 'submit', class: 'primary' }, t(`action.${kind}`))), async (values) => {
    await post(`/needs/${need.id}/${kind === 'checkin' ? 'check-in' : 'check-out'}`, { code: (values.code || '').trim() });
    redraw();
  }, { fieldFor: { wrong_check_code: 'code', too_many_code_attempts: 'code', code_required: 'code' } });
}

function helperActions(need, redraw) {
  const blocks = [];
  const mine = need.my_claim;
  if (mine && mine.status === 'assigned') blocks.push(codeForm(need, 'checkin', redraw));
  if (mine && mine.status === 'checked_in') blocks.push(codeForm(need, 'checkout', redraw));
  if (mine && ['assigned', 'checked_in'].includes(mine.status) && !need.contact) {
    const slot = h('div');
    blocks.push(h('div', {}, h('button', {
      type: 'button', class: 'secondary',
      onclick: () => load(slot, () => get(`/needs/${need.id}`, { reveal: true }), (full) => slot.append(contactBlock(full.contact) || h('p', {}, t('need.contact_hidden')))),
    }, t('action.show_contact')), slot));
  }
  if (!mine && isVolunteer() && CLAIMABLE.includes(need.status)) {
    blocks.push(bindForm(h('form', { novalidate: true },
      h('button', { type: 'submit', class: 'primary' }, t('action.claim'))), async () => {
      await post(`/needs/${need.id}/claims`, {});
      redraw();
    }));
  }
  if (mine) {
    blocks.push(h('p', { class: 'status-line' }, t('claim.mine'), ' ', h('strong', {}, t(`claim.${mine.status}`)),
      mine.minutes ? ` · ${t('claim.minutes', { minutes: mine.minutes })}` : ''));
  }
  return blocks;
}

export function render(main, { id }) {
  const holder = h('div');
  main.append(holder);
  const draw = () => load(holder, () => withCategories(get(`/needs/${Number(id)}`)), (need) => {
    const me = account();
    const residentSide = Boolean(need.check_code) || need.resident_id === me.id;
    replace(holder,
      h('h1', {}, categoryName(need.category_code)),
      h('p', {}, statusBadge(need.status), need.escalated ? h('span', { class: 'badge escalated' }, t('need.escalated')) : null),
      h('p', { class: 'need-text' }, need.description),
      facts(need),
      residentSide ? residentActions(need, draw) : helperActions(need, draw),
      contactBlock(need.contact),
      residentSide || need.claims.length ? helpersBlock(need) : null);
    holder.querySelector('h1')?.setAttribute('tabindex', '-1');
  });
  draw();
}
