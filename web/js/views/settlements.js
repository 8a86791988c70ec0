// A provider's settlements: the batches per period with their totals and state, and one batch's
// statement — a line per order (or refund adjustment) whose amounts add up to the totals — with
// its CSV to download. Amounts are the API's own decimal strings.
import { get, fetchBlob, h, append, t, load, replace, money, number, dateTime, alertBox } from '../core.js';
import { organizationPicker } from './paid.js';

const COLUMNS = ['gross', 'subsidy', 'points', 'copay', 'commission', 'net'];

/** A batch's period, as dates and times in Asia/Shanghai. */
export function period(batch) {
  return t('settlement.period', { from: dateTime(batch.period_start), to: dateTime(batch.period_end) });
}

/** A batch's state as a badge. */
export function stateBadge(state) {
  return h('span', { class: `badge settlement-${state}` }, t(`settlement.state.${state}`));
}

function totals(batch) {
  return h('dl', { class: 'facts', id: 'settlement-totals' },
    COLUMNS.map((key) => [h('dt', {}, t(`settlement.${key}`)), h('dd', { class: key === 'net' ? 'strong' : undefined, 'data-total': key }, money(batch.totals[key]))]));
}

/** Downloads a batch's statement as CSV (with the bearer token, never in a URL). */
export async function download(batch, slot) {
  replace(slot);
  try {
    const blob = await fetchBlob(`/settlements/${batch.id}/statement.csv`);
    const url = URL.createObjectURL(blob);
    const link = h('a', { href: url, download: `linli-settlement-${batch.id}.csv`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    replace(slot, alertBox(error, () => download(batch, slot)));
  }
}

/**
 * One batch's statement. Street admins reach it from their own list (`back`) and get the
 * approval and payout forms (`actions(batch, redraw)`) under the totals.
 */
export function detail(main, id, { back = '#/provider/settlements', actions = () => null } = {}) {
  const holder = h('div');
  const notice = h('div', { 'aria-live': 'polite' });
  main.append(h('h1', {}, t('settlement.title', { id })), h('p', {}, h('a', { href: back }, t('settlement.back'))), notice, holder);
  const draw = (message) => load(holder, () => get(`/settlements/${Number(id)}`), ({ settlement: batch, lines }) => {
    replace(notice, message ? h('p', { class: 'status-line', id: 'settlement-notice' }, message) : null);
    const slot = h('div', { 'aria-live': 'assertive' });
    append(holder, [
      h('p', {}, stateBadge(batch.state), ' ', period(batch)),
      batch.paid_reference ? h('p', { class: 'small' }, t('settlement.paid_line', { reference: batch.paid_reference, when: dateTime(batch.paid_at) })) : null,
      totals(batch),
      actions(batch, draw),
      h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', id: 'download-statement', onclick: () => download(batch, slot) }, t('settlement.download'))),
      slot,
      h('h2', { id: 'lines-h' }, t('settlement.lines', { n: number(lines.length) })),
      lines.length ? h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'lines-h' },
        h('table', { id: 'settlement-lines', class: 'statement' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('settlement.order')), COLUMNS.map((key) => h('th', { scope: 'col', class: 'num' }, t(`settlement.${key}`))))),
          h('tbody', {}, lines.map((line) => h('tr', {},
            h('th', { scope: 'row' }, h('a', { href: `#/orders/${line.order_id}` }, t('order.number', { id: line.order_id })),
              line.refund_id ? h('span', { class: 'small block' }, t('settlement.refund', { id: line.refund_id })) : null),
            COLUMNS.map((key) => h('td', { class: 'num' }, money(line.totals[key])))))))) : h('p', { class: 'empty' }, t('settlement.no_lines'))]);
  });
  draw();
}

function list(main) {
  main.append(h('h1', {}, t('provider.settlements')), h('p', {}, h('a', { href: '#/provider' }, t('provider.back'))));
  const picker = organizationPicker(['provider'], ['admin', 'leader', 'member'], () => draw());
  if (!picker.mine.length) { main.append(h('p', { class: 'empty' }, t('provider.not_a_member'))); return; }
  const holder = h('div');
  main.append(picker.element || '', holder);
  const draw = () => load(holder, () => get('/settlements', { organization_id: picker.chosen().id }), (batches) => {
    holder.append(batches.length ? h('ul', { class: 'needs', id: 'settlements' }, batches.map((b) => h('li', { class: 'need', 'data-settlement': b.id },
      h('p', { class: 'need-link' }, h('a', { href: `#/provider/settlements/${b.id}` }, t('settlement.title', { id: b.id })), stateBadge(b.state)),
      h('p', {}, period(b)),
      h('p', {}, t('settlement.summary', { lines: number(b.line_count), gross: money(b.totals.gross), net: money(b.totals.net) })))))
      : h('p', { class: 'empty' }, t('settlement.none')));
  });
  draw();
}

export function render(main, { id }) {
  if (id) detail(main, id);
  else list(main);
}
