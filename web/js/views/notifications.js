// Notifications, newest first; unread ones marked, with "mark all read".
import { get, post, h, t, dateTime, load, alertBox } from '../core.js';

export function render(main) {
  const list = h('section');
  main.append(h('h1', {}, t('nav.notifications')), list);
  const draw = () => load(list, () => get('/me/notifications', { limit: 50 }), (page) => {
    if (page.unread_count > 0) {
      list.append(h('button', {
        type: 'button', class: 'secondary',
        onclick: async (event) => {
          try { await post('/me/notifications/read', {}); draw(); } catch (error) { event.target.after(alertBox(error)); }
        },
      }, t('notifications.mark_all', { count: page.unread_count })));
    }
    if (!page.notifications.length) { list.append(h('p', { class: 'empty' }, t('notifications.none'))); return; }
    list.append(h('ul', { class: 'notes' }, page.notifications.map((n) => h('li', { class: n.read_at ? 'note' : 'note unread' },
      h('p', { class: 'note-title' }, n.read_at ? null : h('span', { class: 'badge' }, t('notifications.new')), ' ',
        n.urgent ? h('span', { class: 'badge urgent' }, t('urgency.urgent')) : null, ' ', n.title),
      h('p', {}, n.body),
      h('p', { class: 'small' }, dateTime(n.created_at))))));
  });
  draw();
}
