// Staff dispatch: an unassigned need, the volunteers ranked for it with every part of each
// score explained (skills, distance, availability, reliability, fairness, continuity), and an
// offer to one of them — or to the listed volunteers in rank order, each offered when the one
// before declines or lets the answer window lapse. A refusal that concerns one volunteer (out
// of their radius, or not qualified for the category) is shown beside that volunteer.
import { get, post, h, t, replace, load, number, dateTime, alertBox, field, problemMessage, ApiError } from '../core.js';
import { withCategories, categoryName, statusBadge } from './common.js';

const WINDOWS = [15, 30, 60, 120];

/** Refusals about the volunteer offered, shown next to them. */
const ABOUT_TARGET = ['target_out_of_radius', 'target_not_qualified', 'unknown_target', 'invalid_target', 'not_a_member'];

function percent(part, whole) {
  return `${Math.round((part / whole) * 100)}%`;
}

/** The candidate's name when staff may see their profile, else a numbered placeholder. */
async function names(candidates) {
  const found = await Promise.allSettled(candidates.map((c) => get(`/volunteers/${c.volunteer_id}`)));
  return new Map(candidates.map((c, i) => [c.volunteer_id,
    found[i].status === 'fulfilled' ? found[i].value.display_name : t('dispatch.volunteer_number', { id: c.volunteer_id })]));
}

function parts(candidate, who) {
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('dispatch.parts_of', { name: who }) },
    h('table', {},
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('dispatch.factor')),
        h('th', { scope: 'col' }, t('dispatch.why')),
        h('th', { scope: 'col', class: 'num' }, t('dispatch.contribution')))),
      h('tbody', {}, candidate.score.parts.map((part) => h('tr', { 'data-factor': part.factor },
        h('th', { scope: 'row' }, t(`factor.${part.factor}`)),
        h('td', {}, t(`explain.${part.explanation}`)),
        h('td', { class: 'num' }, `${(part.contribution / 100).toFixed(1)} / ${part.weight}`))))));
}

function offersList(offers, who) {
  if (!offers.length) return h('p', { class: 'empty' }, t('dispatch.no_offers'));
  return h('ol', { class: 'plain', id: 'offers' }, offers.map((offer) => h('li', { class: 'note', 'data-offer-status': offer.status },
    h('span', { class: 'note-title' }, who(offer.target_user_id)), ' ',
    h('span', { class: 'badge' }, t(`offer.${offer.status}`)),
    offer.deadline && offer.status === 'pending' ? h('p', { class: 'small' }, t('dispatch.answer_by', { when: dateTime(offer.deadline) })) : null)));
}

export function render(main, { id }) {
  const head = h('section');
  const offersHolder = h('section', { 'aria-labelledby': 'offers-h' });
  const list = h('section', { 'aria-labelledby': 'candidates-h' });
  const notice = h('div', { 'aria-live': 'polite' });
  main.append(h('h1', {}, t('dispatch.title')), head, notice, offersHolder, list);
  const draw = () => load(list, () => Promise.all([
    withCategories(get(`/needs/${id}`)),
    get(`/needs/${id}/candidates`, { limit: 10 }),
    get(`/needs/${id}/offers`),
  ]).then(async ([need, candidates, offers]) => [need, candidates, offers, await names(candidates)]),
  ([need, candidates, offers, known]) => {
    const who = (userId) => known.get(userId) || t('dispatch.volunteer_number', { id: userId });
    replace(head,
      h('div', { class: 'card' },
        h('p', { class: 'need-link' }, h('a', { href: `#/needs/${need.id}` }, categoryName(need.category_id)), ' ', statusBadge(need.status)),
        h('p', { class: 'need-when' }, dateTime(need.window_start)),
        h('p', { class: 'need-text' }, need.description),
        h('p', { class: 'small' }, t('need.helpers', { assigned: need.assigned_count, headcount: need.headcount }))));
    replace(offersHolder, h('h2', { id: 'offers-h' }, t('dispatch.offers')), offersList(offers, who));
    const status = h('div', { 'aria-live': 'assertive', class: 'form-alert' });
    const window = h('select', { name: 'response_minutes' }, WINDOWS.map((m) => h('option', { value: m, selected: m === 30 }, t('dispatch.minutes', { n: m }))));
    const slots = new Map();
    const send = async (targets, button) => {
      replace(status);
      slots.forEach((slot) => { slot.hidden = true; slot.textContent = ''; });
      button.disabled = true;
      try {
        await post(`/needs/${id}/offers`, { targets: targets.map((userId) => ({ user_id: userId })), response_minutes: Number(window.value) });
        replace(notice, h('p', { class: 'status-line', id: 'dispatch-sent' }, t('dispatch.sent', { name: who(targets[0]) })));
        draw();
      } catch (error) {
        const slot = targets.length === 1 && error instanceof ApiError && ABOUT_TARGET.includes(error.code) ? slots.get(targets[0]) : null;
        if (slot) {
          slot.textContent = problemMessage(error);
          slot.hidden = false;
          button.focus();
        } else {
          replace(status, alertBox(error, () => send(targets, button)));
        }
      } finally {
        button.disabled = false;
      }
    };
    list.append(h('h2', { id: 'candidates-h' }, t('dispatch.candidates')),
      field(t('dispatch.window'), window, t('dispatch.window_hint')),
      status);
    if (!candidates.length) {
      list.append(h('p', { class: 'empty' }, t('dispatch.no_candidates')));
      return;
    }
    const all = h('button', { type: 'button', class: 'secondary', 'data-dispatch-all': '' }, t('dispatch.offer_all'));
    all.addEventListener('click', () => send(candidates.map((c) => c.volunteer_id), all));
    list.append(h('div', { class: 'buttons' }, all), h('ol', { class: 'plain' }, candidates.map((candidate) => {
      const name = who(candidate.volunteer_id);
      const refusal = h('p', { class: 'field-error', id: `refusal-${candidate.volunteer_id}`, role: 'alert', hidden: true, 'data-refusal': candidate.volunteer_id });
      slots.set(candidate.volunteer_id, refusal);
      const button = h('button', {
        type: 'button', class: 'primary', 'data-dispatch': candidate.volunteer_id, 'aria-describedby': refusal.id,
      }, t('dispatch.offer_to', { name }));
      button.addEventListener('click', () => send([candidate.volunteer_id], button));
      return h('li', { class: 'need', 'data-candidate': candidate.volunteer_id },
        h('p', { class: 'need-link' }, `${number(candidate.rank)}. ${name}`, ' ',
          h('span', { class: 'badge' }, t('dispatch.score', { score: percent(candidate.score.total, candidate.score.max) })),
          h('span', { class: 'badge' }, t(`distance.${Math.min(candidate.distance, 3)}`))),
        parts(candidate, name),
        h('div', { class: 'buttons' }, button),
        refusal);
    })));
  });
  draw();
}
