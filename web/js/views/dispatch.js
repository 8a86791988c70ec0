// Staff dispatch: an unassigned need, the volunteers ranked for it with every part of each
// score explained (skills, distance, availability, reliability, fairness, continuity), and an
// offer to one of them — or to the listed volunteers in rank order, each offered when the one
// before declines or lets the answer window lapse. A refusal that concerns one volunteer (out
// of their radius, or not qualified for the category) is shown beside that volunteer. The need
// can also go to a verified volunteer team or social organization serving its community, whose
// leaders then assign members; every offer is listed with its target's name and state.
import { get, post, h, t, replace, load, number, dateTime, alertBox, field, problemMessage, ApiError } from '../core.js';
import { withCategories, categoryName, statusBadge, organizationLabel } from './common.js';

const WINDOWS = [15, 30, 60, 120];

/** Refusals about the one volunteer or organization offered, shown next to it. */
const ABOUT_TARGET = ['target_out_of_radius', 'target_not_qualified', 'unknown_target', 'invalid_target', 'not_a_member'];

/** Organizations that take dispatched needs and assign their own members. */
const TAKERS = ['volunteer_team', 'social_org'];

/** Verified teams and social organizations serving the need's community, teams first. */
async function serving(need) {
  const lists = await Promise.all(TAKERS.map((kind) => get('/organizations', { kind, area_id: need.grid_id, verified: true, limit: 50 })));
  return lists.flat();
}

function percent(part, whole) {
  return `${Math.round((part / whole) * 100)}%`;
}

/** Each volunteer's name when staff may see their profile, else a numbered placeholder. */
async function names(userIds) {
  const ids = [...new Set(userIds)];
  const found = await Promise.allSettled(ids.map((userId) => get(`/volunteers/${userId}`)));
  return new Map(ids.map((userId, i) => [userId,
    found[i].status === 'fulfilled' ? found[i].value.display_name : t('dispatch.volunteer_number', { id: userId })]));
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

function offersList(offers, who, organization) {
  if (!offers.length) return h('p', { class: 'empty' }, t('dispatch.no_offers'));
  return h('ol', { class: 'plain', id: 'offers' }, offers.map((offer) => h('li', {
    class: 'note', 'data-offer-status': offer.status, 'data-offer-organization': offer.target_organization_id,
  },
    h('span', { class: 'note-title' }, offer.target_organization_id ? organization(offer.target_organization_id) : who(offer.target_user_id)), ' ',
    offer.target_organization_id ? h('span', { class: 'badge' }, t('dispatch.organization_target')) : null, ' ',
    h('span', { class: 'badge' }, t(`offer.${offer.status}`)),
    offer.deadline && offer.status === 'pending' ? h('p', { class: 'small' }, t('dispatch.answer_by', { when: dateTime(offer.deadline) })) : null)));
}

/** A refusal slot beside one target, and the button that offers the need to it. */
function targetButton(key, label, attrs, onClick) {
  const refusal = h('p', { class: 'field-error', id: `refusal-${key}`, role: 'alert', hidden: true, 'data-refusal': key });
  const button = h('button', { type: 'button', class: 'primary', 'aria-describedby': refusal.id, ...attrs }, label);
  button.addEventListener('click', () => onClick(button));
  return { refusal, button };
}

export function render(main, { id }) {
  const head = h('section');
  const offersHolder = h('section', { 'aria-labelledby': 'offers-h' });
  const list = h('div');
  const notice = h('div', { 'aria-live': 'polite' });
  main.append(h('h1', {}, t('dispatch.title')), head, notice, offersHolder, list);
  const draw = () => load(list, async () => {
    const [need, candidates, offers] = await Promise.all([
      withCategories(get(`/needs/${id}`)),
      get(`/needs/${id}/candidates`, { limit: 10 }),
      get(`/needs/${id}/offers`),
    ]);
    const [known, organizations] = await Promise.all([
      names([...candidates.map((c) => c.volunteer_id), ...offers.map((o) => o.target_user_id).filter(Boolean)]),
      serving(need),
    ]);
    const missing = offers.map((o) => o.target_organization_id).filter((org) => org && !organizations.some((o) => o.id === org));
    const others = await Promise.allSettled([...new Set(missing)].map((org) => get(`/organizations/${org}`)));
    return [need, candidates, offers, known, organizations, others.filter((r) => r.status === 'fulfilled').map((r) => r.value)];
  },
  ([need, candidates, offers, known, organizations, others]) => {
    const who = (userId) => known.get(userId) || t('dispatch.volunteer_number', { id: userId });
    const organizationNames = new Map([...organizations, ...others].map((o) => [o.id, organizationLabel(o)]));
    const organization = (orgId) => organizationNames.get(orgId) || t('offers.organization_number', { id: orgId });
    replace(head,
      h('div', { class: 'card' },
        h('p', { class: 'need-link' }, h('a', { href: `#/needs/${need.id}` }, categoryName(need.category_id)), ' ', statusBadge(need.status)),
        h('p', { class: 'need-when' }, dateTime(need.window_start)),
        h('p', { class: 'need-text' }, need.description),
        h('p', { class: 'small' }, t('need.helpers', { assigned: need.assigned_count, headcount: need.headcount }))));
    replace(offersHolder, h('h2', { id: 'offers-h' }, t('dispatch.offers')), offersList(offers, who, organization));
    const status = h('div', { 'aria-live': 'assertive', class: 'form-alert' });
    const window = h('select', { name: 'response_minutes' }, WINDOWS.map((m) => h('option', { value: m, selected: m === 30 }, t('dispatch.minutes', { n: m }))));
    const slots = new Map();
    // targets: [{user_id} | {organization_id}], keys: their refusal slots, name: for the notice.
    const send = async (targets, keys, name, button) => {
      replace(status);
      slots.forEach((slot) => { slot.hidden = true; slot.textContent = ''; });
      button.disabled = true;
      try {
        await post(`/needs/${id}/offers`, { targets, response_minutes: Number(window.value) });
        replace(notice, h('p', { class: 'status-line', id: 'dispatch-sent' }, t('dispatch.sent', { name })));
        draw();
      } catch (error) {
        const slot = keys.length === 1 && error instanceof ApiError && ABOUT_TARGET.includes(error.code) ? slots.get(keys[0]) : null;
        if (slot) {
          slot.textContent = problemMessage(error);
          slot.hidden = false;
          button.focus();
        } else {
          replace(status, alertBox(error, () => send(targets, keys, name, button)));
        }
      } finally {
        button.disabled = false;
      }
    };
    list.append(field(t('dispatch.window'), window, t('dispatch.window_hint')), status);

    const teams = h('section', { 'aria-labelledby': 'organizations-h', id: 'dispatch-organizations' },
      h('h2', { id: 'organizations-h' }, t('dispatch.organizations')),
      h('p', { class: 'hint' }, t('dispatch.organizations_hint')));
    if (!organizations.length) {
      teams.append(h('p', { class: 'empty' }, t('dispatch.no_organizations')));
    } else {
      teams.append(h('ul', { class: 'plain' }, organizations.map((org) => {
        const name = organizationLabel(org);
        const { refusal, button } = targetButton(`org-${org.id}`, t('dispatch.offer_to', { name }), { 'data-dispatch-org': org.id },
          (clicked) => send([{ organization_id: org.id }], [`org-${org.id}`], name, clicked));
        slots.set(`org-${org.id}`, refusal);
        return h('li', { class: 'need', 'data-organization': org.id },
          h('p', { class: 'need-link' }, name, ' ', h('span', { class: 'badge' }, t(`organization_kind.${org.kind}`))),
          h('p', { class: 'need-text' }, org.description),
          h('div', { class: 'buttons' }, button),
          refusal);
      })));
    }

    const people = h('section', { 'aria-labelledby': 'candidates-h' }, h('h2', { id: 'candidates-h' }, t('dispatch.candidates')));
    list.append(people, teams);
    if (!candidates.length) {
      people.append(h('p', { class: 'empty' }, t('dispatch.no_candidates')));
      return;
    }
    const all = h('button', { type: 'button', class: 'secondary', 'data-dispatch-all': '' }, t('dispatch.offer_all'));
    all.addEventListener('click', () => send(candidates.map((c) => ({ user_id: c.volunteer_id })), candidates.map((c) => c.volunteer_id),
      who(candidates[0].volunteer_id), all));
    people.append(h('div', { class: 'buttons' }, all), h('ol', { class: 'plain' }, candidates.map((candidate) => {
      const name = who(candidate.volunteer_id);
      const { refusal, button } = targetButton(candidate.volunteer_id, t('dispatch.offer_to', { name }), { 'data-dispatch': candidate.volunteer_id },
        (clicked) => send([{ user_id: candidate.volunteer_id }], [candidate.volunteer_id], name, clicked));
      slots.set(candidate.volunteer_id, refusal);
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
