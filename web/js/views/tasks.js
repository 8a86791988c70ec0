// My tasks. First the offers dispatched to me — to me as a volunteer, or to a volunteer team or
// social organization I lead — to accept or decline before their deadline; an organization
// that accepted assigns its members here. Then my upcoming tasks, soonest first, each with its
// start in Asia/Shanghai and a reminder when it starts within a day; then the finished ones.
import { get, post, h, t, load, replace, dateTime, alertBox, bindForm, uid } from '../core.js';
import { withCategories, needList, needCard, startsIn, organizationLabel, categoryName } from './common.js';

const DONE = ['completed', 'cancelled', 'expired'];
const TAKING = ['open', 'partially_assigned'];

/** The names of the organizations offers were made to, by id (a numbered placeholder when unknown). */
async function organizationNames(received) {
  const ids = [...new Set(received.map((r) => r.offer.target_organization_id).filter(Boolean))];
  const found = await Promise.allSettled(ids.map((id) => get(`/organizations/${id}`)));
  return new Map(ids.map((id, i) => [id, found[i].status === 'fulfilled' ? organizationLabel(found[i].value) : t('offers.organization_number', { id })]));
}

/** Accept and decline buttons for a pending offer, with a slot for a refusal. */
function answerButtons(offer, redraw) {
  const slot = h('div', { class: 'form-alert', 'aria-live': 'assertive' });
  const answer = (accept, button) => async () => {
    button.disabled = true;
    replace(slot);
    try {
      await post(`/offers/${offer.id}/response`, { accept });
      redraw(t(accept ? 'offers.accepted' : 'offers.declined'));
    } catch (error) {
      replace(slot, alertBox(error, () => button.click()));
      button.disabled = false;
    }
  };
  const accept = h('button', { type: 'button', class: 'primary', 'data-accept-offer': offer.id }, t('offers.accept'));
  const decline = h('button', { type: 'button', class: 'secondary', 'data-decline-offer': offer.id }, t('offers.decline'));
  accept.addEventListener('click', answer(true, accept));
  decline.addEventListener('click', answer(false, decline));
  return [h('div', { class: 'buttons' }, accept, decline), slot];
}

/** The members of the organization to tick and assign to an accepted offer. */
function assignForm(offer, need, redraw) {
  const holder = h('div');
  load(holder, () => get(`/organizations/${offer.target_organization_id}/members`), (members) => {
    const legend = uid('assign');
    const form = h('form', { class: 'card', novalidate: true, 'data-assign-offer': offer.id, 'aria-labelledby': legend },
      h('h3', { id: legend }, t('offers.assign_title', { what: `${categoryName(need.category_id)} · ${dateTime(need.window_start)}` })),
      h('p', { class: 'hint' }, t('offers.assign_hint', { left: need.headcount - need.assigned_count })),
      h('fieldset', { class: 'checks', 'aria-describedby': `${legend}-error` },
        h('legend', {}, t('offers.members')),
        members.map((member) => {
          const id = uid('member');
          return h('div', { class: 'check' },
            h('input', { type: 'checkbox', name: 'user_ids', value: member.user_id, id, 'data-member': member.user_id }),
            h('label', { for: id }, member.display_name, ' ', h('span', { class: 'small' }, `(${t(`member_role.${member.role}`)})`)));
        }),
        h('p', { class: 'field-error', id: `${legend}-error`, hidden: true })),
      h('button', { type: 'submit', class: 'primary' }, t('offers.assign')));
    holder.append(bindForm(form, async () => {
      const ids = [...form.querySelectorAll('input[name=user_ids]:checked')].map((box) => Number(box.value));
      if (!ids.length) {
        const slot = document.getElementById(`${legend}-error`);
        slot.textContent = t('offers.pick_member');
        slot.hidden = false;
        form.querySelector('input[name=user_ids]')?.focus();
        return;
      }
      await post(`/offers/${offer.id}/assignments`, { user_ids: ids });
      redraw(t('offers.assigned', { count: ids.length }));
    }));
  });
  return holder;
}

function offerCard({ offer, need }, names, redraw) {
  const extra = [];
  extra.push(h('p', { class: 'small' }, offer.target_organization_id
    ? t('offers.to_organization', { name: names.get(offer.target_organization_id) })
    : t('offers.to_me')));
  if (offer.status === 'pending') {
    if (offer.deadline) extra.push(h('p', { class: 'deadline' }, t('offers.answer_by', { when: dateTime(offer.deadline) })));
    extra.push(answerButtons(offer, redraw));
  } else if (offer.target_organization_id && TAKING.includes(need.status)) {
    extra.push(assignForm(offer, need, redraw));
  } else {
    extra.push(h('p', { class: 'small' }, h('span', { class: 'badge' }, t(`offer.${offer.status}`))));
  }
  const card = needCard(need, extra);
  card.dataset.offer = offer.id;
  card.dataset.offerStatus = offer.status;
  return card;
}

/** Offers still wanting something from me: an answer, or members for an accepted one. */
function wanted({ offer, need }) {
  if (offer.status === 'pending') return true;
  return offer.status === 'accepted' && Boolean(offer.target_organization_id) && TAKING.includes(need.status);
}

function taskCard(need, now) {
  const reminder = DONE.includes(need.status) ? null : startsIn(need.window_start, need.window_end, now);
  return needCard(need, reminder ? [h('p', { class: 'reminder', 'data-reminder': need.id }, reminder)] : []);
}

export function render(main) {
  const notice = h('div', { 'aria-live': 'polite' });
  const offers = h('section', { 'aria-labelledby': 'offers-h', id: 'my-offers' });
  const upcoming = h('section', { 'aria-labelledby': 'upcoming-h' });
  main.append(h('h1', {}, t('nav.tasks')), notice, offers, upcoming);
  const draw = (message) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'offers-notice' }, message) : null);
    load(offers, () => withCategories(get('/me/offers', { limit: 100 }))
      .then(async (received) => [received, await organizationNames(received.filter(wanted))]), ([received, names]) => {
      const open = received.filter(wanted);
      offers.append(h('h2', { id: 'offers-h' }, t('offers.title')));
      if (!open.length) { offers.append(h('p', { class: 'empty' }, t('offers.none'))); return; }
      offers.append(h('ul', { class: 'needs' }, open.map((item) => offerCard(item, names, draw))));
    });
    load(upcoming, () => withCategories(get('/needs', { listing: 'claimed', limit: 100 })), (needs) => {
      const now = Date.now();
      const ahead = needs.filter((n) => !DONE.includes(n.status) && new Date(n.window_end).getTime() > now)
        .sort((a, b) => a.window_start.localeCompare(b.window_start));
      const past = needs.filter((n) => !ahead.includes(n));
      upcoming.append(h('h2', { id: 'upcoming-h' }, t('tasks.upcoming')),
        h('p', { class: 'hint' }, t('tasks.reminders_hint'), ' ', h('a', { href: '#/notifications' }, t('tasks.see_reminders'))));
      if (!ahead.length) upcoming.append(h('p', { class: 'empty' }, t('tasks.none_upcoming')));
      else upcoming.append(h('ul', { class: 'needs', id: 'upcoming' }, ahead.map((n) => taskCard(n, now))));
      if (past.length) {
        upcoming.append(h('details', {}, h('summary', {}, t('tasks.past', { count: past.length })), needList(past, 'tasks.none')));
      }
    });
  };
  draw();
}
