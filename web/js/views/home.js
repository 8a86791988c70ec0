// Home: the big buttons for what this person does most, their active needs and their points.
import { get, h, t, number, load, account, isStaff, isVolunteer, myOrganizations } from '../core.js';
import { setCategories, needList } from './common.js';

/**
 * The home's data: on the first draw after a page load, the view the server put into the page
 * for a browser holding the session cookie (no round trip); otherwise, or when that belongs to
 * someone else, a read with the bearer token.
 */
async function fetchHome() {
  const holder = document.getElementById('linli-home');
  if (holder) {
    holder.remove();
    try {
      const data = JSON.parse(holder.textContent);
      if (data.points.user_id === account().id) return data;
    } catch { /* read it from the API below */ }
  }
  return get('/me/home');
}

export function render(main) {
  const me = account();
  const actions = [['#/needs/new', 'home.post_need', 'primary']];
  if (isVolunteer()) actions.push(['#/open', 'home.find_needs', 'primary'], ['#/tasks', 'nav.tasks', 'secondary']);
  else if (myOrganizations(['volunteer_team', 'social_org'], ['admin', 'leader']).length) actions.push(['#/tasks', 'home.offers', 'secondary']);
  if (isStaff()) actions.push(['#/staff', 'nav.staff', 'secondary'], ['#/staff/proxy', 'staff.proxy', 'secondary']);
  actions.push(['#/services', 'home.book_service', 'secondary'], ['#/needs', 'nav.my_needs', 'secondary'], ['#/points', 'nav.points', 'secondary']);
  const data = h('div');
  main.append(
    h('h1', { 'data-screen': 'home' }, t('home.hello', { name: me.display_name })),
    h('div', { class: 'actions' }, actions.map(([href, key, kind]) => h('a', { href, class: `button ${kind}` }, t(key)))),
    data);
  load(data, fetchHome, (home) => {
    setCategories(home.categories);
    data.append(
      h('div', { class: 'summary' },
        h('a', { href: '#/points', class: 'stat' }, h('span', { class: 'stat-value', id: 'home-points' }, number(home.points.available)), h('span', {}, t('points.available'))),
        h('a', { href: '#/notifications', class: 'stat' }, h('span', { class: 'stat-value' }, number(home.unread_notifications)), h('span', {}, t('notifications.unread')))),
      h('section', { 'aria-labelledby': 'home-needs' },
        h('h2', { id: 'home-needs' }, t('home.active_needs')),
        needList(home.active_needs, 'needs.none_active')));
  });
}
