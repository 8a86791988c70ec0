// My needs: everything I posted, newest first, with its status.
import { get, h, t, load } from '../core.js';
import { withCategories, needList } from './common.js';

export function render(main) {
  const list = h('section');
  main.append(h('h1', {}, t('nav.my_needs')), h('a', { href: '#/needs/new', class: 'button primary' }, t('home.post_need')), list);
  load(list, () => withCategories(get('/needs', { listing: 'mine', limit: 100 })),
    (needs) => list.append(needList(needs, 'needs.none')));
}
