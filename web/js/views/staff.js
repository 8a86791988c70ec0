// Staff dashboard: the needs of their area that want attention — escalated first, then open
// ones by start time, each unassigned one with a way to dispatch it from the ranked candidate
// list — a way to post a need for a resident who has no smartphone, and (for those who decide
// them) the disputed volunteer tasks of the area.
import { get, h, t, load, holds } from '../core.js';
import { withCategories, needList } from './common.js';

const WAITING = ['open', 'partially_assigned'];

/** Roles that resolve disputes about volunteer tasks (grid workers see the needs but do not decide). */
const DECIDERS = ['social_worker', 'community_staff', 'street_admin', 'platform_admin'];

export function render(main) {
  const escalated = h('section', { 'aria-labelledby': 'escalated-h' });
  const open = h('section', { 'aria-labelledby': 'open-h' });
  const counts = h('div', { class: 'summary' });
  main.append(h('h1', {}, t('nav.staff')),
    h('div', { class: 'actions' },
      h('a', { href: '#/staff/proxy', class: 'button primary' }, t('staff.proxy')),
      DECIDERS.some(holds) ? h('a', { href: '#/staff/disputes', class: 'button secondary', id: 'staff-disputes-link' }, t('staff.disputes')) : null),
    counts, escalated, open);
  load(counts, () => withCategories(get('/needs', { listing: 'area', limit: 200 })), (needs) => {
    const byStart = (a, b) => a.window_start.localeCompare(b.window_start);
    const flagged = needs.filter((n) => n.escalated && !['completed', 'cancelled', 'expired'].includes(n.status)).sort(byStart);
    const waiting = needs.filter((n) => WAITING.includes(n.status) && !n.escalated).sort(byStart);
    const overdue = needs.filter((n) => WAITING.includes(n.status) && new Date(n.window_start) < new Date()).length;
    counts.append(
      h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, String(flagged.length)), h('span', {}, t('staff.escalated'))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, String(waiting.length)), h('span', {}, t('staff.open'))),
      h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, String(overdue)), h('span', {}, t('staff.overdue'))));
    const dispatch = (need) => (WAITING.includes(need.status) && need.mode === 'volunteer'
      ? [h('a', { href: `#/staff/needs/${need.id}`, class: 'button secondary', 'data-find-helper': need.id }, t('staff.find_helper'))]
      : []);
    escalated.append(h('h2', { id: 'escalated-h' }, t('staff.escalated')), needList(flagged, 'staff.none_escalated', dispatch));
    open.append(h('h2', { id: 'open-h' }, t('staff.open')), needList(waiting, 'staff.none_open', dispatch));
  });
}
