// Open needs a volunteer can take, nearest areas first as the API orders them; claim in one tap.
import { get, post, h, replace, t, load, alertBox } from '../core.js';
import { withCategories, needList } from './common.js';
import { go } from '../app.js';

export function render(main) {
  const list = h('section');
  main.append(h('h1', {}, t('nav.open_needs')), h('p', { class: 'lead' }, t('open.lead')), list);
  load(list, () => withCategories(get('/needs', { listing: 'open', limit: 100 })),
    (needs) => list.append(needList(needs, 'open.none', (need) => {
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
      return [button, slot];
    })));
}
