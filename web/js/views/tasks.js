// My tasks: the needs I claimed, upcoming first.
import { get, h, t, load } from '../core.js';
import { withCategories, needList } from './common.js';

export function render(main) {
  const list = h('section');
  main.append(h('h1', {}, t('nav.tasks')), list);
  load(list, () => withCategories(get('/needs', { listing: 'claimed', limit: 100 })),
    (needs) => {
      const sorted = [...needs].sort((a, b) => a.window_start.localeCompare(b.window_start));
      list.append(needList(sorted, 'tasks.none'));
    });
}
