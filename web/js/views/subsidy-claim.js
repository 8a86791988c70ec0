// A subsidy programme's claim statement for its funding body: the subsidy of every confirmed
// order less refunds, line by line with the settlement batch it went into, and the total — the
// API's own decimal strings, shown and saved as CSV exactly as they came.
import { get, h, t, load, replace, money, currentLang } from '../core.js';

function programmeName(programme) {
  return currentLang() === 'en' && programme.name_en ? programme.name_en : programme.name_zh;
}

/** The claim as CSV text (UTF-8 with a byte-order mark so spreadsheets read the Chinese). */
function csv(claim) {
  const rows = [['order_id', 'refund_id', 'settlement_id', 'amount']];
  for (const line of claim.lines) rows.push([line.order_id, line.refund_id ?? '', line.settlement_id ?? '', line.amount]);
  rows.push(['total', '', '', claim.total]);
  return `\uFEFF${rows.map((row) => row.join(',')).join('\r\n')}\r\n`;
}

function save(claim) {
  const url = URL.createObjectURL(new Blob([csv(claim)], { type: 'text/csv;charset=utf-8' }));
  const link = h('a', { href: url, download: `linli-subsidy-claim-${claim.program.id}.csv`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

export function render(main, { id }) {
  const heading = h('h1', {}, t('claim.title'));
  const holder = h('div');
  main.append(heading, h('p', {}, h('a', { href: '#/staff/settlements' }, t('claim.back'))), holder);
  load(holder, () => get(`/subsidy-programs/${Number(id)}/claim`), (claim) => {
    replace(heading, t('claim.title_of', { name: programmeName(claim.program) }));
    holder.append(
      h('dl', { class: 'facts' },
        h('dt', {}, t('claim.total')), h('dd', { class: 'strong', id: 'claim-total' }, money(claim.total)),
        h('dt', {}, t('claim.line_count')), h('dd', {}, String(claim.lines.length))),
      h('div', { class: 'buttons' }, h('button', { type: 'button', class: 'primary', id: 'download-claim', onclick: () => save(claim) }, t('claim.download'))),
      h('h2', { id: 'claim-lines-h' }, t('claim.lines')),
      claim.lines.length ? h('div', { class: 'table-wrap', tabindex: 0, role: 'region', 'aria-labelledby': 'claim-lines-h' },
        h('table', { id: 'claim-lines', class: 'statement' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('settlement.order')),
            h('th', { scope: 'col' }, t('claim.settlement')),
            h('th', { scope: 'col', class: 'num' }, t('claim.amount')))),
          h('tbody', {}, claim.lines.map((line) => h('tr', {},
            h('th', { scope: 'row' }, h('a', { href: `#/orders/${line.order_id}` }, t('order.number', { id: line.order_id })),
              line.refund_id ? h('span', { class: 'small block' }, t('settlement.refund', { id: line.refund_id })) : null),
            h('td', {}, line.settlement_id ? h('a', { href: `#/staff/settlements/${line.settlement_id}` }, t('settlement.title', { id: line.settlement_id })) : t('claim.unsettled')),
            h('td', { class: 'num' }, money(line.amount)))))))
        : h('p', { class: 'empty' }, t('claim.no_lines')));
    heading.setAttribute('tabindex', '-1');
  });
}
