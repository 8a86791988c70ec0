// Points: the balance, this month's statement, and (for volunteers) a donation to the
// community pool, sent with an idempotency key kept across retries so it counts once.
import { get, post, newKey, h, field, t, dateTime, number, bindForm, load, isVolunteer } from '../core.js';

function statement(data) {
  if (!data.lines.length) return h('p', { class: 'empty' }, t('points.no_lines'));
  return h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-label': t('points.statement') },
    h('table', {},
      h('thead', {}, h('tr', {}, ['points.when', 'points.kind', 'points.amount', 'points.balance_after'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h('tbody', {}, [...data.lines].reverse().map((line) => h('tr', {},
        h('td', {}, dateTime(line.posted_at)),
        h('td', {}, t(`points.kind.${line.kind}`), line.memo ? h('span', { class: 'small block' }, line.memo) : null),
        h('td', { class: line.amount < 0 ? 'num out' : 'num in' }, `${line.amount > 0 ? '+' : ''}${number(line.amount)}`),
        h('td', { class: 'num' }, number(line.balance_after)))))));
}

function donateForm(redraw) {
  let key = newKey();
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'donate-h' },
    h('h2', { id: 'donate-h' }, t('donate.title')),
    h('p', { class: 'hint' }, t('donate.lead')),
    field(t('donate.amount'), h('input', { name: 'amount', type: 'number', min: 1, inputmode: 'numeric', required: true })),
    h('button', { type: 'submit', class: 'primary' }, t('action.donate')));
  form.addEventListener('input', () => { key = newKey(); });
  return bindForm(form, async (values) => {
    await post('/points/donations', { amount: Number(values.amount) || 0 }, { idempotencyKey: key });
    key = newKey();
    redraw();
  }, { fieldFor: { insufficient_points: 'amount', amount_not_positive: 'amount' } });
}

export function render(main) {
  const holder = h('div');
  main.append(h('h1', {}, t('nav.points')), holder);
  const draw = () => load(holder, () => Promise.all([get('/points/balance'), get('/points/statement')]), ([balance, lines]) => {
    holder.append(
      h('div', { class: 'summary' },
        h('div', { class: 'stat' }, h('span', { class: 'stat-value', id: 'points-available' }, number(balance.available)), h('span', {}, t('points.available'))),
        balance.on_hold ? h('div', { class: 'stat' }, h('span', { class: 'stat-value' }, number(balance.on_hold)), h('span', {}, t('points.on_hold'))) : null),
      h('h2', {}, t('points.statement')),
      h('p', { class: 'small' }, t('points.period', { from: dateTime(lines.from), to: dateTime(lines.to) })),
      statement(lines),
      isVolunteer() ? donateForm(draw) : null);
  });
  draw();
}
