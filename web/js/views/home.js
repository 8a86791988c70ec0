// Home: the big buttons for what this person does most, their active needs and their points.
import { get, h, t, number, load, account, isStaff, isVolunteer, myOrganizations } from '../core.js';
import { withCategories, needList } from './common.js';

const ACTIVE = ['open', 'partially_assigned', 'assigned', 'in_progress', 'awaiting_confirmation'];

export function render(main) {
  const me = account();
  const actions = [['#/needs/new', 'home.post_need', 'primary']];
  if (isVolunteer()) actions.push(['#/open', 'home.find_needs', 'primary'], ['#/tasks', 'nav.tasks', 'secondary']);
  else if (myOrganizations(['volunteer_team', 'social_org'], ['admin', 'leader']).length) actions.push(['#/tasks', 'home.offers', 'secondary']);
  if (isStaff()) actions.push(['#/staff', 'nav.staff', 'secondary'], ['#/staff/proxy', 'staff.proxy', 'secondary']);
  actions.push(['#/services', 'home.book_service', 'secondary'], ['#/needs', 'nav.my_needs', 'secondary'], ['#/points', 'nav.points', 'secondary']);
  const summary = h('div', { class: 'summary' });
  const needs = h('section', { 'aria-labelledby': 'home-needs' });
  main.append(
    h('h1', { 'data-screen': 'home' }, t('home.hello', { name: me.display_name })),
    h('div', { class: 'actions' }, actions.map(([href, key, kind]) => h('a', { href, class: `button ${kind}` }, t(key)))),
    summary,
    needs);
  load(summary, () => Promise.all([get('/points/balance'), get('/me/notifications', { unread: true, limit: 1 })]),
    ([balance, notes]) => {
      summary.append(
        h('a', { href: '#/points', class: 'stat' }, h('span', { class: 'stat-value', id: 'home-points' }, number(balance.available)), h('span', {}, t('points.available'))),
        h('a', { href: '#/notifications', class: 'stat' }, h('span', { class: 'stat-value' }, number(notes.unread_count)), h('span', {}, t('notifications.unread'))));
    });
  load(needs, () => withCategories(get('/needs', { listing: 'mine', limit: 20 })),
    (list) => {
      needs.append(h('h2', { id: 'home-needs' }, t('home.active_needs')),
        needList(list.filter((n) => ACTIVE.includes(n.status)), 'needs.none_active'));
    });
}
