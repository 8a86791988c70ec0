// Needs a volunteer can take. First the ones recommended to them, best first, each with why it
// suits them (skills, distance, time, having helped the resident before) as the API scores it;
// then every other waiting need within their radius, nearest areas first. Claim in one tap.
import { get, post, h, replace, t, load, alertBox, number } from '../core.js';
import { withCategories, needList, needCard, reasonChips } from './common.js';
import { go } from '../app.js';

/** A claim button with a slot for a refusal beside it. */
function claimButton(need) {
  const slot = h('div', { class: 'form-alert', 'aria-live': 'assertive' });
  const button = h('button', {
    type: 'button', class: 'primary', 'data-claim': need.id,
    onclick: async () => {
      button.disabled = true;
      replace(slot);
      try {
        await post(`/needs/${need.id}/claims`, {});
        go(`/needs/${need.id}`);
      } catch (error) {
        replace(slot, alertBox(error, () => button.click()));
      } finally {
        button.disabled = false;
      }
    },
  }, t('action.claim'));
  return [h('div', { class: 'buttons' }, button), slot];
}

function recommendedList(recommended) {
  if (!recommended.length) return h('p', { class: 'empty' }, t('open.none_recommended'));
  return h('ul', { class: 'needs', id: 'recommended' }, recommended.map(({ need, score }) => {
    const percent = Math.round((score.total / score.max) * 100);
    const card = needCard(need, [
      h('p', { class: 'small' }, h('span', { class: 'badge match' }, t('open.match', { score: `${number(percent)}%` }))),
      reasonChips(need, score, t('open.why')),
      claimButton(need),
    ]);
    card.dataset.recommended = need.id;
    return card;
  }));
}

export function render(main) {
  const recommended = h('section', { 'aria-labelledby': 'recommended-h' });
  const others = h('section', { 'aria-labelledby': 'others-h' });
  main.append(h('h1', {}, t('nav.open_needs')), h('p', { class: 'lead' }, t('open.lead')), recommended, others);
  load(recommended, () => withCategories(Promise.all([
    get('/me/recommended-needs', { limit: 20 }).then((list) => ({ list }), (error) => ({ error })),
    get('/needs', { listing: 'open', limit: 100 }),
  ])), ([picked, open]) => {
    recommended.append(h('h2', { id: 'recommended-h' }, t('open.recommended')));
    if (picked.error) recommended.append(alertBox(picked.error, () => render(replace(main))));
    else recommended.append(h('p', { class: 'hint' }, t('open.recommended_hint')), recommendedList(picked.list));
    const shown = new Set((picked.list || []).map((r) => r.need.id));
    others.append(h('h2', { id: 'others-h' }, t(shown.size ? 'open.others' : 'open.all')),
      needList(open.filter((n) => !shown.has(n.id)), shown.size ? 'open.none_others' : 'open.none', claimButton));
  });
}
